/* The exchange ingress (UDP socket path) against the machine's recovery
   ceiling, and its answer latency at half of its own throughput, with the
   JSON-RPC path measured against the same zkseqd in the same run; then the
   DPDK path (net_af_packet on a veth pair into a network namespace of its
   own, where the machine allows it) against the same references.  The
   load is zkseq-txgen (pre-signed; signing not measured). */
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
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

/* A shell command's exit status (its output discarded). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd - 20, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd - 20) return -1;
    strcat(cmd, " >/dev/null 2>&1");
    return system(cmd);
}

#define DPDK_BOX "10.99.7.1" /* zkseqd's address on the DPDK port; the namespace's end is .2 */

/* Half of the full-speed rate tps, frames of 8 to `to` by the zkseq-txgen
   in txgen_dir, after the full run's count transfers: the latency an
   exchange sees (its JSON, or NULL). */
static json_t *half_run(const bench_opts_t *o, const char *txgen_dir, const char *to, double tps, size_t count)
{
    uint64_t rate = (uint64_t)(tps / 2);
    size_t n = (size_t)(rate * (o->quick ? 1 : 3));
    if (!rate || !n) return NULL;
    char args[256];
    snprintf(args, sizeof args,
             "--udp %s --count %zu --first-account 1 --accounts 9 --batch 8 --rate %llu --window 1024 --client 2 "
             "--start-nonce %zu",
             to, n, (unsigned long long)rate, (count + 8) / 9);
    return bench_txgen(txgen_dir, args);
}

/* One path's load: the full-speed rate, zkseqd's CPU per transfer the
   whole way into blocks, the run at half that rate. */
typedef struct {
    double tps, cpu_us;
    json_t *half;
} path_run_t;

/* count transfers (8 a frame, accounts 1..9) at full speed to `to` by the
   zkseq-txgen in txgen_dir against dev's zkseqd, then half that rate:
   1 when all were accepted (then out is whole), else 0 with why. */
static int path_load(const bench_opts_t *o, const char *txgen_dir, const char *to, const bench_dev_t *dev, size_t count,
                     path_run_t *out, char *why, size_t whylen)
{
    char args[256];
    double cpu0 = bench_proc_cpu(dev->pid);
    snprintf(args, sizeof args, "--udp %s --count %zu --first-account 1 --accounts 9 --batch 8 --window 512 --client 1", to,
             count);
    json_t *j = bench_txgen(txgen_dir, args);
    double accepted = bench_json_num(j, "accepted", NULL);
    out->tps = bench_json_num(j, "tx_per_s", NULL);
    json_decref(j);
    if (accepted < (double)count) {
        snprintf(why, whylen, "zkseq-txgen to %s: %.0f of %zu accepted", to, accepted, count);
        return 0;
    }
    wait_sequenced(dev->rpc, count);
    out->cpu_us = (bench_proc_cpu(dev->pid) - cpu0) * 1e6 / accepted;
    out->half = half_run(o, txgen_dir, to, out->tps, count);
    return 1;
}

/* The DPDK path's load from namespace ns to a zkseqd taking frames on the
   veth end `port` through DPDK's net_af_packet (EAL without huge pages or
   PCI), as test_dpdk_netns runs it. */
static int dpdk_load(const bench_opts_t *o, const char *ns, const char *port, size_t count, path_run_t *out, char *why,
                     size_t whylen)
{
    char eal[256], dir[PATH_MAX];
    snprintf(eal, sizeof eal,
             "--no-huge --no-pci -m 256 --no-shconf -l 0 --log-level=lib.eal:error --vdev net_af_packet0,iface=%s", port);
    char *extra[] = {"--dpdk", eal, "--dpdk-ip", DPDK_BOX, NULL};
    bench_dev_t dev;
    if (bench_dev_start_with(o, "ingress-dpdk", &dev, extra) <= 0) {
        snprintf(why, whylen, "zkseqd did not start with DPDK on %s", port);
        return 0;
    }
    bench_exe_dir(dir, sizeof dir);
    char netns_dir[PATH_MAX + 64];
    snprintf(netns_dir, sizeof netns_dir, "ip netns exec %s %s", ns, dir); /* zkseq-txgen run in the namespace */
    /* One transfer from account 0 (resent until answered) through the
       namespace and the port before the clock starts. */
    json_decref(bench_txgen(netns_dir, "--udp " DPDK_BOX ":8125 --count 1 --first-account 0 --accounts 1 --batch 1 --client 9"));
    int ok = path_load(o, netns_dir, DPDK_BOX ":8125", &dev, count, out, why, whylen);
    bench_dev_stop(&dev);
    return ok;
}

