#include "host/l1view/zs_l1rec.h"

#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"

#define FORMAT 1
static const char cursor_key[] = "l1/cursor";

/* ---- A fixed layout, written and read field by field. */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int bad; /* a read past the end */
} buf_t;

static void w_u64(buf_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b->p[b->n++] = (uint8_t)(v >> (56 - 8 * i));
}

static void w_bytes(buf_t *b, const uint8_t *p, size_t n)
{
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static uint64_t r_u64(buf_t *b)
{
    if (b->n + 8 > b->cap) {
        b->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | b->p[b->n++];
    return v;
}

static void r_bytes(buf_t *b, uint8_t *out, size_t n)
{
    if (b->n + n > b->cap) {
        b->bad = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, b->p + b->n, n);
    b->n += n;
}

static void w_at(buf_t *b, const zs_l1_at_t *a)
{
    w_u64(b, a->number);
    w_bytes(b, a->hash, 32);
}

static void r_at(buf_t *b, zs_l1_at_t *a)
{
    a->number = r_u64(b);
    r_bytes(b, a->hash, 32);
}

static void key_num(uint8_t k[9], char tag, uint64_t n)
{
    k[0] = (uint8_t)tag;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(n >> (56 - 8 * i));
}

static void put(zs_store_batch_t *b, const uint8_t *key, size_t klen, const buf_t *v)
{
    zs_store_put(b, ZS_CF_L1, key, klen, v->p, v->n);
}

/* Reads key into a malloc'd buffer positioned after the format byte. */
static int get(zs_store_t *s, const uint8_t *key, size_t klen, buf_t *out)
{
    uint8_t small[512];
    size_t len;
    int rc = zs_store_get(s, ZS_CF_L1, key, klen, small, sizeof small, &len);
    if (rc && rc != ZS_ERR_FULL) return rc;
    uint8_t *p = malloc(len ? len : 1);
    if (!p) return ZS_ERR_NOMEM;
    if (rc == ZS_ERR_FULL) {
        size_t l2;
        if ((rc = zs_store_get(s, ZS_CF_L1, key, klen, p, len, &l2))) {
            free(p);
            return rc;
        }
    } else {
        memcpy(p, small, len);
    }
    *out = (buf_t){.p = p, .n = 1, .cap = len};
    if (!len || p[0] != FORMAT) {
        free(p);
        return ZS_ERR_CORRUPT;
    }
    return ZS_OK;
}

/* Frees the buffer; ZS_ERR_CORRUPT when the reads ran out or left bytes over. */
static int done(buf_t *b)
{
    int bad = b->bad || b->n != b->cap;
    free(b->p);
    return bad ? ZS_ERR_CORRUPT : ZS_OK;
}

/* ---- Leaves. */

static void key_leaf(uint8_t k[9], uint32_t index)
{
    key_num(k, 'i', index);
}

void zs_l1rec_put_leaf(zs_store_batch_t *b, const zs_l1_leaf_t *l)
{
    uint8_t v[1 + 8 + 32 * 6 + 8 + 8 + 32], k[9], gk[33], ix[4];
    buf_t w = {.p = v};
    v[w.n++] = FORMAT;
    w_u64(&w, l->index);
    w_bytes(&w, l->ger, 32);
    w_bytes(&w, l->block_hash, 32);
    w_u64(&w, l->min_timestamp);
    w_bytes(&w, l->mainnet, 32);
    w_bytes(&w, l->rollup, 32);
    w_bytes(&w, l->root, 32);
    w_bytes(&w, l->tx, 32);
    w_at(&w, &l->at);
    key_leaf(k, l->index);
    put(b, k, 9, &w);
    gk[0] = 'g';
    memcpy(gk + 1, l->ger, 32);
    for (int i = 0; i < 4; i++) ix[i] = (uint8_t)(l->index >> (24 - 8 * i));
    zs_store_put(b, ZS_CF_L1, gk, 33, ix, 4);
}

int zs_l1rec_leaf(zs_store_t *s, uint32_t index, zs_l1_leaf_t *out)
{
    uint8_t k[9];
    buf_t r;
    key_leaf(k, index);
    int rc = get(s, k, 9, &r);
    if (rc) return rc;
    out->index = (uint32_t)r_u64(&r);
    r_bytes(&r, out->ger, 32);
    r_bytes(&r, out->block_hash, 32);
    out->min_timestamp = r_u64(&r);
    r_bytes(&r, out->mainnet, 32);
    r_bytes(&r, out->rollup, 32);
    r_bytes(&r, out->root, 32);
    r_bytes(&r, out->tx, 32);
    r_at(&r, &out->at);
    return done(&r);
}

int zs_l1rec_leaf_by_ger(zs_store_t *s, const uint8_t ger[32], zs_l1_leaf_t *out)
{
    uint8_t gk[33], ix[4];
    size_t len;
    gk[0] = 'g';
    memcpy(gk + 1, ger, 32);
    int rc = zs_store_get(s, ZS_CF_L1, gk, 33, ix, sizeof ix, &len);
    if (rc) return rc;
    if (len != 4) return ZS_ERR_CORRUPT;
    return zs_l1rec_leaf(s, (uint32_t)ix[0] << 24 | (uint32_t)ix[1] << 16 | (uint32_t)ix[2] << 8 | ix[3], out);
}

/* ---- Virtual and verified batches. */

void zs_l1rec_put_virtual(zs_store_batch_t *b, const zs_l1_virtual_t *v)
{
    uint8_t d[1 + 8 + 32 * 3 + 20 + 8 + 8 + 1 + 32 + 40 + 1 + 32], k[9];
    buf_t w = {.p = d};
    d[w.n++] = FORMAT;
    w_u64(&w, v->batch);
    w_bytes(&w, v->acc_input_hash, 32);
    w_bytes(&w, v->l1_info_root, 32);
    w_bytes(&w, v->batch_hash, 32);
    w_bytes(&w, v->coinbase, 20);
    w_u64(&w, v->timestamp);
    w_u64(&w, v->sequence_last);
    d[w.n++] = v->forced;
    w_bytes(&w, v->tx, 32);
    w_at(&w, &v->at);
    d[w.n++] = v->via_blob;
    w_bytes(&w, v->blob_hash, 32);
    key_num(k, 'v', v->batch);
    put(b, k, 9, &w);
}

int zs_l1rec_virtual(zs_store_t *s, uint64_t batch, zs_l1_virtual_t *out)
{
    uint8_t k[9], f = 0;
    buf_t r;
    key_num(k, 'v', batch);
    int rc = get(s, k, 9, &r);
    if (rc) return rc;
    out->batch = r_u64(&r);
    r_bytes(&r, out->acc_input_hash, 32);
    r_bytes(&r, out->l1_info_root, 32);
    r_bytes(&r, out->batch_hash, 32);
    r_bytes(&r, out->coinbase, 20);
    out->timestamp = r_u64(&r);
    out->sequence_last = r_u64(&r);
    r_bytes(&r, &f, 1);
    out->forced = f;
    r_bytes(&r, out->tx, 32);
    r_at(&r, &out->at);
    out->via_blob = 0;
    memset(out->blob_hash, 0, 32);
    if (r.n < r.cap) { /* written since blobs (an older record ends above) */
        r_bytes(&r, &out->via_blob, 1);
        r_bytes(&r, out->blob_hash, 32);
    }
    return done(&r);
}

void zs_l1rec_put_verified(zs_store_batch_t *b, const zs_l1_verified_t *v)
{
    uint8_t d[1 + 8 + 8 + 32 + 32 + 40], k[9];
    buf_t w = {.p = d};
    d[w.n++] = FORMAT;
    w_u64(&w, v->batch);
    w_u64(&w, v->final_batch);
    w_bytes(&w, v->state_root, 32);
    w_bytes(&w, v->tx, 32);
    w_at(&w, &v->at);
    key_num(k, 'f', v->batch);
    put(b, k, 9, &w);
}

int zs_l1rec_verified(zs_store_t *s, uint64_t batch, zs_l1_verified_t *out)
{
    uint8_t k[9];
    buf_t r;
    key_num(k, 'f', batch);
    int rc = get(s, k, 9, &r);
    if (rc) return rc;
    out->batch = r_u64(&r);
    out->final_batch = r_u64(&r);
    r_bytes(&r, out->state_root, 32);
    r_bytes(&r, out->tx, 32);
    r_at(&r, &out->at);
    return done(&r);
}

/* ---- Forced batches. */

void zs_l1_forced_clear(zs_l1_forced_t *f)
{
    free(f->data);
    f->data = NULL;
    f->len = 0;
}

void zs_l1rec_put_forced(zs_store_batch_t *b, const zs_l1_forced_t *f)
{
    size_t cap = 1 + 8 + 32 + 32 + 8 + 20 + 32 + 40 + f->len;
    uint8_t *d = malloc(cap), k[9];
    if (!d) {
        zs_store_put(b, -1, NULL, 0, NULL, 0); /* poisons the batch: its write fails */
        return;
    }
    buf_t w = {.p = d};
    d[w.n++] = FORMAT;
    w_u64(&w, f->number);
    w_bytes(&w, f->ger, 32);
    w_bytes(&w, f->block_hash, 32);
    w_u64(&w, f->timestamp);
    w_bytes(&w, f->sender, 20);
    w_bytes(&w, f->tx, 32);
    w_at(&w, &f->at);
    if (f->len) w_bytes(&w, f->data, f->len);
    key_num(k, 'F', f->number);
    put(b, k, 9, &w);
    free(d);
}

int zs_l1rec_forced(zs_store_t *s, uint64_t number, zs_l1_forced_t *out)
{
    uint8_t k[9];
    buf_t r;
    key_num(k, 'F', number);
    memset(out, 0, sizeof *out);
    int rc = get(s, k, 9, &r);
    if (rc) return rc;
    out->number = r_u64(&r);
    r_bytes(&r, out->ger, 32);
    r_bytes(&r, out->block_hash, 32);
    out->timestamp = r_u64(&r);
    r_bytes(&r, out->sender, 20);
    r_bytes(&r, out->tx, 32);
    r_at(&r, &out->at);
    if (!r.bad && r.n < r.cap) {
        out->len = r.cap - r.n;
        if (!(out->data = malloc(out->len))) {
            free(r.p);
            return ZS_ERR_NOMEM;
        }
        r_bytes(&r, out->data, out->len);
    }
    rc = done(&r);
    if (rc) zs_l1_forced_clear(out);
    return rc;
}

/* ---- The cursor, reorgs. */

void zs_l1rec_put_cursor(zs_store_batch_t *b, const zs_l1_cursor_t *c)
{
    uint8_t d[1 + 40 + 8 * 4];
    buf_t w = {.p = d};
    d[w.n++] = FORMAT;
    w_at(&w, &c->at);
    w_u64(&w, c->leaves);
    w_u64(&w, c->virtual_);
    w_u64(&w, c->verified);
    w_u64(&w, c->forced);
    zs_store_put(b, ZS_CF_META, cursor_key, sizeof cursor_key - 1, d, w.n);
}

int zs_l1rec_cursor(zs_store_t *s, zs_l1_cursor_t *out)
{
    uint8_t d[128];
    size_t len;
    memset(out, 0, sizeof *out);
    int rc = zs_store_get(s, ZS_CF_META, cursor_key, sizeof cursor_key - 1, d, sizeof d, &len);
    if (rc == ZS_ERR_NOTFOUND) return ZS_OK;
    if (rc) return rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc;
    buf_t r = {.p = d, .n = 1, .cap = len};
    if (!len || d[0] != FORMAT) return ZS_ERR_CORRUPT;
    r_at(&r, &out->at);
    out->leaves = (uint32_t)r_u64(&r);
    out->virtual_ = r_u64(&r);
    out->verified = r_u64(&r);
    out->forced = r_u64(&r);
    return r.bad || r.n != r.cap ? ZS_ERR_CORRUPT : ZS_OK;
}

/* The L1 block of the newest record of each kind (0: none). */
static int newest(zs_store_t *s, const zs_l1_cursor_t *c, zs_l1_at_t at[4])
{
    memset(at, 0, 4 * sizeof *at);
    zs_l1_leaf_t l;
    zs_l1_virtual_t v;
    zs_l1_verified_t f;
    zs_l1_forced_t fb;
    int rc = 0;
    if (c->leaves && !(rc = zs_l1rec_leaf(s, c->leaves - 1, &l))) at[0] = l.at;
    if (!rc && c->virtual_ && !(rc = zs_l1rec_virtual(s, c->virtual_, &v))) at[1] = v.at;
    if (!rc && c->verified && !(rc = zs_l1rec_verified(s, c->verified, &f))) at[2] = f.at;
    if (!rc && c->forced && !(rc = zs_l1rec_forced(s, c->forced, &fb))) {
        at[3] = fb.at;
        zs_l1_forced_clear(&fb);
    }
    /* A batch that was already virtual before the follower started has
       no record: nothing to go back to. */
    return rc == ZS_ERR_NOTFOUND ? ZS_OK : rc;
}

int zs_l1rec_newest_block(zs_store_t *s, const zs_l1_cursor_t *c, zs_l1_at_t *out)
{
    zs_l1_at_t at[4];
    memset(out, 0, sizeof *out);
    int rc = newest(s, c, at);
    for (int i = 0; !rc && i < 4; i++)
        if (at[i].number > out->number) *out = at[i];
    return rc;
}

int zs_l1rec_truncate(zs_store_t *s, zs_store_batch_t *b, zs_l1_cursor_t *c, uint64_t keep)
{
    uint8_t k[9];
    int rc = 0;
    for (;;) {
        zs_l1_leaf_t l;
        if (!c->leaves || (rc = zs_l1rec_leaf(s, c->leaves - 1, &l)) || l.at.number <= keep) break;
        uint8_t gk[33] = {'g'};
        memcpy(gk + 1, l.ger, 32);
        zs_store_del(b, ZS_CF_L1, gk, 33);
        key_leaf(k, l.index);
        zs_store_del(b, ZS_CF_L1, k, 9);
        c->leaves--;
    }
    for (; !rc && c->virtual_;) {
        zs_l1_virtual_t v;
        if ((rc = zs_l1rec_virtual(s, c->virtual_, &v)) || v.at.number <= keep) break;
        key_num(k, 'v', c->virtual_);
        zs_store_del(b, ZS_CF_L1, k, 9);
        c->virtual_--;
    }
    for (; !rc && c->verified;) {
        zs_l1_verified_t v;
        if ((rc = zs_l1rec_verified(s, c->verified, &v)) || v.at.number <= keep) break;
        key_num(k, 'f', c->verified);
        zs_store_del(b, ZS_CF_L1, k, 9);
        c->verified--;
    }
    for (; !rc && c->forced;) {
        zs_l1_forced_t f;
        if ((rc = zs_l1rec_forced(s, c->forced, &f))) break;
        zs_l1_forced_clear(&f);
        if (f.at.number <= keep) break;
        key_num(k, 'F', c->forced);
        zs_store_del(b, ZS_CF_L1, k, 9);
        c->forced--;
    }
    return rc == ZS_ERR_NOTFOUND ? ZS_OK : rc;
}
