#include "lib/base/zs_hex.h"

#include <string.h>

static const char digits[] = "0123456789abcdef";

size_t zs_hex_encode(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

size_t zs_hex_encode_0x(char *out, const uint8_t *in, size_t n)
{
    out[0] = '0';
    out[1] = 'x';
    return 2 + zs_hex_encode(out + 2, in, n);
}

int zs_hex_decode(uint8_t *out, size_t cap, size_t *n, const char *s, size_t slen)
{
    if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        slen -= 2;
    }
    if (slen % 2) return ZS_ERR_PARSE;
    if (slen / 2 > cap) return ZS_ERR_RANGE;
    for (size_t i = 0; i < slen / 2; i++) {
        int hi = zs_hex_digit((unsigned char)s[2 * i]);
        int lo = zs_hex_digit((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return ZS_ERR_PARSE;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = slen / 2;
    return ZS_OK;
}

int zs_hex_decode_exact(uint8_t *out, size_t n, const char *s)
{
    size_t got;
    int err = zs_hex_decode(out, n, &got, s, strlen(s));
    if (err == ZS_ERR_RANGE) return ZS_ERR_PARSE;
    if (err) return err;
    return got == n ? ZS_OK : ZS_ERR_PARSE;
}
