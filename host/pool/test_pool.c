/* The pool on its own (no store): every admission reason, replacement,
   nonce gaps and queued futures, first come first served and fee order,
   per-sender and global limits, done/release bookkeeping; with a store:
   callers on many threads each answered once their row is written (the
   writer's group commit), and the rows there after a reopen; with the
   pool's log: every acknowledgement in the log past the checkpoint, a drop
   flushed with a checkpoint, rounds the database lost brought back (and
   the log remade at another size), a missing or foreign log refused after
   a crash and replaced after a clean stop; 24 SIGKILLs while admitting,
   nothing acknowledged lost; a log that fails a write (past RLIMIT_FSIZE)
   answered around through the store's flush, said once. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/pool/zs_pool.h"
#include "host/pool/zs_pool_log.h"
#include "host/store/zs_schema.h"
#include "lib/keccak/zs_keccak.h"
#include "tests/support/zs_test.h"

typedef struct {
    uint8_t addr[20];
    uint64_t nonce;
    zs_u256_t balance;
} acct_t;

static acct_t accts[4];
static uint8_t keys[4][32];

static int account(void *ctx, const uint8_t a[20], uint64_t *nonce, zs_u256_t *balance)
{
    (void)ctx;
    for (int i = 0; i < 4; i++)
        if (!memcmp(accts[i].addr, a, 20)) {
            *nonce = accts[i].nonce;
            *balance = accts[i].balance;
            return ZS_OK;
        }
    *nonce = 0;
    *balance = zs_u256_from_u64(0);
    return ZS_OK;
}

static void setup_accounts(void)
{
    for (int i = 0; i < 4; i++) {
        char seed[16];
        int n = snprintf(seed, sizeof seed, "pool test %d", i);
        zs_keccak256((const uint8_t *)seed, (size_t)n, keys[i]);
        assert_int_equal(zs_key_to_address(keys[i], accts[i].addr), 0);
        accts[i].nonce = 0;
        accts[i].balance = zs_u256_from_u64(1000000000000000000ull); /* 1 ETH */
    }
}

static zs_pool_t *new_pool(zs_pool_order_t order, size_t max_txs, size_t per_sender)
{
    zs_pool_cfg_t c = {0};
    c.rules.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(1000000000);
    c.max_gas = 30000000;
    c.max_txs = max_txs;
    c.max_per_sender = per_sender;
    c.nonce_gap = 4;
    c.order = order;
    c.account = account;
    zs_pool_t *p = zs_pool_new(NULL, &c);
    assert_non_null(p);
    return p;
}

/* A signed legacy transfer: raw[0..*len) and the decoded *tx. */
static void sign_tx(int who, uint64_t nonce, uint64_t gas_price, uint64_t value, uint64_t gas, uint64_t chain,
                    zs_tx_t *tx, uint8_t raw[256], size_t *len)
{
    memset(tx, 0, sizeof *tx);
    tx->type = ZS_TX_LEGACY;
    tx->has_chain_id = 1;
    tx->chain_id = chain;
    tx->nonce = nonce;
    tx->gas = gas;
    tx->gas_price = tx->max_fee = tx->max_priority_fee = zs_u256_from_u64(gas_price);
    tx->has_to = 1;
    tx->to[0] = 0x42;
    tx->value = zs_u256_from_u64(value);
    assert_int_equal(zs_tx_sign(tx, keys[who], raw, 256, len), 0);
}

/* Signs and submits; the raw bytes stay in buf (the pool copies them). */
static zs_pool_reason_t add(zs_pool_t *p, int who, uint64_t nonce, uint64_t gas_price, uint64_t value, uint64_t gas,
                            uint64_t chain, uint8_t hash[32])
{
    zs_tx_t tx;
    uint8_t raw[256];
    size_t len;
    sign_tx(who, nonce, gas_price, value, gas, chain, &tx, raw, &len);
    if (hash) memcpy(hash, tx.hash, 32);
    uint64_t seq;
    return zs_pool_add(p, raw, len, &tx, accts[who].addr, &seq);
}

#define GWEI 1000000000ull

