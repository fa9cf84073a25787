/* zs_verify: re-executes a stored chain from its genesis and checks that
   every stored result is what execution gives. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/chain/zs_chain.h"
#include "host/node/zs_chaininit.h"
#include "host/verify/zs_verify.h"
#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/batch/zs_batch.h"
#include "lib/base/zs_bytes.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"

typedef struct {
    uint8_t (*h)[32];
    size_t n, cap;
} hashset_t;

/* Open addressing over the first 8 bytes of the hash; 1 if it was there. */
static int seen(hashset_t *s, const uint8_t h[32])
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint8_t (*nh)[32] = calloc(cap, 32);
        if (!nh) return -1;
        for (size_t i = 0; i < s->cap; i++) {
            static const uint8_t z[32];
            if (!memcmp(s->h[i], z, 32)) continue;
            uint64_t k;
            memcpy(&k, s->h[i], 8);
            size_t j = k & (cap - 1);
            while (memcmp(nh[j], z, 32)) j = (j + 1) & (cap - 1);
            memcpy(nh[j], s->h[i], 32);
        }
        free(s->h);
        s->h = nh;
        s->cap = cap;
    }
    static const uint8_t z[32];
    uint64_t k;
    memcpy(&k, h, 8);
    size_t j = k & (s->cap - 1);
    while (memcmp(s->h[j], z, 32)) {
        if (!memcmp(s->h[j], h, 32)) return 1;
        j = (j + 1) & (s->cap - 1);
    }
    memcpy(s->h[j], h, 32);
    s->n++;
    return 0;
}

