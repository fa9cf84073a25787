#include "host/chain/zs_chain.h"

#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"
#include "lib/base/zs_grow.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/batch/zs_batch.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/trie/zs_trie.h"

static const char head_key[] = "chain/head";

void zs_block_clear(zs_block_t *b)
{
    free(b->tx_hashes);
    memset(b, 0, sizeof *b);
}

void zs_txrec_clear(zs_txrec_t *t)
{
    free(t->raw);
    free(t->logs);
    memset(t, 0, sizeof *t);
}

void zs_batchrec_clear(zs_batchrec_t *b)
{
    free(b->l2data);
    memset(b, 0, sizeof *b);
}

static void key_num(uint8_t out[9], char tag, uint64_t n)
{
    out[0] = (uint8_t)tag;
    for (int i = 0; i < 8; i++) out[1 + i] = (uint8_t)(n >> (56 - 8 * i));
}

static void key_hash(uint8_t out[33], char tag, const uint8_t h[32])
{
    out[0] = (uint8_t)tag;
    memcpy(out + 1, h, 32);
}

/* ---- Header hash. */

void zs_block_hash(const zs_block_t *b, uint8_t out[32])
{
    static const uint8_t empty_list_hash[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                                                0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                                                0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
    uint8_t buf[1024], zero[32] = {0};
    zs_rlp_enc_t e;
    zs_rlp_enc_init(&e, buf, sizeof buf);
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_bytes(&e, b->parent, 32);
    zs_rlp_enc_bytes(&e, empty_list_hash, 32);
    zs_rlp_enc_bytes(&e, b->coinbase, 20);
    zs_rlp_enc_bytes(&e, b->state_root, 32);
    zs_rlp_enc_bytes(&e, b->tx_root, 32);
    zs_rlp_enc_bytes(&e, b->receipts_root, 32);
    zs_rlp_enc_bytes(&e, b->bloom, 256);
    zs_rlp_enc_u64(&e, 0);           /* difficulty */
    zs_rlp_enc_u64(&e, b->number);
    zs_rlp_enc_u64(&e, b->gas_limit);
    zs_rlp_enc_u64(&e, b->gas_used);
    zs_rlp_enc_u64(&e, b->timestamp);
    zs_rlp_enc_bytes(&e, NULL, 0);   /* extra data */
    zs_rlp_enc_bytes(&e, zero, 32);  /* mix hash */
    zs_rlp_enc_bytes(&e, zero, 8);   /* nonce */
    zs_rlp_enc_list_end(&e, m);
    long n = zs_rlp_enc_finish(&e);
    zs_keccak256(buf, n > 0 ? (size_t)n : 0, out);
}

int zs_receipt_encode(const zs_txrec_t *t, uint8_t tx_type, uint8_t **out, size_t *len)
{
    size_t cap = 512 + t->logs_len;
    uint8_t *buf = malloc(cap);
    if (!buf) return ZS_ERR_NOMEM;
    uint8_t bloom[256] = {0};
    zs_logs_bloom(t->logs, t->logs_len, bloom);
    size_t skip = tx_type ? 1 : 0;
    if (skip) buf[0] = tx_type;
    zs_rlp_enc_t e;
    zs_rlp_enc_init(&e, buf + skip, cap - skip);
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_u64(&e, t->status);
    zs_rlp_enc_u64(&e, t->cumulative_gas);
    zs_rlp_enc_bytes(&e, bloom, 256);
    if (t->logs_len) zs_rlp_enc_raw(&e, t->logs, t->logs_len);
    else zs_rlp_enc_raw(&e, (const uint8_t *)"\xc0", 1); /* no logs */
    zs_rlp_enc_list_end(&e, m);
    long n = zs_rlp_enc_finish(&e);
    if (n < 0) {
        free(buf);
        return (int)n;
    }
    *out = buf;
    *len = (size_t)n + skip;
    return ZS_OK;
}

int zs_block_roots(const zs_txrec_t *txs, size_t n, uint8_t tx_root[32], uint8_t receipts_root[32])
{
    const uint8_t **tv = calloc(n + 1, sizeof *tv), **rv = calloc(n + 1, sizeof *rv);
    size_t *tl = calloc(n + 1, sizeof *tl), *rl = calloc(n + 1, sizeof *rl);
    if (!tv || !rv || !tl || !rl) {
        free(tv);
        free(rv);
        free(tl);
        free(rl);
        return ZS_ERR_NOMEM;
    }
    int rc = ZS_OK;
    size_t made = 0;
    for (size_t i = 0; !rc && i < n; i++, made++) {
        tv[i] = txs[i].raw;
        tl[i] = txs[i].raw_len;
        uint8_t type = txs[i].raw_len && txs[i].raw[0] < 0x80 ? txs[i].raw[0] : 0;
        rc = zs_receipt_encode(&txs[i], type, (uint8_t **)&rv[i], &rl[i]);
    }
    if (!rc) rc = zs_trie_list_root(tv, tl, n, tx_root);
    if (!rc) rc = zs_trie_list_root(rv, rl, n, receipts_root);
    for (size_t i = 0; i < made; i++) free((void *)rv[i]);
    free(tv);
    free(rv);
    free(tl);
    free(rl);
    return rc;
}

/* ---- Records. */

/* Starts encoding a record of at most cap bytes: in stack when it fits,
   else in a malloc'd buffer; NULL when out of memory (then the batch is
   poisoned, so its write fails). */
static uint8_t *rec_begin(zs_store_batch_t *b, zs_rlp_enc_t *e, uint8_t *stack, size_t stack_cap, size_t cap)
{
    uint8_t *buf = cap <= stack_cap ? stack : malloc(cap);
    if (!buf) {
        zs_store_put(b, -1, NULL, 0, NULL, 0);
        return NULL;
    }
    zs_rlp_enc_init(e, buf, cap);
    return buf;
}

/* Finishes the record into the batch under key and frees its buffer. */
static void put_rec(zs_store_batch_t *b, const uint8_t *key, size_t klen, zs_rlp_enc_t *e, uint8_t *buf,
                    const uint8_t *stack)
{
    long n = zs_rlp_enc_finish(e);
    if (n >= 0) zs_store_put(b, ZS_CF_CHAIN, key, klen, e->buf, (size_t)n);
    if (buf != stack) free(buf);
}

void zs_chain_put_block(zs_store_batch_t *b, const zs_block_t *blk)
{
    zs_rlp_enc_t e;
    uint8_t stack[1024], *buf = rec_begin(b, &e, stack, sizeof stack, 800 + 33 * (size_t)blk->ntx);
    if (!buf) return;
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_bytes(&e, blk->hash, 32);
    zs_rlp_enc_bytes(&e, blk->parent, 32);
    zs_rlp_enc_bytes(&e, blk->state_root, 32);
    zs_rlp_enc_bytes(&e, blk->tx_root, 32);
    zs_rlp_enc_bytes(&e, blk->receipts_root, 32);
    zs_rlp_enc_bytes(&e, blk->coinbase, 20);
    zs_rlp_enc_u64(&e, blk->number);
    zs_rlp_enc_u64(&e, blk->timestamp);
    zs_rlp_enc_u64(&e, blk->gas_used);
    zs_rlp_enc_u64(&e, blk->gas_limit);
    zs_rlp_enc_u64(&e, blk->batch);
    size_t l = zs_rlp_enc_list_begin(&e);
    for (uint32_t i = 0; i < blk->ntx; i++) zs_rlp_enc_bytes(&e, blk->tx_hashes[i], 32);
    zs_rlp_enc_list_end(&e, l);
    zs_rlp_enc_bytes(&e, blk->bloom, 256);
    size_t li = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_u64(&e, blk->l1_index);
    zs_rlp_enc_u64(&e, blk->l1_last);
    zs_rlp_enc_bytes(&e, blk->ger, 32);
    zs_rlp_enc_bytes(&e, blk->block_hash_l1, 32);
    zs_rlp_enc_list_end(&e, li);
    zs_rlp_enc_bytes(&e, blk->info_root, 32);
    zs_rlp_enc_list_end(&e, m);
    uint8_t k[9], hk[33], num[8];
    key_num(k, 'b', blk->number);
    put_rec(b, k, 9, &e, buf, stack);
    key_hash(hk, 'h', blk->hash);
    for (int i = 0; i < 8; i++) num[i] = (uint8_t)(blk->number >> (56 - 8 * i));
    zs_store_put(b, ZS_CF_CHAIN, hk, 33, num, 8);
}

void zs_chain_put_tx(zs_store_batch_t *b, const zs_txrec_t *t)
{
    zs_rlp_enc_t e;
    uint8_t stack[768], *buf = rec_begin(b, &e, stack, sizeof stack, 360 + t->raw_len + t->logs_len);
    if (!buf) return;
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_u64(&e, t->block);
    zs_rlp_enc_u64(&e, t->index);
    zs_rlp_enc_u64(&e, t->status);
    zs_rlp_enc_u64(&e, t->eff_pct);
    zs_rlp_enc_u64(&e, t->gas_used);
    zs_rlp_enc_u64(&e, t->cumulative_gas);
    zs_rlp_enc_u256(&e, &t->effective_gas_price);
    zs_rlp_enc_bytes(&e, t->sender, 20);
    zs_rlp_enc_bytes(&e, t->l2_hash, 32);
    zs_rlp_enc_bytes(&e, t->block_hash, 32);
    zs_rlp_enc_bytes(&e, t->raw, t->raw_len);
    zs_rlp_enc_bytes(&e, t->contract, t->has_contract ? 20 : 0);
    zs_rlp_enc_u64(&e, t->first_log);
    if (t->logs_len) zs_rlp_enc_raw(&e, t->logs, t->logs_len);
    else zs_rlp_enc_raw(&e, (const uint8_t *)"\xc0", 1);
    zs_rlp_enc_list_end(&e, m);
    uint8_t k[33];
    key_hash(k, 't', t->hash);
    put_rec(b, k, 33, &e, buf, stack);
    uint8_t lk[33];
    key_hash(lk, 'l', t->l2_hash);
    zs_store_put(b, ZS_CF_CHAIN, lk, 33, t->hash, 32);
}

int zs_chain_tx_by_l2_hash(zs_store_t *s, const uint8_t l2_hash[32], uint8_t hash[32])
{
    uint8_t k[33];
    size_t len;
    key_hash(k, 'l', l2_hash);
    int rc = zs_store_get(s, ZS_CF_CHAIN, k, 33, hash, 32, &len);
    if (rc) return rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc;
    return len == 32 ? ZS_OK : ZS_ERR_CORRUPT;
}

void zs_chain_put_batch(zs_store_batch_t *b, const zs_batchrec_t *br)
{
    zs_rlp_enc_t e;
    uint8_t stack[1024], *buf = rec_begin(b, &e, stack, sizeof stack, 512 + br->l2len);
    if (!buf) return;
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_u64(&e, br->number);
    zs_rlp_enc_u64(&e, br->first_block);
    zs_rlp_enc_u64(&e, br->last_block);
    zs_rlp_enc_u64(&e, br->timestamp);
    zs_rlp_enc_u64(&e, (uint64_t)br->closed);
    zs_rlp_enc_bytes(&e, br->state_root, 32);
    zs_rlp_enc_bytes(&e, br->acc_input_hash, 32);
    zs_rlp_enc_bytes(&e, br->batch_hash, 32);
    zs_rlp_enc_bytes(&e, br->coinbase, 20);
    /* An open batch's data is derivable from its blocks (zs_chain_batch_l2data):
       it is stored once, when the batch closes. */
    zs_rlp_enc_bytes(&e, br->l2data, br->closed ? br->l2len : 0);
    const uint64_t c[8] = {br->counters.steps,    br->counters.arith,   br->counters.binary,   br->counters.mem_align,
                           br->counters.keccaks,  br->counters.padding, br->counters.poseidon, br->counters.sha256};
    size_t cl = zs_rlp_enc_list_begin(&e);
    for (int i = 0; i < 8; i++) zs_rlp_enc_u64(&e, c[i]);
    zs_rlp_enc_list_end(&e, cl);
    if (br->forced) { /* [forced, timestamp, ger, blockHashL1, invalid] */
        size_t fl = zs_rlp_enc_list_begin(&e);
        zs_rlp_enc_u64(&e, br->forced);
        zs_rlp_enc_u64(&e, br->forced_timestamp);
        zs_rlp_enc_bytes(&e, br->forced_ger, 32);
        zs_rlp_enc_bytes(&e, br->forced_block_hash, 32);
        zs_rlp_enc_u64(&e, br->invalid);
        zs_rlp_enc_list_end(&e, fl);
    }
    zs_rlp_enc_bytes(&e, br->local_exit_root, 32);
    zs_rlp_enc_list_end(&e, m);
    uint8_t k[9];
    key_num(k, 'B', br->number);
    put_rec(b, k, 9, &e, buf, stack);
}

static const char forced_key[] = "chain/forced";

void zs_chain_put_forced_last(zs_store_batch_t *b, uint64_t forced)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)(forced >> (56 - 8 * i));
    zs_store_put(b, ZS_CF_META, forced_key, sizeof forced_key - 1, v, 8);
}

