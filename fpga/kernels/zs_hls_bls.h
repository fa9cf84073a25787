/* BLS12-381 base field and G1 for the HLS kernels (the blob commitment's
   multi-scalar multiplication): 381-bit numbers as twelve 32-bit limbs,
   little-endian, in Montgomery form (R = 2^384); only 32x32->64 products
   (Vitis maps them to DSPs), fixed loop bounds, no division.  G1 is
   y^2 = x^3 + 4 in Jacobian coordinates (Z = 0: the point at infinity).
   Checked bit for bit against c-kzg-4844 over blst (fpga/tb/test_msm.c). */
#ifndef ZS_HLS_BLS_H
#define ZS_HLS_BLS_H

#include <stdint.h>
#include <string.h>

#define HB_N 12
typedef struct {
    uint32_t l[HB_N];
} hb_fp;
typedef struct {
    hb_fp x, y, z;
} hb_g1; /* Jacobian */
typedef struct {
    hb_fp x, y;
} hb_g1a; /* affine (never infinity) */

static const hb_fp HB_P = {{0xffffaaabu, 0xb9feffffu, 0xb153ffffu, 0x1eabfffeu, 0xf6b0f624u, 0x6730d2a0u, 0xf38512bfu,
                            0x64774b84u, 0x434bacd7u, 0x4b1ba7b6u, 0x397fe69au, 0x1a0111eau}};
static const hb_fp HB_R2 = {{0x1c341746u, 0xf4df1f34u, 0x09d104f1u, 0x0a76e6a6u, 0x4c95b6d5u, 0x8de5476cu, 0x939d83c0u,
                             0x67eb88a9u, 0xb519952du, 0x9a793e85u, 0x92cae3aau, 0x11988fe5u}};
static const hb_fp HB_ONE = {{0x0002fffdu, 0x76090000u, 0xc40c0002u, 0xebf4000bu, 0x53c758bau, 0x5f489857u, 0x70525745u,
                              0x77ce5853u, 0xa256ec6du, 0x5c071a97u, 0xfa80e493u, 0x15f65ec3u}};
static const hb_fp HB_B = {{0x000cfff3u, 0xaa270000u, 0xfc34000au, 0x53cc0032u, 0x6b0a807fu, 0x478fe97au, 0xe6ba24d7u,
                            0xb1d37ebeu, 0xbf78ab2fu, 0x8ec9733bu, 0x3d83de7eu, 0x09d64551u}}; /* 4 */
#define HB_N0 0xfffcfffdu /* -p^-1 mod 2^32 */

static inline int hb_geq_p(const uint32_t *t)
{
    for (int i = HB_N - 1; i >= 0; i--) {
        if (t[i] != HB_P.l[i]) return t[i] > HB_P.l[i];
    }
    return 1;
}

static inline void hb_sub_p(uint32_t *t)
{
    uint64_t borrow = 0;
    for (int i = 0; i < HB_N; i++) {
        uint64_t d = (uint64_t)t[i] - HB_P.l[i] - borrow;
        t[i] = (uint32_t)d;
        borrow = (d >> 63) & 1;
    }
}

