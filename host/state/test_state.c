/* Unit tests of the persistent state on a real RocksDB: genesis roots
   survive reopening, earlier versions stay readable until pruned, pruning
   frees exactly the nodes no retained version uses, a child process killed
   with SIGKILL at random moments (60 times) never leaves anything but a
   committed version with every acknowledged commit kept, and a damaged tree
   is refused at open with a clear error. */
#include "tests/support/zs_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/tx/zs_addr.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/zkseq-test-state-XXXXXX");
    assert_non_null(mkdtemp(dir));
    strcat(dir, "/db");
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 3), dir);
    return system(cmd);
}

static zs_store_t *open_store(int create)
{
    char err[512] = "";
    zs_store_opts_t o = {.cache_mb = 16, .create = create};
    zs_store_t *s = zs_schema_open(dir, &o, err, sizeof err);
    if (!s) fail_msg("open store: %s", err);
    return s;
}

static zs_state_t *open_state(zs_store_t *s, uint64_t keep)
{
    char err[512] = "";
    zs_state_opts_t o = {.keep_versions = keep};
    zs_state_t *st = zs_state_open(s, &o, err, sizeof err);
    if (!st) fail_msg("open state: %s", err);
    return st;
}

static void test_genesis_persists(void **state)
{
    json_t *j = zs_test_load_json("polygon/merkle-tree/smt-genesis.json");
    size_t i;
    json_t *c;
    json_array_foreach(j, i, c) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        zs_store_t *s = open_store(1);
        zs_state_t *st = open_state(s, 0);
        char err[256];
        char *text = json_dumps(c, JSON_COMPACT);
        zs_genesis_t *g = zs_genesis_parse(text, strlen(text), err, sizeof err);
        free(text);
        assert_non_null(g);
        assert_int_equal(zs_state_apply_genesis(st, g, err, sizeof err), 0);
        zs_genesis_free(g);
        zs_smt_ref_t root;
        assert_int_equal(zs_state_commit_sync(st, 0, &root), 0);
        zs_state_close(st);
        zs_store_close(s);
        /* Reopen and read back. */
        s = open_store(0);
        st = open_state(s, 0);
        uint64_t v;
        zs_smt_ref_t rr;
        assert_int_equal(zs_state_version(st, &v, &rr), 1);
        assert_int_equal(v, 0);
        const uint64_t *r = rr.hash;
        zs_u256_t want;
        assert_int_equal(zs_u256_parse(&want, json_string_value(json_object_get(c, "expectedRoot"))), 0);
        zs_u256_t got = zs_smt_h4_to_u256(r);
        assert_memory_equal(&got, &want, 32);
        size_t a;
        json_t *acc;
        json_array_foreach(json_object_get(c, "addresses"), a, acc) {
            uint8_t addr[20];
            assert_int_equal(zs_addr_parse(addr, json_string_value(json_object_get(acc, "address"))), 0);
            zs_u256_t bal, wb;
            assert_int_equal(zs_state_balance(st, addr, &bal), 0);
            assert_int_equal(zs_u256_parse(&wb, json_string_value(json_object_get(acc, "balance"))), 0);
            assert_memory_equal(&bal, &wb, 32);
            /* The same from the store directly, with a proof. */
            zs_smt_key_t kb = zs_smt_key_account(addr, ZS_SMT_BALANCE);
            zs_smt_proof_t proof;
            assert_int_equal(zs_state_get_at(st, &rr, &kb, &bal, &proof), 0);
            assert_memory_equal(&bal, &wb, 32);
            assert_int_equal(zs_smt_verify(r, &kb, &wb, &proof), 0);
        }
        zs_state_close(st);
        zs_store_close(s);
    }
    json_decref(j);
    /* A genesis with a bad entry stages nothing. */
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, 0);
    static const char bad[] = "{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\","
                              "\"balance\":\"1\"},{\"address\":\"0x12\",\"balance\":\"1\"}]}";
    char err[256];
    assert_null(zs_genesis_parse(bad, sizeof bad - 1, err, sizeof err));
    assert_non_null(strstr(err, "entry 1"));
    assert_false(zs_smt_dirty(zs_state_tree(st)));
    zs_state_close(st);
    zs_store_close(s);
}

/* The distinct node hashes reachable from root, added to a set. */
typedef struct {
    uint64_t (*h)[4];
    size_t cap, n;
} hset_t;

