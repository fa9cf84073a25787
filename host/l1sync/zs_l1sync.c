#include "host/l1sync/zs_l1sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/l1sync/zs_l1abi.h"
#include "host/l1sync/zs_l1read.h"
#include "host/log/zs_log.h"

/* How far back the snapshot walks for the safe and finalized batches. */
#define MAX_WALK 100000

struct zs_l1sync {
    zs_l1sync_cfg_t cfg;
    char *url;
    zs_store_t *store;
    zs_l1view_t *view;
    zs_l1rpc_t *rpc;
    int have_manager;
    zs_l1read_t rd;         /* the reader: its cursor is what the store holds */
    zs_l1_follower_t snap;  /* what it last published */

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping; /* mu */
};

#define fail(s, rc, ...) zs_l1read_fail(&(s)->rd, rc, __VA_ARGS__)

zs_l1sync_t *zs_l1sync_new(const zs_l1sync_cfg_t *cfg, zs_store_t *store, zs_l1view_t *view, char *err,
                           size_t errlen)
{
    zs_l1abi_init();
    zs_l1sync_t *s = calloc(1, sizeof *s);
    if (!s || !(s->url = strdup(cfg->url))) {
        free(s);
        snprintf(err, errlen, "L1 follower: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->cfg.url = s->url;
    if (!s->cfg.poll_ms) s->cfg.poll_ms = 1000;
    if (!s->cfg.max_range) s->cfg.max_range = 1000;
    s->store = store;
    s->view = view;
    memcpy(s->rd.rollup, cfg->rollup, 20);
    s->rd.store = store;
    if (!(s->rd.rpc = s->rpc = zs_l1rpc_new(s->url, (int)s->cfg.timeout_ms))) {
        zs_l1sync_free(s);
        snprintf(err, errlen, "L1 follower: cannot set up an HTTP client for %s", cfg->url);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->snap.enabled = 1;
    int rc = zs_l1rec_cursor(store, &s->rd.cursor);
    if (rc) {
        zs_l1sync_free(s);
        snprintf(err, errlen, "L1 follower: its records in the database do not read (%s)", zs_strerror(rc));
        return NULL;
    }
    s->snap.cursor = s->rd.cursor;
    zs_l1view_follower_update(view, &s->snap);
    return s;
}

/* ---- Reorgs. */

/* Drops the records of blocks L1 no longer has, newest first, and puts
   the cursor on the newest block that L1 still has (or before the start). */
static int unwind(zs_l1sync_t *s, zs_store_batch_t *b)
{
    zs_l1_at_t newest;
    zs_l1_block_t blk;
    int rc;
    for (;;) {
        if ((rc = zs_l1rec_newest_block(s->store, &s->rd.cursor, &newest))) return rc;
        if (!newest.number) break;
        rc = zs_l1rpc_block(s->rpc, NULL, newest.number, &blk);
        if (rc && rc != ZS_ERR_NOTFOUND) return fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
        if (!rc && !memcmp(blk.hash, newest.hash, 32)) break;
        if ((rc = zs_l1rec_truncate(s->store, b, &s->rd.cursor, newest.number - 1))) return rc;
    }
    if (newest.number)
        s->rd.cursor.at = newest;
    else
        memset(&s->rd.cursor.at, 0, sizeof s->rd.cursor.at);
    zs_l1read_forget(&s->rd);
    s->snap.reorgs++;
    zs_log(ZS_LOG_WARN, "l1sync", "L1 reorg: reading again after L1 block %llu (%u leaves, virtual %llu, "
           "verified %llu, forced %llu kept)", (unsigned long long)s->rd.cursor.at.number, s->rd.cursor.leaves,
           (unsigned long long)s->rd.cursor.virtual_, (unsigned long long)s->rd.cursor.verified,
           (unsigned long long)s->rd.cursor.forced);
    return ZS_OK;
}

/* Whether L1 still has the block the cursor stands on. */
static int cursor_holds(zs_l1sync_t *s, int *holds)
{
    *holds = 1;
    if (!s->rd.cursor.at.number) return ZS_OK;
    zs_l1_block_t blk;
    int rc = zs_l1rpc_block(s->rpc, NULL, s->rd.cursor.at.number, &blk);
    if (rc == ZS_ERR_NOTFOUND) {
        *holds = 0;
        return ZS_OK;
    }
    if (rc) return fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    *holds = !memcmp(blk.hash, s->rd.cursor.at.hash, 32);
    return ZS_OK;
}

/* ---- The snapshot. */

/* The newest leaf at least info_confirmations deep at L1's head. */
static void pick_leaf(zs_l1sync_t *s)
{
    s->snap.have_leaf = 0;
    for (uint32_t i = s->rd.cursor.leaves; i > 0; i--) {
        zs_l1_leaf_t l;
        if (zs_l1rec_leaf(s->store, i - 1, &l)) break;
        if (l.at.number + s->cfg.info_confirmations <= s->snap.head) {
            s->snap.leaf = l;
            s->snap.have_leaf = 1;
            break;
        }
    }
}

/* The last virtual batch sequenced at or below L1 block `safe`, and the
   last verified at or below `finalized`. */
static void pick_stages(zs_l1sync_t *s)
{
    uint64_t n = s->rd.cursor.virtual_, steps = 0;
    for (; n > 0 && steps < MAX_WALK; n--, steps++) {
        zs_l1_virtual_t v;
        if (zs_l1rec_virtual(s->store, n, &v) || v.at.number <= s->snap.safe) break;
    }
    s->snap.safe_batch = n;
    n = s->rd.cursor.verified;
    for (steps = 0; n > 0 && steps < MAX_WALK; n--, steps++) {
        zs_l1_verified_t v;
        if (zs_l1rec_verified(s->store, n, &v) || v.at.number <= s->snap.finalized) break;
    }
    s->snap.finalized_batch = n;
}

/* The newest forced batch at least info_confirmations deep. */
static void pick_forced(zs_l1sync_t *s)
{
    uint64_t n = s->rd.cursor.forced;
    for (; n > 0; n--) {
        zs_l1_forced_t f;
        if (zs_l1rec_forced(s->store, n, &f)) break;
        zs_l1_forced_clear(&f);
        if (f.at.number + s->cfg.info_confirmations <= s->snap.head) break;
    }
    s->snap.forced_deep = n;
}

static void publish(zs_l1sync_t *s)
{
    s->snap.cursor = s->rd.cursor;
    s->snap.acc_mismatches = s->rd.acc_mismatches;
    snprintf(s->snap.error, sizeof s->snap.error, "%s", s->rd.error);
    pick_leaf(s);
    pick_forced(s);
    pick_stages(s);
    zs_l1view_follower_update(s->view, &s->snap);
}

/* ---- Polls. */

static int find_manager(zs_l1sync_t *s)
{
    uint8_t call[4], *ret;
    size_t rl;
    zs_l1abi_selector("globalExitRootManager()", call);
    int rc = zs_l1rpc_eth_call(s->rpc, s->cfg.rollup, call, 4, 0, &ret, &rl);
    if (rc) return fail(s, rc, "reading the rollup's globalExitRootManager(): %s", zs_l1rpc_error(s->rpc));
    if (rl != 32) rc = fail(s, ZS_ERR_PARSE, "the rollup contract answered globalExitRootManager() with "
                                      "%zu bytes: is l1.rollup the rollup's address?", rl);
    else
        memcpy(s->rd.manager, ret + 12, 20);
    free(ret);
    s->have_manager = !rc;
    return rc;
}

/* Reads [from, to] and moves the cursor to `to`. */
static int read_range(zs_l1sync_t *s, zs_store_batch_t *b, uint64_t from, uint64_t to)
{
    uint8_t addrs[2][20];
    memcpy(addrs[0], s->cfg.rollup, 20);
    memcpy(addrs[1], s->rd.manager, 20);
    json_t *logs;
    int rc = zs_l1rpc_logs(s->rpc, from, to, (const uint8_t(*)[20])addrs, 2, (const uint8_t(*)[32])zs_l1abi_topics, ZS_EV_COUNT, &logs);
    if (rc) return fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    size_t i;
    json_t *l;
    json_array_foreach(logs, i, l)
    {
        if ((rc = zs_l1read_log(&s->rd, b, l))) break;
    }
    json_decref(logs);
    zs_l1_block_t end;
    if (!rc && (rc = zs_l1rpc_block(s->rpc, NULL, to, &end))) fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    if (!rc) {
        s->rd.cursor.at.number = to;
        memcpy(s->rd.cursor.at.hash, end.hash, 32);
    }
    return rc;
}

static int poll_once(zs_l1sync_t *s, zs_store_batch_t *b)
{
    zs_l1_block_t head, tag;
    int rc, holds;
    if (!s->have_manager && (rc = find_manager(s))) return rc;
    if ((rc = zs_l1rpc_block(s->rpc, "latest", 0, &head))) return fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    s->snap.head = head.number;
    s->snap.safe = zs_l1rpc_block(s->rpc, "safe", 0, &tag) ? 0 : tag.number;
    s->snap.finalized = zs_l1rpc_block(s->rpc, "finalized", 0, &tag) ? 0 : tag.number;
    if ((rc = cursor_holds(s, &holds))) return rc;
    if (!holds && (rc = unwind(s, b))) return rc;
    uint64_t from = s->rd.cursor.at.number ? s->rd.cursor.at.number + 1 : s->cfg.start_block;
    if (from > head.number) return ZS_OK;
    uint64_t to = head.number - from + 1 > s->cfg.max_range ? from + s->cfg.max_range - 1 : head.number;
    return read_range(s, b, from, to);
}

int zs_l1sync_poll(zs_l1sync_t *s)
{
    zs_store_batch_t *b = zs_store_batch_new(s->store);
    if (!b) return ZS_ERR_NOMEM;
    zs_l1_cursor_t before = s->rd.cursor;
    s->snap.polls++;
    int rc = poll_once(s, b);
    if (!rc) {
        zs_l1rec_put_cursor(b, &s->rd.cursor);
        if ((rc = zs_store_write(s->store, b, 0)))
            fail(s, rc, "writing L1's records: %s", zs_strerror(rc));
    }
    zs_store_batch_free(b);
    if (rc) { /* nothing of this poll was written: read it again next time */
        s->rd.cursor = before;
        zs_l1read_forget(&s->rd);
        s->snap.errors++;
    } else {
        s->rd.error[0] = 0;
    }
    s->snap.up = rc != ZS_ERR_IO && rc != ZS_ERR_TIMEOUT;
    publish(s);
    return rc;
}

/* ---- The thread. */

static void *run(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-l1-sync");
    zs_l1sync_t *s = arg;
    int was_up = 1;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->mu);
        uint64_t before = s->rd.cursor.at.number;
        int rc;
        do { /* catch up range by range, then wait */
            before = s->rd.cursor.at.number;
            rc = zs_l1sync_poll(s);
        } while (!rc && s->rd.cursor.at.number != before && s->rd.cursor.at.number < s->snap.head);
        if (rc && was_up) zs_log(ZS_LOG_WARN, "l1sync", "L1 follower: %s", s->rd.error);
        if (!rc && !was_up) zs_log(ZS_LOG_INFO, "l1sync", "L1 follower: reading L1 again");
        was_up = !rc;
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        uint64_t ns = (uint64_t)t.tv_nsec + (uint64_t)s->cfg.poll_ms * 1000000u;
        t.tv_sec += (time_t)(ns / 1000000000u);
        t.tv_nsec = (long)(ns % 1000000000u);
        pthread_mutex_lock(&s->mu);
        while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &t) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int zs_l1sync_start(zs_l1sync_t *s)
{
    if (pthread_create(&s->thread, NULL, run, s)) return ZS_ERR_NOMEM;
    s->started = 1;
    return ZS_OK;
}

void zs_l1sync_free(zs_l1sync_t *s)
{
    if (!s) return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    zs_l1rpc_free(s->rpc);
    free(s->url);
    free(s);
}
