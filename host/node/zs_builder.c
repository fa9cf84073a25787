#include "host/node/zs_builder.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/exec/zs_exec_batch.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"

/* The pool hands over up to CHUNK transactions at a time (one per sender),
   their keys and L2 hashes are derived in lane-parallel batches, then they
   run in order. */
#define CHUNK 128

/* What the block being built has gathered (buffers reused block to block). */
typedef struct {
    zs_txrec_t *recs;
    size_t n, cap;
    uint8_t (*touched)[20]; /* accounts whose committed values change */
    size_t nt, capt;
    uint8_t bloom[256];     /* the OR of its logs' blooms */
} block_work_t;

/* The block being built. */
typedef struct {
    zs_exec_block_t blk;
    uint32_t l1_index;        /* the L1 info leaf its changeL2Block names (0: none) */
    uint64_t start_ms;        /* wall clock */
    uint64_t t_begin, t_exec; /* monotonic ns: the block's start, time executing */
    zs_policy_now_t pn;       /* the policy at the block's start */
    int full;                 /* the open batch took no more */
} block_t;

struct zs_builder {
    zs_builder_cfg_t cfg;
    pthread_t thread;

    pthread_mutex_t mu; /* guards the control flags; cv wakes a parked thread */
    pthread_cond_t cv;
    int paused, parked, stopping;
    int failed;         /* atomic */

    /* The sequencer thread's own. */
    zs_view_head_t head; /* the last block built (perhaps still being written) */
    uint64_t forced_last; /* the last forced batch (L1's number) the chain holds */
    uint64_t forced_held; /* an empty forced batch it cannot run (alarmed once) */
    zs_job_t jobs[2];    /* one being written by the committer, one being built */
    int cur;
    block_work_t w;
};

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int touch(block_work_t *w, const uint8_t a[20])
{
    if (w->nt == w->capt) {
        size_t c = w->capt ? 2 * w->capt : 64;
        uint8_t(*nt)[20] = realloc(w->touched, c * 20);
        if (!nt) return ZS_ERR_NOMEM;
        w->touched = nt;
        w->capt = c;
    }
    memcpy(w->touched[w->nt++], a, 20);
    return ZS_OK;
}

/* The open batch's published copy, and close requests it answered. */
static void publish_open(zs_builder_t *b)
{
    zs_batcher_publish(b->cfg.batcher);
    zs_policyctl_forget_close(b->cfg.policy, zs_batcher_number(b->cfg.batcher));
}

/* ---- One block. */

static int open_block(zs_builder_t *b, block_t *k)
{
    memset(k, 0, sizeof *k);
    k->start_ms = now_ms();
    k->t_begin = zs_mono_ns();
    uint64_t ts = k->start_ms / 1000;
    uint32_t delta = ts > b->head.timestamp ? (uint32_t)(ts - b->head.timestamp) : 0;
    /* A newer L1 info leaf, deep enough on L1 and not after the block's time. */
    zs_l1_leaf_t leaf;
    zs_l1_info_t info, *l1 = NULL;
    if (b->cfg.l1view && zs_l1view_leaf_for_block(b->cfg.l1view, b->head.timestamp + delta, b->head.l1_last,
                                                  b->head.l1_last != 0, &leaf)) {
        memcpy(info.global_exit_root, leaf.ger, 32);
        memcpy(info.block_hash, leaf.block_hash, 32);
        info.timestamp = leaf.min_timestamp;
        l1 = &info;
        k->l1_index = leaf.index;
    }
    int rc = zs_exec_block_begin(b->cfg.exec, b->head.root.hash, delta, l1, &k->blk);
    int level = zs_smt_max_level(zs_state_tree(b->cfg.st));
    zs_exec_set_mcp(b->cfg.exec, zs_vcount_mcp((uint32_t)level, 1));
    if (!rc) rc = zs_batcher_begin_block(b->cfg.batcher, delta, k->l1_index, k->start_ms, level);
    if (rc) return rc;
    zs_policyctl_now(b->cfg.policy, &k->pn);
    b->w.n = b->w.nt = 0;
    memset(b->w.bloom, 0, sizeof b->w.bloom);
    return touch(&b->w, b->cfg.coinbase);
}

