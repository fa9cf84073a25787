#include "host/node/zs_replay.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_time.h"

struct zs_replay {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* something pushed, popped, or the queue ended */
    zs_replay_item_t *ring;
    size_t cap, head, n;
    int closed;
    char diverged[256];
    uint64_t count;
};

zs_replay_t *zs_replay_new(size_t cap)
{
    zs_replay_t *q = calloc(1, sizeof *q);
    if (!q || !(q->ring = calloc(cap ? cap : 1, sizeof *q->ring))) {
        free(q);
        return NULL;
    }
    q->cap = cap ? cap : 1;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return q;
}

static void drain(zs_replay_t *q)
{
    for (; q->n; q->n--, q->head = (q->head + 1) % q->cap) zs_replay_item_clear(&q->ring[q->head]);
}

void zs_replay_free(zs_replay_t *q)
{
    if (!q) return;
    drain(q);
    free(q->ring);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int zs_replay_add_tx(zs_replay_block_t *b, const uint8_t *raw, size_t len, uint8_t pct)
{
    size_t n = b->ntx + 1;
    uint8_t **r = realloc(b->raws, n * sizeof *r);
    if (r) b->raws = r;
    size_t *l = r ? realloc(b->lens, n * sizeof *l) : NULL;
    if (l) b->lens = l;
    uint8_t *p = l ? realloc(b->pcts, n) : NULL;
    if (p) b->pcts = p;
    uint8_t *copy = p ? malloc(len ? len : 1) : NULL;
    if (!copy) return ZS_ERR_NOMEM;
    memcpy(copy, raw, len);
    b->raws[b->ntx] = copy;
    b->lens[b->ntx] = len;
    b->pcts[b->ntx] = pct;
    b->ntx = n;
    return ZS_OK;
}

void zs_replay_item_clear(zs_replay_item_t *it)
{
    zs_replay_block_t *b = &it->blk;
    for (size_t i = 0; i < b->ntx; i++) free(b->raws[i]);
    free(b->raws);
    free(b->lens);
    free(b->pcts);
    memset(it, 0, sizeof *it);
}

int zs_replay_push(zs_replay_t *q, zs_replay_item_t *it, int timeout_ms)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&q->mu);
    int rc = ZS_OK;
    while (!rc && q->n == q->cap && !q->closed && !q->diverged[0])
        if (pthread_cond_timedwait(&q->cv, &q->mu, &deadline)) rc = ZS_ERR_TIMEOUT;
    if (!rc && (q->closed || q->diverged[0])) rc = ZS_ERR_STATE;
    if (!rc) {
        q->ring[(q->head + q->n) % q->cap] = *it;
        q->n++;
        memset(it, 0, sizeof *it);
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (rc) zs_replay_item_clear(it);
    return rc;
}

int zs_replay_pop(zs_replay_t *q, int timeout_ms, zs_replay_item_t *out)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&q->mu);
    int rc = ZS_OK;
    while (!rc && !q->n)
        if (pthread_cond_timedwait(&q->cv, &q->mu, &deadline)) rc = ZS_ERR_TIMEOUT;
    if (!rc) {
        *out = q->ring[q->head];
        memset(&q->ring[q->head], 0, sizeof q->ring[q->head]);
        q->head = (q->head + 1) % q->cap;
        q->n--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void zs_replay_diverge(zs_replay_t *q, const char *fmt, ...)
{
    pthread_mutex_lock(&q->mu);
    if (!q->diverged[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(q->diverged, sizeof q->diverged, fmt, ap);
        va_end(ap);
        if (!q->diverged[0]) snprintf(q->diverged, sizeof q->diverged, "diverged");
    }
    drain(q);
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

int zs_replay_diverged(zs_replay_t *q, char *buf, size_t n)
{
    pthread_mutex_lock(&q->mu);
    int d = q->diverged[0] != 0;
    if (d && buf && n) snprintf(buf, n, "%s", q->diverged);
    pthread_mutex_unlock(&q->mu);
    return d;
}

void zs_replay_close(zs_replay_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void zs_replay_replayed(zs_replay_t *q)
{
    __atomic_add_fetch(&q->count, 1, __ATOMIC_RELAXED);
}

uint64_t zs_replay_count(zs_replay_t *q)
{
    return __atomic_load_n(&q->count, __ATOMIC_RELAXED);
}

