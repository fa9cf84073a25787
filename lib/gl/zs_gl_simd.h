/* Goldilocks arithmetic on vectors of 64-bit lanes, written once for AVX2 and
   AVX-512.  Internal to lib/ (used by lib/gl and lib/poseidon).  The includer
   defines ZS_GL_SIMD_AVX512 or ZS_GL_SIMD_AVX2 and is compiled with the
   matching flags; it gets:
     gv_t, GV_LANES, gv_load, gv_store, gv_set1, gv_zero
     gv_add, gv_sub            canonical in, canonical out
     gv_mul                    canonical in, canonical out
     gv_mul_const(x, c)        x * c for a broadcast constant whose high half
                               was split off once (gv_const_t)
     gv_mac_small_*            sums of x * (c < 2^32) for small matrices
   Products are schoolbook 32x32->64 (VPMULUDQ) with the carries propagated
   so no partial sum overflows, then the field reduction
   hi*2^64 + lo = lo - hi_hi + hi_lo * (2^32 - 1). */
#ifndef ZS_GL_SIMD_H
#define ZS_GL_SIMD_H

#include <immintrin.h>
#include <stdint.h>

#include "lib/gl/zs_gl.h"

#define GV_INLINE static inline __attribute__((always_inline))

#if defined(ZS_GL_SIMD_AVX512)

typedef __m512i gv_t;
#define GV_LANES 8
GV_INLINE gv_t gv_load(const uint64_t *p) { return _mm512_loadu_si512((const void *)p); }
GV_INLINE void gv_store(uint64_t *p, gv_t v) { _mm512_storeu_si512((void *)p, v); }
GV_INLINE gv_t gv_set1(uint64_t x) { return _mm512_set1_epi64((long long)x); }
GV_INLINE gv_t gv_zero(void) { return _mm512_setzero_si512(); }
#define gv_addq _mm512_add_epi64
#define gv_subq _mm512_sub_epi64
#define gv_mulu32 _mm512_mul_epu32
#define gv_srli _mm512_srli_epi64
/* The high 32 bits of each lane moved to the low half (a shuffle, which runs
   beside the shifts); the upper half of the result is garbage that VPMULUDQ
   ignores. */
#define gv_high32(x) _mm512_shuffle_epi32((x), (_MM_PERM_ENUM)0xF5)
#define gv_slli _mm512_slli_epi64
#define gv_and _mm512_and_si512

GV_INLINE gv_t gv_add(gv_t a, gv_t b)
{
    gv_t s = _mm512_add_epi64(a, b);
    __mmask8 m = _mm512_cmplt_epu64_mask(s, a) | _mm512_cmpge_epu64_mask(s, gv_set1(ZS_GL_P));
    return _mm512_mask_sub_epi64(s, m, s, gv_set1(ZS_GL_P));
}

GV_INLINE gv_t gv_sub(gv_t a, gv_t b)
{
    gv_t d = _mm512_sub_epi64(a, b);
    return _mm512_mask_add_epi64(d, _mm512_cmplt_epu64_mask(a, b), d, gv_set1(ZS_GL_P));
}

/* x mod p for any 64-bit x. */
GV_INLINE gv_t gv_canon(gv_t x)
{
    return _mm512_mask_sub_epi64(x, _mm512_cmpge_epu64_mask(x, gv_set1(ZS_GL_P)), x, gv_set1(ZS_GL_P));
}

/* a + b for any 64-bit a and canonical b, result any 64-bit value: a carry
   means + 2^64 = + EPS, which cannot carry again because b < p. */
GV_INLINE gv_t gv_add_nc(gv_t a, gv_t b)
{
    gv_t s = _mm512_add_epi64(a, b);
    return _mm512_mask_add_epi64(s, _mm512_cmplt_epu64_mask(s, a), s, gv_set1(ZS_GL_EPS));
}

/* x + carries * 2^64 where each set lane of m adds one more 2^64. */
GV_INLINE gv_t gv_count_carry(gv_t count, __mmask8 m)
{
    return _mm512_mask_add_epi64(count, m, count, gv_set1(1));
}
#define gv_carry_mask(sum, addend) _mm512_cmplt_epu64_mask((sum), (addend))
typedef __mmask8 gv_mask_t;

/* hi * 2^64 + lo reduced to a 64-bit value that may exceed p. */
GV_INLINE gv_t gv_reduce128_nc(gv_t hi, gv_t lo)
{
    const gv_t eps = gv_set1(ZS_GL_EPS);
    gv_t hi_hi = _mm512_srli_epi64(hi, 32);
    gv_t t = _mm512_sub_epi64(lo, hi_hi);
    t = _mm512_mask_sub_epi64(t, _mm512_cmplt_epu64_mask(lo, hi_hi), t, eps);
    gv_t m = _mm512_mul_epu32(hi, eps); /* (hi mod 2^32) * EPS */
    gv_t r = _mm512_add_epi64(t, m);
    return _mm512_mask_add_epi64(r, _mm512_cmplt_epu64_mask(r, t), r, eps);
}