/* An executed transaction: its record (status, logs, the contract it
   made), its batch entry and counters, the accounts it changed. */
static int record_tx(zs_builder_t *b, const block_t *k, const zs_pool_item_t *it, const zs_exec_result_t *r)
{
    block_work_t *w = &b->w;
    if (w->n == w->cap) {
        size_t c = w->cap ? 2 * w->cap : 256;
        zs_txrec_t *nr = realloc(w->recs, c * sizeof *nr);
        if (!nr) return ZS_ERR_NOMEM;
        w->recs = nr;
        w->cap = c;
    }
    zs_txrec_t *t = &w->recs[w->n++];
    memset(t, 0, sizeof *t);
    t->block = k->blk.number;
    t->index = r->index;
    t->status = (uint8_t)r->status;
    t->eff_pct = 0xff;
    t->gas_used = r->gas_used;
    t->cumulative_gas = r->cumulative_gas;
    t->effective_gas_price = r->effective_gas_price;
    t->first_log = r->first_log;
    memcpy(t->hash, it->tx->hash, 32);
    memcpy(t->sender, it->sender, 20);
    memcpy(t->l2_hash, r->l2_tx_hash, 32);
    if (r->created) {
        t->has_contract = 1;
        memcpy(t->contract, r->contract, 20);
    }
    if (!(t->raw = malloc(it->raw_len))) return ZS_ERR_NOMEM;
    memcpy(t->raw, it->raw, it->raw_len);
    t->raw_len = it->raw_len;
    int rc = 0;
    if (r->nlogs && !(rc = zs_logs_encode(r->logs, r->nlogs, &t->logs, &t->logs_len)))
        zs_logs_bloom(t->logs, t->logs_len, w->bloom);
    if (!rc) rc = zs_batcher_add_tx(b->cfg.batcher, it->tx, it->raw_len, r->gas_used, &r->counters);
    if (!rc) rc = touch(w, it->sender);
    if (!rc && it->tx->has_to) rc = touch(w, it->tx->to);
    for (size_t i = 0; !rc && i < r->ntouched; i++) rc = touch(w, r->touched[i]);
    return rc;
}

static const char out_of_counters[] =
    "out_of_counters: the transaction needs more than a whole batch's virtual counters (fork 12's prover budgets)";

/* One transaction within the open batch's counters: *ran is 1 when it ran
   (or was ejected), 0 when it must wait for the next batch. */
static int run_one(zs_builder_t *b, block_t *k, const zs_pool_item_t *it, const uint8_t l2[32], int *ran)
{
    zs_vcount_t room;
    int empty;
    zs_exec_result_t r;
    int rc = zs_batcher_room(b->cfg.batcher, it->tx, &room, &empty);
    if (rc) return rc;
    uint64_t t0 = zs_mono_ns();
    rc = zs_exec_tx_fit(b->cfg.exec, it->tx, it->sender, 0xff, l2, &room, &r);
    k->t_exec += zs_mono_ns() - t0;
    if (rc) return rc;
    *ran = 1;
    if (r.reason == ZS_EXEC_OK) {
        if ((rc = record_tx(b, k, it, &r))) return rc;
        zs_pool_done(b->cfg.pool, it, 1);
    } else if (r.reason == ZS_EXEC_OUT_OF_COUNTERS && !empty) {
        *ran = 0;
    } else {
        zs_ejected_add(b->cfg.ejected, it->tx->hash,
                       r.reason == ZS_EXEC_OUT_OF_COUNTERS ? out_of_counters : zs_exec_reason_text(r.reason));
        zs_pool_done(b->cfg.pool, it, 0);
    }
    return ZS_OK;
}

