#include "host/replica/zs_replica.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/l1sync/zs_l1rpc.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"
#include "lib/dstream/zs_dsclient.h"

struct zs_replica {
    zs_replica_cfg_t cfg;
    char stream[256], rpc_url[512];
    zs_node_t *node;
    zs_replay_t *q;
    pthread_t follower, watcher;
    int have_watcher;
    pthread_mutex_t mu; /* guards stopping; cv wakes the threads' waits */
    pthread_cond_t cv;
    int stopping;
    /* Counters and state for status (atomic). */
    int connected;
    uint64_t received, reconnects, batches, sequencer_head;
};

enum { SESSION_RETRY = 1, SESSION_END = 2 };

static int stopping(zs_replica_t *r)
{
    pthread_mutex_lock(&r->mu);
    int s = r->stopping;
    pthread_mutex_unlock(&r->mu);
    return s;
}

/* Waits ms or until stop: 1 when stopping. */
static int nap(zs_replica_t *r, int ms)
{
    struct timespec deadline = zs_deadline_ms(ms);
    pthread_mutex_lock(&r->mu);
    while (!r->stopping && !pthread_cond_timedwait(&r->cv, &r->mu, &deadline)) {}
    int s = r->stopping;
    pthread_mutex_unlock(&r->mu);
    return s;
}

