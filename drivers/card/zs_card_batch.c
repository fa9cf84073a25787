#include "drivers/card/zs_card_batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/base/zs_time.h"

/* Two rounds: one filling while the other is on the card (or being read). */
enum { R_FREE, R_OPEN, R_SUBMITTED, R_DONE };

typedef struct lost {
    struct lost *next;
    zs_card_buf_t *in, *out, *aux;
} lost_t;

typedef struct {
    zs_card_buf_t *in, *out, *aux;
    size_t used;      /* items reserved */
    unsigned waiters; /* callers yet to take their output */
    int state, rc, full;
    uint64_t opened_ns;
} round_t;

struct zs_card_batch {
    zs_card_t *card;
    zs_card_batch_opts_t o;
    size_t in_item, out_item; /* bytes per item */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    round_t r[2];
    int cur;
    lost_t *lost;
    zs_card_batch_stats_t st;
};

static int alloc_round(zs_card_batch_t *b, round_t *r)
{
    size_t n = b->o.max_items;
    r->in = zs_card_alloc(b->card, n * b->in_item);
    r->out = zs_card_alloc(b->card, n * b->out_item);
    r->aux = b->o.kernel == ZS_CARD_KECCAK ? zs_card_alloc(b->card, n * 4) : NULL;
    return r->in && r->out && (b->o.kernel != ZS_CARD_KECCAK || r->aux) ? ZS_OK : ZS_ERR_NOMEM;
}

