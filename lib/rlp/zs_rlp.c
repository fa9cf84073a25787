#include "lib/rlp/zs_rlp.h"

#include <string.h>

/* Reads a big-endian length of k bytes (1..8); refuses leading zeros and
   values that do not need the long form. */
static int long_len(const uint8_t *p, size_t n, size_t k, size_t at, size_t *out, zs_perr_t *e)
{
    if (k > 8 || k > sizeof(size_t)) return zs_perr_set(e, ZS_ERR_PARSE, at, "length of length too large");
    if (n < 1 + k) return zs_perr_set(e, ZS_ERR_PARSE, at, "input ends inside a length");
    if (p[1] == 0) return zs_perr_set(e, ZS_ERR_PARSE, at + 1, "length has a leading zero byte");
    size_t len = 0;
    for (size_t i = 0; i < k; i++) len = len << 8 | p[1 + i];
    if (len <= 55) return zs_perr_set(e, ZS_ERR_PARSE, at, "long form used for a short length");
    *out = len;
    return ZS_OK;
}

int zs_rlp_decode_item(const uint8_t *buf, size_t n, size_t base, zs_rlp_item_t *it, zs_perr_t *e)
{
    if (n == 0) return zs_perr_set(e, ZS_ERR_PARSE, base, "empty input");
    uint8_t b = buf[0];
    size_t hdr, len;
    if (b < 0x80) {
        it->kind = ZS_RLP_BYTES;
        it->payload = buf;
        it->len = 1;
        it->offset = base;
        it->total = 1;
        return ZS_OK;
    } else if (b <= 0xb7) {
        hdr = 1;
        len = b - 0x80u;
        it->kind = ZS_RLP_BYTES;
        if (len == 1) {
            if (n < 2) return zs_perr_set(e, ZS_ERR_PARSE, base, "input ends inside a string");
            if (buf[1] < 0x80)
                return zs_perr_set(e, ZS_ERR_PARSE, base, "single byte below 0x80 must not have a header");
        }
    } else if (b <= 0xbf) {
        hdr = 1 + (b - 0xb7u);
        int err = long_len(buf, n, b - 0xb7u, base, &len, e);
        if (err) return err;
        it->kind = ZS_RLP_BYTES;
    } else if (b <= 0xf7) {
        hdr = 1;
        len = b - 0xc0u;
        it->kind = ZS_RLP_LIST;
    } else {
        hdr = 1 + (b - 0xf7u);
        int err = long_len(buf, n, b - 0xf7u, base, &len, e);
        if (err) return err;
        it->kind = ZS_RLP_LIST;
    }
    if (len > n - hdr) /* hdr <= n was checked above */
        return zs_perr_set(e, ZS_ERR_PARSE, base,
                           it->kind == ZS_RLP_LIST ? "list longer than its input" : "string longer than its input");
    it->payload = buf + hdr;
    it->len = len;
    it->offset = base;
    it->total = hdr + len;
    return ZS_OK;
}

int zs_rlp_decode_exact(const uint8_t *buf, size_t n, zs_rlp_item_t *it, zs_perr_t *e)
{
    int err = zs_rlp_decode_item(buf, n, 0, it, e);
    if (err) return err;
    if (it->total != n) return zs_perr_set(e, ZS_ERR_PARSE, it->total, "trailing bytes after the item");
    return ZS_OK;
}

void zs_rlp_iter_init(zs_rlp_iter_t *iter, const zs_rlp_item_t *list)
{
    iter->p = list->payload;
    iter->left = list->len;
    iter->offset = list->offset + (list->total - list->len);
}

int zs_rlp_iter_next(zs_rlp_iter_t *iter, zs_rlp_item_t *item, zs_perr_t *e)
{
    if (!iter->left) return 0;
    int err = zs_rlp_decode_item(iter->p, iter->left, iter->offset, item, e);
    if (err) return err;
    iter->p += item->total;
    iter->left -= item->total;
    iter->offset += item->total;
    return 1;
}

int zs_rlp_list_items(const zs_rlp_item_t *list, zs_rlp_item_t *items, size_t max, size_t *count,
                      zs_perr_t *e)
{
    if (list->kind != ZS_RLP_LIST) return zs_perr_set(e, ZS_ERR_PARSE, list->offset, "expected a list");
    zs_rlp_iter_t it;
    zs_rlp_iter_init(&it, list);
    size_t k = 0;
    zs_rlp_item_t tmp;
    int r;
    while ((r = zs_rlp_iter_next(&it, &tmp, e)) == 1) {
        if (k == max) return zs_perr_set(e, ZS_ERR_PARSE, tmp.offset, "list has too many items");
        items[k++] = tmp;
    }
    if (r < 0) return r;
    *count = k;
    return ZS_OK;
}

