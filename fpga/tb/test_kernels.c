/* C simulation of the card's kernels (fpga/kernels): each kernel's C, built
   with gcc as Vitis' csim builds it, against lib/'s reference on the shared
   vectors and on random inputs, bit for bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpga/kernels/zs_hls_gl.h"
#include "fpga/kernels/zs_kernels.h"
#include "lib/base/zs_hex.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tests/support/zs_test.h"

static uint64_t rand_gl(zs_test_rng_t *r)
{
    /* Mostly uniform, often an edge: 0, 1, p-1, 2^32 +- 1, 2^63. */
    static const uint64_t edge[] = {0, 1, 2, ZS_GL_P - 1, ZS_GL_P - 2, 0xFFFFFFFFull, 0x100000000ull,
                                    0x100000001ull, 1ull << 63, 0xFFFFFFFF00000000ull};
    uint64_t v = zs_test_rng_u64(r);
    if ((v & 7) == 0) return edge[(v >> 8) % (sizeof edge / sizeof edge[0])];
    return zs_test_rng_u64(r) % ZS_GL_P;
}

static void test_field_ops(void **state)
{
    (void)state;
    zs_test_rng_t r = {.s = 0x5eed0001};
    for (int i = 0; i < 2000000; i++) {
        uint64_t a = rand_gl(&r), b = rand_gl(&r);
        assert_int_equal(hgl_add(a, b), zs_gl_add(a, b));
        assert_int_equal(hgl_sub(a, b), zs_gl_sub(a, b));
        assert_int_equal(hgl_mul(a, b), zs_gl_mul(a, b));
    }
}

static void test_poseidon_vectors(void **state)
{
    (void)state;
    json_t *v = zs_test_load_json("poseidon-goldilocks-permutation.json");
    json_t *cases = json_object_get(v, "cases");
    assert_true(json_array_size(cases) >= 2);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        uint64_t s[12], want[12];
        for (int k = 0; k < 12; k++) {
            s[k] = strtoull(json_string_value(json_array_get(json_object_get(c, "input"), (size_t)k)), NULL, 16);
            want[k] = strtoull(json_string_value(json_array_get(json_object_get(c, "output"), (size_t)k)), NULL, 16);
        }
        poseidon_gl(s, s, 1); /* in place */
        assert_memory_equal(s, want, sizeof want);
    }
    json_decref(v);
}

static void test_poseidon_random(void **state)
{
    (void)state;
    enum { N = 20000 };
    zs_test_rng_t r = {.s = 0x5eed0002};
    uint64_t(*in)[12] = malloc(N * sizeof *in), (*ref)[12] = malloc(N * sizeof *ref), (*out)[12] = malloc(N * sizeof *out);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 12; k++) in[i][k] = rand_gl(&r);
    memcpy(ref, in, N * sizeof *in);
    zs_poseidon_permute_batch(ref, N);
    poseidon_gl(&in[0][0], &out[0][0], N);
    assert_memory_equal(out, ref, N * sizeof *ref);
    poseidon_gl(&in[0][0], &out[0][0], 0); /* n = 0 writes nothing */
    assert_memory_equal(out, ref, N * sizeof *ref);
    free(in), free(ref), free(out);
}

static void test_merkle_level(void **state)
{
    (void)state;
    enum { N = 8192 };
    zs_test_rng_t r = {.s = 0x5eed0003};
    uint64_t(*kids)[8] = malloc(N * sizeof *kids), (*got)[4] = malloc(N * sizeof *got);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 8; k++) kids[i][k] = rand_gl(&r);
    static const uint64_t caps[3][4] = {{0, 0, 0, 0}, {1, 0, 0, 0}, {7, 0xFFFFFFFFull, ZS_GL_P - 1, 3}};
    for (int c = 0; c < 3; c++) {
        merkle_level(&kids[0][0], &got[0][0], N, caps[c][0], caps[c][1], caps[c][2], caps[c][3]);
        for (int i = 0; i < N; i++) {
            uint64_t want[4];
            zs_poseidon_hash(kids[i], caps[c], want);
            assert_memory_equal(got[i], want, sizeof want);
        }
    }
    free(kids), free(got);
}

/* Messages packed as the host packs them: slot i at word slot_words*i. */
static void keccak_check(uint8_t *const *msgs, const size_t *lens, size_t n, const uint8_t (*want)[32])
{
    size_t maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (lens[i] > maxlen) maxlen = lens[i];
    uint32_t slot = (uint32_t)(maxlen / 8 + 1);
    uint64_t *data = calloc((size_t)slot * n, 8), *out = malloc(32 * n);
    uint32_t *l = calloc(n ? n : 1, 4);
    for (size_t i = 0; i < n; i++) {
        memcpy(data + (size_t)slot * i, msgs[i], lens[i]);
        /* Junk after the message must not matter. */
        memset((uint8_t *)(data + (size_t)slot * i) + lens[i], 0xA5, 8 * slot - lens[i]);
        l[i] = (uint32_t)lens[i];
    }
    keccak256_batch(data, l, out, (uint32_t)n, slot);
    for (size_t i = 0; i < n; i++) assert_memory_equal((uint8_t *)(out + 4 * i), want[i], 32);
    free(data), free(out), free(l);
}

