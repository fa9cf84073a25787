/* Unit tests of lib/rlp: ethereum/tests RLPTests (every valid case encoded
   and decoded back, every invalid case refused), strictness cases with the
   reported reason and offset, and random encode/decode round trips. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "lib/rlp/zs_rlp.h"

/* Decimal text of any size to minimal big-endian bytes (test helper). */
static size_t dec_to_be(const char *dec, uint8_t *out, size_t cap)
{
    size_t n = 0; /* out[0..n) little-endian while building */
    uint8_t le[64] = {0};
    for (const char *p = dec; *p; p++) {
        unsigned carry = (unsigned)(*p - '0');
        for (size_t i = 0; i < n || carry; i++) {
            unsigned v = (i < n ? le[i] : 0) * 10u + carry;
            le[i] = (uint8_t)v;
            carry = v >> 8;
            if (i >= n) n = i + 1;
        }
    }
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) out[i] = le[n - 1 - i];
    return n;
}

/* The byte string a JSON test value stands for (string or integer). */
static size_t value_bytes(json_t *v, uint8_t *out, size_t cap)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        size_t n = 0;
        uint8_t tmp[8];
        for (int i = 7; i >= 0; i--) {
            uint8_t b = (uint8_t)((uint64_t)x >> (8 * i));
            if (n || b) tmp[n++] = b;
        }
        memcpy(out, tmp, n);
        return n;
    }
    const char *s = json_string_value(v);
    assert_non_null(s);
    if (s[0] == '#') return dec_to_be(s + 1, out, cap);
    size_t n = json_string_length(v);
    assert_true(n <= cap);
    memcpy(out, s, n);
    return n;
}

static void encode_json(zs_rlp_enc_t *enc, json_t *v)
{
    if (json_is_array(v)) {
        size_t mark = zs_rlp_enc_list_begin(enc), i;
        json_t *x;
        json_array_foreach(v, i, x) encode_json(enc, x);
        zs_rlp_enc_list_end(enc, mark);
        return;
    }
    uint8_t buf[4096];
    size_t n = value_bytes(v, buf, sizeof buf);
    zs_rlp_enc_bytes(enc, buf, n);
}

static void check_decoded(const zs_rlp_item_t *it, json_t *v)
{
    if (json_is_array(v)) {
        assert_int_equal(it->kind, ZS_RLP_LIST);
        zs_rlp_iter_t iter;
        zs_rlp_iter_init(&iter, it);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            zs_rlp_item_t child;
            assert_int_equal(zs_rlp_iter_next(&iter, &child, NULL), 1);
            check_decoded(&child, x);
        }
        zs_rlp_item_t extra;
        assert_int_equal(zs_rlp_iter_next(&iter, &extra, NULL), 0);
        return;
    }
    assert_int_equal(it->kind, ZS_RLP_BYTES);
    uint8_t buf[4096];
    size_t n = value_bytes(v, buf, sizeof buf);
    assert_int_equal(it->len, n);
    assert_memory_equal(it->payload, buf, n);
}

static void test_valid_vectors(void **state)
{
    json_t *j = zs_test_load_json("ethereum/ethereum-tests/RLPTests/rlptest.json");
    const char *name;
    json_t *c;
    int count = 0;
    json_object_foreach(j, name, c) {
        size_t n;
        uint8_t *want = zs_test_hex(json_string_value(json_object_get(c, "out")), &n);
        uint8_t buf[4096];
        zs_rlp_enc_t enc;
        zs_rlp_enc_init(&enc, buf, sizeof buf);
        encode_json(&enc, json_object_get(c, "in"));
        long len = zs_rlp_enc_finish(&enc);
        if (len != (long)n || memcmp(buf, want, n)) fail_msg("encoding differs for %s", name);
        zs_rlp_item_t it;
        zs_perr_t e = {0};
        if (zs_rlp_validate(want, n, 16, &e)) fail_msg("%s refused: %s at %zu", name, e.reason, e.offset);
        assert_int_equal(zs_rlp_decode_exact(want, n, &it, NULL), 0);
        check_decoded(&it, json_object_get(c, "in"));
        free(want);
        count++;
    }
    assert_int_equal(count, 28);
    json_decref(j);
}

static void test_invalid_vectors(void **state)
{
    json_t *j = zs_test_load_json("ethereum/ethereum-tests/RLPTests/invalidRLPTest.json");
    const char *name;
    json_t *c;
    int count = 0;
    json_object_foreach(j, name, c) {
        size_t n;
        uint8_t *bytes = zs_test_hex(json_string_value(json_object_get(c, "out")), &n);
        zs_perr_t e = {0};
        int err = zs_rlp_validate(bytes, n, 16, &e);
        if (err != ZS_ERR_PARSE) fail_msg("%s was accepted", name);
        assert_non_null(e.reason);
        assert_true(e.offset <= n);
        free(bytes);
        count++;
    }
    assert_int_equal(count, 26);
    json_decref(j);
    /* The random example is valid. */
    json_t *x = zs_test_load_json("ethereum/ethereum-tests/RLPTests/RandomRLPTests/example.json");
    json_object_foreach(x, name, c) {
        size_t n;
        uint8_t *bytes = zs_test_hex(json_string_value(json_object_get(c, "out")), &n);
        assert_int_equal(zs_rlp_validate(bytes, n, 16, NULL), 0);
        free(bytes);
    }
    json_decref(x);
}