static void test_admission_reasons(void **state)
{
    (void)state;
    setup_accounts();
    accts[0].nonce = 5;
    zs_pool_t *p = new_pool(ZS_POOL_ORDER_FCFS, 100, 16);
    uint8_t h[32];
    assert_int_equal(add(p, 0, 5, GWEI, 1, 21000, 1001, h), ZS_POOL_OK);
    /* the same bytes again */
    zs_tx_t tx;
    uint8_t *raw;
    size_t len;
    uint8_t sender[20];
    assert_true(zs_pool_get(p, h, &raw, &len, sender));
    zs_perr_t e;
    assert_int_equal(zs_tx_decode(raw, len, &tx, &e), 0);
    uint64_t seq;
    assert_int_equal(zs_pool_add(p, raw, len, &tx, sender, &seq), ZS_POOL_ALREADY_KNOWN);
    free(raw);
    assert_int_equal(add(p, 0, 4, GWEI, 1, 21000, 1001, NULL), ZS_POOL_NONCE_TOO_LOW);
    assert_int_equal(add(p, 0, 11, GWEI, 1, 21000, 1001, NULL), ZS_POOL_NONCE_TOO_HIGH); /* gap 4 */
    assert_int_equal(add(p, 0, 6, GWEI - 1, 1, 21000, 1001, NULL), ZS_POOL_UNDERPRICED);
    assert_int_equal(add(p, 0, 6, GWEI, 2000000000000000000ull, 21000, 1001, NULL), ZS_POOL_INSUFFICIENT_FUNDS);
    assert_int_equal(add(p, 0, 6, GWEI, 1, 20000, 1001, NULL), ZS_POOL_INTRINSIC_GAS);
    assert_int_equal(add(p, 0, 6, GWEI, 1, 30000001, 1001, NULL), ZS_POOL_GAS_LIMIT);
    assert_int_equal(add(p, 0, 6, GWEI, 1, 21000, 1002, NULL), ZS_POOL_CHAIN_ID);
    uint64_t counts[ZS_POOL_REASON_COUNT];
    zs_pool_refusals(p, counts);
    assert_int_equal(counts[ZS_POOL_NONCE_TOO_LOW], 1);
    assert_int_equal(counts[ZS_POOL_INTRINSIC_GAS], 1);
    assert_string_equal(zs_pool_reason_text(ZS_POOL_NONCE_TOO_LOW), "nonce too low");
    assert_string_equal(zs_pool_reason_id(ZS_POOL_REPLACEMENT_UNDERPRICED), "replacement_underpriced");
    zs_pool_free(p);
}

