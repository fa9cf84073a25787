#include "host/node/zs_executed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RING 16384
#define SLOTS (2 * RING) /* the index: open addressing by the hash's first bytes */

struct zs_executed {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int waiters;
    zs_executed_notify_fn notify; /* one-shot: called once after the next addition */
    void *notify_ctx;
    zs_executed_info_t ring[RING];
    uint32_t slot[SLOTS]; /* ring position + 1 (0: empty) */
    uint64_t count;
};

zs_executed_t *zs_executed_new(void)
{
    zs_executed_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    return e;
}

void zs_executed_free(zs_executed_t *e)
{
    if (!e) return;
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

static size_t home(const uint8_t hash[32])
{
    uint64_t h;
    memcpy(&h, hash, 8);
    return (size_t)(h % SLOTS);
}

/* The index slot holding hash, or the empty one where it would go. */
static size_t probe(const zs_executed_t *e, const uint8_t hash[32])
{
    size_t i = home(hash);
    while (e->slot[i] && memcmp(e->ring[e->slot[i] - 1].hash, hash, 32)) i = (i + 1) % SLOTS;
    return i;
}

/* Removes the index entry of ring position pos (backward-shift deletion). */
static void unindex(zs_executed_t *e, uint32_t pos)
{
    size_t i = probe(e, e->ring[pos].hash);
    if (e->slot[i] != pos + 1) return;
    e->slot[i] = 0;
    for (size_t j = (i + 1) % SLOTS; e->slot[j]; j = (j + 1) % SLOTS) {
        size_t h = home(e->ring[e->slot[j] - 1].hash);
        /* j's entry may move into the hole at i if its home is not in (i, j]. */
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            e->slot[i] = e->slot[j];
            e->slot[j] = 0;
            i = j;
        }
    }
}

void zs_executed_add(zs_executed_t *e, const zs_executed_info_t *info)
{
    pthread_mutex_lock(&e->mu);
    uint32_t pos = (uint32_t)(e->count % RING);
    if (e->count >= RING) unindex(e, pos);
    e->ring[pos] = *info;
    size_t i = probe(e, info->hash);
    e->slot[i] = pos + 1;
    e->count++;
    if (e->waiters) pthread_cond_broadcast(&e->cv);
    if (e->notify) e->notify(e->notify_ctx); /* under the lock: disarmed, it is never called after */
    e->notify = NULL;
    pthread_mutex_unlock(&e->mu);
}

void zs_executed_notify_once(zs_executed_t *e, zs_executed_notify_fn fn, void *ctx)
{
    pthread_mutex_lock(&e->mu);
    e->notify = fn;
    e->notify_ctx = ctx;
    pthread_mutex_unlock(&e->mu);
}

int zs_executed_find(zs_executed_t *e, const uint8_t hash[32], zs_executed_info_t *out)
{
    pthread_mutex_lock(&e->mu);
    size_t i = probe(e, hash);
    int rc = e->slot[i] ? ZS_OK : ZS_ERR_NOTFOUND;
    if (!rc) *out = e->ring[e->slot[i] - 1];
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int zs_executed_wait(zs_executed_t *e, uint64_t seen, const struct timespec *deadline)
{
    int rc = ZS_OK;
    pthread_mutex_lock(&e->mu);
    e->waiters++;
    while (e->count == seen && !rc)
        if (pthread_cond_timedwait(&e->cv, &e->mu, deadline)) rc = ZS_ERR_TIMEOUT;
    e->waiters--;
    pthread_mutex_unlock(&e->mu);
    return rc;
}

size_t zs_executed_since(zs_executed_t *e, uint64_t *cursor, zs_executed_info_t *out, size_t max, uint64_t *lost)
{
    size_t n = 0;
    pthread_mutex_lock(&e->mu);
    *lost = 0;
    if (*cursor > e->count) *cursor = e->count;
    if (e->count - *cursor > RING) {
        *lost = e->count - RING - *cursor;
        *cursor = e->count - RING;
    }
    while (*cursor < e->count && n < max) out[n++] = e->ring[(*cursor)++ % RING];
    pthread_mutex_unlock(&e->mu);
    return n;
}

uint64_t zs_executed_count(zs_executed_t *e)
{
    pthread_mutex_lock(&e->mu);
    uint64_t c = e->count;
    pthread_mutex_unlock(&e->mu);
    return c;
}
