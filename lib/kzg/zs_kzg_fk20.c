/* A blob's commitment and cell proofs the card's way (zs_kzg_fk20.h). */
#include "lib/kzg/zs_kzg_fk20.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kzg/zs_kzg_priv.h"

#define N 4096      /* field elements per blob */
#define EXT 8192    /* ... of the extended blob: the roots' order */
#define COLS ZS_KZG_FK20_COLUMNS
#define ROWS ZS_KZG_FK20_ROWS

/* An affine point in the kernels' words: 0, or -1 for infinity. */
static int affine_words(const blst_p1 *p, uint64_t *w)
{
    if (blst_p1_is_inf(p)) return -1;
    blst_p1_affine a;
    blst_p1_to_affine(&a, p);
    memcpy(w, a.x.l, 48);
    memcpy(w + 6, a.y.l, 48);
    return 0;
}

static void scalar_words(const blst_scalar *s, uint64_t w[4])
{
    for (int i = 0; i < 4; i++) {
        w[i] = 0;
        for (int b = 7; b >= 0; b--) w[i] = w[i] << 8 | s->b[8 * i + b];
    }
}

static void fr_words(const blst_fr *f, uint64_t w[4])
{
    blst_scalar s;
    blst_scalar_from_fr(&s, f);
    scalar_words(&s, w);
}

int zs_kzg_tables(const zs_kzg_t *k, zs_kzg_tables_t *t)
{
    memset(t, 0, sizeof *t);
    t->lagrange = malloc((size_t)N * 12 * 8);
    t->columns = malloc((size_t)COLS * ROWS * 12 * 8);
    t->roots = malloc((EXT + 1) * sizeof *t->roots);
    if (!t->lagrange || !t->columns || !t->roots) {
        zs_kzg_tables_free(t);
        return ZS_ERR_NOMEM;
    }
    int bad = 0;
    for (size_t i = 0; i < N; i++) bad |= affine_words(&k->s.g1_values_lagrange_brp[i], t->lagrange + 12 * i);
    for (size_t j = 0; j < COLS; j++)
        for (size_t i = 0; i < ROWS; i++)
            bad |= affine_words(&k->s.x_ext_fft_columns[j][i], t->columns + 12 * (ROWS * j + i));
    for (size_t i = 0; i <= EXT; i++) fr_words(&k->s.roots_of_unity[i], t->roots[i]);
    if (bad) {
        zs_kzg_tables_free(t);
        return ZS_ERR_CRYPTO;
    }
    return ZS_OK;
}

void zs_kzg_tables_free(zs_kzg_tables_t *t)
{
    free(t->lagrange);
    free(t->columns);
    free(t->roots);
    memset(t, 0, sizeof *t);
}

int zs_kzg_card_ready(zs_kzg_card_t *c)
{
    if (!c->tried && (c->kzg = zs_kzg_open(NULL, 0, c->err, sizeof c->err)) && zs_kzg_tables(c->kzg, &c->tables))
        snprintf(c->err, sizeof c->err, "the card's KZG tables cannot be built from the setup");
    c->tried = 1;
    return c->tables.lagrange != NULL;
}

void zs_kzg_card_free(zs_kzg_card_t *c)
{
    zs_kzg_tables_free(&c->tables);
    zs_kzg_close(c->kzg);
    c->kzg = NULL;
}

/* ---- The scalar field's part (host side). */

static void fr_of(const uint64_t w[4], blst_fr *f)
{
    blst_fr_from_uint64(f, w);
}

/* out = the DFT of in (n points, natural order), inverse with w^-1 and 1/n. */
static void fr_fft(const zs_kzg_tables_t *t, blst_fr *out, const blst_fr *in, size_t n, int inverse)
{
    unsigned log_n = 0;
    while ((1u << log_n) < n) log_n++;
    for (size_t i = 0; i < n; i++) {
        size_t r = 0;
        for (unsigned b = 0; b < log_n; b++) r |= ((i >> b) & 1u) << (log_n - 1 - b);
        out[i] = in[r];
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t half = len / 2, step = EXT / len;
        for (size_t j = 0; j < half; j++) {
            blst_fr w, u, v;
            fr_of(t->roots[inverse ? EXT - j * step : j * step], &w);
            for (size_t i = 0; i < n; i += len) {
                blst_fr_mul(&v, &out[i + j + half], &w);
                u = out[i + j];
                blst_fr_add(&out[i + j], &u, &v);
                blst_fr_sub(&out[i + j + half], &u, &v);
            }
        }
    }
    if (!inverse) return;
    blst_fr inv_n;
    const uint64_t nw[4] = {n, 0, 0, 0};
    blst_fr_from_uint64(&inv_n, nw);
    blst_fr_eucl_inverse(&inv_n, &inv_n);
    for (size_t i = 0; i < n; i++) blst_fr_mul(&out[i], &out[i], &inv_n);
}

