/* State tree on RocksDB: random balance updates in batches of 1,000 on a
   tree of N accounts (1,000,000 by default) against the hashing lower bound
   measured in the same run: the permutations an update needs divided by
   one core's batch Poseidon rate.  One thread sets and commits (the
   tree's hashing may use the hash pool's helper on large levels), a second
   writes each batch to RocksDB while the next is built, as zkseqd's
   sequencer and committer threads do; the rate without that overlap is
   reported beside it. */
#include <pthread.h>
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

/* Where the measured updates' time went, and their permutations.  wall:
   the whole measured run, with each batch's write overlapping the next
   batch's set and commit (as zkseqd's committer thread writes a block while
   the sequencer builds the next). */
typedef struct {
    double set, commit, write, wall;
    double cpu;       /* the setting and committing thread's CPU time in set and commit */
    double write_cpu; /* the writer thread's in its writes */
    double proc_cpu;  /* the whole process's over wall (hash helpers, RocksDB's own threads too) */
    uint64_t perms;
} update_times_t;

/* The writer thread: one store batch at a time, fsync'd. */
typedef struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zs_store_t *store;
    zs_store_batch_t *job; /* being written, or NULL */
    int stop, rc;
    double seconds;        /* spent writing */
    double cpu;            /* its CPU time in those writes */
} writer_t;

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->job && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->job) break;
        zs_store_batch_t *b = w->job;
        pthread_mutex_unlock(&w->mu);
        double t0 = bench_now(), c0 = bench_thread_cpu();
        int rc = zs_store_write(w->store, b, 1);
        double dt = bench_now() - t0, dc = bench_thread_cpu() - c0;
        pthread_mutex_lock(&w->mu);
        w->seconds += dt;
        w->cpu += dc;
        if (rc) w->rc = rc;
        w->job = NULL;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Waits for the write in flight, then hands b over (NULL: just waits).
   The write's error, if any. */
