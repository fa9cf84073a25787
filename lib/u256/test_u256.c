/* Unit tests of lib/u256 against unsigned __int128 on values that fit, and
   algebraic identities on random full-width values. */
#include "tests/support/zs_test.h"

#include <string.h>

#include "lib/u256/zs_u256.h"

static zs_u256_t rnd256(zs_test_rng_t *r)
{
    zs_u256_t a;
    uint64_t shape = zs_test_rng_u64(r);
    for (int i = 0; i < 4; i++) {
        a.w[i] = zs_test_rng_u64(r);
        if ((shape >> (2 * i)) % 4 == 0) a.w[i] = 0;
        if ((shape >> (2 * i)) % 4 == 1) a.w[i] = ~0ull;
    }
    return a;
}

static void test_small_against_u128(void **state)
{
    zs_test_rng_t rng = {0x256};
    for (int i = 0; i < 100000; i++) {
        uint64_t x = zs_test_rng_u64(&rng) >> (i % 64), y = zs_test_rng_u64(&rng) >> (i % 61);
        zs_u256_t a = zs_u256_from_u64(x), b = zs_u256_from_u64(y), r;
        unsigned __int128 s = (unsigned __int128)x + y, p = (unsigned __int128)x * y;
        assert_int_equal(zs_u256_add(&r, &a, &b), 0);
        assert_int_equal(r.w[0], (uint64_t)s);
        assert_int_equal(r.w[1], (uint64_t)(s >> 64));
        assert_int_equal(zs_u256_mul(&r, &a, &b), 0);
        assert_int_equal(r.w[0], (uint64_t)p);
        assert_int_equal(r.w[1], (uint64_t)(p >> 64));
        assert_int_equal(zs_u256_cmp(&a, &b), x < y ? -1 : x > y ? 1 : 0);
        if (y) {
            zs_u256_t q, m;
            assert_int_equal(zs_u256_divmod(&q, &m, &a, &b), 0);
            assert_int_equal(q.w[0], x / y);
            assert_int_equal(m.w[0], x % y);
        }
    }
}

static void test_identities(void **state)
{
    zs_test_rng_t rng = {0x257};
    for (int i = 0; i < 20000; i++) {
        zs_u256_t a = rnd256(&rng), b = rnd256(&rng), s, d, back;
        int carry = zs_u256_add(&s, &a, &b);
        int borrow = zs_u256_sub(&back, &s, &b);
        assert_memory_equal(&back, &a, 32);
        assert_int_equal(carry, borrow); /* wrapped iff the way back borrows */
        zs_u256_sub(&d, &a, &b);
        assert_int_equal(zs_u256_sub(&d, &a, &b), zs_u256_cmp(&a, &b) < 0);
        /* (a / b) * b + a % b == a */
        if (!zs_u256_is_zero(&b)) {
            zs_u256_t q, m, t;
            assert_int_equal(zs_u256_divmod(&q, &m, &a, &b), 0);
            assert_true(zs_u256_cmp(&m, &b) < 0);
            assert_int_equal(zs_u256_mul(&t, &q, &b), 0);
            assert_int_equal(zs_u256_add(&t, &t, &m), 0);
            assert_memory_equal(&t, &a, 32);
        }
        /* Text round trips. */
        char dec[ZS_U256_DEC_MAX], hex[ZS_U256_HEX_MAX];
        zs_u256_t p1, p2;
        zs_u256_to_dec(&a, dec);
        zs_u256_to_hex(&a, hex);
        assert_int_equal(zs_u256_parse(&p1, dec), 0);
        assert_int_equal(zs_u256_parse(&p2, hex), 0);
        assert_memory_equal(&p1, &a, 32);
        assert_memory_equal(&p2, &a, 32);
        uint8_t be[32], m[32];
        zs_u256_to_be32(&a, be);
        size_t n = zs_u256_to_be_min(&a, m);
        assert_true(n == 0 || m[0] != 0);
        assert_int_equal(zs_u256_from_be(&p1, m, n), 0);
        assert_memory_equal(&p1, &a, 32);
        assert_int_equal(zs_u256_from_be(&p2, be, 32), 0);
        assert_memory_equal(&p2, &a, 32);
    }
}

