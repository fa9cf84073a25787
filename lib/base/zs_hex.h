/* zs_hex: hexadecimal text <-> bytes, strict.

   Decoding accepts an optional "0x"/"0X" prefix and upper or lower case
   digits, and refuses anything else: odd length, stray characters, too many
   bytes for the output.  Pure functions; any thread. */
#ifndef ZS_HEX_H
#define ZS_HEX_H

#include <stddef.h>
#include <stdint.h>
#include "lib/base/zs_err.h"

/* zs_hex_encode writes 2*n lowercase digits and a NUL to out (which must hold
   2*n+1 chars) and returns 2*n.  No prefix is written. */
size_t zs_hex_encode(char *out, const uint8_t *in, size_t n);

/* zs_hex_encode_0x is zs_hex_encode with a "0x" prefix; out holds 2*n+3. */
size_t zs_hex_encode_0x(char *out, const uint8_t *in, size_t n);

/* zs_hex_decode decodes slen chars of s (prefix optional) into out, which
   holds cap bytes, and stores the byte count in *n.  Returns 0, or
   ZS_ERR_PARSE (odd length or a non-hex character) or ZS_ERR_RANGE (more
   than cap bytes). */
ZS_MUST_USE int zs_hex_decode(uint8_t *out, size_t cap, size_t *n, const char *s, size_t slen);

/* zs_hex_decode_exact decodes the NUL-terminated s into exactly n bytes;
   any other length is ZS_ERR_PARSE. */
ZS_MUST_USE int zs_hex_decode_exact(uint8_t *out, size_t n, const char *s);

/* zs_hex_digit returns the value of hex digit c, or -1. */
static inline int zs_hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

#endif
