/* zs_node: opening the node's parts and wiring them, transactions in, and
   reads.  The sequencer's work is in zs_builder.c, the writes in
   zs_committer.c. */
#include "host/node/zs_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "host/exec/zs_exec.h"
#include "host/log/zs_log.h"
#include "host/node/zs_batcher.h"
#include "host/node/zs_builder.h"
#include "host/node/zs_chaininit.h"
#include "host/node/zs_ejected.h"
#include "host/node/zs_executed.h"
#include "host/node/zs_view.h"
#include "host/pool/zs_pool_log.h"
#include "host/state/zs_state.h"
#include "host/state/zs_statedb.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_time.h"

struct zs_node {
    zs_node_cfg_t cfg;
    zs_store_t *store;
    zs_store_t *pool_store; /* the pool's own database (datadir/pool) */
    zs_plog_t *pool_log;    /* its log (datadir/pool.log), when configured */
    zs_state_t *st;         /* the sequencer thread's */
    zs_exec_t *exec;
    zs_pool_t *pool;
    zs_view_t *view;
    zs_ejected_t *ejected;
    zs_executed_t *executed;
    zs_batcher_t *batcher;
    zs_policyctl_t *policy;
    zs_l1view_t *l1view;
    zs_committer_t *committer;
    zs_builder_t *builder;
    uint64_t started_at;
};

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

const zs_node_cfg_t *zs_node_cfg(const zs_node_t *n) { return &n->cfg; }
zs_store_t *zs_node_store(zs_node_t *n) { return n->store; }
zs_pool_t *zs_node_pool(zs_node_t *n) { return n->pool; }
zs_accel_t *zs_node_accel(zs_node_t *n) { return n->cfg.accel; }
zs_policyctl_t *zs_node_policy(zs_node_t *n) { return n->policy; }
zs_l1view_t *zs_node_l1view(zs_node_t *n) { return n->l1view; }

/* ---- Reads. */

/* Reads an account under a root from the store. */
static int read_account(zs_node_t *n, const zs_smt_ref_t *root, const uint8_t a[20], uint64_t *nonce, zs_u256_t *bal)
{
    zs_smt_key_t kb = zs_smt_key_account(a, ZS_SMT_BALANCE), kn = zs_smt_key_account(a, ZS_SMT_NONCE);
    zs_u256_t nv;
    int rc = zs_state_get_at(n->st, root, &kb, bal, NULL);
    if (!rc) rc = zs_state_get_at(n->st, root, &kn, &nv, NULL);
    if (rc) return rc;
    if (!zs_u256_fits_u64(&nv)) return ZS_ERR_CORRUPT;
    *nonce = nv.w[0];
    return ZS_OK;
}

int zs_node_account(zs_node_t *n, uint64_t block, const uint8_t a[20], uint64_t *nonce, zs_u256_t *balance)
{
    zs_view_head_t head;
    uint64_t gen;
    int latest = block == UINT64_MAX;
    if (zs_view_account(n->view, a, nonce, balance, &head, &gen) && (latest || block == head.number)) return ZS_OK;
    latest |= block == head.number;
    zs_smt_ref_t root = head.root;
    if (!latest) {
        if (block > head.number) return ZS_ERR_NOTFOUND;
        int rc = zs_state_root_at(n->st, block, &root);
        if (rc) return rc;
    }
    int rc = read_account(n, &root, a, nonce, balance);
    if (rc || !latest) return rc;
    zs_view_account_t v = {.nonce = *nonce, .balance = *balance};
    memcpy(v.addr, a, 20);
    zs_view_remember(n->view, gen, &v);
    return ZS_OK;
}

static int pool_account(void *ctx, const uint8_t a[20], uint64_t *nonce, zs_u256_t *balance)
{
    return zs_node_account(ctx, UINT64_MAX, a, nonce, balance);
}

/* The state root after block (UINT64_MAX: the head). */
static int root_after(zs_node_t *n, uint64_t block, zs_smt_ref_t *root, uint64_t *number)
{
    zs_view_head_t head;
    zs_view_head(n->view, &head);
    if (block == UINT64_MAX || block == head.number) {
        *root = head.root;
        *number = head.number;
        return ZS_OK;
    }
    if (block > head.number) return ZS_ERR_NOTFOUND;
    *number = block;
    return zs_state_root_at(n->st, block, root);
}

