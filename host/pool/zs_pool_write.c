/* The pool's writer thread: group commits of admitted rows (and deletes)
   to the pool's log or its store (zs_pool.h, zs_plog.h say why). */
#include <pthread.h>
#include <stdlib.h>

#include "host/pool/zs_pool_int.h"
#include "host/pool/zs_pool_log.h"
#include "host/store/zs_schema.h"

/* A round's transactions durable (rc 0) or failed, their callers
   answered.  Under the lock. */
static void settle(zs_pool_t *p, ptx_t *list, int rc)
{
    for (ptx_t *t = list, *next; t; t = next) {
        next = t->wnext;
        t->wnext = NULL;
        t->durable = rc ? -1 : 1;
        if (!rc && t->acct) zs_pool_refresh(p, t->acct);
    }
    zs_pool_answer_waiters(p);
    pthread_cond_broadcast(&p->durable);
}

/* One round's rows into the log, outside the lock: *logged once they are
   durable there; returns whether the store must be flushed with a
   checkpoint this time (no log; the log had no room or failed; a drop
   asked for it; a quarter of the ring since the last). */
static int log_round(zs_pool_t *p, zs_store_batch_t *b, int rows, int want_flush, int *logged)
{
    zs_plog_t *log = p->cfg.log;
    *logged = 0;
    if (!log) return 1;
    /* After a failed write the log is off: every round says AGAIN. */
    int rc = rows && !want_flush ? zs_plog_round_write(log) : ZS_OK;
    *logged = rows && !rc && !want_flush;
    if (!rc && !want_flush && !zs_plog_want_checkpoint(log)) return 0;
    zs_pool_log_mark(b, log, 0);
    return 1;
}

/* Takes everything queued into b (and the log's round): the list of
   transactions to write.  Under the lock. */
static ptx_t *take_round(zs_pool_t *p, zs_store_batch_t *b, int *want_flush)
{
    zs_plog_t *log = p->cfg.log;
    ptx_t *list = p->wq_head;
    p->wq_head = p->wq_tail = NULL;
    zs_store_batch_clear(b);
    if (log) zs_plog_round_begin(log);
    int lrc = ZS_OK;
    for (ptx_t *t = list; t; t = t->wnext) {
        uint8_t k[8];
        zs_pool_row_key(k, t->seq);
        zs_store_put(b, ZS_CF_POOL, k, 8, t->raw, t->raw_len);
        if (log && !lrc) lrc = zs_plog_round_add(log, t->seq, t->raw, t->raw_len);
    }
    for (size_t i = 0; i < p->wdel_n; i++) {
        uint8_t k[8];
        zs_pool_row_key(k, p->wdel[i]);
        zs_store_del(b, ZS_CF_POOL, k, 8);
    }
    *want_flush = p->wflush || lrc;
    p->wdel_n = 0;
    p->wflush = 0;
    p->rounds_started++;
    return list;
}

/* The writer: each round is one flush, of the log (its callers answered
   at once, the store written after without a flush) or of the store. */
void *zs_pool_writer_main(void *arg)
{
    zs_pool_t *p = arg;
    zs_plog_t *log = p->cfg.log;
    zs_store_batch_t *b = zs_store_batch_new(p->store);
    pthread_mutex_lock(&p->mu);
    p->log_direct = log && zs_plog_direct(log);
    while (!p->stopping || p->wq_head || p->wdel_n) {
        if (!p->wq_head && !p->wdel_n) {
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        int want_flush, logged;
        ptx_t *list = take_round(p, b, &want_flush);
        pthread_mutex_unlock(&p->mu);
        int flush = log_round(p, b, list != NULL, want_flush, &logged);
        if (logged) { /* durable in the log: answered before the store's write */
            pthread_mutex_lock(&p->mu);
            p->by_log++;
            settle(p, list, ZS_OK);
            pthread_mutex_unlock(&p->mu);
            list = NULL;
        }
        int rc = zs_store_write(p->store, b, flush);
        if (!rc && flush && log) zs_plog_checkpointed(log, zs_plog_pos(log));
        pthread_mutex_lock(&p->mu);
        p->rounds_done++;
        p->by_store += flush;
        int failed_now = log && zs_plog_failed(log) && !p->log_failed;
        p->log_failed |= failed_now; /* the writer's own field, read by zs_pool_writes */
        p->log_direct = log && zs_plog_direct(log);
        if (rc) p->store_failed = 1;
        settle(p, list, rc);
        if (failed_now && p->cfg.log_failed) {
            pthread_mutex_unlock(&p->mu);
            p->cfg.log_failed(p->cfg.log_failed_ctx, zs_plog_failure(log));
            pthread_mutex_lock(&p->mu);
        }
    }
    /* A clean stop: nothing in the log is needed any more, unless a write
       to the store failed (then rounds may be in the log alone). */
    int clean = !p->store_failed;
    pthread_mutex_unlock(&p->mu);
    if (log && clean) {
        zs_store_batch_clear(b);
        zs_pool_log_mark(b, log, 1);
        if (zs_store_write(p->store, b, 1)) p->store_failed = 1;
    }
    zs_store_batch_free(b);
    return NULL;
}

void zs_pool_writes(zs_pool_t *p, zs_pool_writes_t *w)
{
    pthread_mutex_lock(&p->mu);
    w->by_log = p->by_log;
    w->by_store = p->by_store;
    w->log_ok = p->cfg.log && !p->log_failed;
    w->log_direct = w->log_ok && p->log_direct;
    pthread_mutex_unlock(&p->mu);
}
