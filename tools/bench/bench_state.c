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

void bench_state(const bench_opts_t *o)
{
    size_t accounts = o->quick ? 100000 : (o->state_accounts ? o->state_accounts : 1000000);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/zkseq-bench-state-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        bench_note("state", "cannot make a temporary directory");
        return;
    }
    char dbpath[300];
    snprintf(dbpath, sizeof dbpath, "%s/db", dir);
    char err[512];
    zs_store_opts_t so = {.cache_mb = 512, .create = 1};
    zs_store_t *store = zs_schema_open(dbpath, &so, err, sizeof err);
    if (!store) {
        bench_note("state", err);
        return;
    }
    zs_state_opts_t sto = {.keep_versions = 16}; /* KEEP below */
    zs_state_t *st = zs_state_open(store, &sto, err, sizeof err);
    if (!st) {
        bench_note("state", err);
        zs_store_close(store);
        return;
    }
    /* Accounts: addresses from a counter; balance and nonce leaves. */
    zs_smt_key_t *bal_keys = malloc(accounts * sizeof *bal_keys);
    fprintf(stderr, "zkseq-bench: state: building a tree of %zu accounts...\n", accounts);
    double t0 = bench_now();
    uint64_t version = 0;
    zs_smt_ref_t root;
    size_t per_commit = 20000;
    for (size_t done = 0; done < accounts;) {
        size_t k = accounts - done < 1024 ? accounts - done : 1024;
        zs_smt_key_t nk[1024];
        zs_u256_t bv[1024], nv[1024];
        bench_accounts(done, k, bal_keys + done, nk, bv, nv);
        for (size_t i = 0; i < k; i++) {
            if (zs_state_set_key(st, &bal_keys[done + i], &bv[i]) || zs_state_set_key(st, &nk[i], &nv[i])) {
                bench_note("state", "building the tree failed");
                goto out;
            }
        }
        done += k;
        if (done % per_commit < k || done == accounts) {
            if (zs_state_commit_sync(st, version++, &root)) {
                bench_note("state", "commit failed while building");
                goto out;
            }
        }
    }
    double build = bench_now() - t0;
    /* Let RocksDB settle so its flush does not land inside the measurement. */
    if (zs_store_flush(store)) bench_note("state", "flush failed");

    /* The measurement: batches of 1,000 random balance updates, after as
       many unmeasured ones as versions are kept, so that pruning releases
       update-sized versions and not the building ones (which replaced most
       of the tree). */
    enum { BATCH = 1000, KEEP = 16 };
    int warmup = KEEP + 1, batches = o->quick ? 10 : 30;
    uint64_t rng = 0x9e3779b97f4a7c15ull, perms = 0;
    double t_set = 0, t_commit = 0, t_write = 0;
    zs_store_batch_t *wb = zs_store_batch_new(store);
    for (int bi = -warmup; bi < batches; bi++) {
        if (bi == 0) t_set = t_commit = t_write = 0, perms = 0;
        double a = bench_now();
        for (int i = 0; i < BATCH; i++) {
            size_t idx = bench_rng(&rng) % accounts;
            zs_u256_t b = zs_u256_from_u64(bench_rng(&rng) >> 8);
            if (zs_state_set_key(st, &bal_keys[idx], &b)) goto out;
        }
        double b = bench_now();
        zs_smt_changes_t ch;
        zs_store_batch_clear(wb);
        if (zs_state_commit(st, wb, version, &root, &ch)) goto out;
        double c = bench_now();
        if (zs_store_write(store, wb, 1)) goto out;
        zs_state_applied(st, version++, &root);
        double d = bench_now();
        t_set += b - a;
        t_commit += c - b;
        t_write += d - c;
        perms += ch.permutations;
    }
    zs_store_batch_free(wb);
    double total = t_set + t_commit + t_write;
    double updates = (double)batches * BATCH;
    double rate = updates / total;
    /* Hashing lower bound from the batch Poseidon rate, same run. */
    hb_t h = {malloc(1024 * sizeof *h.st), malloc(1024 * sizeof *h.out), 1024};
    for (size_t i = 0; i < 1024; i++)
        for (int j = 0; j < 12; j++) h.st[i][j] = (i * 12 + (size_t)j) * 0x9e3779b97f4a7c15ull % 0xffffffff00000001ull;
    double perm_rate = bench_rate(o, run_hash, &h, 1024);
    free(h.st);
    free(h.out);
    double perms_per_update = (double)perms / updates;
    double bound_rate = perm_rate / perms_per_update; /* updates/s if hashing were all */
    char name[128];
    snprintf(name, sizeof name, "balance updates, batches of 1000, %zuk accounts", accounts / 1000);
    bench_record("state", name, rate, "update/s", "hashing bound (batch Poseidon)", bound_rate, 1 / 1.5, 0);
    bench_record("state", "  Poseidon permutations per update", perms_per_update, "perm", NULL, 0, 0, 0);
    bench_record("state", "  time in set (tree walk, loads)", t_set / updates * 1e6, "us/update", NULL, 0, 0, 0);
    bench_record("state", "  time in commit (hashing, change lists)", t_commit / updates * 1e6, "us/update", NULL, 0, 0, 0);
    bench_record("state", "  time in RocksDB write (fsync'd)", t_write / updates * 1e6, "us/update", NULL, 0, 0, 0);
    if (zs_store_flush(store)) bench_note("state", "flush failed");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_million = 1e6 / (double)accounts;
    bench_record("state", "tree memory per million accounts", (double)zs_state_memory(st) * per_million / 1048576.0,
                 "MiB", NULL, 0, 0, 0);
    bench_record("state", "database size per million accounts",
                 (double)zs_store_disk_bytes(store) * per_million / 1048576.0, "MiB", NULL, 0, 0, 0);
    bench_record("state", "peak resident memory of the run", (double)ru.ru_maxrss / 1024.0, "MiB", NULL, 0, 0, 0);
    snprintf(name, sizeof name,
             "built %zu accounts (2 leaves each) in %.1f s; keep_versions %d; %d unmeasured batches first; fsync "
             "per commit",
             accounts, build, KEEP, warmup);
    bench_note("state", name);
out:
    zs_state_close(st);
    zs_store_close(store);
    free(bal_keys);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("ZS_BENCH_KEEP"))
        fprintf(stderr, "zkseq-bench: state: database kept in %s\n", dir);
    else if (system(cmd))
        bench_note("state", "could not remove the temporary database");
}