int zs_node_code(zs_node_t *n, uint64_t block, const uint8_t a[20], uint8_t **code, size_t *len)
{
    *code = NULL;
    *len = 0;
    zs_smt_ref_t root;
    uint64_t num, clen, h[4];
    int rc = root_after(n, block, &root, &num);
    if (!rc) rc = zs_state_account_at(n->st, &root, a, NULL, NULL, &clen, h);
    if (rc || !clen) return rc;
    if ((rc = zs_state_code_by_hash(n->st, h, clen, code))) return rc;
    *len = (size_t)clen;
    return ZS_OK;
}

int zs_node_storage(zs_node_t *n, uint64_t block, const uint8_t a[20], const zs_u256_t *slot, zs_u256_t *out)
{
    zs_smt_ref_t root;
    uint64_t num;
    int rc = root_after(n, block, &root, &num);
    if (rc) return rc;
    zs_smt_key_t k = zs_smt_key_storage(a, slot);
    return zs_state_get_at(n->st, &root, &k, out, NULL);
}

int zs_node_view(zs_node_t *n, uint64_t block, int after_block, zs_exec_view_t **out)
{
    *out = NULL;
    zs_smt_ref_t root;
    uint64_t num;
    int rc = root_after(n, block, &root, &num);
    if (rc) return rc;
    if (!after_block && !num) return ZS_ERR_NOTFOUND; /* genesis ran nothing */
    zs_block_t b;
    if ((rc = zs_chain_get_block(n->store, num, &b))) return rc;
    zs_evm_block_t eb = {.number = num, .timestamp = b.timestamp, .gas_limit = ZS_BLOCK_GAS_LIMIT,
                         .chain_id = n->cfg.chain_id};
    memcpy(eb.coinbase, b.coinbase, 20);
    uint8_t parent_root[32];
    if (!after_block) {
        zs_block_t p;
        if (!(rc = zs_chain_get_block(n->store, num - 1, &p))) {
            memcpy(parent_root, p.state_root, 32);
            zs_block_clear(&p);
            rc = zs_state_root_at(n->st, num - 1, &root);
        }
    }
    zs_block_clear(&b);
    if (rc) return rc;
    zs_exec_view_t *v = zs_exec_view_new(n->st, &root, &eb);
    if (!v) return ZS_ERR_NOMEM;
    if (!after_block && (rc = zs_exec_view_begin_block(v, parent_root))) {
        zs_exec_view_free(v);
        return rc;
    }
    *out = v;
    return ZS_OK;
}

int zs_node_pending_nonce(zs_node_t *n, const uint8_t a[20], uint64_t *nonce)
{
    if (zs_pool_pending_nonce(n->pool, a, nonce)) return ZS_OK;
    zs_u256_t b;
    return zs_node_account(n, UINT64_MAX, a, nonce, &b);
}

uint64_t zs_node_head(zs_node_t *n)
{
    return zs_view_head_number(n->view);
}

const char *zs_node_ejected(zs_node_t *n, const uint8_t hash[32])
{
    return zs_ejected_find(n->ejected, hash);
}

void zs_node_batches(zs_node_t *n, zs_batch_numbers_t *out)
{
    zs_view_batches_t vb;
    zs_view_batches(n->view, &vb);
    out->trusted = vb.trusted;
    out->open = vb.open;
    out->virtual_ = zs_l1view_virtual(n->l1view);
    zs_l1_follower_t f;
    zs_l1view_follower(n->l1view, &f);
    out->consolidated = f.enabled ? f.cursor.verified : 0;
    out->safe = f.enabled ? f.safe_batch : out->virtual_;
    out->finalized = f.enabled ? f.finalized_batch : out->consolidated;
}

