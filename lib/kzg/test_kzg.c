/* zs_kzg over c-kzg-4844: the zero blob's commitment is the point at
   infinity; on random blobs every proof made verifies (blob proof, point
   evaluation, all 128 cells) and a damaged blob, value or cell does not;
   inputs that are not field elements are refused.  The commitments against
   Polygon's blob vectors are in lib/blob's test, the proofs against anvil's
   own check in the blob end-to-end tests.  The setup's prepared form gives
   the same results as its text, and one damaged, cut short or made from
   another setup is passed over for the text, saying why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/kzg/zs_kzg.h"
#include "lib/kzg/zs_kzg_priv.h"
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

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, a)) > 0;) assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

/* What k says it was loaded from must hold `from`; its commitment and
   cells of blob must be want's. */
static void check_setup(const zs_kzg_t *k, const char *from, const uint8_t *blob, const uint8_t want[48],
                        const uint8_t (*want_proofs)[48])
{
    print_message("loaded from %s\n", zs_kzg_loaded_from(k));
    assert_non_null(strstr(zs_kzg_loaded_from(k), from));
    uint8_t c[48], (*proofs)[48] = malloc(ZS_KZG_CELLS * 48);
    assert_int_equal(zs_kzg_commit(k, blob, c), 0);
    assert_memory_equal(c, want, 48);
    assert_int_equal(zs_kzg_cells(k, blob, NULL, proofs), 0);
    assert_memory_equal(proofs, want_proofs, ZS_KZG_CELLS * 48);
    free(proofs);
}

/* zs_kzg_prep_read's verdict on path for the text whose hash is hash. */
static void check_refused(const char *path, const uint8_t hash[32], const char *why_want)
{
    zs_kzg_t probe;
    char why[96] = "";
    memset(&probe, 0, sizeof probe);
    memcpy(probe.setup_hash, hash, 32);
    assert_int_equal(zs_kzg_prep_read(&probe, path, why, sizeof why), -1);
    print_message("%s\n", why);
    assert_non_null(strstr(why, why_want));
}

static void test_prepared(void **state)
{
    (void)state;
    char dir[] = "/tmp/zkseq-test-kzg-XXXXXX", src[4096], a[64], prep[80], err[512];
    assert_non_null(mkdtemp(dir));
    const char *top = getenv("ZS_TOP");
    snprintf(src, sizeof src, "%s/node_modules/c-kzg/deps/c-kzg/trusted_setup.txt", top ? top : ".");
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(prep, sizeof prep, "%s.prepared", a);
    copy_file(src, a);
    zs_test_rng_t r = {.s = 0x70726570};
    uint8_t *blob = random_blob(&r), want[48], (*proofs)[48] = malloc(ZS_KZG_CELLS * 48);
    zs_kzg_t *text = zs_kzg_open(a, 0, err, sizeof err), *k;
    if (!text) fail_msg("%s", err);
    assert_int_equal(zs_kzg_commit(text, blob, want), 0);
    assert_int_equal(zs_kzg_cells(text, blob, NULL, proofs), 0);
    check_setup(text, "(no prepared form)", blob, want, proofs);
    assert_int_equal(zs_kzg_prep_write(text, prep, err, sizeof err), 0);
    assert_non_null(k = zs_kzg_open(a, 0, err, sizeof err));
    check_setup(k, "the prepared form", blob, want, proofs);
    zs_kzg_close(k);
    /* The same file for another text, one byte changed in FK20's columns,
       then cut short: each refused with its reason. */
    uint8_t other[32];
    memcpy(other, text->setup_hash, 32);
    other[0] ^= 1;
    check_refused(prep, other, "made from another trusted setup");
    FILE *f = fopen(prep, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, -1000, SEEK_END), 0);
    int ch = fgetc(f);
    assert_int_equal(fseek(f, -1000, SEEK_END), 0);
    fputc(ch ^ 1, f);
    assert_int_equal(fclose(f), 0);
    check_refused(prep, text->setup_hash, "damaged");
    assert_int_equal(truncate(prep, 5000), 0);
    check_refused(prep, text->setup_hash, "cut short");
    /* Nowhere to write. */
    snprintf(prep, sizeof prep, "%s/none/x.prepared", dir);
    assert_int_equal(zs_kzg_prep_write(text, prep, err, sizeof err), ZS_ERR_IO);
    assert_non_null(strstr(err, "cannot write"));
    zs_kzg_close(text);
    free(blob);
    free(proofs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_blob),
        cmocka_unit_test(test_random_blobs),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_prepared),
    };
    return cmocka_run_group_tests(tests, zs_test_kzg_setup, zs_test_kzg_teardown);
}
