#include "lib/frame/zs_frame.h"

#include <mbedtls/md.h>
#include <string.h>

static const uint8_t submit_magic[4] = {'Z', 'S', 'Q', '1'};
static const uint8_t answer_magic[4] = {'Z', 'S', 'A', '1'};

static const char *const err_ids[ZS_FRAME_REASON_MAX] = {
    [ZS_FRAME_OK] = "ok",
    [ZS_FRAME_TRUNCATED] = "truncated",
    [ZS_FRAME_BAD_COUNT] = "bad_count",
    [ZS_FRAME_TRAILING] = "trailing",
    [ZS_FRAME_BAD_FLAGS] = "bad_flags",
    [ZS_FRAME_UNKNOWN_KEY] = "unknown_key",
    [ZS_FRAME_BAD_KIND] = "bad_kind",
    [ZS_FRAME_BUSY] = "busy",
    [ZS_FRAME_BAD_MAGIC] = "bad_magic",
    [ZS_FRAME_BAD_HMAC] = "bad_hmac",
    [ZS_FRAME_MISSING_HMAC] = "missing_hmac",
};

const char *zs_frame_err_id(zs_frame_err_t e)
{
    return (unsigned)e < ZS_FRAME_REASON_MAX && err_ids[e] ? err_ids[e] : "unknown";
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

zs_frame_err_t zs_frame_parse_submit(const uint8_t *p, size_t len, zs_submit_frame_t *out)
{
    memset(out, 0, sizeof *out);
    if (len < 6 || memcmp(p, submit_magic, 4) || !p[4] || p[4] > ZS_FRAME_VERSION_MAX) return ZS_FRAME_BAD_MAGIC;
    out->version = p[4];
    if (len < ZS_FRAME_HEADER) return ZS_FRAME_TRUNCATED;
    out->flags = get16(p + 6);
    out->client = get64(p + 8);
    out->seq = get64(p + 16);
    out->n = get16(p + 24);
    if (p[5] != ZS_FRAME_SUBMIT) return ZS_FRAME_BAD_KIND;
    uint16_t known = ZS_FRAME_FLAG_HMAC | ZS_FRAME_FLAG_CONFIRM | (out->version >= 2 ? ZS_FRAME_FLAG_EXECUTED : 0);
    if (out->flags & ~known) return ZS_FRAME_BAD_FLAGS;
    if (!out->n || out->n > ZS_FRAME_MAX_TXS) return ZS_FRAME_BAD_COUNT;
    size_t end = out->flags & ZS_FRAME_FLAG_HMAC ? (len >= ZS_FRAME_MAC ? len - ZS_FRAME_MAC : 0) : len;
    if (end < ZS_FRAME_HEADER) return ZS_FRAME_TRUNCATED;
    size_t off = ZS_FRAME_HEADER;
    for (uint16_t i = 0; i < out->n; i++) {
        if (end - off < 2) return ZS_FRAME_TRUNCATED;
        uint16_t l = get16(p + off);
        off += 2;
        if (!l || l > 65000 || end - off < l) return ZS_FRAME_TRUNCATED;
        out->tx[i] = p + off;
        out->len[i] = l;
        off += l;
    }
    if (off != end) return ZS_FRAME_TRAILING;
    out->mac_off = end;
    return ZS_FRAME_OK;
}

int zs_frame_mac(const uint8_t *key, size_t keylen, const uint8_t *p, size_t len, uint8_t out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return md && !mbedtls_md_hmac(md, key, keylen, p, len, out) ? ZS_OK : ZS_ERR_CRYPTO;
}

int zs_frame_check_mac(const uint8_t *key, size_t keylen, const uint8_t *p, size_t len)
{
    uint8_t want[32];
    if (zs_frame_mac(key, keylen, p, len, want)) return 0;
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= (uint8_t)(want[i] ^ p[len + (size_t)i]);
    return diff == 0;
}

void zs_frame_submit_begin(zs_frame_builder_t *b, uint8_t *buf, size_t cap, uint64_t client, uint64_t seq)
{
    b->p = buf;
    b->cap = cap;
    b->n = 0;
    b->len = ZS_FRAME_HEADER;
    if (cap < ZS_FRAME_HEADER) return;
    memcpy(buf, submit_magic, 4);
    buf[4] = ZS_FRAME_VERSION;
    buf[5] = ZS_FRAME_SUBMIT;
    put16(buf + 6, 0);
    put64(buf + 8, client);
    put64(buf + 16, seq);
    put16(buf + 24, 0);
}

int zs_frame_submit_add(zs_frame_builder_t *b, const uint8_t *tx, size_t len)
{
    if (b->cap < ZS_FRAME_HEADER || b->n == ZS_FRAME_MAX_TXS || !len || len > 65000 ||
        b->len + 2 + len + ZS_FRAME_MAC > b->cap)
        return ZS_ERR_FULL;
    put16(b->p + b->len, (uint16_t)len);
    memcpy(b->p + b->len + 2, tx, len);
    b->len += 2 + len;
    b->n++;
    return ZS_OK;
}

void zs_frame_submit_want_confirm(zs_frame_builder_t *b)
{
    if (b->cap >= ZS_FRAME_HEADER) put16(b->p + 6, (uint16_t)(get16(b->p + 6) | ZS_FRAME_FLAG_CONFIRM));
}

void zs_frame_submit_want_executed(zs_frame_builder_t *b)
{
    if (b->cap < ZS_FRAME_HEADER) return;
    b->p[4] = 2;
    put16(b->p + 6, (uint16_t)(get16(b->p + 6) | ZS_FRAME_FLAG_EXECUTED));
}

long zs_frame_submit_finish(zs_frame_builder_t *b, const uint8_t *key, size_t keylen)
{
    if (b->cap < ZS_FRAME_HEADER || !b->n) return ZS_ERR_FULL;
    put16(b->p + 24, b->n);
    if (key) {
        put16(b->p + 6, (uint16_t)(get16(b->p + 6) | ZS_FRAME_FLAG_HMAC));
        if (zs_frame_mac(key, keylen, b->p, b->len, b->p + b->len)) return ZS_ERR_CRYPTO;
        b->len += ZS_FRAME_MAC;
    }
    return (long)b->len;
}

/* The header of a frame from the box; its length so far. */
static size_t put_head(uint8_t *buf, const zs_frame_to_t *to, int kind, uint16_t n)
{
    memcpy(buf, answer_magic, 4);
    buf[4] = to->version ? to->version : ZS_FRAME_VERSION;
    buf[5] = (uint8_t)kind;
    put16(buf + 6, to->key ? ZS_FRAME_FLAG_HMAC : 0);
    put64(buf + 8, to->client);
    put64(buf + 16, to->seq);
    put16(buf + 24, n);
    return ZS_FRAME_HEADER;
}

/* Seals a frame of off bytes with the HMAC (when keyed); its length. */
static long seal(uint8_t *buf, size_t off, const zs_frame_to_t *to)
{
    if (to->key && zs_frame_mac(to->key, to->keylen, buf, off, buf + off)) return ZS_ERR_CRYPTO;
    return (long)(off + (to->key ? ZS_FRAME_MAC : 0));
}

long zs_frame_answer(uint8_t *buf, size_t cap, const zs_frame_to_t *to, const zs_answer_entry_t *e, uint16_t n,
                     uint16_t refusal)
{
    size_t len = ZS_FRAME_HEADER + (e ? (size_t)n * ZS_FRAME_ENTRY : 2) + (to->key ? ZS_FRAME_MAC : 0);
    if (len > cap) return ZS_ERR_FULL;
    size_t off = put_head(buf, to, e ? ZS_FRAME_ANSWER : ZS_FRAME_REFUSED, e ? n : 0);
    if (e) {
        for (uint16_t i = 0; i < n; i++, off += ZS_FRAME_ENTRY) {
            uint8_t *q = buf + off;
            q[0] = e[i].status;
            q[1] = e[i].reason;
            put16(q + 2, e[i].index);
            memset(q + 4, 0, 4);
            put64(q + 8, e[i].arrival);
            memcpy(q + 16, e[i].hash, 32);
        }
    } else {
        put16(buf + off, refusal);
        off += 2;
    }
    return seal(buf, off, to);
}

long zs_frame_confirm(uint8_t *buf, size_t cap, const zs_frame_to_t *to, int kind, const zs_confirm_entry_t *e,
                      uint16_t n)
{
    size_t entry = kind == ZS_FRAME_EXECUTED ? ZS_FRAME_EXEC_ENTRY : ZS_FRAME_ENTRY;
    size_t len = ZS_FRAME_HEADER + (size_t)n * entry + (to->key ? ZS_FRAME_MAC : 0);
    if ((kind != ZS_FRAME_CONFIRM && (kind != ZS_FRAME_EXECUTED || to->version < 2)) || len > cap ||
        n > ZS_FRAME_MAX_TXS)
        return ZS_ERR_FULL;
    size_t off = put_head(buf, to, kind, n);
    for (uint16_t i = 0; i < n; i++, off += entry) {
        uint8_t *q = buf + off;
        memset(q, 0, entry);
        memcpy(q, e[i].hash, 32);
        put64(q + 32, e[i].block);
        put32(q + 40, e[i].index);
        if (kind != ZS_FRAME_EXECUTED) continue;
        q[44] = e[i].status;
        put64(q + 48, e[i].gas_used);
        put32(q + 56, e[i].logs);
    }
    return seal(buf, off, to);
}

int zs_frame_kind(const uint8_t *p, size_t len)
{
    if (len < ZS_FRAME_HEADER || memcmp(p, answer_magic, 4) || !p[4] || p[4] > ZS_FRAME_VERSION_MAX) return 0;
    return p[5] >= ZS_FRAME_ANSWER && p[5] <= ZS_FRAME_EXECUTED ? p[5] : 0;
}

/* Checks a frame from the box (magic, version, HMAC), reads its head and
   gives the length before the HMAC in *body. */
static int open_frame(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen, zs_frame_head_t *h, size_t *body)
{
    if (!zs_frame_kind(p, len)) return ZS_ERR_PARSE;
    uint16_t flags = get16(p + 6);
    *body = len;
    if (key) {
        if (!(flags & ZS_FRAME_FLAG_HMAC) || len < ZS_FRAME_HEADER + ZS_FRAME_MAC) return ZS_ERR_CRYPTO;
        *body = len - ZS_FRAME_MAC;
        if (!zs_frame_check_mac(key, keylen, p, *body)) return ZS_ERR_CRYPTO;
    } else if (flags & ZS_FRAME_FLAG_HMAC) {
        if (len < ZS_FRAME_HEADER + ZS_FRAME_MAC) return ZS_ERR_PARSE;
        *body = len - ZS_FRAME_MAC;
    }
    h->version = p[4];
    h->kind = p[5];
    h->client = get64(p + 8);
    h->seq = get64(p + 16);
    h->n = get16(p + 24);
    return h->n > ZS_FRAME_MAX_TXS ? ZS_ERR_PARSE : ZS_OK;
}

int zs_frame_parse_answer(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen, zs_frame_head_t *h,
                          zs_answer_entry_t *e, uint16_t *refusal)
{
    size_t body;
    int rc = open_frame(p, len, key, keylen, h, &body);
    if (rc) return rc;
    if (h->kind == ZS_FRAME_REFUSED) {
        if (body != ZS_FRAME_HEADER + 2 || h->n) return ZS_ERR_PARSE;
        *refusal = get16(p + ZS_FRAME_HEADER);
        return ZS_OK;
    }
    if (h->kind != ZS_FRAME_ANSWER || body != ZS_FRAME_HEADER + (size_t)h->n * ZS_FRAME_ENTRY) return ZS_ERR_PARSE;
    for (uint16_t i = 0; i < h->n; i++) {
        const uint8_t *q = p + ZS_FRAME_HEADER + (size_t)i * ZS_FRAME_ENTRY;
        e[i].status = q[0];
        e[i].reason = q[1];
        e[i].index = get16(q + 2);
        e[i].arrival = get64(q + 8);
        memcpy(e[i].hash, q + 16, 32);
    }
    return ZS_OK;
}

int zs_frame_parse_confirm(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen, zs_frame_head_t *h,
                           zs_confirm_entry_t *e)
{
    size_t body;
    int rc = open_frame(p, len, key, keylen, h, &body);
    if (rc) return rc;
    int exec = h->kind == ZS_FRAME_EXECUTED;
    size_t entry = exec ? ZS_FRAME_EXEC_ENTRY : ZS_FRAME_ENTRY;
    if ((h->kind != ZS_FRAME_CONFIRM && !exec) || (exec && h->version < 2) ||
        body != ZS_FRAME_HEADER + (size_t)h->n * entry)
        return ZS_ERR_PARSE;
    for (uint16_t i = 0; i < h->n; i++) {
        const uint8_t *q = p + ZS_FRAME_HEADER + (size_t)i * entry;
        memset(&e[i], 0, sizeof e[i]);
        memcpy(e[i].hash, q, 32);
        e[i].block = get64(q + 32);
        e[i].index = get32(q + 40);
        if (!exec) continue;
        e[i].status = q[44];
        e[i].gas_used = get64(q + 48);
        e[i].logs = get32(q + 56);
    }
    return ZS_OK;
}