uint64_t zs_chain_forced_last(zs_store_t *s)
{
    uint8_t v[8];
    size_t len;
    if (zs_store_get(s, ZS_CF_META, forced_key, sizeof forced_key - 1, v, sizeof v, &len) || len != 8) return 0;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n = n << 8 | v[i];
    return n;
}

void zs_chain_put_head(zs_store_batch_t *b, uint64_t number)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)(number >> (56 - 8 * i));
    zs_store_put(b, ZS_CF_META, head_key, sizeof head_key - 1, v, 8);
}

/* Reads a record of unknown size into a malloc'd buffer. */
static int get_rec(zs_store_t *s, int cf, const uint8_t *key, size_t klen, uint8_t **out, size_t *len)
{
    uint8_t small[1024];
    int rc = zs_store_get(s, cf, key, klen, small, sizeof small, len);
    if (rc && rc != ZS_ERR_FULL) return rc;
    *out = malloc(*len ? *len : 1);
    if (!*out) return ZS_ERR_NOMEM;
    if (rc == ZS_ERR_FULL) {
        size_t l2;
        rc = zs_store_get(s, cf, key, klen, *out, *len, &l2);
        if (rc) {
            free(*out);
            return rc;
        }
    } else {
        memcpy(*out, small, *len);
    }
    return ZS_OK;
}