static int hset_add(hset_t *s, const uint64_t h[4])
{
    size_t i = (h[0] ^ h[2]) & (s->cap - 1);
    while (s->h[i][0] | s->h[i][1] | s->h[i][2] | s->h[i][3]) {
        if (!memcmp(s->h[i], h, 32)) return 0;
        i = (i + 1) & (s->cap - 1);
    }
    memcpy(s->h[i], h, 32);
    s->n++;
    return 1;
}

static void reach(zs_store_t *store, const zs_smt_ref_t *r, hset_t *set)
{
    if (!(r->hash[0] | r->hash[1] | r->hash[2] | r->hash[3])) return;
    uint8_t key[ZS_STATEDB_KEY], buf[ZS_SMT_PAGE_ROW_MAX];
    zs_statedb_node_key(r, key);
    /* Rows are unique per place in the tree: count row keys. */
    uint64_t id[4] = {r->hash[0] ^ r->ver, r->hash[1], r->hash[2], r->hash[3] + r->ver};
    if (!hset_add(set, id)) return;
    size_t len;
    assert_int_equal(zs_store_get(store, ZS_CF_SMT_NODES, key, sizeof key, buf, sizeof buf, &len), 0);
    zs_smt_page_t pg;
    assert_int_equal(zs_smt_page_decode(buf, len, &pg), 0);
    assert_memory_equal(pg.node[0].hash, r->hash, 32);
    for (size_t i = 0; i < pg.n; i++) {
        const zs_smt_page_node_t *n = &pg.node[i];
        if (n->kind != ZS_SMT_PAGE_REF) continue;
        zs_smt_ref_t below = {n->ver, {n->hash[0], n->hash[1], n->hash[2], n->hash[3]}};
        reach(store, &below, set);
    }
}

static size_t live_rows(zs_store_t *s)
{
    zs_store_iter_t *it = zs_store_iter_new(s, ZS_CF_SMT_NODES, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl, n = 0;
    while (zs_store_iter_next(it, &k, &kl, &v, &vl) == 1) n++;
    zs_store_iter_free(it);
    return n;
}

static void test_history_and_pruning(void **state)
{
    enum { KEEP = 5, VERSIONS = 40, ACCOUNTS = 60 };
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, KEEP);
    zs_test_rng_t rng = {0x5a7e};
    uint8_t addrs[ACCOUNTS][20];
    for (int i = 0; i < ACCOUNTS; i++) zs_test_rng_bytes(&rng, addrs[i], 20);
    static zs_u256_t balances[VERSIONS][ACCOUNTS];
    zs_smt_ref_t roots[VERSIONS];
    for (int v = 0; v < VERSIONS; v++) {
        if (v) memcpy(balances[v], balances[v - 1], sizeof balances[v]);
        for (int k = 0; k < 10; k++) {
            int a = (int)(zs_test_rng_u64(&rng) % ACCOUNTS);
            /* Values from a small set, so nodes are re-created after dying. */
            zs_u256_t b = zs_u256_from_u64(zs_test_rng_u64(&rng) % 4);
            balances[v][a] = b;
            assert_int_equal(zs_state_set_balance(st, addrs[a], &b), 0);
        }
        assert_int_equal(zs_state_commit_sync(st, (uint64_t)v, &roots[v]), 0);
        /* Every retained version reads back its own balances. */
        for (int old = v - KEEP + 1 < 0 ? 0 : v - KEEP + 1; old <= v; old++) {
            zs_smt_ref_t r;
            assert_int_equal(zs_state_root_at(st, (uint64_t)old, &r), 0);
            assert_memory_equal(&r, &roots[old], sizeof r);
            int a = (int)(zs_test_rng_u64(&rng) % ACCOUNTS);
            zs_smt_key_t kb = zs_smt_key_account(addrs[a], ZS_SMT_BALANCE);
            zs_u256_t got;
            assert_int_equal(zs_state_get_at(st, &r, &kb, &got, NULL), 0);
            assert_memory_equal(&got, &balances[old][a], 32);
        }
        if (v >= KEEP) {
            zs_smt_ref_t r;
            assert_int_equal(zs_state_root_at(st, (uint64_t)(v - KEEP), &r), ZS_ERR_NOTFOUND);
        }
        /* Live node rows are exactly those the retained versions reach. */
        hset_t set = {calloc(1 << 14, 32), 1 << 14, 0};
        for (int old = v - KEEP + 1 < 0 ? 0 : v - KEEP + 1; old <= v; old++) reach(s, &roots[old], &set);
        assert_int_equal(live_rows(s), set.n);
        free(set.h);
    }
    zs_state_close(st);
    zs_store_close(s);
    /* After reopening, the window is the same. */
    s = open_store(0);
    st = open_state(s, KEEP);
    zs_smt_ref_t r;
    assert_int_equal(zs_state_root_at(st, VERSIONS - 1, &r), 0);
    assert_int_equal(zs_state_root_at(st, VERSIONS - KEEP, &r), 0);
    assert_int_equal(zs_state_root_at(st, VERSIONS - KEEP - 1, &r), ZS_ERR_NOTFOUND);
    uint64_t leaves, nodes;
    assert_int_equal(zs_statedb_check_tree(zs_state_db(st), &roots[VERSIONS - 1], &leaves, &nodes), 0);
    assert_true(leaves > 0);
    zs_state_close(st);
    zs_store_close(s);
}

