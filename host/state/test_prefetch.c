/* Unit tests of the state's prefetch thread on a real RocksDB: the pages
   it reads ahead are the ones the tree then takes instead of reading them
   itself, values and roots are those of a state without it, a damaged row
   is still refused (the prefetch fails, the tree's own read says why), its
   cache keeps to its size, a page the tree reads itself right after a
   restart does not drop the other keys' paths, and a full queue drops its
   oldest paths. */
#include "tests/support/zs_test.h"

#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/state/zs_state.h"
#include "host/state/zs_statedb.h"
#include "host/store/zs_schema.h"

enum { ACCOUNTS = 3000 };

static char dir[256];
static zs_smt_key_t keys[ACCOUNTS];

static int setup(void **state)
{
    zs_test_db_dir("prefetch", dir, sizeof dir);
    return 0;
}

static int teardown(void **state)
{
    return zs_test_db_dir_remove(dir);
}

static zs_u256_t value_of(size_t i, uint64_t round)
{
    return zs_u256_from_u64(1000 + i * 7 + round * 1000003);
}

static zs_state_t *open_state(zs_store_t *s, size_t prefetch_pages)
{
    char err[512] = "";
    zs_state_opts_t o = {.prefetch_pages = prefetch_pages};
    zs_state_t *st = zs_state_open(s, &o, err, sizeof err);
    if (!st) fail_msg("open state: %s", err);
    return st;
}

/* A store of ACCOUNTS keys (random field elements) in one version. */
static zs_store_t *build(zs_smt_ref_t *root)
{
    char err[512] = "";
    zs_store_opts_t so = {.cache_mb = 16, .create = 1};
    zs_store_t *s = zs_schema_open(dir, &so, err, sizeof err);
    if (!s) fail_msg("open store: %s", err);
    zs_state_t *st = open_state(s, 0);
    uint64_t x = 0x243f6a8885a308d3ull;
    for (size_t i = 0; i < ACCOUNTS; i++) {
        for (int j = 0; j < 4; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            keys[i].e[j] = x % 0xffffffff00000001ull;
        }
        zs_u256_t v = value_of(i, 0);
        assert_int_equal(zs_state_set_key(st, &keys[i], &v), 0);
    }
    assert_int_equal(zs_state_commit_sync(st, 1, root), 0);
    zs_state_close(st);
    return s;
}

/* Every page read ahead is taken by the tree, and what it reads is what a
   tree without the prefetcher reads; a commit after both gives one root. */
