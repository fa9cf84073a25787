#include "firmware/fw_json.h"

#include <string.h>

#include "lib/base/zs_hex.h"

#define MAX_DEPTH 32

static size_t ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* Skips one value starting at s[i]; returns the index after it, or 0 on
   error (a value never ends at index 0). */
static size_t skip(const char *s, size_t n, size_t i, int depth)
{
    if (depth > MAX_DEPTH || i >= n)
        return 0;
    char c = s[i];
    if (c == '"') {
        for (i++; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '"') return i + 1;
            if (ch < 0x20) return 0;
            if (ch == '\\') {
                if (++i >= n) return 0;
                if (s[i] == 'u') {
                    if (i + 4 >= n) return 0;
                    for (int k = 1; k <= 4; k++)
                        if (zs_hex_digit((unsigned char)s[i + k]) < 0) return 0;
                    i += 4;
                } else if (!strchr("\"\\/bfnrt", s[i])) {
                    return 0;
                }
            }
        }
        return 0;
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        i = ws(s, n, i + 1);
        if (i < n && s[i] == close) return i + 1;
        for (;;) {
            if (c == '{') {
                if (i >= n || s[i] != '"') return 0;
                i = skip(s, n, i, depth + 1);
                if (!i) return 0;
                i = ws(s, n, i);
                if (i >= n || s[i] != ':') return 0;
                i = ws(s, n, i + 1);
            }
            i = skip(s, n, i, depth + 1);
            if (!i) return 0;
            i = ws(s, n, i);
            if (i >= n) return 0;
            if (s[i] == close) return i + 1;
            if (s[i] != ',') return 0;
            i = ws(s, n, i + 1);
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        size_t j = i + (c == '-');
        if (j >= n || s[j] < '0' || s[j] > '9') return 0;
        if (s[j] == '0') j++;
        else while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        if (j < n && s[j] == '.') {
            j++;
            if (j >= n || s[j] < '0' || s[j] > '9') return 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        }
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
            j++;
            if (j < n && (s[j] == '+' || s[j] == '-')) j++;
            if (j >= n || s[j] < '0' || s[j] > '9') return 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        }
        return j;
    }
    static const char *const lits[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lits[k]);
        if (n - i >= l && !memcmp(s + i, lits[k], l)) return i + l;
    }
    return 0;
}

int fw_json_value(const char *text, size_t n, fw_jval_t *out)
{
    size_t i = ws(text, n, 0);
    size_t e = skip(text, n, i, 0);
    if (!e || ws(text, n, e) != n)
        return ZS_ERR_PARSE;
    out->p = text + i;
    out->n = e - i;
    return ZS_OK;
}

int fw_json_member(fw_jval_t obj, const char *key, fw_jval_t *out)
{
    const char *s = obj.p;
    size_t n = obj.n, klen = strlen(key);
    if (!n || s[0] != '{')
        return ZS_ERR_PARSE;
    size_t i = ws(s, n, 1);
    if (i < n && s[i] == '}')
        return ZS_ERR_NOTFOUND;
    for (;;) {
        size_t ks = i, ke = skip(s, n, i, 1);
        if (!ke || s[ks] != '"') return ZS_ERR_PARSE;
        i = ws(s, n, ke);
        if (i >= n || s[i] != ':') return ZS_ERR_PARSE;
        size_t vs = ws(s, n, i + 1), ve = skip(s, n, vs, 1);
        if (!ve) return ZS_ERR_PARSE;
        /* Keys with escapes never match (JSON-RPC keys have none). */
        if (ke - ks - 2 == klen && !memcmp(s + ks + 1, key, klen)) {
            out->p = s + vs;
            out->n = ve - vs;
            return ZS_OK;
        }
        i = ws(s, n, ve);
        if (i >= n) return ZS_ERR_PARSE;
        if (s[i] == '}') return ZS_ERR_NOTFOUND;
        if (s[i] != ',') return ZS_ERR_PARSE;
        i = ws(s, n, i + 1);
    }
}

int fw_json_is_null(fw_jval_t v)
{
    return v.n == 4 && !memcmp(v.p, "null", 4);
}

int fw_json_string(fw_jval_t v, char *out, size_t cap)
{
    if (v.n < 2 || v.p[0] != '"' || !cap)
        return ZS_ERR_PARSE;
    size_t o = 0;
    for (size_t i = 1; i + 1 < v.n; i++) {
        char c = v.p[i];
        if (c == '\\') {
            c = v.p[++i];
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                int x = 0;
                for (int k = 1; k <= 4; k++) x = x * 16 + zs_hex_digit((unsigned char)v.p[i + k]);
                i += 4;
                c = x < 0x80 ? (char)x : '?';
                break;
            }
            default: break; /* \" \\ \/ */
            }
        }
        if (o + 1 >= cap) return ZS_ERR_FULL;
        out[o++] = c;
    }
    out[o] = 0;
    return ZS_OK;
}

static int hex_body(fw_jval_t v, const char **p, size_t *len)
{
    if (v.n < 4 || v.p[0] != '"' || v.p[1] != '0' || (v.p[2] != 'x' && v.p[2] != 'X') || v.p[v.n - 1] != '"')
        return ZS_ERR_PARSE;
    *p = v.p + 3;
    *len = v.n - 4;
    return ZS_OK;
}

int fw_json_quantity(fw_jval_t v, uint64_t *out)
{
    const char *p;
    size_t len;
    if (hex_body(v, &p, &len) || !len)
        return ZS_ERR_PARSE;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        int h = zs_hex_digit((unsigned char)p[i]);
        if (h < 0) return ZS_ERR_PARSE;
        if (x >> 60) return ZS_ERR_RANGE;
        x = x << 4 | (uint64_t)h;
    }
    *out = x;
    return ZS_OK;
}

int fw_json_bytes(fw_jval_t v, uint8_t *out, size_t n)
{
    const char *p;
    size_t len;
    if (hex_body(v, &p, &len) || len != 2 * n)
        return ZS_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        int a = zs_hex_digit((unsigned char)p[2 * i]), b = zs_hex_digit((unsigned char)p[2 * i + 1]);
        if (a < 0 || b < 0) return ZS_ERR_PARSE;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return ZS_OK;
}

int fw_json_int(fw_jval_t v, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < v.n && v.p[i] == '-') { neg = 1; i++; }
    if (i >= v.n) return ZS_ERR_PARSE;
    int64_t x = 0;
    for (; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') return ZS_ERR_PARSE;
        if (x > (INT64_MAX - 9) / 10) return ZS_ERR_RANGE;
        x = x * 10 + (v.p[i] - '0');
    }
    *out = neg ? -x : x;
    return ZS_OK;
}
