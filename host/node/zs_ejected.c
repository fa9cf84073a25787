#include "host/node/zs_ejected.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define EJECT_RING 4096

struct zs_ejected {
    pthread_mutex_t mu;
    struct {
        uint8_t hash[32];
        const char *why;
    } ring[EJECT_RING];
    size_t pos;
    uint64_t count;
};

zs_ejected_t *zs_ejected_new(void)
{
    zs_ejected_t *e = calloc(1, sizeof *e);
    if (e) pthread_mutex_init(&e->mu, NULL);
    return e;
}

void zs_ejected_free(zs_ejected_t *e)
{
    if (!e) return;
    pthread_mutex_destroy(&e->mu);
    free(e);
}

void zs_ejected_add(zs_ejected_t *e, const uint8_t hash[32], const char *why)
{
    pthread_mutex_lock(&e->mu);
    memcpy(e->ring[e->pos].hash, hash, 32);
    e->ring[e->pos].why = why;
    e->pos = (e->pos + 1) % EJECT_RING;
    e->count++;
    pthread_mutex_unlock(&e->mu);
}

const char *zs_ejected_find(zs_ejected_t *e, const uint8_t hash[32])
{
    const char *why = NULL;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < EJECT_RING && !why; i++)
        if (e->ring[i].why && !memcmp(e->ring[i].hash, hash, 32)) why = e->ring[i].why;
    pthread_mutex_unlock(&e->mu);
    return why;
}

uint64_t zs_ejected_count(zs_ejected_t *e)
{
    pthread_mutex_lock(&e->mu);
    uint64_t c = e->count;
    pthread_mutex_unlock(&e->mu);
    return c;
}
