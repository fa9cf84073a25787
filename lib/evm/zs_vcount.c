/* Polygon's virtual counter model: each function below is one routine of
   the ROM with its worst-case cost, named after the model's own functions
   (virtual-counters-manager.js) so the two can be read side by side. */
#include "lib/evm/zs_vcount.h"

#include <secp256k1.h>
#include <string.h>

const char *const zs_vcount_names[8] = {"steps",    "arith",   "binary",   "memAlign",
                                        "keccaks", "padding", "poseidon", "sha256"};

/* Counter letters as the model writes them. */
#define S(n) (a->c.steps += (uint64_t)(n))
#define A(n) (a->c.arith += (uint64_t)(n))
#define B(n) (a->c.binary += (uint64_t)(n))
#define M(n) (a->c.mem_align += (uint64_t)(n))
#define K(n) (a->c.keccaks += (uint64_t)(n))
#define D(n) (a->c.padding += (uint64_t)(n))
#define P(n) (a->c.poseidon += (uint64_t)(n))
#define PM(n) (a->poseidon_mcp += (uint64_t)(n)) /* n times MCP */
#define SHA(n) (a->c.sha256 += (uint64_t)(n))
#define MCPL ZS_VCOUNT_MCPL

static size_t ceil_div(size_t x, size_t d)
{
    return (x + d - 1) / d;
}

void zs_vcount_limits(int fork, zs_vcount_t *out)
{
    /* Fork 12: steps 2^25 less 1/80 of it (SAFE_RANGE); fork 9: 2^23 less 1/20. */
    double cfg = fork >= 12 ? 33554432.0 : 8388608.0, range = fork >= 12 ? 80.0 : 20.0;
    uint64_t steps = (uint64_t)(cfg - cfg / range);
    out->steps = steps;
    out->arith = steps / 32;
    out->binary = steps / 16;
    out->mem_align = steps / 32;
    out->keccaks = (uint64_t)((double)steps / 155286.0 * 44.0);
    out->padding = steps / 56;
    out->poseidon = steps / (fork >= 12 ? 31 : 30);
    out->sha256 = (steps - 1) / 31488 * 7;
}

uint32_t zs_vcount_mcp(uint32_t max_level, int in_tx)
{
    /* bit length of 2^max_level + 50000 */
    uint64_t v = (max_level < 63 ? (1ull << max_level) : (1ull << 63)) + 50000;
    uint32_t bits = 64 - (uint32_t)__builtin_clzll(v);
    if (in_tx && bits < 32) bits = 32;
    return bits;
}

void zs_vcount_add(zs_vcount_t *c, const zs_vacc_t *acc, uint32_t mcp)
{
    zs_vcount_sum(c, &acc->c);
    c->poseidon += acc->poseidon_mcp * mcp;
}

void zs_vcount_sum(zs_vcount_t *a, const zs_vcount_t *b)
{
    a->steps += b->steps;
    a->arith += b->arith;
    a->binary += b->binary;
    a->mem_align += b->mem_align;
    a->keccaks += b->keccaks;
    a->padding += b->padding;
    a->poseidon += b->poseidon;
    a->sha256 += b->sha256;
}

int zs_vcount_over(const zs_vcount_t *c, const zs_vcount_t *l)
{
    return c->steps >= l->steps || c->arith >= l->arith || c->binary >= l->binary ||
           c->mem_align >= l->mem_align || c->keccaks >= l->keccaks || c->padding >= l->padding ||
           c->poseidon >= l->poseidon || c->sha256 >= l->sha256;
}

int zs_vcount_fits(const zs_vcount_t *n, const zs_vcount_t *r)
{
    return n->steps <= r->steps && n->arith <= r->arith && n->binary <= r->binary &&
           n->mem_align <= r->mem_align && n->keccaks <= r->keccaks && n->padding <= r->padding &&
           n->poseidon <= r->poseidon && n->sha256 <= r->sha256;
}

/* ---- Utilities (the model's "UTILS"). */

