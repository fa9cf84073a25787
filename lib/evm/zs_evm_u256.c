/* The EVM's slower word operations: division (Knuth's algorithm D on
   64-bit limbs), MULMOD over the full 512-bit product, EXP, SAR and
   SIGNEXTEND. */
#include "lib/evm/zs_evm_u256.h"

static int nlimbs(const uint64_t *x, int n)
{
    while (n > 0 && !x[n - 1]) n--;
    return n;
}

/* (hi:lo) / d with hi < d: the quotient, and the remainder in *rem.
   x86's divq does it in one instruction; elsewhere the compiler's helper. */
static inline uint64_t div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__)
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    zs_u128_t n = ((zs_u128_t)hi << 64) | lo;
    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#endif
}

/* Division by a normalized divisor with precomputed reciprocals
   (Möller and Granlund, "Improved division by invariant integers", 2011),
   as intx does it: each quotient limb costs multiplications, not a divq. */

/* floor((2^128 - 1) / d) - 2^64 for d with its top bit set. */
static inline uint64_t reciprocal_2by1(uint64_t d)
{
    uint64_t rem;
    return div128(~d, ~0ull, d, &rem);
}

static inline uint64_t reciprocal_3by2(uint64_t d1, uint64_t d0)
{
    uint64_t v = reciprocal_2by1(d1), p = d1 * v;
    p += d0;
    if (p < d0) {
        --v;
        if (p >= d1) {
            --v;
            p -= d1;
        }
        p -= d1;
    }
    zs_u128_t t = (zs_u128_t)v * d0;
    uint64_t th = (uint64_t)(t >> 64), tl = (uint64_t)t;
    p += th;
    if (p < th) {
        --v;
        if (p >= d1 && (p > d1 || tl >= d0)) --v;
    }
    return v;
}

/* (u2:u1:u0) / (d1:d0) with (u2:u1) < (d1:d0): the quotient limb, the
   remainder in (*r1:*r0). */
static inline uint64_t udivrem_3by2(uint64_t u2, uint64_t u1, uint64_t u0, uint64_t d1, uint64_t d0, uint64_t v,
                                    uint64_t *r1, uint64_t *r0)
{
    zs_u128_t q = (zs_u128_t)v * u2 + (((zs_u128_t)u2 << 64) | u1);
    uint64_t q1 = (uint64_t)(q >> 64), q0 = (uint64_t)q;
    uint64_t rh = u1 - q1 * d1;
    zs_u128_t d = ((zs_u128_t)d1 << 64) | d0;
    zs_u128_t r = (((zs_u128_t)rh << 64) | u0) - (zs_u128_t)q1 * d0 - d;
    q1++;
    if ((uint64_t)(r >> 64) >= q0) {
        q1--;
        r += d;
    }
    if (__builtin_expect(r >= d, 0)) {
        q1++;
        r -= d;
    }
    *r1 = (uint64_t)(r >> 64);
    *r0 = (uint64_t)r;
    return q1;
}

/* r[0..len) = x[0..len) - y[0..len) * m; the limb borrowed out of the top. */
static inline uint64_t submul(uint64_t *r, const uint64_t *x, const uint64_t *y, int len, uint64_t m)
{
    uint64_t borrow = 0;
    for (int i = 0; i < len; i++) {
        uint64_t s = x[i] - borrow;
        zs_u128_t p = (zs_u128_t)y[i] * m;
        borrow = (uint64_t)(p >> 64) + (x[i] < s);
        r[i] = s - (uint64_t)p;
        borrow += s < r[i];
    }
    return borrow;
}

