/* The exchange ingress (UDP socket path) against the machine's recovery
   ceiling, and its answer latency at half of its own throughput, with the
   JSON-RPC path measured against the same zkseqd in the same run.  The
   load is zkseq-txgen (pre-signed; signing not measured). */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

/* Waits until the UDP load (count transfers round robin over development
   accounts 1..9) is sequenced: every account's nonce reached. */
static void wait_sequenced(uint16_t port, size_t count)
{
    double t0 = bench_now();
    for (size_t a = 1; a <= 9; a++) {
        uint8_t key[32], addr[20];
        char hex[43];
        if (zs_hex_decode_exact(key, 32, zs_dev_keys[a]) || zs_key_to_address(key, addr)) return;
        zs_hex_encode_0x(hex, addr, 20);
        bench_wait_nonce(port, hex, count / 9 + (a - 1 < count % 9), t0);
    }
}

/* The latency at half throughput: its CDF and percentiles. */
static void record_half(json_t *half)
{
    json_t *cdf = json_object_get(half, "latency_cdf_us");
    double xs[128], ys[128];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(cdf) && n < 128; i++, n++) {
        xs[n] = json_number_value(json_array_get(json_array_get(cdf, i), 0)) / 1e3;
        ys[n] = json_number_value(json_array_get(json_array_get(cdf, i), 1));
    }
    bench_series("ingress", "latency CDF, send to answer", "UDP frames at half throughput (8 tx/frame)", "ms", "fraction",
                 xs, ys, n);
    bench_record("ingress", "answer latency p50 at half throughput", bench_json_num(half, "latency_us", "p50"), "us", NULL, 0, 60,
                 2);
    bench_record("ingress", "answer latency p99 at half throughput", bench_json_num(half, "latency_us", "p99"), "us", NULL, 0, 150,
                 2);
}

void bench_ingress(const bench_opts_t *o)
{
    /* The ceiling: one core's recoveries per second times the cores that verify. */
    double per_core = bench_recovery_rate(o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double ceiling = per_core * (double)(cores > 0 ? cores : 1);

    char dir[PATH_MAX], why[200] = "", args[256];
    bench_exe_dir(dir, sizeof dir);
    bench_dev_t dev;
    pid_t pid = bench_dev_start(o, "ingress", &dev);
    uint16_t rp = dev.rpc, up = dev.udp;
    json_t *full = NULL, *half = NULL;
    bench_load_result_t rpc = {0};
    int ok = pid > 0;
    double cpu0 = ok ? bench_proc_cpu(pid) : 0, cpu_us = 0;
    size_t count = o->quick ? 8000 : 40000;
    if (ok) {
        /* UDP at full speed: accounts 1..9 (account 0 funds the JSON-RPC senders). */
        snprintf(args, sizeof args, "--udp 127.0.0.1:%u --count %zu --first-account 1 --accounts 9 --batch 8 --window 512 --client 1",
                 up, count);
        full = bench_txgen(dir, args);
        double tps = bench_json_num(full, "tx_per_s", NULL), accepted = bench_json_num(full, "accepted", NULL);
        wait_sequenced(rp, count); /* the CPU counted is the whole way, into blocks */
        if (accepted > 0) cpu_us = (bench_proc_cpu(pid) - cpu0) * 1e6 / accepted;
        /* Half of that, the same frames: the latency an exchange sees. */
        uint64_t rate = (uint64_t)(tps / 2);
        size_t n = (size_t)(rate * (o->quick ? 1 : 3));
        if (rate && n) {
            snprintf(args, sizeof args,
                     "--udp 127.0.0.1:%u --count %zu --first-account 1 --accounts 9 --batch 8 --rate %llu --window 1024 "
                     "--client 2 --start-nonce %zu",
                     up, n, (unsigned long long)rate, (count + 8) / 9);
            half = bench_txgen(dir, args);
        }
        /* The JSON-RPC path, same box, same run. */
        if (bench_fund(rp, why, sizeof why) || bench_run_load(rp, 0, 16, o->quick ? 40 : 200, 16, &rpc, why, sizeof why))
            rpc.tps = 0;
    }
    if (ok) bench_dev_stop(&dev);
    if (!ok || !full) {
        bench_note("ingress", "zkseqd or zkseq-txgen did not run");
        json_decref(full);
        json_decref(half);
        return;
    }
    double tps = bench_json_num(full, "tx_per_s", NULL), seq_rate = 0;
    double inproc_cpu = bench_inprocess_cpu_us(o, o->quick ? 4000 : 20000, &seq_rate);
    bench_record("ingress", "UDP frames accepted (8 tx/frame)", tps, "tx/s", "recovery ceiling (all cores)", ceiling, 0,
                 0);
    if (seq_rate > 0)
        bench_record("ingress", "UDP frames accepted (8 tx/frame) vs in-process", tps, "tx/s",
                     "in-process sequencing rate, same run (recovery done before it)", seq_rate, 0.9, 0);
    if (cpu_us > 0 && inproc_cpu > 0) {
        bench_record("ingress", "CPU per transfer over UDP (zkseqd, 8 tx/frame)", cpu_us, "us",
                     "in-process: admission + sequencing, same run", inproc_cpu, 1.1, 3);
        /* The same work (recovery, the pool, sequencing) with every core busy
           in-process: what any path that recovers can carry on this machine. */
        bench_record("ingress", "UDP frames accepted (8 tx/frame) vs the cores' in-process work", tps, "tx/s",
                     "cores x 1e6 / in-process admission + sequencing CPU per transfer, same run",
                     (double)(cores > 0 ? cores : 1) * 1e6 / inproc_cpu, 0.9, 0);
    }
    if (rpc.tps > 0)
        bench_record("ingress", "UDP frames vs JSON-RPC (16 conns), same box", tps, "tx/s", "JSON-RPC accepted+mined",
                     rpc.tps, 0, 0);
    if (half) record_half(half);
    char note[300];
    snprintf(note, sizeof note,
             "loopback UDP socket path; %zu transfers at full speed (window 512 frames), then %.0f tx/s for the latency; "
             "latency goals are upper bounds (lower is better)",
             count, tps / 2);
    bench_note("ingress", note);
    json_decref(full);
    json_decref(half);
}
