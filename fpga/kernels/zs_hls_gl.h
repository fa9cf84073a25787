/* Goldilocks arithmetic (p = 2^64 - 2^32 + 1) for the HLS kernels: only
   64-bit integers and 32x32->64 products, which Vitis HLS maps to DSP
   cascades; no __int128, no division.  Values in and out are canonical
   (< p).  Each function is a combinational block the kernels inline.
   The reference these are checked against is lib/gl (fpga/tb). */
#ifndef ZS_HLS_GL_H
#define ZS_HLS_GL_H

#include <stdint.h>

#define HGL_P 0xFFFFFFFF00000001ull
#define HGL_EPS 0xFFFFFFFFull /* 2^64 mod p */

static inline uint64_t hgl_add(uint64_t a, uint64_t b)
{
#pragma HLS INLINE
    uint64_t s = a + b;
    /* A carry out is 2^64 = 2^32 - 1 (mod p); the sum is then below p. */
    if (s < a) return s + HGL_EPS;
    return s >= HGL_P ? s - HGL_P : s;
}

static inline uint64_t hgl_sub(uint64_t a, uint64_t b)
{
#pragma HLS INLINE
    uint64_t d = a - b;
    return a < b ? d + HGL_P : d;
}

/* (hi, lo) = a * b from four 32x32 products. */
static inline void hgl_mul_wide(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#pragma HLS INLINE
    uint64_t a0 = a & 0xFFFFFFFFull, a1 = a >> 32, b0 = b & 0xFFFFFFFFull, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = p01 + p10;
    uint64_t mid_carry = mid < p01; /* worth 2^96 */
    uint64_t l = p00 + (mid << 32);
    uint64_t l_carry = l < p00;
    *lo = l;
    *hi = p11 + (mid >> 32) + (mid_carry << 32) + l_carry;
}

/* hi*2^64 + lo mod p, with 2^64 = 2^32 - 1 and 2^96 = -1. */
static inline uint64_t hgl_reduce128(uint64_t hi, uint64_t lo)
{
#pragma HLS INLINE
    uint64_t hh = hi >> 32, hl = hi & 0xFFFFFFFFull;
    uint64_t t0 = lo - hh;
    if (lo < hh) t0 -= HGL_EPS;
    uint64_t t1 = hl * HGL_EPS;
    uint64_t r = t0 + t1;
    if (r < t1) r += HGL_EPS;
    return r >= HGL_P ? r - HGL_P : r;
}

static inline uint64_t hgl_mul(uint64_t a, uint64_t b)
{
#pragma HLS INLINE
    uint64_t hi, lo;
    hgl_mul_wide(a, b, &hi, &lo);
    return hgl_reduce128(hi, lo);
}

#endif