static void div_arith(zs_vacc_t *a)
{
    S(50);
    B(3);
    A(1);
}
static void mul_arith(zs_vacc_t *a)
{
    S(50);
    B(1);
    A(1);
}
static void add_arith(zs_vacc_t *a)
{
    S(10);
    B(1);
}
static void sub_arith(zs_vacc_t *a)
{
    S(10);
    B(1);
}
static void shr_arith(zs_vacc_t *a)
{
    S(50);
    B(2);
    A(1);
    div_arith(a);
}
static void shl_arith(zs_vacc_t *a)
{
    S(100);
    B(4);
    A(2);
}
static void shr_arith_bit(zs_vacc_t *a)
{
    S(30);
    B(2);
    div_arith(a);
}
static void shl_arith_bit(zs_vacc_t *a)
{
    S(50);
    B(2);
    A(2);
}
static void offset_util(zs_vacc_t *a)
{
    S(10);
    B(1);
}
static void mload_x(zs_vacc_t *a) /* _mLoad32 costs the same */
{
    S(40);
    B(2);
    M(1);
    offset_util(a);
    shr_arith(a);
    shl_arith(a);
}
static void mstore_x(zs_vacc_t *a) /* _mStore32 costs the same */
{
    S(100);
    B(1);
    M(1);
    offset_util(a);
    shr_arith(a);
    shr_arith(a);
    shl_arith(a);
    shl_arith(a);
}
static void save_mem(zs_vacc_t *a, size_t len)
{
    if (!len) {
        S(12);
        B(1);
        return;
    }
    S(50);
    B(5);
    mul_arith(a);
    div_arith(a);
}
static void read_from_calldata_offset(zs_vacc_t *a)
{
    S(25);
    mload_x(a);
}
static void mask_address(zs_vacc_t *a)
{
    S(6);
    B(1);
}
static void is_cold_address(zs_vacc_t *a)
{
    S(100);
    B(3);
    P(2 * MCPL);
}
static void is_cold_slot(zs_vacc_t *a)
{
    S(20);
    B(1);
    P(2 * MCPL);
}
static void is_empty_account(zs_vacc_t *a)
{
    S(30);
    B(3);
    PM(3);
}
static void compute_gas_send_call(zs_vacc_t *a)
{
    S(25);
    B(2);
}
/* _saveCalldataPointer, _checkpointBlockInfoTree, _checkpointTouched */
static void call_checkpoints(zs_vacc_t *a)
{
    S(6 + 4 + 2);
}
static void get_len_bytes(zs_vacc_t *a, size_t n)
{
    S(n * 7 + 12);
    B(n);
    for (size_t i = 0; i < n; i++) shr_arith(a);
}
static void get_len_bits(zs_vacc_t *a, size_t n)
{
    S(12);
    for (size_t i = 0; i < n; i++) {
        S(9);
        B(1);
        div_arith(a);
    }
}
static void exp_ad(zs_vacc_t *a, size_t bits)
{
    S(30);
    B(2);
    get_len_bits(a, bits);
    for (size_t i = 0; i < bits; i++) {
        S(12);
        B(2);
        div_arith(a);
        mul_arith(a);
        mul_arith(a);
    }
}
static void consolidate_block(zs_vacc_t *a)
{
    S(20);
    B(2);
    P(2 * MCPL);
}
static void setup_new_block_info_tree(zs_vacc_t *a)
{
    S(40);
    B(7);
    P(6 * MCPL);
}
static void verify_merkle_proof(zs_vacc_t *a)
{
    S(250);
    K(33);
}
static void fill_block_info_tree_with_log(zs_vacc_t *a)
{
    S(11);
    P(MCPL);
    B(1);
}
static void fill_block_info_tree_with_tx_receipt(zs_vacc_t *a)
{
    S(20);
    P(3 * MCPL);
}
static void check_bytecode_starts_ef(zs_vacc_t *a)
{
    S(20);
    mload_x(a);
    shr_arith(a);
}
static void hash_poseidon_linear_from_memory(zs_vacc_t *a, size_t len)
{
    S(50);
    B(2);
    P(ceil_div(len + 1, 56));
    D(ceil_div(len + 1, 56));
    div_arith(a);
    for (size_t i = 0; i < len / 32; i++) {
        S(8);
        mload_x(a);
    }
    mload_x(a);
    shr_arith(a);
}
static void move_balances(zs_vacc_t *a)
{
    S(25);
    B(5);
    PM(4);
}
static void add_batch_hash_data(zs_vacc_t *a)
{
    S(10);
}
static void mul_mod_util(zs_vacc_t *a)
{
    S(50);
    B(4);
    A(2);
    mul_arith(a);
}
static void abs_util(zs_vacc_t *a)
{
    S(10);
    B(2);
}

