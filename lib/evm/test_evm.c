/* lib/evm alone, on an in-memory world (zs_evm_memhost): the rules a
   change to the interpreter is most likely to break, each with its figures
   worked out from the specification (Berlin gas, EIP-2200/2929 SSTORE,
   the refund cap, fork 12's SENDALL and invalid opcodes, the memory
   ceiling, the journal).  The executor vectors (host/exec/test_exec_vectors)
   check the whole of it against Polygon's results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base/zs_hex.h"
#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_evm_memhost.h"

static const uint8_t sender[20] = {0x5e, 0x4d};
static const uint8_t contract[20] = {0xc0, 0x01};
static const uint8_t other[20] = {0xc0, 0x02};
static const uint8_t coinbase[20] = {0xcb};

typedef struct {
    zs_evm_memhost_t *m;
    zs_evm_t *e;
} world_t;

static void setup_world(world_t *w)
{
    w->m = zs_evm_memhost_new();
    assert_non_null(w->m);
    zs_evm_host_t h;
    zs_evm_memhost_bind(w->m, &h);
    w->e = zs_evm_new(&h);
    assert_non_null(w->e);
    zs_u256_t rich = zs_u256_from_u64(1000000000000000000ull);
    assert_int_equal(zs_evm_memhost_set_balance(w->m, sender, &rich), 0);
}

static void free_world(world_t *w)
{
    zs_evm_free(w->e);
    zs_evm_memhost_free(w->m);
}

static void put_code(world_t *w, const uint8_t a[20], const char *hex)
{
    uint8_t code[512];
    size_t n;
    assert_int_equal(zs_hex_decode(code, sizeof code, &n, hex, strlen(hex)), 0);
    assert_int_equal(zs_evm_memhost_set_code(w->m, a, code, n), 0);
    zs_evm_refresh(w->e, a); /* the EVM's overlay read the old code */
}

/* A call from sender to `to` with gas, committed. */
static zs_evm_result_t call(world_t *w, const uint8_t to[20], uint64_t gas, uint64_t value)
{
    zs_evm_block_t blk = {.number = 7, .timestamp = 1700000000, .gas_limit = 1ull << 50, .chain_id = 1001};
    memcpy(blk.coinbase, coinbase, 20);
    zs_evm_tx_t tx = {.gas = gas, .gas_price = zs_u256_from_u64(1), .value = zs_u256_from_u64(value)};
    memcpy(tx.from, sender, 20);
    memcpy(tx.to, to, 20);
    zs_evm_memhost_account(w->m, sender, &(zs_evm_account_t){0});
    zs_evm_account_t a;
    zs_evm_memhost_account(w->m, sender, &a);
    tx.nonce = a.nonce;
    zs_evm_result_t r;
    assert_int_equal(zs_evm_transact(w->e, &blk, &tx, NULL, &r), 0);
    assert_int_equal(zs_evm_commit(w->e), 0);
    return r;
}

static uint64_t slot(world_t *w, const uint8_t a[20], uint64_t k)
{
    zs_u256_t s = zs_u256_from_u64(k), v;
    zs_evm_memhost_storage(w->m, a, &s, &v);
    return v.w[0];
}

