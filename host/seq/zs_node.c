#include "host/seq/zs_node.h"
#include "host/log/zs_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include "host/exec/zs_exec.h"
#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_time.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"

static const char open_batch_key[] = "chain/open-batch";
static const char genesis_key[] = "chain/genesis";
static const char params_key[] = "chain/params";

/* The latest committed balance and nonce of accounts the node was asked
   about or touched: admission and eth_getBalance read it without walking
   the tree.  Entries are never stale: the sequencer rewrites every account
   a block touched before it publishes the block. */
typedef struct view {
    uint8_t addr[20];
    uint8_t used;
    uint64_t nonce;
    zs_u256_t balance;
} view_t;

/* A built block (or a batch closed while idle) on its way to disk. */
typedef struct job {
    zs_store_batch_t *b;
    int has_block, batches_changed;
    uint64_t number, timestamp, ntx;
    uint8_t hash[32];
    zs_smt_ref_t root;
    struct view *fresh; /* the touched accounts' values after the block */
    size_t nfresh, capfresh;
    uint64_t *done_rows; /* pool rows to delete once durable */
    size_t ndone;
    uint8_t (*hashes)[32]; /* the block's transactions, for listeners */
    size_t nhashes, caphashes;
    zs_batch_numbers_t batches;
    uint64_t ns_exec, ns_block, ns_commit, ns_records;
    int close_reason;     /* a batch closed in this job: why (0: none) */
    uint64_t close_bytes;
} job_t;

#define EJECT_RING 4096
#define VIEW_MAX (1u << 21) /* accounts the view keeps at most */

struct zs_node {
    zs_node_cfg_t cfg;
    zs_store_t *store;
    zs_store_t *pool_store; /* the pool's own database (datadir/pool) */
    zs_state_t *st; /* the sequencer thread's */
    zs_exec_t *exec;
    zs_pool_t *pool;
    pthread_t seq_thread;
    int seq_started, stopping, failed, paused, parked;

    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t committed;
    uint64_t head;
    uint8_t head_hash[32];
    uint64_t head_timestamp;
    zs_smt_ref_t head_root;
    view_t *view;
    size_t view_cap, view_n;
    uint64_t view_gen; /* bumped before the sequencer rewrites entries */
    struct {
        uint8_t hash[32];
        const char *why;
    } ejected[EJECT_RING];
    size_t eject_pos;
    zs_batch_numbers_t batches;
    zs_node_stats_t stats;

    /* The sequencer's own head: the last block it built, which may still be
       being written while the next one runs. */
    uint64_t seq_head, seq_ts;
    uint8_t seq_hash[32];
    zs_smt_ref_t seq_root;

    /* The committer thread: writes a built block (fsync) and publishes it
       while the sequencer builds the next one.  At most one job is in
       flight; com_mu guards pending and com_stop. */
    pthread_t com_thread;
    int com_started, com_stop;
    pthread_mutex_t com_mu;
    pthread_cond_t com_cv;
    struct job *pending;
    pthread_mutex_t lmu; /* the block listeners (held while they run) */
    struct {
        zs_node_block_fn fn;
        void *ctx;
    } listeners[4];
    int nlisteners;

    /* The open batch (sequencer thread only). */
    zs_batchrec_t open;
    size_t open_cap; /* allocated bytes of open.l2data */
    uint32_t open_txs;
    uint64_t open_gas;
    uint64_t open_started_ms;
    uint8_t last_acc[32]; /* accInputHash of the last closed batch */
    int batch_full;       /* the last block stopped at the batch's limits */
    uint64_t open_pending_bytes; /* published copy for zs_node_open_batch (mu) */
    uint64_t open_pub_number, open_pub_txs, open_pub_gas, open_pub_started;

    /* The firmware's policy (mu): fw_policy_on selects it over cfg. */
    int fw_policy_on;
    zs_batch_policy_t fw_policy;
    uint32_t fw_block_time_ms;
    uint64_t close_request; /* batch number to close, 0 none */
    int close_by_operator;  /* ... asked by an operator, not the firmware */
    zs_node_l1_t l1;        /* mu */
};


static void load_l1(zs_node_t *n);
static void publish_open(zs_node_t *n);

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

const zs_node_cfg_t *zs_node_cfg(const zs_node_t *n)
{
    return &n->cfg;
}

zs_store_t *zs_node_store(zs_node_t *n)
{
    return n->store;
}

zs_pool_t *zs_node_pool(zs_node_t *n)
{
    return n->pool;
}

/* ---- The account view. */

static size_t view_slot(const zs_node_t *n, const uint8_t a[20])
{
    uint64_t x;
    memcpy(&x, a + 12, 8);
    return (size_t)(x * 0x9e3779b97f4a7c15ull >> 11) & (n->view_cap - 1);
}

static view_t *view_find(zs_node_t *n, const uint8_t a[20], int create)
{
    if (create && n->view_n >= VIEW_MAX)
        create = 0;
    if (create && (n->view_n + 1) * 2 > n->view_cap) {
        size_t cap = n->view_cap ? 2 * n->view_cap : 4096;
        view_t *nv = calloc(cap, sizeof *nv);
        if (!nv)
            return NULL;
        view_t *old = n->view;
        size_t oldcap = n->view_cap;
        n->view = nv;
        n->view_cap = cap;
        for (size_t i = 0; i < oldcap; i++) {
            if (!old[i].used)
                continue;
            size_t j = view_slot(n, old[i].addr);
            while (n->view[j].used)
                j = (j + 1) & (cap - 1);
            n->view[j] = old[i];
        }
        free(old);
    }
    if (!n->view_cap)
        return NULL;
    size_t j = view_slot(n, a);
    while (n->view[j].used) {
        if (!memcmp(n->view[j].addr, a, 20))
            return &n->view[j];
        j = (j + 1) & (n->view_cap - 1);
    }
    if (!create)
        return NULL;
    memcpy(n->view[j].addr, a, 20);
    n->view[j].used = 1;
    n->view_n++;
    return &n->view[j];
}

/* Reads an account under a root from the store. */
static int read_account(zs_node_t *n, const zs_smt_ref_t *root, const uint8_t a[20],
                        uint64_t *nonce, zs_u256_t *bal)
{
    zs_smt_key_t kb = zs_smt_key_account(a, ZS_SMT_BALANCE),
                 kn = zs_smt_key_account(a, ZS_SMT_NONCE);
    zs_u256_t nv;
    int rc = zs_state_get_at(n->st, root, &kb, bal, NULL);
    if (!rc)
        rc = zs_state_get_at(n->st, root, &kn, &nv, NULL);
    if (rc)
        return rc;
    if (!zs_u256_fits_u64(&nv))
        return ZS_ERR_CORRUPT;
    *nonce = nv.w[0];
    return ZS_OK;
}

int zs_node_account(zs_node_t *n, uint64_t block, const uint8_t a[20], uint64_t *nonce,
                    zs_u256_t *balance)
{
    pthread_mutex_lock(&n->mu);
    uint64_t head = n->head, gen = n->view_gen;
    zs_smt_ref_t root = n->head_root;
    if (block == UINT64_MAX || block == head) {
        view_t *v = view_find(n, a, 0);
        if (v) {
            *nonce = v->nonce;
            *balance = v->balance;
            pthread_mutex_unlock(&n->mu);
            return ZS_OK;
        }
    }
    pthread_mutex_unlock(&n->mu);
    int latest = block == UINT64_MAX || block == head;
    if (!latest) {
        if (block > head)
            return ZS_ERR_NOTFOUND;
        int rc = zs_state_root_at(n->st, block, &root);
        if (rc)
            return rc;
    }
    int rc = read_account(n, &root, a, nonce, balance);
    if (rc || !latest)
        return rc;
    /* Keep it, unless a newer block is being published meanwhile. */
    pthread_mutex_lock(&n->mu);
    if (n->view_gen == gen) {
        view_t *v = view_find(n, a, 1);
        if (v) {
            v->nonce = *nonce;
            v->balance = *balance;
        }
    }
    pthread_mutex_unlock(&n->mu);
    return ZS_OK;
}