static int mismatch(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int mismatch(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ZS_ERR_CORRUPT;
}

/* One replay: the stored chain, and the chain being rebuilt beside it. */
typedef struct {
    zs_store_t *store;
    zs_state_t *st;
    zs_exec_t *x;
    zs_chain_params_t params;
    hashset_t seen;
    zs_txrec_t *recs;
    size_t ncap;
    zs_smt_ref_t root;
    uint8_t coinbase[20], prev_hash[32];
    uint64_t prev_ts;
    zs_verify_report_t *out;
} replay_t;

/* The genesis applied in memory must give block 0's state root. */
static int replay_genesis(replay_t *r, char *err, size_t errlen)
{
    char *text = NULL;
    int rc = zs_chaininit_params(r->store, &r->params, &text);
    if (rc) {
        snprintf(err, errlen, "no chain parameters or genesis in the database (%s)", zs_strerror(rc));
        return rc;
    }
    zs_genesis_t *g = zs_genesis_parse(text, strlen(text), err, errlen);
    free(text);
    if (!g) return ZS_ERR_CORRUPT;
    zs_state_opts_t sto = {0};
    if (!(r->st = zs_state_open(NULL, &sto, err, errlen))) rc = ZS_ERR_NOMEM;
    if (!rc) rc = zs_state_apply_genesis(r->st, g, err, errlen);
    zs_genesis_free(g);
    if (!rc) rc = zs_exec_genesis_timestamp(r->st, r->params.timestamp);
    if (!rc) rc = zs_state_commit(r->st, NULL, 0, &r->root, NULL);
    if (rc) return rc;
    zs_state_applied(r->st, 0, &r->root);
    zs_block_t blk;
    if ((rc = zs_chain_get_block(r->store, 0, &blk))) {
        snprintf(err, errlen, "block 0: %s", zs_strerror(rc));
        return rc;
    }
    uint8_t be[32];
    zs_smt_h4_to_be(r->root.hash, be);
    rc = memcmp(be, blk.state_root, 32) ? mismatch(err, errlen, "block 0: the genesis gives another state root") : 0;
    memcpy(r->coinbase, blk.coinbase, 20);
    memcpy(r->prev_hash, blk.hash, 32);
    memcpy(r->out->state_root, be, 32);
    r->prev_ts = blk.timestamp;
    zs_block_clear(&blk);
    return rc;
}

/* Transaction i of block blk (its record in r->recs[i]), replayed: NULL,
   or why it differs (a static phrase). */
static const char *replay_tx(replay_t *r, const zs_block_t *blk, uint32_t i)
{
    const zs_txrec_t *t = &r->recs[i];
    zs_tx_t tx;
    zs_perr_t pe;
    uint8_t sender[20];
    zs_exec_result_t res = {0};
    if (seen(&r->seen, t->hash)) return "is in two blocks";
    if (t->block != blk->number || t->index != i || memcmp(t->block_hash, blk->hash, 32))
        return "record names another block or position";
    if (zs_tx_decode(t->raw, t->raw_len, &tx, &pe) || zs_tx_recover(&tx, sender)) return "does not decode";
    if (memcmp(sender, t->sender, 20)) return "has another sender";
    if (zs_exec_tx(r->x, &tx, sender, t->eff_pct, &res)) return "state error on replay";
    if (res.reason != ZS_EXEC_OK) return zs_exec_reason_text(res.reason);
    if (res.gas_used != t->gas_used || res.cumulative_gas != t->cumulative_gas ||
        zs_u256_cmp(&res.effective_gas_price, &t->effective_gas_price) || memcmp(res.l2_tx_hash, t->l2_hash, 32))
        return "receipt differs on replay";
    return NULL;
}

/* The executor for blk's coinbase (a new one when the coinbase changed). */
static int executor_for(replay_t *r, const zs_block_t *blk)
{
    if (r->x && !memcmp(r->coinbase, blk->coinbase, 20)) return ZS_OK;
    zs_exec_free(r->x);
    zs_exec_cfg_t ec = {.chain_id = r->params.chain_id, .tx_gas_limit = ZS_TX_GAS_LIMIT, .base_fee = r->params.base_fee};
    memcpy(ec.coinbase, blk->coinbase, 20);
    memcpy(r->coinbase, blk->coinbase, 20);
    return (r->x = zs_exec_new(r->st, &ec)) ? ZS_OK : ZS_ERR_NOMEM;
}

/* Block num's transactions, replayed in order. */
static int replay_txs(replay_t *r, const zs_block_t *blk, char *err, size_t errlen)
{
    if (blk->ntx > r->ncap) {
        zs_txrec_t *nr = realloc(r->recs, blk->ntx * sizeof *nr);
        if (!nr) return ZS_ERR_NOMEM;
        r->recs = nr;
        r->ncap = blk->ntx;
    }
    for (uint32_t i = 0; i < blk->ntx; i++) {
        char hx[67];
        zs_hex_encode_0x(hx, blk->tx_hashes[i], 32);
        int rc = zs_chain_get_tx(r->store, blk->tx_hashes[i], &r->recs[i]);
        const char *why = rc ? NULL : replay_tx(r, blk, i);
        if (rc || why) {
            for (uint32_t k = 0; k < i + !rc; k++) zs_txrec_clear(&r->recs[k]);
            if (!rc) return mismatch(err, errlen, "block %llu: transaction %s %s", (unsigned long long)blk->number, hx, why);
            snprintf(err, errlen, "block %llu: transaction %s: %s", (unsigned long long)blk->number, hx, zs_strerror(rc));
            return rc;
        }
        r->out->txs++;
    }
    return ZS_OK;
}

/* Whether the block wrote a global exit root: it named an L1 info leaf,
   or it is a forced batch's block (the forced GER and L1 block hash). */
static int named_l1(const zs_block_t *b)
{
    static const uint8_t zero[32];
    return b->l1_index || memcmp(b->ger, zero, 32);
}

/* Block num: replayed, and its header compared with what replay gives. */
static int replay_block(replay_t *r, uint64_t num, char *err, size_t errlen)
{
    zs_block_t blk;
    int rc = zs_chain_get_block(r->store, num, &blk);
    if (rc) {
        snprintf(err, errlen, "block %llu: %s", (unsigned long long)num, zs_strerror(rc));
        return rc;
    }
    zs_exec_block_t eb;
    zs_l1_info_t leaf = {0}; /* the leaf the block named (its timestamp is not replayed) */
    memcpy(leaf.global_exit_root, blk.ger, 32);
    memcpy(leaf.block_hash, blk.block_hash_l1, 32);
    uint32_t delta = blk.timestamp > r->prev_ts ? (uint32_t)(blk.timestamp - r->prev_ts) : 0;
    if (memcmp(blk.parent, r->prev_hash, 32))
        rc = mismatch(err, errlen, "block %llu: parent hash is not block %llu's hash", (unsigned long long)num,
                      (unsigned long long)num - 1);
    else if (!(rc = executor_for(r, &blk)) && !(rc = zs_exec_block_begin(r->x, r->root.hash, delta, named_l1(&blk) ? &leaf : NULL, &eb)) &&
             (eb.number != num || eb.timestamp != blk.timestamp))
        rc = mismatch(err, errlen, "block %llu: number or timestamp differ on replay", (unsigned long long)num);
    int have_txs = !rc && !(rc = replay_txs(r, &blk, err, errlen));
    uint64_t gas_used, info_root[4];
    if (!rc) rc = zs_exec_block_end(r->x, &gas_used, info_root);
    if (!rc) rc = zs_state_commit(r->st, NULL, num, &r->root, NULL);
    uint8_t txr[32], rcr[32], h[32], be[32], info[32];
    if (!rc) {
        zs_state_applied(r->st, num, &r->root);
        rc = zs_block_roots(r->recs, blk.ntx, txr, rcr);
    }
    for (uint32_t k = 0; have_txs && k < blk.ntx; k++) zs_txrec_clear(&r->recs[k]);
    if (!rc) {
        zs_smt_h4_to_be(r->root.hash, be);
        zs_smt_h4_to_be(info_root, info);
        zs_block_hash(&blk, h);
        const char *why = memcmp(be, blk.state_root, 32)       ? "state root"
                          : gas_used != blk.gas_used           ? "gas used"
                          : memcmp(txr, blk.tx_root, 32)       ? "transactions root"
                          : memcmp(rcr, blk.receipts_root, 32) ? "receipts root"
                          : memcmp(h, blk.hash, 32)            ? "block hash"
                          : !zs_bytes_zero(blk.info_root, 32) && memcmp(info, blk.info_root, 32) ? "block info root"
                                                               : NULL;
        if (why) rc = mismatch(err, errlen, "block %llu: the %s differs on replay", (unsigned long long)num, why);
        memcpy(r->out->state_root, be, 32);
    }
    r->prev_ts = blk.timestamp;
    memcpy(r->prev_hash, blk.hash, 32);
    zs_block_clear(&blk);
    if (!rc) r->out->blocks++;
    return rc;
}

/* Batches: the data of each closed one is what its blocks give, and its
   data hash and the accInputHash chain are what the data gives. */
static int verify_batches(replay_t *r, char *err, size_t errlen)
{
    uint8_t acc[32] = {0};
    static const uint8_t zero[32];
    for (uint64_t bn = 1;; bn++) {
        zs_batchrec_t b;
        if (zs_chain_get_batch(r->store, bn, &b)) break;
        if (!b.closed) {
            zs_batchrec_clear(&b);
            break;
        }
        uint8_t bh[32], a[32], *derived;
        size_t dlen;
        zs_keccak256(b.l2data, b.l2len, bh);
        if (b.forced) /* L1's data, whole; the forced fields in the chain */
            zs_batch_acc_input_hash(acc, bh, b.forced_ger, b.forced_timestamp, b.coinbase, b.forced_block_hash, a);
        else
            zs_batch_acc_input_hash(acc, bh, zero, b.timestamp, b.coinbase, zero, a);
        int bad = memcmp(bh, b.batch_hash, 32) || memcmp(a, b.acc_input_hash, 32);
        /* A forced batch's blocks hold the transactions that ran, not every
           entry of L1's data: only a sequencer's batch is derived again. */
        if (!b.forced) {
            if (!bad && !zs_chain_batch_l2data(r->store, b.first_block, b.last_block, &derived, &dlen)) {
                bad = dlen != b.l2len || (dlen && memcmp(derived, b.l2data, dlen));
                free(derived);
            } else {
                bad = 1;
            }
        }
        zs_batchrec_clear(&b);
        if (bad)
            return mismatch(err, errlen, "batch %llu: batchHashData or accInputHash differs", (unsigned long long)bn);
        memcpy(acc, a, 32);
        r->out->batches++;
    }
    return ZS_OK;
}

int zs_verify_chain(const char *path, zs_verify_report_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    zs_store_opts_t so = {.cache_mb = 64};
    replay_t r = {.out = out};
    if (!(r.store = zs_schema_open(path, &so, err, errlen))) return ZS_ERR_IO;
    uint64_t head;
    int rc = zs_chain_head(r.store, &head) ? ZS_OK : mismatch(err, errlen, "the database has no chain head");
    if (!rc) rc = replay_genesis(&r, err, errlen);
    for (uint64_t num = 1; !rc && num <= head; num++) rc = replay_block(&r, num, err, errlen);
    if (!rc) rc = verify_batches(&r, err, errlen);
    free(r.recs);
    free(r.seen.h);
    zs_exec_free(r.x);
    zs_state_close(r.st);
    zs_store_close(r.store);
    return rc;
}
