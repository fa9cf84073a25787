#include "host/l1view/zs_l1view.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"

/* The store's record: virtual, confirmed, l1_block (big-endian), the
   contract's accInputHash and the L1 transaction. */
static const char l1_key[] = "chain/l1";
#define L1_REC (8 * 3 + 64)

struct zs_l1view {
    zs_store_t *store;
    pthread_mutex_t mu;
    zs_l1_status_t s;     /* mu */
    zs_l1_follower_t sync;    /* mu */
    int backpressure;     /* atomic copies for the hot paths */
    uint64_t virtual_;
};

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

zs_l1view_t *zs_l1view_open(zs_store_t *store)
{
    zs_l1view_t *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->store = store;
    pthread_mutex_init(&v->mu, NULL);
    uint8_t rec[L1_REC];
    size_t len;
    if (!zs_store_get(store, ZS_CF_META, l1_key, sizeof l1_key - 1, rec, sizeof rec, &len) && len == sizeof rec) {
        v->s.virtual_ = get_be64(rec);
        v->s.confirmed = get_be64(rec + 8);
        v->s.l1_block = get_be64(rec + 16);
        memcpy(v->s.acc_input_hash, rec + 24, 32);
        memcpy(v->s.l1_tx, rec + 56, 32);
        v->virtual_ = v->s.virtual_;
    }
    return v;
}

void zs_l1view_close(zs_l1view_t *v)
{
    if (!v) return;
    pthread_mutex_destroy(&v->mu);
    free(v);
}

void zs_l1view_read(zs_l1view_t *v, zs_l1_status_t *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->s;
    pthread_mutex_unlock(&v->mu);
}

int zs_l1view_backpressure(const zs_l1view_t *v)
{
    return __atomic_load_n(&v->backpressure, __ATOMIC_RELAXED);
}

uint64_t zs_l1view_virtual(const zs_l1view_t *v)
{
    return __atomic_load_n(&v->virtual_, __ATOMIC_RELAXED);
}

void zs_l1view_follower_update(zs_l1view_t *v, const zs_l1_follower_t *s)
{
    pthread_mutex_lock(&v->mu);
    v->sync = *s;
    if (s->enabled) __atomic_store_n(&v->virtual_, s->cursor.virtual_, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&v->mu);
}

void zs_l1view_follower(zs_l1view_t *v, zs_l1_follower_t *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->sync;
    pthread_mutex_unlock(&v->mu);
}

int zs_l1view_leaf_for_block(zs_l1view_t *v, uint64_t timestamp, uint32_t after, int have_after, zs_l1_leaf_t *out)
{
    pthread_mutex_lock(&v->mu);
    int ok = v->sync.enabled && v->sync.have_leaf && v->sync.leaf.index > 0 && (!have_after || v->sync.leaf.index > after) &&
             v->sync.leaf.min_timestamp <= timestamp;
    if (ok) *out = v->sync.leaf;
    pthread_mutex_unlock(&v->mu);
    return ok;
}

int zs_l1view_update(zs_l1view_t *v, const zs_l1_status_t *s)
{
    pthread_mutex_lock(&v->mu);
    int moved = s->virtual_ != v->s.virtual_ || s->confirmed != v->s.confirmed ||
                memcmp(s->acc_input_hash, v->s.acc_input_hash, 32);
    v->s = *s;
    __atomic_store_n(&v->backpressure, s->backpressure, __ATOMIC_RELAXED);
    if (!v->sync.enabled) __atomic_store_n(&v->virtual_, s->virtual_, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&v->mu);
    if (!moved) return ZS_OK;
    uint8_t rec[L1_REC];
    put_be64(rec, s->virtual_);
    put_be64(rec + 8, s->confirmed);
    put_be64(rec + 16, s->l1_block);
    memcpy(rec + 24, s->acc_input_hash, 32);
    memcpy(rec + 56, s->l1_tx, 32);
    zs_store_batch_t *b = zs_store_batch_new(v->store);
    if (!b) return ZS_ERR_NOMEM;
    zs_store_put(b, ZS_CF_META, l1_key, sizeof l1_key - 1, rec, sizeof rec);
    int rc = zs_store_write(v->store, b, 0);
    zs_store_batch_free(b);
    return rc;
}

uint64_t zs_l1view_forced_deep(zs_l1view_t *v)
{
    pthread_mutex_lock(&v->mu);
    uint64_t n = v->sync.enabled ? v->sync.forced_deep : 0;
    pthread_mutex_unlock(&v->mu);
    return n;
}

static const char *const data_names[] = {"calldata", "blob", "auto"};

const char *zs_l1_data_name(int mode)
{
    return mode >= 0 && mode <= ZS_L1_DATA_AUTO ? data_names[mode] : "unknown";
}

int zs_l1_data_parse(const char *name)
{
    for (int i = 0; i <= ZS_L1_DATA_AUTO; i++)
        if (!strcmp(name, data_names[i])) return i;
    return -1;
}