static int pool_account(void *ctx, const uint8_t a[20], uint64_t *nonce, zs_u256_t *balance)
{
    return zs_node_account(ctx, UINT64_MAX, a, nonce, balance);
}

int zs_node_code(zs_node_t *n, uint64_t block, const uint8_t a[20], uint8_t **code, size_t *len)
{
    /* No contract can be created yet: only genesis code exists, and it is
       the same at every block.  Read it through the store. */
    (void)block;
    *code = NULL;
    *len = 0;
    pthread_mutex_lock(&n->mu);
    zs_smt_ref_t root = n->head_root;
    pthread_mutex_unlock(&n->mu);
    zs_smt_key_t kc = zs_smt_key_account(a, ZS_SMT_CODE),
                 kl = zs_smt_key_account(a, ZS_SMT_CODE_LENGTH);
    zs_u256_t h, l;
    int rc = zs_state_get_at(n->st, &root, &kc, &h, NULL);
    if (!rc)
        rc = zs_state_get_at(n->st, &root, &kl, &l, NULL);
    if (rc)
        return rc;
    if (zs_u256_is_zero(&h))
        return ZS_OK;
    uint8_t key[33] = {'c'};
    zs_u256_to_be32(&h, key + 1);
    if (!zs_u256_fits_u64(&l) || l.w[0] > (1u << 24))
        return ZS_ERR_CORRUPT;
    *code = malloc(l.w[0] ? l.w[0] : 1);
    if (!*code)
        return ZS_ERR_NOMEM;
    rc = zs_store_get(n->store, ZS_CF_CHAIN, key, 33, *code, l.w[0], len);
    if (rc) {
        free(*code);
        *code = NULL;
    }
    return rc;
}

int zs_node_pending_nonce(zs_node_t *n, const uint8_t a[20], uint64_t *nonce)
{
    if (zs_pool_pending_nonce(n->pool, a, nonce))
        return ZS_OK;
    zs_u256_t b;
    return zs_node_account(n, UINT64_MAX, a, nonce, &b);
}

uint64_t zs_node_head(zs_node_t *n)
{
    pthread_mutex_lock(&n->mu);
    uint64_t h = n->head;
    pthread_mutex_unlock(&n->mu);
    return h;
}

const char *zs_node_ejected(zs_node_t *n, const uint8_t hash[32])
{
    const char *why = NULL;
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < EJECT_RING && !why; i++)
        if (n->ejected[i].why && !memcmp(n->ejected[i].hash, hash, 32))
            why = n->ejected[i].why;
    pthread_mutex_unlock(&n->mu);
    return why;
}

void zs_node_batches(zs_node_t *n, zs_batch_numbers_t *out)
{
    pthread_mutex_lock(&n->mu);
    *out = n->batches;
    pthread_mutex_unlock(&n->mu);
}

void zs_node_stats(zs_node_t *n, zs_node_stats_t *out)
{
    pthread_mutex_lock(&n->mu);
    *out = n->stats;
    pthread_mutex_unlock(&n->mu);
}

/* ---- Transactions in. */

void zs_node_admit_nowait(zs_node_t *n, const uint8_t *raw, size_t len, const zs_tx_t *tx, const uint8_t sender[20],
                          zs_submit_t *out)
{
    if (n->failed) {
        out->reason = ZS_POOL_UNAVAILABLE;
        return;
    }
    /* The firmware says sealed batches pile up unposted: refuse new work
       with a reason the client can act on (retry later). */
    if (__atomic_load_n(&n->l1.backpressure, __ATOMIC_RELAXED)) {
        out->reason = ZS_POOL_BACKPRESSURE;
        return;
    }
    out->reason = zs_pool_add_nowait(n->pool, raw, len, tx, sender, &out->seq);
}

void zs_node_wait_durable(zs_node_t *n, zs_submit_t *s)
{
    if (s->reason == ZS_POOL_OK) s->reason = zs_pool_wait_durable(n->pool, s->hash, s->seq);
}

void zs_node_decode_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count, zs_tx_t *txs,
                         zs_perr_t *perrs, int *rcs)
{
    enum { CHUNK = 256 };
    const uint8_t *msgs[CHUNK];
    size_t mlens[CHUNK], idx[CHUNK];
    uint8_t hashes[CHUNK][32];
    for (size_t base = 0; base < count; base += CHUNK) {
        size_t m = count - base < CHUNK ? count - base : CHUNK, k = 0;
        for (size_t i = base; i < base + m; i++) {
            perrs[i] = (zs_perr_t){0};
            rcs[i] = zs_tx_decode_flags(raws[i], lens[i], &txs[i], &perrs[i], ZS_TX_DEFER_HASH);
            if (rcs[i]) continue;
            msgs[k] = raws[i];
            mlens[k] = lens[i];
            idx[k++] = i;
        }
        zs_accel_keccak_or_cpu(n->cfg.accel, msgs, mlens, k, hashes);
        for (size_t j = 0; j < k; j++) memcpy(txs[idx[j]].hash, hashes[j], 32);
    }
}

zs_accel_t *zs_node_accel(zs_node_t *n)
{
    return n->cfg.accel;
}

/* Recovers and admits a decoded transaction without waiting for
   durability; 1 when out->seq needs a zs_pool_wait_durable. */
static int admit_decoded(zs_node_t *n, const uint8_t *raw, size_t len, zs_tx_t *tx, int rc, const zs_perr_t *e,
                         zs_submit_t *out)
{
    memset(out, 0, sizeof *out);
    if (rc) {
        out->reason = rc == ZS_ERR_UNSUPPORTED ? ZS_POOL_UNSUPPORTED : ZS_POOL_INVALID;
        out->detail = e->reason;
        return 0;
    }
    memcpy(out->hash, tx->hash, 32);
    uint8_t sender[20];
    if (zs_tx_recover(tx, sender)) {
        out->reason = ZS_POOL_INVALID;
        out->detail = "invalid sender";
        return 0;
    }
    zs_node_admit_nowait(n, raw, len, tx, sender, out);
    return out->reason == ZS_POOL_OK;
}

void zs_node_submit(zs_node_t *n, const uint8_t *raw, size_t len, zs_submit_t *out)
{
    zs_tx_t tx;
    zs_perr_t e = {0};
    int rc = zs_tx_decode(raw, len, &tx, &e);
    if (admit_decoded(n, raw, len, &tx, rc, &e, out))
        out->reason = zs_pool_wait_durable(n->pool, out->hash, out->seq);
}

void zs_node_submit_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count,
                         zs_submit_t *outs)
{
    enum { CHUNK = 64 };
    zs_tx_t txs[CHUNK];
    zs_perr_t perrs[CHUNK];
    int rcs[CHUNK];
    for (size_t base = 0; base < count; base += CHUNK) {
        size_t m = count - base < CHUNK ? count - base : CHUNK;
        zs_node_decode_many(n, raws + base, lens + base, m, txs, perrs, rcs);
        for (size_t i = 0; i < m; i++)
            admit_decoded(n, raws[base + i], lens[base + i], &txs[i], rcs[i], &perrs[i], &outs[base + i]);
    }
    for (size_t i = 0; i < count; i++)
        if (outs[i].reason == ZS_POOL_OK)
            outs[i].reason = zs_pool_wait_durable(n->pool, outs[i].hash, outs[i].seq);
}

