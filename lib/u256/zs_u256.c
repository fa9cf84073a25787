#include "lib/u256/zs_u256.h"

#include <string.h>

#include "lib/base/zs_hex.h"

int zs_u256_cmp(const zs_u256_t *a, const zs_u256_t *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

int zs_u256_add(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    unsigned carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t s;
        unsigned c1 = __builtin_add_overflow(a->w[i], b->w[i], &s);
        unsigned c2 = __builtin_add_overflow(s, (uint64_t)carry, &s);
        r->w[i] = s;
        carry = c1 | c2;
    }
    return (int)carry;
}

int zs_u256_sub(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    unsigned borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t d;
        unsigned b1 = __builtin_sub_overflow(a->w[i], b->w[i], &d);
        unsigned b2 = __builtin_sub_overflow(d, (uint64_t)borrow, &d);
        r->w[i] = d;
        borrow = b1 | b2;
    }
    return (int)borrow;
}

int zs_u256_mul(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b)
{
    uint64_t out[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            unsigned __int128 t = (unsigned __int128)a->w[i] * b->w[j] + out[i + j] + carry;
            out[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        out[i + 4] = carry;
    }
    memcpy(r->w, out, 32);
    return (out[4] | out[5] | out[6] | out[7]) != 0;
}

int zs_u256_mul_u64(zs_u256_t *r, const zs_u256_t *a, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 t = (unsigned __int128)a->w[i] * m + carry;
        r->w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry != 0;
}

uint64_t zs_u256_divmod_u64(zs_u256_t *q, const zs_u256_t *a, uint64_t d)
{
    unsigned __int128 rem = 0;
    zs_u256_t out;
    for (int i = 3; i >= 0; i--) {
        unsigned __int128 cur = (rem << 64) | a->w[i];
        out.w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    if (q) *q = out;
    return (uint64_t)rem;
}

int zs_u256_bits(const zs_u256_t *a)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i]) return 64 * i + 64 - __builtin_clzll(a->w[i]);
    return 0;
}

static void shl1(zs_u256_t *a, unsigned in)
{
    for (int i = 3; i > 0; i--) a->w[i] = a->w[i] << 1 | a->w[i - 1] >> 63;
    a->w[0] = a->w[0] << 1 | in;
}

int zs_u256_divmod(zs_u256_t *q, zs_u256_t *rem, const zs_u256_t *a, const zs_u256_t *b)
{
    if (zs_u256_is_zero(b)) return ZS_ERR_INVAL;
    if (zs_u256_fits_u64(b)) {
        zs_u256_t qq;
        uint64_t r = zs_u256_divmod_u64(&qq, a, b->w[0]);
        if (q) *q = qq;
        if (rem) *rem = zs_u256_from_u64(r);
        return ZS_OK;
    }
    /* Restoring binary long division; only used off the hot path. */
    zs_u256_t quo = {{0}}, r = {{0}};
    for (int bit = zs_u256_bits(a) - 1; bit >= 0; bit--) {
        shl1(&r, (unsigned)(a->w[bit / 64] >> (bit % 64)) & 1);
        shl1(&quo, 0);
        if (zs_u256_cmp(&r, b) >= 0) {
            zs_u256_sub(&r, &r, b);
            quo.w[0] |= 1;
        }
    }
    if (q) *q = quo;
    if (rem) *rem = r;
    return ZS_OK;
}

int zs_u256_from_be(zs_u256_t *r, const uint8_t *be, size_t n)
{
    if (n > 32) return ZS_ERR_RANGE;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        size_t pos = n - 1 - i; /* byte significance */
        r->w[pos / 8] |= (uint64_t)be[i] << (8 * (pos % 8));
    }
    return ZS_OK;
}

zs_u256_t zs_u256_from_be32(const uint8_t be[32])
{
    zs_u256_t r;
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int k = 0; k < 8; k++) w = w << 8 | be[8 * (3 - i) + k];
        r.w[i] = w;
    }
    return r;
}

void zs_u256_to_be32(const zs_u256_t *a, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) out[31 - i] = (uint8_t)(a->w[i / 8] >> (8 * (i % 8)));
}

size_t zs_u256_to_be_min(const zs_u256_t *a, uint8_t out[32])
{
    uint8_t full[32];
    zs_u256_to_be32(a, full);
    size_t skip = 0;
    while (skip < 32 && !full[skip]) skip++;
    memcpy(out, full + skip, 32 - skip);
    return 32 - skip;
}

int zs_u256_parse(zs_u256_t *r, const char *s)
{
    zs_u256_t v = {{0}};
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!*s) return ZS_ERR_PARSE;
        for (; *s; s++) {
            int d = zs_hex_digit((unsigned char)*s);
            if (d < 0) return ZS_ERR_PARSE;
            if (v.w[3] >> 60) return ZS_ERR_RANGE;
            for (int i = 3; i > 0; i--) v.w[i] = v.w[i] << 4 | v.w[i - 1] >> 60;
            v.w[0] = v.w[0] << 4 | (uint64_t)d;
        }
    } else {
        if (!*s) return ZS_ERR_PARSE;
        for (; *s; s++) {
            if (*s < '0' || *s > '9') return ZS_ERR_PARSE;
            zs_u256_t d = zs_u256_from_u64((uint64_t)(*s - '0'));
            if (zs_u256_mul_u64(&v, &v, 10) || zs_u256_add(&v, &v, &d)) return ZS_ERR_RANGE;
        }
    }
    *r = v;
    return ZS_OK;
}

void zs_u256_to_dec(const zs_u256_t *a, char *out)
{
    char tmp[ZS_U256_DEC_MAX];
    size_t n = 0;
    zs_u256_t v = *a;
    do {
        tmp[n++] = (char)('0' + zs_u256_divmod_u64(&v, &v, 10));
    } while (!zs_u256_is_zero(&v));
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void zs_u256_to_hex(const zs_u256_t *a, char *out)
{
    uint8_t be[32];
    size_t n = zs_u256_to_be_min(a, be);
    out[0] = '0';
    out[1] = 'x';
    if (!n) {
        out[2] = '0';
        out[3] = '\0';
        return;
    }
    char digits[65];
    zs_hex_encode(digits, be, n);
    /* Minimal: drop one leading zero nibble. */
    const char *d = digits[0] == '0' ? digits + 1 : digits;
    strcpy(out + 2, d);
}

void zs_u256_format_units(const zs_u256_t *a, unsigned decimals, unsigned shown, char *out)
{
    char d[ZS_U256_DEC_MAX];
    zs_u256_to_dec(a, d);
    size_t n = strlen(d), want = (size_t)decimals + 1;
    char padded[ZS_U256_DEC_MAX + 1];
    size_t pad = n < want ? want - n : 0; /* leading zeros: at least one digit before the point */
    memset(padded, '0', pad);
    memcpy(padded + pad, d, n + 1);
    n += pad;
    size_t whole = n - decimals;
    memcpy(out, padded, whole);
    out[whole] = '.';
    memcpy(out + whole + 1, padded + whole, shown);
    out[whole + 1 + shown] = 0;
}
