/* zs_u256: 256-bit unsigned integers for balances, values and fees.

   Four 64-bit limbs, least significant first.  Arithmetic wraps modulo
   2^256 and reports overflow through its return value, so callers decide
   whether overflow is an error (it always is for balances).  Text in and
   out: decimal, or hex with a 0x prefix; big-endian byte strings as Ethereum
   encodes them.  Pure functions; any thread. */
#ifndef ZS_U256_H
#define ZS_U256_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    uint64_t w[4];
} zs_u256_t;

#define ZS_U256_DEC_MAX 79 /* 2^256-1 has 78 decimal digits; plus NUL */
#define ZS_U256_HEX_MAX 67 /* "0x" + 64 digits + NUL */

static inline zs_u256_t zs_u256_from_u64(uint64_t v)
{
    zs_u256_t r = {{v, 0, 0, 0}};
    return r;
}

static inline int zs_u256_is_zero(const zs_u256_t *a)
{
    return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

/* 1 if a fits in 64 bits. */
static inline int zs_u256_fits_u64(const zs_u256_t *a)
{
    return !(a->w[1] | a->w[2] | a->w[3]);
}

/* zs_u256_cmp returns -1, 0 or 1. */
int zs_u256_cmp(const zs_u256_t *a, const zs_u256_t *b);

/* r = a + b mod 2^256; returns the carry (1 on overflow).  r may alias. */
int zs_u256_add(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b);
/* r = a - b mod 2^256; returns the borrow (1 when b > a). */
int zs_u256_sub(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b);
/* r = a * b mod 2^256; returns 1 if the true product needs more bits. */
int zs_u256_mul(zs_u256_t *r, const zs_u256_t *a, const zs_u256_t *b);
/* r = a * m mod 2^256; returns 1 on overflow. */
int zs_u256_mul_u64(zs_u256_t *r, const zs_u256_t *a, uint64_t m);
/* q = a / b, rem = a % b (either may be NULL); ZS_ERR_INVAL if b is 0. */
ZS_MUST_USE int zs_u256_divmod(zs_u256_t *q, zs_u256_t *rem, const zs_u256_t *a, const zs_u256_t *b);
/* q = a / d, returns a % d; d must not be 0. */
uint64_t zs_u256_divmod_u64(zs_u256_t *q, const zs_u256_t *a, uint64_t d);

/* Number of significant bits (0 for 0). */
int zs_u256_bits(const zs_u256_t *a);

/* Big-endian bytes: from_be accepts n <= 32 bytes (ZS_ERR_RANGE otherwise);
   to_be32 writes exactly 32; to_be_min writes the minimal encoding (no
   leading zero bytes, zero is empty) into out[32] and returns its length. */
ZS_MUST_USE int zs_u256_from_be(zs_u256_t *r, const uint8_t *be, size_t n);
void zs_u256_to_be32(const zs_u256_t *a, uint8_t out[32]);
zs_u256_t zs_u256_from_be32(const uint8_t be[32]);
size_t zs_u256_to_be_min(const zs_u256_t *a, uint8_t out[32]);

/* zs_u256_parse reads a NUL-terminated decimal or 0x-hex number.  Returns
   ZS_ERR_PARSE for anything that is not a number (empty, signs, spaces,
   stray characters) and ZS_ERR_RANGE above 2^256 - 1. */
ZS_MUST_USE int zs_u256_parse(zs_u256_t *r, const char *s);

/* Text out, NUL-terminated, into buffers of ZS_U256_DEC_MAX /
   ZS_U256_HEX_MAX chars; hex is 0x-prefixed and minimal ("0x0" for zero). */
void zs_u256_to_dec(const zs_u256_t *a, char *out);
/* zs_u256_format_units writes a / 10^decimals with `shown` digits after the
   point, truncated and exact (wei as ETH: decimals 18, shown 6 gives
   "1000.000000"); shown <= decimals <= 77.  out holds
   ZS_U256_DEC_MAX + 2 bytes. */
void zs_u256_format_units(const zs_u256_t *a, unsigned decimals, unsigned shown, char *out);
void zs_u256_to_hex(const zs_u256_t *a, char *out);

#endif