static int validate(const zs_rlp_item_t *it, int depth, int max_depth, zs_perr_t *e)
{
    if (it->kind != ZS_RLP_LIST) return ZS_OK;
    if (depth > max_depth) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "lists nested too deeply");
    zs_rlp_iter_t iter;
    zs_rlp_iter_init(&iter, it);
    zs_rlp_item_t child;
    int r;
    while ((r = zs_rlp_iter_next(&iter, &child, e)) == 1) {
        int err = validate(&child, depth + 1, max_depth, e);
        if (err) return err;
    }
    return r;
}

int zs_rlp_validate(const uint8_t *buf, size_t n, int max_depth, zs_perr_t *e)
{
    zs_rlp_item_t it;
    int err = zs_rlp_decode_exact(buf, n, &it, e);
    if (err) return err;
    return validate(&it, 1, max_depth, e);
}

int zs_rlp_get_u64(const zs_rlp_item_t *it, uint64_t *v, zs_perr_t *e)
{
    if (it->kind != ZS_RLP_BYTES) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "expected an integer, got a list");
    if (it->len > 8) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "integer wider than 64 bits");
    if (it->len && it->payload[0] == 0)
        return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "integer has a leading zero byte");
    uint64_t x = 0;
    for (size_t i = 0; i < it->len; i++) x = x << 8 | it->payload[i];
    *v = x;
    return ZS_OK;
}

int zs_rlp_get_u256(const zs_rlp_item_t *it, zs_u256_t *v, zs_perr_t *e)
{
    if (it->kind != ZS_RLP_BYTES) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "expected an integer, got a list");
    if (it->len > 32) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "integer wider than 256 bits");
    if (it->len && it->payload[0] == 0)
        return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "integer has a leading zero byte");
    return zs_u256_from_be(v, it->payload, it->len);
}

/* Encoder. */

void zs_rlp_enc_init(zs_rlp_enc_t *enc, uint8_t *buf, size_t cap)
{
    enc->buf = buf;
    enc->cap = cap;
    enc->len = 0;
    enc->overflow = 0;
}

static int room(zs_rlp_enc_t *enc, size_t n)
{
    if (enc->overflow || n > enc->cap - enc->len) {
        enc->overflow = 1;
        return 0;
    }
    return 1;
}

size_t zs_rlp_header_len(size_t n)
{
    if (n <= 55) return 1;
    size_t k = 0;
    for (size_t v = n; v; v >>= 8) k++;
    return 1 + k;
}

static void put_header(uint8_t *out, size_t n, uint8_t short_base, uint8_t long_base)
{
    if (n <= 55) {
        out[0] = (uint8_t)(short_base + n);
        return;
    }
    size_t k = zs_rlp_header_len(n) - 1;
    out[0] = (uint8_t)(long_base + k);
    for (size_t i = 0; i < k; i++) out[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
}

void zs_rlp_enc_bytes(zs_rlp_enc_t *enc, const uint8_t *p, size_t n)
{
    if (n == 1 && p[0] < 0x80) {
        if (room(enc, 1)) enc->buf[enc->len++] = p[0];
        return;
    }
    size_t h = zs_rlp_header_len(n);
    if (!room(enc, h + n)) return;
    put_header(enc->buf + enc->len, n, 0x80, 0xb7);
    if (n) memcpy(enc->buf + enc->len + h, p, n);
    enc->len += h + n;
}

void zs_rlp_enc_u64(zs_rlp_enc_t *enc, uint64_t v)
{
    uint8_t be[8];
    size_t n = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        if (n || byte) be[n++] = byte;
    }
    zs_rlp_enc_bytes(enc, be, n);
}

void zs_rlp_enc_u256(zs_rlp_enc_t *enc, const zs_u256_t *v)
{
    uint8_t be[32];
    size_t n = zs_u256_to_be_min(v, be);
    zs_rlp_enc_bytes(enc, be, n);
}

void zs_rlp_enc_raw(zs_rlp_enc_t *enc, const uint8_t *p, size_t n)
{
    if (!room(enc, n)) return;
    if (n) memcpy(enc->buf + enc->len, p, n);
    enc->len += n;
}

size_t zs_rlp_enc_list_begin(zs_rlp_enc_t *enc)
{
    return enc->len;
}

void zs_rlp_enc_list_end(zs_rlp_enc_t *enc, size_t mark)
{
    if (enc->overflow) return;
    size_t payload = enc->len - mark;
    size_t h = zs_rlp_header_len(payload);
    if (!room(enc, h)) return;
    memmove(enc->buf + mark + h, enc->buf + mark, payload);
    put_header(enc->buf + mark, payload, 0xc0, 0xf7);
    enc->len += h;
}

long zs_rlp_enc_finish(const zs_rlp_enc_t *enc)
{
    return enc->overflow ? ZS_ERR_FULL : (long)enc->len;
}