/* lo_sum + hi_sum * 2^32 reduced (may exceed p); lo_sum, hi_sum < 2^63. */
GV_INLINE gv_t gv_combine_halves(gv_t lo_sum, gv_t hi_sum)
{
    gv_t shifted = _mm512_slli_epi64(hi_sum, 32);
    gv_t lo = _mm512_add_epi64(lo_sum, shifted);
    gv_t hi = _mm512_srli_epi64(hi_sum, 32);
    hi = _mm512_mask_add_epi64(hi, _mm512_cmplt_epu64_mask(lo, shifted), hi, gv_set1(1));
    return gv_reduce128_nc(hi, lo);
}

#elif defined(ZS_GL_SIMD_AVX2)

typedef __m256i gv_t;
#define GV_LANES 4
GV_INLINE gv_t gv_load(const uint64_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
GV_INLINE void gv_store(uint64_t *p, gv_t v) { _mm256_storeu_si256((__m256i *)(void *)p, v); }
GV_INLINE gv_t gv_set1(uint64_t x) { return _mm256_set1_epi64x((long long)x); }
GV_INLINE gv_t gv_zero(void) { return _mm256_setzero_si256(); }
#define gv_addq _mm256_add_epi64
#define gv_subq _mm256_sub_epi64
#define gv_mulu32 _mm256_mul_epu32
#define gv_srli _mm256_srli_epi64
#define gv_high32(x) _mm256_shuffle_epi32((x), 0xF5)
#define gv_slli _mm256_slli_epi64
#define gv_and _mm256_and_si256

/* AVX2 compares are signed: flip the sign bits to compare unsigned.  All-ones
   lanes where a < b. */
GV_INLINE gv_t gv_ltu(gv_t a, gv_t b)
{
    const gv_t sign = gv_set1(0x8000000000000000ull);
    return _mm256_cmpgt_epi64(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign));
}

GV_INLINE gv_t gv_add(gv_t a, gv_t b)
{
    gv_t s = _mm256_add_epi64(a, b);
    gv_t m = _mm256_or_si256(gv_ltu(s, a), _mm256_xor_si256(gv_ltu(s, gv_set1(ZS_GL_P)), gv_set1(~0ull)));
    return _mm256_sub_epi64(s, _mm256_and_si256(m, gv_set1(ZS_GL_P)));
}

GV_INLINE gv_t gv_sub(gv_t a, gv_t b)
{
    gv_t d = _mm256_sub_epi64(a, b);
    return _mm256_add_epi64(d, _mm256_and_si256(gv_ltu(a, b), gv_set1(ZS_GL_P)));
}

GV_INLINE gv_t gv_canon(gv_t x)
{
    /* x >= p exactly when x + EPS carries: x - p == x + EPS (mod 2^64). */
    gv_t y = _mm256_add_epi64(x, gv_set1(ZS_GL_EPS));
    return _mm256_blendv_epi8(x, y, gv_ltu(y, x));
}

GV_INLINE gv_t gv_add_nc(gv_t a, gv_t b)
{
    gv_t s = _mm256_add_epi64(a, b);
    return _mm256_add_epi64(s, _mm256_and_si256(gv_ltu(s, a), gv_set1(ZS_GL_EPS)));
}

typedef __m256i gv_mask_t;
#define gv_carry_mask(sum, addend) gv_ltu((sum), (addend))
GV_INLINE gv_t gv_count_carry(gv_t count, gv_mask_t m)
{
    return _mm256_sub_epi64(count, m); /* all-ones lanes are -1 */
}

GV_INLINE gv_t gv_reduce128_nc(gv_t hi, gv_t lo)
{
    const gv_t eps = gv_set1(ZS_GL_EPS);
    gv_t hi_hi = _mm256_srli_epi64(hi, 32);
    gv_t hi_lo = _mm256_and_si256(hi, eps);
    gv_t t = _mm256_sub_epi64(lo, hi_hi);
    t = _mm256_sub_epi64(t, _mm256_and_si256(gv_ltu(lo, hi_hi), eps));
    /* Shifts rather than VPMULUDQ here: on AVX2 the multiplier is the busier unit. */
    gv_t m = _mm256_sub_epi64(_mm256_slli_epi64(hi_lo, 32), hi_lo);
    gv_t r = _mm256_add_epi64(t, m);
    return _mm256_add_epi64(r, _mm256_and_si256(gv_ltu(r, t), eps));
}

GV_INLINE gv_t gv_combine_halves(gv_t lo_sum, gv_t hi_sum)
{
    gv_t shifted = _mm256_slli_epi64(hi_sum, 32);
    gv_t lo = _mm256_add_epi64(lo_sum, shifted);
    gv_t hi = _mm256_srli_epi64(hi_sum, 32);
    hi = _mm256_sub_epi64(hi, gv_ltu(lo, shifted)); /* all-ones is -1: adds the carry */
    return gv_reduce128_nc(hi, lo);
}