/* Runs have transactions in order; one the open batch cannot take sends
   it and the rest of the chunk back to the pool and ends the block. */
static int run_chunk(zs_builder_t *b, block_t *k, zs_pool_item_t *items, size_t have)
{
    const zs_tx_t *txs[CHUNK];
    uint8_t senders[CHUNK][20], l2[CHUNK][32];
    for (size_t i = 0; i < have; i++) {
        txs[i] = items[i].tx;
        memcpy(senders[i], items[i].sender, 20);
    }
    uint64_t t0 = zs_mono_ns();
    int rc = zs_exec_prepare(b->cfg.exec, txs, (const uint8_t(*)[20])senders, have, l2);
    k->t_exec += zs_mono_ns() - t0;
    if (rc) return rc;
    for (size_t i = 0; i < have; i++) {
        const zs_pool_item_t *it = &items[i];
        int ran = 0;
        if (zs_batcher_fits(b->cfg.batcher, &k->pn.policy, it->raw_len, it->tx->gas)) {
            if ((rc = run_one(b, k, it, l2[i], &ran))) return rc;
            if (!ran) zs_batcher_counters_full(b->cfg.batcher);
        }
        if (!ran) {
            for (size_t j = i; j < have; j++) zs_pool_requeue(b->cfg.pool, &items[j]);
            k->full = 1;
            return ZS_OK;
        }
    }
    return ZS_OK;
}

/* Executes first and what follows it until the block is due to close. */
static int execute(zs_builder_t *b, block_t *k, const zs_pool_item_t *first)
{
    zs_pool_item_t items[CHUNK];
    items[0] = *first;
    size_t have = 1;
    uint32_t max = b->cfg.max_block_txs;
    while (have) {
        size_t room = max > b->w.n ? max - b->w.n : 1;
        while (have < CHUNK && have < room && zs_pool_next(b->cfg.pool, 0, &items[have]) == ZS_OK) have++;
        int rc = run_chunk(b, k, items, have);
        if (rc) return rc;
        have = 0;
        if (k->full || b->w.n >= max || now_ms() - k->start_ms >= k->pn.block_time_ms) break;
        if (zs_pool_next(b->cfg.pool, 0, &items[0]) == ZS_OK) have = 1;
    }
    return ZS_OK;
}

/* The block's header and records into the job's store batch; the open
   batch extended, or closed when due. */
static int record_block(zs_builder_t *b, const block_t *k, zs_job_t *job, const zs_smt_ref_t *root, uint64_t gas_used,
                        const zs_batcher_forced_t *forced)
{
    block_work_t *w = &b->w;
    zs_block_t block = {0};
    block.number = k->blk.number;
    block.timestamp = k->blk.timestamp;
    block.gas_used = gas_used;
    block.gas_limit = ZS_BLOCK_GAS_LIMIT;
    block.batch = zs_batcher_number(b->cfg.batcher);
    block.l1_index = k->l1_index;
    block.l1_last = k->l1_index ? k->l1_index : b->head.l1_last;
    /* the leaf it named, or a forced batch's GER and L1 block hash */
    memcpy(block.ger, k->blk.ger, 32);
    memcpy(block.block_hash_l1, k->blk.block_hash_l1, 32);
    job->head.l1_last = block.l1_last;
    memcpy(block.parent, b->head.hash, 32);
    zs_smt_h4_to_be(root->hash, block.state_root);
    memcpy(block.coinbase, b->cfg.coinbase, 20);
    memcpy(block.bloom, w->bloom, 256);
    block.ntx = (uint32_t)w->n;
    if (!(block.tx_hashes = malloc((w->n ? w->n : 1) * 32))) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < w->n; i++) memcpy(block.tx_hashes[i], w->recs[i].hash, 32);
    int rc = zs_block_roots(w->recs, w->n, block.tx_root, block.receipts_root);
    if (rc) {
        zs_block_clear(&block);
        return rc;
    }
    zs_block_hash(&block, block.hash);
    zs_chain_put_block(job->b, &block);
    for (size_t i = 0; i < w->n; i++) {
        memcpy(w->recs[i].block_hash, block.hash, 32);
        zs_chain_put_tx(job->b, &w->recs[i]);
    }
    zs_batcher_end_block(b->cfg.batcher, block.number, block.timestamp, block.state_root);
    zs_policy_now_t pn;
    zs_policyctl_now(b->cfg.policy, &pn);
    zs_batch_close_t why = forced ? ZS_BATCH_CLOSE_NONE : zs_batcher_due(b->cfg.batcher, &pn, now_ms());
    if (forced) {
        zs_batcher_close_forced(b->cfg.batcher, job->b, forced, &job->closed);
        zs_chain_put_forced_last(job->b, forced->number);
    } else if (why) {
        zs_batcher_close(b->cfg.batcher, job->b, why, &job->closed);
    } else {
        zs_batcher_put(b->cfg.batcher, job->b);
    }
    publish_open(b);
    zs_chain_put_head(job->b, block.number);
    memcpy(job->head.hash, block.hash, 32);
    zs_block_clear(&block);
    return ZS_OK;
}

