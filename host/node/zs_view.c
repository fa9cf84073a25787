#include "host/node/zs_view.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_err.h"

#define VIEW_MAX (1u << 21) /* accounts the view keeps at most */

typedef struct {
    zs_view_account_t a;
    uint8_t used;
} slot_t;

struct zs_view {
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t moved;
    zs_view_head_t head;
    zs_view_batches_t batches;
    slot_t *slots;
    size_t cap, n;
    uint64_t gen; /* bumped around every publish */
    int closed;
};

zs_view_t *zs_view_new(const zs_view_head_t *head, const zs_view_batches_t *batches)
{
    zs_view_t *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->moved, NULL);
    v->head = *head;
    v->batches = *batches;
    return v;
}

void zs_view_free(zs_view_t *v)
{
    if (!v) return;
    pthread_cond_destroy(&v->moved);
    pthread_mutex_destroy(&v->mu);
    free(v->slots);
    free(v);
}

static size_t slot_of(const zs_view_t *v, const uint8_t a[20])
{
    uint64_t x;
    memcpy(&x, a + 12, 8);
    return (size_t)(x * 0x9e3779b97f4a7c15ull >> 11) & (v->cap - 1);
}

/* Doubles the table (under mu); 0 or ZS_ERR_NOMEM. */
static int grow(zs_view_t *v)
{
    size_t cap = v->cap ? 2 * v->cap : 4096;
    slot_t *ns = calloc(cap, sizeof *ns);
    if (!ns) return ZS_ERR_NOMEM;
    slot_t *old = v->slots;
    size_t oldcap = v->cap;
    v->slots = ns;
    v->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].used) continue;
        size_t j = slot_of(v, old[i].a.addr);
        while (v->slots[j].used) j = (j + 1) & (cap - 1);
        v->slots[j] = old[i];
    }
    free(old);
    return ZS_OK;
}

/* The slot of a (under mu), created when asked and there is room. */
static slot_t *find(zs_view_t *v, const uint8_t a[20], int create)
{
    if (create && v->n >= VIEW_MAX) create = 0;
    if (create && (v->n + 1) * 2 > v->cap && grow(v)) return NULL;
    if (!v->cap) return NULL;
    size_t j = slot_of(v, a);
    while (v->slots[j].used) {
        if (!memcmp(v->slots[j].a.addr, a, 20)) return &v->slots[j];
        j = (j + 1) & (v->cap - 1);
    }
    if (!create) return NULL;
    memcpy(v->slots[j].a.addr, a, 20);
    v->slots[j].used = 1;
    v->n++;
    return &v->slots[j];
}

void zs_view_head(zs_view_t *v, zs_view_head_t *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->head;
    pthread_mutex_unlock(&v->mu);
}

uint64_t zs_view_head_number(zs_view_t *v)
{
    pthread_mutex_lock(&v->mu);
    uint64_t h = v->head.number;
    pthread_mutex_unlock(&v->mu);
    return h;
}

void zs_view_batches(zs_view_t *v, zs_view_batches_t *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->batches;
    pthread_mutex_unlock(&v->mu);
}

int zs_view_account(zs_view_t *v, const uint8_t addr[20], uint64_t *nonce, zs_u256_t *balance,
                    zs_view_head_t *head, uint64_t *gen)
{
    pthread_mutex_lock(&v->mu);
    slot_t *s = find(v, addr, 0);
    if (s) {
        *nonce = s->a.nonce;
        *balance = s->a.balance;
    }
    *head = v->head;
    *gen = v->gen;
    pthread_mutex_unlock(&v->mu);
    return s != NULL;
}

void zs_view_remember(zs_view_t *v, uint64_t gen, const zs_view_account_t *a)
{
    pthread_mutex_lock(&v->mu);
    if (v->gen == gen) {
        slot_t *s = find(v, a->addr, 1);
        if (s) s->a = *a;
    }
    pthread_mutex_unlock(&v->mu);
}

void zs_view_publish(zs_view_t *v, const zs_view_head_t *head, const zs_view_batches_t *batches,
                     const zs_view_account_t *fresh, size_t nfresh)
{
    /* Readers that began before this block must not cache what they read. */
    pthread_mutex_lock(&v->mu);
    v->gen++;
    pthread_mutex_unlock(&v->mu);
    /* The accounts first, in chunks so readers are not held long, then the
       head: nobody sees a head whose accounts are older than it. */
    for (size_t i = 0; i < nfresh; i += 256) {
        size_t end = nfresh - i < 256 ? nfresh : i + 256;
        pthread_mutex_lock(&v->mu);
        for (size_t k = i; k < end; k++) {
            slot_t *s = find(v, fresh[k].addr, 1);
            if (s) s->a = fresh[k];
        }
        pthread_mutex_unlock(&v->mu);
    }
    pthread_mutex_lock(&v->mu);
    if (head) v->head = *head;
    if (batches) v->batches = *batches;
    v->gen++;
    pthread_cond_broadcast(&v->moved);
    pthread_mutex_unlock(&v->mu);
}

int zs_view_wait_head(zs_view_t *v, uint64_t seen, const struct timespec *deadline)
{
    int rc = ZS_OK;
    pthread_mutex_lock(&v->mu);
    while (v->head.number == seen && !v->closed)
        if (pthread_cond_timedwait(&v->moved, &v->mu, deadline) == ETIMEDOUT) {
            rc = ZS_ERR_TIMEOUT;
            break;
        }
    if (!rc && v->closed && v->head.number == seen) rc = ZS_ERR_STATE;
    pthread_mutex_unlock(&v->mu);
    return rc;
}

void zs_view_close_waiters(zs_view_t *v)
{
    pthread_mutex_lock(&v->mu);
    v->closed = 1;
    pthread_cond_broadcast(&v->moved);
    pthread_mutex_unlock(&v->mu);
}