/* Polygon's rule: legacy transactions only, refused first and by name. */
static void test_legacy_only(void **state)
{
    (void)state;
    setup_accounts();
    zs_pool_cfg_t c = {0};
    c.rules.chain_id = 1001;
    c.rules.legacy_only = 1;
    c.min_gas_price = zs_u256_from_u64(GWEI);
    c.max_txs = c.max_per_sender = 16;
    c.nonce_gap = 4;
    c.account = account;
    zs_pool_t *p = zs_pool_new(NULL, &c);
    assert_non_null(p);
    for (int type = ZS_TX_ACCESS_LIST; type <= ZS_TX_DYNAMIC_FEE; type++) {
        zs_tx_t tx = {.type = (uint8_t)type, .has_chain_id = 1, .chain_id = 1001, .gas = 21000, .has_to = 1};
        tx.gas_price = tx.max_fee = tx.max_priority_fee = zs_u256_from_u64(GWEI);
        uint8_t raw[256];
        size_t len;
        uint64_t seq;
        assert_int_equal(zs_tx_sign(&tx, keys[0], raw, sizeof raw, &len), 0);
        assert_int_equal(zs_pool_add(p, raw, len, &tx, accts[0].addr, &seq), ZS_POOL_UNSUPPORTED);
    }
    assert_string_equal(zs_pool_reason_text(ZS_POOL_UNSUPPORTED), "transaction type not supported");
    assert_int_equal(add(p, 0, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(zs_pool_size(p, NULL, NULL), 1);
    zs_pool_free(p);
}

/* The sequencer is behind a sender once half its max_per_sender pooled
   transactions can run; transactions waiting for a missing nonce do not
   count (the one that fills the gap must not be held back). */
static int behind(zs_pool_t *p, const uint8_t addr[20])
{
    return zs_pool_senders_behind(p, (const uint8_t(*)[20])addr, 1, 1);
}

static void test_sender_behind(void **state)
{
    (void)state;
    setup_accounts();
    zs_pool_t *p = new_pool(ZS_POOL_ORDER_FCFS, 100, 4);
    assert_false(behind(p, accts[0].addr)); /* unknown */
    assert_int_equal(add(p, 0, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_false(behind(p, accts[0].addr));
    assert_int_equal(add(p, 0, 1, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_true(behind(p, accts[0].addr)); /* 2 of 4 */
    assert_int_equal(add(p, 1, 2, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 1, 3, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_false(behind(p, accts[1].addr)); /* both wait for nonces 0 and 1 */
    assert_int_equal(add(p, 1, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_false(behind(p, accts[1].addr)); /* 1 runnable: nonce 1 is missing */
    assert_int_equal(add(p, 1, 1, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_true(behind(p, accts[1].addr));
    /* Several senders in one call: only those whose bit is set count. */
    uint8_t two[2][20];
    memcpy(two[0], accts[2].addr, 20); /* nothing pooled */
    memcpy(two[1], accts[0].addr, 20); /* behind */
    assert_true(zs_pool_senders_behind(p, (const uint8_t(*)[20])two, 2, 3));
    assert_false(zs_pool_senders_behind(p, (const uint8_t(*)[20])two, 2, 1));
    assert_false(zs_pool_senders_behind(p, (const uint8_t(*)[20])two, 2, 0));
    zs_pool_free(p);
}

static void test_replacement_and_gaps(void **state)
{
    (void)state;
    setup_accounts();
    zs_pool_t *p = new_pool(ZS_POOL_ORDER_FCFS, 100, 16);
    uint8_t first[32], repl[32];
    /* A future nonce waits; the pending nonce stops at the gap. */
    assert_int_equal(add(p, 1, 1, 2 * GWEI, 1, 21000, 1001, first), ZS_POOL_OK);
    uint64_t pn;
    assert_true(zs_pool_pending_nonce(p, accts[1].addr, &pn));
    assert_int_equal(pn, 0);
    size_t exe, queued;
    assert_int_equal(zs_pool_size(p, &exe, &queued), 1);
    assert_int_equal(exe, 0);
    assert_int_equal(queued, 1);
    zs_pool_item_t it;
    assert_int_equal(zs_pool_next(p, 0, &it), ZS_ERR_NOTFOUND);
    /* Replacement: 5% is not enough, 10% is. */
    assert_int_equal(add(p, 1, 1, 2 * GWEI + GWEI / 10, 1, 21000, 1001, NULL), ZS_POOL_REPLACEMENT_UNDERPRICED);
    assert_int_equal(add(p, 1, 1, 2 * GWEI + GWEI / 5, 1, 21000, 1001, repl), ZS_POOL_OK);
    uint8_t *raw;
    size_t len;
    uint8_t s[20];
    assert_false(zs_pool_get(p, first, &raw, &len, s));
    assert_true(zs_pool_get(p, repl, &raw, &len, s));
    free(raw);
    /* Closing the gap makes both executable, in nonce order. */
    assert_int_equal(add(p, 1, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_true(zs_pool_pending_nonce(p, accts[1].addr, &pn));
    assert_int_equal(pn, 2);
    assert_int_equal(zs_pool_next(p, 0, &it), ZS_OK);
    assert_int_equal(it.tx->nonce, 0);
    /* An in-flight transaction cannot be replaced. */
    assert_int_equal(add(p, 1, 0, 10 * GWEI, 1, 21000, 1001, NULL), ZS_POOL_REPLACEMENT_UNDERPRICED);
    zs_pool_set_block(p, 1);
    zs_pool_done(p, &it, 1);
    assert_int_equal(zs_pool_next(p, 0, &it), ZS_OK);
    assert_int_equal(it.tx->nonce, 1);
    assert_memory_equal(it.tx->hash, repl, 32);
    zs_pool_done(p, &it, 1);
    uint64_t *rows;
    size_t nrows;
    zs_pool_take_done(p, &rows, &nrows);
    assert_int_equal(nrows, 2);
    free(rows);
    /* The sender stays known (next nonce 2) until its block is published. */
    assert_true(zs_pool_pending_nonce(p, accts[1].addr, &pn));
    assert_int_equal(pn, 2);
    zs_pool_release(p, 0);
    assert_true(zs_pool_pending_nonce(p, accts[1].addr, &pn));
    zs_pool_release(p, 1);
    assert_false(zs_pool_pending_nonce(p, accts[1].addr, &pn));
    zs_pool_free(p);
}

static void test_order_and_limits(void **state)
{
    (void)state;
    setup_accounts();
    /* FCFS: arrival order across senders, whatever the price. */
    zs_pool_t *p = new_pool(ZS_POOL_ORDER_FCFS, 100, 16);
    assert_int_equal(add(p, 0, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 1, 0, 5 * GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 2, 0, 3 * GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    zs_pool_item_t it;
    int order[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(zs_pool_next(p, 0, &it), ZS_OK);
        order[i] = !memcmp(it.sender, accts[0].addr, 20) ? 0 : !memcmp(it.sender, accts[1].addr, 20) ? 1 : 2;
        zs_pool_done(p, &it, 1);
    }
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 2);
    zs_pool_free(p);
    /* Fee order: the highest bid first. */
    p = new_pool(ZS_POOL_ORDER_FEE, 100, 16);
    assert_int_equal(add(p, 0, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 1, 0, 5 * GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 2, 0, 3 * GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(zs_pool_next(p, 0, &it), ZS_OK);
    assert_memory_equal(it.sender, accts[1].addr, 20);
    zs_pool_free(p);
    /* Limits: per sender, then global. */
    p = new_pool(ZS_POOL_ORDER_FCFS, 5, 3);
    for (uint64_t n = 0; n < 3; n++) assert_int_equal(add(p, 0, n, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 0, 3, GWEI, 1, 21000, 1001, NULL), ZS_POOL_ACCOUNT_LIMIT);
    assert_int_equal(add(p, 1, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 1, 1, GWEI, 1, 21000, 1001, NULL), ZS_POOL_OK);
    assert_int_equal(add(p, 2, 0, GWEI, 1, 21000, 1001, NULL), ZS_POOL_FULL);
    zs_pool_free(p);
}

/* Operators' view: the list in arrival order, and a drop that leaves the
   sender's later transactions waiting for the nonce again. */
static void test_list_and_drop(void **state)
{
    (void)state;
    setup_accounts();
    zs_pool_t *p = new_pool(ZS_POOL_ORDER_FCFS, 100, 16);
    uint8_t h[4][32];
    assert_int_equal(add(p, 2, 0, GWEI, 1, 21000, 1001, h[0]), ZS_POOL_OK);
    assert_int_equal(add(p, 3, 0, 3 * GWEI, 1, 21000, 1001, h[1]), ZS_POOL_OK);
    assert_int_equal(add(p, 2, 1, GWEI, 1, 21000, 1001, h[2]), ZS_POOL_OK);
    assert_int_equal(add(p, 2, 2, GWEI, 1, 21000, 1001, h[3]), ZS_POOL_OK);
    zs_pool_entry_t e[8];
    assert_int_equal(zs_pool_list(p, e, 2), 4); /* the total, two copied */
    assert_int_equal(zs_pool_list(p, e, 8), 4);
    for (int i = 0; i < 4; i++) assert_memory_equal(e[i].hash, h[i], 32);
    assert_int_equal(e[2].nonce, 1);
    assert_true(e[0].executable && e[3].executable);
    assert_int_equal(e[1].price.w[0], 3 * GWEI);
    assert_int_equal(zs_pool_drop(p, h[2]), 0);
    assert_int_equal(zs_pool_drop(p, h[2]), ZS_ERR_NOTFOUND);
    size_t exe, queued;
    assert_int_equal(zs_pool_size(p, &exe, &queued), 3);
    assert_int_equal(exe, 2);    /* sender 2's nonce 2 waits for a new nonce 1 */
    assert_int_equal(queued, 1);
    /* What the sequencer holds cannot be dropped under it. */
    zs_pool_item_t it;
    assert_int_equal(zs_pool_next(p, 0, &it), 0);
    assert_int_equal(zs_pool_drop(p, it.tx->hash), ZS_ERR_AGAIN);
    zs_pool_requeue(p, &it);
    zs_pool_free(p);
}

/* Four callers, one per sender, each adding its transactions one at a
   time and waiting for each to be durable, as JSON-RPC connections do. */
enum { PER_SENDER = 300 };
static zs_pool_t *shared_pool;

static void *admit_thread(void *arg)
{
    int who = (int)(intptr_t)arg;
    for (uint64_t n = 0; n < PER_SENDER; n++)
        if (add(shared_pool, who, n, GWEI, 1, 21000, 1001, NULL) != ZS_POOL_OK) return (void *)1;
    return NULL;
}

static void test_group_commit_waiters(void **state)
{
    (void)state;
    setup_accounts();
    char dir[] = "/tmp/zkseq-test-pool-XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    zs_store_opts_t o = {.create = 1};
    zs_store_t *st = zs_schema_open(dir, &o, err, sizeof err);
    assert_non_null(st);
    zs_pool_cfg_t c = {0};
    c.rules.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(GWEI);
    c.max_gas = 30000000;
    c.max_per_sender = PER_SENDER;
    c.nonce_gap = 4;
    c.account = account;
    assert_non_null(shared_pool = zs_pool_new(st, &c));
    pthread_t th[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&th[i], NULL, admit_thread, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 4; i++) {
        void *rv;
        assert_int_equal(pthread_join(th[i], &rv), 0);
        assert_null(rv); /* every one answered OK */
    }
    size_t exe, queued;
    assert_int_equal(zs_pool_size(shared_pool, &exe, &queued), 4 * PER_SENDER);
    zs_pool_free(shared_pool);
    /* What was acknowledged is in the store. */
    zs_pool_t *again = zs_pool_new(st, &c);
    assert_non_null(again);
    assert_int_equal(zs_pool_load(again), 4 * PER_SENDER);
    zs_pool_free(again);
    zs_store_close(st);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- The pool with its log. */

static int count_rows(void *ctx, uint64_t seq, const uint8_t *raw, size_t len)
{
    (void)seq;
    zs_tx_t tx;
    zs_perr_t e;
    if (zs_tx_decode(raw, len, &tx, &e)) return ZS_ERR_CORRUPT;
    (*(size_t *)ctx)++;
    return ZS_OK;
}

/* The rows a second reader of the log finds past the checkpoint. */
static size_t rows_past_checkpoint(zs_store_t *st, const char *path)
{
    char err[256];
    uint64_t pos;
    int clean;
    assert_int_equal(zs_pool_log_checkpoint(st, &pos, &clean), 1);
    zs_plog_t *r = zs_plog_open(path, err, sizeof err);
    assert_non_null(r);
    size_t n = 0, rows;
    assert_int_equal(zs_plog_replay(r, pos, count_rows, &n, &rows), 0);
    zs_plog_close(r);
    assert_int_equal(n, rows);
    return rows;
}

static zs_pool_t *log_pool(zs_store_t *st, zs_plog_t *log, size_t per_sender)
{
    zs_pool_cfg_t c = {0};
    c.rules.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(GWEI);
    c.max_gas = 30000000;
    c.max_per_sender = per_sender;
    c.nonce_gap = per_sender;
    c.account = account;
    c.log = log;
    zs_pool_t *p = zs_pool_new(st, &c);
    assert_non_null(p);
    return p;
}

/* Rounds the pool acknowledged but the database lost (a crash before
   RocksDB flushed): written to the log as the pool's writer would. */
static void lost_rounds(zs_plog_t *log, int who, uint64_t seq0, size_t n)
{
    zs_plog_round_begin(log);
    for (size_t i = 0; i < n; i++) {
        zs_tx_t tx;
        uint8_t raw[256];
        size_t len;
        sign_tx(who, i, GWEI, 1, 21000, 1001, &tx, raw, &len);
        assert_int_equal(zs_plog_round_add(log, seq0 + i, raw, len), 0);
    }
    assert_int_equal(zs_plog_round_write(log), 0);
}

static void test_log(void **state)
{
    (void)state;
    setup_accounts();
    char dir[] = "/tmp/zkseq-test-pool-XXXXXX", db[300], path[300], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/pool", dir);
    snprintf(path, sizeof path, "%s/pool.log", dir);
    zs_store_opts_t o = {.create = 1};
    zs_store_t *st = zs_schema_open(db, &o, err, sizeof err);
    assert_non_null(st);
    size_t replayed;
    zs_plog_t *log = zs_pool_log_open(st, path, 64 << 10, &replayed, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(replayed, 0);
    /* Every acknowledged transaction is in the log past the checkpoint. */
    zs_pool_t *p = log_pool(st, log, 64);
    uint8_t last[32];
    for (uint64_t k = 0; k < 10; k++) assert_int_equal(add(p, 0, k, GWEI, 1, 21000, 1001, last), ZS_POOL_OK);
    assert_int_equal(rows_past_checkpoint(st, path), 10);
    /* A drop flushes the database with a checkpoint: a crash cannot bring it back. */
    zs_pool_writes_t w0, w1;
    zs_pool_writes(p, &w0);
    assert_true(w0.log_ok && w0.by_log >= 1);
    assert_int_equal(zs_pool_drop(p, last), 0);
    assert_int_equal(rows_past_checkpoint(st, path), 0);
    zs_pool_writes(p, &w1);
    assert_int_equal(w1.by_store, w0.by_store + 1);
    zs_pool_free(p);
    uint64_t pos;
    int clean = 0;
    assert_int_equal(zs_pool_log_checkpoint(st, &pos, &clean), 1);
    assert_int_equal(clean, 1);
    zs_plog_close(log);

    /* A crash after three acknowledgements the database lost: reopened at
       another size, the log brings them back (the file now that size). */
    assert_non_null(log = zs_pool_log_open(st, path, 64 << 10, &replayed, err, sizeof err));
    lost_rounds(log, 1, 100, 3);
    zs_plog_close(log);
    assert_non_null(log = zs_pool_log_open(st, path, 128 << 10, &replayed, err, sizeof err));
    assert_int_equal(replayed, 3);
    assert_int_equal(zs_plog_size(log), 128 << 10);
    assert_non_null(p = log_pool(st, log, 64));
    assert_int_equal(zs_pool_load(p), 9 + 3);
    zs_pool_free(p);
    zs_plog_close(log);

    /* After a clean stop the log may go; after a crash it may not. */
    assert_int_equal(unlink(path), 0);
    assert_non_null(log = zs_pool_log_open(st, path, 64 << 10, &replayed, err, sizeof err));
    assert_int_equal(replayed, 0);
    zs_plog_close(log);
    assert_int_equal(unlink(path), 0);
    assert_null(zs_pool_log_open(st, path, 64 << 10, &replayed, err, sizeof err));
    assert_non_null(strstr(err, "missing"));
    assert_non_null(strstr(err, "did not stop cleanly"));
    assert_int_equal(zs_plog_create(path, 64 << 10, err, sizeof err), 0); /* another log's file */
    assert_null(zs_pool_log_open(st, path, 64 << 10, &replayed, err, sizeof err));
    assert_non_null(strstr(err, "not the log the pool's database names"));
    zs_store_close(st);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- SIGKILL at random moments while transactions are admitted with a
   small log (64 KiB: laps and checkpoints every hundred or so): every
   acknowledged transaction is there when the pool is opened again.  The
   odd rounds' children start after a crash (the log read back at open),
   the even rounds' after the check's clean stop.  A SIGKILL does not lose
   what RocksDB wrote without a flush, so this checks that a restart at any
   point (making the log, a lap, a checkpoint, the read-back) loses and
   refuses nothing; test_log shows the read-back bringing rows the database
   lost. */

enum { CRASH_ROUNDS = 24, CRASH_MAX_ACKS = 40000, CRASH_LOG = 64 << 10, CRASH_PER_SENDER = 100000 };

typedef struct {
    char dir[64], db[128], log[128];
    uint8_t (*acked)[32];
    size_t nacked;
} crash_t;

static void child_admit_loop(const crash_t *c, int fd)
{
    char err[512];
    size_t replayed;
    zs_store_opts_t o = {.create = 1};
    zs_store_t *st = zs_schema_open(c->db, &o, err, sizeof err);
    zs_plog_t *log = st ? zs_pool_log_open(st, c->log, CRASH_LOG, &replayed, err, sizeof err) : NULL;
    if (!log) _exit(2);
    zs_pool_t *p = log_pool(st, log, CRASH_PER_SENDER);
    zs_pool_load(p);
    for (uint64_t i = 0;; i++) {
        int who = (int)(i % 4);
        uint64_t nonce;
        zs_tx_t tx;
        uint8_t raw[256];
        size_t len;
        if (!zs_pool_pending_nonce(p, accts[who].addr, &nonce)) nonce = 0; /* none pooled yet */
        sign_tx(who, nonce, GWEI, 1, 21000, 1001, &tx, raw, &len);
        uint64_t seq;
        if (zs_pool_add(p, raw, len, &tx, accts[who].addr, &seq) != ZS_POOL_OK) _exit(4);
        if (write(fd, tx.hash, 32) != 32) _exit(5);
    }
}

/* Reads acknowledgements until the pipe is empty and closed (or one, when
   only the first is wanted); 0 when none came. */
/* The child (zs_test_spawn): args are the database, the log, the fd. */
static int admit_loop_child(char **args)
{
    static crash_t c;
    setup_accounts();
    snprintf(c.db, sizeof c.db, "%s", args[0]);
    snprintf(c.log, sizeof c.log, "%s", args[1]);
    child_admit_loop(&c, atoi(args[2]));
    return 0;
}

static size_t take_acks(crash_t *c, int fd, int just_one)
{
    uint8_t h[32];
    size_t n = 0;
    while (read(fd, h, 32) == 32) {
        assert_true(c->nacked < CRASH_MAX_ACKS);
        memcpy(c->acked[c->nacked++], h, 32);
        if (++n && just_one) break;
    }
    return n;
}

static void crash_check(const crash_t *c)
{
    char err[512];
    size_t replayed;
    zs_store_opts_t o = {.create = 0};
    zs_store_t *st = zs_schema_open(c->db, &o, err, sizeof err);
    if (!st) fail_msg("%s", err);
    zs_plog_t *log = zs_pool_log_open(st, c->log, CRASH_LOG, &replayed, err, sizeof err);
    if (!log) fail_msg("%s", err);
    zs_pool_t *p = log_pool(st, log, CRASH_PER_SENDER);
    assert_true(zs_pool_load(p) >= c->nacked);
    for (size_t i = 0; i < c->nacked; i++) {
        uint8_t *raw, sender[20];
        size_t len;
        if (zs_pool_get(p, c->acked[i], &raw, &len, sender) != 1) fail_msg("acknowledged transaction %zu of %zu lost", i, c->nacked);
        free(raw);
    }
    zs_pool_free(p);
    zs_plog_close(log);
    zs_store_close(st);
}

static void test_log_crash(void **state)
{
    (void)state;
    setup_accounts();
    static crash_t c;
    snprintf(c.dir, sizeof c.dir, "/tmp/zkseq-test-pool-XXXXXX");
    assert_non_null(mkdtemp(c.dir));
    snprintf(c.db, sizeof c.db, "%s/pool", c.dir);
    snprintf(c.log, sizeof c.log, "%s/pool.log", c.dir);
    assert_non_null(c.acked = malloc(CRASH_MAX_ACKS * sizeof *c.acked));
    c.nacked = 0;
    srand((unsigned)time(NULL));
    for (int round = 0; round < CRASH_ROUNDS; round++) {
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", pipefd[1]);
        pid_t pid = zs_test_spawn("admit-loop", (const char *const[]){c.db, c.log, fd, NULL});
        assert_true(pid > 0);
        close(pipefd[1]);
        int first = take_acks(&c, pipefd[0], 1) == 1; /* the first acknowledgement, then 0..40 ms */
        struct timespec ts = {0, (rand() % 40) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        if (!first || !WIFSIGNALED(status)) fail_msg("round %d: the child exited %d", round, WEXITSTATUS(status));
        take_acks(&c, pipefd[0], 0);
        close(pipefd[0]);
        if (round % 2 == 0) crash_check(&c);
    }
    crash_check(&c);
    assert_true(c.nacked > CRASH_ROUNDS);
    print_message("%zu acknowledged across %d kills, all there after each\n", c.nacked, CRASH_ROUNDS);
    free(c.acked);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", c.dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- The log failing a write (past RLIMIT_FSIZE, in a child): the pool
   answers from the store's flush instead, says so once, and its counters
   show it. */

static int log_failures;
static char log_failure_why[128];

static void on_log_failed(void *ctx, const char *why)
{
    (void)ctx;
    log_failures++;
    snprintf(log_failure_why, sizeof log_failure_why, "%s", why);
}

static int child_log_failure(const char *db, const char *path)
{
    char err[512];
    size_t replayed;
    zs_store_opts_t o = {.create = 1};
    zs_store_t *st = zs_schema_open(db, &o, err, sizeof err);
    zs_plog_t *log = st ? zs_pool_log_open(st, path, 4 << 20, &replayed, err, sizeof err) : NULL;
    if (!log) return 2;
    /* Rounds of filler take the log's place past 1 MiB; then no file may grow past that. */
    uint8_t filler[1000] = {0};
    while (zs_plog_pos(log) < (1200 << 10)) {
        zs_plog_round_begin(log);
        if (zs_plog_round_add(log, 1, filler, sizeof filler) || zs_plog_round_write(log)) return 3;
    }
    struct rlimit lim = {1 << 20, 1 << 20};
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim)) return 4;
    zs_pool_cfg_t c = {0};
    c.rules.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(GWEI);
    c.max_gas = 30000000;
    c.max_per_sender = c.nonce_gap = 64;
    c.account = account;
    c.log = log;
    c.log_failed = on_log_failed;
    zs_pool_t *p = zs_pool_new(st, &c);
    if (!p) return 5;
    for (uint64_t k = 0; k < 3; k++) {
        zs_tx_t tx;
        uint8_t raw[256];
        size_t len;
        uint64_t seq;
        sign_tx(2, k, GWEI, 1, 21000, 1001, &tx, raw, &len);
        if (zs_pool_add(p, raw, len, &tx, accts[2].addr, &seq) != ZS_POOL_OK) return 6;
    }
    zs_pool_writes_t w;
    zs_pool_writes(p, &w);
    int rc = log_failures != 1 ? 7 : !strstr(log_failure_why, "too large") ? 8 : w.log_ok || w.by_store < 3 ? 9 : 0;
    zs_pool_free(p);
    zs_plog_close(log);
    zs_store_close(st);
    return rc;
}

static void test_log_failure(void **state)
{
    (void)state;
    setup_accounts();
    char dir[] = "/tmp/zkseq-test-pool-XXXXXX", db[300], path[300];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/pool", dir);
    snprintf(path, sizeof path, "%s/pool.log", dir);
    pid_t pid = zs_test_spawn("log-failure", (const char *const[]){db, path, NULL});
    assert_true(pid > 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int log_failure_child(char **args)
{
    setup_accounts();
    return child_log_failure(args[0], args[1]);
}

int main(int argc, char **argv)
{
    static const zs_test_child_t children[] = {{"admit-loop", admit_loop_child}, {"log-failure", log_failure_child}};
    zs_test_child(argc, argv, children, 2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admission_reasons),
        cmocka_unit_test(test_legacy_only),
        cmocka_unit_test(test_replacement_and_gaps),
        cmocka_unit_test(test_sender_behind),
        cmocka_unit_test(test_order_and_limits),
        cmocka_unit_test(test_list_and_drop),
        cmocka_unit_test(test_group_commit_waiters),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_log_crash),
        cmocka_unit_test(test_log_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
