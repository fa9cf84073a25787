/* The ingress wire format: round trips, every refusal reason, HMAC. */
#include <string.h>

#include "lib/frame/zs_frame.h"
#include "tests/support/zs_test.h"

static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";

static long build(uint8_t *buf, size_t cap, int ntx, const uint8_t *k)
{
    zs_frame_builder_t b;
    zs_frame_submit_begin(&b, buf, cap, 0x1122334455667788ull, 42);
    for (int i = 0; i < ntx; i++) {
        uint8_t tx[100];
        memset(tx, 0xc0 + i, sizeof tx);
        assert_int_equal(zs_frame_submit_add(&b, tx, (size_t)(10 + i)), 0);
    }
    return zs_frame_submit_finish(&b, k, k ? 32 : 0);
}

static void test_submit_round_trip(void **state)
{
    (void)state;
    uint8_t buf[4096];
    for (int keyed = 0; keyed < 2; keyed++) {
        long len = build(buf, sizeof buf, 5, keyed ? key : NULL);
        assert_true(len > 0);
        zs_submit_frame_t f;
        assert_int_equal(zs_frame_parse_submit(buf, (size_t)len, &f), ZS_FRAME_OK);
        assert_int_equal(f.client, 0x1122334455667788ull);
        assert_int_equal(f.seq, 42);
        assert_int_equal(f.n, 5);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(f.len[i], 10 + i);
            assert_int_equal(f.tx[i][0], 0xc0 + i);
        }
        assert_int_equal(!!(f.flags & ZS_FRAME_FLAG_HMAC), keyed);
        if (keyed) {
            assert_true(zs_frame_check_mac(key, 32, buf, f.mac_off));
            uint8_t other[32] = {1};
            assert_false(zs_frame_check_mac(other, 32, buf, f.mac_off));
            buf[30] ^= 1; /* a byte of the first transaction */
            assert_false(zs_frame_check_mac(key, 32, buf, f.mac_off));
        }
    }
}

static void test_submit_refusals(void **state)
{
    (void)state;
    uint8_t buf[4096];
    zs_submit_frame_t f;
    long len = build(buf, sizeof buf, 3, NULL);
    /* Every truncation is refused, never read past. */
    for (long cut = 0; cut < len; cut++) {
        zs_frame_err_t e = zs_frame_parse_submit(buf, (size_t)cut, &f);
        assert_true(e == ZS_FRAME_TRUNCATED || e == ZS_FRAME_BAD_MAGIC);
    }
    uint8_t big[4200];
    memcpy(big, buf, (size_t)len);
    big[len] = 0;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len + 1, &f), ZS_FRAME_TRAILING);
    memcpy(big, buf, (size_t)len);
    big[3] = '2';
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_MAGIC);
    memcpy(big, buf, (size_t)len);
    big[4] = 3; /* a version this box does not know */
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_MAGIC);
    big[4] = 0;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_MAGIC);
    /* The execution flag (bit 2) is version 2's: refused in a version 1 frame. */
    memcpy(big, buf, (size_t)len);
    big[7] = 4;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_FLAGS);
    big[4] = 2;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_OK);
    assert_int_equal(f.version, 2);
    assert_int_equal(f.flags, ZS_FRAME_FLAG_EXECUTED);
    memcpy(big, buf, (size_t)len);
    big[5] = 2;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_KIND);
    memcpy(big, buf, (size_t)len);
    big[7] = 8;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_FLAGS);
    memcpy(big, buf, (size_t)len);
    big[24] = 0, big[25] = 0;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_COUNT);
    big[25] = 65;
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_COUNT);
    memcpy(big, buf, (size_t)len);
    big[25] = 4; /* says 4, holds 3 */
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_TRUNCATED);
    memcpy(big, buf, (size_t)len);
    big[26] = 0, big[27] = 0; /* an empty transaction */
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_TRUNCATED);
    /* The builder stops at 64 transactions and at the buffer's end. */
    zs_frame_builder_t b;
    zs_frame_submit_begin(&b, buf, sizeof buf, 1, 1);
    uint8_t tx[8] = {1};
    for (int i = 0; i < 64; i++) assert_int_equal(zs_frame_submit_add(&b, tx, 8), 0);
    assert_int_equal(zs_frame_submit_add(&b, tx, 8), ZS_ERR_FULL);
    zs_frame_submit_begin(&b, buf, 100, 1, 1);
    uint8_t large[80] = {0};
    assert_int_equal(zs_frame_submit_add(&b, large, sizeof large), ZS_ERR_FULL);
}

