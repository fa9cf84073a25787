/* The sequencer node on a real RocksDB: a reboot with a large pool
   (zkevm-node #1827: 24k pending transactions left it stuck) must reload
   every pooled transaction and sequence all of them; the replay of the
   resulting chain must agree. */
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/chain/zs_chain.h"
#include "host/node/zs_executed.h"
#include "host/node/zs_node.h"
#include "host/store/zs_schema.h"
#include "host/verify/zs_verify.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tests/support/zs_test.h"

#define SENDERS 120
#define PER_SENDER 100
#define THREADS 24

static uint8_t keys[SENDERS][32], addrs[SENDERS][20];

static void make_keys(void)
{
    for (int i = 0; i < SENDERS; i++) {
        char seed[32];
        int n = snprintf(seed, sizeof seed, "zkseq node test %d", i);
        zs_keccak256((const uint8_t *)seed, (size_t)n, keys[i]);
        assert_int_equal(zs_key_to_address(keys[i], addrs[i]), 0);
    }
}

/* A genesis object through host/genesis's parser. */
static zs_genesis_t *parsed(json_t *g)
{
    char *text = json_dumps(g, JSON_COMPACT);
    char err[256];
    zs_genesis_t *gen = zs_genesis_parse(text, strlen(text), err, sizeof err);
    free(text);
    json_decref(g);
    if (!gen) fail_msg("genesis: %s", err);
    return gen;
}

static json_t *genesis(void)
{
    json_t *list = json_array();
    for (int i = 0; i < SENDERS; i++) {
        char hex[43];
        zs_hex_encode_0x(hex, addrs[i], 20);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "address", hex, "balance", "1000000000000000000000",
                                              "nonce", "0"));
    }
    return json_pack("{s:o}", "addresses", list);
}

static void cfg_init(zs_node_cfg_t *c, const char *dir, const zs_genesis_t *g)
{
    memset(c, 0, sizeof *c);
    c->datadir = dir;
    c->chain_id = 1001;
    memset(c->coinbase, 0xcb, 20);
    c->min_gas_price = zs_u256_from_u64(1000000000);
    c->genesis = g;
    c->pool_max_txs = 100000;
    c->pool_max_per_sender = 1024;
    c->pool_log_mb = 4; /* as zkseqd runs: acknowledgements flushed to the pool's log */
    c->prefetch_pages = 4096; /* as zkseqd runs: a prefetch thread for the state */
    zs_batch_policy_defaults(&c->batch);
}

/* A new chain's datadir (dir: a mkdtemp template) and configuration with
   the SENDERS funded; the genesis to free. */
static zs_genesis_t *new_chain(char *dir, zs_node_cfg_t *c)
{
    make_keys();
    assert_non_null(mkdtemp(dir));
    zs_genesis_t *g = parsed(genesis());
    cfg_init(c, dir, g);
    return g;
}

/* A node opened on c, or the test fails naming why. */
static zs_node_t *must_open(const zs_node_cfg_t *c)
{
    char err[256];
    zs_node_t *n = zs_node_open(c, err, sizeof err);
    if (!n) fail_msg("opening the node: %s", err);
    return n;
}

/* The chain in dir/db replayed from genesis (db receives the path):
   head blocks, every root as stored. */
static void replay(const char *dir, char db[300], uint64_t head, zs_verify_report_t *rep)
{
    char err[256];
    snprintf(db, 300, "%s/db", dir);
    int rc = zs_verify_chain(db, rep, err, sizeof err);
    if (rc) fail_msg("replay: %s", err);
    assert_int_equal(rep->blocks, head);
}

static void remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

typedef struct {
    zs_node_t *n;
    int first, last;
    int refused;
} sub_arg_t;