void zs_node_stats(zs_node_t *n, zs_node_stats_t *out)
{
    zs_commit_stats_t c;
    zs_committer_stats(n->committer, &c);
    memset(out, 0, sizeof *out);
    out->blocks = c.blocks;
    out->txs_included = c.txs_included;
    out->txs_ejected = zs_ejected_count(n->ejected);
    memcpy(out->batches_closed, c.batches_closed, sizeof out->batches_closed);
    out->batch_bytes = c.batch_bytes;
    out->last_batch_bytes = c.last_batch_bytes;
    out->block_build = c.block_build;
    out->block_seal = c.block_seal;
    out->block_write = c.block_write;
    out->started_at = n->started_at;
    out->ns_exec = c.ns_exec;
    out->ns_block = c.ns_block;
    out->ns_end = c.ns_end;
    out->ns_commit = c.ns_commit;
    out->ns_records = c.ns_records;
    out->ns_finish = c.ns_finish;
    out->ns_handover = c.ns_handover;
    out->ns_write = c.ns_write;
    out->ns_publish = c.ns_publish;
    zs_state_prefetch_stats(n->st, &out->prefetch);
    zs_state_evictions(n->st, &out->evictions);
}

void zs_node_open_batch(zs_node_t *n, zs_node_open_batch_t *out)
{
    size_t pending = 0;
    zs_pool_size(n->pool, &pending, NULL);
    zs_batcher_info_t bi;
    zs_batcher_info(n->batcher, &bi);
    zs_view_batches_t vb;
    zs_view_batches(n->view, &vb);
    zs_commit_stats_t c;
    zs_committer_stats(n->committer, &c);
    uint64_t now = now_ms();
    out->number = bi.number;
    out->bytes = bi.bytes;
    out->txs = bi.txs;
    out->gas = bi.gas;
    out->age_ms = bi.started_ms && now > bi.started_ms ? now - bi.started_ms : 0;
    out->txs_total = c.txs_included;
    out->last_sealed = vb.trusted;
    out->pool_pending = pending;
}

void zs_node_request_close(zs_node_t *n, uint64_t number, int by_operator)
{
    zs_batcher_info_t bi;
    zs_batcher_info(n->batcher, &bi);
    if (number == bi.number) zs_policyctl_request_close(n->policy, number, by_operator);
}

/* ---- Transactions in. */

void zs_node_admit_nowait(zs_node_t *n, const uint8_t *raw, size_t len, const zs_tx_t *tx, const uint8_t sender[20],
                          zs_submit_t *out)
{
    if (n->builder && zs_builder_failed(n->builder)) {
        out->reason = ZS_POOL_UNAVAILABLE;
        return;
    }
    /* The firmware says sealed batches pile up unposted: refuse new work
       with a reason the client can act on (retry later). */
    if (zs_l1view_backpressure(n->l1view)) {
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

void zs_node_submit(zs_node_t *n, const uint8_t *raw, size_t len, zs_submit_t *out)
{
    zs_node_submit_many(n, &raw, &len, 1, out);
}

/* Decodes, recovers and admits in the caller's turn; waits for durability
   when wait is set. */
static void submit_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count, zs_submit_t *outs,
                        zs_turn_fn turn, void *ctx, int wait)
{
    zs_tx_t *txs = malloc(count * sizeof *txs);
    zs_perr_t *perrs = malloc(count * sizeof *perrs);
    int *rcs = malloc(count * sizeof *rcs);
    uint8_t(*senders)[20] = malloc(count * sizeof *senders);
    if (txs && perrs && rcs && senders) {
        zs_node_decode_many(n, raws, lens, count, txs, perrs, rcs);
        for (size_t i = 0; i < count; i++) {
            memset(&outs[i], 0, sizeof outs[i]);
            if (rcs[i]) {
                outs[i].reason = rcs[i] == ZS_ERR_UNSUPPORTED ? ZS_POOL_UNSUPPORTED : ZS_POOL_INVALID;
                outs[i].detail = perrs[i].reason;
                continue;
            }
            memcpy(outs[i].hash, txs[i].hash, 32);
            if (zs_tx_recover(&txs[i], senders[i])) {
                outs[i].reason = ZS_POOL_INVALID;
                outs[i].detail = "invalid sender";
            }
        }
    } else {
        for (size_t i = 0; i < count; i++) outs[i] = (zs_submit_t){.reason = ZS_POOL_UNAVAILABLE};
    }
    if (turn) turn(ctx, 1);
    for (size_t i = 0; txs && perrs && rcs && senders && i < count; i++)
        if (outs[i].reason == ZS_POOL_OK) zs_node_admit_nowait(n, raws[i], lens[i], &txs[i], senders[i], &outs[i]);
    if (turn) turn(ctx, 0);
    for (size_t i = 0; wait && i < count; i++) zs_node_wait_durable(n, &outs[i]);
    free(txs);
    free(perrs);
    free(rcs);
    free(senders);
}

void zs_node_submit_many_in_turn(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count,
                                 zs_submit_t *outs, zs_turn_fn turn, void *ctx)
{
    submit_many(n, raws, lens, count, outs, turn, ctx, 1);
}

void zs_node_submit_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count,
                         zs_submit_t *outs)
{
    submit_many(n, raws, lens, count, outs, NULL, NULL, 1);
}