static inline hb_fp hb_add(hb_fp a, hb_fp b)
{
#pragma HLS INLINE
    hb_fp r;
    uint64_t c = 0;
    for (int i = 0; i < HB_N; i++) {
        c += (uint64_t)a.l[i] + b.l[i];
        r.l[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c || hb_geq_p(r.l)) hb_sub_p(r.l); /* a + b < 2p < 2^384 */
    return r;
}

static inline hb_fp hb_sub(hb_fp a, hb_fp b)
{
#pragma HLS INLINE
    hb_fp r;
    uint64_t borrow = 0;
    for (int i = 0; i < HB_N; i++) {
        uint64_t d = (uint64_t)a.l[i] - b.l[i] - borrow;
        r.l[i] = (uint32_t)d;
        borrow = (d >> 63) & 1;
    }
    if (borrow) {
        uint64_t c = 0;
        for (int i = 0; i < HB_N; i++) {
            c += (uint64_t)r.l[i] + HB_P.l[i];
            r.l[i] = (uint32_t)c;
            c >>= 32;
        }
    }
    return r;
}

/* Montgomery product a * b / R (CIOS, one 32-bit word of b per row). */
static inline hb_fp hb_mul(hb_fp a, hb_fp b)
{
    uint32_t t[HB_N + 2] = {0};
    for (int i = 0; i < HB_N; i++) {
        uint64_t c = 0;
        for (int j = 0; j < HB_N; j++) {
            c += (uint64_t)t[j] + (uint64_t)a.l[j] * b.l[i];
            t[j] = (uint32_t)c;
            c >>= 32;
        }
        c += t[HB_N];
        t[HB_N] = (uint32_t)c;
        t[HB_N + 1] = (uint32_t)(c >> 32);
        uint32_t m = t[0] * HB_N0;
        c = (uint64_t)t[0] + (uint64_t)m * HB_P.l[0];
        c >>= 32;
        for (int j = 1; j < HB_N; j++) {
            c += (uint64_t)t[j] + (uint64_t)m * HB_P.l[j];
            t[j - 1] = (uint32_t)c;
            c >>= 32;
        }
        c += t[HB_N];
        t[HB_N - 1] = (uint32_t)c;
        t[HB_N] = t[HB_N + 1] + (uint32_t)(c >> 32);
    }
    hb_fp r;
    memcpy(r.l, t, sizeof r.l);
    if (t[HB_N] || hb_geq_p(r.l)) hb_sub_p(r.l);
    return r;
}

static inline hb_fp hb_sqr(hb_fp a)
{
    return hb_mul(a, a);
}

static inline int hb_is_zero(hb_fp a)
{
    uint32_t o = 0;
    for (int i = 0; i < HB_N; i++) o |= a.l[i];
    return o == 0;
}

static inline int hb_eq(hb_fp a, hb_fp b)
{
    return !memcmp(a.l, b.l, sizeof a.l);
}

/* a^e for an exponent of twelve 32-bit limbs (square and multiply). */
static inline hb_fp hb_pow(hb_fp a, const uint32_t e[HB_N])
{
    hb_fp r = HB_ONE;
    for (int i = HB_N * 32 - 1; i >= 0; i--) {
        r = hb_sqr(r);
        if ((e[i / 32] >> (i % 32)) & 1) r = hb_mul(r, a);
    }
    return r;
}

static inline hb_fp hb_inv(hb_fp a)
{
    static const uint32_t pm2[HB_N] = {0xffffaaa9u, 0xb9feffffu, 0xb153ffffu, 0x1eabfffeu, 0xf6b0f624u, 0x6730d2a0u,
                                       0xf38512bfu, 0x64774b84u, 0x434bacd7u, 0x4b1ba7b6u, 0x397fe69au, 0x1a0111eau};
    return hb_pow(a, pm2);
}

/* Montgomery form in and out of a 48-byte big-endian number (< p). */
static inline hb_fp hb_from_be(const uint8_t b[48])
{
    hb_fp a;
    for (int i = 0; i < HB_N; i++)
        a.l[i] = (uint32_t)b[47 - 4 * i] | (uint32_t)b[46 - 4 * i] << 8 | (uint32_t)b[45 - 4 * i] << 16 |
                 (uint32_t)b[44 - 4 * i] << 24;
    return hb_mul(a, HB_R2);
}

static inline void hb_to_be(hb_fp a, uint8_t b[48])
{
    hb_fp one = {{1}};
    hb_fp n = hb_mul(a, one);
    for (int i = 0; i < HB_N; i++) {
        b[47 - 4 * i] = (uint8_t)n.l[i];
        b[46 - 4 * i] = (uint8_t)(n.l[i] >> 8);
        b[45 - 4 * i] = (uint8_t)(n.l[i] >> 16);
        b[44 - 4 * i] = (uint8_t)(n.l[i] >> 24);
    }
}

/* ---- G1. */

static inline hb_g1 hb_g1_inf(void)
{
    hb_g1 r;
    memset(&r, 0, sizeof r);
    r.x = HB_ONE;
    r.y = HB_ONE;
    return r;
}

static inline hb_g1 hb_g1_dbl(hb_g1 p)
{
    if (hb_is_zero(p.z)) return p;
    hb_fp a = hb_sqr(p.x), b = hb_sqr(p.y), c = hb_sqr(b);
    hb_fp t = hb_add(p.x, b);
    hb_fp d = hb_sub(hb_sub(hb_sqr(t), a), c);
    d = hb_add(d, d);
    hb_fp e = hb_add(hb_add(a, a), a), f = hb_sqr(e);
    hb_g1 r;
    r.x = hb_sub(f, hb_add(d, d));
    hb_fp c8 = hb_add(c, c);
    c8 = hb_add(c8, c8);
    c8 = hb_add(c8, c8);
    r.y = hb_sub(hb_mul(e, hb_sub(d, r.x)), c8);
    hb_fp yz = hb_mul(p.y, p.z);
    r.z = hb_add(yz, yz);
    return r;
}

/* p + q with q affine. */
static inline hb_g1 hb_g1_madd(hb_g1 p, const hb_g1a *q)
{
    if (hb_is_zero(p.z)) {
        hb_g1 r = {q->x, q->y, HB_ONE};
        return r;
    }
    hb_fp z1z1 = hb_sqr(p.z), u2 = hb_mul(q->x, z1z1), s2 = hb_mul(hb_mul(q->y, p.z), z1z1);
    hb_fp h = hb_sub(u2, p.x), rr = hb_sub(s2, p.y);
    if (hb_is_zero(h)) {
        if (hb_is_zero(rr)) return hb_g1_dbl(p);
        return hb_g1_inf();
    }
    hb_fp hh = hb_sqr(h), i = hb_add(hh, hh);
    i = hb_add(i, i);
    hb_fp j = hb_mul(h, i);
    rr = hb_add(rr, rr);
    hb_fp v = hb_mul(p.x, i);
    hb_g1 r;
    r.x = hb_sub(hb_sub(hb_sqr(rr), j), hb_add(v, v));
    hb_fp y1j = hb_mul(p.y, j);
    r.y = hb_sub(hb_mul(rr, hb_sub(v, r.x)), hb_add(y1j, y1j));
    r.z = hb_sub(hb_sub(hb_sqr(hb_add(p.z, h)), z1z1), hh);
    return r;
}

/* p + q, both Jacobian. */
static inline hb_g1 hb_g1_add(hb_g1 p, hb_g1 q)
{
    if (hb_is_zero(p.z)) return q;
    if (hb_is_zero(q.z)) return p;
    hb_fp z1z1 = hb_sqr(p.z), z2z2 = hb_sqr(q.z);
    hb_fp u1 = hb_mul(p.x, z2z2), u2 = hb_mul(q.x, z1z1);
    hb_fp s1 = hb_mul(hb_mul(p.y, q.z), z2z2), s2 = hb_mul(hb_mul(q.y, p.z), z1z1);
    hb_fp h = hb_sub(u2, u1), rr = hb_sub(s2, s1);
    if (hb_is_zero(h)) {
        if (hb_is_zero(rr)) return hb_g1_dbl(p);
        return hb_g1_inf();
    }
    hb_fp i = hb_add(h, h);
    i = hb_sqr(i);
    hb_fp j = hb_mul(h, i);
    rr = hb_add(rr, rr);
    hb_fp v = hb_mul(u1, i);
    hb_g1 r;
    r.x = hb_sub(hb_sub(hb_sqr(rr), j), hb_add(v, v));
    hb_fp s1j = hb_mul(s1, j);
    r.y = hb_sub(hb_mul(rr, hb_sub(v, r.x)), hb_add(s1j, s1j));
    r.z = hb_mul(hb_sub(hb_sub(hb_sqr(hb_add(p.z, q.z)), z1z1), z2z2), h);
    return r;
}

#endif