static void *submitter(void *p)
{
    sub_arg_t *a = p;
    uint8_t to[20] = {0xde, 0xad};
    for (int k = 0; k < PER_SENDER; k++)
        for (int i = a->first; i < a->last; i++) {
            zs_tx_t tx;
            uint8_t raw[256];
            size_t len;
            if (zs_tx_sign_transfer(&tx, keys[i], 1001, (uint64_t)k, to, (zs_u256_t[]){zs_u256_from_u64(1 + (uint64_t)k)},
                                    1000000000, raw, sizeof raw, &len)) {
                a->refused++;
                continue;
            }
            zs_submit_t s;
            zs_node_submit(a->n, raw, len, &s);
            if (s.reason != ZS_POOL_OK) a->refused++;
        }
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A block record whose block info root is not what its block makes:
   replay says so. */
static void info_root_changed(const char *db, uint64_t number)
{
    char err[256];
    zs_store_opts_t so = {.cache_mb = 8};
    zs_store_t *s = zs_schema_open(db, &so, err, sizeof err);
    assert_non_null(s);
    zs_block_t blk;
    assert_int_equal(zs_chain_get_block(s, number, &blk), 0);
    blk.info_root[31] ^= 1;
    zs_store_batch_t *sb = zs_store_batch_new(s);
    zs_chain_put_block(sb, &blk);
    assert_int_equal(zs_store_write(s, sb, 1), 0);
    zs_store_batch_free(sb);
    zs_block_clear(&blk);
    zs_store_close(s);
    zs_verify_report_t rep;
    assert_int_not_equal(zs_verify_chain(db, &rep, err, sizeof err), 0);
    printf("# a changed block info root: %s\n", err);
    assert_non_null(strstr(err, "block info root differs"));
}

/* Long because: a node fed 12,000 transfers, closed with them pooled,
   reopened and left to sequence them, then its chain replayed; each step
   checked in line. */
static void test_reboot_with_large_pool(void **state)
{
    (void)state;
    char dir[] = "/tmp/zkseq-node-XXXXXX";
    zs_node_cfg_t c;
    zs_genesis_t *g = new_chain(dir, &c);
    c.paused = 1;
    zs_node_t *n = must_open(&c);
    double t0 = now_s();
    pthread_t th[THREADS];
    sub_arg_t args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (sub_arg_t){n, t * SENDERS / THREADS, (t + 1) * SENDERS / THREADS, 0};
        assert_int_equal(pthread_create(&th[t], NULL, submitter, &args[t]), 0);
    }
    int refused = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        refused += args[t].refused;
    }
    assert_int_equal(refused, 0);
    size_t exe, queued, total = zs_pool_size(zs_node_pool(n), &exe, &queued);
    assert_int_equal(total, SENDERS * PER_SENDER);
    assert_int_equal(exe, SENDERS * PER_SENDER);
    uint64_t pn;
    assert_int_equal(zs_node_pending_nonce(n, addrs[7], &pn), 0);
    assert_int_equal(pn, PER_SENDER); /* the pending nonce counts the pool */
    printf("# %d transactions admitted durably in %.2f s (sequencer paused)\n", SENDERS * PER_SENDER, now_s() - t0);
    assert_int_equal(zs_node_head(n), 0);
    zs_node_close(n);

    /* The reboot: every pooled transaction comes back and runs. */
    cfg_init(&c, dir, NULL);
    t0 = now_s();
    n = must_open(&c);
    double loaded = now_s() - t0;
    /* Done when every transaction is in a published block (the pool
       empties a little before the last block is published). */
    zs_node_stats_t st;
    for (int i = 0; i < 1200; i++) {
        zs_node_stats(n, &st);
        if (st.txs_included + st.txs_ejected >= SENDERS * PER_SENDER) break;
        usleep(20000);
    }
    double took = now_s() - t0;
    printf("# included %llu, ejected %llu\n", (unsigned long long)st.txs_included, (unsigned long long)st.txs_ejected);
    assert_int_equal(zs_pool_size(zs_node_pool(n), NULL, NULL), 0);
    for (int i = 0; i < SENDERS; i++) {
        uint64_t nonce;
        zs_u256_t bal;
        assert_int_equal(zs_node_account(n, UINT64_MAX, addrs[i], &nonce, &bal), 0);
        assert_int_equal(nonce, PER_SENDER);
    }
    assert_int_equal(st.txs_included, SENDERS * PER_SENDER);
    assert_int_equal(st.txs_ejected, 0);
    printf("# reboot: %d pooled transactions reloaded in %.2f s, all sequenced in %.2f s, %llu blocks\n",
           SENDERS * PER_SENDER, loaded, took, (unsigned long long)st.blocks);
    /* The sequencer handed the accounts' cold paths to the prefetch thread
       (on a tree this small it reads most of them itself first). */
    printf("# prefetch: %llu paths asked, %llu dropped, %llu pages read, %llu taken\n",
           (unsigned long long)st.prefetch.asked, (unsigned long long)st.prefetch.dropped,
           (unsigned long long)st.prefetch.read, (unsigned long long)st.prefetch.taken);
    assert_true(st.prefetch.asked > 0);
    assert_int_equal(st.prefetch.failed, 0);
    assert_true(st.prefetch.taken <= st.prefetch.read);
    uint64_t head = zs_node_head(n);
    zs_node_close(n);

    char db[300];
    zs_verify_report_t rep;
    replay(dir, db, head, &rep);
    assert_int_equal(rep.txs, SENDERS * PER_SENDER);
    info_root_changed(db, head);
    zs_genesis_free(g);
    remove_dir(dir);
}