/* r[0..len) += y[0..len); the carry out. */
static inline uint64_t addc(uint64_t *r, const uint64_t *y, int len)
{
    uint64_t c = 0;
    for (int i = 0; i < len; i++) {
        zs_u128_t s = (zs_u128_t)r[i] + y[i] + c;
        r[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    return c;
}

/* u (m limbs) / v (n limbs, v[n-1] != 0): quotient into q (m - n + 1
   limbs, may be NULL) and remainder into r (n limbs, may be NULL).  m >= n,
   m <= 8.  Knuth's algorithm D with 3-by-2 quotient limbs. */
static void divmod_limbs(const uint64_t *u, int m, const uint64_t *v, int n, uint64_t *q, uint64_t *r)
{
    if (n == 1) {
        uint64_t rem = 0;
        for (int i = m - 1; i >= 0; i--) {
            uint64_t qi = div128(rem, u[i], v[0], &rem);
            if (q) q[i] = qi;
        }
        if (r) r[0] = rem;
        return;
    }
    /* Normalize so the divisor's top bit is set.  The last divisor's form
       and reciprocal are kept: MULMOD and MOD tend to repeat one modulus. */
    static __thread struct {
        uint64_t v[4], d[4], rv;
        int n, s;
    } last;
    int same = n == last.n;
    for (int i = 0; same && i < n; i++) same = v[i] == last.v[i];
    if (!same) {
        int sh = __builtin_clzll(v[n - 1]);
        for (int i = n - 1; i > 0; i--) last.d[i] = (v[i] << sh) | (sh ? v[i - 1] >> (64 - sh) : 0);
        last.d[0] = v[0] << sh;
        last.rv = reciprocal_3by2(last.d[n - 1], last.d[n - 2]);
        memcpy(last.v, v, (size_t)n * 8);
        last.n = n;
        last.s = sh;
    }
    const int s = last.s;
    const uint64_t *d = last.d, d1 = d[n - 1], d0 = d[n - 2], rv = last.rv;
    uint64_t un[9];
    un[m] = s ? u[m - 1] >> (64 - s) : 0;
    for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;
    for (int j = m - n; j >= 0; j--) {
        uint64_t u2 = un[j + n], u1 = un[j + n - 1], u0 = un[j + n - 2], qhat;
        if (__builtin_expect(u2 == d1 && u1 == d0, 0)) {
            qhat = ~0ull;
            un[j + n] = u2 - submul(&un[j], &un[j], d, n, qhat);
        } else {
            uint64_t r1, r0;
            qhat = udivrem_3by2(u2, u1, u0, d1, d0, rv, &r1, &r0);
            uint64_t over = submul(&un[j], &un[j], d, n - 2, qhat);
            uint64_t t0 = r0 - over, c = r0 < over;
            uint64_t t1 = r1 - c;
            c = r1 < c;
            un[j + n - 2] = t0;
            un[j + n - 1] = t1;
            if (__builtin_expect(c, 0)) { /* qhat was one too large: add the divisor back */
                qhat--;
                un[j + n - 1] += d1 + addc(&un[j], d, n - 1);
            }
        }
        if (q) q[j] = qhat;
    }
    if (r) {
        for (int i = 0; i < n - 1; i++) r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
        r[n - 1] = un[n - 1] >> s;
    }
}

static void divmod256(zs_u256_t *q, zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    int n = nlimbs(b->w, 4), m = nlimbs(a->w, 4);
    uint64_t qq[4] = {0}, rr[4] = {0};
    if (m < n) {
        if (r) *r = *a;
        if (q) memset(q->w, 0, 32);
        return;
    }
    divmod_limbs(a->w, m, b->w, n, qq, rr);
    if (q) memcpy(q->w, qq, 32);
    if (r) memcpy(r->w, rr, 32);
}

/* The bit index when b is a power of two, else -1. */
static inline int pow2_bit(const zs_u256_t *b)
{
    int k = -1;
    for (int i = 0; i < 4; i++) {
        uint64_t x = b->w[i];
        if (!x) continue;
        if (k >= 0 || (x & (x - 1))) return -1;
        k = 64 * i + __builtin_ctzll(x);
    }
    return k;
}

void ev_div(zs_u256_t *q, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_fits64(b) && ev_fits64(a) && b->w[0]) {
        ev_set_u64(q, a->w[0] / b->w[0]);
        return;
    }
    int k = pow2_bit(b); /* the shifts compilers write as DIV */
    if (k >= 0) {
        ev_shr(q, a, (unsigned)k);
        return;
    }
    divmod256(q, NULL, a, b);
}

void ev_mod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_fits64(a) && ev_fits64(b)) {
        ev_set_u64(r, a->w[0] % b->w[0]);
        return;
    }
    int k = pow2_bit(b); /* a mask */
    if (k >= 0) {
        *r = *a;
        for (int i = 0; i < 4; i++)
            r->w[i] &= 64 * i + 64 <= k ? ~0ull : 64 * i >= k ? 0 : (1ull << (k - 64 * i)) - 1;
        return;
    }
    divmod256(NULL, r, a, b);
}

static void negate(zs_u256_t *r, const zs_u256_t *a)
{
    zs_u256_t z = {{0, 0, 0, 0}};
    ev_sub(r, &z, a);
}

