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
#include <unistd.h>

#include "host/seq/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

typedef struct {
    zs_node_t *node;
    uint8_t (*raw)[128];
    size_t *len;
    size_t first, step, n;
    size_t refused;
} sub_t;

static void *submit_main(void *p)
{
    sub_t *s = p;
    for (size_t i = s->first; i < s->n; i += s->step) {
        zs_submit_t r;
        zs_node_submit(s->node, s->raw[i], s->len[i], &r);
        if (r.reason != ZS_POOL_OK) s->refused++;
    }
    return NULL;
}

void bench_seq(const bench_opts_t *o)
{
    const size_t senders = o->quick ? 400 : 2000, per = o->quick ? 10 : 20, n = senders * per;
    const int threads = 32;
    uint8_t (*keys)[32] = malloc(senders * 32);
    uint8_t (*addrs)[20] = malloc(senders * 20);
    uint8_t (*raw)[128] = malloc(n * 128);
    size_t *len = malloc(n * sizeof *len);
    json_t *list = json_array();
    for (size_t i = 0; i < senders; i++) {
        char seed[48];
        int k = snprintf(seed, sizeof seed, "zkseq bench sender %zu", i);
        zs_keccak256((const uint8_t *)seed, (size_t)k, keys[i]);
        if (zs_key_to_address(keys[i], addrs[i])) abort();
        char hex[43];
        zs_hex_encode_0x(hex, addrs[i], 20);
        json_array_append_new(list, json_pack("{s:s,s:s}", "address", hex, "balance", "1000000000000000000000"));
    }
    /* Nonce-major order, so every sender's transactions arrive in order
       and the pool always has many senders ready. */
    for (size_t k = 0; k < per; k++)
        for (size_t i = 0; i < senders; i++) {
            uint8_t to[20];
            uint8_t seed[16];
            memcpy(seed, &i, 8);
            memcpy(seed + 8, &k, 8);
            uint8_t h[32];
            zs_keccak256(seed, 16, h);
            memcpy(to, h, 20); /* a new account per transfer: the tree grows */
            size_t j = k * senders + i;
            zs_tx_t tx;
            if (zs_tx_sign_transfer(&tx, keys[i], 1001, k, to, (zs_u256_t[]){zs_u256_from_u64(1 + k)}, 1000000000,
                                    raw[j], 128, &len[j]))
                abort();
        }

    /* The ceiling: one core's recoveries per second times the cores. */
    double per_core = bench_recovery_rate(o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    double ceiling = per_core * (double)cores;

    char dir[512];
    snprintf(dir, sizeof dir, "%s/zkseq-bench-seq-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        bench_note("seq", "cannot create a scratch directory");
        return;
    }
    zs_node_cfg_t c = {0};
    c.datadir = dir;
    c.chain_id = 1001;
    memset(c.coinbase, 0xcb, 20);
    c.min_gas_price = zs_u256_from_u64(1000000000);
    c.genesis = json_pack("{s:o}", "addresses", list);
    c.pool_max_txs = n + 16;
    c.batch.max_bytes = 120000;
    c.paused = 1;
    char err[256];
    zs_node_t *node = zs_node_open(&c, err, sizeof err);
    if (!node) {
        fprintf(stderr, "zkseq-bench: seq: %s\n", err);
        bench_note("seq", err);
        return;
    }
    /* Admission: decode, recover, checks, durable group commit. */
    pthread_t th[32];
    sub_t subs[32];
    double t0 = bench_now();
    for (int t = 0; t < threads; t++) {
        subs[t] = (sub_t){node, raw, len, (size_t)t, (size_t)threads, n, 0};
        pthread_create(&th[t], NULL, submit_main, &subs[t]);
    }
    size_t refused = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        refused += subs[t].refused;
    }
    double admit = (double)n / (bench_now() - t0);
    /* Sequencing: everything pooled, then the sequencer runs flat out. */
    zs_node_stats_t s0, s1;
    zs_node_stats(node, &s0);
    t0 = bench_now();
    zs_node_resume(node);
    for (;;) {
        zs_node_stats(node, &s1);
        if (s1.txs_included + s1.txs_ejected >= s0.txs_included + n - refused || bench_now() - t0 > 600) break;
        usleep(1000);
    }
    double dt = bench_now() - t0;
    double seq = (double)(s1.txs_included - s0.txs_included) / dt;
    zs_node_close(node);
    json_decref(c.genesis);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", dir);

    double k = 1e-3 / (double)(s1.txs_included ? s1.txs_included : 1); /* ns total -> us per tx */
    bench_record("seq", "transfers sequenced (exec + tree + fsync'd block)", seq, "tx/s", "recovery ceiling (all cores)",
                 ceiling, 0.8, 0);
    bench_record("seq", "transfers sequenced, absolute", seq, "tx/s", NULL, 0, 20000, 1);
    bench_record("seq", "admitted (decode + recover + durable pool)", admit, "tx/s", "recovery ceiling (all cores)",
                 ceiling, 0, 0);
    bench_record("seq", "us/tx: sender recovery (one core, at admission)", 1e6 / per_core, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: execution", (double)(s1.ns_exec - s0.ns_exec) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: block open/close, pool hand-over", (double)(s1.ns_block - s0.ns_block) * k, "us", NULL,
                 0, 0, 0);
    bench_record("seq", "us/tx: tree hashing + store batch", (double)(s1.ns_commit - s0.ns_commit) * k, "us", NULL, 0,
                 0, 0);
    bench_record("seq", "us/tx: block/receipt/batch records", (double)(s1.ns_records - s0.ns_records) * k, "us", NULL,
                 0, 0, 0);
    bench_record("seq", "us/tx: RocksDB write (fsync; committer thread, overlapped)", (double)(s1.ns_write - s0.ns_write) * k, "us", NULL, 0, 0, 0);
    bench_record("seq", "us/tx: publishing (committer thread)", (double)(s1.ns_publish - s0.ns_publish) * k, "us",
                 NULL, 0, 0, 0);
    char note[300];
    snprintf(note, sizeof note,
             "%zu transfers from %zu senders to new accounts, %llu blocks; %ld cores; %zu refused at admission",
             n, senders, (unsigned long long)(s1.blocks - s0.blocks), cores, refused);
    bench_note("seq", note);
    free(keys);
    free(addrs);
    free(raw);
    free(len);
}