/* What the committer publishes once the block is durable: the touched
   accounts' values now (the tree moves on with the next block), the
   transactions' hashes, the pool rows to delete. */
static int fill_job(zs_builder_t *b, zs_job_t *job)
{
    block_work_t *w = &b->w;
    if (w->nt > job->capfresh) {
        zs_view_account_t *nf = realloc(job->fresh, w->nt * sizeof *nf);
        if (!nf) return ZS_ERR_NOMEM;
        job->fresh = nf;
        job->capfresh = w->nt;
    }
    job->nfresh = 0;
    for (size_t i = 0; i < w->nt; i++) {
        zs_view_account_t *f = &job->fresh[job->nfresh];
        if (zs_state_nonce(b->cfg.st, w->touched[i], &f->nonce) ||
            zs_state_balance(b->cfg.st, w->touched[i], &f->balance))
            continue;
        memcpy(f->addr, w->touched[i], 20);
        job->nfresh++;
    }
    if (w->n > job->caphashes) {
        uint8_t(*nh)[32] = realloc(job->hashes, w->n * 32);
        if (!nh) return ZS_ERR_NOMEM;
        job->hashes = nh;
        job->caphashes = w->n;
    }
    for (size_t i = 0; i < w->n; i++) memcpy(job->hashes[i], w->recs[i].hash, 32);
    job->nhashes = job->ntx = w->n;
    zs_pool_take_done(b->cfg.pool, &job->done_rows, &job->ndone);
    return ZS_OK;
}

static void drop_recs(zs_builder_t *b)
{
    for (size_t i = 0; i < b->w.n; i++) zs_txrec_clear(&b->w.recs[i]);
    b->w.n = 0;
}

/* The executed block k committed, recorded and handed to job (forced: it
   seals that forced batch); the builder's head moves to it. */
static int seal_block(zs_builder_t *b, const block_t *k, zs_job_t *job, uint64_t gas_used,
                      const zs_batcher_forced_t *forced)
{
    uint64_t t_commit0 = zs_mono_ns();
    zs_smt_ref_t root;
    int rc;
    if ((rc = zs_state_commit(b->cfg.st, job->b, k->blk.number, &root, NULL))) return rc;
    uint64_t t_records0 = zs_mono_ns();
    if ((rc = record_block(b, k, job, &root, gas_used, forced))) return rc;
    uint64_t t_records1 = zs_mono_ns();
    zs_state_applied(b->cfg.st, k->blk.number, &root);
    if ((rc = fill_job(b, job))) return rc;
    job->has_block = 1;
    job->head.number = k->blk.number;
    job->head.timestamp = k->blk.timestamp;
    job->head.root = root;
    job->ns_exec = k->t_exec;
    /* The loop's time outside execution is pool hand-over and encoding:
       counted with the block. */
    job->ns_block = (t_commit0 - k->t_begin) - k->t_exec;
    job->ns_commit = t_records0 - t_commit0;
    job->ns_records = t_records1 - t_records0;
    b->head = job->head;
    drop_recs(b);
    return ZS_OK;
}

