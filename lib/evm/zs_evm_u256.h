/* The EVM's word arithmetic: 256-bit values as four 64-bit limbs (least
   significant first, zs_u256_t), every operation modulo 2^256 as the EVM
   defines it.  Inline, because the interpreter's loop is made of these;
   division, MULMOD and EXP are out of line in zs_evm_u256.c.  Pure; any
   thread. */
#ifndef ZS_EVM_U256_H
#define ZS_EVM_U256_H

#include <stdint.h>
#include <string.h>

#include "lib/u256/zs_u256.h"

typedef unsigned __int128 zs_u128_t;

/* add and subtract with carry (GCC compiles these to adc / sbb) */
static inline uint64_t ev_addc(uint64_t a, uint64_t b, uint64_t cin, uint64_t *cout)
{
    unsigned __int128 s = (unsigned __int128)a + b + cin;
    *cout = (uint64_t)(s >> 64);
    return (uint64_t)s;
}

static inline uint64_t ev_subb(uint64_t a, uint64_t b, uint64_t bin, uint64_t *bout)
{
    unsigned __int128 d = (unsigned __int128)a - b - bin;
    *bout = (uint64_t)(d >> 64) & 1;
    return (uint64_t)d;
}

static inline void ev_add(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    uint64_t c0, c1, c2, t;
    r->w[0] = ev_addc(a->w[0], b->w[0], 0, &c0);
    r->w[1] = ev_addc(a->w[1], b->w[1], c0, &c1);
    r->w[2] = ev_addc(a->w[2], b->w[2], c1, &c2);
    r->w[3] = ev_addc(a->w[3], b->w[3], c2, &t);
}

static inline void ev_sub(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    uint64_t c0, c1, c2, t;
    r->w[0] = ev_subb(a->w[0], b->w[0], 0, &c0);
    r->w[1] = ev_subb(a->w[1], b->w[1], c0, &c1);
    r->w[2] = ev_subb(a->w[2], b->w[2], c1, &c2);
    r->w[3] = ev_subb(a->w[3], b->w[3], c2, &t);
}

static inline void ev_mul(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    /* Schoolbook, keeping only the low 256 bits. */
    zs_u128_t t;
    uint64_t r0, r1, r2, r3, c;
    t = (zs_u128_t)a->w[0] * b->w[0];
    r0 = (uint64_t)t;
    c = (uint64_t)(t >> 64);
    t = (zs_u128_t)a->w[0] * b->w[1] + c;
    r1 = (uint64_t)t;
    c = (uint64_t)(t >> 64);
    t = (zs_u128_t)a->w[0] * b->w[2] + c;
    r2 = (uint64_t)t;
    r3 = (uint64_t)(t >> 64) + a->w[0] * b->w[3];
    t = (zs_u128_t)a->w[1] * b->w[0] + r1;
    r1 = (uint64_t)t;
    c = (uint64_t)(t >> 64);
    t = (zs_u128_t)a->w[1] * b->w[1] + r2 + c;
    r2 = (uint64_t)t;
    r3 += (uint64_t)(t >> 64) + a->w[1] * b->w[2];
    t = (zs_u128_t)a->w[2] * b->w[0] + r2;
    r2 = (uint64_t)t;
    r3 += (uint64_t)(t >> 64) + a->w[2] * b->w[1] + a->w[3] * b->w[0];
    r->w[0] = r0;
    r->w[1] = r1;
    r->w[2] = r2;
    r->w[3] = r3;
}

static inline int ev_is_zero(const zs_u256_t *a)
{
    return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static inline int ev_eq(const zs_u256_t *a, const zs_u256_t *b)
{
    return !((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3]));
}

static inline int ev_lt(const zs_u256_t *a, const zs_u256_t *b)
{
    uint64_t c0, c1, c2, c3;
    (void)ev_subb(a->w[0], b->w[0], 0, &c0);
    (void)ev_subb(a->w[1], b->w[1], c0, &c1);
    (void)ev_subb(a->w[2], b->w[2], c1, &c2);
    (void)ev_subb(a->w[3], b->w[3], c2, &c3);
    return (int)c3;
}

static inline int ev_slt(const zs_u256_t *a, const zs_u256_t *b)
{
    int sa = (int)(a->w[3] >> 63), sb = (int)(b->w[3] >> 63);
    if (sa != sb) return sa;
    return ev_lt(a, b);
}