/* _processContractCall */
static void process_contract_call(zs_vacc_t *a, size_t code_len, int is_deploy, int is_create, int is_create2)
{
    S(40);
    B(5);
    P(1);
    D(1);
    PM(2);
    move_balances(a);
    if (is_deploy || is_create || is_create2) {
        S(15);
        B(2);
        PM(2);
        check_bytecode_starts_ef(a);
        hash_poseidon_linear_from_memory(a, code_len);
        if (is_create) {
            S(40);
            K(1);
            mask_address(a);
        } else if (is_create2) {
            S(40);
            div_arith(a);
            K(ceil_div(code_len + 1, 136) + 1);
            for (size_t i = 0; i < code_len / 32; i++) mload_x(a);
            mload_x(a);
            shr_arith(a);
            K(1);
            mask_address(a);
        }
    } else {
        P(ceil_div(code_len + 1, 56));
        D(ceil_div(code_len + 1, 56));
        if (code_len >= 56) div_arith(a);
    }
}

/* The secp256k1 check every ecrecover makes: the cheap failure, the
   x-coordinate without a square root, or a full recovery.  on_curve: the
   caller already recovered a key from this signature, so r is a point's
   x-coordinate (the test below would succeed: it costs a square root). */
static void ecrecover(zs_vacc_t *a, uint8_t v, const uint8_t r[32], const uint8_t s[32], int precompiled,
                      int on_curve)
{
    static const uint8_t n_minus_1[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                          0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x40};
    static const uint8_t n_half[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
                                       0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};
    static const uint8_t zero[32];
    const uint8_t *s_max = precompiled ? n_minus_1 : n_half;
    if (!memcmp(r, zero, 32) || memcmp(r, n_minus_1, 32) > 0 || !memcmp(s, zero, 32) ||
        memcmp(s, s_max, 32) > 0 || (v != 27 && v != 28)) {
        S(45);
        A(2);
        B(8);
        return;
    }
    /* r^3 + 7 has a square root iff 0x02 || r parses as a point. */
    uint8_t pk33[33];
    secp256k1_pubkey pk;
    pk33[0] = 0x02;
    memcpy(pk33 + 1, r, 32);
    if (!on_curve && !secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, pk33, 33)) {
        S(4527);
        A(1014);
        B(10);
        return;
    }
    S(6294);
    A(528);
    B(523);
    K(1);
}

/* ---- Batch steps. */

void zs_vcount_batch(zs_vacc_t *a, size_t len)
{
    /* _initBatchProcessing, _failAssert, _consolidateBlock, _finishBatchProcessing */
    S(100);
    PM(1);
    B(2);
    div_arith(a);
    K(ceil_div(len + 1, 136));
    S(2);
    consolidate_block(a);
    S(200);
    K(2);
    PM(1);
    B(1);
}

void zs_vcount_change_l2_block(zs_vacc_t *a, int verify)
{
    (void)verify; /* this model verifies the proof in every block */
    S(70);
    B(8);
    PM(6);
    K(2);
    consolidate_block(a);
    setup_new_block_info_tree(a);
    verify_merkle_proof(a);
}

void zs_vcount_decode_change_l2_block(zs_vacc_t *a)
{
    S(20);
    for (int i = 0; i < 3; i++) add_batch_hash_data(a);
}

void zs_vcount_rlp_parsing(zs_vacc_t *a, const zs_vcount_rlp_t *t)
{
    S(250);
    B(2);
    K(ceil_div(t->rlp_len + 1, 136));
    P(ceil_div(t->rlp_len + 1, 56) + 3);
    D(ceil_div(t->rlp_len + 1, 56) + 3);
    for (int i = 0; i < 21; i++) add_batch_hash_data(a);
    S(6 * 7);
    size_t lens[7] = {3, t->gas_price_len, t->gas_limit_len, t->value_len, t->chain_id_len, t->nonce_len,
                      t->data_len};
    for (int i = 0; i < (t->data_len >= 56 ? 7 : 6); i++) get_len_bytes(a, lens[i]);
    div_arith(a);
    S(10 * (9 + t->data_len / 32));  /* _addHashTx */
    S(10 * (8 + t->data_len / 32));  /* _addL2HashTx */
    for (size_t i = 0; i < t->data_len; i++) { /* _addBatchHashByteByByte */
        S(25);
        B(1);
        shr_arith(a);
        add_batch_hash_data(a);
    }
    shl_arith(a);
    ecrecover(a, t->v, t->r, t->s, 0, t->recovered);
}