/* Builds, executes and seals one block starting with first into job. */
static int build_block(zs_builder_t *b, const zs_pool_item_t *first, zs_job_t *job)
{
    block_t k;
    int rc = open_block(b, &k);
    if (!rc) rc = execute(b, &k, first);
    uint64_t gas_used, info_root[4];
    if (!rc) rc = zs_exec_block_end(b->cfg.exec, &gas_used, info_root);
    return rc ? rc : seal_block(b, &k, job, gas_used, NULL);
}

/* ---- Forced batches: L1's transactions, whole, as Polygon's processor
   runs a forced batch (zs_exec_batch: one block with the forced timestamp,
   global exit root and L1 block hash; transactions that fail a check are
   skipped; a batch that does not decode, holds a changeL2Block or runs out
   of counters is thrown away, leaving the state as it was). */

/* What the counters have left of fork 12's budgets. */
static void counters_left(const zs_vcount_t *used, zs_vcount_t *room)
{
    zs_vcount_t lim;
    zs_vcount_limits(12, &lim);
    const uint64_t *u = &used->steps, *l = &lim.steps;
    uint64_t *r = &room->steps;
    for (int i = 0; i < 8; i++) r[i] = u[i] < l[i] ? l[i] - u[i] : 0;
}

/* Runs the forced batch's transactions in the open forced block; *invalid
   when the batch runs out of counters. */
static int forced_txs(zs_builder_t *b, block_t *k, zs_exec_entry_t *v, size_t n, zs_vcount_t *used,
                      const char **invalid)
{
    const zs_tx_t **txs = calloc(n + 1, sizeof *txs);
    uint8_t(*senders)[20] = calloc(n + 1, 20), (*l2)[32] = calloc(n + 1, 32);
    size_t m = 0;
    int rc = txs && senders && l2 ? ZS_OK : ZS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        if (v[i].ent.kind == ZS_BATCH_ENTRY_TX && !v[i].why) {
            txs[m] = &v[i].tx;
            memcpy(senders[m++], v[i].sender, 20);
        }
    if (!rc) rc = zs_exec_prepare(b->cfg.exec, txs, (const uint8_t(*)[20])senders, m, l2);
    for (size_t i = 0, j = 0; !rc && !*invalid && i < n; i++) {
        zs_exec_entry_t *x = &v[i];
        if (x->ent.kind != ZS_BATCH_ENTRY_TX) continue;
        if (x->why) {
            zs_log(ZS_LOG_INFO, "seq", "forced batch: transaction %zu skipped (%s)", i, x->why);
            continue;
        }
        zs_vcount_t room;
        zs_exec_result_t r;
        counters_left(used, &room);
        if ((rc = zs_exec_tx_fit(b->cfg.exec, &x->tx, x->sender, x->ent.effective_percentage, l2[j++], &room, &r)))
            break;
        if (r.reason == ZS_EXEC_OUT_OF_COUNTERS) {
            *invalid = "out of counters: the prover would throw the batch away (fork 12 budgets)";
        } else if (r.reason == ZS_EXEC_OK) {
            zs_pool_item_t it = {.tx = &x->tx, .raw = x->tx.raw, .raw_len = x->tx.raw_len};
            memcpy(it.sender, x->sender, 20);
            zs_vcount_sum(used, &r.counters);
            if (!(rc = record_tx(b, k, &it, &r))) b->w.recs[b->w.n - 1].eff_pct = x->ent.effective_percentage;
        } else {
            zs_log(ZS_LOG_INFO, "seq", "forced batch: transaction %zu skipped (%s)", i, zs_exec_reason_text(r.reason));
        }
    }
    free(txs);
    free(senders);
    free(l2);
    return rc;
}