/* The blob's field elements: as scalars for the commitment, as the
   polynomial's monomial coefficients for FK20. */
static int blob_poly(const zs_kzg_tables_t *t, const uint8_t *blob, uint64_t (*sc)[4], blst_fr *mono)
{
    blst_fr *ev = malloc(N * sizeof *ev), *brp = malloc(N * sizeof *brp);
    int rc = ev && brp ? ZS_OK : ZS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < N; i++) {
        blst_scalar s;
        blst_scalar_from_bendian(&s, blob + 32 * i);
        if (!blst_scalar_fr_check(&s)) rc = ZS_ERR_PARSE;
        blst_fr_from_scalar(&ev[i], &s);
        scalar_words(&s, sc[i]);
    }
    for (size_t i = 0; !rc && i < N; i++) { /* the evaluations are in bit-reversed order */
        size_t r = 0;
        for (unsigned b = 0; b < 12; b++) r |= ((i >> b) & 1u) << (11 - b);
        brp[i] = ev[r];
    }
    if (!rc) fr_fft(t, mono, brp, N, 1);
    free(ev);
    free(brp);
    return rc;
}

/* coeffs[j][i]: the FFT of offset i's Toeplitz coefficients (c-kzg's
   toeplitz_coeffs_stride), by column, as scalars. */
static void toeplitz(const zs_kzg_tables_t *t, const blst_fr *c, uint64_t (*coeffs)[4])
{
    blst_fr in[COLS], out[COLS];
    for (size_t i = 0; i < ROWS; i++) {
        memset(in, 0, sizeof in);
        in[0] = c[N - 1 - i];
        for (size_t m = 0; m < COLS - (ROWS + 2); m++) in[ROWS + 2 + m] = c[COLS - 1 - i + m * ROWS];
        fr_fft(t, out, in, COLS, 0);
        for (size_t j = 0; j < COLS; j++) fr_words(&out[j], coeffs[ROWS * j + i]);
    }
}

static void compress(const uint64_t *jac, uint8_t out[48])
{
    blst_p1 p;
    memcpy(p.x.l, jac, 48);
    memcpy(p.y.l, jac + 6, 48);
    memcpy(p.z.l, jac + 12, 48);
    blst_p1_compress(out, &p);
}

/* ---- Both. */

int zs_kzg_fk20(const zs_kzg_tables_t *t, const zs_kzg_g1_ops_t *ops, const uint8_t *blob, uint8_t commitment[48],
                uint8_t (*proofs)[48])
{
    uint64_t(*sc)[4] = malloc(N * sizeof *sc), (*coeffs)[4] = malloc(COLS * ROWS * sizeof *coeffs);
    uint64_t *h = malloc(COLS * 18 * 8), tw[COLS / 2][4], inv[4], com[18];
    blst_fr *mono = malloc(N * sizeof *mono);
    int rc = sc && coeffs && h && mono ? blob_poly(t, blob, sc, mono) : ZS_ERR_NOMEM;
    if (!rc) {
        ops->msm(ops->ctx, t->lagrange, (const uint64_t *)sc, com, N, 8);
        compress(com, commitment);
        toeplitz(t, mono, coeffs);
        for (size_t j = 0; j < COLS; j++)
            ops->msm(ops->ctx, t->columns + 12 * ROWS * j, (const uint64_t *)coeffs[ROWS * j], h + 18 * j, ROWS, 4);
        /* h = IFFT(h_ext_fft), upper half zeroed, then FFT: the proofs. */
        for (size_t j = 0; j < COLS / 2; j++) memcpy(tw[j], t->roots[EXT - j * (EXT / COLS)], 32);
        blst_fr f;
        const uint64_t nw[4] = {COLS, 0, 0, 0};
        blst_fr_from_uint64(&f, nw);
        blst_fr_eucl_inverse(&f, &f);
        fr_words(&f, inv);
        ops->fft(ops->ctx, h, (const uint64_t *)tw, 7, inv);
        memset(h + 18 * (COLS / 2), 0, (COLS / 2) * 18 * 8);
        for (size_t j = 0; j < COLS / 2; j++) memcpy(tw[j], t->roots[j * (EXT / COLS)], 32);
        ops->fft(ops->ctx, h, (const uint64_t *)tw, 7, NULL);
        for (size_t i = 0; i < COLS; i++) { /* bit-reversed, as c-kzg returns them */
            size_t r = 0;
            for (unsigned b = 0; b < 7; b++) r |= ((i >> b) & 1u) << (6 - b);
            compress(h + 18 * r, proofs[i]);
        }
    }
    free(sc);
    free(coeffs);
    free(h);
    free(mono);
    return rc;
}
