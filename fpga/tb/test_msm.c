/* The blob commitment's MSM kernel (fpga/kernels/msm_g1.c) against
   c-kzg-4844: the trusted setup's Lagrange points read from its file and
   decompressed here (zs_hls_bls.h's field: sqrt by (p+1)/4), put in
   bit-reversed order as c-kzg holds them, and random blobs committed by the
   kernel and by c-kzg give the same 48 bytes; the zero blob gives the
   point at infinity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpga/kernels/zs_hls_bls.h"
#include "fpga/kernels/zs_kernels.h"
#include "lib/base/zs_hex.h"
#include "lib/kzg/zs_kzg.h"
#include "tests/support/zs_test.h"
#include "tests/support/zs_test_kzg.h"

#define NPTS 4096

static uint64_t *bases; /* NPTS x 12 words, bit-reversed order */

static void half_be(uint8_t out[48])
{
    static const uint32_t half[HB_N] = {0xffffd555u, 0xdcff7fffu, 0x58a9ffffu, 0x0f55ffffu, 0x7b587b12u, 0xb3986950u,
                                        0x79c2895fu, 0xb23ba5c2u, 0x21a5d66bu, 0x258dd3dbu, 0x1cbff34du, 0x0d0088f5u};
    for (int i = 0; i < HB_N; i++) {
        out[47 - 4 * i] = (uint8_t)half[i];
        out[46 - 4 * i] = (uint8_t)(half[i] >> 8);
        out[45 - 4 * i] = (uint8_t)(half[i] >> 16);
        out[44 - 4 * i] = (uint8_t)(half[i] >> 24);
    }
}

/* A compressed G1 point (not infinity) into affine Montgomery coordinates. */
static void decompress(const uint8_t in[48], hb_g1a *out)
{
    static const uint32_t sq[HB_N] = {0xffffeaabu, 0xee7fbfffu, 0xac54ffffu, 0x07aaffffu, 0x3dac3d89u, 0xd9cc34a8u,
                                      0x3ce144afu, 0xd91dd2e1u, 0x90d2eb35u, 0x92c6e9edu, 0x8e5ff9a6u, 0x0680447au};
    uint8_t b[48], yb[48], h[48];
    memcpy(b, in, 48);
    assert_true(b[0] & 0x80);
    int sign = (b[0] & 0x20) != 0;
    b[0] &= 0x1f;
    out->x = hb_from_be(b);
    hb_fp y2 = hb_add(hb_mul(hb_sqr(out->x), out->x), HB_B);
    out->y = hb_pow(y2, sq);
    assert_true(hb_eq(hb_sqr(out->y), y2));
    hb_to_be(out->y, yb);
    half_be(h);
    if ((memcmp(yb, h, 48) > 0) != sign) out->y = hb_sub((hb_fp){{0}}, out->y);
}

static void compress(hb_g1 p, uint8_t out[48])
{
    memset(out, 0, 48);
    if (hb_is_zero(p.z)) {
        out[0] = 0xc0;
        return;
    }
    hb_fp zi = hb_inv(p.z), zi2 = hb_sqr(zi);
    hb_fp x = hb_mul(p.x, zi2), y = hb_mul(p.y, hb_mul(zi2, zi));
    uint8_t yb[48], h[48];
    hb_to_be(x, out);
    hb_to_be(y, yb);
    half_be(h);
    out[0] |= 0x80 | (memcmp(yb, h, 48) > 0 ? 0x20 : 0);
}

static void pack(hb_fp a, uint64_t *w)
{
    for (int i = 0; i < HB_N / 2; i++) w[i] = (uint64_t)a.l[2 * i] | (uint64_t)a.l[2 * i + 1] << 32;
}

static int load_setup(void **state)
{
    zs_test_kzg_setup(state);
    size_t len;
    char *text = zs_test_read_file("node_modules/c-kzg/deps/c-kzg/trusted_setup.txt", &len);
    char *line = strtok(text, "\n");
    assert_int_equal(atoi(line), NPTS);
    line = strtok(NULL, "\n"); /* 65 G2 points */
    bases = malloc((size_t)NPTS * 12 * 8);
    for (unsigned i = 0; i < NPTS; i++) {
        line = strtok(NULL, "\n");
        uint8_t c[48];
        assert_int_equal(zs_hex_decode_exact(c, 48, line), 0);
        hb_g1a a;
        decompress(c, &a);
        unsigned r = 0; /* bit-reversed index over 12 bits: c-kzg's order */
        for (int b = 0; b < 12; b++) r |= ((i >> b) & 1u) << (11 - b);
        pack(a.x, bases + 12 * r);
        pack(a.y, bases + 12 * r + 6);
    }
    free(text);
    return 0;
}

static int free_setup(void **state)
{
    free(bases);
    return zs_test_kzg_teardown(state);
}

static void commit_both(const uint8_t *blob, uint8_t ours[48], uint8_t theirs[48])
{
    uint64_t *sc = malloc((size_t)NPTS * 32), out[18];
    for (unsigned i = 0; i < NPTS; i++)
        for (int w = 0; w < 4; w++) {
            uint64_t v = 0;
            for (int k = 0; k < 8; k++) v = v << 8 | blob[32 * i + 8 * (3 - w) + k];
            sc[4 * i + w] = v;
        }
    msm_g1(bases, sc, out, NPTS, 8);
    hb_g1 p;
    for (int i = 0; i < HB_N / 2; i++)
        for (int k = 0; k < 3; k++) {
            hb_fp *f = k == 0 ? &p.x : k == 1 ? &p.y : &p.z;
            f->l[2 * i] = (uint32_t)out[6 * k + i];
            f->l[2 * i + 1] = (uint32_t)(out[6 * k + i] >> 32);
        }
    compress(p, ours);
    assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, theirs), 0);
    free(sc);
}

static void test_msm_against_ckzg(void **state)
{
    (void)state;
    uint8_t *blob = calloc(1, ZS_KZG_BLOB_BYTES), ours[48], theirs[48];
    commit_both(blob, ours, theirs);
    assert_memory_equal(ours, theirs, 48); /* infinity */
    assert_int_equal(ours[0], 0xc0);
    blob[31] = 1; /* 1 x the first point */
    commit_both(blob, ours, theirs);
    assert_memory_equal(ours, theirs, 48);
    zs_test_rng_t r = {.s = 0x6d736d31};
    for (int round = 0; round < 2; round++) {
        zs_test_rng_bytes(&r, blob, ZS_KZG_BLOB_BYTES);
        for (size_t i = 0; i < ZS_KZG_BLOB_BYTES; i += 32) blob[i] &= 0x3f; /* below the scalar field's modulus */
        commit_both(blob, ours, theirs);
        assert_memory_equal(ours, theirs, 48);
    }
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msm_against_ckzg),
    };
    return cmocka_run_group_tests(tests, load_setup, free_setup);
}