/* Opens the forced block: the timestamp max(forced, previous), the forced
   global exit root and L1 block hash. */
static int open_forced_block(zs_builder_t *b, block_t *k, const zs_l1_forced_t *f, zs_vcount_t *used)
{
    memset(k, 0, sizeof *k);
    k->start_ms = now_ms();
    k->t_begin = zs_mono_ns();
    zs_l1_info_t l1 = {0};
    memcpy(l1.global_exit_root, f->ger, 32);
    memcpy(l1.block_hash, f->block_hash, 32);
    uint32_t delta = f->timestamp > b->head.timestamp ? (uint32_t)(f->timestamp - b->head.timestamp) : 0;
    int level = zs_smt_max_level(zs_state_tree(b->cfg.st));
    zs_exec_set_mcp(b->cfg.exec, zs_vcount_mcp((uint32_t)level, 1));
    zs_vacc_t acc = {0};
    zs_vcount_change_l2_block(&acc, 0);
    zs_vcount_add(used, &acc, zs_vcount_mcp((uint32_t)level, 1));
    int rc = zs_exec_block_begin(b->cfg.exec, b->head.root.hash, delta, &l1, &k->blk);
    if (!rc) rc = zs_batcher_begin_block(b->cfg.batcher, delta, 0, k->start_ms, level);
    if (rc) return rc;
    zs_policyctl_now(b->cfg.policy, &k->pn);
    b->w.n = b->w.nt = 0;
    memset(b->w.bloom, 0, sizeof b->w.bloom);
    return touch(&b->w, b->cfg.coinbase);
}

/* The forced batch's one block into job; *invalid when it is thrown away
   (the state is then as it was). */
static int forced_block(zs_builder_t *b, const zs_l1_forced_t *f, zs_exec_entry_t *v, size_t n, zs_vcount_t *used,
                        zs_job_t *job, const zs_batcher_forced_t *bf, const char **invalid)
{
    block_t k;
    uint64_t gas_used, info_root[4];
    int rc = open_forced_block(b, &k, f, used);
    if (!rc) rc = forced_txs(b, &k, v, n, used, invalid);
    if (!rc) rc = zs_exec_block_end(b->cfg.exec, &gas_used, info_root);
    zs_vcount_t lim;
    zs_vcount_limits(12, &lim);
    if (!rc && !*invalid && zs_vcount_over(used, &lim))
        *invalid = "out of counters: the prover would throw the batch away (fork 12 budgets)";
    if (rc || *invalid) {
        drop_recs(b);
        return rc ? rc : zs_state_discard(b->cfg.st, &b->head.root);
    }
    return seal_block(b, &k, job, gas_used, bf);
}

/* Why a forced batch is thrown away before it runs (NULL: it runs). */
static const char *forced_check(zs_builder_t *b, const zs_l1_forced_t *f, zs_exec_entry_t **v, size_t *n,
                                zs_vcount_t *used)
{
    const char *why = zs_exec_batch_decode(f->data, f->len, b->cfg.chain_id, v, n);
    for (size_t i = 0; !why && i < *n; i++)
        if ((*v)[i].ent.kind == ZS_BATCH_ENTRY_TX && (*v)[i].ent.type != 0 && !b->cfg.typed_txs)
            why = "a transaction does not decode (Failed to RLP decode signing data)"; /* fork 12: legacy only */
    int level = zs_smt_max_level(zs_state_tree(b->cfg.st));
    if (!why) why = zs_exec_batch_precount(f->len, *v, *n, 1, (uint32_t)level, used);
    return why;
}

/* Runs forced batch `number` as a batch of its own, after the open batch
   is closed; it is sealed with the forced fields and handed over like
   every other. */
