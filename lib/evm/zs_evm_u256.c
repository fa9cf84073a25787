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

/* u (m limbs) / v (n limbs, v[n-1] != 0): quotient into q (m - n + 1
   limbs, may be NULL) and remainder into r (n limbs, may be NULL).  m >= n,
   m <= 8.  Knuth's algorithm D. */
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
    /* Normalize so the divisor's top bit is set. */
    int s = __builtin_clzll(v[n - 1]);
    uint64_t vn[8], un[9];
    for (int i = n - 1; i > 0; i--) vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
    vn[0] = v[0] << s;
    un[m] = s ? u[m - 1] >> (64 - s) : 0;
    for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;
    for (int j = m - n; j >= 0; j--) {
        uint64_t qhat, rhat = 0;
        int rhat_big = 0;
        if (un[j + n] >= vn[n - 1]) {
            qhat = ~0ull;
            zs_u128_t rr = (((zs_u128_t)un[j + n] << 64) | un[j + n - 1]) - (zs_u128_t)qhat * vn[n - 1];
            if (rr >> 64) rhat_big = 1;
            else rhat = (uint64_t)rr;
        } else {
            qhat = div128(un[j + n], un[j + n - 1], vn[n - 1], &rhat);
        }
        while (!rhat_big && (zs_u128_t)qhat * vn[n - 2] > (((zs_u128_t)rhat << 64) | un[j + n - 2])) {
            qhat--;
            uint64_t old = rhat;
            rhat += vn[n - 1];
            if (rhat < old) break;
        }
        /* un[j..j+n] -= qhat * vn */
        uint64_t borrow = 0, carry = 0;
        for (int i = 0; i < n; i++) {
            zs_u128_t p = (zs_u128_t)qhat * vn[i] + carry;
            carry = (uint64_t)(p >> 64);
            uint64_t pl = (uint64_t)p;
            uint64_t t = un[i + j] - pl - borrow;
            borrow = (un[i + j] < pl) || (un[i + j] - pl < borrow);
            un[i + j] = t;
        }
        uint64_t t = un[j + n] - carry - borrow;
        int neg = (un[j + n] < carry) || (un[j + n] - carry < borrow);
        un[j + n] = t;
        if (neg) { /* added back: qhat was one too large */
            qhat--;
            uint64_t c = 0;
            for (int i = 0; i < n; i++) {
                zs_u128_t sum = (zs_u128_t)un[i + j] + vn[i] + c;
                un[i + j] = (uint64_t)sum;
                c = (uint64_t)(sum >> 64);
            }
            un[j + n] += c;
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

void ev_div(zs_u256_t *q, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_fits64(b)) {
        if (!(b->w[0] & (b->w[0] - 1))) { /* a power of two: the shifts compilers write as DIV */
            ev_shr(q, a, (unsigned)__builtin_ctzll(b->w[0]));
            return;
        }
        if (ev_fits64(a)) {
            ev_set_u64(q, a->w[0] / b->w[0]);
            return;
        }
    }
    divmod256(q, NULL, a, b);
}

void ev_mod(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    if (ev_fits64(a) && ev_fits64(b)) {
        ev_set_u64(r, a->w[0] % b->w[0]);
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