int zs_node_wait_included(zs_node_t *n, const uint8_t hash[32], int timeout_ms, zs_txrec_t *out,
                          const char **why)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&n->mu);
    for (;;) {
        uint64_t seen = n->head;
        pthread_mutex_unlock(&n->mu);
        if (zs_chain_get_tx(n->store, hash, out) == ZS_OK)
            return ZS_OK;
        const char *w = zs_node_ejected(n, hash);
        if (w) {
            if (why)
                *why = w;
            return ZS_ERR_REFUSED;
        }
        pthread_mutex_lock(&n->mu);
        while (n->head == seen && !n->stopping)
            if (pthread_cond_timedwait(&n->committed, &n->mu, &deadline) == ETIMEDOUT) {
                pthread_mutex_unlock(&n->mu);
                if (zs_chain_get_tx(n->store, hash, out) == ZS_OK)
                    return ZS_OK;
                return ZS_ERR_TIMEOUT;
            }
        if (n->stopping) {
            pthread_mutex_unlock(&n->mu);
            return ZS_ERR_TIMEOUT;
        }
    }
}

/* ---- The sequencer. */

static void put_open_batch_number(zs_store_batch_t *b, uint64_t number)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)(number >> (56 - 8 * i));
    zs_store_put(b, ZS_CF_META, open_batch_key, sizeof open_batch_key - 1, v, 8);
}

static int append_open(zs_node_t *n, const uint8_t *p, size_t len)
{
    if (n->open.l2len + len > n->open_cap) {
        size_t cap = n->open_cap ? 2 * n->open_cap : 4096;
        while (cap < n->open.l2len + len) cap *= 2;
        uint8_t *d = realloc(n->open.l2data, cap);
        if (!d)
            return ZS_ERR_NOMEM;
        n->open.l2data = d;
        n->open_cap = cap;
    }
    memcpy(n->open.l2data + n->open.l2len, p, len);
    n->open.l2len += len;
    return ZS_OK;
}

const char *zs_batch_close_name(int reason)
{
    static const char *const names[ZS_BATCH_CLOSE_COUNT] = {"", "full", "bytes", "txs", "gas", "age", "firmware",
                                                            "operator"};
    return reason > 0 && reason < ZS_BATCH_CLOSE_COUNT ? names[reason] : "?";
}

/* Closes the open batch into b and starts the next. */
static void close_batch(zs_node_t *n, job_t *job, int reason)
{
    job->close_reason = reason;
    job->close_bytes = n->open.l2len;
    zs_log(ZS_LOG_DEBUG, "seq", "batch %llu closed (%s): %zu bytes, %llu transactions",
           (unsigned long long)n->open.number, zs_batch_close_name(reason), n->open.l2len,
           (unsigned long long)n->open_txs);
    zs_store_batch_t *b = job->b;
    static const uint8_t zero[32];
    const uint8_t *data = n->open.l2data;
    zs_accel_keccak_or_cpu(n->cfg.accel, &data, &n->open.l2len, 1, (uint8_t(*)[32])n->open.batch_hash);
    /* Until L1 submission exists: no L1 info root, the last block's timestamp
       as the limit, the coinbase as sequencer. */
    zs_batch_acc_input_hash(n->last_acc, n->open.batch_hash, zero, n->open.timestamp,
                            n->cfg.coinbase, zero, n->open.acc_input_hash);
    n->open.closed = 1;
    zs_chain_put_batch(b, &n->open);
    memcpy(n->last_acc, n->open.acc_input_hash, 32);
    uint64_t next = n->open.number + 1, first = n->open.last_block + 1;
    zs_batchrec_clear(&n->open);
    n->open_cap = 0;
    n->open.number = next;
    n->open.first_block = first;
    n->open.last_block = first - 1;
    memcpy(n->open.coinbase, n->cfg.coinbase, 20);
    n->open_txs = 0;
    n->open_gas = 0;
    n->open_started_ms = 0;
    n->batch_full = 0;
    zs_chain_put_batch(b, &n->open);
    put_open_batch_number(b, next);
    /* Published by the committer once durable. */
    job->batches_changed = 1;
    job->batches.trusted = next - 1;
    job->batches.open = next;
}

/* The policy in force: the firmware's while it is up, else the
   configuration's.  Copied under mu by the sequencer thread. */
typedef struct {
    zs_batch_policy_t p;
    uint32_t block_time_ms;
    uint64_t close_request;
    int close_by_operator;
} policy_now_t;

static void policy_snapshot(zs_node_t *n, policy_now_t *out)
{
    pthread_mutex_lock(&n->mu);
    if (n->fw_policy_on) {
        out->p = n->fw_policy;
        /* The age is the firmware's call; ours is only a safety net. */
        out->p.max_age_ms = n->fw_policy.max_age_ms ? 2 * n->fw_policy.max_age_ms : n->cfg.batch.max_age_ms;
        out->block_time_ms = n->fw_block_time_ms ? n->fw_block_time_ms : n->cfg.block_time_ms;
    } else {
        out->p = n->cfg.batch;
        out->block_time_ms = n->cfg.block_time_ms;
    }
    out->close_request = n->close_request;
    out->close_by_operator = n->close_by_operator;
    pthread_mutex_unlock(&n->mu);
}

static void publish_open(zs_node_t *n)
{
    pthread_mutex_lock(&n->mu);
    n->open_pub_number = n->open.number;
    n->open_pending_bytes = n->open.l2len;
    n->open_pub_txs = n->open_txs;
    n->open_pub_gas = n->open_gas;
    n->open_pub_started = n->open_started_ms;
    if (n->close_request && n->close_request < n->open.number) n->close_request = 0;
    pthread_mutex_unlock(&n->mu);
}

/* Why the open batch should close now (a zs_batch_close_t), or 0. */
static int batch_due(zs_node_t *n, uint64_t now)
{
    policy_now_t pn;
    policy_snapshot(n, &pn);
    const zs_batch_policy_t *p = &pn.p;
    if (!n->open.l2len)
        return 0;
    if (n->batch_full)
        return ZS_BATCH_CLOSE_FULL;
    if (pn.close_request == n->open.number)
        return pn.close_by_operator ? ZS_BATCH_CLOSE_OPERATOR : ZS_BATCH_CLOSE_FIRMWARE;
    if (p->max_bytes && n->open.l2len >= p->max_bytes)
        return ZS_BATCH_CLOSE_BYTES;
    if (p->max_txs && n->open_txs >= p->max_txs)
        return ZS_BATCH_CLOSE_TXS;
    if (p->max_gas && n->open_gas >= p->max_gas)
        return ZS_BATCH_CLOSE_GAS;
    if (p->max_age_ms && n->open_started_ms && now - n->open_started_ms >= p->max_age_ms)
        return ZS_BATCH_CLOSE_AGE;
    return 0;
}

typedef struct {
    zs_txrec_t *recs;
    size_t n, cap;
    uint8_t (*touched)[20];
    size_t nt, capt;
} block_work_t;

static int touch(block_work_t *w, const uint8_t a[20])
{
    if (w->nt == w->capt) {
        size_t c = w->capt ? 2 * w->capt : 64;
        uint8_t(*nt)[20] = realloc(w->touched, c * 20);
        if (!nt)
            return ZS_ERR_NOMEM;
        w->touched = nt;
        w->capt = c;
    }
    memcpy(w->touched[w->nt++], a, 20);
    return ZS_OK;
}

