/* A replica's sequencer thread: the sequencer's blocks from its data stream
   (zs_replay), executed here on the replica's own state with the header
   fields the sequencer chose (timestamp, L1 info leaf, coinbase) and the
   transactions in its order, then checked: every transaction executes, and
   the state root and block hash are the sequencer's, or nothing of the
   block is written and the replica stops following (zs_replay_diverge). */
#include "host/node/zs_builder_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/log/zs_log.h"
#include "lib/base/zs_bytes.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"

/* The open batch sealed where the sequencer's stream ends it. */
static void close_batch(zs_builder_t *b)
{
    zs_job_t *job = &b->jobs[b->cur];
    zs_job_reset(job);
    zs_batcher_close(b->cfg.batcher, job->b, ZS_BATCH_CLOSE_SEQUENCER, &job->closed);
    builder_publish_open(b);
    builder_submit(b, job);
}

/* Decodes and runs the block's transactions in order; NULL, or why the
   block does not reproduce here (rc: an error of the replica itself). */
static const char *run_txs(zs_builder_t *b, block_t *k, const zs_replay_block_t *rb, char *why, size_t n, int *rc)
{
    zs_tx_t *txs = calloc(rb->ntx + 1, sizeof *txs);
    const zs_tx_t **ptx = calloc(rb->ntx + 1, sizeof *ptx);
    uint8_t(*senders)[20] = calloc(rb->ntx + 1, 20), (*l2)[32] = calloc(rb->ntx + 1, 32);
    const char *bad = NULL;
    *rc = txs && ptx && senders && l2 ? ZS_OK : ZS_ERR_NOMEM;
    for (size_t i = 0; !*rc && !bad && i < rb->ntx; i++) {
        zs_perr_t e = {0};
        if (zs_tx_decode(rb->raws[i], rb->lens[i], &txs[i], &e) || zs_tx_recover(&txs[i], senders[i])) {
            snprintf(why, n, "transaction %zu of block %llu does not decode (%s)", i,
                     (unsigned long long)rb->number, e.reason ? e.reason : "invalid sender");
            bad = why;
        }
        ptx[i] = &txs[i];
    }
    if (!*rc && !bad) *rc = zs_exec_prepare(b->cfg.exec, ptx, (const uint8_t(*)[20])senders, rb->ntx, l2);
    zs_vcount_t room;
    zs_vcount_limits(12, &room);
    for (size_t i = 0; !*rc && !bad && i < rb->ntx; i++) {
        zs_exec_result_t r;
        uint64_t t0 = zs_mono_ns();
        *rc = zs_exec_tx_fit(b->cfg.exec, &txs[i], senders[i], rb->pcts[i], l2[i], &room, &r);
        k->t_exec += zs_mono_ns() - t0;
        if (*rc) break;
        if (r.reason != ZS_EXEC_OK) {
            snprintf(why, n, "transaction %zu of block %llu does not execute here (%s)", i,
                     (unsigned long long)rb->number, zs_exec_reason_text(r.reason));
            bad = why;
            break;
        }
        zs_pool_item_t it = {.tx = &txs[i], .raw = rb->raws[i], .raw_len = rb->lens[i]};
        memcpy(it.sender, senders[i], 20);
        if (!(*rc = builder_record_tx(b, k, &it, &r))) b->w.recs[b->w.n - 1].eff_pct = rb->pcts[i];
    }
    free(txs);
    free(ptx);
    free(senders);
    free(l2);
    return bad;
}

/* Header fields that cannot be this replica's next block: NULL, or why. */
static const char *header_check(zs_builder_t *b, const zs_replay_block_t *rb, char *why, size_t n)
{
    uint64_t open = zs_batcher_number(b->cfg.batcher);
    if (rb->number != b->head.number + 1)
        snprintf(why, n, "the stream's block %llu does not follow block %llu", (unsigned long long)rb->number,
                 (unsigned long long)b->head.number);
    else if (rb->batch != open && !(rb->batch == open + 1 && zs_batcher_has_blocks(b->cfg.batcher)))
        snprintf(why, n, "block %llu is in batch %llu; this replica's open batch is %llu",
                 (unsigned long long)rb->number, (unsigned long long)rb->batch, (unsigned long long)open);
    else if (memcmp(rb->coinbase, b->cfg.coinbase, 20))
        snprintf(why, n, "block %llu's coinbase is not this replica's (configure the sequencer's coinbase)",
                 (unsigned long long)rb->number);
    else if (rb->timestamp < b->head.timestamp)
        snprintf(why, n, "block %llu's timestamp goes back", (unsigned long long)rb->number);
    else
        return NULL;
    return why;
}