static void test_answer_round_trip(void **state)
{
    (void)state;
    zs_answer_entry_t in[3], out[64];
    for (int i = 0; i < 3; i++) {
        in[i] = (zs_answer_entry_t){.status = (uint8_t)(i == 1), .reason = (uint8_t)(i == 1 ? 2 : 0),
                                    .index = (uint16_t)i, .arrival = i == 1 ? 0 : 1000u + (unsigned)i};
        memset(in[i].hash, 0x10 + i, 32);
    }
    uint8_t buf[1024];
    for (int keyed = 0; keyed < 2; keyed++) {
        const uint8_t *k = keyed ? key : NULL;
        zs_frame_to_t to = {.version = (uint8_t)(1 + keyed), .client = 7, .seq = 9, .key = k, .keylen = k ? 32 : 0};
        long len = zs_frame_answer(buf, sizeof buf, &to, in, 3, 0);
        assert_int_equal(len, ZS_FRAME_HEADER + 3 * ZS_FRAME_ENTRY + (keyed ? 32 : 0));
        assert_int_equal(buf[4], 1 + keyed); /* the submit's version */
        zs_frame_head_t h;
        uint16_t refusal;
        assert_int_equal(zs_frame_kind(buf, (size_t)len), ZS_FRAME_ANSWER);
        assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, k, k ? 32 : 0, &h, out, &refusal), 0);
        assert_int_equal(h.kind, ZS_FRAME_ANSWER);
        assert_int_equal(h.version, 1 + keyed);
        assert_int_equal(h.client, 7);
        assert_int_equal(h.seq, 9);
        assert_int_equal(h.n, 3);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(in[i].status, out[i].status);
            assert_int_equal(in[i].reason, out[i].reason);
            assert_int_equal(in[i].index, out[i].index);
            assert_int_equal(in[i].arrival, out[i].arrival);
            assert_memory_equal(in[i].hash, out[i].hash, 32);
        }
        if (keyed) {
            buf[40] ^= 1;
            assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, k, 32, &h, out, &refusal), ZS_ERR_CRYPTO);
        }
    }
    long len = zs_frame_answer(buf, sizeof buf, &(zs_frame_to_t){.version = 1, .client = 7, .seq = 9}, NULL, 0,
                               ZS_FRAME_TRAILING);
    zs_frame_head_t h;
    uint16_t refusal;
    assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, NULL, 0, &h, out, &refusal), 0);
    assert_int_equal(h.kind, ZS_FRAME_REFUSED);
    assert_int_equal(refusal, ZS_FRAME_TRAILING);
    assert_string_equal(zs_frame_err_id(ZS_FRAME_BAD_HMAC), "bad_hmac");
}

static void test_confirm_round_trip(void **state)
{
    (void)state;
    zs_confirm_entry_t in[2] = {{.block = 77, .index = 3}, {.block = 77, .index = 0x01020304}}, out[64];
    memset(in[0].hash, 0xaa, 32);
    memset(in[1].hash, 0xbb, 32);
    uint8_t buf[512];
    for (int keyed = 0; keyed < 2; keyed++) {
        const uint8_t *k = keyed ? key : NULL;
        zs_frame_to_t to = {.version = 1, .client = 5, .seq = 6, .key = k, .keylen = k ? 32 : 0};
        long len = zs_frame_confirm(buf, sizeof buf, &to, ZS_FRAME_CONFIRM, in, 2);
        assert_int_equal(len, ZS_FRAME_HEADER + 2 * ZS_FRAME_ENTRY + (keyed ? 32 : 0));
        zs_frame_head_t h;
        assert_int_equal(zs_frame_parse_confirm(buf, (size_t)len, k, k ? 32 : 0, &h, out), 0);
        assert_int_equal(h.kind, ZS_FRAME_CONFIRM);
        assert_int_equal(h.client, 5);
        assert_int_equal(h.seq, 6);
        assert_int_equal(h.n, 2);
        for (int i = 0; i < 2; i++) {
            assert_memory_equal(out[i].hash, in[i].hash, 32);
            assert_int_equal(out[i].block, 77);
            assert_int_equal(out[i].index, in[i].index);
        }
    }
    /* The confirmation flag is a valid submit flag. */
    uint8_t f[256];
    zs_frame_builder_t b;
    zs_frame_submit_begin(&b, f, sizeof f, 1, 2);
    uint8_t tx[4] = {1, 2, 3, 4};
    assert_int_equal(zs_frame_submit_add(&b, tx, 4), 0);
    zs_frame_submit_want_confirm(&b);
    long len = zs_frame_submit_finish(&b, key, 32);
    zs_submit_frame_t sf;
    assert_int_equal(zs_frame_parse_submit(f, (size_t)len, &sf), ZS_FRAME_OK);
    assert_int_equal(sf.flags, ZS_FRAME_FLAG_HMAC | ZS_FRAME_FLAG_CONFIRM);
}

