/* Unit tests of lib/poseidon: the compiled-in constants equal the shared
   JSON, the permutation reproduces Polygon's full-state vectors, every batch
   level equals the scalar permutation, and the sponges keep their shape. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "lib/gl/zs_gl.h"
#include "lib/poseidon/zs_poseidon.h"
#include "lib/poseidon/zs_poseidon_constants.h"

static uint64_t hexval(json_t *v)
{
    const char *s = json_string_value(v);
    assert_non_null(s);
    char *end;
    uint64_t x = strtoull(s, &end, 16);
    assert_true(*end == '\0');
    return x;
}

static void check_flat(json_t *arr, const uint64_t *want, size_t n)
{
    assert_int_equal(json_array_size(arr), n);
    for (size_t i = 0; i < n; i++) assert_int_equal(hexval(json_array_get(arr, i)), want[i]);
}

static void check_matrix(json_t *rows, const uint64_t *want)
{
    assert_int_equal(json_array_size(rows), 12);
    for (size_t r = 0; r < 12; r++) check_flat(json_array_get(rows, r), want + 12 * r, 12);
}

static void test_constants_match_json(void **state)
{
    json_t *j = zs_test_load_json("poseidon-goldilocks-constants.json");
    check_flat(json_object_get(j, "C"), zs_poseidon_C, 118);
    check_matrix(json_object_get(j, "M"), zs_poseidon_M);
    check_matrix(json_object_get(j, "P"), zs_poseidon_P);
    check_flat(json_object_get(j, "S"), zs_poseidon_S, 506);
    json_decref(j);
}

static void test_permutation_vectors(void **state)
{
    json_t *j = zs_test_load_json("poseidon-goldilocks-permutation.json");
    json_t *cases = json_object_get(j, "cases");
    assert_true(json_array_size(cases) >= 2);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        uint64_t s[12], want[12];
        for (int k = 0; k < 12; k++) {
            s[k] = hexval(json_array_get(json_object_get(c, "input"), k));
            want[k] = hexval(json_array_get(json_object_get(c, "output"), k));
        }
        uint64_t batch[9][12];
        for (int l = 0; l < 9; l++) memcpy(batch[l], s, sizeof s);
        zs_poseidon_permute(s);
        assert_memory_equal(s, want, sizeof want);
        for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
            if (!zs_cpu_has((zs_simd_t)level)) continue;
            uint64_t b[9][12];
            memcpy(b, batch, sizeof b);
            zs_poseidon_permute_batch_with((zs_simd_t)level, b, 9);
            for (int l = 0; l < 9; l++) assert_memory_equal(b[l], want, sizeof want);
        }
        /* The hash is the first four elements. */
        uint64_t out[4];
        zs_poseidon_hash(batch[0], batch[0] + 8, out);
        assert_memory_equal(out, want, 32);
    }
    json_decref(j);
}

static uint64_t rnd_elem(zs_test_rng_t *r)
{
    uint64_t x = zs_test_rng_u64(r);
    if ((x & 15) == 0) return ZS_GL_P - 1 - (x >> 60);
    if ((x & 15) == 1) return x >> 60;
    return x % ZS_GL_P;
}

static void test_batch_levels_random(void **state)
{
    zs_test_rng_t rng = {0x9051};
    enum { N = 203 };
    static uint64_t want[N][12], got[N][12];
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < 12; k++) want[i][k] = rnd_elem(&rng);
        }
        memcpy(got, want, sizeof got);
        for (int i = 0; i < N; i++) zs_poseidon_permute_portable(want[i]);
        for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
            if (!zs_cpu_has((zs_simd_t)level)) continue;
            uint64_t (*b)[12] = malloc(sizeof got);
            memcpy(b, got, sizeof got);
            zs_poseidon_permute_batch_with((zs_simd_t)level, b, N);
            assert_memory_equal(b, want, sizeof want);
            free(b);
        }
        /* Every small count (the tails the kernels pad). */
        for (int n = 1; n <= 17; n++)
            for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
                if (!zs_cpu_has((zs_simd_t)level)) continue;
                uint64_t b[17][12];
                memcpy(b, got, sizeof b);
                zs_poseidon_permute_batch_with((zs_simd_t)level, b, (size_t)n);
                assert_memory_equal(b, want, (size_t)n * sizeof b[0]);
                assert_memory_equal(b[n], got[n], (17 - (size_t)n) * sizeof b[0]); /* the rest untouched */
            }
        /* Outputs are canonical. */
        for (int i = 0; i < N; i++)
            for (int k = 0; k < 12; k++) assert_true(want[i][k] < ZS_GL_P);
        /* hash_batch equals per-state hashing. */
        uint64_t out[N][4];
        zs_poseidon_hash_batch((const uint64_t(*)[12])got, out, N);
        for (int i = 0; i < N; i++) assert_memory_equal(out[i], want[i], 32);
    }
}

static void test_linear_hash(void **state)
{
    uint64_t in[20], out[4], want[4];
    for (int i = 0; i < 20; i++) in[i] = (uint64_t)i * 0x1234567 + 1;
    /* Up to four elements: copied and zero padded, no hashing. */
    zs_poseidon_linear_hash(in, 3, out);
    assert_int_equal(out[0], in[0]);
    assert_int_equal(out[2], in[2]);
    assert_int_equal(out[3], 0);
    /* Five to eight: one permutation with a zero capacity and zero padding. */
    uint64_t s[12] = {0};
    memcpy(s, in, 5 * 8);
    zs_poseidon_permute(s);
    zs_poseidon_linear_hash(in, 5, out);
    assert_memory_equal(out, s, 32);
    /* Twenty: three permutations, each capacity the previous output. */
    uint64_t t[12] = {0};
    memcpy(t, in, 64);
    zs_poseidon_permute(t);
    for (int block = 1; block < 3; block++) {
        memcpy(t + 8, t, 32);
        memset(t, 0, 64);
        memcpy(t, in + 8 * block, (block == 2 ? 4 : 8) * 8);
        zs_poseidon_permute(t);
    }
    memcpy(want, t, 32);
    zs_poseidon_linear_hash(in, 20, out);
    assert_memory_equal(out, want, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants_match_json),
        cmocka_unit_test(test_permutation_vectors),
        cmocka_unit_test(test_batch_levels_random),
        cmocka_unit_test(test_linear_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