#else
#error "define ZS_GL_SIMD_AVX512 or ZS_GL_SIMD_AVX2 before including zs_gl_simd.h"
#endif

/* 64x64 -> 128 schoolbook on 32-bit halves; xh, yh are x >> 32, y >> 32
   (passed in so callers can hoist them). */
GV_INLINE void gv_mul_wide(gv_t x, gv_t xh, gv_t y, gv_t yh, gv_t *hi, gv_t *lo)
{
    const gv_t low32 = gv_set1(0xffffffffull);
    gv_t ll = gv_mulu32(x, y);
    gv_t lh = gv_mulu32(x, yh);
    gv_t hl = gv_mulu32(xh, y);
    gv_t hh = gv_mulu32(xh, yh);
    gv_t mid = gv_addq(lh, gv_srli(ll, 32));       /* < 2^64 */
    gv_t mid2 = gv_addq(hl, gv_and(mid, low32));   /* < 2^64 */
    *lo = gv_addq(gv_and(ll, low32), gv_slli(mid2, 32));
    *hi = gv_addq(gv_addq(hh, gv_srli(mid, 32)), gv_srli(mid2, 32));
}

/* x^2 to 128 bits: the two cross products are equal, so three multiplies. */
GV_INLINE void gv_sqr_wide(gv_t x, gv_t *hi, gv_t *lo)
{
    const gv_t low32 = gv_set1(0xffffffffull);
    gv_t xh = gv_high32(x);
    gv_t ll = gv_mulu32(x, x);
    gv_t lh = gv_mulu32(x, xh);
    gv_t hh = gv_mulu32(xh, xh);
    gv_t mid = gv_addq(lh, gv_srli(ll, 32));
    gv_t mid2 = gv_addq(lh, gv_and(mid, low32));
    *lo = gv_addq(gv_and(ll, low32), gv_slli(mid2, 32));
    *hi = gv_addq(gv_addq(hh, gv_srli(mid, 32)), gv_srli(mid2, 32));
}

/* Products of any 64-bit representatives; results may exceed p. */
GV_INLINE gv_t gv_mul_nc(gv_t x, gv_t y)
{
    gv_t hi, lo;
    gv_mul_wide(x, gv_high32(x), y, gv_high32(y), &hi, &lo);
    return gv_reduce128_nc(hi, lo);
}

GV_INLINE gv_t gv_sqr_nc(gv_t x)
{
    gv_t hi, lo;
    gv_sqr_wide(x, &hi, &lo);
    return gv_reduce128_nc(hi, lo);
}

/* Canonical in, canonical out. */
GV_INLINE gv_t gv_reduce128(gv_t hi, gv_t lo)
{
    return gv_canon(gv_reduce128_nc(hi, lo));
}

GV_INLINE gv_t gv_mul(gv_t x, gv_t y)
{
    return gv_canon(gv_mul_nc(x, y));
}

/* A broadcast constant with its high half ready. */
typedef struct {
    gv_t lo, hi;
} gv_const_t;

GV_INLINE gv_const_t gv_const(uint64_t c)
{
    gv_const_t k = {gv_set1(c), gv_set1(c >> 32)};
    return k;
}

GV_INLINE gv_t gv_mul_const(gv_t x, gv_const_t c)
{
    gv_t hi, lo;
    gv_mul_wide(x, gv_high32(x), c.lo, c.hi, &hi, &lo);
    return gv_reduce128(hi, lo);
}

/* A 192-bit accumulator of 128-bit products, for dot products reduced once:
   top * 2^128 + hi * 2^64 + lo, with 2^128 = -2^32 (mod p). */
typedef struct {
    gv_t lo, hi, top;
} gv_acc_t;

GV_INLINE gv_acc_t gv_acc_zero(void)
{
    gv_acc_t a = {gv_zero(), gv_zero(), gv_zero()};
    return a;
}

/* Adds the product hi * 2^64 + lo.  The high half of a product of two 64-bit
   numbers is at most 2^64 - 2, so adding lo's carry to it cannot overflow;
   top counts the carries out of hi (at most one per term). */
GV_INLINE void gv_acc_add(gv_acc_t *a, gv_t hi, gv_t lo)
{
    a->lo = gv_addq(a->lo, lo);
    hi = gv_count_carry(hi, gv_carry_mask(a->lo, lo));
    a->hi = gv_addq(a->hi, hi);
    a->top = gv_count_carry(a->top, gv_carry_mask(a->hi, hi));
}

/* The accumulated sum, canonical. */
GV_INLINE gv_t gv_acc_reduce(gv_acc_t a)
{
    gv_t r = gv_canon(gv_reduce128_nc(a.hi, a.lo));
    return gv_sub(r, gv_slli(a.top, 32)); /* top < 2^32, so top * 2^32 < p */
}

#endif