static void test_text_edges(void **state)
{
    zs_u256_t a;
    char buf[ZS_U256_DEC_MAX];
    const char *max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_int_equal(zs_u256_parse(&a, max), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(a.w[i], ~0ull);
    zs_u256_to_dec(&a, buf);
    assert_string_equal(buf, max);
    assert_int_equal(zs_u256_parse(&a, "115792089237316195423570985008687907853269984665640564039457584007913129639936"), ZS_ERR_RANGE);
    assert_int_equal(zs_u256_parse(&a, "0x1" "0000000000000000000000000000000000000000000000000000000000000000"), ZS_ERR_RANGE);
    assert_int_equal(zs_u256_parse(&a, ""), ZS_ERR_PARSE);
    assert_int_equal(zs_u256_parse(&a, "0x"), ZS_ERR_PARSE);
    assert_int_equal(zs_u256_parse(&a, "-1"), ZS_ERR_PARSE);
    assert_int_equal(zs_u256_parse(&a, "12a"), ZS_ERR_PARSE);
    assert_int_equal(zs_u256_parse(&a, " 1"), ZS_ERR_PARSE);
    assert_int_equal(zs_u256_parse(&a, "0x00ff"), 0);
    assert_int_equal(a.w[0], 255);
    char hex[ZS_U256_HEX_MAX];
    zs_u256_to_hex(&a, hex);
    assert_string_equal(hex, "0xff");
    a = zs_u256_from_u64(0);
    zs_u256_to_hex(&a, hex);
    assert_string_equal(hex, "0x0");
    zs_u256_to_dec(&a, buf);
    assert_string_equal(buf, "0");
    a = zs_u256_from_u64(0x100);
    zs_u256_to_hex(&a, hex);
    assert_string_equal(hex, "0x100");
    uint8_t big[33] = {1};
    assert_int_equal(zs_u256_from_be(&a, big, 33), ZS_ERR_RANGE);
    zs_u256_t z = zs_u256_from_u64(0);
    assert_int_equal(zs_u256_divmod(&a, NULL, &a, &z), ZS_ERR_INVAL);
    /* Overflow is reported. */
    zs_u256_t m, one = zs_u256_from_u64(1), two = zs_u256_from_u64(2);
    assert_int_equal(zs_u256_parse(&m, max), 0);
    assert_int_equal(zs_u256_add(&a, &m, &one), 1);
    assert_true(zs_u256_is_zero(&a));
    assert_int_equal(zs_u256_mul(&a, &m, &two), 1);
    assert_int_equal(zs_u256_mul_u64(&a, &m, 2), 1);
    assert_int_equal(zs_u256_bits(&m), 256);
    assert_int_equal(zs_u256_bits(&one), 1);
}

static void test_format_units(void **state)
{
    (void)state;
    char out[ZS_U256_DEC_MAX + 2];
    const char *cases[][2] = {{"0", "0.000000"},
                              {"1", "0.000000"},
                              {"1000000000000000000", "1.000000"},
                              {"1234567890123456789012", "1234.567890"},
                              {"999999999999999999", "0.999999"},
                              {"115792089237316195423570985008687907853269984665640564039457584007913129639935",
                               "115792089237316195423570985008687907853269984665640564039457.584007"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zs_u256_t v;
        assert_int_equal(zs_u256_parse(&v, cases[i][0]), 0);
        zs_u256_format_units(&v, 18, 6, out);
        assert_string_equal(out, cases[i][1]);
    }
    zs_u256_t g = zs_u256_from_u64(1500000000);
    zs_u256_format_units(&g, 9, 3, out); /* gwei */
    assert_string_equal(out, "1.500");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_units),
        cmocka_unit_test(test_small_against_u128),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_text_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