void ev_sdiv(zs_u256_t *q, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_is_zero(b)) {
        ev_set_u64(q, 0);
        return;
    }
    int na = (int)(a->w[3] >> 63), nb = (int)(b->w[3] >> 63);
    zs_u256_t ua = *a, ub = *b;
    if (na) negate(&ua, a);
    if (nb) negate(&ub, b);
    ev_div(q, &ua, &ub);
    if (na != nb) negate(q, q);
}

void ev_smod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_is_zero(b)) {
        ev_set_u64(r, 0);
        return;
    }
    int na = (int)(a->w[3] >> 63), nb = (int)(b->w[3] >> 63);
    zs_u256_t ua = *a, ub = *b;
    if (na) negate(&ua, a);
    if (nb) negate(&ub, b);
    ev_mod(r, &ua, &ub);
    if (na) negate(r, r); /* the sign of the dividend */
}

void ev_addmod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b, const zs_u256_t *m)
{
    if (ev_is_zero(m)) {
        ev_set_u64(r, 0);
        return;
    }
    uint64_t s[5];
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) s[i] = ev_addc(a->w[i], b->w[i], c, &c);
    s[4] = c;
    int n = nlimbs(m->w, 4), k = nlimbs(s, 5);
    if (k < n) {
        memcpy(r->w, s, 32);
        return;
    }
    uint64_t rr[4] = {0};
    divmod_limbs(s, k, m->w, n, NULL, rr);
    memcpy(r->w, rr, 32);
}

void ev_mulmod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b, const zs_u256_t *m)
{
    if (ev_is_zero(m)) {
        ev_set_u64(r, 0);
        return;
    }
    uint64_t p[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            zs_u128_t t = (zs_u128_t)a->w[i] * b->w[j] + p[i + j] + carry;
            p[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        p[i + 4] = carry;
    }
    int n = nlimbs(m->w, 4), k = nlimbs(p, 8);
    if (k < n) {
        memcpy(r->w, p, 32);
        return;
    }
    uint64_t rr[4] = {0};
    divmod_limbs(p, k, m->w, n, NULL, rr);
    memcpy(r->w, rr, 32);
}

void ev_exp(zs_u256_t *r, const zs_u256_t *base, const zs_u256_t *e)
{
    zs_u256_t acc = {{1, 0, 0, 0}}, b = *base;
    int top = 255;
    while (top >= 0 && !((e->w[top / 64] >> (top % 64)) & 1)) top--;
    for (int i = 0; i <= top; i++) {
        if ((e->w[i / 64] >> (i % 64)) & 1) ev_mul(&acc, &acc, &b);
        if (i < top) ev_mul(&b, &b, &b);
    }
    *r = acc;
}

void ev_sar(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *shift)
{
    int neg = (int)(a->w[3] >> 63);
    if (!ev_fits64(shift) || shift->w[0] >= 256) {
        uint64_t f = neg ? ~0ull : 0;
        r->w[0] = r->w[1] = r->w[2] = r->w[3] = f;
        return;
    }
    unsigned n = (unsigned)shift->w[0];
    if (!neg) {
        ev_shr(r, a, n);
        return;
    }
    zs_u256_t na, t;
    /* -((-a - 1) >> n) - 1 keeps the sign bits */
    uint64_t ones[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    for (int i = 0; i < 4; i++) na.w[i] = a->w[i] ^ ones[i]; /* ~a = -a - 1 */
    ev_shr(&t, &na, n);
    for (int i = 0; i < 4; i++) r->w[i] = t.w[i] ^ ones[i];
}

void ev_signextend(zs_u256_t *r, const zs_u256_t *k, const zs_u256_t *v)
{
    if (!ev_fits64(k) || k->w[0] >= 31) {
        *r = *v;
        return;
    }
    unsigned bit = (unsigned)k->w[0] * 8 + 7;
    int neg = (int)((v->w[bit / 64] >> (bit % 64)) & 1);
    zs_u256_t out = *v;
    for (unsigned i = 0; i < 4; i++) {
        unsigned lo = i * 64;
        if (lo + 63 <= bit) continue;
        uint64_t mask = lo > bit ? ~0ull : ~0ull << (bit - lo + 1);
        out.w[i] = neg ? out.w[i] | mask : out.w[i] & ~mask;
    }
    *r = out;
}

unsigned ev_byte_len(const zs_u256_t *a)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i]) return (unsigned)(i * 8 + 8 - __builtin_clzll(a->w[i]) / 8);
    return 0;
}
