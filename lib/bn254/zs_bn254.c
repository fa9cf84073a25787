/* BN254 for the EVM's precompiles: field tower, G1, G2, optimal ate
   pairing.  See zs_bn254.h for the encodings and the (absent) secrets. */
#include "lib/bn254/zs_bn254.h"

#include <pthread.h>
#include <string.h>

typedef unsigned __int128 u128;

/* add and subtract with carry (GCC compiles these to adc / sbb) */
static inline uint64_t addc(uint64_t a, uint64_t b, uint64_t cin, uint64_t *cout)
{
    unsigned __int128 s = (unsigned __int128)a + b + cin;
    *cout = (uint64_t)(s >> 64);
    return (uint64_t)s;
}

static inline uint64_t subb(uint64_t a, uint64_t b, uint64_t bin, uint64_t *bout)
{
    unsigned __int128 d = (unsigned __int128)a - b - bin;
    *bout = (uint64_t)(d >> 64) & 1;
    return (uint64_t)d;
}


typedef struct {
    uint64_t l[4];
} fp; /* Montgomery form, fully reduced */
typedef struct {
    fp a, b; /* a + b u, u^2 = -1 */
} fp2;
typedef struct {
    fp2 c0, c1, c2; /* c0 + c1 v + c2 v^2, v^3 = xi = 9 + u */
} fp6;
typedef struct {
    fp6 c0, c1; /* c0 + c1 w, w^2 = v */
} fp12;

static const fp P = {{0x3c208c16d87cfd47ull, 0x97816a916871ca8dull, 0xb85045b68181585dull, 0x30644e72e131a029ull}};
static const uint64_t PINV = 0x87d20782e4866389ull; /* -p^-1 mod 2^64 */
static const fp R2 = {{0xf32cfc5b538afa89ull, 0xb5e71911d44501fbull, 0x47ab1eff0a417ff6ull, 0x06d89f71cab8351full}};
static const fp ONE = {{0xd35d438dc58f0d9dull, 0x0a78eb28f5c70b3dull, 0x666ea36f7879462cull, 0x0e0a77c19a07df2full}};
static const uint64_t ORDER[4] = {0x43e1f593f0000001ull, 0x2833e84879b97091ull, 0xb85045b68181585dull,
                                  0x30644e72e131a029ull};
/* 6x + 2, x = 4965661367192848881: the ate loop */
static const uint64_t LOOP[2] = {0x9d797039be763ba8ull, 0x1ull};
/* (p^4 - p^2 + 1) / r: the hard part of the final exponentiation */
static const uint64_t HARD[12] = {0xe81bb482ccdf42b1ull, 0x5abf5cc4f49c36d4ull, 0xf1154e7e1da014fdull,
                                  0xdcc7b44c87cdbacfull, 0xaaa441e3954bcf8aull, 0x6b887d56d5095f23ull,
                                  0x79581e16f3fd90c6ull, 0x3b1b1355d189227dull, 0x4e529a5861876f6bull,
                                  0x6c0eb522d5b12278ull, 0x331ec15183177fafull, 0x01baaa710b0759adull};

/* ---- Fp. */

static int fp_geq_p(const uint64_t t[4])
{
    for (int i = 3; i >= 0; i--) {
        if (t[i] > P.l[i]) return 1;
        if (t[i] < P.l[i]) return 0;
    }
    return 1;
}

static void sub_p(uint64_t t[4])
{
    uint64_t b = 0;
    for (int i = 0; i < 4; i++) t[i] = subb(t[i], P.l[i], b, &b);
}

static void fp_add(fp *r, const fp *a, const fp *b)
{
    uint64_t c = 0;
    uint64_t t[4];
    for (int i = 0; i < 4; i++) t[i] = addc(a->l[i], b->l[i], c, &c);
    if (c || fp_geq_p(t)) sub_p(t);
    memcpy(r->l, t, 32);
}

static void fp_sub(fp *r, const fp *a, const fp *b)
{
    uint64_t bo = 0, c = 0;
    uint64_t t[4];
    for (int i = 0; i < 4; i++) t[i] = subb(a->l[i], b->l[i], bo, &bo);
    if (bo)
        for (int i = 0; i < 4; i++) t[i] = addc(t[i], P.l[i], c, &c);
    memcpy(r->l, t, 32);
}