/* ---- Crash safety.  Version v's updates are a function of v alone, so
   the parent can recompute every version's root in memory. */

enum { CRASH_KEYS = 3000, CRASH_UPDATES = 150 };

static void updates_for(uint64_t v, zs_smt_key_t *keys, zs_u256_t *vals)
{
    zs_test_rng_t r = {0x1234567ull * (v + 1)};
    for (int i = 0; i < CRASH_UPDATES; i++) {
        uint64_t k = zs_test_rng_u64(&r) % CRASH_KEYS;
        zs_test_rng_t kr = {k + 99};
        for (int j = 0; j < 4; j++) keys[i].e[j] = zs_test_rng_u64(&kr) % 0xffffffff00000001ull;
        uint64_t x = zs_test_rng_u64(&r);
        vals[i] = zs_u256_from_u64(x % 5 == 0 ? 0 : x);
    }
}

static void child_commit_loop(int fd)
{
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, 20);
    uint64_t v = 0;
    zs_smt_ref_t root;
    if (zs_state_version(st, &v, &root)) v++;
    for (;; v++) {
        zs_smt_key_t keys[CRASH_UPDATES];
        zs_u256_t vals[CRASH_UPDATES];
        updates_for(v, keys, vals);
        for (int i = 0; i < CRASH_UPDATES; i++)
            if (zs_state_set_key(st, &keys[i], &vals[i])) _exit(3);
        if (zs_state_commit_sync(st, v, &root)) _exit(4);
        /* Acknowledge only after the commit is durable. */
        uint8_t ack[40];
        memcpy(ack, &v, 8);
        memcpy(ack + 8, root.hash, 32);
        if (write(fd, ack, 40) != 40) _exit(5);
    }
}

/* The parent's model: every version's root, recomputed in memory. */
typedef struct {
    zs_smt_t *smt;
    int up_to; /* the highest version computed, -1 before the first */
    uint64_t roots[4000][4];
} crash_model_t;

static void model_extend(crash_model_t *m, uint64_t v)
{
    assert_true(v < 4000);
    while (m->up_to < (int)v) {
        zs_smt_key_t keys[CRASH_UPDATES];
        zs_u256_t vals[CRASH_UPDATES];
        zs_smt_ref_t ref;
        m->up_to++;
        updates_for((uint64_t)m->up_to, keys, vals);
        for (int i = 0; i < CRASH_UPDATES; i++) assert_int_equal(zs_smt_set(m->smt, &keys[i], &vals[i]), 0);
        assert_int_equal(zs_smt_commit(m->smt, (uint64_t)m->up_to, &ref, NULL), 0);
        memcpy(m->roots[m->up_to], ref.hash, 32);
    }
}

/* One acknowledgement from the child: its root must be the model's. */
static void take_ack(crash_model_t *m, const uint8_t ack[40], uint64_t *last_ack)
{
    uint64_t v;
    memcpy(&v, ack, 8);
    model_extend(m, v);
    assert_memory_equal(ack + 8, m->roots[v], 32);
    *last_ack = v;
}

/* Half the rounds kill the child 5..80 ms after it starts (often before or
   inside its first commit); the other half wait for its first
   acknowledgement and kill it 0..40 ms later, so that acknowledged commits
   are killed after on any machine, however slow its disk. */