/* Version 2's execution confirmations: 64-byte entries with the
   transaction's status, gas used and logs; refused in version 1. */
static void test_executed_round_trip(void **state)
{
    (void)state;
    zs_confirm_entry_t in[2] = {{.block = 9, .index = 1, .status = 1, .gas_used = 21000, .logs = 0},
                                {.block = 9, .index = 0x01020304, .status = 0, .gas_used = 0x0102030405060708ull,
                                 .logs = 0xa0b0c0d0u}},
                       out[64];
    memset(in[0].hash, 0x11, 32);
    memset(in[1].hash, 0x22, 32);
    uint8_t buf[512];
    zs_frame_to_t to = {.version = 2, .client = 3, .seq = 4, .key = key, .keylen = 32};
    long len = zs_frame_confirm(buf, sizeof buf, &to, ZS_FRAME_EXECUTED, in, 2);
    assert_int_equal(len, ZS_FRAME_HEADER + 2 * ZS_FRAME_EXEC_ENTRY + 32);
    /* The layout, byte for byte (PROTOCOL.md): the second entry's fields. */
    const uint8_t *q = buf + ZS_FRAME_HEADER + ZS_FRAME_EXEC_ENTRY;
    zs_test_assert_hex(q + 32, 8, "0000000000000009");
    zs_test_assert_hex(q + 40, 8, "0102030400000000");
    zs_test_assert_hex(q + 48, 16, "0102030405060708a0b0c0d000000000");
    zs_frame_head_t h;
    assert_int_equal(zs_frame_kind(buf, (size_t)len), ZS_FRAME_EXECUTED);
    assert_int_equal(zs_frame_parse_confirm(buf, (size_t)len, key, 32, &h, out), 0);
    assert_int_equal(h.kind, ZS_FRAME_EXECUTED);
    assert_int_equal(h.version, 2);
    assert_int_equal(h.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(out[i].hash, in[i].hash, 32);
        assert_int_equal(out[i].block, 9);
        assert_int_equal(out[i].index, in[i].index);
        assert_int_equal(out[i].status, in[i].status);
        assert_int_equal(out[i].gas_used, in[i].gas_used);
        assert_int_equal(out[i].logs, in[i].logs);
    }
    /* A version 1 addressee cannot get one; a version 1 frame of kind 5 is refused. */
    to.version = 1;
    assert_int_equal(zs_frame_confirm(buf, sizeof buf, &to, ZS_FRAME_EXECUTED, in, 2), ZS_ERR_FULL);
    to.key = NULL;
    to.version = 2;
    len = zs_frame_confirm(buf, sizeof buf, &to, ZS_FRAME_EXECUTED, in, 1);
    buf[4] = 1;
    assert_int_equal(zs_frame_parse_confirm(buf, (size_t)len, NULL, 0, &h, out), ZS_ERR_PARSE);
    /* Truncated anywhere: refused. */
    buf[4] = 2;
    for (long cut = 0; cut < len; cut++) assert_int_not_equal(zs_frame_parse_confirm(buf, (size_t)cut, NULL, 0, &h, out), 0);
    /* A builder that asks for execution confirmations writes version 2. */
    uint8_t f[256];
    zs_frame_builder_t b;
    zs_frame_submit_begin(&b, f, sizeof f, 1, 2);
    uint8_t tx[4] = {1, 2, 3, 4};
    assert_int_equal(zs_frame_submit_add(&b, tx, 4), 0);
    zs_frame_submit_want_executed(&b);
    len = zs_frame_submit_finish(&b, NULL, 0);
    zs_submit_frame_t sf;
    assert_int_equal(zs_frame_parse_submit(f, (size_t)len, &sf), ZS_FRAME_OK);
    assert_int_equal(sf.version, 2);
    assert_int_equal(sf.flags, ZS_FRAME_FLAG_EXECUTED);
}

/* RFC 4231 test case 2: HMAC-SHA256 with key "Jefe". */
static void test_hmac_vector(void **state)
{
    (void)state;
    static const char msg[] = "what do ya want for nothing?";
    uint8_t mac[32];
    assert_int_equal(zs_frame_mac((const uint8_t *)"Jefe", 4, (const uint8_t *)msg, sizeof msg - 1, mac), 0);
    zs_test_assert_hex(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_round_trip),
        cmocka_unit_test(test_submit_refusals),
        cmocka_unit_test(test_answer_round_trip),
        cmocka_unit_test(test_hmac_vector),
        cmocka_unit_test(test_confirm_round_trip),
        cmocka_unit_test(test_executed_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