static int take(const zs_rlp_item_t *it, void *out, size_t n)
{
    if (it->kind != ZS_RLP_BYTES || it->len != n) return ZS_ERR_CORRUPT;
    memcpy(out, it->payload, n);
    return ZS_OK;
}

static int u64_of(const zs_rlp_item_t *it, uint64_t *v)
{
    return zs_rlp_get_u64(it, v, NULL) ? ZS_ERR_CORRUPT : ZS_OK;
}

/* The block's L1 info tree fields: [index, last, ger, blockHashL1]. */
static int l1_fields(const zs_rlp_item_t *l, zs_block_t *out)
{
    zs_rlp_item_t f[4];
    size_t count;
    uint64_t index, last;
    if (l->kind != ZS_RLP_LIST || zs_rlp_list_items(l, f, 4, &count, NULL) || count != 4 || u64_of(&f[0], &index) ||
        u64_of(&f[1], &last) || index > UINT32_MAX || last > UINT32_MAX || take(&f[2], out->ger, 32) ||
        take(&f[3], out->block_hash_l1, 32))
        return ZS_ERR_CORRUPT;
    out->l1_index = (uint32_t)index;
    out->l1_last = (uint32_t)last;
    return ZS_OK;
}

int zs_chain_get_block(zs_store_t *s, uint64_t number, zs_block_t *out)
{
    memset(out, 0, sizeof *out);
    uint8_t k[9], *buf;
    size_t len;
    key_num(k, 'b', number);
    int rc = get_rec(s, ZS_CF_CHAIN, k, 9, &buf, &len);
    if (rc) return rc;
    zs_rlp_item_t list, f[15];
    size_t count;
    rc = ZS_ERR_CORRUPT;
    /* 15 fields; records before the EVM have 12 (no bloom: all zero),
       before the L1 info tree 13 (no leaf named), before session 23 14 (no
       block info root) */
    if (zs_rlp_decode_exact(buf, len, &list, NULL) || zs_rlp_list_items(&list, f, 15, &count, NULL) ||
        count < 12 || (count >= 13 && take(&f[12], out->bloom, 256)) || (count >= 14 && l1_fields(&f[13], out)) ||
        (count == 15 && take(&f[14], out->info_root, 32)))
        goto out;
    if (take(&f[0], out->hash, 32) || take(&f[1], out->parent, 32) || take(&f[2], out->state_root, 32) ||
        take(&f[3], out->tx_root, 32) || take(&f[4], out->receipts_root, 32) || take(&f[5], out->coinbase, 20) ||
        u64_of(&f[6], &out->number) || u64_of(&f[7], &out->timestamp) || u64_of(&f[8], &out->gas_used) ||
        u64_of(&f[9], &out->gas_limit) || u64_of(&f[10], &out->batch) || f[11].kind != ZS_RLP_LIST)
        goto out;
    size_t ntx = f[11].len / 33;
    out->tx_hashes = malloc((ntx ? ntx : 1) * 32);
    if (!out->tx_hashes) {
        rc = ZS_ERR_NOMEM;
        goto out;
    }
    zs_rlp_iter_t it;
    zs_rlp_iter_init(&it, &f[11]);
    zs_rlp_item_t h;
    int r;
    while ((r = zs_rlp_iter_next(&it, &h, NULL)) == 1) {
        if (out->ntx >= ntx || take(&h, out->tx_hashes[out->ntx], 32)) goto out;
        out->ntx++;
    }
    rc = r ? ZS_ERR_CORRUPT : ZS_OK;
out:
    if (rc) zs_block_clear(out);
    free(buf);
    return rc;
}

