#include "host/node/zs_builder_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"

/* ---- One block. */

static int open_block(zs_builder_t *b, block_t *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->coinbase, b->cfg.coinbase, 20);
    k->start_ms = builder_now_ms();
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
    return builder_begin(b, k, delta, l1);
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
        if ((rc = builder_record_tx(b, k, it, &r))) return rc;
        if (b->cfg.executed) { /* before the pool takes the item back (its transaction goes with it) */
            zs_executed_info_t x = {.block = k->blk.number, .index = r.index, .status = (uint8_t)r.status,
                                    .gas_used = r.gas_used, .logs = (uint32_t)r.nlogs};
            memcpy(x.hash, it->tx->hash, 32);
            zs_executed_add(b->cfg.executed, &x);
        }
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
        uint64_t age = builder_now_ms() - k->start_ms;
        if (k->full || b->w.n >= max || age >= k->pn.block_time_ms) break;
        /* The pool is dry: the block waits a little for more (so a steady
           load fills blocks up to the block time instead of paying a
           block's cost every few transactions), then is sealed. */
        uint64_t wait = k->pn.block_time_ms - age < b->cfg.block_linger_ms ? k->pn.block_time_ms - age
                                                                           : b->cfg.block_linger_ms;
        uint64_t w0 = zs_mono_ns();
        if (zs_pool_next(b->cfg.pool, (int)wait, &items[0]) == ZS_OK) have = 1;
        k->t_wait += zs_mono_ns() - w0;
    }
    return ZS_OK;
}

/* Builds, executes and seals one block starting with first into job. */
static int build_block(zs_builder_t *b, const zs_pool_item_t *first, zs_job_t *job)
{
    block_t k;
    int rc = open_block(b, &k);
    if (!rc) rc = execute(b, &k, first);
    uint64_t gas_used;
    if (!rc) rc = builder_end_block(b, &k, &gas_used);
    return rc ? rc : builder_seal_block(b, &k, job, gas_used, NULL);
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
    zs_batch_close_t why = zs_batcher_due(b->cfg.batcher, &pn, builder_now_ms());
    if (!why) return;
    zs_job_reset(job);
    zs_batcher_close(b->cfg.batcher, job->b, why, &job->closed);
    builder_publish_open(b);
    builder_submit(b, job);
}

static void *builder_main(void *arg)
{
    zs_builder_t *b = arg;
    while (!wait_while_paused(b)) {
        zs_pool_item_t it;
        int rc;
        if (b->cfg.replay) {
            if (!(rc = builder_replay_step(b))) continue;
            b->cfg.fail(b->cfg.fail_ctx, "replaying the sequencer's block", rc);
            break;
        }
        if (builder_forced_due(b, &rc) || rc) {
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
        /* This job was handed over ZS_JOBS submissions ago, and the last
           submission waited until at most ZS_JOBS - 1 were in flight: it is
           written, free. */
        zs_job_reset(job);
        zs_pool_set_block(b->cfg.pool, b->head.number + 1);
        rc = build_block(b, &it, job);
        if (rc) {
            b->cfg.fail(b->cfg.fail_ctx, "building a block", rc);
            break;
        }
        builder_submit(b, job);
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
    memcpy(b->tip, cfg->head.hash, 32);
    b->forced_last = cfg->forced_last;
    b->paused = cfg->paused;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    for (int i = 0; i < ZS_JOBS; i++)
        if (!(b->jobs[i].b = zs_store_batch_new(cfg->store))) goto fail;
    if (pthread_create(&b->thread, NULL, builder_main, b)) goto fail;
    pthread_setname_np(b->thread, "zs-sequencer");
    return b;
fail:
    snprintf(err, errlen, "cannot start the sequencer thread");
    for (int i = 0; i < ZS_JOBS; i++) zs_store_batch_free(b->jobs[i].b);
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
    builder_drop_recs(b);
    free(b->w.recs);
    free(b->w.touched);
    for (int i = 0; i < ZS_JOBS; i++) {
        zs_store_batch_free(b->jobs[i].b);
        free(b->jobs[i].fresh);
        free(b->jobs[i].done_rows);
        free(b->jobs[i].hashes);
        builder_clear_recs(b->jobs[i].recs, &b->jobs[i].nrecs);
        free(b->jobs[i].recs);
        zs_block_clear(&b->jobs[i].block);
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