void zs_vcount_process_tx(zs_vacc_t *a, size_t code_len, int is_deploy)
{
    S(300);
    B(18);
    PM(14);
    D(5);
    A(2);
    K(1);
    is_cold_address(a);
    is_cold_address(a);
    for (int i = 0; i < 3; i++) add_arith(a);
    sub_arith(a);
    div_arith(a);
    for (int i = 0; i < 4; i++) mul_arith(a);
    fill_block_info_tree_with_tx_receipt(a);
    process_contract_call(a, code_len, is_deploy, 0, 0);
}

/* ---- Opcodes. */

static void opcode(zs_vacc_t *a, int ctx)
{
    S(12);
    if (ctx) { /* init code (a transaction's or CREATE's) is read from memory */
        mload_x(a);
        shr_arith(a);
    }
}

static void read_push(zs_vacc_t *a, int n)
{
    switch (n) {
    case 1: S(2); break;
    case 2: S(4); break;
    case 3: S(5); break;
    case 4: S(6); break;
    case 32: S(45); break;
    default: S(6 + n * 2); break;
    }
}

static void check_jump_dest(zs_vacc_t *a, int ctx)
{
    S(10);
    B(1);
    if ((ctx & ZS_VC_CREATE) && (ctx & ZS_VC_DEPLOY)) {
        B(1);
        mload_x(a);
    }
}

/* Long because it is the model's opcode table: one short case per opcode
   whose cost depends on nothing but the frame kind. */
int zs_vcount_op_static(zs_vacc_t *a, uint8_t op, int ctx)
{
    if (op >= 0x60 && op <= 0x7f) { /* PUSH1..32 */
        int n = op - 0x5f;
        opcode(a, ctx);
        S(2);
        if (ctx) {
            if (ctx & ZS_VC_CREATE) {
                S(20);
                mload_x(a);
                shr_arith(a);
            } else {
                S(10 + 10 * n); /* the vectors count no shifts here */
            }
        } else {
            S(10);
            read_push(a, n);
        }
        return 1;
    }
    if (op >= 0x80 && op <= 0x8f) { opcode(a, ctx); S(6); return 1; }
    if (op >= 0x90 && op <= 0x9f) { opcode(a, ctx); S(7); return 1; }
    switch (op) {
    case 0x00: opcode(a, ctx); S(20); return 1;
    case 0x01: case 0x03: opcode(a, ctx); S(10); B(1); return 1;
    case 0x02: opcode(a, ctx); S(10); mul_arith(a); return 1;
    case 0x04: opcode(a, ctx); S(15); div_arith(a); return 1;
    case 0x05: case 0x07:
        opcode(a, ctx);
        S(op == 0x05 ? 25 : 20);
        B(1);
        abs_util(a);
        abs_util(a);
        div_arith(a);
        return 1;
    case 0x06: opcode(a, ctx); S(20); div_arith(a); return 1;
    case 0x08: opcode(a, ctx); S(30); B(3); A(1); return 1;
    case 0x09: opcode(a, ctx); S(10); mul_mod_util(a); return 1;
    case 0x0b: opcode(a, ctx); S(20); B(6); PM(2); return 1;
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: opcode(a, ctx); S(8); B(1); return 1;
    case 0x16: case 0x17: case 0x18: case 0x19: opcode(a, ctx); S(10); B(1); PM(1); return 1;
    case 0x1a: opcode(a, ctx); S(15); B(2); shr_arith(a); return 1;
    case 0x1b: opcode(a, ctx); S(8); B(1); shl_arith_bit(a); return 1;
    case 0x1c: opcode(a, ctx); S(8); B(1); shr_arith_bit(a); return 1;
    case 0x1d: opcode(a, ctx); S(25); B(5); shr_arith_bit(a); return 1;
    case 0x30: opcode(a, ctx); S(6); return 1;
    case 0x31: opcode(a, ctx); S(8); PM(1); mask_address(a); is_cold_address(a); return 1;
    case 0x32: case 0x33: case 0x34: case 0x3a: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46:
        opcode(a, ctx); S(5); return 1;
    case 0x35: opcode(a, ctx); S(15); read_from_calldata_offset(a); return 1;
    case 0x36: opcode(a, ctx); S(10); return 1;
    case 0x38: opcode(a, ctx); S(10); PM(1); return 1;
    case 0x3b: case 0x3f: opcode(a, ctx); S(10); PM(1); mask_address(a); is_cold_address(a); return 1;
    case 0x3d: opcode(a, ctx); S(11); B(1); return 1;
    case 0x40: opcode(a, ctx); S(15); PM(1); K(1); return 1;
    case 0x47: opcode(a, ctx); S(8); PM(1); return 1;
    case 0x50: opcode(a, ctx); S(3); return 1;
    case 0x51: opcode(a, ctx); S(8); save_mem(a, 32); mload_x(a); return 1;
    case 0x52: opcode(a, ctx); S(22); M(1); save_mem(a, 32); offset_util(a); return 1;
    case 0x53: opcode(a, ctx); S(13); M(1); save_mem(a, 1); offset_util(a); return 1;
    case 0x54: opcode(a, ctx); S(10); PM(1); is_cold_slot(a); return 1;
    case 0x55: opcode(a, ctx); S(70); B(8); PM(3); is_cold_slot(a); return 1;
    case 0x56: opcode(a, ctx); S(5); check_jump_dest(a, ctx); return 1;
    case 0x57: opcode(a, ctx); S(10); B(1); check_jump_dest(a, ctx); return 1;
    case 0x58: opcode(a, ctx); S(4); return 1;
    case 0x59: opcode(a, ctx); S(15); div_arith(a); return 1;
    case 0x5a: opcode(a, ctx); S(4); return 1;
    case 0x5b: opcode(a, ctx); S(2); return 1;
    case 0x5f: opcode(a, ctx); S(4); return 1;
    case 0xff: /* SENDALL */
        opcode(a, ctx);
        S(60);
        B(3);
        PM(4);
        mask_address(a);
        is_empty_account(a);
        is_cold_address(a);
        add_arith(a);
        return 1;
    default:
        return 0;
    }
}

