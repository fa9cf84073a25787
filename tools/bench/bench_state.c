/* State tree on RocksDB: random balance updates in batches of 1,000 on a
   tree of N accounts (1,000,000 by default), one core, against the hashing
   lower bound measured in the same run: the permutations an update needs
   divided by the batch Poseidon rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tools/bench/bench.h"

typedef struct {
    uint64_t (*st)[12];
    uint64_t (*out)[4];
    size_t n;
} hb_t;

static void run_hash(void *a, uint64_t iters)
{
    hb_t *h = a;
    for (uint64_t i = 0; i < iters; i++) zs_poseidon_hash_batch((const uint64_t(*)[12])h->st, h->out, h->n);
}

/* The tree being measured. */
typedef struct {
    size_t accounts;
    zs_store_t *store;
    zs_state_t *st;
    zs_smt_key_t *bal_keys; /* every account's balance key */
    uint64_t version;
    zs_smt_ref_t root;
} tree_t;

enum { BATCH = 1000, KEEP = 16 };

/* Accounts from a counter, each with a balance and a nonce leaf, committed
   every 20,000: 0, or -1 with a note. */
static int build_tree(tree_t *t)
{
    const size_t per_commit = 20000;
    fprintf(stderr, "zkseq-bench: state: building a tree of %zu accounts...\n", t->accounts);
    for (size_t done = 0; done < t->accounts;) {
        size_t k = t->accounts - done < 1024 ? t->accounts - done : 1024;
        zs_smt_key_t nk[1024];
        zs_u256_t bv[1024], nv[1024];
        bench_accounts(done, k, t->bal_keys + done, nk, bv, nv);
        for (size_t i = 0; i < k; i++)
            if (zs_state_set_key(t->st, &t->bal_keys[done + i], &bv[i]) || zs_state_set_key(t->st, &nk[i], &nv[i])) {
                bench_note("state", "building the tree failed");
                return -1;
            }
        done += k;
        if ((done % per_commit < k || done == t->accounts) && zs_state_commit_sync(t->st, t->version++, &t->root)) {
            bench_note("state", "commit failed while building");
            return -1;
        }
    }
    return 0;
}

/* Where the measured updates' time went, and their permutations. */
typedef struct {
    double set, commit, write;
    uint64_t perms;
} update_times_t;

/* Batches of 1,000 random balance updates, after as many unmeasured ones
   as versions are kept, so that pruning releases update-sized versions and
   not the building ones (which replaced most of the tree): 0, or -1. */
static int measure_updates(tree_t *t, int warmup, int batches, update_times_t *u)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    zs_store_batch_t *wb = zs_store_batch_new(t->store);
    int rc = wb ? 0 : -1;
    for (int bi = -warmup; !rc && bi < batches; bi++) {
        if (bi == 0) memset(u, 0, sizeof *u);
        double a = bench_now();
        for (int i = 0; !rc && i < BATCH; i++) {
            size_t idx = bench_rng(&rng) % t->accounts;
            zs_u256_t b = zs_u256_from_u64(bench_rng(&rng) >> 8);
            rc = zs_state_set_key(t->st, &t->bal_keys[idx], &b);
        }
        double b = bench_now();
        zs_smt_changes_t ch;
        zs_store_batch_clear(wb);
        if (rc || zs_state_commit(t->st, wb, t->version, &t->root, &ch)) rc = -1;
        double c = bench_now();
        if (rc || zs_store_write(t->store, wb, 1)) rc = -1;
        if (rc) break;
        zs_state_applied(t->st, t->version++, &t->root);
        u->set += b - a;
        u->commit += c - b;
        u->write += bench_now() - c;
        u->perms += ch.permutations;
    }
    zs_store_batch_free(wb);
    return rc;
}

/* The batch Poseidon rate, this run. */
static double permutation_rate(const bench_opts_t *o)
{
    hb_t h = {malloc(1024 * sizeof *h.st), malloc(1024 * sizeof *h.out), 1024};
    for (size_t i = 0; i < 1024; i++)
        for (int j = 0; j < 12; j++) h.st[i][j] = (i * 12 + (size_t)j) * 0x9e3779b97f4a7c15ull % 0xffffffff00000001ull;
    double rate = bench_rate(o, run_hash, &h, 1024);
    free(h.st);
    free(h.out);
    return rate;
}

