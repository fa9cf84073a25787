/* Sequencing throughput: signed transfers admitted into a real node (RocksDB,
   durable pool), then sequenced (executed, in a block, state root computed,
   written with fsync) as fast as the node can, against the machine's
   sender-recovery ceiling (one core's recoveries per second times the
   cores) measured in the same run.  Reports where each microsecond per
   transaction goes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "host/node/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

typedef struct {
    zs_node_t *node;
    uint8_t (*raw)[BENCH_RAW_MAX];
    size_t *len;
    size_t first, step, n;
    size_t refused;
} sub_t;

#define ADMIT_CHUNK 16

/* A thread's chunks of ADMIT_CHUNK transactions (every step-th), each
   admitted together with one wait for its group commit: admission at its
   best, as zkseqd's JSON-RPC and frame paths do it. */
static void *submit_main(void *p)
{
    sub_t *s = p;
    for (size_t c = s->first * ADMIT_CHUNK; c < s->n; c += s->step * ADMIT_CHUNK) {
        size_t k = s->n - c < ADMIT_CHUNK ? s->n - c : ADMIT_CHUNK;
        const uint8_t *raws[ADMIT_CHUNK];
        zs_submit_t r[ADMIT_CHUNK];
        for (size_t i = 0; i < k; i++) raws[i] = s->raw[c + i];
        zs_node_submit_many(s->node, raws, s->len + c, k, r);
        for (size_t i = 0; i < k; i++) s->refused += r[i].reason != ZS_POOL_OK;
    }
    return NULL;
}

/* The load: senders funded at genesis, per transfers each, signed in
   nonce-major order (every sender's transactions arrive in order and the
   pool always has many senders ready), each to a new account (the tree
   grows). */
typedef struct {
    size_t senders, per, n;
    uint8_t (*raw)[BENCH_RAW_MAX];
    size_t *len;
    zs_genesis_t *genesis;
} load_t;

static int make_load(load_t *l)
{
    uint8_t(*keys)[32] = malloc(l->senders * 32);
    char *text = malloc(l->senders * 100 + 32);
    l->raw = malloc(l->n * BENCH_RAW_MAX);
    l->len = malloc(l->n * sizeof *l->len);
    if (!keys || !text || !l->raw || !l->len) return ZS_ERR_NOMEM;
    size_t t = (size_t)sprintf(text, "{\"addresses\":[");
    for (size_t i = 0; i < l->senders; i++) {
        char seed[48], hex[43];
        uint8_t addr[20];
        int k = snprintf(seed, sizeof seed, "zkseq bench sender %zu", i);
        zs_keccak256((const uint8_t *)seed, (size_t)k, keys[i]);
        if (zs_key_to_address(keys[i], addr)) abort();
        zs_hex_encode_0x(hex, addr, 20);
        t += (size_t)sprintf(text + t, "%s{\"address\":\"%s\",\"balance\":\"1000000000000000000000\"}", i ? "," : "", hex);
    }
    sprintf(text + t, "]}");
    for (size_t k = 0; k < l->per; k++)
        for (size_t i = 0; i < l->senders; i++) {
            uint8_t seed[16], h[32];
            memcpy(seed, &i, 8);
            memcpy(seed + 8, &k, 8);
            zs_keccak256(seed, 16, h);
            size_t j = k * l->senders + i;
            zs_tx_t tx;
            if (zs_tx_sign_transfer(&tx, keys[i], 1001, k, h, (zs_u256_t[]){zs_u256_from_u64(1 + k)}, 1000000000,
                                    l->raw[j], BENCH_RAW_MAX, &l->len[j]))
                abort();
        }
    char err[200];
    l->genesis = zs_genesis_parse(text, strlen(text), err, sizeof err);
    free(text);
    free(keys);
    return l->genesis ? ZS_OK : ZS_ERR_PARSE;
}

static void free_load(load_t *l)
{
    zs_genesis_free(l->genesis);
    free(l->raw);
    free(l->len);
}