/* One block replayed and handed to the committer, or *bad says why not. */
static int replay_block(zs_builder_t *b, const zs_replay_block_t *rb, char *why, size_t n, const char **bad)
{
    if ((*bad = header_check(b, rb, why, n))) return ZS_OK;
    if (rb->batch != zs_batcher_number(b->cfg.batcher)) close_batch(b); /* the stream resumed past its end */
    block_t k;
    memset(&k, 0, sizeof k);
    memcpy(k.coinbase, rb->coinbase, 20);
    k.start_ms = builder_now_ms();
    k.t_begin = zs_mono_ns();
    k.l1_index = rb->l1_index;
    k.want_root = rb->state_root;
    k.want_hash = rb->hash;
    k.want_info_root = rb->info_root;
    zs_l1_info_t info = {.timestamp = rb->min_timestamp};
    memcpy(info.global_exit_root, rb->ger, 32);
    memcpy(info.block_hash, rb->block_hash_l1, 32);
    zs_job_t *job = &b->jobs[b->cur];
    zs_job_reset(job);
    const char *step = "beginning it";
    int rc = builder_begin(b, &k, (uint32_t)(rb->timestamp - b->head.timestamp), rb->l1_index ? &info : NULL);
    if (!rc) step = "running its transactions", *bad = run_txs(b, &k, rb, why, n, &rc);
    uint64_t gas_used;
    if (!rc && !*bad) step = "ending it", rc = builder_end_block(b, &k, &gas_used);
    if (!rc && !*bad) step = "sealing it", rc = builder_seal_block(b, &k, job, gas_used, NULL);
    if (rc && !(rc == ZS_ERR_CORRUPT && b->mismatch))
        zs_log(ZS_LOG_ERROR, "replica", "replaying block %llu: %s: %s", (unsigned long long)rb->number, step,
               zs_strerror(rc));
    if (rc == ZS_ERR_CORRUPT && b->mismatch) {
        char got[65];
        zs_hex_encode(got, b->mismatch_got, 32);
        snprintf(why, n, "block %llu: the %s here is 0x%s, not the sequencer's", (unsigned long long)rb->number,
                 b->mismatch, got);
        *bad = why;
        rc = ZS_OK;
    }
    if (rc || *bad) {
        builder_drop_recs(b);
        zs_job_reset(job);
        zs_committer_wait_idle(b->cfg.committer); /* a discard reads the tree back from the store */
        int drc = zs_state_discard(b->cfg.st, &b->head.root);
        return rc ? rc : drc;
    }
    builder_submit(b, job);
    zs_replay_replayed(b->cfg.replay);
    return ZS_OK;
}

/* The sequencer's batch end: the open batch is that batch, with that
   state root and (when the stream says) local exit root. */
static const char *batch_end(zs_builder_t *b, const zs_replay_item_t *it, char *why, size_t n)
{
    uint8_t root[32];
    zs_smt_h4_to_be(b->head.root.hash, root);
    if (it->batch != zs_batcher_number(b->cfg.batcher) || !zs_batcher_has_blocks(b->cfg.batcher))
        snprintf(why, n, "the stream ends batch %llu; this replica's open batch is %llu%s",
                 (unsigned long long)it->batch, (unsigned long long)zs_batcher_number(b->cfg.batcher),
                 zs_batcher_has_blocks(b->cfg.batcher) ? "" : " (without blocks)");
    else if (memcmp(root, it->state_root, 32))
        snprintf(why, n, "batch %llu ends with another state root than the sequencer's", (unsigned long long)it->batch);
    else if (!zs_bytes_zero(it->local_exit_root, 32) &&
             memcmp(it->local_exit_root, zs_batcher_local_exit_root(b->cfg.batcher), 32))
        snprintf(why, n, "batch %llu ends with another local exit root than the sequencer's",
                 (unsigned long long)it->batch);
    else
        return close_batch(b), NULL;
    return why;
}

int builder_replay_step(zs_builder_t *b)
{
    zs_replay_item_t it;
    char why[240];
    if (zs_replay_pop(b->cfg.replay, 200, &it)) return ZS_OK;
    const char *bad = NULL;
    int rc = ZS_OK;
    b->mismatch = NULL;
    if (it.kind == ZS_REPLAY_BLOCK) rc = replay_block(b, &it.blk, why, sizeof why, &bad);
    else if (it.kind == ZS_REPLAY_BATCH_END) bad = batch_end(b, &it, why, sizeof why);
    zs_replay_item_clear(&it);
    if (bad) {
        zs_log(ZS_LOG_ERROR, "replica", "ALARM the replica stopped following the sequencer: %s", bad);
        zs_replay_diverge(b->cfg.replay, "%s", bad);
    }
    return rc;
}