static void fail_node(zs_node_t *n, const char *what, int rc)
{
    zs_log(ZS_LOG_ERROR, "seq", "sequencer stopped: %s: %s (%s)", what, zs_strerror(rc), zs_store_last_error(n->store));
    pthread_mutex_lock(&n->mu);
    n->failed = 1;
    pthread_cond_broadcast(&n->committed);
    pthread_mutex_unlock(&n->mu);
}

/* Builds, executes and commits one block starting with first. */
static int run_block(zs_node_t *n, zs_pool_item_t *first, job_t *job, block_work_t *w)
{
    zs_store_batch_t *b = job->b;
    uint64_t now = now_ms(), start = now;
    uint64_t t_begin = zs_mono_ns(), t_exec = 0;
    uint64_t ts = now / 1000;
    uint32_t delta = ts > n->seq_ts ? (uint32_t)(ts - n->seq_ts) : 0;
    zs_exec_block_t blk;
    int rc = zs_exec_block_begin(n->exec, n->seq_root.hash, delta, NULL, &blk);
    if (rc)
        return rc;
    uint8_t entry[ZS_BATCH_CHANGE_L2_BLOCK_LEN];
    long el = zs_batch_encode_change_l2_block(delta, 0, entry, sizeof entry);
    if (el < 0 || (rc = append_open(n, entry, (size_t)el)))
        return rc ? rc : ZS_ERR_NOMEM;
    if (!n->open_started_ms)
        n->open_started_ms = now;
    w->n = 0;
    w->nt = 0;
    policy_now_t pn;
    policy_snapshot(n, &pn);
    int full = 0;
    if ((rc = touch(w, n->cfg.coinbase)))
        return rc;
    /* In chunks: the pool hands over up to CHUNK transactions (one per
       sender at a time), their keys and L2 hashes are derived in
       lane-parallel batches, then they run in order. */
    enum { CHUNK = 128 };
    zs_pool_item_t items[CHUNK];
    const zs_tx_t *txs[CHUNK];
    uint8_t senders[CHUNK][20], l2[CHUNK][32];
    items[0] = *first;
    size_t have = 1;
    while (have) {
        size_t room = n->cfg.max_block_txs > w->n ? n->cfg.max_block_txs - w->n : 1;
        while (have < CHUNK && have < room && zs_pool_next(n->pool, 0, &items[have]) == ZS_OK)
            have++;
        for (size_t i = 0; i < have; i++) {
            txs[i] = items[i].tx;
            memcpy(senders[i], items[i].sender, 20);
        }
        uint64_t t0 = zs_mono_ns();
        rc = zs_exec_prepare(n->exec, txs, (const uint8_t(*)[20])senders, have, l2);
        t_exec += zs_mono_ns() - t0;
        if (rc)
            return rc;
        for (size_t i = 0; i < have; i++) {
            zs_pool_item_t it = items[i];
            /* The batch's limits hold at every transaction: one that would
               pass them waits for the next batch (a batch with nothing in it
               takes it anyway, or it could never go anywhere). */
            const zs_batch_policy_t *bp = &pn.p;
            if (n->open_txs &&
                ((bp->max_bytes && n->open.l2len + it.raw_len + ZS_BATCH_TX_TRAILER + 16 > bp->max_bytes) ||
                 (bp->max_txs && n->open_txs + 1 > bp->max_txs) ||
                 (bp->max_gas && n->open_gas + it.tx->gas > bp->max_gas))) {
                for (size_t k = i; k < have; k++) zs_pool_requeue(n->pool, &items[k]);
                n->batch_full = full = 1;
                break;
            }
            zs_exec_result_t r;
            t0 = zs_mono_ns();
            rc = zs_exec_tx_prepared(n->exec, it.tx, it.sender, 0xff, l2[i], &r);
            t_exec += zs_mono_ns() - t0;
            if (rc)
                return rc;
            if (r.reason == ZS_EXEC_OK) {
                if (w->n == w->cap) {
                    size_t c = w->cap ? 2 * w->cap : 256;
                    zs_txrec_t *nr = realloc(w->recs, c * sizeof *nr);
                    if (!nr)
                        return ZS_ERR_NOMEM;
                    w->recs = nr;
                    w->cap = c;
                }
                zs_txrec_t *t = &w->recs[w->n++];
                memset(t, 0, sizeof *t);
                t->block = blk.number;
                t->index = r.index;
                t->status = 1;
                t->eff_pct = 0xff;
                t->gas_used = r.gas_used;
                t->cumulative_gas = r.cumulative_gas;
                t->effective_gas_price = r.effective_gas_price;
                memcpy(t->hash, it.tx->hash, 32);
                memcpy(t->sender, it.sender, 20);
                memcpy(t->l2_hash, r.l2_tx_hash, 32);
                t->raw = malloc(it.raw_len);
                if (!t->raw)
                    return ZS_ERR_NOMEM;
                memcpy(t->raw, it.raw, it.raw_len);
                t->raw_len = it.raw_len;
                uint8_t enc[256];
                uint8_t *encp = it.raw_len + 128 <= sizeof enc ? enc : malloc(it.raw_len + 128);
                if (!encp)
                    return ZS_ERR_NOMEM;
                long k = zs_batch_encode_tx(it.tx, 0xff, encp, it.raw_len + 128);
                rc = k < 0 ? (int)k : append_open(n, encp, (size_t)k);
                if (encp != enc)
                    free(encp);
                if (rc)
                    return rc;
                n->open_txs++;
                n->open_gas += r.gas_used;
                if ((rc = touch(w, it.sender)) || (rc = touch(w, it.tx->to)))
                    return rc;
                zs_pool_done(n->pool, &it, 1);
            } else {
                pthread_mutex_lock(&n->mu);
                memcpy(n->ejected[n->eject_pos].hash, it.tx->hash, 32);
                n->ejected[n->eject_pos].why = zs_exec_reason_text(r.reason);
                n->eject_pos = (n->eject_pos + 1) % EJECT_RING;
                n->stats.txs_ejected++;
                pthread_mutex_unlock(&n->mu);
                zs_pool_done(n->pool, &it, 0);
            }
        }
        have = 0;
        if (full || w->n >= n->cfg.max_block_txs || now_ms() - start >= pn.block_time_ms)
            break;
        if (zs_pool_next(n->pool, 0, &items[0]) == ZS_OK)
            have = 1;
    }
    uint64_t gas_used, info_root[4];
    if ((rc = zs_exec_block_end(n->exec, &gas_used, info_root)))
        return rc;
    uint64_t t_commit0 = zs_mono_ns();

    zs_store_batch_clear(b);
    zs_smt_ref_t root;
    if ((rc = zs_state_commit(n->st, b, blk.number, &root, NULL)))
        return rc;
    uint64_t t_records0 = zs_mono_ns();
    zs_block_t block = {0};
    block.number = blk.number;
    block.timestamp = blk.timestamp;
    block.gas_used = gas_used;
    block.gas_limit = ZS_BLOCK_GAS_LIMIT;
    block.batch = n->open.number;
    memcpy(block.parent, n->seq_hash, 32);
    zs_smt_h4_to_be(root.hash, block.state_root);
    memcpy(block.coinbase, n->cfg.coinbase, 20);
    block.ntx = (uint32_t)w->n;
    block.tx_hashes = malloc((w->n ? w->n : 1) * 32);
    if (!block.tx_hashes)
        return ZS_ERR_NOMEM;
    for (size_t i = 0; i < w->n; i++)
        memcpy(block.tx_hashes[i], w->recs[i].hash, 32);
    if ((rc = zs_block_roots(w->recs, w->n, block.tx_root, block.receipts_root))) {
        zs_block_clear(&block);
        return rc;
    }
    zs_block_hash(&block, block.hash);
    zs_chain_put_block(b, &block);
    for (size_t i = 0; i < w->n; i++) {
        memcpy(w->recs[i].block_hash, block.hash, 32);
        zs_chain_put_tx(b, &w->recs[i]);
    }
    n->open.last_block = blk.number;
    n->open.timestamp = blk.timestamp;
    memcpy(n->open.state_root, block.state_root, 32);
    int why = batch_due(n, now_ms());
    if (why)
        close_batch(n, job, why);
    else
        zs_chain_put_batch(b, &n->open);
    publish_open(n);
    zs_chain_put_head(b, blk.number);
    uint64_t t_records1 = zs_mono_ns();
    zs_state_applied(n->st, blk.number, &root);
    /* What the committer publishes once the block is durable: the touched
       accounts' values now (the tree moves on with the next block). */
    job->nfresh = 0;
    if (w->nt > job->capfresh) {
        view_t *nf = realloc(job->fresh, w->nt * sizeof *nf);
        if (!nf) {
            zs_block_clear(&block);
            return ZS_ERR_NOMEM;
        }
        job->fresh = nf;
        job->capfresh = w->nt;
    }
    for (size_t i = 0; i < w->nt; i++) {
        view_t *f = &job->fresh[job->nfresh];
        if (zs_state_nonce(n->st, w->touched[i], &f->nonce) || zs_state_balance(n->st, w->touched[i], &f->balance))
            continue;
        memcpy(f->addr, w->touched[i], 20);
        job->nfresh++;
    }
    if (w->n > job->caphashes) {
        uint8_t(*nh)[32] = realloc(job->hashes, w->n * 32);
        if (!nh) {
            zs_block_clear(&block);
            return ZS_ERR_NOMEM;
        }
        job->hashes = nh;
        job->caphashes = w->n;
    }
    for (size_t i = 0; i < w->n; i++) memcpy(job->hashes[i], w->recs[i].hash, 32);
    job->nhashes = w->n;
    job->has_block = 1;
    job->number = blk.number;
    job->timestamp = blk.timestamp;
    job->ntx = w->n;
    memcpy(job->hash, block.hash, 32);
    job->root = root;
    zs_pool_take_done(n->pool, &job->done_rows, &job->ndone);
    job->ns_exec = t_exec;
    /* The loop's time outside execution is pool hand-over and encoding: counted with the block. */
    job->ns_block = (t_commit0 - t_begin) - t_exec;
    job->ns_commit = t_records0 - t_commit0;
    job->ns_records = t_records1 - t_records0;
    n->seq_head = blk.number;
    n->seq_ts = blk.timestamp;
    memcpy(n->seq_hash, block.hash, 32);
    n->seq_root = root;
    zs_block_clear(&block);
    for (size_t i = 0; i < w->n; i++)
        zs_txrec_clear(&w->recs[i]);
    return ZS_OK;
}

