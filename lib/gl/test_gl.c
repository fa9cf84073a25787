/* Unit tests of lib/gl: field laws on edge and random values against a
   plain 128-bit modular reference, inverses, batch inverse, and every SIMD
   level bit-for-bit against the scalar code. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "lib/gl/zs_gl.h"

#define P ZS_GL_P

/* Reference: plain % on 128-bit integers. */
static uint64_t ref_mul(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) % P);
}
static uint64_t ref_add(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a + b) % P);
}
static uint64_t ref_sub(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a + P - b) % P);
}

static const uint64_t edges[] = {0, 1, 2, P - 1, P - 2, P >> 1, 0xffffffffull, 0x100000000ull,
                                 0xfffffffeffffffffull, 0xffffffff00000000ull, 0x80000000ull,
                                 0x7fffffffffffffffull, 0x8000000000000000ull};

static uint64_t rnd(zs_test_rng_t *r)
{
    /* Mix edge values in, and bias to the top of the range. */
    uint64_t x = zs_test_rng_u64(r);
    switch (x & 7) {
    case 0: return edges[(x >> 8) % (sizeof edges / sizeof *edges)];
    case 1: return P - 1 - ((x >> 8) & 0xffff);
    default: return x % P;
    }
}

static void test_scalar_ops(void **state)
{
    zs_test_rng_t rng = {0x91d1};
    for (int i = 0; i < 200000; i++) {
        uint64_t a = rnd(&rng), b = rnd(&rng);
        assert_int_equal(zs_gl_add(a, b), ref_add(a, b));
        assert_int_equal(zs_gl_sub(a, b), ref_sub(a, b));
        assert_int_equal(zs_gl_mul(a, b), ref_mul(a, b));
        assert_int_equal(zs_gl_neg(a), ref_sub(0, a));
    }
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        for (size_t j = 0; j < sizeof edges / sizeof *edges; j++) {
            uint64_t a = edges[i] % P, b = edges[j] % P;
            assert_int_equal(zs_gl_mul(a, b), ref_mul(a, b));
            assert_int_equal(zs_gl_add(a, b), ref_add(a, b));
            assert_int_equal(zs_gl_sub(a, b), ref_sub(a, b));
        }
    /* reduce128 on raw 128-bit values, including ones above p^2. */
    for (int i = 0; i < 100000; i++) {
        uint64_t hi = zs_test_rng_u64(&rng), lo = zs_test_rng_u64(&rng);
        if (i < 4) hi = lo = ~0ull;
        unsigned __int128 v = ((unsigned __int128)hi << 64) | lo;
        assert_int_equal(zs_gl_reduce128(hi, lo), (uint64_t)(v % P));
    }
    uint64_t x;
    assert_int_equal(zs_gl_from_u64(P, &x), ZS_ERR_RANGE);
    assert_int_equal(zs_gl_from_u64(P - 1, &x), 0);
    assert_int_equal(zs_gl_reduce64(P + 5), 5);
}

static void test_pow_inv(void **state)
{
    zs_test_rng_t rng = {0x91d2};
    assert_int_equal(zs_gl_pow(0, 0), 1);
    assert_int_equal(zs_gl_inv(0), 0);
    assert_int_equal(zs_gl_pow(7, P - 1), 1); /* Fermat */
    /* 7 generates the multiplicative group: 7^((p-1)/2) = -1. */
    assert_int_equal(zs_gl_pow(7, (P - 1) / 2), P - 1);
    for (int i = 0; i < 2000; i++) {
        uint64_t a = rnd(&rng);
        if (!a) continue;
        assert_int_equal(zs_gl_mul(a, zs_gl_inv(a)), 1);
        uint64_t e = zs_test_rng_u64(&rng) & 0xff, r = 1;
        for (uint64_t k = 0; k < e; k++) r = ref_mul(r, a);
        assert_int_equal(zs_gl_pow(a, e), r);
    }
}

static void test_batch_inv(void **state)
{
    zs_test_rng_t rng = {0x91d3};
    enum { N = 1000 };
    uint64_t *in = malloc(N * 8), *out = malloc(N * 8), *scratch = malloc(N * 8);
    for (int i = 0; i < N; i++) in[i] = (i % 17 == 0) ? 0 : rnd(&rng);
    zs_gl_batch_inv(out, in, N, scratch);
    for (int i = 0; i < N; i++) assert_int_equal(out[i], zs_gl_inv(in[i]));
    /* In place. */
    memcpy(out, in, N * 8);
    zs_gl_batch_inv(out, out, N, scratch);
    for (int i = 0; i < N; i++) assert_int_equal(out[i], zs_gl_inv(in[i]));
    free(in);
    free(out);
    free(scratch);
}

static void test_vector_levels(void **state)
{
    zs_test_rng_t rng = {0x91d4};
    enum { N = 4099 }; /* not a multiple of any lane count */
    uint64_t *a = malloc(N * 8), *b = malloc(N * 8), *want = malloc(N * 8), *got = malloc(N * 8);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            a[i] = rnd(&rng);
            b[i] = rnd(&rng);
        }
        for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
            if (!zs_cpu_has((zs_simd_t)level)) continue;
            zs_gl_vec_mul_with((zs_simd_t)level, got, a, b, N);
            for (int i = 0; i < N; i++) want[i] = ref_mul(a[i], b[i]);
            assert_memory_equal(got, want, N * 8);
            zs_gl_vec_add_with((zs_simd_t)level, got, a, b, N);
            for (int i = 0; i < N; i++) want[i] = ref_add(a[i], b[i]);
            assert_memory_equal(got, want, N * 8);
            zs_gl_vec_sub_with((zs_simd_t)level, got, a, b, N);
            for (int i = 0; i < N; i++) want[i] = ref_sub(a[i], b[i]);
            assert_memory_equal(got, want, N * 8);
        }
    }
    zs_gl_vec_mul(got, a, b, N);
    for (int i = 0; i < N; i++) assert_int_equal(got[i], ref_mul(a[i], b[i]));
    free(a);
    free(b);
    free(want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_ops),
        cmocka_unit_test(test_pow_inv),
        cmocka_unit_test(test_batch_inv),
        cmocka_unit_test(test_vector_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