static int fp_is_zero(const fp *a)
{
    return !(a->l[0] | a->l[1] | a->l[2] | a->l[3]);
}

static int fp_eq(const fp *a, const fp *b)
{
    return !memcmp(a->l, b->l, 32);
}

static void fp_neg(fp *r, const fp *a)
{
    fp z = {{0, 0, 0, 0}};
    fp_sub(r, &z, a);
}

static void fp_mul(fp *r, const fp *a, const fp *b)
{
    uint64_t t[6] = {0};
    for (int i = 0; i < 4; i++) {
        u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c = (u128)t[j] + (u128)a->l[i] * b->l[j] + (uint64_t)(c >> 64);
            t[j] = (uint64_t)c;
        }
        c = (u128)t[4] + (uint64_t)(c >> 64);
        t[4] = (uint64_t)c;
        t[5] = (uint64_t)(c >> 64);
        uint64_t m = t[0] * PINV;
        c = (u128)t[0] + (u128)m * P.l[0];
        for (int j = 1; j < 4; j++) {
            c = (u128)t[j] + (u128)m * P.l[j] + (uint64_t)(c >> 64);
            t[j - 1] = (uint64_t)c;
        }
        c = (u128)t[4] + (uint64_t)(c >> 64);
        t[3] = (uint64_t)c;
        t[4] = t[5] + (uint64_t)(c >> 64);
    }
    if (t[4] || fp_geq_p(t)) sub_p(t);
    memcpy(r->l, t, 32);
}

static void fp_pow(fp *r, const fp *a, const uint64_t *e, int nlimbs)
{
    fp acc = ONE, base = *a;
    for (int i = 0; i < nlimbs * 64; i++) {
        if ((e[i / 64] >> (i % 64)) & 1) fp_mul(&acc, &acc, &base);
        fp_mul(&base, &base, &base);
    }
    *r = acc;
}

static void fp_inv(fp *r, const fp *a)
{
    uint64_t e[4];
    memcpy(e, P.l, 32);
    e[0] -= 2;
    fp_pow(r, a, e, 4);
}

/* 0, or -1 when the 32 bytes are not below p. */
static int fp_from_be(fp *r, const uint8_t in[32])
{
    uint64_t t[4];
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++) v = v << 8 | in[(3 - i) * 8 + j];
        t[i] = v;
    }
    if (fp_geq_p(t)) return -1;
    memcpy(r->l, t, 32);
    fp_mul(r, r, &R2);
    return 0;
}

static void fp_to_be(const fp *a, uint8_t out[32])
{
    fp one = {{1, 0, 0, 0}}, t;
    fp_mul(&t, a, &one);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) out[(3 - i) * 8 + j] = (uint8_t)(t.l[i] >> (8 * (7 - j)));
}

static void fp_small(fp *r, uint64_t v)
{
    fp t = {{v, 0, 0, 0}};
    fp_mul(r, &t, &R2);
}

/* ---- Fp2. */