/* ---- The committer. */



static void publish(zs_node_t *n, job_t *job, uint64_t ns_write, uint64_t t0)
{
    /* The view first, then the head, so readers never see a head whose
       accounts are older than it. */
    pthread_mutex_lock(&n->mu);
    n->view_gen++;
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < job->nfresh; i += 256) {
        size_t end = job->nfresh - i < 256 ? job->nfresh : i + 256;
        pthread_mutex_lock(&n->mu);
        for (size_t k = i; k < end; k++) {
            view_t *v = view_find(n, job->fresh[k].addr, 1);
            if (v) {
                v->nonce = job->fresh[k].nonce;
                v->balance = job->fresh[k].balance;
            }
        }
        pthread_mutex_unlock(&n->mu);
    }
    pthread_mutex_lock(&n->mu);
    if (job->has_block) {
        n->head = job->number;
        memcpy(n->head_hash, job->hash, 32);
        n->head_timestamp = job->timestamp;
        n->head_root = job->root;
        n->stats.blocks++;
        n->stats.txs_included += job->ntx;
        n->stats.ns_exec += job->ns_exec;
        n->stats.ns_block += job->ns_block;
        n->stats.ns_commit += job->ns_commit;
        n->stats.ns_records += job->ns_records;
        n->stats.ns_write += ns_write;
        zs_hist_observe_ns(&n->stats.block_build, job->ns_exec + job->ns_block + job->ns_commit + job->ns_records);
        zs_hist_observe_ns(&n->stats.block_write, ns_write);
    }
    if (job->close_reason) {
        n->stats.batches_closed[job->close_reason]++;
        n->stats.batch_bytes += job->close_bytes;
        n->stats.last_batch_bytes = job->close_bytes;
    }
    if (job->batches_changed) {
        n->batches.trusted = job->batches.trusted;
        n->batches.open = job->batches.open;
    }
    n->view_gen++; /* readers that began before this head must not cache */
    pthread_cond_broadcast(&n->committed);
    pthread_mutex_unlock(&n->mu);
    zs_pool_forget_rows(n->pool, job->done_rows, job->ndone);
    if (job->has_block) {
        zs_pool_release(n->pool, job->number);
        pthread_mutex_lock(&n->lmu);
        for (int i = 0; i < n->nlisteners; i++)
            n->listeners[i].fn(n->listeners[i].ctx, job->number, (const uint8_t(*)[32])job->hashes, job->nhashes);
        pthread_mutex_unlock(&n->lmu);
    }
    pthread_mutex_lock(&n->mu);
    n->stats.ns_publish += zs_mono_ns() - t0;
    pthread_mutex_unlock(&n->mu);
}

static void *committer_main(void *arg)
{
    zs_node_t *n = arg;
    pthread_mutex_lock(&n->com_mu);
    for (;;) {
        while (!n->pending && !n->com_stop) pthread_cond_wait(&n->com_cv, &n->com_mu);
        if (!n->pending) break;
        job_t *job = n->pending;
        pthread_mutex_unlock(&n->com_mu);
        uint64_t t0 = zs_mono_ns();
        int rc = n->failed ? ZS_ERR_STATE : zs_store_write(n->store, job->b, 1);
        uint64_t t1 = zs_mono_ns();
        if (rc)
            fail_node(n, job->has_block ? "writing a block" : "writing a batch", rc);
        else
            publish(n, job, t1 - t0, t1);
        free(job->done_rows);
        job->done_rows = NULL;
        job->ndone = 0;
        pthread_mutex_lock(&n->com_mu);
        n->pending = NULL;
        pthread_cond_broadcast(&n->com_cv);
    }
    pthread_mutex_unlock(&n->com_mu);
    return NULL;
}

/* Waits until the committer is idle (the job before is durable and
   published). */
static void commit_wait_idle(zs_node_t *n)
{
    pthread_mutex_lock(&n->com_mu);
    while (n->pending) pthread_cond_wait(&n->com_cv, &n->com_mu);
    pthread_mutex_unlock(&n->com_mu);
}

static void commit_submit(zs_node_t *n, job_t *job)
{
    pthread_mutex_lock(&n->com_mu);
    while (n->pending) pthread_cond_wait(&n->com_cv, &n->com_mu);
    n->pending = job;
    pthread_cond_broadcast(&n->com_cv);
    pthread_mutex_unlock(&n->com_mu);
}