/* Sends n transfers from sender 0 (nonces from *nonce), gap_ms apart;
   returns how many blocks the node sealed meanwhile (until all are in). */
static uint64_t steady(zs_node_t *n, uint64_t *nonce, int count, int gap_ms)
{
    uint64_t head0 = zs_node_head(n);
    uint8_t to[20] = {0xbe, 0xef};
    for (int k = 0; k < count; k++) {
        zs_tx_t tx;
        uint8_t raw[256];
        size_t len;
        zs_submit_t s;
        assert_int_equal(zs_tx_sign_transfer(&tx, keys[0], 1001, (*nonce)++, to, (zs_u256_t[]){zs_u256_from_u64(1)},
                                             1000000000, raw, sizeof raw, &len),
                         0);
        zs_node_submit(n, raw, len, &s);
        assert_int_equal(s.reason, ZS_POOL_OK);
        usleep((useconds_t)gap_ms * 1000);
    }
    for (int i = 0; i < 500; i++) {
        uint64_t got;
        zs_u256_t bal;
        assert_int_equal(zs_node_account(n, UINT64_MAX, addrs[0], &got, &bal), 0);
        if (got == *nonce) break;
        usleep(10000);
    }
    return zs_node_head(n) - head0;
}

/* Blocks are sealed on time and size: while transactions keep coming
   (closer than the linger) one block holds them, up to the block time; a
   lone transaction's block is sealed one linger after the pool ran dry,
   not at the block time.  Without a linger, every few transactions paid
   a block. */
static void test_block_linger(void **state)
{
    (void)state;
    make_keys();
    zs_genesis_t *g = parsed(genesis());
    uint64_t blocks[2];
    for (int linger = 0; linger < 2; linger++) {
        char dir[] = "/tmp/zkseq-linger-XXXXXX";
        assert_non_null(mkdtemp(dir));
        zs_node_cfg_t c;
        cfg_init(&c, dir, g);
        c.block_time_ms = 3000;
        c.block_linger_ms = linger ? 60 : 0;
        zs_node_t *n = must_open(&c);
        uint64_t nonce = 0;
        blocks[linger] = steady(n, &nonce, 30, 10);
        zs_node_close(n);
        if (linger) {
            /* A lone transaction, with a block time of a minute: its block
               comes a linger after it (steady waits 5 s at most), not at
               the block time.  (A clock check against a 3 s block time
               failed once under make test's load.) */
            c.block_time_ms = 60000;
            n = must_open(&c);
            usleep(200000);
            double t0 = now_s();
            assert_int_equal(steady(n, &nonce, 1, 0), 1);
            printf("# a lone transaction's block after %.3f s (block time 60 s)\n", now_s() - t0);
            zs_node_close(n);
        }
        char cmd[100];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
    }
    printf("# 30 transfers 10 ms apart: %llu blocks without a linger, %llu with 60 ms\n",
           (unsigned long long)blocks[0], (unsigned long long)blocks[1]);
    assert_true(blocks[1] <= 2);
    assert_true(blocks[0] >= 10);
    zs_genesis_free(g);
}

