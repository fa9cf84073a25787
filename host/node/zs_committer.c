#include "host/node/zs_committer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_cpu.h"
#include "lib/base/zs_time.h"

#define MAX_LISTENERS 8 /* the frame engines (UDP, DPDK), the stream writer, JSON-RPC's waiting calls */

struct zs_committer {
    zs_committer_cfg_t cfg;
    pthread_t thread;
    pthread_mutex_t mu; /* guards the queue, stop and refused */
    pthread_cond_t cv;
    zs_job_t *queue[ZS_JOBS - 1]; /* in order; the first is being written */
    size_t first, queued;
    int stop, refused;

    pthread_mutex_t lmu; /* the block listeners (held while they run) */
    struct {
        zs_block_fn fn;
        void *ctx;
    } listeners[MAX_LISTENERS];
    int nlisteners;

    pthread_mutex_t smu; /* guards stats */
    zs_commit_stats_t stats;
};

static void count(zs_committer_t *c, const zs_job_t *job, uint64_t ns_write)
{
    pthread_mutex_lock(&c->smu);
    zs_commit_stats_t *s = &c->stats;
    if (job->has_block) {
        s->blocks++;
        s->txs_included += job->ntx;
        s->ns_exec += job->ns_exec;
        s->ns_block += job->ns_block;
        s->ns_end += job->ns_end;
        s->ns_commit += job->ns_commit;
        s->ns_records += job->ns_records;
        s->ns_finish += job->ns_finish;
        s->ns_handover += job->ns_handover;
        s->ns_write += ns_write;
        zs_hist_observe_ns(&s->block_build, job->ns_exec + job->ns_block + job->ns_end + job->ns_commit + job->ns_records);
        zs_hist_observe_ns(&s->block_write, ns_write);
        zs_hist_observe_ns(&s->block_seal, job->ns_end + job->ns_commit + job->ns_records + job->ns_handover);
    }
    if (job->closed.reason) {
        s->batches_closed[job->closed.reason]++;
        s->batch_bytes += job->closed.bytes;
        s->last_batch_bytes = job->closed.bytes;
    }
    pthread_mutex_unlock(&c->smu);
}

/* What a durable job changes for everyone else. */
static void publish(zs_committer_t *c, zs_job_t *job, uint64_t ns_write, uint64_t t0)
{
    zs_view_batches_t bn = {.trusted = job->closed.trusted, .open = job->closed.open};
    zs_view_publish(c->cfg.view, job->has_block ? &job->head : NULL, job->closed.reason ? &bn : NULL, job->fresh,
                    job->nfresh);
    count(c, job, ns_write);
    zs_pool_forget_rows(c->cfg.pool, job->done_rows, job->ndone);
    if (job->has_block) {
        zs_pool_release(c->cfg.pool, job->head.number);
        pthread_mutex_lock(&c->lmu);
        for (int i = 0; i < c->nlisteners; i++)
            c->listeners[i].fn(c->listeners[i].ctx, job->head.number, (const uint8_t(*)[32])job->hashes, job->nhashes);
        pthread_mutex_unlock(&c->lmu);
    }
    pthread_mutex_lock(&c->smu);
    c->stats.ns_publish += zs_mono_ns() - t0;
    pthread_mutex_unlock(&c->smu);
}

static void *committer_main(void *arg)
{
    zs_committer_t *c = arg;
    zs_cpu_background(5); /* blocks are written behind the sequencer; answers and confirmations go first */
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->queued && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
        if (!c->queued) break;
        zs_job_t *job = c->queue[c->first];
        int refused = c->refused;
        pthread_mutex_unlock(&c->mu);
        uint64_t tf = zs_mono_ns();
        int rc = refused ? ZS_ERR_STATE : job->finish ? job->finish(job) : ZS_OK;
        uint64_t t0 = zs_mono_ns();
        job->ns_finish = job->finish ? t0 - tf : 0;
        if (!rc) rc = zs_store_write(c->cfg.store, job->b, 1);
        uint64_t t1 = zs_mono_ns();
        if (rc && !refused) {
            zs_committer_refuse(c);
            c->cfg.fail(c->cfg.fail_ctx, job->has_block ? "writing a block" : "writing a batch", rc);
        } else if (!rc) {
            publish(c, job, t1 - t0, t1);
        }
        free(job->done_rows);
        job->done_rows = NULL;
        job->ndone = 0;
        pthread_mutex_lock(&c->mu);
        c->first = (c->first + 1) % (ZS_JOBS - 1);
        c->queued--;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

zs_committer_t *zs_committer_start(const zs_committer_cfg_t *cfg, char *err, size_t errlen)
{
    zs_committer_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_mutex_init(&c->lmu, NULL);
    pthread_mutex_init(&c->smu, NULL);
    if (pthread_create(&c->thread, NULL, committer_main, c)) {
        snprintf(err, errlen, "cannot start the committer thread");
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->lmu);
        pthread_mutex_destroy(&c->smu);
        free(c);
        return NULL;
    }
    pthread_setname_np(c->thread, "zs-commit");
    return c;
}

void zs_committer_stop(zs_committer_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    int running = !c->stop;
    c->stop = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (running) pthread_join(c->thread, NULL);
}

void zs_committer_free(zs_committer_t *c)
{
    if (!c) return;
    zs_committer_stop(c);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->lmu);
    pthread_mutex_destroy(&c->smu);
    free(c);
}

void zs_committer_submit(zs_committer_t *c, zs_job_t *job)
{
    uint64_t t0 = zs_mono_ns();
    pthread_mutex_lock(&c->mu);
    while (c->queued == ZS_JOBS - 1) pthread_cond_wait(&c->cv, &c->mu);
    job->ns_handover = zs_mono_ns() - t0;
    c->queue[(c->first + c->queued) % (ZS_JOBS - 1)] = job;
    c->queued++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void zs_committer_wait_idle(zs_committer_t *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->queued) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

void zs_committer_refuse(zs_committer_t *c)
{
    pthread_mutex_lock(&c->mu);
    c->refused = 1;
    pthread_mutex_unlock(&c->mu);
}

int zs_committer_on_block(zs_committer_t *c, zs_block_fn fn, void *ctx)
{
    pthread_mutex_lock(&c->lmu);
    int rc = c->nlisteners < MAX_LISTENERS ? ZS_OK : ZS_ERR_FULL;
    if (!rc) {
        c->listeners[c->nlisteners].fn = fn;
        c->listeners[c->nlisteners].ctx = ctx;
        c->nlisteners++;
    }
    pthread_mutex_unlock(&c->lmu);
    return rc;
}

void zs_committer_off_block(zs_committer_t *c, zs_block_fn fn, void *ctx)
{
    pthread_mutex_lock(&c->lmu);
    for (int i = 0; i < c->nlisteners; i++)
        if (c->listeners[i].fn == fn && c->listeners[i].ctx == ctx) {
            c->listeners[i] = c->listeners[--c->nlisteners];
            break;
        }
    pthread_mutex_unlock(&c->lmu);
}

void zs_committer_stats(zs_committer_t *c, zs_commit_stats_t *out)
{
    pthread_mutex_lock(&c->smu);
    *out = c->stats;
    pthread_mutex_unlock(&c->smu);
}