void bench_node_cfg(zs_node_cfg_t *c, const char *dir, const zs_genesis_t *genesis, size_t pool)
{
    *c = (zs_node_cfg_t){.datadir = dir, .chain_id = 1001, .genesis = genesis, .pool_max_txs = pool, .paused = 1,
                         .prefetch_pages = 4096}; /* state.prefetch_pages, as zkseqd runs */
    memset(c->coinbase, 0xcb, 20);
    c->min_gas_price = zs_u256_from_u64(1000000000);
    zs_batch_policy_defaults(&c->batch);
}

zs_node_t *bench_node_open(const bench_opts_t *o, const char *suite, const zs_genesis_t *genesis, size_t pool,
                           char *dir, size_t dircap)
{
    snprintf(dir, dircap, "%s/zkseq-bench-%s-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp", suite);
    if (!mkdtemp(dir)) {
        bench_note(suite, "cannot create a scratch directory");
        return NULL;
    }
    zs_node_cfg_t c;
    bench_node_cfg(&c, dir, genesis, pool);
    char err[256];
    zs_node_t *node = zs_node_open(&c, err, sizeof err);
    if (!node) {
        fprintf(stderr, "zkseq-bench: %s: %s\n", suite, err);
        bench_note(suite, err);
    }
    return node;
}

void bench_node_close(zs_node_t *node, const char *dir)
{
    zs_node_close(node);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", dir);
}

/* Admission from 32 threads (decode, recover, checks, durable group
   commit), ADMIT_CHUNK transactions a call. */
double bench_admit(zs_node_t *node, uint8_t (*raw)[BENCH_RAW_MAX], size_t *len, size_t n, size_t *refused)
{
    enum { THREADS = 32 };
    pthread_t th[THREADS];
    sub_t subs[THREADS];
    double t0 = bench_now();
    for (int t = 0; t < THREADS; t++) {
        subs[t] = (sub_t){node, raw, len, (size_t)t, THREADS, n, 0};
        pthread_create(&th[t], NULL, submit_main, &subs[t]);
    }
    *refused = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        *refused += subs[t].refused;
    }
    return (double)n / (bench_now() - t0);
}

/* Everything pooled, the sequencer runs flat out until all is sequenced,
   or until it has included nothing for 3 s: admission from many threads
   can refuse a transaction (a nonce too far ahead of its sender's, when a
   later chunk overtook an earlier one), and its sender's later ones then
   wait in the pool for good.  The rate is up to the last inclusion. */
double bench_sequence(zs_node_t *node, size_t expect, zs_node_stats_t *s0, zs_node_stats_t *s1)
{
    zs_node_stats(node, s0);
    double t0 = bench_now(), last = t0;
    uint64_t seen = s0->txs_included;
    zs_node_resume(node);
    for (;;) {
        zs_node_stats(node, s1);
        double t = bench_now();
        if (s1->txs_included != seen) seen = s1->txs_included, last = t;
        if (s1->txs_included + s1->txs_ejected >= s0->txs_included + expect || t - last > 3 || t - t0 > 600) break;
        usleep(1000);
    }
    return (double)(s1->txs_included - s0->txs_included) / (last > t0 ? last - t0 : bench_now() - t0);
}

static void record(double seq, double admitted, double per_core, double ceiling, const zs_node_stats_t *s0,
                   const zs_node_stats_t *s1)
{
    double k = 1e-3 / (double)(s1->txs_included ? s1->txs_included : 1); /* ns total -> us per tx */
    bench_record("seq", "transfers sequenced (exec + tree + fsync'd block)", seq, "tx/s", "recovery ceiling (all cores)",
                 ceiling, 0.8, 0);
    bench_record("seq", "transfers sequenced, absolute", seq, "tx/s", NULL, 0, 20000, 1);
    bench_record("seq", "admitted (decode + recover + durable pool)", admitted, "tx/s", "recovery ceiling (all cores)",
                 ceiling, 0, 0);
    bench_record("seq", "us/tx: sender recovery (one core, at admission)", 1e6 / per_core, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: execution", (double)(s1->ns_exec - s0->ns_exec) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: block open, pool hand-over", (double)(s1->ns_block - s0->ns_block) * k, "us", NULL, 0, 0,
                 0);
    bench_record("seq", "us/tx: block end (logs, block info tree)", (double)(s1->ns_end - s0->ns_end) * k, "us", NULL, 0,
                 0, 0);
    bench_record("seq", "us/tx: tree hashing + store batch", (double)(s1->ns_commit - s0->ns_commit) * k, "us", NULL, 0,
                 0, 0);
    bench_record("seq", "us/tx: batch records (the block's: below)", (double)(s1->ns_records - s0->ns_records) * k,
                 "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: waiting to hand the block over (the committer's queue full)",
                 (double)(s1->ns_handover - s0->ns_handover) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: header roots, block/receipt records (committer thread, overlapped)",
                 (double)(s1->ns_finish - s0->ns_finish) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: RocksDB write (fsync; committer thread, overlapped)",
                 (double)(s1->ns_write - s0->ns_write) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: publishing (committer thread)", (double)(s1->ns_publish - s0->ns_publish) * k, "us",
                 NULL, 0, 0, 0);
}

