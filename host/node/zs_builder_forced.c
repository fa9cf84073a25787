#include "host/node/zs_builder_int.h"

#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/exec/zs_exec_batch.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"

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
            if (!(rc = builder_record_tx(b, k, &it, &r))) b->w.recs[b->w.n - 1].eff_pct = x->ent.effective_percentage;
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
    memcpy(k->coinbase, b->cfg.coinbase, 20);
    k->start_ms = builder_now_ms();
    k->t_begin = zs_mono_ns();
    zs_l1_info_t l1 = {0};
    memcpy(l1.global_exit_root, f->ger, 32);
    memcpy(l1.block_hash, f->block_hash, 32);
    uint32_t delta = f->timestamp > b->head.timestamp ? (uint32_t)(f->timestamp - b->head.timestamp) : 0;
    int level = zs_smt_max_level(zs_state_tree(b->cfg.st));
    zs_vacc_t acc = {0};
    zs_vcount_change_l2_block(&acc, 0);
    zs_vcount_add(used, &acc, zs_vcount_mcp((uint32_t)level, 1));
    return builder_begin(b, k, delta, &l1);
}

/* The forced batch's one block into job; *invalid when it is thrown away
   (the state is then as it was). */
static int forced_block(zs_builder_t *b, const zs_l1_forced_t *f, zs_exec_entry_t *v, size_t n, zs_vcount_t *used,
                        zs_job_t *job, const zs_batcher_forced_t *bf, const char **invalid)
{
    block_t k;
    uint64_t gas_used;
    int rc = open_forced_block(b, &k, f, used);
    if (!rc) rc = forced_txs(b, &k, v, n, used, invalid);
    if (!rc) rc = builder_end_block(b, &k, &gas_used);
    zs_vcount_t lim;
    zs_vcount_limits(12, &lim);
    if (!rc && !*invalid && zs_vcount_over(used, &lim))
        *invalid = "out of counters: the prover would throw the batch away (fork 12 budgets)";
    if (rc || *invalid) {
        builder_drop_recs(b);
        return rc ? rc : zs_state_discard(b->cfg.st, &b->head.root);
    }
    return builder_seal_block(b, &k, job, gas_used, bf);
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
        builder_publish_open(b);
        builder_submit(b, job);
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
        builder_publish_open(b);
        zs_log(ZS_LOG_WARN, "seq", "forced batch %llu is invalid and sequenced as such: %s",
               (unsigned long long)f->number, invalid);
    } else {
        zs_log(ZS_LOG_INFO, "seq", "forced batch %llu executed in block %llu", (unsigned long long)f->number,
               (unsigned long long)b->head.number);
    }
    b->forced_last = f->number;
    builder_submit(b, job);
    return ZS_OK;
}

int builder_forced_due(zs_builder_t *b, int *rc)
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