static void job_reset(job_t *job)
{
    zs_store_batch_clear(job->b);
    job->has_block = job->batches_changed = 0;
    job->nfresh = 0;
    job->close_reason = 0;
}

static void *sequencer_main(void *arg)
{
    zs_node_t *n = arg;
    /* Two jobs: one being written by the committer, one being built. */
    job_t jobs[2] = {{.b = zs_store_batch_new(n->store)}, {.b = zs_store_batch_new(n->store)}};
    int cur = 0;
    block_work_t w = {0};
    for (;;) {
        pthread_mutex_lock(&n->mu);
        while (n->paused && !n->stopping && !n->failed) {
            n->parked = 1; /* zs_node_pause waits for this */
            pthread_cond_broadcast(&n->committed);
            pthread_cond_wait(&n->committed, &n->mu);
        }
        n->parked = 0;
        int stop = n->stopping || n->failed;
        pthread_mutex_unlock(&n->mu);
        if (stop)
            break;
        zs_pool_item_t it;
        job_t *job = &jobs[cur];
        int got = zs_pool_next(n->pool, 200, &it) == ZS_OK;
        if (got && zs_node_is_paused(n)) {
            zs_pool_requeue(n->pool, &it); /* paused while it waited: the transaction stays pooled */
            continue;
        }
        if (!got) {
            /* Idle: a batch may be due by age. */
            int why = batch_due(n, now_ms());
            if (why) {
                job_reset(job);
                close_batch(n, job, why);
                publish_open(n);
                commit_submit(n, job);
                cur ^= 1;
            }
            continue;
        }
        /* This job was handed over two submissions ago, and the last
           submission waited for it to be written: it is free. */
        job_reset(job);
        zs_pool_set_block(n->pool, n->seq_head + 1);
        int rc = run_block(n, &it, job, &w);
        if (rc) {
            fail_node(n, "building a block", rc);
            break;
        }
        commit_submit(n, job);
        cur ^= 1;
    }
    commit_wait_idle(n);
    for (size_t i = 0; i < w.n; i++)
        zs_txrec_clear(&w.recs[i]);
    free(w.recs);
    free(w.touched);
    for (int i = 0; i < 2; i++) {
        zs_store_batch_free(jobs[i].b);
        free(jobs[i].fresh);
        free(jobs[i].done_rows);
        free(jobs[i].hashes);
    }
    return NULL;
}

/* ---- Opening. */

int zs_node_read_params(zs_store_t *s, zs_node_params_t *out, json_t **genesis)
{
    char buf[512];
    size_t len;
    int rc =
        zs_store_get(s, ZS_CF_META, params_key, sizeof params_key - 1, buf, sizeof buf - 1, &len);
    if (rc)
        return rc;
    buf[len] = 0;
    json_t *pj = json_loads(buf, 0, NULL);
    json_t *cid = json_object_get(pj, "chain_id"), *ts = json_object_get(pj, "timestamp");
    const char *fee = json_string_value(json_object_get(pj, "base_fee"));
    if (!json_is_integer(cid) || !json_is_integer(ts) || !fee ||
        zs_u256_parse(&out->base_fee, fee)) {
        json_decref(pj);
        return ZS_ERR_CORRUPT;
    }
    out->chain_id = (uint64_t)json_integer_value(cid);
    out->timestamp = (uint64_t)json_integer_value(ts);
    json_decref(pj);
    if (!genesis)
        return ZS_OK;
    rc = zs_store_get(s, ZS_CF_META, genesis_key, sizeof genesis_key - 1, NULL, 0, &len);
    if (rc != ZS_ERR_FULL && rc != ZS_OK)
        return rc;
    char *g = malloc(len + 1);
    if (!g)
        return ZS_ERR_NOMEM;
    if ((rc = zs_store_get(s, ZS_CF_META, genesis_key, sizeof genesis_key - 1, g, len, &len))) {
        free(g);
        return rc;
    }
    g[len] = 0;
    *genesis = json_loads(g, 0, NULL);
    free(g);
    return *genesis ? ZS_OK : ZS_ERR_CORRUPT;
}

static int genesis(zs_node_t *n, char *err, size_t errlen)
{
    if (!n->cfg.genesis) {
        snprintf(err, errlen, "the database is empty and no genesis was given");
        return ZS_ERR_STATE;
    }
    int rc = zs_state_apply_genesis(n->st, n->cfg.genesis, err, errlen);
    if (rc)
        return rc;
    uint64_t now = now_ms() / 1000;
    if ((rc = zs_exec_genesis_timestamp(n->st, now)))
        return rc;
    zs_store_batch_t *b = zs_store_batch_new(n->store);
    zs_smt_ref_t root;
    if ((rc = zs_state_commit(n->st, b, 0, &root, NULL))) {
        zs_store_batch_free(b);
        snprintf(err, errlen, "genesis: %s", zs_strerror(rc));
        return rc;
    }
    zs_block_t g = {0};
    g.timestamp = now;
    zs_smt_h4_to_be(root.hash, g.state_root);
    g.gas_limit = ZS_BLOCK_GAS_LIMIT;
    memcpy(g.coinbase, n->cfg.coinbase, 20);
    if ((rc = zs_block_roots(NULL, 0, g.tx_root, g.receipts_root))) {
        zs_store_batch_free(b);
        return rc;
    }
    zs_block_hash(&g, g.hash);
    zs_chain_put_block(b, &g);
    /* Batch 0 is the genesis, closed; batch 1 takes block 1 on. */
    zs_batchrec_t b0 = {0};
    b0.closed = 1;
    memcpy(b0.state_root, g.state_root, 32);
    memcpy(b0.coinbase, n->cfg.coinbase, 20);
    zs_chain_put_batch(b, &b0);
    zs_batchrec_t b1 = {0};
    b1.number = 1;
    b1.first_block = 1;
    memcpy(b1.coinbase, n->cfg.coinbase, 20);
    zs_chain_put_batch(b, &b1);
    put_open_batch_number(b, 1);
    zs_chain_put_head(b, 0);
    /* What a replay needs to start from: the genesis and the chain's fixed
       parameters. */
    char *gj = json_dumps(n->cfg.genesis, JSON_COMPACT | JSON_SORT_KEYS);
    char fee[ZS_U256_DEC_MAX];
    zs_u256_to_dec(&n->cfg.min_gas_price, fee);
    json_t *pj = json_pack("{s:I,s:s,s:I}", "chain_id", (json_int_t)n->cfg.chain_id, "base_fee",
                           fee, "timestamp", (json_int_t)now);
    char *ps = json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(pj);
    if (!gj || !ps) {
        free(gj);
        free(ps);
        zs_store_batch_free(b);
        return ZS_ERR_NOMEM;
    }
    zs_store_put(b, ZS_CF_META, genesis_key, sizeof genesis_key - 1, gj, strlen(gj));
    zs_store_put(b, ZS_CF_META, params_key, sizeof params_key - 1, ps, strlen(ps));
    free(gj);
    free(ps);
    rc = zs_store_write(n->store, b, 1);
    zs_store_batch_free(b);
    if (rc) {
        snprintf(err, errlen, "writing the genesis: %s", zs_store_last_error(n->store));
        return rc;
    }
    zs_state_applied(n->st, 0, &root);
    return ZS_OK;
}