void zs_vcount_op_exp(zs_vacc_t *a, int ctx, size_t n)
{
    opcode(a, ctx);
    S(10);
    get_len_bytes(a, n);
    exp_ad(a, n * 8);
}

void zs_vcount_op_sha3(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    S(40);
    K(ceil_div(len + 1, 32));
    save_mem(a, len);
    div_arith(a);
    div_arith(a);
    mul_arith(a);
    for (size_t i = 0; i < len / 32; i++) {
        S(8);
        mload_x(a);
    }
    mload_x(a);
    shr_arith(a);
}

static void calldatacopy_body(zs_vacc_t *a, size_t len)
{
    S(100);
    B(2);
    save_mem(a, len);
    offset_util(a);
    for (size_t i = 0; i < len / 32; i++) {
        S(30);
        read_from_calldata_offset(a);
        offset_util(a);
        M(1);
    }
    read_from_calldata_offset(a);
    mstore_x(a);
    mstore_x(a);
}

void zs_vcount_op_calldatacopy(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    calldatacopy_body(a, len);
}

static void code_copy_loop(zs_vacc_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        S(30);
        B(2);
        M(1);
        offset_util(a);
    }
}

void zs_vcount_op_codecopy(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    if (ctx) { /* init code: the model counts it as CALLDATACOPY, opcode included */
        opcode(a, ctx);
        calldatacopy_body(a, len);
        return;
    }
    S(40);
    B(3);
    save_mem(a, len);
    div_arith(a);
    mul_arith(a);
    code_copy_loop(a, len);
}

void zs_vcount_op_extcodecopy(zs_vacc_t *a, int ctx, size_t len, size_t code_len)
{
    opcode(a, ctx);
    S(60);
    mask_address(a);
    is_cold_address(a);
    PM(2);
    P(ceil_div(code_len, 56));
    D(ceil_div(code_len, 56));
    div_arith(a);
    div_arith(a);
    save_mem(a, len);
    mul_arith(a);
    M(len);
    code_copy_loop(a, len);
    B(1);
}

void zs_vcount_op_returndatacopy(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    S(50);
    B(2);
    save_mem(a, len);
    div_arith(a);
    mul_arith(a);
    for (size_t i = 0; i < len / 32; i++) {
        S(10);
        mload_x(a);
        mstore_x(a);
    }
    mload_x(a);
    mstore_x(a);
}

void zs_vcount_op_log(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    S(34 + 7 * 4);
    save_mem(a, len);
    mul_arith(a);
    div_arith(a);
    P(ceil_div(len, 56) + 4);
    D(ceil_div(len, 56) + 4);
    /* the model loops inputSize + 1/32 times, i.e. once per byte */
    for (size_t i = 0; i < len; i++) {
        S(10);
        mload_x(a);
    }
    mload_x(a);
    shr_arith(a);
    fill_block_info_tree_with_log(a);
    B(1);
}