static double self_cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

/* One in-process run: CPU per transfer (us), *rate the sequencing phase's. */
static double inprocess_once(const bench_opts_t *o, size_t n, double *rate)
{
    load_t l = {.senders = 200, .per = (n + 199) / 200};
    l.n = l.senders * l.per;
    double us = 0;
    char dir[512];
    zs_node_t *node = make_load(&l) ? NULL : bench_node_open(o, "cpu", l.genesis, l.n + 16, dir, sizeof dir);
    if (node) {
        size_t refused;
        zs_node_stats_t s0, s1;
        double c0 = self_cpu();
        bench_admit(node, l.raw, l.len, l.n, &refused);
        *rate = bench_sequence(node, l.n - refused, &s0, &s1);
        us = (self_cpu() - c0) * 1e6 / (double)(s1.txs_included - s0.txs_included ? s1.txs_included - s0.txs_included : 1);
        bench_node_close(node, dir);
    }
    free_load(&l);
    return us;
}

/* The reference at its best: the lowest CPU and the highest rate of three
   runs (one with --quick); a single run moved by a third between suites in
   one hour (166 and 218 us a transfer). */
double bench_inprocess_cpu_us(const bench_opts_t *o, size_t n, double *seq_rate)
{
    double best_us = 0, best_rate = 0;
    for (int run = 0; run < (o->quick ? 1 : 3); run++) {
        double rate = 0, us = inprocess_once(o, n, &rate);
        if (us > 0 && (best_us == 0 || us < best_us)) best_us = us;
        if (rate > best_rate) best_rate = rate;
    }
    if (seq_rate) *seq_rate = best_rate;
    return best_us;
}

void bench_seq(const bench_opts_t *o)
{
    load_t l = {.senders = o->quick ? 400 : 2000, .per = o->quick ? 10 : 20};
    l.n = l.senders * l.per;
    if (make_load(&l)) {
        bench_note("seq", "cannot build the load");
        free_load(&l);
        return;
    }
    /* The ceiling: one core's recoveries per second times the cores. */
    double per_core = bench_recovery_rate(o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    double ceiling = per_core * (double)cores;
    char dir[512];
    zs_node_t *node = bench_node_open(o, "seq", l.genesis, l.n + 16, dir, sizeof dir);
    if (!node) {
        free_load(&l);
        return;
    }
    size_t refused;
    double c0 = self_cpu();
    double admitted = bench_admit(node, l.raw, l.len, l.n, &refused);
    zs_node_stats_t s0, s1;
    double seq = bench_sequence(node, l.n - refused, &s0, &s1);
    double cpu = self_cpu() - c0;
    bench_node_close(node, dir);
    record(seq, admitted, per_core, ceiling, &s0, &s1);
    bench_record("seq", "CPU per transfer, admission + sequencing (all threads)",
                 cpu * 1e6 / (double)(s1.txs_included > s0.txs_included ? s1.txs_included - s0.txs_included : 1), "us",
                 NULL, 0, 0, 0);
    char note[300];
    snprintf(note, sizeof note,
             "%zu transfers from %zu senders to new accounts, %llu blocks; %ld cores; %zu refused at admission", l.n,
             l.senders, (unsigned long long)(s1.blocks - s0.blocks), cores, refused);
    bench_note("seq", note);
    free_load(&l);
}