static void test_taken_and_equal(void **state)
{
    zs_smt_ref_t root, r1, r2;
    zs_store_t *s = build(&root);
    zs_state_t *pf = open_state(s, 4096), *plain = open_state(s, 0);
    zs_prefetch_stats_t ps;
    zs_state_prefetch_paths(pf, keys, 500);
    zs_state_prefetch_wait(pf);
    zs_state_prefetch_stats(pf, &ps);
    print_message("500 paths: asked %lu, read %lu pages, failed %lu\n", (unsigned long)ps.asked,
                  (unsigned long)ps.read, (unsigned long)ps.failed);
    assert_int_equal(ps.asked, 500); /* the root is a stub: every path is cold */
    assert_int_equal(ps.failed, 0);
    assert_true(ps.read >= 500);     /* at least each key's leaf page */
    for (size_t i = 0; i < 500; i++) {
        zs_u256_t a, b, want = value_of(i, 0);
        assert_int_equal(zs_state_get_key(pf, &keys[i], &a), 0);
        assert_int_equal(zs_state_get_key(plain, &keys[i], &b), 0);
        assert_true(!zs_u256_cmp(&a, &want) && !zs_u256_cmp(&b, &want));
    }
    zs_state_prefetch_stats(pf, &ps);
    print_message("taken %lu of %lu\n", (unsigned long)ps.taken, (unsigned long)ps.read);
    assert_int_equal(ps.taken, ps.read);
    assert_int_equal(ps.evicted, 0);
    /* Paths already in memory are not asked again; the next ones are. */
    zs_state_prefetch_paths(pf, keys, 500);
    zs_prefetch_stats_t again;
    zs_state_prefetch_stats(pf, &again);
    assert_int_equal(again.asked, ps.asked);
    zs_state_prefetch_paths(pf, keys + 500, 1000);
    zs_state_prefetch_wait(pf);
    for (size_t i = 0; i < 1500; i++) {
        zs_u256_t v = value_of(i, 1);
        assert_int_equal(zs_state_set_key(pf, &keys[i], &v), 0);
        assert_int_equal(zs_state_set_key(plain, &keys[i], &v), 0);
    }
    zs_state_prefetch_stats(pf, &ps);
    assert_true(ps.asked > again.asked && ps.asked <= again.asked + 1000);
    assert_int_equal(ps.taken, ps.read);
    zs_store_batch_t *b1 = zs_store_batch_new(s), *b2 = zs_store_batch_new(s); /* staged, not written */
    assert_int_equal(zs_state_commit(pf, b1, 2, &r1, NULL), 0);
    assert_int_equal(zs_state_commit(plain, b2, 2, &r2, NULL), 0);
    assert_memory_equal(r1.hash, r2.hash, 32);
    zs_store_batch_free(b1);
    zs_store_batch_free(b2);
    zs_state_close(plain);
    zs_state_close(pf);
    zs_store_close(s);
}

/* A row below the root replaced by another well-formed page: the paths
   through it fail in the prefetch thread (counted, nothing kept), and the
   tree's own read of them is refused as without the prefetcher; other
   paths read as before. */
static void test_damaged_row(void **state)
{
    zs_smt_ref_t root;
    zs_store_t *s = build(&root);
    uint8_t key[ZS_STATEDB_KEY], row[ZS_SMT_PAGE_ROW_MAX + 1], other[ZS_SMT_PAGE_ROW_MAX + 1];
    size_t len, olen;
    zs_statedb_node_key(&root, key);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, key, sizeof key, row, sizeof row, &len), 0);
    zs_smt_page_t pg;
    assert_int_equal(zs_smt_page_decode(row, len, &pg), 0);
    /* Two references on the root page's lower edge: the first's row gets
       the second's bytes. */
    size_t refs[2], nrefs = 0;
    for (size_t i = 0; i < pg.n && nrefs < 2; i++)
        if (pg.node[i].kind == ZS_SMT_PAGE_REF) refs[nrefs++] = i;
    assert_int_equal(nrefs, 2);
    zs_smt_ref_t bad = {.ver = pg.node[refs[0]].ver}, good = {.ver = pg.node[refs[1]].ver};
    memcpy(bad.hash, pg.node[refs[0]].hash, 32);
    memcpy(good.hash, pg.node[refs[1]].hash, 32);
    zs_statedb_node_key(&good, key);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, key, sizeof key, other, sizeof other, &olen), 0);
    zs_statedb_node_key(&bad, key);
    zs_store_batch_t *b = zs_store_batch_new(s);
    zs_store_put(b, ZS_CF_SMT_NODES, key, sizeof key, other, olen);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_free(b);
    /* A key under each. */
    size_t kb = ACCOUNTS, kg = ACCOUNTS;
    for (size_t i = 0; i < ACCOUNTS; i++) {
        size_t x = zs_smt_page_exit(&pg, 0, &keys[i]);
        if (x == refs[0] && kb == ACCOUNTS) kb = i;
        if (x == refs[1] && kg == ACCOUNTS) kg = i;
    }
    assert_true(kb < ACCOUNTS && kg < ACCOUNTS);
    zs_state_t *st = open_state(s, 64);
    zs_smt_key_t two[2] = {keys[kb], keys[kg]};
    zs_state_prefetch_paths(st, two, 2);
    zs_state_prefetch_wait(st);
    zs_prefetch_stats_t ps;
    zs_state_prefetch_stats(st, &ps);
    assert_int_equal(ps.asked, 2);
    assert_int_equal(ps.failed, 1);
    zs_u256_t v, want = value_of(kg, 0);
    assert_int_equal(zs_state_get_key(st, &keys[kg], &v), 0);
    assert_int_equal(zs_u256_cmp(&v, &want), 0);
    assert_int_equal(zs_state_get_key(st, &keys[kb], &v), ZS_ERR_CORRUPT);
    zs_state_close(st);
    zs_store_close(s);
}