static void record(const bench_opts_t *o, tree_t *t, const update_times_t *u, int batches)
{
    double updates = (double)batches * BATCH, total = u->set + u->commit + u->write;
    double perms_per_update = (double)u->perms / updates;
    double bound_rate = permutation_rate(o) / perms_per_update; /* updates/s if hashing were all */
    char name[128];
    snprintf(name, sizeof name, "balance updates, batches of 1000, %zuk accounts", t->accounts / 1000);
    bench_record("state", name, updates / total, "update/s", "hashing bound (batch Poseidon)", bound_rate, 1 / 1.5, 0);
    bench_record("state", "  Poseidon permutations per update", perms_per_update, "perm", NULL, 0, 0, 0);
    bench_record("state", "  time in set (tree walk, loads)", u->set / updates * 1e6, "us/update", NULL, 0, 0, 0);
    bench_record("state", "  time in commit (hashing, change lists)", u->commit / updates * 1e6, "us/update", NULL, 0,
                 0, 0);
    bench_record("state", "  time in RocksDB write (fsync'd)", u->write / updates * 1e6, "us/update", NULL, 0, 0, 0);
    if (zs_store_flush(t->store)) bench_note("state", "flush failed");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_million = 1e6 / (double)t->accounts;
    bench_record("state", "tree memory per million accounts", (double)zs_state_memory(t->st) * per_million / 1048576.0,
                 "MiB", NULL, 0, 0, 0);
    bench_record("state", "database size per million accounts",
                 (double)zs_store_disk_bytes(t->store) * per_million / 1048576.0, "MiB", NULL, 0, 0, 0);
    bench_record("state", "peak resident memory of the run", (double)ru.ru_maxrss / 1024.0, "MiB", NULL, 0, 0, 0);
}

void bench_state(const bench_opts_t *o)
{
    tree_t t = {.accounts = o->quick ? 100000 : (o->state_accounts ? o->state_accounts : 1000000)};
    char dir[256], dbpath[300], err[512];
    snprintf(dir, sizeof dir, "%s/zkseq-bench-state-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        bench_note("state", "cannot make a temporary directory");
        return;
    }
    snprintf(dbpath, sizeof dbpath, "%s/db", dir);
    zs_store_opts_t so = {.cache_mb = 512, .create = 1};
    zs_state_opts_t sto = {.keep_versions = KEEP};
    if (!(t.store = zs_schema_open(dbpath, &so, err, sizeof err)) || !(t.st = zs_state_open(t.store, &sto, err, sizeof err)) ||
        !(t.bal_keys = malloc(t.accounts * sizeof *t.bal_keys))) {
        bench_note("state", t.store && t.st ? "out of memory" : err);
        goto out;
    }
    double t0 = bench_now();
    if (build_tree(&t)) goto out;
    double build = bench_now() - t0;
    /* Let RocksDB settle so its flush does not land inside the measurement. */
    if (zs_store_flush(t.store)) bench_note("state", "flush failed");
    int warmup = KEEP + 1, batches = o->quick ? 10 : 30;
    update_times_t u;
    if (measure_updates(&t, warmup, batches, &u)) {
        bench_note("state", "an update failed");
        goto out;
    }
    record(o, &t, &u, batches);
    char note[200];
    snprintf(note, sizeof note,
             "built %zu accounts (2 leaves each) in %.1f s; keep_versions %d; %d unmeasured batches first; fsync "
             "per commit",
             t.accounts, build, KEEP, warmup);
    bench_note("state", note);
out:
    zs_state_close(t.st);
    if (t.store) zs_store_close(t.store);
    free(t.bal_keys);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("ZS_BENCH_KEEP")) fprintf(stderr, "zkseq-bench: state: database kept in %s\n", dir);
    else if (system(cmd)) bench_note("state", "could not remove the temporary database");
}