/* The DPDK path, where this machine allows it: root, a network namespace
   and a veth pair of its own (removed after). */
static int dpdk_run(const bench_opts_t *o, size_t count, path_run_t *out, char *why, size_t whylen)
{
    if (geteuid()) {
        snprintf(why, whylen, "needs root (a network namespace, a raw socket)");
        return 0;
    }
    char ns[32], a[16], b[16];
    int tag = (int)(getpid() % 100000);
    snprintf(ns, sizeof ns, "zsb%dns", tag);
    snprintf(a, sizeof a, "zsb%da", tag);
    snprintf(b, sizeof b, "zsb%db", tag);
    if (sh("ip netns add %s", ns)) {
        snprintf(why, whylen, "cannot create a network namespace here");
        return 0;
    }
    int ok = 0;
    /* The namespace's neighbour entry for the box up front, as the test
       does: frames sent before the first ARP answer would be dropped. */
    if (sh("ip link add %s type veth peer name %s && ip link set %s netns %s && ip link set %s up && "
           "ip netns exec %s ip addr add 10.99.7.2/24 dev %s && ip netns exec %s ip link set %s up && "
           "ip netns exec %s ip neigh replace " DPDK_BOX " lladdr $(cat /sys/class/net/%s/address) dev %s nud permanent",
           a, b, b, ns, a, ns, b, ns, b, ns, a, b))
        snprintf(why, whylen, "cannot make a veth pair here");
    else
        ok = dpdk_load(o, ns, a, count, out, why, whylen);
    (void)sh("ip link del %s", a); /* fails when it was never made */
    if (sh("ip netns del %s", ns)) fprintf(stderr, "zkseq-bench: could not remove the namespace %s\n", ns);
    return ok;
}

/* The latency at half throughput: its CDF and percentiles. */
static void record_half(json_t *half, const char *path)
{
    json_t *cdf = json_object_get(half, "latency_cdf_us");
    double xs[128], ys[128];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(cdf) && n < 128; i++, n++) {
        xs[n] = json_number_value(json_array_get(json_array_get(cdf, i), 0)) / 1e3;
        ys[n] = json_number_value(json_array_get(json_array_get(cdf, i), 1));
    }
    char name[96], p50[96], p99[96];
    int udp = !strcmp(path, "UDP"); /* UDP's rows keep their names, so that earlier results line up */
    snprintf(name, sizeof name, "%s frames at half throughput (8 tx/frame)", path);
    snprintf(p50, sizeof p50, "%s%sanswer latency p50 at half throughput", udp ? "" : path, udp ? "" : " ");
    snprintf(p99, sizeof p99, "%s%sanswer latency p99 at half throughput", udp ? "" : path, udp ? "" : " ");
    bench_series("ingress", "latency CDF, send to answer", name, "ms", "fraction", xs, ys, n);
    bench_record("ingress", p50, bench_json_num(half, "latency_us", "p50"), "us", NULL, 0, 60, 2);
    bench_record("ingress", p99, bench_json_num(half, "latency_us", "p99"), "us", NULL, 0, 150, 2);
}

/* A path's rows beside the in-process references of the same run: its
   rate against the sequencing rate and against what the cores do of the
   same work in-process (recovery, the pool, sequencing: what any path
   that recovers can carry on this machine), and its CPU per transfer. */
