/* GV_LANES independent Poseidon permutations at once: element j of every
   state sits in one vector, so each field operation of the scalar code
   becomes one vector operation.  Internal; included by zs_poseidon_avx2.c
   and zs_poseidon_avx512.c after they pick the ISA (see zs_gl_simd.h) and
   define PERMUTE_LANES, the name of the function to define.

   The MDS matrix has entries below 2^6, so its products are two 32x32
   multiplies per term (low and high halves of the element) summed without
   reduction and reduced once per output.  The pre-matrix and the sparse
   partial-round constants are full 64-bit and use the full product; their
   high halves are broadcast straight from the constant table as 32-bit
   words, since VPMULUDQ reads only the low half of each lane. */
#include <string.h>

#include "lib/gl/zs_gl_simd.h"
#include "lib/poseidon/zs_poseidon_constants.h"

GV_INLINE gv_t pk_lo(const uint64_t *c)
{
    return gv_set1(*c);
}

/* The high 32 bits of *c in the low half of every lane. */
GV_INLINE gv_t pk_hi(const uint64_t *c)
{
    uint32_t h;
    memcpy(&h, (const uint8_t *)c + 4, 4);
#if GV_LANES == 8
    return _mm512_set1_epi32((int)h);
#else
    return _mm256_set1_epi32((int)h);
#endif
}

/* Inside the permutation values are any 64-bit representative of their
   residue (the "_nc" operations of zs_gl_simd.h); only the output is made
   canonical.  Additions keep one canonical operand (a constant, or a product
   made canonical) so a single carry fix-up suffices. */

/* x * c to 128 bits for a constant c in the table. */
GV_INLINE void pk_mul_wide(gv_t x, gv_t xh, const uint64_t *c, gv_t *hi, gv_t *lo)
{
    gv_mul_wide(x, xh, pk_lo(c), pk_hi(c), hi, lo);
}

GV_INLINE gv_t pk_pow7(gv_t x)
{
    gv_t x2 = gv_sqr_nc(x);
    gv_t x3 = gv_mul_nc(x2, x);
    gv_t x4 = gv_sqr_nc(x2);
    return gv_mul_nc(x3, x4);
}

GV_INLINE void pk_mds_small(gv_t s[12])
{
    gv_t hi[12], out[12];
    for (int j = 0; j < 12; j++) hi[j] = gv_high32(s[j]);
    for (int i = 0; i < 12; i++) {
        gv_t lo_sum = gv_zero(), hi_sum = gv_zero();
        for (int j = 0; j < 12; j++) {
            gv_t m = gv_set1(zs_poseidon_M[12 * j + i]);
            lo_sum = gv_addq(lo_sum, gv_mulu32(s[j], m));
            hi_sum = gv_addq(hi_sum, gv_mulu32(hi[j], m));
        }
        out[i] = gv_combine_halves(lo_sum, hi_sum);
    }
    for (int i = 0; i < 12; i++) s[i] = out[i];
}

/* Dot product of the state with constants c[0], c[stride], ...: one
   reduction for all twelve products. */
GV_INLINE gv_t pk_dot(const gv_t s[12], const gv_t sh[12], const uint64_t *c, int stride)
{
    gv_acc_t acc = gv_acc_zero();
    for (int j = 0; j < 12; j++) {
        gv_t hi, lo;
        pk_mul_wide(s[j], sh[j], &c[stride * j], &hi, &lo);
        gv_acc_add(&acc, hi, lo);
    }
    return gv_acc_reduce(acc);
}

GV_INLINE void pk_matrix_full(gv_t s[12], const uint64_t *a)
{
    gv_t sh[12], out[12];
    for (int j = 0; j < 12; j++) sh[j] = gv_high32(s[j]);
    for (int i = 0; i < 12; i++) out[i] = pk_dot(s, sh, &a[i], 12);
    for (int i = 0; i < 12; i++) s[i] = out[i];
}

GV_INLINE void pk_full_round(gv_t s[12], const uint64_t *c)
{
    for (int i = 0; i < 12; i++) s[i] = gv_add_nc(pk_pow7(s[i]), gv_set1(c[i]));
}

void PERMUTE_LANES(uint64_t (*states)[12])
{
    const uint64_t *C = zs_poseidon_C;
    gv_t s[12];
    /* Transpose in: element j of lane l is states[l][j]. */
    for (int j = 0; j < 12; j++) {
        uint64_t col[GV_LANES];
        for (int l = 0; l < GV_LANES; l++) col[l] = states[l][j];
        s[j] = gv_add_nc(gv_load(col), gv_set1(C[j]));
    }
    for (int r = 0; r < 3; r++) {
        pk_full_round(s, C + 12 * (r + 1));
        pk_mds_small(s);
    }
    pk_full_round(s, C + 48);
    pk_matrix_full(s, zs_poseidon_P);
    for (int r = 0; r < 22; r++) {
        const uint64_t *S = zs_poseidon_S + 23 * r;
        s[0] = gv_add_nc(pk_pow7(s[0]), gv_set1(C[60 + r]));
        gv_t sh[12];
        for (int j = 0; j < 12; j++) sh[j] = gv_high32(s[j]);
        gv_t s0 = pk_dot(s, sh, S, 1);
        for (int i = 1; i < 12; i++) {
            gv_t hi, lo;
            pk_mul_wide(s[0], sh[0], &S[11 + i], &hi, &lo);
            s[i] = gv_add_nc(s[i], gv_reduce128(hi, lo));
        }
        s[0] = s0;
    }
    for (int r = 0; r < 3; r++) {
        pk_full_round(s, C + 82 + 12 * r);
        pk_mds_small(s);
    }
    for (int i = 0; i < 12; i++) s[i] = pk_pow7(s[i]);
    pk_mds_small(s);
    for (int j = 0; j < 12; j++) {
        uint64_t col[GV_LANES];
        gv_store(col, gv_canon(s[j]));
        for (int l = 0; l < GV_LANES; l++) states[l][j] = col[l];
    }
}
