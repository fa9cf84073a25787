#include "lib/trie/zs_trie.h"

#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"

/* A growable byte buffer for node encodings. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    int oom;
} buf_t;

static void buf_put(buf_t *b, const void *src, size_t n)
{
    if (b->oom) return;
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}

static int nibble(const zs_trie_item_t *it, size_t i)
{
    uint8_t byte = it->key[i / 2];
    return i % 2 ? byte & 15 : byte >> 4;
}

static size_t nibbles(const zs_trie_item_t *it)
{
    return 2 * it->key_len;
}

/* Encodes a byte string (RLP) into b. */
static void put_string(buf_t *b, const uint8_t *p, size_t n)
{
    uint8_t hdr[9];
    size_t h = 0;
    if (n == 1 && p[0] < 0x80) {
        buf_put(b, p, 1);
        return;
    }
    if (n <= 55) {
        hdr[h++] = (uint8_t)(0x80 + n);
    } else {
        size_t k = zs_rlp_header_len(n) - 1;
        hdr[h++] = (uint8_t)(0xb7 + k);
        for (size_t i = 0; i < k; i++) hdr[h++] = (uint8_t)(n >> (8 * (k - 1 - i)));
    }
    buf_put(b, hdr, h);
    buf_put(b, p, n);
}

/* Hex-prefix encoding of nibbles[from, to) of it's key, with the leaf flag. */
static void put_path(buf_t *b, const zs_trie_item_t *it, size_t from, size_t to, int leaf)
{
    size_t len = to - from;
    uint8_t enc[1 + 64];
    size_t n = 0;
    int odd = (int)(len % 2);
    enc[n++] = (uint8_t)(((leaf ? 2 : 0) + odd) << 4 | (odd ? nibble(it, from) : 0));
    for (size_t i = from + (size_t)odd; i < to; i += 2) enc[n++] = (uint8_t)(nibble(it, i) << 4 | nibble(it, i + 1));
    put_string(b, enc, n);
}

/* Wraps payload b[start..] as an RLP list in place. */
static void wrap_list(buf_t *b, size_t start)
{
    if (b->oom) return;
    size_t payload = b->n - start, h = zs_rlp_header_len(payload);
    uint8_t hdr[9];
    if (payload <= 55) {
        hdr[0] = (uint8_t)(0xc0 + payload);
    } else {
        hdr[0] = (uint8_t)(0xf7 + h - 1);
        for (size_t i = 0; i < h - 1; i++) hdr[1 + i] = (uint8_t)(payload >> (8 * (h - 2 - i)));
    }
    buf_put(b, hdr, h); /* grow */
    if (b->oom) return;
    memmove(b->p + start + h, b->p + start, payload);
    memcpy(b->p + start, hdr, h);
}

static void encode_node(buf_t *b, zs_trie_item_t *it, size_t n, size_t depth);

/* A reference to the node of items[0..n) at depth: the node itself when its
   encoding is shorter than 32 bytes, else its keccak256. */
static void put_ref(buf_t *b, zs_trie_item_t *it, size_t n, size_t depth)
{
    if (!n) {
        put_string(b, NULL, 0);
        return;
    }
    buf_t sub = {0};
    encode_node(&sub, it, n, depth);
    if (sub.oom) {
        b->oom = 1;
    } else if (sub.n < 32) {
        buf_put(b, sub.p, sub.n);
    } else {
        uint8_t h[32];
        zs_keccak256(sub.p, sub.n, h);
        put_string(b, h, 32);
    }
    free(sub.p);
}

static void encode_node(buf_t *b, zs_trie_item_t *it, size_t n, size_t depth)
{
    size_t start = b->n;
    if (n == 1) {
        put_path(b, &it[0], depth, nibbles(&it[0]), 1);
        put_string(b, it[0].value, it[0].value_len);
        wrap_list(b, start);
        return;
    }
    /* Common prefix of all keys from depth (items are sorted). */
    size_t common = 0;
    for (;;) {
        size_t d = depth + common;
        if (d >= nibbles(&it[0]) || d >= nibbles(&it[n - 1]) || nibble(&it[0], d) != nibble(&it[n - 1], d)) break;
        common++;
    }
    if (common) {
        put_path(b, &it[0], depth, depth + common, 0);
        put_ref(b, it, n, depth + common);
        wrap_list(b, start);
        return;
    }
    /* A branch: sixteen children by the next nibble, then the value of the
       key that ends here (sorted first). */
    size_t i = 0;
    const zs_trie_item_t *here = NULL;
    if (nibbles(&it[0]) == depth) {
        here = &it[0];
        i = 1;
    }
    for (int c = 0; c < 16; c++) {
        size_t j = i;
        while (j < n && nibble(&it[j], depth) == c) j++;
        put_ref(b, it + i, j - i, depth + 1);
        i = j;
    }
    if (here)
        put_string(b, here->value, here->value_len);
    else
        put_string(b, NULL, 0);
    wrap_list(b, start);
}

static int cmp_item(const void *a, const void *b)
{
    const zs_trie_item_t *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

int zs_trie_root(zs_trie_item_t *items, size_t n, uint8_t root[32])
{
    if (!n) {
        static const uint8_t empty = 0x80;
        zs_keccak256(&empty, 1, root);
        return ZS_OK;
    }
    qsort(items, n, sizeof *items, cmp_item);
    for (size_t i = 0; i < n; i++) {
        if (!items[i].value_len) return ZS_ERR_INVAL;
        if (i && !cmp_item(&items[i - 1], &items[i])) return ZS_ERR_INVAL;
    }
    buf_t b = {0};
    encode_node(&b, items, n, 0);
    if (b.oom) {
        free(b.p);
        return ZS_ERR_NOMEM;
    }
    zs_keccak256(b.p, b.n, root);
    free(b.p);
    return ZS_OK;
}

int zs_trie_list_root(const uint8_t *const *values, const size_t *lens, size_t n, uint8_t root[32])
{
    zs_trie_item_t *items = malloc((n ? n : 1) * sizeof *items);
    uint8_t (*keys)[9] = malloc((n ? n : 1) * 9);
    if (!items || !keys) {
        free(items);
        free(keys);
        return ZS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        zs_rlp_enc_t enc;
        zs_rlp_enc_init(&enc, keys[i], 9);
        zs_rlp_enc_u64(&enc, i);
        items[i].key = keys[i];
        items[i].key_len = (size_t)zs_rlp_enc_finish(&enc);
        items[i].value = values[i];
        items[i].value_len = lens[i];
    }
    int rc = zs_trie_root(items, n, root);
    free(items);
    free(keys);
    return rc;
}
