/* Unit tests of the persistent state on a real RocksDB: genesis roots
   survive reopening, earlier versions stay readable until pruned, pruning
   frees exactly the nodes no retained version uses, a child process killed
   with SIGKILL at random moments (60 times) never leaves anything but a
   committed version with every acknowledged commit kept, a damaged tree
   is refused at open with a clear error, and a zkseq-db-2 state (one row
   per node) is upgraded in place. */
#include "tests/support/zs_test.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/state/zs_state.h"
#include "host/state/zs_statedb.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_bytes.h"
#include "lib/poseidon/zs_poseidon.h"
#include "lib/tx/zs_addr.h"

static char dir[256];

static int setup(void **state)
{
    zs_test_db_dir("state", dir, sizeof dir);
    return 0;
}

static int teardown(void **state)
{
    return zs_test_db_dir_remove(dir);
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

/* The child (zs_test_spawn): commits until killed, acknowledging each
   durable version on fd. */
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

static int commit_loop_child(char **args)
{
    snprintf(dir, sizeof dir, "%s", args[0]);
    child_commit_loop(atoi(args[1]));
    return 0;
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
    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
    char fd[16];
    snprintf(fd, sizeof fd, "%d", pipefd[1]);
    pid_t pid = zs_test_spawn("commit-loop", (const char *const[]){dir, fd, NULL});
    assert_true(pid > 0);
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

/* ---- zkseq-db-2: one row per node, as zkseqd wrote it before the pages.
   The test writes such a database itself (the old layout from
   zs_statedb_upgrade.c's comment; each version's new nodes under its own
   version, unchanged subtrees referenced where an earlier version wrote
   them), then lets the upgrade rewrite it. */

enum { OLD_ACCOUNTS = 160, OLD_VERSIONS = 6, OLD_OLDEST = 2 };

typedef struct {
    uint64_t hash[4], ver;
} written_t;

typedef struct {
    zs_store_batch_t *b;
    uint64_t ver;
    written_t *w; /* every row written, to reuse an equal subtree's row */
    size_t nw;
} oldw_t;

static void old_row(oldw_t *o, zs_smt_ref_t *ref, const uint8_t *row, size_t len)
{
    for (size_t i = 0; i < o->nw; i++)
        if (!memcmp(o->w[i].hash, ref->hash, 32)) {
            ref->ver = o->w[i].ver;
            return;
        }
    ref->ver = o->ver;
    uint8_t key[40];
    zs_statedb_node_key(ref, key); /* a node's key, a root record: a page row key's shape */
    zs_store_put(o->b, ZS_CF_SMT_NODES, key, sizeof key, row, len);
    memcpy(o->w[o->nw].hash, ref->hash, 32);
    o->w[o->nw++].ver = ref->ver;
}

/* The subtree of keys[0..n) (their path bits above depth equal). */
static zs_smt_ref_t old_build(oldw_t *o, const zs_smt_key_t *keys, const zs_u256_t *vals, size_t n, int depth)
{
    zs_smt_ref_t ref = {0};
    uint64_t st[12] = {0};
    uint8_t row[97];
    if (n == 0) return ref;
    if (n == 1) {
        zs_smt_value_limbs(&vals[0], st);
        zs_poseidon_permute(st);
        uint64_t leaf[12] = {0};
        zs_smt_remaining_key(&keys[0], depth, leaf);
        memcpy(leaf + 4, st, 32);
        leaf[8] = 1;
        row[0] = 1;
        memcpy(row + 1, leaf, 64);
        zs_u256_to_be32(&vals[0], row + 65);
        zs_poseidon_permute(leaf);
        memcpy(ref.hash, leaf, 32);
        old_row(o, &ref, row, 97);
        return ref;
    }
    zs_smt_key_t *k = malloc(n * sizeof *k);
    zs_u256_t *v = malloc(n * sizeof *v);
    size_t left = 0;
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < n; i++)
            if (zs_smt_key_bit(&keys[i], depth) == side) {
                k[left] = keys[i];
                v[left++] = vals[i];
            }
    size_t nl = 0;
    while (nl < n && zs_smt_key_bit(&k[nl], depth) == 0) nl++;
    zs_smt_ref_t l = old_build(o, k, v, nl, depth + 1), r = old_build(o, k + nl, v + nl, n - nl, depth + 1);
    free(k);
    free(v);
    row[0] = 0;
    memcpy(row + 1, l.hash, 32);
    zs_put_be64(row + 33, l.ver);
    memcpy(row + 41, r.hash, 32);
    zs_put_be64(row + 73, r.ver);
    memcpy(st, l.hash, 32);
    memcpy(st + 4, r.hash, 32);
    zs_poseidon_permute(st);
    memcpy(ref.hash, st, 32);
    old_row(o, &ref, row, 81);
    return ref;
}

static void put_meta(zs_store_batch_t *b, const char *key, const void *v, size_t len)
{
    zs_store_put(b, ZS_CF_META, key, strlen(key), v, len);
}

/* Writes versions 0..OLD_VERSIONS-1 of balances (zero: absent), the ones
   below OLD_OLDEST pruned; roots[v] gets each version's root. */
static void write_db2(zs_store_t *s, uint8_t (*addrs)[20], zs_u256_t (*bal)[OLD_ACCOUNTS], zs_smt_ref_t *roots)
{
    oldw_t o = {.w = calloc(OLD_VERSIONS * OLD_ACCOUNTS * 3, sizeof(written_t))};
    zs_smt_key_t keys[OLD_ACCOUNTS];
    zs_u256_t vals[OLD_ACCOUNTS];
    uint8_t ref[40], latest[48];
    for (uint64_t v = 0; v < OLD_VERSIONS; v++) {
        o.b = zs_store_batch_new(s);
        o.ver = v;
        size_t n = 0;
        for (int a = 0; a < OLD_ACCOUNTS; a++)
            if (!zs_u256_is_zero(&bal[v][a])) {
                keys[n] = zs_smt_key_account(addrs[a], ZS_SMT_BALANCE);
                vals[n++] = bal[v][a];
            }
        roots[v] = old_build(&o, keys, vals, n, 0);
        uint8_t vk[8];
        zs_put_be64(vk, v);
        zs_statedb_node_key(&roots[v], ref);
        zs_store_put(o.b, ZS_CF_SMT_ROOTS, vk, 8, ref, 40);
        zs_store_put(o.b, ZS_CF_SMT_GC, vk, 8, ref, 40); /* a gc list the upgrade must drop */
        zs_put_be64(latest, v);
        memcpy(latest + 8, ref, 40);
        put_meta(o.b, ZS_STATEDB_LATEST_KEY, latest, sizeof latest);
        put_meta(o.b, "schema/format", ZS_SCHEMA_FORMAT_PREV, strlen(ZS_SCHEMA_FORMAT_PREV));
        assert_int_equal(zs_store_write(s, o.b, 1), 0);
        zs_store_batch_free(o.b);
    }
    o.b = zs_store_batch_new(s);
    uint8_t old[8];
    zs_put_be64(old, OLD_OLDEST);
    put_meta(o.b, ZS_STATEDB_OLDEST_KEY, old, 8);
    for (uint64_t v = 0; v < OLD_OLDEST; v++) {
        uint8_t vk[8];
        zs_put_be64(vk, v);
        zs_store_del(o.b, ZS_CF_SMT_ROOTS, vk, 8);
    }
    assert_int_equal(zs_store_write(s, o.b, 1), 0);
    zs_store_batch_free(o.b);
    free(o.w);
}

static int upgrades_begun;

static void upgrade_begins(zs_schema_upgrade_t *up, const char *path)
{
    assert_string_equal(up->from, ZS_SCHEMA_FORMAT_PREV);
    assert_string_equal(path, dir);
    upgrades_begun++;
}

static zs_store_t *open_upgrading(zs_schema_upgrade_t *up, char *err, size_t errlen)
{
    zs_store_opts_t so = {.cache_mb = 16};
    *up = (zs_schema_upgrade_t){.from = ZS_SCHEMA_FORMAT_PREV, .begin = upgrade_begins, .run = zs_statedb_upgrade};
    return zs_schema_open_upgrading(dir, &so, up, err, errlen);
}

/* A damaged row (in root's): the upgrade fails, saying which version, and
   changes nothing; then the row is repaired. */
static void damaged_upgrade_changes_nothing(const zs_smt_ref_t *root)
{
    zs_store_opts_t so = {.cache_mb = 16};
    char err[512] = "";
    zs_store_t *s = zs_store_open(dir, zs_schema_cfs, ZS_CF_COUNT, &so, err, sizeof err);
    uint8_t key[40], row[128];
    size_t len, rows = live_rows(s);
    zs_statedb_node_key(root, key);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, key, 40, row, sizeof row, &len), 0);
    for (int pass = 0; pass < 2; pass++) {
        row[5] ^= 1;
        zs_store_batch_t *b = zs_store_batch_new(s);
        zs_store_put(b, ZS_CF_SMT_NODES, key, 40, row, len);
        assert_int_equal(zs_store_write(s, b, 1), 0);
        zs_store_batch_free(b);
        zs_store_close(s);
        if (pass) return;
        zs_schema_upgrade_t up;
        assert_null(open_upgrading(&up, err, sizeof err));
        print_message("damaged: %s\n", err);
        assert_non_null(strstr(err, "state version 5: a tree row is missing or damaged"));
        assert_non_null(strstr(err, "the database is as it was"));
        zs_store_opts_t ro = {.cache_mb = 16, .read_only = 1};
        assert_null(zs_schema_open(dir, &ro, err, sizeof err));
        assert_non_null(strstr(err, "format 'zkseq-db-2'; this zkseq reads '" ZS_SCHEMA_FORMAT "'"));
        assert_non_null(strstr(err, "upgrades it in place when it starts"));
        assert_non_null(s = zs_store_open(dir, zs_schema_cfs, ZS_CF_COUNT, &so, err, sizeof err));
        assert_int_equal(live_rows(s), rows);
    }
}