static void fp2_add(fp2 *r, const fp2 *x, const fp2 *y)
{
    fp_add(&r->a, &x->a, &y->a);
    fp_add(&r->b, &x->b, &y->b);
}
static void fp2_sub(fp2 *r, const fp2 *x, const fp2 *y)
{
    fp_sub(&r->a, &x->a, &y->a);
    fp_sub(&r->b, &x->b, &y->b);
}
static void fp2_neg(fp2 *r, const fp2 *x)
{
    fp_neg(&r->a, &x->a);
    fp_neg(&r->b, &x->b);
}
static void fp2_conj(fp2 *r, const fp2 *x)
{
    r->a = x->a;
    fp_neg(&r->b, &x->b);
}
static int fp2_is_zero(const fp2 *x)
{
    return fp_is_zero(&x->a) && fp_is_zero(&x->b);
}
static int fp2_eq(const fp2 *x, const fp2 *y)
{
    return fp_eq(&x->a, &y->a) && fp_eq(&x->b, &y->b);
}
static void fp2_mul(fp2 *r, const fp2 *x, const fp2 *y)
{
    fp t0, t1, s0, s1, m;
    fp_mul(&t0, &x->a, &y->a);
    fp_mul(&t1, &x->b, &y->b);
    fp_add(&s0, &x->a, &x->b);
    fp_add(&s1, &y->a, &y->b);
    fp_mul(&m, &s0, &s1);
    fp_sub(&r->a, &t0, &t1);
    fp_sub(&m, &m, &t0);
    fp_sub(&r->b, &m, &t1);
}
static void fp2_sqr(fp2 *r, const fp2 *x)
{
    fp s, d, ab;
    fp_add(&s, &x->a, &x->b);
    fp_sub(&d, &x->a, &x->b);
    fp_mul(&ab, &x->a, &x->b);
    fp_mul(&r->a, &s, &d);
    fp_add(&r->b, &ab, &ab);
}
static void fp2_mul_fp(fp2 *r, const fp2 *x, const fp *k)
{
    fp_mul(&r->a, &x->a, k);
    fp_mul(&r->b, &x->b, k);
}
/* times xi = 9 + u */
static void fp2_mul_xi(fp2 *r, const fp2 *x)
{
    fp a8, b8, a9, b9;
    fp_add(&a8, &x->a, &x->a);
    fp_add(&a8, &a8, &a8);
    fp_add(&a8, &a8, &a8);
    fp_add(&a9, &a8, &x->a);
    fp_add(&b8, &x->b, &x->b);
    fp_add(&b8, &b8, &b8);
    fp_add(&b8, &b8, &b8);
    fp_add(&b9, &b8, &x->b);
    fp ra, rb;
    fp_sub(&ra, &a9, &x->b);
    fp_add(&rb, &x->a, &b9);
    r->a = ra;
    r->b = rb;
}
static void fp2_inv(fp2 *r, const fp2 *x)
{
    fp t0, t1, n;
    fp_mul(&t0, &x->a, &x->a);
    fp_mul(&t1, &x->b, &x->b);
    fp_add(&n, &t0, &t1);
    fp_inv(&n, &n);
    fp_mul(&r->a, &x->a, &n);
    fp_mul(&t0, &x->b, &n);
    fp_neg(&r->b, &t0);
}
static void fp2_pow(fp2 *r, const fp2 *x, const uint64_t e[4])
{
    fp2 acc = {ONE, {{0, 0, 0, 0}}}, base = *x;
    for (int i = 0; i < 256; i++) {
        if ((e[i / 64] >> (i % 64)) & 1) fp2_mul(&acc, &acc, &base);
        fp2_sqr(&base, &base);
    }
    *r = acc;
}

/* ---- Fp6 and Fp12. */