/* A database made for one chain id is not opened for another. */
/* The executed transactions' table: the last 16384 found by hash (the
   index stays right while the ring wraps and evicts), older ones gone,
   and a waiter woken by an addition or its deadline. */
static void test_executed_table(void **state)
{
    (void)state;
    zs_executed_t *e = zs_executed_new();
    assert_non_null(e);
    enum { N = 40000, KEEP = 16384 };
    for (uint32_t i = 0; i < N; i++) {
        zs_executed_info_t x = {.block = i / 10, .index = i % 10, .gas_used = 21000 + i, .status = 1};
        zs_keccak256((const uint8_t *)&i, sizeof i, x.hash);
        zs_executed_add(e, &x);
    }
    size_t found = 0, wrong = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint8_t h[32];
        zs_executed_info_t got;
        zs_keccak256((const uint8_t *)&i, sizeof i, h);
        if (zs_executed_find(e, h, &got) == ZS_OK) {
            found++;
            wrong += i < N - KEEP || got.gas_used != 21000 + i || got.block != i / 10;
        }
    }
    assert_int_equal(found, KEEP);
    assert_int_equal(wrong, 0);
    assert_int_equal(zs_executed_count(e), N);
    struct timespec soon = zs_deadline_ms(50);
    assert_int_equal(zs_executed_wait(e, N, &soon), ZS_ERR_TIMEOUT);
    assert_int_equal(zs_executed_wait(e, N - 1, &soon), ZS_OK); /* already past */
    zs_executed_free(e);
}

/* state.memory_mb: a node whose tree outgrows its bound (1 MiB, transfers
   to 3,600 new accounts) drops pages after commits and reads them again,
   every balance right and the chain replaying to the same roots. */
static void test_state_memory_bound(void **state)
{
    (void)state;
    enum { PER = 30 };
    char dir[] = "/tmp/zkseq-node-XXXXXX";
    zs_node_cfg_t c;
    zs_genesis_t *g = new_chain(dir, &c);
    c.state_memory_mb = 1;
    zs_node_t *n = must_open(&c);
    for (int k = 0; k < PER; k++)
        for (int i = 0; i < SENDERS; i++) {
            uint8_t to[20] = {0x5e, (uint8_t)i, (uint8_t)k};
            zs_tx_t tx;
            uint8_t raw[256];
            size_t len;
            zs_submit_t s;
            assert_int_equal(zs_tx_sign_transfer(&tx, keys[i], 1001, (uint64_t)k, to,
                                                 (zs_u256_t[]){zs_u256_from_u64(1000 + (uint64_t)i)}, 1000000000, raw,
                                                 sizeof raw, &len),
                             0);
            zs_node_submit(n, raw, len, &s);
            assert_int_equal(s.reason, ZS_POOL_OK);
        }
    zs_node_stats_t st;
    for (int i = 0; i < 1500; i++) {
        zs_node_stats(n, &st);
        if (st.txs_included + st.txs_ejected >= SENDERS * PER) break;
        usleep(20000);
    }
    assert_int_equal(st.txs_included, SENDERS * PER);
    printf("# memory bound 1 MiB: %llu sweeps, %llu pages dropped, %llu key cache resets; nodes %zu bytes\n",
           (unsigned long long)st.evictions.sweeps, (unsigned long long)st.evictions.pages_dropped,
           (unsigned long long)st.evictions.key_cache_resets, st.evictions.node_bytes);
    assert_true(st.evictions.sweeps > 0);
    assert_true(st.evictions.pages_dropped > 0);
    assert_true(st.evictions.node_bytes <= (size_t)1 << 20);
    for (int k = 0; k < PER; k++)
        for (int i = 0; i < SENDERS; i++) {
            uint8_t to[20] = {0x5e, (uint8_t)i, (uint8_t)k};
            uint64_t nonce;
            zs_u256_t bal;
            assert_int_equal(zs_node_account(n, UINT64_MAX, to, &nonce, &bal), 0);
            assert_int_equal(bal.w[0], 1000 + (uint64_t)i);
        }
    uint64_t head = zs_node_head(n);
    zs_node_close(n);
    char db[300];
    zs_verify_report_t rep;
    replay(dir, db, head, &rep);
    zs_genesis_free(g);
    remove_dir(dir);
}