static void set(uint64_t *field, uint64_t v)
{
    __atomic_store_n(field, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *field)
{
    return __atomic_load_n(field, __ATOMIC_RELAXED);
}

/* Hands an item over, waiting while the replica's sequencer thread is
   behind: 0, or SESSION_END (stopping, diverged). */
static int hand_over(zs_replica_t *r, zs_replay_item_t *it)
{
    for (;;) {
        if (stopping(r)) {
            zs_replay_item_clear(it);
            return SESSION_END;
        }
        int rc = zs_replay_push(r->q, it, 500);
        if (rc == ZS_OK) return 0;
        if (rc != ZS_ERR_TIMEOUT) return SESSION_END;
    }
}

/* What one session assembles. */
typedef struct {
    zs_replay_item_t cur; /* the block being read */
    int in_block;
    uint64_t next;        /* the block expected next */
} session_t;

static int diverge(zs_replica_t *r, const char *why, uint64_t entry)
{
    zs_log(ZS_LOG_ERROR, "replica", "ALARM the replica stopped following the sequencer: stream entry %llu: %s",
           (unsigned long long)entry, why);
    zs_replay_diverge(r->q, "stream entry %llu: %s", (unsigned long long)entry, why);
    return SESSION_END;
}

static int on_block(zs_replica_t *r, session_t *s, const zs_ds_l2block_t *b, uint64_t entry)
{
    char why[160];
    if (s->in_block) return diverge(r, "an L2Block inside another block", entry);
    if (b->number != s->next) {
        snprintf(why, sizeof why, "block %llu where block %llu comes next", (unsigned long long)b->number,
                 (unsigned long long)s->next);
        return diverge(r, why, entry);
    }
    zs_replay_block_t *k = &s->cur.blk;
    memset(&s->cur, 0, sizeof s->cur);
    s->cur.kind = ZS_REPLAY_BLOCK;
    k->number = b->number;
    k->batch = b->batch_number;
    k->timestamp = b->timestamp;
    k->l1_index = b->l1_infotree_index;
    k->min_timestamp = b->min_timestamp;
    memcpy(k->ger, b->global_exit_root, 32);
    memcpy(k->block_hash_l1, b->l1_blockhash, 32);
    memcpy(k->coinbase, b->coinbase, 20);
    memcpy(k->hash, b->hash, 32);
    memcpy(k->state_root, b->state_root, 32);
    memcpy(k->info_root, b->block_info_root, 32);
    s->in_block = 1;
    return 0;
}

/* One decoded entry into the session: 0, or SESSION_END. */
static int on_msg(zs_replica_t *r, session_t *s, const zs_ds_msg_t *m, uint64_t entry)
{
    char why[160];
    switch (m->type) {
    case ZS_DS_ET_BATCH_START:
        if (m->u.batch_start.chain_id != r->cfg.chain_id) return diverge(r, "another chain id than this replica's", entry);
        if (m->u.batch_start.type != ZS_DS_BATCH_REGULAR) {
            snprintf(why, sizeof why, "batch %llu is a forced or invalid batch, which replicas do not replay yet",
                     (unsigned long long)m->u.batch_start.number);
            return diverge(r, why, entry);
        }
        return 0;
    case ZS_DS_ET_L2_BLOCK: return on_block(r, s, &m->u.l2_block, entry);
    case ZS_DS_ET_TRANSACTION:
        if (!s->in_block || m->u.tx.l2block_number != s->cur.blk.number || m->u.tx.index != s->cur.blk.ntx)
            return diverge(r, "a transaction out of its block's order", entry);
        if (!m->u.tx.is_valid || m->u.tx.effective_gas_price_percentage > 255)
            return diverge(r, "a transaction marked invalid, or its effective percentage out of range", entry);
        return zs_replay_add_tx(&s->cur.blk, m->u.tx.encoded, m->u.tx.encoded_len,
                                (uint8_t)m->u.tx.effective_gas_price_percentage)
                   ? diverge(r, "out of memory", entry)
                   : 0;
    case ZS_DS_ET_L2_BLOCK_END:
        if (!s->in_block || m->u.l2_block_end.number != s->cur.blk.number)
            return diverge(r, "an L2BlockEnd without its block", entry);
        s->in_block = 0;
        s->next++;
        if (hand_over(r, &s->cur)) return SESSION_END;
        set(&r->received, s->next - 1);
        return 0;
    case ZS_DS_ET_BATCH_END: {
        if (s->in_block) return diverge(r, "a BatchEnd inside a block", entry);
        zs_replay_item_t it = {.kind = ZS_REPLAY_BATCH_END, .batch = m->u.batch_end.number};
        memcpy(it.state_root, m->u.batch_end.state_root, 32);
        memcpy(it.local_exit_root, m->u.batch_end.local_exit_root, 32);
        if (hand_over(r, &it)) return SESSION_END;
        __atomic_add_fetch(&r->batches, 1, __ATOMIC_RELAXED);
        return 0;
    }
    default: return 0; /* bookmarks, UpdateGER */
    }
}

/* The next packet as an entry, into the session: 0, SESSION_RETRY (the
   connection failed), SESSION_END. */
static int one_packet(zs_replica_t *r, zs_dsclient_t *c, session_t *s)
{
    uint8_t *p;
    uint32_t len;
    int rc = zs_dsclient_packet(c, &p, &len);
    if (rc == ZS_ERR_NOMEM) return diverge(r, "out of memory", 0);
    if (rc) {
        zs_log(ZS_LOG_WARN, "replica", "the sequencer's stream %s: %s; connecting again", r->stream, c->err);
        return SESSION_RETRY;
    }
    zs_ds_entry_t e;
    zs_ds_msg_t m;
    if (p[0] != ZS_DS_PT_DATA || zs_ds_entry_decode(p, len, &e)) {
        free(p);
        return diverge(r, "a packet that is not a data entry", 0);
    }
    rc = e.type == ZS_DS_ET_BOOKMARK || e.type == ZS_DS_ET_UPDATE_GER ? ZS_OK : zs_ds_decode(e.type, e.data, e.len, &m);
    if (rc) {
        char why[120];
        snprintf(why, sizeof why, "a %s entry that does not decode (damaged)", zs_ds_type_name(e.type));
        rc = diverge(r, why, e.number);
    } else if (e.type != ZS_DS_ET_BOOKMARK && e.type != ZS_DS_ET_UPDATE_GER) {
        rc = on_msg(r, s, &m, e.number);
        zs_ds_msg_clear(&m);
    }
    free(p);
    return rc;
}

/* One connection: from the block after what was handed over. */
static int session(zs_replica_t *r, zs_dsclient_t *c)
{
    session_t s = {.next = get(&r->received) + 1};
    int rc = s.next == 1 ? zs_dsclient_start(c, 0) : zs_dsclient_start_bookmark(c, ZS_DS_BOOKMARK_L2_BLOCK, s.next);
    if (rc) {
        zs_log(ZS_LOG_WARN, "replica", "the sequencer's stream %s cannot start at block %llu: %s", r->stream,
               (unsigned long long)s.next, c->err);
        return SESSION_RETRY;
    }
    __atomic_store_n(&r->connected, 1, __ATOMIC_RELAXED);
    zs_log(ZS_LOG_INFO, "replica", "following the sequencer's stream %s from block %llu", r->stream,
           (unsigned long long)s.next);
    rc = 0;
    while (!rc && !stopping(r) && !zs_replay_diverged(r->q, NULL, 0)) {
        struct pollfd pf = {c->fd, POLLIN, 0};
        int pr = zs_dsclient_buffered(c) ? 1 : poll(&pf, 1, 500);
        if (pr > 0) rc = one_packet(r, c, &s);
    }
    if (s.in_block) zs_replay_item_clear(&s.cur);
    __atomic_store_n(&r->connected, 0, __ATOMIC_RELAXED);
    return rc ? rc : SESSION_END;
}

static void *follow(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-replica");
    zs_replica_t *r = arg;
    uint64_t sessions = 0;
    while (!stopping(r) && !zs_replay_diverged(r->q, NULL, 0)) {
        zs_dsclient_t c;
        if (zs_dsclient_connect(&c, r->stream, r->cfg.timeout_ms)) {
            if (!sessions) zs_log(ZS_LOG_WARN, "replica", "the sequencer's stream %s: %s; trying again", r->stream, c.err);
            if (nap(r, 1000)) break;
            continue;
        }
        if (sessions++) __atomic_add_fetch(&r->reconnects, 1, __ATOMIC_RELAXED);
        int rc = session(r, &c);
        zs_dsclient_close(&c);
        if (rc == SESSION_END || nap(r, 1000)) break;
    }
    zs_replay_close(r->q);
    return NULL;
}

/* The sequencer's head, once a second. */
static void *watch(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-replica-l1");
    zs_replica_t *r = arg;
    zs_l1rpc_t *c = zs_l1rpc_new(r->rpc_url, 2000);
    while (c && !stopping(r)) {
        json_t *res = NULL;
        uint64_t h;
        if (zs_l1rpc_call(c, "eth_blockNumber", json_array(), &res) == ZS_OK && zs_l1rpc_qty(res, &h) == ZS_OK)
            set(&r->sequencer_head, h);
        json_decref(res);
        if (nap(r, 1000)) break;
    }
    zs_l1rpc_free(c);
    return NULL;
}

int zs_replica_genesis(const char *url, int wait_ms, uint64_t *timestamp, uint8_t hash[32], char *err, size_t errlen)
{
    zs_l1rpc_t *c = zs_l1rpc_new(url, 5000);
    int rc = c ? ZS_ERR_IO : ZS_ERR_NOMEM;
    for (int waited = 0; c && rc == ZS_ERR_IO && waited <= wait_ms; waited += 1000) {
        zs_l1_block_t b;
        rc = zs_l1rpc_block(c, NULL, 0, &b);
        if (!rc) {
            *timestamp = b.timestamp;
            memcpy(hash, b.hash, 32);
        } else if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT) {
            rc = ZS_ERR_IO;
            if (waited < wait_ms) nanosleep(&(struct timespec){1, 0}, NULL);
        }
    }
    if (rc) snprintf(err, errlen, "the sequencer's block 0 from %s: %s", url, c ? zs_l1rpc_error(c) : "out of memory");
    zs_l1rpc_free(c);
    return rc;
}