/* Every kept version of a zkseq-db-2 state reads the same after the
   upgrade, every row is a page, and the state goes on (commits, exact
   pruning through the gc lists the upgrade wrote).  A damaged node row
   fails the upgrade and leaves the database as it was. */
static void test_upgrade_db2(void **state)
{
    static uint8_t addrs[OLD_ACCOUNTS][20];
    static zs_u256_t bal[OLD_VERSIONS + 1][OLD_ACCOUNTS];
    zs_smt_ref_t roots[OLD_VERSIONS + 1];
    zs_test_rng_t rng = {0xdb2};
    for (int a = 0; a < OLD_ACCOUNTS; a++) zs_test_rng_bytes(&rng, addrs[a], 20);
    for (int v = 0; v < OLD_VERSIONS; v++)
        for (int a = 0; a < OLD_ACCOUNTS; a++) {
            uint64_t r = zs_test_rng_u64(&rng);
            /* About a tenth of the accounts change a version, some emptied. */
            bal[v][a] = v && r % 10 ? bal[v - 1][a] : zs_u256_from_u64(r % 7 == 0 ? 0 : r >> 20);
        }
    zs_store_opts_t so = {.cache_mb = 16, .create = 1};
    char err[512] = "";
    zs_store_t *s = zs_store_open(dir, zs_schema_cfs, ZS_CF_COUNT, &so, err, sizeof err);
    assert_non_null(s);
    write_db2(s, addrs, bal, roots);
    zs_store_close(s);
    damaged_upgrade_changes_nothing(&roots[OLD_VERSIONS - 1]);
    zs_schema_upgrade_t up;

    /* Repaired, it upgrades. */
    assert_non_null(s = open_upgrading(&up, err, sizeof err));
    print_message("upgraded: %s\n", up.note);
    assert_non_null(strstr(up.note, "state versions 2..5 rewritten as pages"));
    assert_int_equal(upgrades_begun, 2);
    zs_state_t *st = open_state(s, 3);
    hset_t set = {calloc(1 << 14, 32), 1 << 14, 0};
    for (int v = OLD_OLDEST; v < OLD_VERSIONS; v++) {
        zs_smt_ref_t r;
        assert_int_equal(zs_state_root_at(st, (uint64_t)v, &r), 0);
        assert_memory_equal(r.hash, roots[v].hash, 32);
        roots[v] = r;
        reach(s, &r, &set); /* every page checked against its hash */
        for (int a = 0; a < OLD_ACCOUNTS; a++) {
            zs_smt_key_t k = zs_smt_key_account(addrs[a], ZS_SMT_BALANCE);
            zs_u256_t got;
            assert_int_equal(zs_state_get_at(st, &r, &k, &got, NULL), 0);
            assert_memory_equal(&got, &bal[v][a], 32);
        }
    }
    assert_int_equal(live_rows(s), set.n); /* no old row left */
    assert_int_equal(zs_state_root_at(st, OLD_OLDEST - 1, &roots[0]), ZS_ERR_NOTFOUND);
    /* It goes on: a commit prunes version 3 through the upgrade's gc lists. */
    memcpy(bal[OLD_VERSIONS], bal[OLD_VERSIONS - 1], sizeof bal[0]);
    for (int a = 0; a < OLD_ACCOUNTS; a += 9) {
        bal[OLD_VERSIONS][a] = zs_u256_from_u64((uint64_t)a + 1);
        assert_int_equal(zs_state_set_balance(st, addrs[a], &bal[OLD_VERSIONS][a]), 0);
    }
    assert_int_equal(zs_state_commit_sync(st, OLD_VERSIONS, &roots[OLD_VERSIONS]), 0);
    assert_int_equal(zs_state_root_at(st, OLD_VERSIONS - 3, &roots[0]), ZS_ERR_NOTFOUND);
    memset(set.h, 0, (size_t)32 << 14);
    set.n = 0;
    for (int v = OLD_VERSIONS - 2; v <= OLD_VERSIONS; v++) reach(s, &roots[v], &set);
    assert_int_equal(live_rows(s), set.n);
    free(set.h);
    zs_state_close(st);
    zs_store_close(s);
    /* And it opens as this format from now on, with nothing to upgrade. */
    assert_non_null(s = open_upgrading(&up, err, sizeof err));
    assert_int_equal(upgrades_begun, 2);
    assert_string_equal(up.note, "");
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

/* A state held to a memory bound (zs_state_opts_t.memory_bytes) far below
   its tree: pages dropped after commits are read again when blocks touch
   them, with the sequencer's pipeline (version v applied while v-1's batch
   is still unwritten), and every root and balance is the one an unbounded
   tree in memory gives; the account-key cache starts again at its bound. */
static void test_memory_bound(void **state)
{
    enum { ACCOUNTS = 3000, VERSIONS = 60, PER = 80 };
    zs_store_t *s = open_store(1);
    char err[512] = "";
    zs_state_opts_t o = {.keep_versions = 8, .memory_bytes = 256 << 10};
    zs_state_t *st = zs_state_open(s, &o, err, sizeof err);
    assert_non_null(st);
    zs_state_t *ref = zs_state_open(NULL, NULL, err, sizeof err);
    assert_non_null(ref);
    static uint64_t bal[ACCOUNTS];
    uint8_t a[20] = {0};
    srand(20261208);
    zs_store_batch_t *pending = NULL;
    for (uint64_t v = 1; v <= VERSIONS; v++) {
        /* The first version makes every account; then PER at random. */
        for (size_t k = 0; k < (v == 1 ? ACCOUNTS : PER); k++) {
            size_t i = v == 1 ? k : (size_t)rand() % ACCOUNTS;
            zs_put_be64(a + 12, (uint64_t)i + 1);
            bal[i] = v * 1000 + i + 1;
            zs_u256_t x = zs_u256_from_u64(bal[i]);
            assert_int_equal(zs_state_set_balance(st, a, &x), 0);
            assert_int_equal(zs_state_set_balance(ref, a, &x), 0);
        }
        zs_smt_ref_t r, rr;
        zs_store_batch_t *b = zs_store_batch_new(s);
        assert_int_equal(zs_state_commit(st, b, v, &r, NULL), 0);
        assert_int_equal(zs_state_commit(ref, NULL, v, &rr, NULL), 0);
        assert_memory_equal(r.hash, rr.hash, 32);
        zs_state_applied(st, v, &r); /* before its batch is written; v-1's goes now */
        zs_state_evict(st);
        if (pending) {
            assert_int_equal(zs_store_write(s, pending, 0), 0);
            zs_store_batch_free(pending);
        }
        pending = b;
    }
    assert_int_equal(zs_store_write(s, pending, 1), 0);
    zs_store_batch_free(pending);
    zs_state_evictions_t ev;
    zs_state_evictions(st, &ev);
    print_message("memory bound 256 KiB: %llu sweeps, %llu pages dropped, %llu key cache resets; nodes %zu bytes\n",
                  (unsigned long long)ev.sweeps, (unsigned long long)ev.pages_dropped,
                  (unsigned long long)ev.key_cache_resets, ev.node_bytes);
    assert_true(ev.sweeps > 0);
    assert_true(ev.pages_dropped > 0);
    assert_true(ev.key_cache_resets > 0);
    assert_true(ev.node_bytes <= o.memory_bytes);
    /* Every balance reads back through the dropped pages. */
    for (size_t i = 0; i < ACCOUNTS; i++) {
        zs_put_be64(a + 12, (uint64_t)i + 1);
        zs_u256_t got;
        assert_int_equal(zs_state_balance(st, a, &got), 0);
        zs_u256_t want = zs_u256_from_u64(bal[i]);
        assert_int_equal(zs_u256_cmp(&got, &want), 0);
    }
    zs_state_close(ref);
    zs_state_close(st);
    zs_store_close(s);
}

int main(int argc, char **argv)
{
    static const zs_test_child_t children[] = {{"commit-loop", commit_loop_child}};
    zs_test_child(argc, argv, children, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_genesis_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_and_pruning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_tree_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_db2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_while_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