int zs_chain_block_number(zs_store_t *s, const uint8_t hash[32], uint64_t *number)
{
    uint8_t k[33], v[8];
    size_t len;
    key_hash(k, 'h', hash);
    int rc = zs_store_get(s, ZS_CF_CHAIN, k, 33, v, sizeof v, &len);
    if (rc) return rc;
    if (len != 8) return ZS_ERR_CORRUPT;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n = n << 8 | v[i];
    *number = n;
    return ZS_OK;
}

int zs_chain_get_tx(zs_store_t *s, const uint8_t hash[32], zs_txrec_t *out)
{
    memset(out, 0, sizeof *out);
    uint8_t k[33], *buf;
    size_t len;
    key_hash(k, 't', hash);
    int rc = get_rec(s, ZS_CF_CHAIN, k, 33, &buf, &len);
    if (rc) return rc;
    zs_rlp_item_t list, f[14];
    size_t count;
    uint64_t idx, status, pct, first_log = 0;
    rc = ZS_ERR_CORRUPT;
    /* 14 fields; records before the EVM have 11 (no contract, no logs) */
    if (zs_rlp_decode_exact(buf, len, &list, NULL) || zs_rlp_list_items(&list, f, 14, &count, NULL) ||
        (count != 11 && count != 14))
        goto out;
    if (u64_of(&f[0], &out->block) || u64_of(&f[1], &idx) || u64_of(&f[2], &status) || u64_of(&f[3], &pct) ||
        u64_of(&f[4], &out->gas_used) || u64_of(&f[5], &out->cumulative_gas) ||
        zs_rlp_get_u256(&f[6], &out->effective_gas_price, NULL) || take(&f[7], out->sender, 20) ||
        take(&f[8], out->l2_hash, 32) || take(&f[9], out->block_hash, 32) || f[10].kind != ZS_RLP_BYTES ||
        idx > UINT32_MAX || status > 1 || pct > 255)
        goto out;
    if (count == 14) {
        if (f[11].kind != ZS_RLP_BYTES || (f[11].len != 0 && f[11].len != 20) || u64_of(&f[12], &first_log) ||
            first_log > UINT32_MAX || f[13].kind != ZS_RLP_LIST)
            goto out;
        out->has_contract = f[11].len == 20;
        if (out->has_contract) memcpy(out->contract, f[11].payload, 20);
        out->first_log = (uint32_t)first_log;
        if (f[13].len) {
            out->logs_len = f[13].total;
            if (!(out->logs = malloc(out->logs_len))) {
                rc = ZS_ERR_NOMEM;
                goto out;
            }
            memcpy(out->logs, f[13].payload - (f[13].total - f[13].len), out->logs_len);
        }
    }
    out->index = (uint32_t)idx;
    out->status = (uint8_t)status;
    out->eff_pct = (uint8_t)pct;
    memcpy(out->hash, hash, 32);
    out->raw = malloc(f[10].len ? f[10].len : 1);
    if (!out->raw) {
        rc = ZS_ERR_NOMEM;
        goto out;
    }
    memcpy(out->raw, f[10].payload, f[10].len);
    out->raw_len = f[10].len;
    rc = ZS_OK;
out:
    if (rc) zs_txrec_clear(out);
    free(buf);
    return rc;
}

