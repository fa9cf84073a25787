/* Open-loop latency at a steady rate (issue 20's goals): zkseq-txgen sends
   one transfer per UDP frame (frame protocol v2) at 1,000 and at 10,000
   transactions per second for --hold seconds each, and times every
   transaction to its answer (accepted, durable in the pool), to its
   execution confirmation and to its durable block.  The reference, in the
   same run and at the same rate, is a bare UDP echo's round trip on the
   same loopback.  Beside it: zkseqd's CPU per transaction by thread (where
   the time goes), from /proc.  Both times of arrival, the answers' (in
   zkseq-txgen) and the echoes', are the kernel's receive timestamps. */
#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"
#include "tools/common/zs_udpstamp.h"

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- The reference: a UDP echo (one thread) and a client sending 64-byte
   datagrams at rate for n datagrams; the round trips' p50 and p99 (us). */

static void *echo_main(void *arg)
{
    int fd = *(int *)arg;
    char buf[256];
    struct sockaddr_in from;
    for (;;) {
        socklen_t fl = sizeof from;
        ssize_t k = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (k <= 0) break;
        if (k == 1) break; /* the stop datagram */
        sendto(fd, buf, (size_t)k, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static int echo_reference(double rate, size_t n, double *p50, double *p99)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    double *rtt = calloc(n, sizeof *rtt);
    pthread_t th;
    if (srv < 0 || cli < 0 || !rtt || bind(srv, (struct sockaddr *)&a, sizeof a) ||
        getsockname(srv, (struct sockaddr *)&a, &al) || connect(cli, (struct sockaddr *)&a, sizeof a) ||
        zs_udpstamp_on(cli) || pthread_create(&th, NULL, echo_main, &srv)) {
        if (srv >= 0) close(srv);
        if (cli >= 0) close(cli);
        free(rtt);
        return -1;
    }
    double t0 = mono();
    size_t sent = 0, got = 0;
    while (got < n && mono() - t0 < (double)n / rate + 5) {
        double due = t0 + (double)sent / rate, now = mono();
        if (sent < n && now >= due) {
            char msg[64] = {0};
            memcpy(msg, &now, sizeof now);
            if (send(cli, msg, sizeof msg, 0) == (ssize_t)sizeof msg) sent++;
            continue;
        }
        double wait = sent < n ? due - now : 0.01;
        struct timespec ts = {0, (long)(wait * 1e9)};
        struct pollfd pfd = {.fd = cli, .events = POLLIN};
        if (ppoll(&pfd, 1, &ts, NULL) <= 0) continue;
        char msg[64];
        double back;
        while (zs_udpstamp_recv(cli, msg, sizeof msg, &back) == (ssize_t)sizeof msg) {
            double at;
            memcpy(&at, msg, sizeof at);
            if (got < n) rtt[got++] = (back - at) * 1e6;
        }
    }
    send(cli, "x", 1, 0); /* stops the echo thread */
    pthread_join(th, NULL);
    close(srv);
    close(cli);
    qsort(rtt, got, sizeof *rtt, cmp_d);
    *p50 = got ? rtt[(got - 1) / 2] : 0;
    *p99 = got ? rtt[(size_t)((double)(got - 1) * 0.99)] : 0;
    free(rtt);
    return got ? 0 : -1;
}

/* ---- zkseqd's CPU by thread name (seconds, summed over threads of one
   name). */

typedef struct {
    char name[16];
    double seconds;
} thread_cpu_t;

static size_t thread_cpu(pid_t pid, thread_cpu_t *out, size_t max)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[400], name[16] = "";
        snprintf(path, sizeof path, "%s/%s/comm", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (!fgets(name, sizeof name, f)) name[0] = 0;
        fclose(f);
        name[strcspn(name, "\n")] = 0;
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        double cpu = bench_stat_cpu(path);
        size_t i = 0;
        while (i < n && strcmp(out[i].name, name)) i++;
        if (i == n) {
            if (n == max) continue;
            snprintf(out[n].name, sizeof out[n].name, "%s", name);
            out[n++].seconds = 0;
        }
        out[i].seconds += cpu;
    }
    if (d) closedir(d);
    return n;
}

/* ---- One rate. */

/* The CDF (percentiles p50..max) txgen reports for one kind, as points. */
static void cdf_of(const char *plot, const char *name, json_t *pc)
{
    static const char *keys[] = {"p50", "p90", "p99", "p99.9", "max"};
    static const double fr[] = {0.5, 0.9, 0.99, 0.999, 1.0};
    double xs[5], ys[5];
    for (int i = 0; i < 5; i++) {
        xs[i] = json_number_value(json_object_get(pc, keys[i])) / 1e3;
        ys[i] = fr[i];
    }
    bench_series("latency", plot, name, "ms", "fraction", xs, ys, 5);
}

/* ---- The sequencer's seal pauses (zkseq_block_seal_seconds, from
   zkseqd's metrics port): while a block is sealed nothing executes, and the
   transactions that arrive meanwhile wait for it. */

typedef struct {
    double le[64], cum[64]; /* bucket upper bounds (s) and cumulative counts */
    size_t n;
    double count, sum;
} seal_hist_t;

static int seal_hist(uint16_t port, seal_hist_t *h)
{
    static const char name[] = "zkseq_block_seal_seconds";
    memset(h, 0, sizeof *h);
    size_t cap = 1 << 20;
    char *body = malloc(cap);
    zs_httpc_t c;
    int rc = -1;
    if (body && !zs_httpc_open(&c, port)) {
        if (!zs_httpc_get(&c, "/metrics") && !zs_httpc_read(&c, body, cap)) rc = 0;
        zs_httpc_close(&c);
    }
    for (char *p = rc ? NULL : body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, sizeof name - 1)) continue;
        char *q = p + sizeof name - 1, *sp = strchr(q, ' ');
        if (!sp) continue;
        if (!strncmp(q, "_bucket{le=\"", 12) && h->n < 64) {
            h->le[h->n] = strncmp(q + 12, "+Inf", 4) ? strtod(q + 12, NULL) : INFINITY;
            h->cum[h->n++] = strtod(sp + 1, NULL);
        } else if (!strncmp(q, "_sum ", 5)) {
            h->sum = strtod(sp + 1, NULL);
        } else if (!strncmp(q, "_count ", 7)) {
            h->count = strtod(sp + 1, NULL);
        }
    }
    free(body);
    return rc;
}

