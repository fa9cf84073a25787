#include "lib/tx/zs_addr.h"

#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"

void zs_addr_format(const uint8_t addr[20], char *out)
{
    char lower[41];
    zs_hex_encode(lower, addr, 20);
    uint8_t h[32];
    zs_keccak256(lower, 40, h);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 40; i++) {
        int nibble = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        char c = lower[i];
        out[2 + i] = (c >= 'a' && nibble >= 8) ? (char)(c - 'a' + 'A') : c;
    }
    out[42] = '\0';
}

int zs_addr_parse(uint8_t out[20], const char *s)
{
    if (strlen(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return ZS_ERR_PARSE;
    uint8_t a[20];
    if (zs_hex_decode_exact(a, 20, s)) return ZS_ERR_PARSE;
    int upper = 0, lower = 0;
    for (int i = 2; i < 42; i++) {
        if (s[i] >= 'a' && s[i] <= 'f') lower = 1;
        if (s[i] >= 'A' && s[i] <= 'F') upper = 1;
    }
    if (upper && lower) {
        char want[ZS_ADDR_TEXT];
        zs_addr_format(a, want);
        if (strcmp(want + 2, s + 2)) return ZS_ERR_CRYPTO;
    }
    memcpy(out, a, 20);
    return ZS_OK;
}

void zs_addr_from_pubkey(const uint8_t pub64[64], uint8_t out[20])
{
    uint8_t h[32];
    zs_keccak256(pub64, 64, h);
    memcpy(out, h + 12, 20);
}