static int forced_fields(const zs_rlp_item_t *l, zs_batchrec_t *out)
{
    zs_rlp_item_t f[5];
    size_t n;
    uint64_t invalid;
    if (l->kind != ZS_RLP_LIST || zs_rlp_list_items(l, f, 5, &n, NULL) || n != 5 || u64_of(&f[0], &out->forced) ||
        u64_of(&f[1], &out->forced_timestamp) || take(&f[2], out->forced_ger, 32) ||
        take(&f[3], out->forced_block_hash, 32) || u64_of(&f[4], &invalid) || !out->forced)
        return ZS_ERR_CORRUPT;
    out->invalid = invalid != 0;
    return ZS_OK;
}

int zs_chain_get_batch(zs_store_t *s, uint64_t number, zs_batchrec_t *out)
{
    memset(out, 0, sizeof *out);
    uint8_t k[9], *buf;
    size_t len;
    key_num(k, 'B', number);
    int rc = get_rec(s, ZS_CF_CHAIN, k, 9, &buf, &len);
    if (rc) return rc;
    zs_rlp_item_t list, f[13];
    size_t count;
    uint64_t closed;
    rc = ZS_ERR_CORRUPT;
    /* 11 fields, then a forced batch's list, then the local exit root
       (since session 23); records before the EVM have 10 (no counters) */
    if (zs_rlp_decode_exact(buf, len, &list, NULL) || zs_rlp_list_items(&list, f, 13, &count, NULL) || count < 10)
        goto out;
    size_t at = 11; /* past the counters */
    if (at < count && f[at].kind == ZS_RLP_LIST && forced_fields(&f[at++], out)) goto out;
    if (at < count && take(&f[at++], out->local_exit_root, 32)) goto out;
    if (count > 10 && at != count) goto out;
    if (count >= 11) {
        zs_rlp_item_t c[8];
        size_t nc;
        uint64_t *dst[8] = {&out->counters.steps,   &out->counters.arith,    &out->counters.binary,
                            &out->counters.mem_align, &out->counters.keccaks, &out->counters.padding,
                            &out->counters.poseidon, &out->counters.sha256};
        if (f[10].kind != ZS_RLP_LIST || zs_rlp_list_items(&f[10], c, 8, &nc, NULL) || nc != 8) goto out;
        for (int i = 0; i < 8; i++)
            if (u64_of(&c[i], dst[i])) goto out;
    }
    if (u64_of(&f[0], &out->number) || u64_of(&f[1], &out->first_block) || u64_of(&f[2], &out->last_block) ||
        u64_of(&f[3], &out->timestamp) || u64_of(&f[4], &closed) || take(&f[5], out->state_root, 32) ||
        take(&f[6], out->acc_input_hash, 32) || take(&f[7], out->batch_hash, 32) || take(&f[8], out->coinbase, 20) ||
        f[9].kind != ZS_RLP_BYTES)
        goto out;
    out->closed = closed != 0;
    out->l2data = malloc(f[9].len ? f[9].len : 1);
    if (!out->l2data) {
        rc = ZS_ERR_NOMEM;
        goto out;
    }
    memcpy(out->l2data, f[9].payload, f[9].len);
    out->l2len = f[9].len;
    rc = ZS_OK;
out:
    free(buf);
    return rc;
}