/* A cache of 8 pages holds 8: the oldest untaken ones leave it, the tree
   reads those itself, and every value is still right. */
static void test_cache_bound(void **state)
{
    zs_smt_ref_t root;
    zs_store_t *s = build(&root);
    zs_state_t *st = open_state(s, 8);
    zs_state_prefetch_paths(st, keys, 200);
    zs_state_prefetch_wait(st);
    zs_prefetch_stats_t ps;
    zs_state_prefetch_stats(st, &ps);
    assert_true(ps.read > 8);
    assert_int_equal(ps.evicted, ps.read - 8);
    for (size_t i = 0; i < 200; i++) {
        zs_u256_t v, want = value_of(i, 0);
        assert_int_equal(zs_state_get_key(st, &keys[i], &v), 0);
        assert_int_equal(zs_u256_cmp(&v, &want), 0);
    }
    zs_state_prefetch_stats(st, &ps);
    assert_true(ps.taken > 0 && ps.taken <= 8);
    zs_state_close(st);
    zs_store_close(s);
}

/* The tree and the thread side by side, without the state: a loader that
   holds the thread's first read until the test lets it go, and the tree's
   loader (the prefetcher's page, else the store's), counting its own. */
typedef struct {
    zs_smt_loader_t raw;
    sem_t go;
    int held;
    size_t loads; /* rows the thread read */
} gate_t;

static int gated_load(void *ctx, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    gate_t *g = ctx;
    g->loads++;
    if (!g->held) {
        g->held = 1;
        sem_wait(&g->go);
    }
    return g->raw.load(g->raw.ctx, ref, out);
}

/* build()'s store, its state rows and a gated reader over them. */
typedef struct {
    zs_smt_ref_t root;
    zs_store_t *s;
    zs_statedb_t *db;
    gate_t g;
    zs_smt_loader_t gated; /* the thread's */
} held_t;

static void held_open(held_t *h)
{
    char err[256];
    h->s = build(&h->root);
    h->db = zs_statedb_new(h->s, 0, err, sizeof err);
    assert_non_null(h->db);
    h->g = (gate_t){.raw = zs_statedb_loader(h->db)};
    sem_init(&h->g.go, 0, 0);
    h->gated = (zs_smt_loader_t){.ctx = &h->g, .load = gated_load};
}

static void held_close(held_t *h)
{
    zs_statedb_free(h->db);
    sem_destroy(&h->g.go);
    zs_store_close(h->s);
}

typedef struct {
    zs_prefetch_t *pf;
    zs_smt_loader_t raw;
    size_t own;
} tree_loader_t;

static int tree_load(void *ctx, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    tree_loader_t *t = ctx;
    if (zs_prefetch_take(t->pf, ref, out)) return ZS_OK;
    t->own++;
    return t->raw.load(t->raw.ctx, ref, out);
}

/* Right after a restart every path starts at the root's page: the tree's
   read of it (for the key it runs first) must not drop the other keys'
   paths, which go on from the pages below it. */
