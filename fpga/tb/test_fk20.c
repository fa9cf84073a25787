/* The card's KZG path in C simulation against c-kzg-4844: a blob's
   commitment (msm_g1 over the setup's Lagrange points) and its 128 cell
   proofs (FK20: lib/kzg/zs_kzg_fk20's scalar-field steps on the host, the
   kernels msm_g1 with 4-bit windows and fft_g1 for the group work) equal
   c-kzg's bytes exactly, for the EIP-4844 blob of Polygon's blob vectors
   (../shared/vectors/polygon/blob, the type-1 case's batches laid out by
   lib/blob), a random blob and the zero blob; and fft_g1 alone: a forward
   and an inverse transform give back the points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blst.h"
#include "fpga/kernels/zs_kernels.h"
#include "lib/blob/zs_blob.h"
#include "lib/kzg/zs_kzg_fk20.h"
#include "tests/support/zs_test.h"
#include "tests/support/zs_test_kzg.h"

static zs_kzg_tables_t T;

static void k_msm(void *ctx, const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n, uint32_t w)
{
    (void)ctx;
    msm_g1(bases, scalars, out, n, w);
}

static void k_fft(void *ctx, uint64_t *points, const uint64_t *tw, uint32_t log_n, const uint64_t *scale)
{
    (void)ctx;
    fft_g1(points, tw, log_n, scale);
}

static const zs_kzg_g1_ops_t KERNELS = {NULL, k_msm, k_fft};

static int setup(void **state)
{
    zs_test_kzg_setup(state);
    assert_int_equal(zs_kzg_tables(zs_test_kzg, &T), 0);
    return 0;
}

static int teardown(void **state)
{
    zs_kzg_tables_free(&T);
    return zs_test_kzg_teardown(state);
}

/* The kernels' commitment and proofs of blob are c-kzg's, byte for byte. */
static void same_as_ckzg(const uint8_t *blob, const char *what)
{
    static uint8_t ours[128][48], theirs[128][48];
    uint8_t c1[48], c2[48];
    assert_int_equal(zs_kzg_fk20(&T, &KERNELS, blob, c1, ours), 0);
    assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, c2), 0);
    assert_int_equal(zs_kzg_cells(zs_test_kzg, blob, NULL, theirs), 0);
    if (memcmp(c1, c2, 48)) fail_msg("%s: the commitment differs from c-kzg's", what);
    for (int i = 0; i < 128; i++)
        if (memcmp(ours[i], theirs[i], 48)) fail_msg("%s: cell proof %d differs from c-kzg's", what, i);
}

static void test_polygon_blob(void **state)
{
    (void)state;
    json_t *v = zs_test_load_json("polygon/blob/blob-inner-data.json");
    size_t i;
    json_t *c;
    int done = 0;
    json_array_foreach(v, i, c) {
        json_t *priv = json_object_get(json_object_get(c, "inputBlob"), "private");
        json_t *bd = json_object_get(c, "batchesData"), *t = json_object_get(priv, "blobType");
        if ((json_is_integer(t) ? json_integer_value(t) : atoi(json_string_value(t))) != ZS_BLOB_EIP4844 || !bd) continue;
        size_t n = json_array_size(bd);
        uint8_t **b = calloc(n + 1, sizeof *b), *blob = malloc(ZS_BLOB_BYTES);
        size_t *lens = calloc(n + 1, sizeof *lens);
        for (size_t k = 0; k < n; k++) b[k] = zs_test_hex(json_string_value(json_array_get(bd, k)), &lens[k]);
        assert_true(zs_blob_encode((const uint8_t *const *)b, lens, n, ZS_BLOB_EIP4844, blob, ZS_BLOB_BYTES) > 0);
        same_as_ckzg(blob, "Polygon's EIP-4844 blob vector");
        for (size_t k = 0; k < n; k++) free(b[k]);
        free(b);
        free(lens);
        free(blob);
        done++;
    }
    json_decref(v);
    assert_int_equal(done, 1);
}

static void test_random_and_zero(void **state)
{
    (void)state;
    uint8_t *blob = malloc(ZS_BLOB_BYTES);
    zs_test_rng_t r = {.s = 0xfc20};
    zs_test_rng_bytes(&r, blob, ZS_BLOB_BYTES);
    for (size_t i = 0; i < ZS_BLOB_BYTES; i += 32) blob[i] &= 0x3f; /* below the scalar field's modulus */
    same_as_ckzg(blob, "a random blob");
    memset(blob, 0, ZS_BLOB_BYTES);
    same_as_ckzg(blob, "the zero blob");
    blob[0] = 0x80; /* not a field element: refused */
    uint8_t c[48], p[128][48];
    assert_int_equal(zs_kzg_fk20(&T, &KERNELS, blob, c, p), ZS_ERR_PARSE);
    free(blob);
}

/* fft_g1 then its inverse gives the points back (compared through msm_g1's
   1-point sums: the same Jacobian point can have many coordinates). */
static void test_fft_round_trip(void **state)
{
    (void)state;
    enum { LOG = 4, NP = 1 << LOG };
    static uint64_t pts[NP * 18], orig[NP * 18], tw[NP / 2][4], itw[NP / 2][4], inv[4] = {0};
    for (int i = 0; i < NP; i++) {
        uint64_t one[4] = {(uint64_t)i + 1, 0, 0, 0}; /* (i+1) x the first Lagrange point */
        msm_g1(T.lagrange, one, orig + 18 * i, 1, 8);
    }
    memcpy(pts, orig, sizeof pts);
    for (int j = 0; j < NP / 2; j++) {
        memcpy(tw[j], T.roots[j * (8192 / NP)], 32);
        memcpy(itw[j], T.roots[8192 - j * (8192 / NP)], 32);
    }
    /* 1/16 modulo the scalar field's r (r = 0x73eda753...00000001) */
    static const uint64_t inv16[4] = {0x0fffffff10000001ull, 0xfe81c9c2cffe763full, 0xb0063a878907ba84ull,
                                      0x6caeccddf703a573ull};
    memcpy(inv, inv16, sizeof inv);
    fft_g1(pts, (const uint64_t *)tw, LOG, NULL);
    assert_memory_not_equal(pts, orig, sizeof pts);
    fft_g1(pts, (const uint64_t *)itw, LOG, inv);
    for (int i = 0; i < NP; i++) {
        uint8_t a[48], b[48];
        blst_p1 p, q;
        memcpy(&p, pts + 18 * i, sizeof p);
        memcpy(&q, orig + 18 * i, sizeof q);
        blst_p1_compress(a, &p);
        blst_p1_compress(b, &q);
        assert_memory_equal(a, b, 48);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fft_round_trip),
        cmocka_unit_test(test_polygon_blob),
        cmocka_unit_test(test_random_and_zero),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