int zs_chain_head(zs_store_t *s, uint64_t *number)
{
    uint8_t v[8];
    size_t len;
    if (zs_store_get(s, ZS_CF_META, head_key, sizeof head_key - 1, v, sizeof v, &len) || len != 8) return 0;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n = n << 8 | v[i];
    *number = n;
    return 1;
}

int zs_chain_batch_l2data(zs_store_t *s, uint64_t first_block, uint64_t last_block, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!first_block || last_block < first_block) return ZS_OK;
    zs_block_t blk;
    int rc = zs_chain_get_block(s, first_block - 1, &blk);
    if (rc) return rc;
    uint64_t prev_ts = blk.timestamp;
    zs_block_clear(&blk);
    size_t cap = 0;
    uint8_t *buf = NULL;
    for (uint64_t num = first_block; num <= last_block && !rc; num++) {
        if ((rc = zs_chain_get_block(s, num, &blk))) break;
        for (uint32_t i = 0; i <= blk.ntx && !rc; i++) {
            /* i == 0 is the changeL2Block entry, then each transaction. */
            zs_txrec_t t = {0};
            zs_tx_t tx;
            zs_perr_t pe;
            size_t need = ZS_BATCH_CHANGE_L2_BLOCK_LEN;
            if (i) {
                if ((rc = zs_chain_get_tx(s, blk.tx_hashes[i - 1], &t))) break;
                if (zs_tx_decode(t.raw, t.raw_len, &tx, &pe)) rc = ZS_ERR_CORRUPT;
                need = t.raw_len + 128;
            }
            if (!rc && zs_grow((void **)&buf, &cap, *len + need, 1, 4096)) rc = ZS_ERR_NOMEM;
            if (!rc) {
                uint32_t delta = blk.timestamp > prev_ts ? (uint32_t)(blk.timestamp - prev_ts) : 0;
                long k = i ? zs_batch_encode_tx(&tx, t.eff_pct, buf + *len, cap - *len)
                           : zs_batch_encode_change_l2_block(delta, blk.l1_index, buf + *len, cap - *len);
                if (k < 0)
                    rc = (int)k;
                else
                    *len += (size_t)k;
            }
            zs_txrec_clear(&t);
        }
        prev_ts = blk.timestamp;
        zs_block_clear(&blk);
    }
    if (rc) {
        free(buf);
        *len = 0;
        return rc;
    }
    *out = buf;
    return ZS_OK;
}
