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
    big[4] = 2; /* version */
    assert_int_equal(zs_frame_parse_submit(big, (size_t)len, &f), ZS_FRAME_BAD_MAGIC);
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
        long len = zs_frame_answer(buf, sizeof buf, 7, 9, in, 3, 0, k, k ? 32 : 0);
        assert_int_equal(len, ZS_FRAME_HEADER + 3 * ZS_FRAME_ENTRY + (keyed ? 32 : 0));
        int kind;
        uint64_t c, s;
        uint16_t n, refusal;
        assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, k, k ? 32 : 0, &kind, &c, &s, out, &n, &refusal), 0);
        assert_int_equal(kind, ZS_FRAME_ANSWER);
        assert_int_equal(c, 7);
        assert_int_equal(s, 9);
        assert_int_equal(n, 3);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(in[i].status, out[i].status);
            assert_int_equal(in[i].reason, out[i].reason);
            assert_int_equal(in[i].index, out[i].index);
            assert_int_equal(in[i].arrival, out[i].arrival);
            assert_memory_equal(in[i].hash, out[i].hash, 32);
        }
        if (keyed) {
            buf[40] ^= 1;
            assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, k, 32, &kind, &c, &s, out, &n, &refusal),
                             ZS_ERR_CRYPTO);
        }
    }
    long len = zs_frame_answer(buf, sizeof buf, 7, 9, NULL, 0, ZS_FRAME_TRAILING, NULL, 0);
    int kind;
    uint64_t c, s;
    uint16_t n, refusal;
    assert_int_equal(zs_frame_parse_answer(buf, (size_t)len, NULL, 0, &kind, &c, &s, out, &n, &refusal), 0);
    assert_int_equal(kind, ZS_FRAME_REFUSED);
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
        long len = zs_frame_confirm(buf, sizeof buf, 5, 6, in, 2, k, k ? 32 : 0);
        assert_int_equal(len, ZS_FRAME_HEADER + 2 * ZS_FRAME_ENTRY + (keyed ? 32 : 0));
        uint64_t c, s;
        uint16_t n;
        assert_int_equal(zs_frame_parse_confirm(buf, (size_t)len, k, k ? 32 : 0, &c, &s, out, &n), 0);
        assert_int_equal(c, 5);
        assert_int_equal(s, 6);
        assert_int_equal(n, 2);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