static void crash_round(crash_model_t *m, int round, uint64_t *last_ack, int *have_ack)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipefd[0]);
        child_commit_loop(pipefd[1]);
        _exit(0);
    }
    close(pipefd[1]);
    uint8_t ack[40];
    long wait_ms = 5 + rand() % 75;
    if (round % 2) {
        assert_int_equal(read(pipefd[0], ack, 40), 40);
        take_ack(m, ack, last_ack);
        *have_ack = 1;
        wait_ms = rand() % 40;
    }
    struct timespec ts = {0, wait_ms * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    while (read(pipefd[0], ack, 40) == 40) {
        take_ack(m, ack, last_ack);
        *have_ack = 1;
    }
    close(pipefd[0]);
}

static void test_crash_safety(void **state)
{
    static crash_model_t m;
    m.smt = zs_smt_new(NULL, NULL, NULL);
    m.up_to = -1;
    uint64_t last_ack = 0;
    int have_ack = 0;
    srand((unsigned)time(NULL));
    int kills = 0;
    for (int round = 0; round < 60; round++) {
        crash_round(&m, round, &last_ack, &have_ack);
        kills++;
        /* Reopen: the latest version is at least the last acknowledged one,
           its root is the one that version must have, and the tree is whole. */
        zs_store_t *s = open_store(!have_ack); /* killed before its database was made */
        zs_state_t *st = open_state(s, 20);
        uint64_t v;
        zs_smt_ref_t root;
        if (have_ack) {
            assert_int_equal(zs_state_version(st, &v, &root), 1);
            assert_true(v >= last_ack);
            model_extend(&m, v);
            assert_memory_equal(root.hash, m.roots[v], 32);
            if (round % 10 == 9) {
                uint64_t leaves, nodes;
                assert_int_equal(zs_statedb_check_tree(zs_state_db(st), &root, &leaves, &nodes), 0);
            }
        }
        zs_state_close(st);
        zs_store_close(s);
    }
    print_message("crash test: %d kills, %d versions committed, the last acknowledged %llu\n", kills, m.up_to + 1,
                  (unsigned long long)last_ack);
    assert_int_equal(kills, 60);
    assert_true(have_ack);
    zs_smt_delete(m.smt);
}

static void test_damaged_tree_refused(void **state)
{
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, 0);
    uint8_t addr[20] = {1, 2, 3};
    zs_u256_t one = zs_u256_from_u64(1);
    assert_int_equal(zs_state_set_balance(st, addr, &one), 0);
    zs_smt_ref_t root;
    assert_int_equal(zs_state_commit_sync(st, 0, &root), 0);
    zs_state_close(st);
    /* Overwrite the root page's row with a well-formed page of one leaf
       that does not hash to its key, then with one cut short. */
    uint8_t key[ZS_STATEDB_KEY], row[65] = {ZS_SMT_PAGE_LEAF};
    row[64] = 2;
    zs_statedb_node_key(&root, key);
    char err[512] = "";
    zs_state_opts_t o = {0};
    zs_store_batch_t *b;
    for (size_t len = sizeof row; len >= sizeof row - 1; len--) {
        b = zs_store_batch_new(s);
        zs_store_put(b, ZS_CF_SMT_NODES, key, sizeof key, row, len);
        assert_int_equal(zs_store_write(s, b, 1), 0);
        zs_store_batch_free(b);
        assert_null(zs_state_open(s, &o, err, sizeof err));
        print_message("damaged root: %s\n", err);
        assert_non_null(strstr(err, "root node"));
    }
    /* And a missing one. */
    b = zs_store_batch_new(s);
    zs_store_del(b, ZS_CF_SMT_NODES, key, sizeof key);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_free(b);
    assert_null(zs_state_open(s, &o, err, sizeof err));
    assert_non_null(strstr(err, "missing"));
    zs_store_close(s);
}

/* Staged changes dropped: the state reads as the committed version again,
   and the next commit builds on that version. */