void zs_node_submit_nowait(zs_node_t *n, const uint8_t *raw, size_t len, zs_submit_t *out)
{
    submit_many(n, &raw, &len, 1, out, NULL, NULL, 0);
}

int zs_node_wait_included(zs_node_t *n, const uint8_t hash[32], int timeout_ms, zs_txrec_t *out, const char **why)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    for (;;) {
        uint64_t seen = zs_view_head_number(n->view);
        if (zs_chain_get_tx(n->store, hash, out) == ZS_OK) return ZS_OK;
        const char *w = zs_ejected_find(n->ejected, hash);
        if (w) {
            if (why) *why = w;
            return ZS_ERR_REFUSED;
        }
        int rc = zs_view_wait_head(n->view, seen, &deadline);
        if (rc == ZS_ERR_TIMEOUT) return zs_chain_get_tx(n->store, hash, out) == ZS_OK ? ZS_OK : ZS_ERR_TIMEOUT;
        if (rc) return ZS_ERR_TIMEOUT; /* the node stopped */
    }
}

zs_executed_t *zs_node_executed(zs_node_t *n)
{
    return n->executed;
}

int zs_node_wait_executed(zs_node_t *n, const uint8_t hash[32], int timeout_ms, zs_executed_info_t *out,
                          const char **why)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    for (;;) {
        uint64_t seen = zs_executed_count(n->executed);
        if (zs_executed_find(n->executed, hash, out) == ZS_OK) return ZS_OK;
        zs_txrec_t rec; /* durable already (and no longer among the last executed) */
        if (zs_chain_get_tx(n->store, hash, &rec) == ZS_OK) {
            *out = (zs_executed_info_t){.block = rec.block, .index = rec.index, .status = rec.status,
                                        .gas_used = rec.gas_used};
            zs_logs_iter_t it = {0};
            zs_evm_log_t lg;
            while (zs_logs_next(rec.logs, rec.logs_len, &it, &lg) == 1) out->logs++;
            memcpy(out->hash, hash, 32);
            zs_txrec_clear(&rec);
            return ZS_OK;
        }
        const char *w = zs_ejected_find(n->ejected, hash);
        if (w) {
            if (why) *why = w;
            return ZS_ERR_REFUSED;
        }
        if (zs_executed_wait(n->executed, seen, &deadline)) return ZS_ERR_TIMEOUT;
    }
}

int zs_node_on_block(zs_node_t *n, zs_block_fn fn, void *ctx)
{
    return zs_committer_on_block(n->committer, fn, ctx);
}

void zs_node_off_block(zs_node_t *n, zs_block_fn fn, void *ctx)
{
    zs_committer_off_block(n->committer, fn, ctx);
}

/* ---- Sequencing on and off. */

void zs_node_pause(zs_node_t *n)
{
    if (n->builder) zs_builder_pause(n->builder);
}

void zs_node_resume(zs_node_t *n)
{
    if (n->builder) zs_builder_resume(n->builder);
}

int zs_node_is_paused(zs_node_t *n)
{
    return n->builder ? zs_builder_is_paused(n->builder) : 0;
}