static void test_chain_id_mismatch(void **state)
{
    (void)state;
    char dir[] = "/tmp/zkseq-node-XXXXXX";
    assert_non_null(mkdtemp(dir));
    zs_genesis_t *g = parsed(json_pack("{s:[]}", "addresses"));
    zs_node_cfg_t c;
    cfg_init(&c, dir, g);
    char err[256];
    zs_node_t *n = zs_node_open(&c, err, sizeof err);
    assert_non_null(n);
    zs_node_close(n);
    c.chain_id = 1002;
    n = zs_node_open(&c, err, sizeof err);
    assert_null(n);
    assert_non_null(strstr(err, "chain id 1001"));
    zs_genesis_free(g);
    remove_dir(dir);
}

/* The child (zs_test_spawn): a node on args[0] with its pool's log at
   args[1] admits three transfers, each answered (durable in the log), and
   ends without closing the node, as a crash would. */
static int submit_and_crash(char **args)
{
    make_keys();
    zs_genesis_t *g = parsed(genesis());
    zs_node_cfg_t c;
    cfg_init(&c, args[0], g);
    c.pool_log_file = args[1];
    c.paused = 1;
    char err[256];
    zs_node_t *n = zs_node_open(&c, err, sizeof err);
    if (!n) return 2;
    uint8_t to[20] = {0xde, 0xad};
    for (uint64_t k = 0; k < 3; k++) {
        zs_tx_t tx;
        uint8_t raw[256];
        size_t len;
        zs_submit_t s;
        if (zs_tx_sign_transfer(&tx, keys[0], 1001, k, to, (zs_u256_t[]){zs_u256_from_u64(1)}, 1000000000, raw,
                                sizeof raw, &len))
            return 3;
        zs_node_submit(n, raw, len, &s);
        if (s.reason != ZS_POOL_OK) return 4;
    }
    _exit(0);
}

/* pool.log_file: the pool's log in a folder of its own (a device of its
   own on an appliance).  After a crash the transactions acknowledged there
   come back from it; the node refuses to start with the log it would use by
   default (missing: the pool's database names the other one). */
static void test_pool_log_elsewhere(void **state)
{
    (void)state;
    char dir[] = "/tmp/zkseq-node-XXXXXX", logdir[] = "/tmp/zkseq-plog-XXXXXX", log[64], def[64];
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(logdir));
    snprintf(log, sizeof log, "%s/pool.log", logdir);
    snprintf(def, sizeof def, "%s/pool.log", dir);
    pid_t pid = zs_test_spawn("submit-and-crash", (const char *const[]){dir, log, NULL});
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct stat st;
    assert_int_equal(stat(log, &st), 0);
    assert_int_not_equal(stat(def, &st), 0);
    make_keys();
    zs_genesis_t *g = parsed(genesis());
    zs_node_cfg_t c;
    cfg_init(&c, dir, g);
    c.paused = 1;
    char err[512];
    assert_null(zs_node_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "acknowledged transactions may be in it"));
    c.pool_log_file = log;
    zs_node_t *n = zs_node_open(&c, err, sizeof err);
    if (!n) fail_msg("%s", err);
    size_t exec = 0, queued = 0;
    assert_int_equal(zs_pool_size(zs_node_pool(n), &exec, &queued), 3);
    assert_int_equal(exec, 3);
    zs_node_close(n);
    zs_genesis_free(g);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, logdir);
    assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
    static const zs_test_child_t children[] = {{"submit-and-crash", submit_and_crash}};
    zs_test_child(argc, argv, children, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_executed_table),
        cmocka_unit_test(test_block_linger),
        cmocka_unit_test(test_chain_id_mismatch),
        cmocka_unit_test(test_pool_log_elsewhere),
        cmocka_unit_test(test_reboot_with_large_pool),
        cmocka_unit_test(test_state_memory_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
