/* zs_kzg_fk20: a blob's commitment and EIP-7594's 128 cell proofs computed
   the way the card computes them, with the group work (multi-scalar
   multiplications and FFTs over G1) handed to a backend's functions and the
   scalar-field work done here (blst): the commitment is one MSM over the
   setup's Lagrange points; the cell proofs are FK20 (Feist-Khovratovich, as
   c-kzg-4844 computes them): the blob's polynomial in monomial form, for
   each of the 64 offsets the Toeplitz coefficients and their FFT, 128 MSMs
   of 64 points over the setup's FFT'd columns, an inverse G1 FFT of size 128
   with its upper half zeroed, a forward G1 FFT, bit-reversed.  Proofs are
   unique group elements, so any correct backend gives c-kzg's bytes.

   Point layouts are the kernels' (fpga/kernels/zs_kernels.h): Fp as six
   64-bit little-endian words in Montgomery form (R = 2^384, blst's), an
   affine point 12 words, a Jacobian one 18 (Z = 0: infinity); scalars four
   words, canonical little-endian.

   The tables are read out of a loaded setup once (tens of MB); everything
   else is a pure function.  Any thread. */
#ifndef ZS_KZG_FK20_H
#define ZS_KZG_FK20_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/kzg/zs_kzg.h"

#define ZS_KZG_FK20_COLUMNS 128 /* the circulant's size: 2 x 64 cells */
#define ZS_KZG_FK20_ROWS 64     /* field elements per cell */

typedef struct {
    uint64_t *lagrange;        /* 4,096 affine points, c-kzg's bit-reversed order */
    uint64_t *columns;         /* 128 x 64 affine points: FK20's x_ext_fft columns */
    uint64_t (*roots)[4];      /* w^i for i <= 8,192, w of order 8,192 */
} zs_kzg_tables_t;

/* The card's tables from a loaded setup: 0, ZS_ERR_NOMEM, or ZS_ERR_CRYPTO
   (a point at infinity where none can be). */
ZS_MUST_USE int zs_kzg_tables(const zs_kzg_t *k, zs_kzg_tables_t *out);
void zs_kzg_tables_free(zs_kzg_tables_t *t);

/* A card backend's KZG state, loaded on its first KZG job: the trusted
   setup and the tables built from it (or why not).  zs_kzg_card_ready
   loads it once (the caller serializes calls) and says 1 once the tables
   are there; otherwise err says why. */
typedef struct {
    int tried;
    zs_kzg_t *kzg;
    zs_kzg_tables_t tables;
    char err[256];
} zs_kzg_card_t;

int zs_kzg_card_ready(zs_kzg_card_t *c);
void zs_kzg_card_free(zs_kzg_card_t *c);

/* The group work, as a backend does it (the kernels' signatures). */
typedef struct {
    void *ctx;
    void (*msm)(void *ctx, const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n,
                uint32_t wbits);
    void (*fft)(void *ctx, uint64_t *points, const uint64_t *twiddles, uint32_t log_n, const uint64_t *scale);
} zs_kzg_g1_ops_t;

/* zs_kzg_fk20: the commitment and the 128 cell proofs (c-kzg's order) of
   blob through ops: 0, ZS_ERR_PARSE (a field element not below the
   modulus), ZS_ERR_NOMEM. */
ZS_MUST_USE int zs_kzg_fk20(const zs_kzg_tables_t *t, const zs_kzg_g1_ops_t *ops, const uint8_t *blob,
                            uint8_t commitment[48], uint8_t (*proofs)[48]);

#endif