static int writer_hand(writer_t *w, zs_store_batch_t *b)
{
    pthread_mutex_lock(&w->mu);
    while (w->job) pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->rc;
    if (b && !rc) {
        w->job = b;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* The accounts a batch updates. */
static void pick(const tree_t *t, uint64_t *rng, const zs_smt_key_t **keys)
{
    for (int i = 0; i < BATCH; i++) keys[i] = &t->bal_keys[bench_rng(rng) % t->accounts];
}

/* Hands the prefetcher (if the state has one) the paths of a batch. */
static void prefetch(tree_t *t, const zs_smt_key_t *const *keys)
{
    static zs_smt_key_t k[BATCH];
    for (int i = 0; i < BATCH; i++) k[i] = *keys[i];
    zs_state_prefetch_paths(t->st, k, BATCH);
}

/* One batch of 1,000 random balance updates staged into wb; 0 or -1. */
static int one_batch(tree_t *t, const zs_smt_key_t *const *keys, const zs_smt_key_t *const *next, uint64_t *rng,
                     zs_store_batch_t *wb, update_times_t *u)
{
    double a = bench_now(), cpu = bench_thread_cpu();
    for (int i = 0; i < BATCH; i++) {
        zs_u256_t b = zs_u256_from_u64(bench_rng(rng) >> 8);
        if (zs_state_set_key(t->st, keys[i], &b)) return -1;
    }
    prefetch(t, next);
    double b = bench_now();
    zs_smt_changes_t ch;
    zs_store_batch_clear(wb);
    if (zs_state_commit(t->st, wb, t->version, &t->root, &ch)) return -1;
    u->set += b - a;
    u->commit += bench_now() - b;
    u->cpu += bench_thread_cpu() - cpu;
    u->perms += ch.permutations;
    return 0;
}

/* Batches of 1,000 random balance updates, after as many unmeasured ones
   as versions are kept, so that pruning releases update-sized versions and
   not the building ones (which replaced most of the tree).  Two store
   batches take turns: one is written while the next is staged.  Each
   batch's accounts are picked one batch ahead, and their paths handed to
   the state's prefetcher, if it has one, while the batch before them
   commits.  0, or -1. */
static int measure_updates(tree_t *t, uint64_t seed, int warmup, int batches, update_times_t *u)
{
    uint64_t rng = seed;
    writer_t w = {.store = t->store};
    zs_store_batch_t *wb[2] = {zs_store_batch_new(t->store), zs_store_batch_new(t->store)};
    int rc = wb[0] && wb[1] ? 0 : -1;
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    if (!rc && pthread_create(&w.th, NULL, writer_main, &w)) rc = -1;
    int started = !rc;
    if (started) pthread_setname_np(w.th, "bench-write");
    double t0 = 0, pc0 = 0;
    static const zs_smt_key_t *picked[2][BATCH];
    pick(t, &rng, picked[0]);
    for (int bi = -warmup; !rc && bi < batches; bi++) {
        const zs_smt_key_t **now = picked[(bi + warmup) & 1], **next = picked[(bi + warmup + 1) & 1];
        pick(t, &rng, next);
        if (bi == 0) {
            rc = writer_hand(&w, NULL) ? -1 : 0;
            memset(u, 0, sizeof *u);
            w.seconds = w.cpu = 0;
            t0 = bench_now();
            pc0 = bench_proc_cpu(getpid());
        }
        zs_store_batch_t *b = wb[(bi + warmup) & 1];
        if (rc || one_batch(t, now, next, &rng, b, u) || writer_hand(&w, b)) rc = -1;
        if (rc) continue;
        zs_state_applied(t->st, t->version++, &t->root);
        zs_state_evict(t->st); /* as the sequencer does after handing a block on (state.memory_mb) */
    }
    if (started) {
        if (writer_hand(&w, NULL)) rc = -1;
        u->wall = bench_now() - t0;
        u->proc_cpu = bench_proc_cpu(getpid()) - pc0;
        pthread_mutex_lock(&w.mu);
        w.stop = 1;
        pthread_cond_broadcast(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(w.th, NULL);
        u->write = w.seconds;
        u->write_cpu = w.cpu;
    }
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    zs_store_batch_free(wb[0]);
    zs_store_batch_free(wb[1]);
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
    double updates = (double)batches * BATCH, serial = u->set + u->commit + u->write;
    double perms_per_update = (double)u->perms / updates;
    double bound_rate = permutation_rate(o) / perms_per_update; /* updates/s if hashing were all */
    char name[128];
    snprintf(name, sizeof name, "balance updates, batches of 1000, %zuk accounts", t->accounts / 1000);
    bench_record("state", name, updates / u->wall, "update/s", "hashing bound (batch Poseidon)", bound_rate, 0.5, 0);
    bench_record("state", "  the same, each write waited for (no overlap)", updates / serial, "update/s",
                 "hashing bound (batch Poseidon)", bound_rate, 0, 0);
    bench_record("state", "  Poseidon permutations per update", perms_per_update, "perm", NULL, 0, 0, 0);
    bench_record("state", "  time in set (tree walk, loads)", u->set / updates * 1e6, "us/update", NULL, 0, 0, 0);
    bench_record("state", "  time in commit (hashing, change lists)", u->commit / updates * 1e6, "us/update", NULL, 0,
                 0, 0);
    bench_record("state", "  time in RocksDB write (fsync'd; 2nd thread)", u->write / updates * 1e6, "us/update", NULL,
                 0, 0, 0);
    /* Against set + commit above: the rest is that thread waiting (for the
       hash pool's helper, or for a core). */
    bench_record("state", "  CPU time of set and commit (their thread's)", u->cpu / updates * 1e6, "us/update", NULL, 0, 0,
                 0);
    bench_record("state", "  CPU time of the RocksDB write (its thread's)", u->write_cpu / updates * 1e6, "us/update", NULL,
                 0, 0, 0);
    /* What the two cores did: the rest beyond the two rows above is the
       hash pool's helper and RocksDB's flushes and compactions. */
    bench_record("state", "  CPU time of the whole process (every thread)", u->proc_cpu / updates * 1e6, "us/update", NULL,
                 0, 0, 0);
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

/* Opens the state again (its nodes out of memory) and measures batches of
   updates on it, with or without a prefetcher, its tree's nodes bounded
   to memory bytes (0: not): 0, or -1 with a note. */
static int reopened(tree_t *t, int prefetch, size_t memory, uint64_t seed, int batches)
{
    char err[512];
    zs_state_opts_t sto = {.keep_versions = KEEP, .prefetch_pages = prefetch ? 8192 : 0, .memory_bytes = memory};
    zs_state_close(t->st);
    if (!(t->st = zs_state_open(t->store, &sto, err, sizeof err))) {
        bench_note("state", err);
        return -1;
    }
    update_times_t u;
    if (measure_updates(t, seed, 0, batches, &u)) {
        bench_note("state", "an update on the reopened tree failed");
        return -1;
    }
    double updates = (double)batches * BATCH;
    char name[160];
    if (memory)
        snprintf(name, sizeof name, "balance updates with the tree held to %zu MiB (state.memory_mb), paths prefetched",
                 memory >> 20);
    bench_record("state",
                 memory     ? name
                 : prefetch ? "balance updates on the tree just reopened (cold), next batch's paths prefetched"
                            : "balance updates on the tree just reopened (cold)",
                 updates / u.wall, "update/s", NULL, 0, 0, 0);
    bench_record("state", "  time in set (tree walk, page reads)", u.set / updates * 1e6, "us/update", NULL, 0, 0, 0);
    if (memory) {
        zs_state_evictions_t ev;
        zs_state_evictions(t->st, &ev);
        bench_record("state", "  pages dropped from memory, per update", (double)ev.pages_dropped / updates, "page",
                     NULL, 0, 0, 0);
        bench_record("state", "  commits after which the eviction hand moved, per batch", (double)ev.sweeps / batches,
                     "step", NULL, 0, 0, 0);
        bench_record("state", "  the hand's time, per step", ev.sweeps ? (double)ev.ns / 1e6 / (double)ev.sweeps : 0, "ms",
                     NULL, 0, 0, 0);
        bench_record("state", "  the tree's nodes at the end", (double)ev.node_bytes / 1048576.0, "MiB", NULL, 0, 0, 0);
    }
    if (!prefetch) return 0;
    zs_prefetch_stats_t ps;
    zs_state_prefetch_stats(t->st, &ps);
    bench_record("state", "  pages the prefetch thread read, per update", (double)ps.read / updates, "page", NULL, 0, 0, 0);
    bench_record("state", "  of them taken by the tree", ps.read ? 100.0 * (double)ps.taken / (double)ps.read : 0, "%",
                 NULL, 0, 0, 0);
    return 0;
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
    /* Let RocksDB settle so that the bulk load's flushes and compactions do
       not land inside the measurement (the updates' own still do). */
    if (zs_store_compact(t.store)) bench_note("state", "compaction failed");
    /* 600 batches (15-20 s): long enough that the compactions the updates'
       own writes cause fall inside the measurement (150 ended before most of
       them were due and read 0.1x higher than the steady state). */
    int warmup = KEEP + 1, batches = o->quick ? 10 : 600, cold = o->quick ? 10 : 50;
    update_times_t u;
    if (measure_updates(&t, 0x9e3779b97f4a7c15ull, warmup, batches, &u)) {
        bench_note("state", "an update failed");
        goto out;
    }
    record(o, &t, &u, batches);
    /* Reads of the latest version straight from the store (what JSON-RPC
       and the pool do when the published view lacks an account). */
    uint64_t rng = 0x2545f4914f6cdd1dull;
    double r0 = bench_now();
    for (int i = 0; i < 20000; i++) {
        zs_u256_t v;
        if (zs_state_get_at(t.st, &t.root, &t.bal_keys[bench_rng(&rng) % t.accounts], &v, NULL)) {
            bench_note("state", "a read from the store failed");
            break;
        }
    }
    bench_record("state", "balance reads from the store, latest version (checked)", 20000 / (bench_now() - r0), "read/s",
                 NULL, 0, 0, 0);
    /* The same updates on the tree just opened again: every page it touches
       is read from RocksDB (and hashed again, as each read is checked);
       first with the paths of each next batch read ahead by the state's
       prefetch thread, then (other accounts, the tree opened again) by the
       tree itself as it meets them. */
    size_t whole = zs_smt_node_bytes(zs_state_tree(t.st)); /* every account's path in memory by now */
    if (reopened(&t, 1, 0, 0x5851f42d4c957f2dull, cold) || reopened(&t, 0, 0, 0x14057b7ef767814full, cold))
        goto out;
    /* A box whose tree outgrows state.memory_mb: held to an eighth of what
       the whole tree takes, pages no batch walked lately are dropped after
       commits and read again when met (reopened, so it starts cold and
       fills to the bound within the first batches). */
    if (whole / 8 >= (1u << 20) && reopened(&t, 1, whole / 8, 0x2127599bf4325c37ull, o->quick ? 10 : 300)) goto out;
    char note[200];
    snprintf(note, sizeof note,
             "built %zu accounts (2 leaves each) in %.1f s; keep_versions %d; %d unmeasured batches first; fsync "
             "per commit, written by a second thread while the next batch is set and committed",
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