/* The pauses between two readings: their mean, the bucket bound under
   which 99% fell, and the share of the run's wall time they took. */
static void record_pauses(unsigned rate, const seal_hist_t *a, const seal_hist_t *b, double seconds)
{
    double n = b->count - a->count;
    if (n <= 0 || a->n != b->n) return;
    double p99 = 0;
    for (size_t i = 0; i < b->n && !p99; i++)
        if (b->cum[i] - a->cum[i] >= 0.99 * n) p99 = b->le[i];
    char name[160];
    snprintf(name, sizeof name, "%u tx/s: sequencer paused sealing a block, mean", rate);
    bench_record("latency", name, (b->sum - a->sum) / n * 1e3, "ms", NULL, 0, 0, 0);
    snprintf(name, sizeof name, "%u tx/s: sequencer paused sealing a block, p99 (bucket bound)", rate);
    if (isfinite(p99)) bench_record("latency", name, p99 * 1e3, "ms", NULL, 0, 0, 0);
    snprintf(name, sizeof name, "%u tx/s: blocks sealed per second", rate);
    bench_record("latency", name, n / seconds, "block/s", NULL, 0, 0, 0);
    snprintf(name, sizeof name, "%u tx/s: share of the time the sequencer is paused sealing", rate);
    bench_record("latency", name, (b->sum - a->sum) / seconds * 100, "%", NULL, 0, 0, 0);
}

typedef struct {
    const char *dir;
    uint16_t udp, metrics;
    pid_t pid;
    uint64_t next_nonce; /* every account's next nonce */
    double hold;
} lat_run_t;

/* One rate's whole measurement (reference, load, per-thread CPU) and its
   rows. */