static void test_sstore_gas_and_refund(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    /* PUSH1 1 PUSH1 0 SSTORE: a cold slot from 0 to 1 costs 20000 + 2100 */
    put_code(&w, contract, "6001600055");
    zs_evm_result_t r = call(&w, contract, 100000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    assert_int_equal(r.gas_used, 21000 + 3 + 3 + 22100);
    assert_int_equal(slot(&w, contract, 0), 1);
    /* PUSH1 0 PUSH1 0 SSTORE: 1 to 0 costs 2900 + 2100 and refunds 15000,
       capped at half the gas used (26006 / 2) */
    put_code(&w, contract, "6000600055");
    r = call(&w, contract, 100000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    assert_int_equal(r.gas_refund, 26006 / 2);
    assert_int_equal(r.gas_used, 26006 - 26006 / 2);
    assert_int_equal(slot(&w, contract, 0), 0);
    /* Twice in one transaction: 0 -> 1 -> 0 refunds 19900 (EIP-2200's reset
       to the original value): 22100 + 100 charged */
    put_code(&w, contract, "60016000556000600055");
    r = call(&w, contract, 100000, 0);
    assert_int_equal(r.gas_used + r.gas_refund, 21000 + 4 * 3 + 22100 + 100);
    assert_int_equal(r.gas_refund, (21000 + 12 + 22200) / 2 < 19900 ? (21000 + 12 + 22200) / 2 : 19900);
    free_world(&w);
}

static void test_revert_undoes_its_frame_only(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    /* other: SSTORE(0, 7), LOG0, then REVERT(0, 0) */
    put_code(&w, other, "600760005560006000a060006000fd");
    /* contract: SSTORE(1, 9); CALL(gas, other, 0, 0, 0, 0, 0); SSTORE(2, result) */
    put_code(&w, contract,
             "6009600155"                                   /* SSTORE(1, 9) */
             "6000600060006000600073c002000000000000000000000000000000000000" "61c350f1" /* CALL, 50000 gas */
             "600255");                                     /* SSTORE(2, success) */
    zs_evm_result_t r = call(&w, contract, 200000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    assert_int_equal(slot(&w, contract, 1), 9);
    assert_int_equal(slot(&w, contract, 2), 0); /* the call failed */
    assert_int_equal(slot(&w, other, 0), 0);    /* and its write is gone */
    assert_int_equal(r.nlogs, 0);               /* so is its log */
    free_world(&w);
}

static void test_logs_and_return(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    /* MSTORE(0, 0x2a); LOG1(0, 32, topic 0x11); RETURN(0, 32) */
    put_code(&w, contract, "602a6000526011602060" "00a1" "60206000f3");
    zs_evm_result_t r = call(&w, contract, 100000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    assert_int_equal(r.nlogs, 1);
    assert_memory_equal(r.logs[0].address, contract, 20);
    assert_int_equal(r.logs[0].ntopics, 1);
    assert_int_equal(r.logs[0].topics[0][31], 0x11);
    assert_int_equal(r.logs[0].len, 32);
    assert_int_equal(r.logs[0].data[31], 0x2a);
    assert_int_equal(r.output_len, 32);
    assert_int_equal(r.output[31], 0x2a);
    free_world(&w);
}

static void test_static_call_refuses_writes(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    put_code(&w, other, "6001600055"); /* SSTORE */
    /* STATICCALL(50000, other, 0, 0, 0, 0); SSTORE(0, success + 5): the
       failed callee keeps the gas it was given, the caller the rest */
    put_code(&w, contract, "600060006000600073c002000000000000000000000000000000000000" "61c350fa" "6005016000" "55");
    zs_evm_result_t r = call(&w, contract, 200000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    assert_int_equal(slot(&w, contract, 0), 5); /* STATICCALL pushed 0 */
    assert_int_equal(slot(&w, other, 0), 0);
    free_world(&w);
}

static void test_fork12_opcodes(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    /* BASEFEE, TLOAD, MCOPY, BLOBHASH are invalid in fork 12 */
    static const char *const invalid[] = {"48", "60005c", "6000600060005e", "600049"};
    for (size_t i = 0; i < 4; i++) {
        put_code(&w, contract, invalid[i]);
        zs_evm_result_t r = call(&w, contract, 100000, 0);
        assert_int_equal(r.status, ZS_EVM_INVALID_OPCODE);
        assert_int_equal(r.gas_used, 100000); /* an invalid opcode takes all the gas */
    }
    /* PUSH0 is valid (EIP-3855) */
    put_code(&w, contract, "5f5f55");
    assert_int_equal(call(&w, contract, 100000, 0).status, ZS_EVM_SUCCESS);
    /* memory stops at 0x3fffe0 bytes: MSTORE at 0x3fffe0 is out of gas */
    put_code(&w, contract, "6001623fffe052");
    zs_evm_result_t r = call(&w, contract, 29000000, 0);
    assert_int_equal(r.status, ZS_EVM_OUT_OF_GAS);
    /* SENDALL: the balance moves, the code stays */
    put_code(&w, contract, "73c002000000000000000000000000000000000000ff");
    r = call(&w, contract, 100000, 1234);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    zs_evm_account_t a, o;
    zs_evm_memhost_account(w.m, contract, &a);
    zs_evm_memhost_account(w.m, other, &o);
    assert_int_equal(a.balance.w[0], 0);
    assert_int_equal(o.balance.w[0], 1234);
    assert_true(a.code_len > 0);
    free_world(&w);
}

static void test_jumpdest_by_byte(void **state)
{
    (void)state;
    world_t w;
    setup_world(&w);
    /* PUSH1 4 JUMP PUSH1 0x5b ... the target byte 4 is the 0x5b inside
       PUSH1's data: valid in fork 12 (no jumpdest analysis) */
    put_code(&w, contract, "600456605b6001600055");
    zs_evm_result_t r = call(&w, contract, 100000, 0);
    assert_int_equal(r.status, ZS_EVM_SUCCESS);
    free_world(&w);
}

static void test_addresses(void **state)
{
    (void)state;
    /* CREATE: keccak(rlp([sender, nonce]))[12:] (Ethereum's classic example) */
    uint8_t s[20], out[20], want[20];
    assert_int_equal(zs_hex_decode_exact(s, 20, "6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"), 0);
    zs_evm_create_address(s, 0, out);
    assert_int_equal(zs_hex_decode_exact(want, 20, "cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"), 0);
    assert_memory_equal(out, want, 20);
    zs_evm_create_address(s, 1, out);
    assert_int_equal(zs_hex_decode_exact(want, 20, "343c43a37d37dff08ae8c4a11544c718abb4fcf8"), 0);
    assert_memory_equal(out, want, 20);
    /* CREATE2: EIP-1014's first example (zero sender and salt, init 0x00) */
    uint8_t zero[32] = {0}, h[32];
    assert_int_equal(zs_hex_decode_exact(h, 32, "bc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a"), 0);
    zs_evm_create2_address(zero, zero, h, out);
    assert_int_equal(zs_hex_decode_exact(want, 20, "4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38"), 0);
    assert_memory_equal(out, want, 20);
    /* intrinsic gas: 21000 (+32000 creating), 4 per zero byte, 16 per other */
    const uint8_t d[3] = {0, 1, 0};
    assert_int_equal(zs_evm_intrinsic_gas(0, d, 3), 21000 + 4 + 16 + 4);
    assert_int_equal(zs_evm_intrinsic_gas(1, d, 3), 53000 + 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sstore_gas_and_refund), cmocka_unit_test(test_revert_undoes_its_frame_only),
        cmocka_unit_test(test_logs_and_return),       cmocka_unit_test(test_static_call_refuses_writes),
        cmocka_unit_test(test_fork12_opcodes),        cmocka_unit_test(test_jumpdest_by_byte),
        cmocka_unit_test(test_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