/* The builder or the committer failed: no more blocks, nobody waits. */
static void node_failed(void *ctx, const char *what, int rc)
{
    zs_node_t *n = ctx;
    zs_log(ZS_LOG_ERROR, "seq", "sequencer stopped: %s: %s (%s)", what, zs_strerror(rc), zs_store_last_error(n->store));
    if (n->builder) zs_builder_set_failed(n->builder);
    zs_committer_refuse(n->committer);
    zs_view_close_waiters(n->view);
}

void zs_node_stop(zs_node_t *n)
{
    if (n->view) zs_view_close_waiters(n->view);
    zs_builder_stop(n->builder); /* after its block is written */
    n->builder = NULL;
    zs_committer_stop(n->committer); /* its listeners and statistics stay readable */
}

/* ---- Opening. */

static void upgrade_begins(zs_schema_upgrade_t *up, const char *path)
{
    zs_log(ZS_LOG_INFO, "store",
           "%s has format %s: upgrading it in place to %s (about 80 s and 2 GB of memory per million accounts here; "
           "a stop waits for the end, a kill leaves it as it was)",
           path, up->from, ZS_SCHEMA_FORMAT);
}

/* A database of the format before this one is upgraded in place. */
static zs_store_t *open_upgrading(const char *path, const zs_store_opts_t *o, char *err, size_t errlen)
{
    zs_schema_upgrade_t up = {.from = ZS_SCHEMA_FORMAT_PREV, .begin = upgrade_begins, .run = zs_statedb_upgrade};
    uint64_t t0 = zs_mono_ns();
    zs_store_t *s = zs_schema_open_upgrading(path, o, &up, err, errlen);
    if (s && up.note[0])
        zs_log(ZS_LOG_INFO, "store", "%s upgraded from %s to %s in %.1f s: %s", path, ZS_SCHEMA_FORMAT_PREV,
               ZS_SCHEMA_FORMAT, (double)(zs_mono_ns() - t0) / 1e9, up.note);
    return s;
}

/* The stores, the state, and the chain (created from the genesis when the
   database is new). */
static int open_chain(zs_node_t *n, const zs_genesis_t *genesis, zs_view_head_t *head, char *err, size_t errlen)
{
    char path[4096];
    mkdir(n->cfg.datadir, 0755);
    snprintf(path, sizeof path, "%s/db", n->cfg.datadir);
    zs_store_opts_t so = {.cache_mb = n->cfg.cache_mb ? n->cfg.cache_mb : 256, .create = 1};
    if (!(n->store = open_upgrading(path, &so, err, errlen))) return ZS_ERR_IO;
    snprintf(path, sizeof path, "%s/pool", n->cfg.datadir);
    zs_store_opts_t po = {.cache_mb = 16, .create = 1};
    if (!(n->pool_store = open_upgrading(path, &po, err, errlen))) return ZS_ERR_IO;
    if (n->cfg.pool_log_mb) {
        size_t replayed = 0;
        if (n->cfg.pool_log_file && *n->cfg.pool_log_file)
            snprintf(path, sizeof path, "%s", n->cfg.pool_log_file);
        else
            snprintf(path, sizeof path, "%s/pool.log", n->cfg.datadir);
        n->pool_log = zs_pool_log_open(n->pool_store, path, n->cfg.pool_log_mb << 20, &replayed, err, errlen);
        if (!n->pool_log) return ZS_ERR_IO;
        if (replayed) zs_log(ZS_LOG_INFO, "seq", "%zu acknowledged transactions read back from the pool's log (those already in blocks are dropped at the reload)", replayed);
    }
    zs_smt_hasher_t hasher;
    zs_state_opts_t sto = {.keep_versions = n->cfg.keep_versions,
                           .writes_in_flight = ZS_JOBS - 1, /* the committer's queue */
                           .prefetch_pages = n->cfg.prefetch_pages,
                           .memory_bytes = n->cfg.state_memory_mb << 20};
    if (n->cfg.accel) {
        zs_accel_smt_hasher(n->cfg.accel, &hasher);
        sto.hasher = &hasher;
    }
    if (!(n->st = zs_state_open(n->store, &sto, err, errlen))) return ZS_ERR_IO;
    uint64_t version;
    int rc;
    if (!zs_state_version(n->st, &version, &head->root)) {
        if (!genesis) {
            snprintf(err, errlen, "the database is empty and no genesis was given");
            return ZS_ERR_STATE;
        }
        zs_chain_params_t p = {.chain_id = n->cfg.chain_id, .base_fee = n->cfg.min_gas_price, .timestamp = n->cfg.genesis_timestamp ? n->cfg.genesis_timestamp : now_ms() / 1000};
        if ((rc = zs_chaininit_create(n->store, n->st, genesis, &p, n->cfg.coinbase, err, errlen))) return rc;
        zs_state_version(n->st, &version, &head->root);
    }
    uint64_t number;
    if (!zs_chain_head(n->store, &number) || number != version) {
        snprintf(err, errlen, "the chain head and the state disagree (state version %llu)", (unsigned long long)version);
        return ZS_ERR_CORRUPT;
    }
    zs_block_t hb;
    if ((rc = zs_chain_get_block(n->store, number, &hb))) {
        snprintf(err, errlen, "head block %llu: %s", (unsigned long long)number, zs_strerror(rc));
        return rc;
    }
    head->number = number;
    head->timestamp = hb.timestamp;
    head->l1_last = hb.l1_last;
    memcpy(head->hash, hb.hash, 32);
    zs_block_clear(&hb);
    return ZS_OK;
}