static void one_rate(lat_run_t *r, unsigned rate, int client)
{
    size_t n = (size_t)(rate * r->hold);
    double e50 = 0, e99 = 0;
    size_t ne = (size_t)(rate * (r->hold < 10 ? r->hold : 10)); /* the echo holds at most 10 s */
    if (echo_reference(rate, ne, &e50, &e99)) e50 = e99 = 0;
    thread_cpu_t c0[64], c1[64];
    size_t n0 = thread_cpu(r->pid, c0, 64);
    seal_hist_t s0, s1;
    int sealed = !seal_hist(r->metrics, &s0);
    double t0 = mono();
    char args[300];
    snprintf(args, sizeof args,
             "--udp 127.0.0.1:%u --count %zu --rate %u --batch 1 --window 1024 --confirm --client %d --start-nonce %llu",
             r->udp, n, rate, client, (unsigned long long)r->next_nonce);
    json_t *j = bench_txgen(r->dir, args);
    size_t n1 = thread_cpu(r->pid, c1, 64);
    sealed = sealed && !seal_hist(r->metrics, &s1);
    double wall = mono() - t0;
    r->next_nonce += (n + 9) / 10;
    char name[160], plot[160];
    if (!j) {
        snprintf(name, sizeof name, "%u tx/s: zkseq-txgen did not run", rate);
        bench_note("latency", name);
        return;
    }
    double accepted = bench_json_num(j, "accepted", NULL), tps = bench_json_num(j, "tx_per_s", NULL);
    snprintf(name, sizeof name, "%u tx/s offered: accepted rate", rate);
    bench_record("latency", name, tps, "tx/s", "offered", rate, 0.99, 0);
    struct {
        const char *label, *key, *pct;
        double goal;
    } rows[] = {{"executed confirmation p50", "executed_us", "p50", 1000}, {"executed confirmation p99", "executed_us", "p99", 5000},
                {"answer p50", "latency_us", "p50", 0},                     {"answer p99", "latency_us", "p99", 2000},
                {"durable block p50", "durable_us", "p50", 0}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(name, sizeof name, "%u tx/s: %s", rate, rows[i].label);
        int p99 = !strcmp(rows[i].pct, "p99");
        bench_record("latency", name, bench_json_num(j, rows[i].key, rows[i].pct), "us", "UDP echo round trip, same rate",
                     p99 ? e99 : e50, rows[i].goal, rows[i].goal ? 2 : 0);
    }
    snprintf(plot, sizeof plot, "latency CDF at %u tx/s, open loop (UDP, one transfer per frame)", rate);
    cdf_of(plot, "send to executed confirmation", json_object_get(j, "executed_us"));
    cdf_of(plot, "send to answer (durable in the pool)", json_object_get(j, "latency_us"));
    cdf_of(plot, "send to durable block", json_object_get(j, "durable_us"));
    /* Where the time goes: zkseqd's CPU per accepted transaction by thread. */
    double total = 0;
    for (size_t i = 0; i < n1 && accepted > 0; i++) {
        double before = 0;
        for (size_t k = 0; k < n0; k++)
            if (!strcmp(c0[k].name, c1[i].name)) before = c0[k].seconds;
        double us = (c1[i].seconds - before) * 1e6 / accepted;
        total += us;
        if (us < 1) continue;
        snprintf(name, sizeof name, "%u tx/s: cpu us/tx: %.15s", rate, c1[i].name);
        bench_record("latency", name, us, "us", NULL, 0, 0, 0);
    }
    snprintf(name, sizeof name, "%u tx/s: cpu us/tx: all of zkseqd", rate);
    bench_record("latency", name, total, "us", NULL, 0, 0, 0);
    if (sealed) record_pauses(rate, &s0, &s1, wall);
    json_decref(j);
}

void bench_latency(const bench_opts_t *o)
{
    char dir[PATH_MAX];
    bench_exe_dir(dir, sizeof dir);
    bench_dev_t dev;
    lat_run_t r = {.dir = dir, .hold = o->hold > 0 ? o->hold : o->quick ? 2 : 20};
    if (bench_dev_start(o, "latency", &dev) > 0) {
        r.udp = dev.udp;
        r.metrics = dev.metrics;
        r.pid = dev.pid;
        one_rate(&r, 1000, 1);
        one_rate(&r, 10000, 2);
        bench_dev_stop(&dev);
    } else {
        bench_note("latency", "zkseqd did not start");
    }
    char note[400];
    snprintf(note, sizeof note,
             "open loop, one transfer per UDP frame (v2, execution and durable confirmations asked), %.0f s at each rate "
             "(--hold S), zkseq-txgen on the same 2 cores; latency goals are upper bounds; cpu us/tx is zkseqd's by "
             "thread while the load ran (the load generator's own CPU is not in it)",
             r.hold);
    bench_note("latency", note);
}