json_t *zs_replica_forward(void *ctx, const char *method, json_t *params)
{
    /* One connection per call: calls come on the JSON-RPC server's threads,
       and a transaction's forwarding costs far less than its sequencing. */
    zs_l1rpc_t *c = zs_l1rpc_new(ctx, 65000); /* eth_sendRawTransactionSync may wait up to a minute */
    json_t *ans = NULL;
    if (c && zs_l1rpc_answer(c, method, json_incref(params), &ans))
        zs_log(ZS_LOG_WARN, "replica", "forwarding %s to the sequencer: %s", method, zs_l1rpc_error(c));
    zs_l1rpc_free(c);
    return ans;
}

zs_replica_t *zs_replica_start(zs_node_t *n, zs_replay_t *q, const zs_replica_cfg_t *cfg, char *err, size_t errlen)
{
    zs_replica_t *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    snprintf(r->stream, sizeof r->stream, "%s", cfg->stream);
    snprintf(r->rpc_url, sizeof r->rpc_url, "%s", cfg->sequencer_rpc ? cfg->sequencer_rpc : "");
    r->cfg.stream = r->stream;
    r->cfg.sequencer_rpc = r->rpc_url;
    if (r->cfg.timeout_ms <= 0) r->cfg.timeout_ms = 10000;
    r->node = n;
    r->q = q;
    r->received = zs_node_head(n);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->follower, NULL, follow, r)) {
        snprintf(err, errlen, "cannot start the replica's follower thread");
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    r->have_watcher = r->rpc_url[0] && pthread_create(&r->watcher, NULL, watch, r) == 0;
    return r;
}

void zs_replica_stop(zs_replica_t *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->follower, NULL);
    if (r->have_watcher) pthread_join(r->watcher, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

void zs_replica_status(zs_replica_t *r, zs_replica_status_t *out)
{
    memset(out, 0, sizeof *out);
    out->stream = r->stream;
    out->connected = __atomic_load_n(&r->connected, __ATOMIC_RELAXED);
    out->received = get(&r->received);
    out->head = zs_node_head(r->node);
    out->sequencer_head = get(&r->sequencer_head);
    uint64_t known = out->sequencer_head > out->received ? out->sequencer_head : out->received;
    out->behind = known > out->head ? known - out->head : 0;
    out->reconnects = get(&r->reconnects);
    out->blocks = zs_replay_count(r->q);
    out->batches = get(&r->batches);
    out->diverged = zs_replay_diverged(r->q, out->why, sizeof out->why);
}