zs_card_batch_t *zs_card_batch_new(zs_card_t *c, const zs_card_batch_opts_t *o)
{
    if (!c || !o || (o->kernel != ZS_CARD_POSEIDON && o->kernel != ZS_CARD_KECCAK)) return NULL;
    zs_card_batch_t *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->card = c;
    b->o = *o;
    if (!b->o.max_items) b->o.max_items = 4096;
    if (!b->o.max_wait_us) b->o.max_wait_us = 50;
    if (!b->o.slot_words) b->o.slot_words = 32;
    if (b->o.timeout_ms <= 0) b->o.timeout_ms = 1000;
    b->in_item = o->kernel == ZS_CARD_POSEIDON ? 96 : (size_t)b->o.slot_words * 8;
    b->out_item = o->kernel == ZS_CARD_POSEIDON ? 96 : 32;
    pthread_mutex_init(&b->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (alloc_round(b, &b->r[0]) || alloc_round(b, &b->r[1])) {
        zs_card_batch_free(b);
        return NULL;
    }
    return b;
}

static void free_bufs(zs_card_t *c, zs_card_buf_t *in, zs_card_buf_t *out, zs_card_buf_t *aux)
{
    zs_card_free(c, in);
    zs_card_free(c, out);
    zs_card_free(c, aux);
}

void zs_card_batch_free(zs_card_batch_t *b)
{
    if (!b) return;
    for (int i = 0; i < 2; i++) free_bufs(b->card, b->r[i].in, b->r[i].out, b->r[i].aux);
    while (b->lost) {
        lost_t *l = b->lost;
        b->lost = l->next;
        free_bufs(b->card, l->in, l->out, l->aux);
        free(l);
    }
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static struct timespec mono_at(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
}

/* The leader's part: close the round when it is full or old enough, run it
   on the card, and publish the outcome.  Called and returns with mu held. */
static void lead(zs_card_batch_t *b, int ri)
{
    round_t *r = &b->r[ri];
    struct timespec until = mono_at(r->opened_ns + (uint64_t)b->o.max_wait_us * 1000u);
    while (!r->full && r->used < b->o.max_items)
        if (pthread_cond_timedwait(&b->cv, &b->mu, &until)) break;
    r->state = R_SUBMITTED;
    b->cur = 1 - ri; /* the next callers fill the other round */
    pthread_cond_broadcast(&b->cv);
    zs_card_job_t j = {.kernel = b->o.kernel, .in = r->in, .out = r->out, .aux = r->aux, .n = (uint32_t)r->used,
                       .arg = {b->o.slot_words}};
    b->st.rounds++;
    b->st.items += r->used;
    pthread_mutex_unlock(&b->mu);
    uint64_t ticket;
    int rc = zs_card_submit(b->card, &j, &ticket);
    if (!rc) rc = zs_card_wait(b->card, ticket, b->o.timeout_ms);
    lost_t *gone = NULL;
    if (rc == ZS_ERR_TIMEOUT) {
        /* The card may still write these buffers: the round gets new ones. */
        zs_card_abandon(b->card, ticket);
        gone = calloc(1, sizeof *gone);
        if (gone) {
            gone->in = r->in, gone->out = r->out, gone->aux = r->aux;
            if (alloc_round(b, r)) rc = ZS_ERR_NOMEM; /* the round is then unusable; callers fall back */
        }
    }
    pthread_mutex_lock(&b->mu);
    if (gone) {
        gone->next = b->lost;
        b->lost = gone;
    }
    r->rc = rc;
    r->state = R_DONE;
    pthread_cond_broadcast(&b->cv);
}

/* Reserves n items in the filling round; returns its index and the offset
   (mu held throughout). */
static int join(zs_card_batch_t *b, size_t n, size_t *offset, int *leader)
{
    for (;;) {
        round_t *r = &b->r[b->cur];
        if (r->state == R_FREE) {
            r->state = R_OPEN;
            r->used = 0;
            r->full = 0;
            r->opened_ns = zs_mono_ns();
        }
        if (r->state == R_OPEN && r->used + n <= b->o.max_items) {
            *offset = r->used;
            *leader = r->used == 0;
            r->used += n;
            r->waiters++;
            if (r->used == b->o.max_items) pthread_cond_broadcast(&b->cv);
            b->st.calls++;
            return b->cur;
        }
        if (r->state == R_OPEN) {
            r->full = 1; /* no room: the leader sends it now */
            pthread_cond_broadcast(&b->cv);
        }
        pthread_cond_wait(&b->cv, &b->mu);
    }
}

/* Waits for the round, then lets the last reader free it. */
static int finish(zs_card_batch_t *b, int ri, int leader)
{
    round_t *r = &b->r[ri];
    if (leader) lead(b, ri);
    while (r->state != R_DONE) pthread_cond_wait(&b->cv, &b->mu);
    return r->rc;
}

static void leave(zs_card_batch_t *b, int ri)
{
    round_t *r = &b->r[ri];
    if (--r->waiters == 0) {
        r->state = R_FREE;
        pthread_cond_broadcast(&b->cv);
    }
}

int zs_card_batch_poseidon(zs_card_batch_t *b, const uint64_t (*in)[12], uint64_t (*out)[12], size_t n)
{
    if (b->o.kernel != ZS_CARD_POSEIDON || !n || n > b->o.max_items) return ZS_ERR_INVAL;
    size_t off;
    int leader;
    pthread_mutex_lock(&b->mu);
    int ri = join(b, n, &off, &leader);
    memcpy((uint64_t(*)[12])zs_card_map(b->r[ri].in) + off, in, n * 96);
    int rc = finish(b, ri, leader);
    if (!rc) memcpy(out, (uint64_t(*)[12])zs_card_map(b->r[ri].out) + off, n * 96);
    leave(b, ri);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

int zs_card_batch_keccak(zs_card_batch_t *b, const uint8_t *const *msgs, const size_t *lens, size_t n,
                         uint8_t (*out)[32])
{
    if (b->o.kernel != ZS_CARD_KECCAK || !n || n > b->o.max_items) return ZS_ERR_INVAL;
    for (size_t i = 0; i < n; i++)
        if (lens[i] >= b->in_item) return ZS_ERR_RANGE;
    size_t off;
    int leader;
    pthread_mutex_lock(&b->mu);
    int ri = join(b, n, &off, &leader);
    uint8_t *data = (uint8_t *)zs_card_map(b->r[ri].in) + off * b->in_item;
    uint32_t *l = (uint32_t *)zs_card_map(b->r[ri].aux) + off;
    for (size_t i = 0; i < n; i++) {
        memcpy(data + i * b->in_item, msgs[i], lens[i]);
        l[i] = (uint32_t)lens[i];
    }
    int rc = finish(b, ri, leader);
    if (!rc) memcpy(out, (uint8_t(*)[32])zs_card_map(b->r[ri].out) + off, n * 32);
    leave(b, ri);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

void zs_card_batch_stats(zs_card_batch_t *b, zs_card_batch_stats_t *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->st;
    pthread_mutex_unlock(&b->mu);
}