static void test_discard(void **state)
{
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, 0);
    uint8_t a[20] = {1}, b[20] = {2};
    zs_u256_t v1 = zs_u256_from_u64(100), v2 = zs_u256_from_u64(7), got;
    assert_int_equal(zs_state_set_balance(st, a, &v1), 0);
    zs_smt_ref_t r1, r2, r3;
    assert_int_equal(zs_state_commit_sync(st, 1, &r1), 0);
    assert_int_equal(zs_state_set_balance(st, a, &v2), 0);
    assert_int_equal(zs_state_set_balance(st, b, &v2), 0);
    static const uint8_t code[3] = {0x60, 0x00, 0x00};
    assert_int_equal(zs_state_set_code(st, b, code, sizeof code), 0);
    assert_int_equal(zs_state_discard(st, &r1), 0);
    assert_int_equal(zs_state_balance(st, a, &got), 0);
    assert_int_equal(zs_u256_cmp(&got, &v1), 0);
    assert_int_equal(zs_state_balance(st, b, &got), 0);
    assert_true(zs_u256_is_zero(&got));
    uint64_t len = 1;
    assert_int_equal(zs_state_code_length(st, b, &len), 0);
    assert_int_equal(len, 0);
    /* Nothing staged: the next version has the same root. */
    assert_int_equal(zs_state_commit_sync(st, 2, &r2), 0);
    assert_memory_equal(r1.hash, r2.hash, sizeof r1.hash);
    assert_int_equal(zs_state_set_balance(st, b, &v2), 0);
    assert_int_equal(zs_state_commit_sync(st, 3, &r3), 0);
    assert_memory_not_equal(r2.hash, r3.hash, sizeof r2.hash);
    zs_state_close(st);
    zs_state_t *mem = zs_state_open(NULL, NULL, (char[64]){0}, 64);
    assert_int_equal(zs_state_discard(mem, &r1), ZS_ERR_UNSUPPORTED);
    zs_state_close(mem);
    zs_store_close(s);
}

/* The sequencer's pipeline: version v is applied (and v+1 built) while
   the committer still writes v's batch.  Code made in v must be readable
   then (a contract made in one block and called in the next), and be in
   the store once the batch is written and later versions are applied. */
static void test_code_while_written(void **state)
{
    zs_store_t *s = open_store(1);
    zs_state_t *st = open_state(s, 0);
    uint8_t a[20] = {9};
    static const uint8_t code[5] = {0x60, 0x01, 0x60, 0x02, 0x01};
    zs_smt_ref_t r1, r2, r3;
    assert_int_equal(zs_state_set_code(st, a, code, sizeof code), 0);
    zs_store_batch_t *b1 = zs_store_batch_new(s);
    assert_int_equal(zs_state_commit(st, b1, 1, &r1, NULL), 0);
    zs_state_applied(st, 1, &r1); /* before b1 is written */
    uint8_t *got = NULL;
    size_t len = 0;
    assert_int_equal(zs_state_code(st, a, &got, &len), 0);
    assert_int_equal(len, sizeof code);
    assert_memory_equal(got, code, len);
    free(got);
    /* Written; a discard of staged changes (back to the written root)
    keeps what was committed. */
    assert_int_equal(zs_store_write(s, b1, 1), 0);
    zs_store_batch_free(b1);
    uint8_t b[20] = {8};
    zs_u256_t one = zs_u256_from_u64(1);
    assert_int_equal(zs_state_set_balance(st, b, &one), 0);
    assert_int_equal(zs_state_discard(st, &r1), 0);
    assert_int_equal(zs_state_code(st, a, &got, &len), 0);
    free(got);
    /* Two more versions: the store serves it. */
    assert_int_equal(zs_state_set_balance(st, b, &one), 0);
    assert_int_equal(zs_state_commit_sync(st, 2, &r2), 0);
    assert_int_equal(zs_state_set_balance(st, b, &(zs_u256_t){0}), 0);
    assert_int_equal(zs_state_commit_sync(st, 3, &r3), 0);
    assert_int_equal(zs_state_code(st, a, &got, &len), 0);
    assert_memory_equal(got, code, sizeof code);
    free(got);
    uint8_t *byhash = NULL;
    uint64_t h[4];
    assert_int_equal(zs_state_code_hash(st, a, h), 0);
    assert_int_equal(zs_state_code_by_hash(st, h, sizeof code, &byhash), 0);
    assert_memory_equal(byhash, code, sizeof code);
    free(byhash);
    zs_state_close(st);
    zs_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_genesis_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_and_pruning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_tree_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_while_written, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