static void record_path(const char *path, const path_run_t *r, double seq_rate, double inproc_cpu)
{
    char name[128];
    if (seq_rate > 0) {
        snprintf(name, sizeof name, "%s frames accepted (8 tx/frame) vs in-process", path);
        bench_record("ingress", name, r->tps, "tx/s", "in-process sequencing rate, same run (recovery done before it)",
                     seq_rate, 0.9, 0);
    }
    if (r->cpu_us <= 0 || inproc_cpu <= 0) return;
    snprintf(name, sizeof name, "CPU per transfer over %s (zkseqd, 8 tx/frame)", path);
    bench_record("ingress", name, r->cpu_us, "us", "in-process: admission + sequencing, same run", inproc_cpu, 1.1, 3);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(name, sizeof name, "%s frames accepted (8 tx/frame) vs the cores' in-process work", path);
    bench_record("ingress", name, r->tps, "tx/s", "cores x 1e6 / in-process admission + sequencing CPU per transfer, same run",
                 (double)(cores > 0 ? cores : 1) * 1e6 / inproc_cpu, 0.9, 0);
}

void bench_ingress(const bench_opts_t *o)
{
    /* The ceiling: one core's recoveries per second times the cores that verify. */
    double per_core = bench_recovery_rate(o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double ceiling = per_core * (double)(cores > 0 ? cores : 1);

    char dir[PATH_MAX], why[200] = "";
    bench_exe_dir(dir, sizeof dir);
    bench_dev_t dev;
    int ok = bench_dev_start(o, "ingress", &dev) > 0;
    path_run_t udp = {0}, dpdk = {0};
    bench_load_result_t rpc = {0};
    size_t count = o->quick ? 8000 : 40000;
    if (ok) {
        /* UDP at full speed: accounts 1..9 (account 0 funds the JSON-RPC senders). */
        char to[32];
        snprintf(to, sizeof to, "127.0.0.1:%u", dev.udp);
        (void)path_load(o, dir, to, &dev, count, &udp, why, sizeof why); /* a partial run: its rate alone */
        /* The JSON-RPC path, same box, same run. */
        if (bench_fund(dev.rpc, why, sizeof why) ||
            bench_run_load(dev.rpc, 0, 16, o->quick ? 40 : 200, 16, &rpc, why, sizeof why))
            rpc.tps = 0;
        bench_dev_stop(&dev);
    }
    char dpdk_why[200] = "";
    int dpdk_ok = ok && dpdk_run(o, count, &dpdk, dpdk_why, sizeof dpdk_why);
    if (!ok || udp.tps <= 0) {
        bench_note("ingress", "zkseqd or zkseq-txgen did not run");
        json_decref(udp.half);
        json_decref(dpdk.half);
        return;
    }
    double seq_rate = 0;
    double inproc_cpu = bench_inprocess_cpu_us(o, o->quick ? 4000 : 20000, &seq_rate);
    bench_record("ingress", "UDP frames accepted (8 tx/frame)", udp.tps, "tx/s", "recovery ceiling (all cores)", ceiling,
                 0, 0);
    record_path("UDP", &udp, seq_rate, inproc_cpu);
    if (rpc.tps > 0)
        bench_record("ingress", "UDP frames vs JSON-RPC (16 conns), same box", udp.tps, "tx/s", "JSON-RPC accepted+mined",
                     rpc.tps, 0, 0);
    if (dpdk_ok) {
        record_path("DPDK", &dpdk, seq_rate, inproc_cpu);
    } else {
        char note[300];
        snprintf(note, sizeof note, "DPDK path not measured: %s", dpdk_why);
        bench_note("ingress", note);
    }
    if (udp.half) record_half(udp.half, "UDP");
    if (dpdk.half) record_half(dpdk.half, "DPDK");
    char note[300];
    snprintf(note, sizeof note,
             "loopback UDP socket path, and DPDK's net_af_packet on a veth pair into a namespace; %zu transfers at full "
             "speed (window 512 frames), then half that rate for the latency; latency goals are upper bounds (lower is "
             "better)",
             count);
    bench_note("ingress", note);
    json_decref(udp.half);
    json_decref(dpdk.half);
}