static void test_root_read_by_tree(void **state)
{
    held_t h;
    held_open(&h);
    tree_loader_t tl = {zs_prefetch_new(&h.gated, 4096), zs_statedb_loader(h.db), 0};
    assert_non_null(tl.pf);
    zs_smt_loader_t tlo = {.ctx = &tl, .load = tree_load};
    zs_smt_t *t = zs_smt_new(&h.root, &tlo, NULL);
    enum { N = 100 };
    zs_smt_cold_t cold[N];
    assert_int_equal(zs_smt_cold(t, keys, N, cold, N), N);
    for (int i = 0; i < N; i++) assert_int_equal(cold[i].depth, 0);
    zs_prefetch_add(tl.pf, cold, N); /* the thread holds in its first read (key N - 1) */
    zs_u256_t v, want;
    assert_int_equal(zs_smt_get(t, &keys[0], &v), 0); /* the tree reads the root's page itself */
    size_t own_first = tl.own;
    sem_post(&h.g.go);
    zs_prefetch_wait(tl.pf);
    zs_prefetch_stats_t ps;
    zs_prefetch_stats(tl.pf, &ps);
    assert_int_equal(ps.dropped, 0);
    assert_int_equal(ps.failed, 0);
    for (int i = 1; i < N; i++) {
        want = value_of((size_t)i, 0);
        assert_int_equal(zs_smt_get(t, &keys[i], &v), 0);
        assert_int_equal(zs_u256_cmp(&v, &want), 0);
    }
    zs_prefetch_stats(tl.pf, &ps);
    print_message("tree's own reads %zu (%zu for key 0), thread read %lu, taken %lu\n", tl.own, own_first,
                  (unsigned long)ps.read, (unsigned long)ps.taken);
    assert_true(ps.taken >= N - 1);       /* at least each other key's leaf page */
    /* Every row the thread read once: the root's page too, which a batch's
       16 paths share (read once for them) and which the paths past it take
       from the cache (the first of them read and kept it). */
    print_message("rows the thread read %zu, pages kept %lu\n", h.g.loads, (unsigned long)ps.read);
    assert_int_equal(h.g.loads, ps.read);
    assert_true(tl.own - own_first <= 2); /* the tree read next to nothing after key 0 */
    zs_smt_delete(t);
    zs_prefetch_free(tl.pf);
    held_close(&h);
}

/* More paths than the queue holds (4,096), the thread held in its first
   read: the oldest go, counted, and the rest are read (or fail, for rows
   that are not there). */
static void test_queue_full(void **state)
{
    held_t h;
    held_open(&h);
    zs_smt_loader_t raw = zs_statedb_loader(h.db);
    zs_prefetch_t *pf = zs_prefetch_new(&h.gated, 16);
    zs_smt_t *t = zs_smt_new(&h.root, &raw, NULL);
    static zs_smt_cold_t cold[ACCOUNTS];
    assert_int_equal(zs_smt_cold(t, keys, ACCOUNTS, cold, ACCOUNTS), ACCOUNTS);
    /* 3,000 paths, then 2,000 to rows that do not exist (each fails): the
       oldest of the first go. */
    zs_prefetch_add(pf, cold, ACCOUNTS);
    for (size_t i = 0; i < 2000; i++) cold[i].ref.ver = UINT64_MAX - i;
    zs_prefetch_add(pf, cold, 2000);
    zs_prefetch_stats_t ps;
    zs_prefetch_stats(pf, &ps);
    assert_int_equal(ps.asked, ACCOUNTS + 2000);
    /* 4,096 wait and the thread holds its first batch of 16, taken before
       the queue filled or after. */
    assert_true(ps.dropped == ACCOUNTS + 2000 - 4096 || ps.dropped == ACCOUNTS + 2000 - 4096 - 16);
    sem_post(&h.g.go);
    zs_prefetch_wait(pf);
    zs_prefetch_stats(pf, &ps);
    assert_int_equal(ps.failed, 2000); /* every newer path was kept */
    assert_true(ps.read > 16);
    zs_smt_delete(t);
    zs_prefetch_free(pf);
    held_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_taken_and_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_read_by_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