static void test_keccak_kats(void **state)
{
    (void)state;
    const char *files[] = {"ethereum/keccak/pycryptodome_keccak_ShortMsgKAT_256.txt",
                           "ethereum/keccak/pycryptodome_keccak_LongMsgKAT_256.txt"};
    for (int f = 0; f < 2; f++) {
        size_t n;
        zs_test_kat_t *k = zs_test_load_kats(files[f], &n);
        assert_true(n >= 65);
        uint8_t **msgs = malloc(n * sizeof *msgs), (*want)[32] = malloc(n * 32);
        size_t *lens = malloc(n * sizeof *lens);
        for (size_t i = 0; i < n; i++) {
            msgs[i] = k[i].msg;
            lens[i] = k[i].len;
            memcpy(want[i], k[i].md, 32);
        }
        keccak_check(msgs, lens, n, (const uint8_t(*)[32])want);
        free(msgs), free(want), free(lens);
        zs_test_free_kats(k, n);
    }
}

static void test_keccak_random(void **state)
{
    (void)state;
    enum { N = 600 };
    zs_test_rng_t r = {.s = 0x5eed0004};
    uint8_t *msgs[N], want[N][32];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        /* Every length up to three blocks, then a few long ones. */
        lens[i] = i < 420 ? (size_t)i : (size_t)(zs_test_rng_u64(&r) % 20000);
        msgs[i] = malloc(lens[i] + 1);
        zs_test_rng_bytes(&r, msgs[i], lens[i]);
        zs_keccak256(msgs[i], lens[i], want[i]);
    }
    keccak_check(msgs, lens, N, (const uint8_t(*)[32])want);
    for (int i = 0; i < N; i++) free(msgs[i]);
}

/* A full transform through the kernel's passes. */
static void ntt(uint64_t *a, uint32_t log_n, int inverse)
{
    uint32_t n = 1u << log_n;
    uint64_t w = zs_gl_pow(7, (ZS_GL_P - 1) >> log_n); /* 7 generates the multiplicative group */
    if (inverse) w = zs_gl_inv(w);
    uint64_t *tw = malloc(sizeof *tw * (n / 2 + 1));
    tw[0] = 1;
    for (uint32_t k = 1; k < n / 2; k++) tw[k] = zs_gl_mul(tw[k - 1], w);
    for (uint32_t pass = 0; pass <= log_n; pass++) ntt_gl(a, tw, log_n, pass);
    free(tw);
}

static void test_ntt_against_dft(void **state)
{
    (void)state;
    zs_test_rng_t r = {.s = 0x5eed0005};
    for (uint32_t log_n = 1; log_n <= 9; log_n++) {
        uint32_t n = 1u << log_n;
        uint64_t a[512], x[512];
        for (uint32_t i = 0; i < n; i++) a[i] = rand_gl(&r);
        uint64_t w = zs_gl_pow(7, (ZS_GL_P - 1) >> log_n);
        assert_int_equal(zs_gl_pow(w, n), 1);
        if (n > 1) assert_int_not_equal(zs_gl_pow(w, n / 2), 1); /* primitive */
        for (uint32_t k = 0; k < n; k++) { /* X[k] = sum_j a[j] w^(jk) */
            uint64_t acc = 0, wk = zs_gl_pow(w, k), p = 1;
            for (uint32_t j = 0; j < n; j++) {
                acc = zs_gl_add(acc, zs_gl_mul(a[j], p));
                p = zs_gl_mul(p, wk);
            }
            x[k] = acc;
        }
        ntt(a, log_n, 0);
        assert_memory_equal(a, x, n * 8);
    }
}

static void test_ntt_roundtrip(void **state)
{
    (void)state;
    enum { LOG = 16, N = 1 << LOG };
    zs_test_rng_t r = {.s = 0x5eed0006};
    uint64_t *a = malloc(N * 8), *orig = malloc(N * 8);
    for (int i = 0; i < N; i++) orig[i] = a[i] = rand_gl(&r);
    ntt(a, LOG, 0);
    assert_memory_not_equal(a, orig, N * 8);
    ntt(a, LOG, 1);
    uint64_t inv_n = zs_gl_inv(N);
    for (int i = 0; i < N; i++) assert_int_equal(zs_gl_mul(a[i], inv_n), orig[i]);
    /* Bad arguments change nothing. */
    memcpy(a, orig, N * 8);
    ntt_gl(a, a, ZS_K_NTT_MAX_LOG + 1, 0);
    ntt_gl(a, a, 4, 5);
    assert_memory_equal(a, orig, N * 8);
    free(a), free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_ops),        cmocka_unit_test(test_poseidon_vectors),
        cmocka_unit_test(test_poseidon_random),  cmocka_unit_test(test_merkle_level),
        cmocka_unit_test(test_keccak_kats),      cmocka_unit_test(test_keccak_random),
        cmocka_unit_test(test_ntt_against_dft),  cmocka_unit_test(test_ntt_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
