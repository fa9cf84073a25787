/* zs_gl: arithmetic in the Goldilocks field, p = 2^64 - 2^32 + 1.

   Elements are uint64_t in canonical form (0 <= x < p) at every API
   boundary; every function here takes canonical inputs and returns
   canonical outputs.  The reduction uses 2^64 = 2^32 - 1 and 2^96 = -1
   (mod p).

   Scalar operations are static inline.  The array operations (zs_gl_vec_*,
   zs_gl_batch_inv) pick AVX-512, AVX2 or portable code at run time; all
   give identical results.  Pure functions on caller-owned memory: any
   thread. */
#ifndef ZS_GL_H
#define ZS_GL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_cpu.h"
#include "lib/base/zs_err.h"

#define ZS_GL_P 0xffffffff00000001ull
#define ZS_GL_EPS 0x00000000ffffffffull /* 2^64 mod p */

typedef uint64_t zs_gl_t;

/* zs_gl_from_u64 refuses values that are not canonical (v >= p). */
static inline int zs_gl_from_u64(uint64_t v, zs_gl_t *out)
{
    if (v >= ZS_GL_P) return ZS_ERR_RANGE;
    *out = v;
    return ZS_OK;
}

/* zs_gl_reduce64 maps any 64-bit value to its canonical residue. */
/* The arithmetic below is branch-free: field elements are random, so any
   data-dependent branch would be mispredicted half the time. */

static inline zs_gl_t zs_gl_reduce64(uint64_t v)
{
    uint64_t ge = (uint64_t)0 - (uint64_t)(v >= ZS_GL_P);
    return v - (ge & ZS_GL_P);
}

static inline zs_gl_t zs_gl_add(zs_gl_t a, zs_gl_t b)
{
    uint64_t s;
    uint64_t carry = (uint64_t)__builtin_add_overflow(a, b, &s);
    /* With a carry the true sum is s + 2^64; minus p that is s + EPS, which is
       what s - p computes modulo 2^64. */
    uint64_t fix = (uint64_t)0 - (carry | (uint64_t)(s >= ZS_GL_P));
    return s - (fix & ZS_GL_P);
}

static inline zs_gl_t zs_gl_sub(zs_gl_t a, zs_gl_t b)
{
    uint64_t d;
    uint64_t borrow = (uint64_t)__builtin_sub_overflow(a, b, &d);
    return d + (((uint64_t)0 - borrow) & ZS_GL_P);
}

static inline zs_gl_t zs_gl_neg(zs_gl_t a)
{
    return a ? ZS_GL_P - a : 0;
}

/* zs_gl_reduce128 reduces hi * 2^64 + lo. */
static inline zs_gl_t zs_gl_reduce128(uint64_t hi, uint64_t lo)
{
    uint64_t hi_hi = hi >> 32, hi_lo = hi & ZS_GL_EPS;
    uint64_t t, r;
    /* lo - hi_hi * 2^96 == lo - hi_hi; a borrow adds p, i.e. subtracts EPS */
    uint64_t borrow = (uint64_t)__builtin_sub_overflow(lo, hi_hi, &t);
    t -= ((uint64_t)0 - borrow) & ZS_GL_EPS;
    /* + hi_lo * 2^64 == + hi_lo * EPS, which fits in 64 bits */
    uint64_t carry = (uint64_t)__builtin_add_overflow(t, hi_lo * ZS_GL_EPS, &r);
    r += ((uint64_t)0 - carry) & ZS_GL_EPS;
    return zs_gl_reduce64(r);
}

static inline zs_gl_t zs_gl_mul(zs_gl_t a, zs_gl_t b)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    return zs_gl_reduce128((uint64_t)(p >> 64), (uint64_t)p);
}

static inline zs_gl_t zs_gl_sqr(zs_gl_t a)
{
    return zs_gl_mul(a, a);
}

/* zs_gl_pow returns a^e (0^0 is 1). */
zs_gl_t zs_gl_pow(zs_gl_t a, uint64_t e);

/* zs_gl_inv returns 1/a, or 0 for a == 0 (callers that care check first). */
zs_gl_t zs_gl_inv(zs_gl_t a);

/* zs_gl_batch_inv writes 1/in[i] to out[i] for n elements with one
   inversion (Montgomery's trick); zeros map to zero.  out may equal in.
   scratch holds n elements and may not overlap in or out. */
void zs_gl_batch_inv(zs_gl_t *out, const zs_gl_t *in, size_t n, zs_gl_t *scratch);

/* Element-wise array operations: out[i] = a[i] op b[i].  out may alias a or b. */
void zs_gl_vec_add(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_sub(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_mul(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);

/* The same with the implementation level forced (tests, benchmarks); level
   must be supported (zs_cpu_has). */
void zs_gl_vec_add_with(zs_simd_t level, zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_sub_with(zs_simd_t level, zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_mul_with(zs_simd_t level, zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);

#endif