static void fp6_add(fp6 *r, const fp6 *x, const fp6 *y)
{
    fp2_add(&r->c0, &x->c0, &y->c0);
    fp2_add(&r->c1, &x->c1, &y->c1);
    fp2_add(&r->c2, &x->c2, &y->c2);
}
static void fp6_sub(fp6 *r, const fp6 *x, const fp6 *y)
{
    fp2_sub(&r->c0, &x->c0, &y->c0);
    fp2_sub(&r->c1, &x->c1, &y->c1);
    fp2_sub(&r->c2, &x->c2, &y->c2);
}
static void fp6_neg(fp6 *r, const fp6 *x)
{
    fp2_neg(&r->c0, &x->c0);
    fp2_neg(&r->c1, &x->c1);
    fp2_neg(&r->c2, &x->c2);
}
static void fp6_mul(fp6 *r, const fp6 *x, const fp6 *y)
{
    fp2 t0, t1, t2, s, u, c0, c1, c2;
    fp2_mul(&t0, &x->c0, &y->c0);
    fp2_mul(&t1, &x->c1, &y->c1);
    fp2_mul(&t2, &x->c2, &y->c2);
    /* c0 = ((x1 + x2)(y1 + y2) - t1 - t2) xi + t0 */
    fp2_add(&s, &x->c1, &x->c2);
    fp2_add(&u, &y->c1, &y->c2);
    fp2_mul(&c0, &s, &u);
    fp2_sub(&c0, &c0, &t1);
    fp2_sub(&c0, &c0, &t2);
    fp2_mul_xi(&c0, &c0);
    fp2_add(&c0, &c0, &t0);
    /* c1 = (x0 + x1)(y0 + y1) - t0 - t1 + xi t2 */
    fp2_add(&s, &x->c0, &x->c1);
    fp2_add(&u, &y->c0, &y->c1);
    fp2_mul(&c1, &s, &u);
    fp2_sub(&c1, &c1, &t0);
    fp2_sub(&c1, &c1, &t1);
    fp2_mul_xi(&s, &t2);
    fp2_add(&c1, &c1, &s);
    /* c2 = (x0 + x2)(y0 + y2) - t0 - t2 + t1 */
    fp2_add(&s, &x->c0, &x->c2);
    fp2_add(&u, &y->c0, &y->c2);
    fp2_mul(&c2, &s, &u);
    fp2_sub(&c2, &c2, &t0);
    fp2_sub(&c2, &c2, &t2);
    fp2_add(&c2, &c2, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}
/* times v */
static void fp6_mul_v(fp6 *r, const fp6 *x)
{
    fp2 t;
    fp2_mul_xi(&t, &x->c2);
    r->c2 = x->c1;
    r->c1 = x->c0;
    r->c0 = t;
}
static void fp6_inv(fp6 *r, const fp6 *x)
{
    fp2 a, b, c, t, f;
    /* A = c0^2 - xi c1 c2, B = xi c2^2 - c0 c1, C = c1^2 - c0 c2 */
    fp2_sqr(&a, &x->c0);
    fp2_mul(&t, &x->c1, &x->c2);
    fp2_mul_xi(&t, &t);
    fp2_sub(&a, &a, &t);
    fp2_sqr(&b, &x->c2);
    fp2_mul_xi(&b, &b);
    fp2_mul(&t, &x->c0, &x->c1);
    fp2_sub(&b, &b, &t);
    fp2_sqr(&c, &x->c1);
    fp2_mul(&t, &x->c0, &x->c2);
    fp2_sub(&c, &c, &t);
    /* F = c0 A + xi (c2 B + c1 C) */
    fp2_mul(&f, &x->c2, &b);
    fp2_mul(&t, &x->c1, &c);
    fp2_add(&f, &f, &t);
    fp2_mul_xi(&f, &f);
    fp2_mul(&t, &x->c0, &a);
    fp2_add(&f, &f, &t);
    fp2_inv(&f, &f);
    fp2_mul(&r->c0, &a, &f);
    fp2_mul(&r->c1, &b, &f);
    fp2_mul(&r->c2, &c, &f);
}

static void fp12_one(fp12 *r)
{
    memset(r, 0, sizeof *r);
    r->c0.c0.a = ONE;
}
static void fp12_mul(fp12 *r, const fp12 *x, const fp12 *y)
{
    fp6 t0, t1, s, u, c1;
    fp6_mul(&t0, &x->c0, &y->c0);
    fp6_mul(&t1, &x->c1, &y->c1);
    fp6_add(&s, &x->c0, &x->c1);
    fp6_add(&u, &y->c0, &y->c1);
    fp6_mul(&c1, &s, &u);
    fp6_sub(&c1, &c1, &t0);
    fp6_sub(&c1, &c1, &t1);
    fp6_mul_v(&t1, &t1);
    fp6_add(&r->c0, &t0, &t1);
    r->c1 = c1;
}
static void fp12_conj(fp12 *r, const fp12 *x)
{
    r->c0 = x->c0;
    fp6_neg(&r->c1, &x->c1);
}
static void fp12_inv(fp12 *r, const fp12 *x)
{
    fp6 t0, t1;
    fp6_mul(&t0, &x->c0, &x->c0);
    fp6_mul(&t1, &x->c1, &x->c1);
    fp6_mul_v(&t1, &t1);
    fp6_sub(&t0, &t0, &t1);
    fp6_inv(&t0, &t0);
    fp6_mul(&r->c0, &x->c0, &t0);
    fp6_mul(&t1, &x->c1, &t0);
    fp6_neg(&r->c1, &t1);
}
static int fp12_is_one(const fp12 *x)
{
    fp12 one;
    fp12_one(&one);
    return !memcmp(x, &one, sizeof one);
}

/* ---- Constants computed once: gamma_i = xi^(i (p - 1) / 6). */

static fp2 GAMMA[6];
static fp2 TWIST_B;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_consts(void)
{
    /* (p - 1) / 6 */
    uint64_t e[4];
    memcpy(e, P.l, 32);
    e[0] -= 1;
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = ((u128)rem << 64) | e[i];
        e[i] = (uint64_t)(cur / 6);
        rem = (uint64_t)(cur % 6);
    }
    fp2 xi;
    fp_small(&xi.a, 9);
    fp_small(&xi.b, 1);
    fp2_pow(&GAMMA[1], &xi, e);
    GAMMA[0].a = ONE;
    memset(&GAMMA[0].b, 0, sizeof(fp));
    for (int i = 2; i < 6; i++) fp2_mul(&GAMMA[i], &GAMMA[i - 1], &GAMMA[1]);
    /* b' = 3 / xi */
    fp2 three = {{{0}}, {{0}}};
    fp_small(&three.a, 3);
    fp2_inv(&TWIST_B, &xi);
    fp2_mul(&TWIST_B, &TWIST_B, &three);
}