zs_node_t *zs_node_open(const zs_node_cfg_t *cfg, char *err, size_t errlen)
{
    zs_node_t *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    n->paused = cfg->paused;
    if (!n->cfg.block_time_ms)
        n->cfg.block_time_ms = 100;
    if (!n->cfg.max_block_txs)
        n->cfg.max_block_txs = 2000;
    if (!n->cfg.keep_versions)
        n->cfg.keep_versions = 256;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->committed, NULL);
    pthread_mutex_init(&n->com_mu, NULL);
    pthread_mutex_init(&n->lmu, NULL);
    pthread_cond_init(&n->com_cv, NULL);
    mkdir(cfg->datadir, 0755);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", cfg->datadir);
    zs_store_opts_t so = {.cache_mb = cfg->cache_mb ? cfg->cache_mb : 256, .create = 1};
    n->store = zs_schema_open(path, &so, err, errlen);
    if (!n->store)
        goto fail;
    snprintf(path, sizeof path, "%s/pool", cfg->datadir);
    zs_store_opts_t po = {.cache_mb = 16, .create = 1};
    n->pool_store = zs_schema_open(path, &po, err, errlen);
    if (!n->pool_store)
        goto fail;
    zs_smt_hasher_t hasher;
    zs_state_opts_t sto = {.keep_versions = n->cfg.keep_versions};
    if (cfg->accel) {
        zs_accel_smt_hasher(cfg->accel, &hasher);
        sto.hasher = &hasher;
    }
    n->st = zs_state_open(n->store, &sto, err, errlen);
    if (!n->st)
        goto fail;
    uint64_t version;
    zs_smt_ref_t root;
    if (!zs_state_version(n->st, &version, &root)) {
        if (genesis(n, err, errlen))
            goto fail;
        zs_state_version(n->st, &version, &root);
    }
    uint64_t head;
    if (!zs_chain_head(n->store, &head) || head != version) {
        snprintf(err, errlen, "the chain head and the state disagree (state version %llu)",
                 (unsigned long long)version);
        goto fail;
    }
    zs_block_t hb;
    int rc = zs_chain_get_block(n->store, head, &hb);
    if (rc) {
        snprintf(err, errlen, "head block %llu: %s", (unsigned long long)head, zs_strerror(rc));
        goto fail;
    }
    n->head = n->seq_head = head;
    memcpy(n->head_hash, hb.hash, 32);
    memcpy(n->seq_hash, hb.hash, 32);
    n->head_timestamp = n->seq_ts = hb.timestamp;
    n->head_root = n->seq_root = root;
    zs_block_clear(&hb);
    /* The open batch, and the accInputHash of the one before it. */
    uint8_t v[8];
    size_t len;
    if (zs_store_get(n->store, ZS_CF_META, open_batch_key, sizeof open_batch_key - 1, v, 8, &len) ||
        len != 8) {
        snprintf(err, errlen, "no open batch record");
        goto fail;
    }
    uint64_t ob = 0;
    for (int i = 0; i < 8; i++)
        ob = ob << 8 | v[i];
    if ((rc = zs_chain_get_batch(n->store, ob, &n->open))) {
        snprintf(err, errlen, "open batch %llu: %s", (unsigned long long)ob, zs_strerror(rc));
        goto fail;
    }
    /* Its data is not stored while it is open: derive it from its blocks. */
    free(n->open.l2data);
    if ((rc = zs_chain_batch_l2data(n->store, n->open.first_block, n->open.last_block, &n->open.l2data,
                                    &n->open.l2len))) {
        snprintf(err, errlen, "open batch %llu: its blocks: %s", (unsigned long long)ob, zs_strerror(rc));
        goto fail;
    }
    n->open_cap = n->open.l2len;
    /* Its transaction count, for the batch limits (gas is not recounted:
       the limit then applies from the next block on). */
    {
        size_t pos = 0;
        zs_batch_entry_t ent;
        while (zs_batch_next(n->open.l2data, n->open.l2len, &pos, &ent, NULL) == 1)
            n->open_txs += ent.kind == ZS_BATCH_ENTRY_TX;
    }
    if (ob) {
        zs_batchrec_t prev;
        if ((rc = zs_chain_get_batch(n->store, ob - 1, &prev))) {
            snprintf(err, errlen, "batch %llu: %s", (unsigned long long)ob - 1, zs_strerror(rc));
            goto fail;
        }
        memcpy(n->last_acc, prev.acc_input_hash, 32);
        zs_batchrec_clear(&prev);
    }
    n->batches.open = ob;
    n->batches.trusted = ob ? ob - 1 : 0;
    load_l1(n);
    publish_open(n);
    if (n->open.l2len)
        n->open_started_ms = now_ms(); /* its age restarts with the process */
    zs_node_params_t params;
    if ((rc = zs_node_read_params(n->store, &params, NULL))) {
        snprintf(err, errlen, "the chain parameters are missing or damaged");
        goto fail;
    }
    if (params.chain_id != cfg->chain_id) {
        snprintf(err, errlen, "this database holds chain id %llu, not %llu",
                 (unsigned long long)params.chain_id, (unsigned long long)cfg->chain_id);
        goto fail;
    }
    zs_exec_cfg_t ec = {.chain_id = cfg->chain_id, .tx_gas_limit = ZS_TX_GAS_LIMIT};
    memcpy(ec.coinbase, cfg->coinbase, 20);
    ec.base_fee = params.base_fee; /* fixed at genesis: a replay must price alike */
    n->exec = zs_exec_new(n->st, &ec);
    zs_pool_cfg_t pc = {0};
    pc.rules.chain_id = cfg->chain_id;
    pc.rules.allow_unprotected = 0;
    pc.rules.max_init_code = 49152;
    pc.min_gas_price = cfg->min_gas_price;
    pc.max_gas = ZS_TX_GAS_LIMIT;
    pc.price_bump = cfg->price_bump;
    pc.nonce_gap = cfg->nonce_gap;
    pc.max_txs = cfg->pool_max_txs;
    pc.max_per_sender = cfg->pool_max_per_sender;
    pc.order = cfg->order;
    pc.account = pool_account;
    pc.account_ctx = n;
    n->pool = zs_pool_new(n->pool_store, &pc);
    if (!n->exec || !n->pool) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    n->stats.started_at = now_ms() / 1000;
    size_t back = zs_pool_load(n->pool);
    if (back)
        zs_log(ZS_LOG_INFO, "seq", "%zu pooled transactions reloaded", back);
    if (pthread_create(&n->com_thread, NULL, committer_main, n)) {
        snprintf(err, errlen, "cannot start the committer thread");
        goto fail;
    }
    n->com_started = 1;
    if (pthread_create(&n->seq_thread, NULL, sequencer_main, n)) {
        snprintf(err, errlen, "cannot start the sequencer thread");
        goto fail;
    }
    n->seq_started = 1;
    return n;
fail:
    zs_node_close(n);
    return NULL;
}

void zs_node_stop(zs_node_t *n)
{
    pthread_mutex_lock(&n->mu);
    n->stopping = 1;
    pthread_cond_broadcast(&n->committed);
    pthread_mutex_unlock(&n->mu);
    if (n->seq_started)
        pthread_join(n->seq_thread, NULL);
    n->seq_started = 0;
    if (n->com_started) {
        pthread_mutex_lock(&n->com_mu);
        n->com_stop = 1;
        pthread_cond_broadcast(&n->com_cv);
        pthread_mutex_unlock(&n->com_mu);
        pthread_join(n->com_thread, NULL);
        n->com_started = 0;
    }
}