static void expect_refusal(const char *hex, const char *reason, size_t offset)
{
    size_t n;
    uint8_t *b = zs_test_hex(hex, &n);
    zs_perr_t e = {0};
    assert_int_equal(zs_rlp_validate(b, n, 4, &e), ZS_ERR_PARSE);
    assert_string_equal(e.reason, reason);
    assert_int_equal(e.offset, offset);
    free(b);
}

static void test_reasons_and_offsets(void **state)
{
    expect_refusal("0x8105", "single byte below 0x80 must not have a header", 0);
    expect_refusal("0xc38105ff", "single byte below 0x80 must not have a header", 1);
    expect_refusal("0xb800", "length has a leading zero byte", 1);
    expect_refusal("0xb801ff", "long form used for a short length", 0);
    expect_refusal("0xc20102ff", "trailing bytes after the item", 3);
    expect_refusal("0xc5c4c3c2c1c0", "lists nested too deeply", 4);
    expect_refusal("0x83aabb", "string longer than its input", 0);
    /* Integers. */
    uint8_t lead[] = {0x82, 0x00, 0x01}, wide[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    zs_rlp_item_t it;
    uint64_t v;
    zs_perr_t e;
    assert_int_equal(zs_rlp_decode_exact(lead, 3, &it, NULL), 0);
    assert_int_equal(zs_rlp_get_u64(&it, &v, &e), ZS_ERR_PARSE);
    assert_string_equal(e.reason, "integer has a leading zero byte");
    assert_int_equal(zs_rlp_decode_exact(wide, sizeof wide, &it, NULL), 0);
    assert_int_equal(zs_rlp_get_u64(&it, &v, &e), ZS_ERR_PARSE);
    zs_u256_t u;
    assert_int_equal(zs_rlp_get_u256(&it, &u, &e), 0);
    assert_int_equal(u.w[0], 0x0203040506070809ull);
    assert_int_equal(u.w[1], 1);
}

/* Random nested structures: encode, validate, decode and re-encode. */
static size_t random_tree(zs_test_rng_t *r, zs_rlp_enc_t *enc, int depth)
{
    uint64_t x = zs_test_rng_u64(r);
    if (depth < 4 && x % 3 == 0) {
        size_t mark = zs_rlp_enc_list_begin(enc);
        int k = (int)(x >> 8) % 6;
        for (int i = 0; i < k; i++) random_tree(r, enc, depth + 1);
        zs_rlp_enc_list_end(enc, mark);
        return 1;
    }
    uint8_t b[300];
    size_t n = (x >> 8) % 5 == 0 ? 56 + (x >> 16) % 200 : (x >> 16) % 4;
    zs_test_rng_bytes(r, b, n);
    zs_rlp_enc_bytes(enc, b, n);
    return 1;
}

static void reencode(zs_rlp_enc_t *enc, const zs_rlp_item_t *it)
{
    if (it->kind == ZS_RLP_BYTES) {
        zs_rlp_enc_bytes(enc, it->payload, it->len);
        return;
    }
    size_t mark = zs_rlp_enc_list_begin(enc);
    zs_rlp_iter_t iter;
    zs_rlp_iter_init(&iter, it);
    zs_rlp_item_t c;
    while (zs_rlp_iter_next(&iter, &c, NULL) == 1) reencode(enc, &c);
    zs_rlp_enc_list_end(enc, mark);
}

static void test_random_roundtrip(void **state)
{
    zs_test_rng_t rng = {0x41b};
    static uint8_t a[1 << 16], b[1 << 16];
    for (int t = 0; t < 3000; t++) {
        zs_rlp_enc_t enc;
        zs_rlp_enc_init(&enc, a, sizeof a);
        size_t mark = zs_rlp_enc_list_begin(&enc);
        random_tree(&rng, &enc, 1);
        random_tree(&rng, &enc, 1);
        zs_rlp_enc_list_end(&enc, mark);
        long n = zs_rlp_enc_finish(&enc);
        assert_true(n > 0);
        assert_int_equal(zs_rlp_validate(a, (size_t)n, 8, NULL), 0);
        zs_rlp_item_t it;
        assert_int_equal(zs_rlp_decode_exact(a, (size_t)n, &it, NULL), 0);
        zs_rlp_enc_t enc2;
        zs_rlp_enc_init(&enc2, b, sizeof b);
        reencode(&enc2, &it);
        assert_int_equal(zs_rlp_enc_finish(&enc2), n);
        assert_memory_equal(a, b, (size_t)n);
        /* Every proper prefix is refused. */
        if (t % 50 == 0)
            for (long k = 0; k < n; k++) assert_int_not_equal(zs_rlp_validate(a, (size_t)k, 8, NULL), 0);
    }
    /* A buffer that is too small is reported, not overrun. */
    uint8_t small[4];
    zs_rlp_enc_t enc;
    zs_rlp_enc_init(&enc, small, sizeof small);
    zs_rlp_enc_bytes(&enc, (const uint8_t *)"hello", 5);
    assert_int_equal(zs_rlp_enc_finish(&enc), ZS_ERR_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_vectors),
        cmocka_unit_test(test_invalid_vectors),
        cmocka_unit_test(test_reasons_and_offsets),
        cmocka_unit_test(test_random_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