void zs_vcount_op_return(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    S(30);
    B(1);
    save_mem(a, len);
    if (ctx) {
        if (ctx & ZS_VC_CREATE) {
            S(25);
            B(2);
            PM(2);
            check_bytecode_starts_ef(a);
            hash_poseidon_linear_from_memory(a, len);
        }
        return;
    }
    for (size_t i = 0; i < len / 32; i++) {
        S(12);
        mload_x(a);
        mstore_x(a);
    }
    mload_x(a);
    mstore_x(a);
}

void zs_vcount_op_revert(zs_vacc_t *a, int ctx, size_t len)
{
    opcode(a, ctx);
    S(40);
    B(1);
    S(2); /* _revertTouched */
    S(4); /* _revertBlockInfoTree */
    save_mem(a, len);
    for (size_t i = 0; i < len / 32; i++) {
        S(12);
        mload_x(a);
        mstore_x(a);
    }
    mload_x(a);
    mstore_x(a);
}

void zs_vcount_op_create(zs_vacc_t *a, int ctx, int create2, size_t nonce_bytes, size_t init_len)
{
    opcode(a, ctx);
    if (create2) {
        S(80);
        B(4);
        PM(2);
        save_mem(a, init_len);
        div_arith(a);
    } else {
        S(70);
        B(3);
        PM(3);
        save_mem(a, init_len);
    }
    get_len_bytes(a, nonce_bytes);
    compute_gas_send_call(a);
    call_checkpoints(a);
}

void zs_vcount_contract_call(zs_vacc_t *a, size_t code_len, int create, int create2)
{
    process_contract_call(a, code_len, 0, create, create2);
}

void zs_vcount_op_call(zs_vacc_t *a, int ctx, uint8_t op, size_t in_len, size_t out_len, size_t code_len)
{
    opcode(a, ctx);
    S(80);
    if (op == 0xf1 || op == 0xf2) B(5);
    mask_address(a);
    save_mem(a, in_len);
    save_mem(a, out_len);
    is_cold_address(a);
    if (op == 0xf1) is_empty_account(a);
    compute_gas_send_call(a);
    call_checkpoints(a);
    process_contract_call(a, code_len, 0, 0, 0); /* a call counts it whether or not it goes ahead */
}

/* ---- Precompiles. */

void zs_vcount_pre_ecrecover(zs_vacc_t *a, uint8_t v, const uint8_t r[32], const uint8_t s[32])
{
    S(35);
    B(1);
    for (int i = 0; i < 4; i++) read_from_calldata_offset(a);
    ecrecover(a, v, r, s, 1, 0);
    mstore_x(a);
    mstore_x(a);
}

void zs_vcount_pre_identity(zs_vacc_t *a, size_t in_len, size_t out_len)
{
    S(45);
    B(2);
    div_arith(a);
    for (size_t i = 0; i < in_len / 32; i++) {
        S(8);
        read_from_calldata_offset(a);
        mstore_x(a);
    }
    read_from_calldata_offset(a);
    mstore_x(a);
    for (size_t i = 0; i < out_len / 32; i++) {
        S(12);
        mload_x(a);
        mstore_x(a);
    }
    mload_x(a);
    mstore_x(a);
}

void zs_vcount_pre_sha256(zs_vacc_t *a, size_t in_len)
{
    S(100);
    B(1);
    SHA(ceil_div(in_len + 1, 64));
    div_arith(a);
    div_arith(a);
    mstore_x(a);
    mstore_x(a);
    for (size_t i = 0; i < in_len / 32; i++) {
        S(11);
        read_from_calldata_offset(a);
    }
    read_from_calldata_offset(a);
    shr_arith(a);
}

void zs_vcount_pre_ecadd(zs_vacc_t *a)
{
    S(50);
    B(1);
    for (int i = 0; i < 4; i++) read_from_calldata_offset(a);
    for (int i = 0; i < 5; i++) mstore_x(a);
    S(323);
    B(33);
    A(40);
}

void zs_vcount_pre_ecmul(zs_vacc_t *a)
{
    S(50);
    B(1);
    for (int i = 0; i < 3; i++) read_from_calldata_offset(a);
    for (int i = 0; i < 5; i++) mstore_x(a);
    S(162890);
    B(16395);
    A(19161);
}

void zs_vcount_pre_ecpairing(zs_vacc_t *a, size_t pairs)
{
    S(50);
    B(1);
    for (int i = 0; i < 6; i++) read_from_calldata_offset(a);
    div_arith(a);
    mstore_x(a);
    mstore_x(a);
    S(16 + pairs * 184017 + 171253);
    B(pairs * 3986 + 650);
    A(pairs * 13694 + 15411);
}