static inline void ev_set_u64(zs_u256_t *r, uint64_t v)
{
    r->w[0] = v;
    r->w[1] = r->w[2] = r->w[3] = 0;
}

/* a fits in 64 bits */
static inline int ev_fits64(const zs_u256_t *a)
{
    return !(a->w[1] | a->w[2] | a->w[3]);
}

/* Shifts by n < 256 bits: whole limbs first (a select on n >> 6, which a
   program tends to repeat, so the branch predicts), then the bits, each
   output limb from two neighbours; "<< 1 << (63 - b)" is a shift by 64 - b
   that is also defined (zero) when b is 0.  No array indexed by n: a load
   from a just-written stack array at a varying offset stalls the store
   forwarding. */
static inline void ev_shl(zs_u256_t *r, const zs_u256_t *a, unsigned n)
{
    uint64_t w0 = a->w[0], w1 = a->w[1], w2 = a->w[2], w3 = a->w[3], s0, s1, s2, s3;
    switch (n >> 6) {
    case 0: s0 = w0, s1 = w1, s2 = w2, s3 = w3; break;
    case 1: s0 = 0, s1 = w0, s2 = w1, s3 = w2; break;
    case 2: s0 = 0, s1 = 0, s2 = w0, s3 = w1; break;
    default: s0 = 0, s1 = 0, s2 = 0, s3 = w0; break;
    }
    unsigned b = n & 63;
    r->w[3] = (s3 << b) | (s2 >> 1 >> (63 - b));
    r->w[2] = (s2 << b) | (s1 >> 1 >> (63 - b));
    r->w[1] = (s1 << b) | (s0 >> 1 >> (63 - b));
    r->w[0] = s0 << b;
}

static inline void ev_shr(zs_u256_t *r, const zs_u256_t *a, unsigned n)
{
    uint64_t w0 = a->w[0], w1 = a->w[1], w2 = a->w[2], w3 = a->w[3], s0, s1, s2, s3;
    switch (n >> 6) {
    case 0: s0 = w0, s1 = w1, s2 = w2, s3 = w3; break;
    case 1: s0 = w1, s1 = w2, s2 = w3, s3 = 0; break;
    case 2: s0 = w2, s1 = w3, s2 = 0, s3 = 0; break;
    default: s0 = w3, s1 = 0, s2 = 0, s3 = 0; break;
    }
    unsigned b = n & 63;
    r->w[0] = (s0 >> b) | (s1 << 1 << (63 - b));
    r->w[1] = (s1 >> b) | (s2 << 1 << (63 - b));
    r->w[2] = (s2 >> b) | (s3 << 1 << (63 - b));
    r->w[3] = s3 >> b;
}

static inline void ev_from_be32(zs_u256_t *r, const uint8_t *p)
{
    for (int i = 0; i < 4; i++) {
        uint64_t v;
        memcpy(&v, p + 8 * (3 - i), 8);
        r->w[i] = __builtin_bswap64(v);
    }
}

static inline void ev_to_be32(const zs_u256_t *a, uint8_t *p)
{
    for (int i = 0; i < 4; i++) {
        uint64_t v = __builtin_bswap64(a->w[i]);
        memcpy(p + 8 * (3 - i), &v, 8);
    }
}

/* An address (20 bytes) from the low 160 bits of a word, and back. */
static inline void ev_to_addr(const zs_u256_t *a, uint8_t out[20])
{
    uint8_t be[32];
    ev_to_be32(a, be);
    memcpy(out, be + 12, 20);
}

static inline void ev_from_addr(zs_u256_t *r, const uint8_t a[20])
{
    uint8_t be[32] = {0};
    memcpy(be + 12, a, 20);
    ev_from_be32(r, be);
}

/* Out of line (zs_evm_u256.c). */
void ev_div(zs_u256_t *q, const zs_u256_t *a, const zs_u256_t *b); /* b != 0 */
void ev_mod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b); /* b != 0 */
void ev_sdiv(zs_u256_t *q, const zs_u256_t *a, const zs_u256_t *b);
void ev_smod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b);
void ev_addmod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b, const zs_u256_t *m);
void ev_mulmod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b, const zs_u256_t *m);
void ev_exp(zs_u256_t *r, const zs_u256_t *base, const zs_u256_t *e);
void ev_sar(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *shift);
void ev_signextend(zs_u256_t *r, const zs_u256_t *k, const zs_u256_t *v);
/* Significant bytes of a (0 for 0). */
unsigned ev_byte_len(const zs_u256_t *a);

#endif