/* x^p: conjugate each coefficient of the w-basis and scale by gamma_i. */
static void fp12_frob(fp12 *r, const fp12 *x)
{
    fp2 *out[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
    const fp2 *in[6] = {&x->c0.c0, &x->c1.c0, &x->c0.c1, &x->c1.c1, &x->c0.c2, &x->c1.c2};
    fp2 t[6];
    for (int i = 0; i < 6; i++) {
        fp2_conj(&t[i], in[i]);
        fp2_mul(&t[i], &t[i], &GAMMA[i]);
    }
    for (int i = 0; i < 6; i++) *out[i] = t[i];
}

static void final_exp(fp12 *r, const fp12 *f)
{
    fp12 a, b, t;
    /* easy part: f^(p^6 - 1) (p^2 + 1) */
    fp12_conj(&a, f);
    fp12_inv(&b, f);
    fp12_mul(&a, &a, &b);
    fp12_frob(&t, &a);
    fp12_frob(&t, &t);
    fp12_mul(&a, &t, &a);
    /* hard part: ^((p^4 - p^2 + 1) / r) */
    fp12 acc;
    fp12_one(&acc);
    int top = 12 * 64 - 1;
    while (top >= 0 && !((HARD[top / 64] >> (top % 64)) & 1)) top--;
    for (int i = top; i >= 0; i--) {
        fp12_mul(&acc, &acc, &acc);
        if ((HARD[i / 64] >> (i % 64)) & 1) fp12_mul(&acc, &acc, &a);
    }
    *r = acc;
}

/* ---- G1 and G2 in Jacobian coordinates (Z = 0 is infinity). */

typedef struct {
    fp x, y, z;
} g1;
typedef struct {
    fp2 x, y, z;
} g2;

static void g1_double(g1 *r, const g1 *p)
{
    if (fp_is_zero(&p->z)) {
        *r = *p;
        return;
    }
    fp a, b, c, d, e, f, t;
    fp_mul(&a, &p->x, &p->x);
    fp_mul(&b, &p->y, &p->y);
    fp_mul(&c, &b, &b);
    fp_add(&t, &p->x, &b);
    fp_mul(&t, &t, &t);
    fp_sub(&t, &t, &a);
    fp_sub(&t, &t, &c);
    fp_add(&d, &t, &t);
    fp_add(&e, &a, &a);
    fp_add(&e, &e, &a);
    fp_mul(&f, &e, &e);
    g1 o;
    fp_sub(&o.x, &f, &d);
    fp_sub(&o.x, &o.x, &d);
    fp_sub(&t, &d, &o.x);
    fp_mul(&o.y, &e, &t);
    fp_add(&c, &c, &c);
    fp_add(&c, &c, &c);
    fp_add(&c, &c, &c);
    fp_sub(&o.y, &o.y, &c);
    fp_mul(&o.z, &p->y, &p->z);
    fp_add(&o.z, &o.z, &o.z);
    *r = o;
}

static void g1_add(g1 *r, const g1 *p, const g1 *q)
{
    if (fp_is_zero(&p->z)) {
        *r = *q;
        return;
    }
    if (fp_is_zero(&q->z)) {
        *r = *p;
        return;
    }
    fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    fp_mul(&z1z1, &p->z, &p->z);
    fp_mul(&z2z2, &q->z, &q->z);
    fp_mul(&u1, &p->x, &z2z2);
    fp_mul(&u2, &q->x, &z1z1);
    fp_mul(&s1, &p->y, &q->z);
    fp_mul(&s1, &s1, &z2z2);
    fp_mul(&s2, &q->y, &p->z);
    fp_mul(&s2, &s2, &z1z1);
    if (fp_eq(&u1, &u2)) {
        if (fp_eq(&s1, &s2)) {
            g1_double(r, p);
        } else {
            memset(r, 0, sizeof *r);
        }
        return;
    }
    g1 o;
    fp_sub(&h, &u2, &u1);
    fp_add(&i, &h, &h);
    fp_mul(&i, &i, &i);
    fp_mul(&j, &h, &i);
    fp_sub(&rr, &s2, &s1);
    fp_add(&rr, &rr, &rr);
    fp_mul(&v, &u1, &i);
    fp_mul(&o.x, &rr, &rr);
    fp_sub(&o.x, &o.x, &j);
    fp_sub(&o.x, &o.x, &v);
    fp_sub(&o.x, &o.x, &v);
    fp_sub(&t, &v, &o.x);
    fp_mul(&o.y, &rr, &t);
    fp_mul(&t, &s1, &j);
    fp_add(&t, &t, &t);
    fp_sub(&o.y, &o.y, &t);
    fp_add(&t, &p->z, &q->z);
    fp_mul(&t, &t, &t);
    fp_sub(&t, &t, &z1z1);
    fp_sub(&t, &t, &z2z2);
    fp_mul(&o.z, &t, &h);
    *r = o;
}

static void g2_double(g2 *r, const g2 *p)
{
    if (fp2_is_zero(&p->z)) {
        *r = *p;
        return;
    }
    fp2 a, b, c, d, e, f, t;
    fp2_sqr(&a, &p->x);
    fp2_sqr(&b, &p->y);
    fp2_sqr(&c, &b);
    fp2_add(&t, &p->x, &b);
    fp2_sqr(&t, &t);
    fp2_sub(&t, &t, &a);
    fp2_sub(&t, &t, &c);
    fp2_add(&d, &t, &t);
    fp2_add(&e, &a, &a);
    fp2_add(&e, &e, &a);
    fp2_sqr(&f, &e);
    g2 o;
    fp2_sub(&o.x, &f, &d);
    fp2_sub(&o.x, &o.x, &d);
    fp2_sub(&t, &d, &o.x);
    fp2_mul(&o.y, &e, &t);
    fp2_add(&c, &c, &c);
    fp2_add(&c, &c, &c);
    fp2_add(&c, &c, &c);
    fp2_sub(&o.y, &o.y, &c);
    fp2_mul(&o.z, &p->y, &p->z);
    fp2_add(&o.z, &o.z, &o.z);
    *r = o;
}

static void g2_add(g2 *r, const g2 *p, const g2 *q)
{
    if (fp2_is_zero(&p->z)) {
        *r = *q;
        return;
    }
    if (fp2_is_zero(&q->z)) {
        *r = *p;
        return;
    }
    fp2 z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    fp2_sqr(&z1z1, &p->z);
    fp2_sqr(&z2z2, &q->z);
    fp2_mul(&u1, &p->x, &z2z2);
    fp2_mul(&u2, &q->x, &z1z1);
    fp2_mul(&s1, &p->y, &q->z);
    fp2_mul(&s1, &s1, &z2z2);
    fp2_mul(&s2, &q->y, &p->z);
    fp2_mul(&s2, &s2, &z1z1);
    if (fp2_eq(&u1, &u2)) {
        if (fp2_eq(&s1, &s2)) {
            g2_double(r, p);
        } else {
            memset(r, 0, sizeof *r);
        }
        return;
    }
    g2 o;
    fp2_sub(&h, &u2, &u1);
    fp2_add(&i, &h, &h);
    fp2_sqr(&i, &i);
    fp2_mul(&j, &h, &i);
    fp2_sub(&rr, &s2, &s1);
    fp2_add(&rr, &rr, &rr);
    fp2_mul(&v, &u1, &i);
    fp2_sqr(&o.x, &rr);
    fp2_sub(&o.x, &o.x, &j);
    fp2_sub(&o.x, &o.x, &v);
    fp2_sub(&o.x, &o.x, &v);
    fp2_sub(&t, &v, &o.x);
    fp2_mul(&o.y, &rr, &t);
    fp2_mul(&t, &s1, &j);
    fp2_add(&t, &t, &t);
    fp2_sub(&o.y, &o.y, &t);
    fp2_add(&t, &p->z, &q->z);
    fp2_sqr(&t, &t);
    fp2_sub(&t, &t, &z1z1);
    fp2_sub(&t, &t, &z2z2);
    fp2_mul(&o.z, &t, &h);
    *r = o;
}

/* ---- Decoding and checks. */

/* A G1 point: 0, or -1 when not a point of the curve (infinity: z = 0). */
static int g1_decode(g1 *p, const uint8_t in[64])
{
    if (fp_from_be(&p->x, in) || fp_from_be(&p->y, in + 32)) return -1;
    if (fp_is_zero(&p->x) && fp_is_zero(&p->y)) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    fp y2, x3, three;
    fp_mul(&y2, &p->y, &p->y);
    fp_mul(&x3, &p->x, &p->x);
    fp_mul(&x3, &x3, &p->x);
    fp_small(&three, 3);
    fp_add(&x3, &x3, &three);
    if (!fp_eq(&y2, &x3)) return -1;
    p->z = ONE;
    return 0;
}

static void g1_encode(const g1 *p, uint8_t out[64])
{
    if (fp_is_zero(&p->z)) {
        memset(out, 0, 64);
        return;
    }
    fp zi, zi2, x, y;
    fp_inv(&zi, &p->z);
    fp_mul(&zi2, &zi, &zi);
    fp_mul(&x, &p->x, &zi2);
    fp_mul(&zi2, &zi2, &zi);
    fp_mul(&y, &p->y, &zi2);
    fp_to_be(&x, out);
    fp_to_be(&y, out + 32);
}

static int g2_in_subgroup(const g2 *q)
{
    g2 acc;
    memset(&acc, 0, sizeof acc);
    for (int i = 255; i >= 0; i--) {
        g2_double(&acc, &acc);
        if ((ORDER[i / 64] >> (i % 64)) & 1) g2_add(&acc, &acc, q);
    }
    return fp2_is_zero(&acc.z);
}

/* A G2 point (affine, z = 1; infinity z = 0): 0, or -1 when refused. */
static int g2_decode(g2 *q, const uint8_t in[128])
{
    if (fp_from_be(&q->x.b, in) || fp_from_be(&q->x.a, in + 32) || fp_from_be(&q->y.b, in + 64) ||
        fp_from_be(&q->y.a, in + 96))
        return -1;
    if (fp2_is_zero(&q->x) && fp2_is_zero(&q->y)) {
        memset(q, 0, sizeof *q);
        return 0;
    }
    fp2 y2, x3;
    fp2_sqr(&y2, &q->y);
    fp2_sqr(&x3, &q->x);
    fp2_mul(&x3, &x3, &q->x);
    fp2_add(&x3, &x3, &TWIST_B);
    if (!fp2_eq(&y2, &x3)) return -1;
    memset(&q->z, 0, sizeof q->z);
    q->z.a = ONE;
    return g2_in_subgroup(q) ? 0 : -1;
}

/* ---- The precompiles. */

int zs_bn254_add(const uint8_t in[128], uint8_t out[64])
{
    pthread_once(&once, init_consts);
    g1 a, b;
    if (g1_decode(&a, in) || g1_decode(&b, in + 64)) return -1;
    g1_add(&a, &a, &b);
    g1_encode(&a, out);
    return 0;
}

int zs_bn254_mul(const uint8_t in[96], uint8_t out[64])
{
    pthread_once(&once, init_consts);
    g1 p, acc;
    if (g1_decode(&p, in)) return -1;
    memset(&acc, 0, sizeof acc);
    for (int i = 0; i < 256; i++) {
        g1_double(&acc, &acc);
        if ((in[64 + i / 8] >> (7 - i % 8)) & 1) g1_add(&acc, &acc, &p);
    }
    g1_encode(&acc, out);
    return 0;
}

/* The line through T with slope lambda, evaluated at P = (xp, yp) and
   multiplied into f: yp - lambda xp w + (lambda x_T - y_T) w^3. */
static void mul_line(fp12 *f, const fp2 *lambda, const fp2 *tx, const fp2 *ty, const fp *xp, const fp *yp)
{
    fp12 l;
    memset(&l, 0, sizeof l);
    l.c0.c0.a = *yp;
    fp2_mul_fp(&l.c1.c0, lambda, xp);
    fp2_neg(&l.c1.c0, &l.c1.c0);
    fp2_mul(&l.c1.c1, lambda, tx);
    fp2_sub(&l.c1.c1, &l.c1.c1, ty);
    fp12_mul(f, f, &l);
}

typedef struct {
    fp2 x, y;
} g2a; /* affine */

static void step_double(fp12 *f, g2a *t, const fp *xp, const fp *yp)
{
    fp2 lam, num, den, x3, y3, tmp;
    fp2_sqr(&num, &t->x);
    fp2_add(&tmp, &num, &num);
    fp2_add(&num, &tmp, &num);
    fp2_add(&den, &t->y, &t->y);
    fp2_inv(&den, &den);
    fp2_mul(&lam, &num, &den);
    mul_line(f, &lam, &t->x, &t->y, xp, yp);
    fp2_sqr(&x3, &lam);
    fp2_sub(&x3, &x3, &t->x);
    fp2_sub(&x3, &x3, &t->x);
    fp2_sub(&tmp, &t->x, &x3);
    fp2_mul(&y3, &lam, &tmp);
    fp2_sub(&y3, &y3, &t->y);
    t->x = x3;
    t->y = y3;
}

static void step_add(fp12 *f, g2a *t, const g2a *q, const fp *xp, const fp *yp)
{
    fp2 lam, num, den, x3, y3, tmp;
    fp2_sub(&num, &q->y, &t->y);
    fp2_sub(&den, &q->x, &t->x);
    fp2_inv(&den, &den);
    fp2_mul(&lam, &num, &den);
    mul_line(f, &lam, &t->x, &t->y, xp, yp);
    fp2_sqr(&x3, &lam);
    fp2_sub(&x3, &x3, &t->x);
    fp2_sub(&x3, &x3, &q->x);
    fp2_sub(&tmp, &t->x, &x3);
    fp2_mul(&y3, &lam, &tmp);
    fp2_sub(&y3, &y3, &t->y);
    t->x = x3;
    t->y = y3;
}

/* pi(Q) on the twist: (conj(x) gamma_2, conj(y) gamma_3). */
static void g2a_frob(g2a *r, const g2a *q)
{
    fp2 x, y;
    fp2_conj(&x, &q->x);
    fp2_mul(&r->x, &x, &GAMMA[2]);
    fp2_conj(&y, &q->y);
    fp2_mul(&r->y, &y, &GAMMA[3]);
}

static void miller(fp12 *f, const g1 *p, const g2 *qj)
{
    fp xp = p->x, yp = p->y; /* affine: z = 1 */
    g2a q = {qj->x, qj->y}, t = q;
    for (int i = 63; i >= 0; i--) { /* 6x + 2 has 65 bits; the top one starts T = Q */
        fp12_mul(f, f, f);
        step_double(f, &t, &xp, &yp);
        if ((LOOP[i / 64] >> (i % 64)) & 1) step_add(f, &t, &q, &xp, &yp);
    }
    g2a q1, q2;
    g2a_frob(&q1, &q);
    g2a_frob(&q2, &q1);
    fp2_neg(&q2.y, &q2.y);
    step_add(f, &t, &q1, &xp, &yp);
    step_add(f, &t, &q2, &xp, &yp);
}

int zs_bn254_pairing(const uint8_t *in, size_t n, int *ok)
{
    pthread_once(&once, init_consts);
    fp12 f, m;
    fp12_one(&f);
    for (size_t i = 0; i < n; i++) {
        g1 p;
        g2 q;
        if (g1_decode(&p, in + 192 * i) || g2_decode(&q, in + 192 * i + 64)) return -1;
        if (fp_is_zero(&p.z) || fp2_is_zero(&q.z)) continue; /* e(O, Q) = e(P, O) = 1 */
        fp12_one(&m);
        miller(&m, &p, &q);
        fp12_mul(&f, &f, &m);
    }
    fp12 r;
    final_exp(&r, &f);
    *ok = fp12_is_one(&r);
    return 0;
}
