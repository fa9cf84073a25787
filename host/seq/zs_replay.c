/* zs_node_replay: re-executes a stored chain from its genesis and checks
   that every stored result is what execution gives.  Used after crashes
   (the crash test), and by operators (`zkseq chain verify`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/seq/zs_node.h"
#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/batch/zs_batch.h"
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

int zs_node_replay(const char *path, zs_replay_report_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    zs_store_opts_t so = {.cache_mb = 64};
    zs_store_t *store = zs_schema_open(path, &so, err, errlen);
    if (!store) return ZS_ERR_IO;
    zs_state_t *st = NULL;
    zs_exec_t *x = NULL;
    json_t *genesis = NULL;
    hashset_t hs = {0};
    zs_block_t blk = {0};
    zs_txrec_t *recs = NULL;
    size_t ncap = 0;
    int rc;
    zs_node_params_t params;
    if ((rc = zs_node_read_params(store, &params, &genesis))) {
        snprintf(err, errlen, "no chain parameters or genesis in the database (%s)", zs_strerror(rc));
        goto out;
    }
    uint64_t head;
    if (!zs_chain_head(store, &head)) {
        rc = mismatch(err, errlen, "the database has no chain head");
        goto out;
    }
    zs_state_opts_t sto = {0};
    st = zs_state_open(NULL, &sto, err, errlen);
    if (!st) {
        rc = ZS_ERR_NOMEM;
        goto out;
    }
    if ((rc = zs_state_apply_genesis(st, genesis, err, errlen)) ||
        (rc = zs_exec_genesis_timestamp(st, params.timestamp)))
        goto out;
    zs_smt_ref_t root;
    if ((rc = zs_state_commit(st, NULL, 0, &root, NULL))) goto out;
    zs_state_applied(st, 0, &root);
    if ((rc = zs_chain_get_block(store, 0, &blk))) {
        snprintf(err, errlen, "block 0: %s", zs_strerror(rc));
        goto out;
    }
    uint8_t be[32];
    zs_smt_h4_to_be(root.hash, be);
    if (memcmp(be, blk.state_root, 32)) {
        rc = mismatch(err, errlen, "block 0: the genesis gives another state root");
        goto out;
    }
    uint8_t coinbase[20];
    memcpy(coinbase, blk.coinbase, 20);
    uint64_t prev_ts = blk.timestamp;
    uint8_t prev_hash[32];
    memcpy(prev_hash, blk.hash, 32);
    zs_block_clear(&blk);
    for (uint64_t num = 1; num <= head; num++) {
        if ((rc = zs_chain_get_block(store, num, &blk))) {
            snprintf(err, errlen, "block %llu: %s", (unsigned long long)num, zs_strerror(rc));
            goto out;
        }
        if (memcmp(blk.parent, prev_hash, 32)) {
            rc = mismatch(err, errlen, "block %llu: parent hash is not block %llu's hash", (unsigned long long)num,
                          (unsigned long long)num - 1);
            goto out;
        }
        if (!x || memcmp(coinbase, blk.coinbase, 20)) {
            zs_exec_free(x);
            zs_exec_cfg_t ec = {.chain_id = params.chain_id, .tx_gas_limit = ZS_TX_GAS_LIMIT, .base_fee = params.base_fee};
            memcpy(ec.coinbase, blk.coinbase, 20);
            memcpy(coinbase, blk.coinbase, 20);
            if (!(x = zs_exec_new(st, &ec))) {
                rc = ZS_ERR_NOMEM;
                goto out;
            }
        }
        zs_exec_block_t eb;
        uint32_t delta = blk.timestamp > prev_ts ? (uint32_t)(blk.timestamp - prev_ts) : 0;
        if ((rc = zs_exec_block_begin(x, root.hash, delta, NULL, &eb))) goto out;
        if (eb.number != num || eb.timestamp != blk.timestamp) {
            rc = mismatch(err, errlen, "block %llu: number or timestamp differ on replay", (unsigned long long)num);
            goto out;
        }
        if (blk.ntx > ncap) {
            zs_txrec_t *nr = realloc(recs, blk.ntx * sizeof *nr);
            if (!nr) {
                rc = ZS_ERR_NOMEM;
                goto out;
            }
            recs = nr;
            ncap = blk.ntx;
        }
        for (uint32_t i = 0; i < blk.ntx; i++) {
            zs_txrec_t *t = &recs[i];
            char hx[67];
            zs_hex_encode_0x(hx, blk.tx_hashes[i], 32);
            if ((rc = zs_chain_get_tx(store, blk.tx_hashes[i], t))) {
                for (uint32_t k = 0; k < i; k++) zs_txrec_clear(&recs[k]);
                snprintf(err, errlen, "block %llu: transaction %s: %s", (unsigned long long)num, hx, zs_strerror(rc));
                goto out;
            }
            int dup = seen(&hs, t->hash);
            zs_tx_t tx;
            zs_perr_t pe;
            uint8_t sender[20];
            zs_exec_result_t r = {0};
            const char *why = NULL;
            if (dup)
                why = "is in two blocks";
            else if (t->block != num || t->index != i || memcmp(t->block_hash, blk.hash, 32))
                why = "record names another block or position";
            else if (zs_tx_decode(t->raw, t->raw_len, &tx, &pe) || zs_tx_recover(&tx, sender))
                why = "does not decode";
            else if (memcmp(sender, t->sender, 20))
                why = "has another sender";
            else if ((rc = zs_exec_tx(x, &tx, sender, t->eff_pct, &r)))
                why = "state error on replay";
            else if (r.reason != ZS_EXEC_OK)
                why = zs_exec_reason_text(r.reason);
            else if (r.gas_used != t->gas_used || r.cumulative_gas != t->cumulative_gas ||
                     zs_u256_cmp(&r.effective_gas_price, &t->effective_gas_price) ||
                     memcmp(r.l2_tx_hash, t->l2_hash, 32))
                why = "receipt differs on replay";
            if (why) {
                for (uint32_t k = 0; k <= i; k++) zs_txrec_clear(&recs[k]);
                rc = mismatch(err, errlen, "block %llu: transaction %s %s", (unsigned long long)num, hx, why);
                goto out;
            }
            out->txs++;
        }
        uint64_t gas_used, info_root[4];
        if ((rc = zs_exec_block_end(x, &gas_used, info_root))) goto out;
        if ((rc = zs_state_commit(st, NULL, num, &root, NULL))) goto out;
        zs_state_applied(st, num, &root);
        uint8_t txr[32], rcr[32], h[32];
        rc = zs_block_roots(recs, blk.ntx, txr, rcr);
        for (uint32_t k = 0; k < blk.ntx; k++) zs_txrec_clear(&recs[k]);
        if (rc) goto out;
        zs_smt_h4_to_be(root.hash, be);
        zs_block_hash(&blk, h);
        const char *why = memcmp(be, blk.state_root, 32)    ? "state root"
                          : gas_used != blk.gas_used        ? "gas used"
                          : memcmp(txr, blk.tx_root, 32)    ? "transactions root"
                          : memcmp(rcr, blk.receipts_root, 32) ? "receipts root"
                          : memcmp(h, blk.hash, 32)         ? "block hash"
                                                            : NULL;
        if (why) {
            rc = mismatch(err, errlen, "block %llu: the %s differs on replay", (unsigned long long)num, why);
            goto out;
        }
        prev_ts = blk.timestamp;
        memcpy(prev_hash, blk.hash, 32);
        zs_block_clear(&blk);
        out->blocks++;
    }
    memcpy(out->state_root, be, 32);
    /* Batches: data hash and the accInputHash chain of the closed ones. */
    uint8_t acc[32] = {0};
    static const uint8_t zero[32];
    for (uint64_t bn = 1;; bn++) {
        zs_batchrec_t b;
        if (zs_chain_get_batch(store, bn, &b)) break;
        if (!b.closed) {
            zs_batchrec_clear(&b);
            break;
        }
        uint8_t bh[32], a[32], *derived;
        size_t dlen;
        zs_keccak256(b.l2data, b.l2len, bh);
        zs_batch_acc_input_hash(acc, bh, zero, b.timestamp, b.coinbase, zero, a);
        int bad = memcmp(bh, b.batch_hash, 32) || memcmp(a, b.acc_input_hash, 32);
        /* The stored data is exactly what its blocks give. */
        if (!bad && !zs_chain_batch_l2data(store, b.first_block, b.last_block, &derived, &dlen)) {
            bad = dlen != b.l2len || (dlen && memcmp(derived, b.l2data, dlen));
            free(derived);
        } else {
            bad = 1;
        }
        zs_batchrec_clear(&b);
        if (bad) {
            rc = mismatch(err, errlen, "batch %llu: batchHashData or accInputHash differs", (unsigned long long)bn);
            goto out;
        }
        memcpy(acc, a, 32);
        out->batches++;
    }
    rc = ZS_OK;
out:
    zs_block_clear(&blk);
    free(recs);
    free(hs.h);
    zs_exec_free(x);
    zs_state_close(st);
    json_decref(genesis);
    zs_store_close(store);
    return rc;
}