static int run_forced(zs_builder_t *b, const zs_l1_forced_t *f)
{
    zs_job_t *job = &b->jobs[b->cur];
    if (zs_batcher_has_blocks(b->cfg.batcher)) {
        zs_job_reset(job);
        zs_batcher_close(b->cfg.batcher, job->b, ZS_BATCH_CLOSE_FORCED, &job->closed);
        publish_open(b);
        zs_committer_submit(b->cfg.committer, job);
        b->cur ^= 1;
        job = &b->jobs[b->cur];
    }
    zs_committer_wait_idle(b->cfg.committer); /* a discard reads the tree back from the store */
    zs_job_reset(job);
    zs_batcher_forced_t bf = {.number = f->number, .timestamp = f->timestamp, .data = f->data, .len = f->len};
    memcpy(bf.ger, f->ger, 32);
    memcpy(bf.block_hash, f->block_hash, 32);
    zs_exec_entry_t *v = NULL;
    size_t n = 0;
    zs_vcount_t used = {0};
    const char *invalid = forced_check(b, f, &v, &n, &used);
    int rc = 0;
    if (!invalid) rc = forced_block(b, f, v, n, &used, job, &bf, &invalid);
    zs_exec_entries_free(v, n);
    if (rc) return rc;
    if (invalid) {
        bf.invalid = 1;
        zs_smt_h4_to_be(b->head.root.hash, bf.state_root);
        zs_batcher_close_forced(b->cfg.batcher, job->b, &bf, &job->closed);
        zs_chain_put_forced_last(job->b, f->number);
        publish_open(b);
        zs_log(ZS_LOG_WARN, "seq", "forced batch %llu is invalid and sequenced as such: %s",
               (unsigned long long)f->number, invalid);
    } else {
        zs_log(ZS_LOG_INFO, "seq", "forced batch %llu executed in block %llu", (unsigned long long)f->number,
               (unsigned long long)b->head.number);
    }
    b->forced_last = f->number;
    zs_committer_submit(b->cfg.committer, job);
    b->cur ^= 1;
    return ZS_OK;
}

/* The next forced batch, when L1 queued one deep enough: 1 when it ran. */
static int forced_due(zs_builder_t *b, int *rc)
{
    *rc = 0;
    if (!b->cfg.l1view || zs_l1view_forced_deep(b->cfg.l1view) <= b->forced_last) return 0;
    zs_l1_forced_t f;
    if ((*rc = zs_l1rec_forced(b->cfg.store, b->forced_last + 1, &f))) {
        if (*rc == ZS_ERR_NOTFOUND) *rc = 0; /* the follower started after it: nothing to run */
        return 0;
    }
    if (!f.len) {
        /* Polygon's processor changes the state for an empty forced batch
           without a block, which this chain (a version per block) cannot
           record: held, with an alarm, rather than sequenced wrong. */
        if (b->forced_held != f.number)
            zs_log(ZS_LOG_ERROR, "seq", "ALARM forced batch %llu is empty: zkseq does not sequence empty forced "
                   "batches yet; it and the forced batches after it wait", (unsigned long long)f.number);
        b->forced_held = f.number;
        zs_l1_forced_clear(&f);
        return 0;
    }
    *rc = run_forced(b, &f);
    zs_l1_forced_clear(&f);
    return 1;
}

/* ---- The thread. */

/* Parks while paused; 1 when the builder must end. */
static int wait_while_paused(zs_builder_t *b)
{
    pthread_mutex_lock(&b->mu);
    while (b->paused && !b->stopping && !zs_builder_failed(b)) {
        b->parked = 1; /* zs_builder_pause waits for this */
        pthread_cond_broadcast(&b->cv);
        pthread_cond_wait(&b->cv, &b->mu);
    }
    b->parked = 0;
    int stop = b->stopping || zs_builder_failed(b);
    pthread_mutex_unlock(&b->mu);
    return stop;
}

