/* zs_kzg over c-kzg-4844: the zero blob's commitment is the point at
   infinity; on random blobs every proof made verifies (blob proof, point
   evaluation, all 128 cells) and a damaged blob, value or cell does not;
   inputs that are not field elements are refused.  The commitments against
   Polygon's blob vectors are in lib/blob's test, the proofs against anvil's
   own check in the blob end-to-end tests. */
#include <stdlib.h>
#include <string.h>

#include "lib/kzg/zs_kzg.h"
#include "tests/support/zs_test.h"
#include "tests/support/zs_test_kzg.h"




/* A blob of random field elements (the top byte of each kept zero). */
static uint8_t *random_blob(zs_test_rng_t *r)
{
    uint8_t *b = malloc(ZS_KZG_BLOB_BYTES);
    assert_non_null(b);
    zs_test_rng_bytes(r, b, ZS_KZG_BLOB_BYTES);
    for (size_t i = 0; i < ZS_KZG_BLOB_BYTES; i += 32) b[i] = 0;
    return b;
}

static void test_zero_blob(void **state)
{
    (void)state;
    uint8_t *blob = calloc(1, ZS_KZG_BLOB_BYTES), c[48], inf[48] = {0xc0};
    assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, c), 0);
    assert_memory_equal(c, inf, 48); /* the zero polynomial commits to the identity */
    free(blob);
}

static void test_random_blobs(void **state)
{
    (void)state;
    zs_test_rng_t r = {.s = 0x6b7a67};
    for (int round = 0; round < 2; round++) {
        uint8_t *blob = random_blob(&r), c[48], p[48], z[32] = {0}, y[32], pz[48];
        int ok;
        assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, c), 0);
        assert_int_equal(zs_kzg_blob_proof(zs_test_kzg, blob, c, p), 0);
        assert_int_equal(zs_kzg_verify_blob_proof(zs_test_kzg, blob, c, p, &ok), 0);
        assert_true(ok);
        zs_test_rng_bytes(&r, z + 1, 31);
        assert_int_equal(zs_kzg_proof_at(zs_test_kzg, blob, z, pz, y), 0);
        assert_int_equal(zs_kzg_verify_proof(zs_test_kzg, c, z, y, pz, &ok), 0);
        assert_true(ok);
        y[31] ^= 1;
        assert_int_equal(zs_kzg_verify_proof(zs_test_kzg, c, z, y, pz, &ok), 0);
        assert_false(ok);
        blob[100] ^= 1;
        assert_int_equal(zs_kzg_verify_blob_proof(zs_test_kzg, blob, c, p, &ok), 0);
        assert_false(ok);
        blob[100] ^= 1;
        if (round == 0) { /* cells are slow (~0.2 s): once */
            uint8_t(*cells)[ZS_KZG_CELL_BYTES] = malloc(ZS_KZG_CELLS * ZS_KZG_CELL_BYTES);
            uint8_t(*proofs)[48] = malloc(ZS_KZG_CELLS * 48);
            uint64_t idx[ZS_KZG_CELLS];
            for (int i = 0; i < ZS_KZG_CELLS; i++) idx[i] = (uint64_t)i;
            assert_int_equal(zs_kzg_cells(zs_test_kzg, blob, cells, proofs), 0);
            /* the first half of the cells is the blob itself (the extension's evaluations follow) */
            assert_int_equal(zs_kzg_verify_cells(zs_test_kzg, c, ZS_KZG_CELLS, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cells,
                                                 (const uint8_t(*)[48])proofs, &ok), 0);
            assert_true(ok);
            cells[7][5] ^= 1;
            assert_int_equal(zs_kzg_verify_cells(zs_test_kzg, c, ZS_KZG_CELLS, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cells,
                                                 (const uint8_t(*)[48])proofs, &ok), 0);
            assert_false(ok);
            free(cells);
            free(proofs);
        }
        free(blob);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    uint8_t *blob = calloc(1, ZS_KZG_BLOB_BYTES), c[48];
    memset(blob + 64, 0xff, 32); /* above the scalar field's modulus */
    assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, c), ZS_ERR_PARSE);
    free(blob);
    char err[256];
    assert_null(zs_kzg_open("/nonexistent/setup.txt", 0, err, sizeof err));
    assert_non_null(strstr(err, "does not open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_blob),
        cmocka_unit_test(test_random_blobs),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, zs_test_kzg_setup, zs_test_kzg_teardown);
}