static void pool_log_failed(void *ctx, const char *why)
{
    zs_node_t *n = ctx;
    zs_log(ZS_LOG_ERROR, "seq",
           "the pool's log %s/pool.log failed a write (%s): it is off, and every answer now waits for the pool "
           "database's flush (zkseq_pool_log_ok 0); a restart takes it up again",
           n->cfg.datadir, why);
}

/* The executor and the pool, with the chain's fixed parameters. */
static int open_exec_and_pool(zs_node_t *n, char *err, size_t errlen)
{
    zs_chain_params_t params;
    if (zs_chaininit_params(n->store, &params, NULL)) {
        snprintf(err, errlen, "the chain parameters are missing or damaged");
        return ZS_ERR_CORRUPT;
    }
    if (params.chain_id != n->cfg.chain_id) {
        snprintf(err, errlen, "this database holds chain id %llu, not %llu", (unsigned long long)params.chain_id,
                 (unsigned long long)n->cfg.chain_id);
        return ZS_ERR_STATE;
    }
    zs_exec_cfg_t ec = {.chain_id = n->cfg.chain_id, .tx_gas_limit = ZS_TX_GAS_LIMIT};
    ec.info_pass = 64; /* the block info tree on a helper, hashed ahead each 16 transfers' leaves */
    memcpy(ec.coinbase, n->cfg.coinbase, 20);
    ec.base_fee = params.base_fee; /* fixed at genesis: a replay must price alike */
    n->exec = zs_exec_new(n->st, &ec);
    zs_pool_cfg_t pc = {0};
    pc.rules.chain_id = n->cfg.chain_id;
    pc.rules.allow_unprotected = 0;
    pc.rules.max_init_code = 49152;
    pc.rules.limit_init_code = 1; /* fork 12 has no EIP-3860 gas; the pool still refuses larger init code */
    pc.rules.legacy_only = !n->cfg.typed_txs; /* fork 12's batches carry legacy transactions only */
    pc.max_size = 100132; /* zkevm-node's MaxTxBytesSize: larger fits no batch L1 takes (120,000 bytes) */
    pc.min_gas_price = n->cfg.min_gas_price;
    pc.max_gas = ZS_TX_GAS_LIMIT;
    pc.price_bump = n->cfg.price_bump;
    pc.nonce_gap = n->cfg.nonce_gap;
    pc.max_txs = n->cfg.pool_max_txs;
    pc.max_per_sender = n->cfg.pool_max_per_sender;
    pc.order = n->cfg.order;
    pc.account = pool_account;
    pc.account_ctx = n;
    pc.log = n->pool_log;
    pc.log_failed = pool_log_failed;
    pc.log_failed_ctx = n;
    n->pool = zs_pool_new(n->pool_store, &pc);
    if (!n->exec || !n->pool) {
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    size_t back = zs_pool_load(n->pool);
    if (back) zs_log(ZS_LOG_INFO, "seq", "%zu pooled transactions reloaded", back);
    return ZS_OK;
}

/* The rooms around the chain (before the pool: reloading it reads accounts
   through the view). */
static int open_rooms(zs_node_t *n, const zs_view_head_t *head, char *err, size_t errlen)
{
    if (!(n->batcher = zs_batcher_open(n->store, n->cfg.coinbase, n->cfg.accel, err, errlen))) return ZS_ERR_CORRUPT;
    uint64_t ob = zs_batcher_number(n->batcher);
    zs_view_batches_t vb = {.trusted = ob ? ob - 1 : 0, .open = ob};
    n->view = zs_view_new(head, &vb);
    n->ejected = zs_ejected_new();
    n->executed = zs_executed_new();
    n->policy = zs_policyctl_new(&n->cfg.batch, n->cfg.block_time_ms);
    n->l1view = zs_l1view_open(n->store);
    if (!n->view || !n->ejected || !n->executed || !n->policy || !n->l1view) {
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    return ZS_OK;
}

/* The committer, then the sequencer. */
static int start_threads(zs_node_t *n, const zs_view_head_t *head, char *err, size_t errlen)
{
    zs_committer_cfg_t cc = {.store = n->store, .view = n->view, .pool = n->pool, .fail = node_failed, .fail_ctx = n};
    if (!(n->committer = zs_committer_start(&cc, err, errlen))) return ZS_ERR_STATE;
    zs_builder_cfg_t bc = {.store = n->store, .st = n->st, .exec = n->exec, .pool = n->pool, .batcher = n->batcher,
                           .policy = n->policy, .ejected = n->ejected, .executed = n->executed, .committer = n->committer, .l1view = n->l1view,
                           .max_block_txs = n->cfg.max_block_txs,
                           .block_linger_ms = n->cfg.block_linger_ms, .head = *head, .paused = n->cfg.paused,
                           .chain_id = n->cfg.chain_id, .typed_txs = n->cfg.typed_txs,
                           .forced_last = zs_chain_forced_last(n->store), .replay = n->cfg.replay,
                           .fail = node_failed, .fail_ctx = n};
    memcpy(bc.coinbase, n->cfg.coinbase, 20);
    if (!(n->builder = zs_builder_start(&bc, err, errlen))) return ZS_ERR_STATE;
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
    n->cfg.genesis = NULL; /* the caller's: used only here */
    if (!n->cfg.block_time_ms) n->cfg.block_time_ms = 100;
    if (!n->cfg.max_block_txs) n->cfg.max_block_txs = 2000;
    if (!n->cfg.keep_versions) n->cfg.keep_versions = 256;
    n->started_at = now_ms() / 1000;
    zs_view_head_t head = {0};
    int rc = open_chain(n, cfg->genesis, &head, err, errlen);
    if (!rc) rc = open_rooms(n, &head, err, errlen);
    if (!rc) rc = open_exec_and_pool(n, err, errlen);
    if (!rc) rc = start_threads(n, &head, err, errlen);
    if (rc) {
        zs_node_close(n);
        return NULL;
    }
    return n;
}

void zs_node_close(zs_node_t *n)
{
    if (!n) return;
    zs_node_stop(n);
    zs_committer_free(n->committer);
    zs_pool_free(n->pool);
    zs_plog_close(n->pool_log);
    zs_exec_free(n->exec);
    zs_state_close(n->st);
    zs_batcher_free(n->batcher);
    zs_view_free(n->view);
    zs_ejected_free(n->ejected);
    zs_executed_free(n->executed);
    zs_policyctl_free(n->policy);
    zs_l1view_close(n->l1view);
    if (n->store) {
        if (zs_store_flush(n->store)) zs_log(ZS_LOG_ERROR, "seq", "flushing the database failed");
        zs_store_close(n->store);
    }
    if (n->pool_store) zs_store_close(n->pool_store);
    free(n);
}