int zs_node_on_block(zs_node_t *n, zs_node_block_fn fn, void *ctx)
{
    pthread_mutex_lock(&n->lmu);
    int rc = n->nlisteners < 4 ? ZS_OK : ZS_ERR_FULL;
    if (!rc) {
        n->listeners[n->nlisteners].fn = fn;
        n->listeners[n->nlisteners].ctx = ctx;
        n->nlisteners++;
    }
    pthread_mutex_unlock(&n->lmu);
    return rc;
}

void zs_node_off_block(zs_node_t *n, zs_node_block_fn fn, void *ctx)
{
    pthread_mutex_lock(&n->lmu);
    for (int i = 0; i < n->nlisteners; i++)
        if (n->listeners[i].fn == fn && n->listeners[i].ctx == ctx) {
            n->listeners[i] = n->listeners[--n->nlisteners];
            break;
        }
    pthread_mutex_unlock(&n->lmu);
}

void zs_node_pause(zs_node_t *n)
{
    /* Returns once the sequencer has finished the block in progress and
       parked: nothing admitted after this returns goes into a block. */
    struct timespec deadline = zs_deadline_ms(10000);
    pthread_mutex_lock(&n->mu);
    n->paused = 1;
    while (n->seq_started && !n->parked && !n->stopping && !n->failed)
        if (pthread_cond_timedwait(&n->committed, &n->mu, &deadline)) break;
    pthread_mutex_unlock(&n->mu);
}

void zs_node_resume(zs_node_t *n)
{
    pthread_mutex_lock(&n->mu);
    n->paused = 0;
    pthread_cond_broadcast(&n->committed);
    pthread_mutex_unlock(&n->mu);
}

int zs_node_is_paused(zs_node_t *n)
{
    pthread_mutex_lock(&n->mu);
    int p = n->paused;
    pthread_mutex_unlock(&n->mu);
    return p;
}

void zs_node_close(zs_node_t *n)
{
    if (!n)
        return;
    zs_node_stop(n);
    zs_pool_free(n->pool);
    zs_exec_free(n->exec);
    zs_state_close(n->st);
    if (n->store) {
        if (zs_store_flush(n->store))
            zs_log(ZS_LOG_ERROR, "seq", "flushing the database failed");
        zs_store_close(n->store);
    }
    if (n->pool_store)
        zs_store_close(n->pool_store);
    zs_batchrec_clear(&n->open);
    free(n->view);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->committed);
    pthread_mutex_destroy(&n->com_mu);
    pthread_mutex_destroy(&n->lmu);
    pthread_cond_destroy(&n->com_cv);
    free(n);
}

/* ---- The firmware's side. */

void zs_node_set_policy(zs_node_t *n, const zs_batch_policy_t *p, uint32_t block_time_ms)
{
    pthread_mutex_lock(&n->mu);
    n->fw_policy_on = p != NULL;
    if (p) {
        n->fw_policy = *p;
        n->fw_block_time_ms = block_time_ms;
    }
    pthread_mutex_unlock(&n->mu);
}

int zs_node_policy(zs_node_t *n, zs_batch_policy_t *p, uint32_t *block_time_ms)
{
    pthread_mutex_lock(&n->mu);
    int fw = n->fw_policy_on;
    *p = fw ? n->fw_policy : n->cfg.batch;
    *block_time_ms = fw && n->fw_block_time_ms ? n->fw_block_time_ms : n->cfg.block_time_ms;
    pthread_mutex_unlock(&n->mu);
    return fw;
}

static void request_close(zs_node_t *n, uint64_t number, int operator_)
{
    pthread_mutex_lock(&n->mu);
    if (number == n->open_pub_number) {
        n->close_request = number;
        n->close_by_operator = operator_;
    }
    pthread_mutex_unlock(&n->mu);
}

void zs_node_request_close(zs_node_t *n, uint64_t number) { request_close(n, number, 0); }
void zs_node_operator_close(zs_node_t *n, uint64_t number) { request_close(n, number, 1); }

void zs_node_local_policy(zs_node_t *n, zs_batch_policy_t *p, uint32_t *block_time_ms)
{
    pthread_mutex_lock(&n->mu);
    *p = n->cfg.batch;
    *block_time_ms = n->cfg.block_time_ms;
    pthread_mutex_unlock(&n->mu);
}

void zs_node_set_local_policy(zs_node_t *n, const zs_batch_policy_t *p, uint32_t block_time_ms)
{
    pthread_mutex_lock(&n->mu);
    n->cfg.batch = *p;
    n->cfg.block_time_ms = block_time_ms;
    pthread_mutex_unlock(&n->mu);
}

void zs_node_open_batch(zs_node_t *n, zs_node_open_batch_t *out)
{
    size_t pending = 0;
    zs_pool_size(n->pool, &pending, NULL);
    uint64_t now = now_ms();
    pthread_mutex_lock(&n->mu);
    out->number = n->open_pub_number;
    out->bytes = n->open_pending_bytes;
    out->txs = n->open_pub_txs;
    out->gas = n->open_pub_gas;
    out->age_ms = n->open_pub_started && now > n->open_pub_started ? now - n->open_pub_started : 0;
    out->txs_total = n->stats.txs_included;
    out->last_sealed = n->batches.trusted;
    pthread_mutex_unlock(&n->mu);
    out->pool_pending = pending;
}

static const char l1_key[] = "chain/l1";

void zs_node_set_l1(zs_node_t *n, const zs_node_l1_t *l1)
{
    pthread_mutex_lock(&n->mu);
    int moved = l1->virtual_ != n->l1.virtual_ || l1->confirmed != n->l1.confirmed ||
                memcmp(l1->acc_input_hash, n->l1.acc_input_hash, 32);
    n->l1 = *l1;
    n->batches.virtual_ = l1->virtual_;
    pthread_mutex_unlock(&n->mu);
    if (!moved)
        return;
    /* Kept so a restart shows the last known L1 state before the firmware
       speaks again (the firmware's journal is the authority). */
    uint8_t v[8 * 3 + 64];
    for (int i = 0; i < 8; i++) {
        v[i] = (uint8_t)(l1->virtual_ >> (56 - 8 * i));
        v[8 + i] = (uint8_t)(l1->confirmed >> (56 - 8 * i));
        v[16 + i] = (uint8_t)(l1->l1_block >> (56 - 8 * i));
    }
    memcpy(v + 24, l1->acc_input_hash, 32);
    memcpy(v + 56, l1->l1_tx, 32);
    zs_store_batch_t *b = zs_store_batch_new(n->store);
    if (!b) return;
    zs_store_put(b, ZS_CF_META, l1_key, sizeof l1_key - 1, v, sizeof v);
    if (zs_store_write(n->store, b, 0))
        zs_log(ZS_LOG_ERROR, "seq", "cannot record the L1 state: %s", zs_store_last_error(n->store));
    zs_store_batch_free(b);
}

void zs_node_l1(zs_node_t *n, zs_node_l1_t *out)
{
    pthread_mutex_lock(&n->mu);
    *out = n->l1;
    pthread_mutex_unlock(&n->mu);
}

static void load_l1(zs_node_t *n)
{
    uint8_t v[8 * 3 + 64];
    size_t len;
    if (zs_store_get(n->store, ZS_CF_META, l1_key, sizeof l1_key - 1, v, sizeof v, &len) || len != sizeof v)
        return;
    uint64_t x[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 8; i++) x[k] = x[k] << 8 | v[8 * k + i];
    n->l1.virtual_ = x[0];
    n->l1.confirmed = x[1];
    n->l1.l1_block = x[2];
    memcpy(n->l1.acc_input_hash, v + 24, 32);
    memcpy(n->l1.l1_tx, v + 56, 32);
    n->batches.virtual_ = x[0];
}