/* Nothing to run: a batch may be due by age. */
static void close_idle_batch(zs_builder_t *b, zs_job_t *job)
{
    zs_policy_now_t pn;
    zs_policyctl_now(b->cfg.policy, &pn);
    zs_batch_close_t why = zs_batcher_due(b->cfg.batcher, &pn, now_ms());
    if (!why) return;
    zs_job_reset(job);
    zs_batcher_close(b->cfg.batcher, job->b, why, &job->closed);
    publish_open(b);
    zs_committer_submit(b->cfg.committer, job);
    b->cur ^= 1;
}

static void *builder_main(void *arg)
{
    zs_builder_t *b = arg;
    while (!wait_while_paused(b)) {
        zs_pool_item_t it;
        int rc;
        if (forced_due(b, &rc) || rc) {
            if (!rc) continue;
            b->cfg.fail(b->cfg.fail_ctx, "running a forced batch", rc);
            break;
        }
        zs_job_t *job = &b->jobs[b->cur];
        int got = zs_pool_next(b->cfg.pool, 200, &it) == ZS_OK;
        if (got && zs_builder_is_paused(b)) {
            zs_pool_requeue(b->cfg.pool, &it); /* paused while it waited: the transaction stays pooled */
            continue;
        }
        if (!got) {
            close_idle_batch(b, job);
            continue;
        }
        /* This job was handed over two submissions ago, and the last
           submission waited for it to be written: it is free. */
        zs_job_reset(job);
        zs_pool_set_block(b->cfg.pool, b->head.number + 1);
        rc = build_block(b, &it, job);
        if (rc) {
            b->cfg.fail(b->cfg.fail_ctx, "building a block", rc);
            break;
        }
        zs_committer_submit(b->cfg.committer, job);
        b->cur ^= 1;
    }
    zs_committer_wait_idle(b->cfg.committer);
    return NULL;
}

zs_builder_t *zs_builder_start(const zs_builder_cfg_t *cfg, char *err, size_t errlen)
{
    zs_builder_t *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->cfg = *cfg;
    b->head = cfg->head;
    b->forced_last = cfg->forced_last;
    b->paused = cfg->paused;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    for (int i = 0; i < 2; i++)
        if (!(b->jobs[i].b = zs_store_batch_new(cfg->store))) goto fail;
    if (pthread_create(&b->thread, NULL, builder_main, b)) goto fail;
    return b;
fail:
    snprintf(err, errlen, "cannot start the sequencer thread");
    for (int i = 0; i < 2; i++) zs_store_batch_free(b->jobs[i].b);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
    return NULL;
}

void zs_builder_stop(zs_builder_t *b)
{
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    for (size_t i = 0; i < b->w.n; i++) zs_txrec_clear(&b->w.recs[i]);
    free(b->w.recs);
    free(b->w.touched);
    for (int i = 0; i < 2; i++) {
        zs_store_batch_free(b->jobs[i].b);
        free(b->jobs[i].fresh);
        free(b->jobs[i].done_rows);
        free(b->jobs[i].hashes);
    }
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

void zs_builder_pause(zs_builder_t *b)
{
    struct timespec deadline = zs_deadline_ms(10000);
    pthread_mutex_lock(&b->mu);
    b->paused = 1;
    while (!b->parked && !b->stopping && !zs_builder_failed(b))
        if (pthread_cond_timedwait(&b->cv, &b->mu, &deadline)) break;
    pthread_mutex_unlock(&b->mu);
}

void zs_builder_resume(zs_builder_t *b)
{
    pthread_mutex_lock(&b->mu);
    b->paused = 0;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

int zs_builder_is_paused(zs_builder_t *b)
{
    pthread_mutex_lock(&b->mu);
    int p = b->paused;
    pthread_mutex_unlock(&b->mu);
    return p;
}

void zs_builder_set_failed(zs_builder_t *b)
{
    pthread_mutex_lock(&b->mu);
    __atomic_store_n(&b->failed, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

int zs_builder_failed(const zs_builder_t *b)
{
    return __atomic_load_n(&b->failed, __ATOMIC_RELAXED);
}
