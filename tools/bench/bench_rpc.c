/* eth_sendRawTransaction over HTTP on loopback: zkseqd against anvil with
   interval mining (--block-time 1, as its users run it under load: its
   automine stalls), driven by the same pipelined keep-alive client in the
   same run.  Each connection is one sender whose transfers go out in nonce
   order with up to WINDOW requests in flight; a run ends when every
   transaction is acknowledged and mined (in a block), so both figures are
   "accepted and mined per second".  Latency is per request, send to answer.
   Then both are swept over the offered load (requests in flight) for the
   lab report's curve, and the latencies go out as CDFs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"

#define MAX_CONNS 64 /* keep-alive connections, one sender each */
#define WINDOW 16    /* requests in flight per connection */
/* The comparison runs both at 16 connections (anvil's automine stopped
   mining with more concurrent senders, seen with 1.7.1); zkseqd also runs
   at 64. */
#define CMP_CONNS 16
#define SENDERS (CMP_CONNS + MAX_CONNS)


/* ---- One load run against one server. */

typedef struct {
    uint16_t port;
    size_t window;
    char (*bodies)[512];
    size_t n;
    double *lat; /* seconds, per request */
    size_t errors;
    char first_error[200];
} load_t;

static void *load_main(void *p)
{
    load_t *l = p;
    zs_httpc_t c;
    if (zs_httpc_open(&c, l->port)) {
        l->errors = l->n;
        return NULL;
    }
    double *sent = malloc(l->n * sizeof *sent);
    char resp[512];
    size_t next = 0, done = 0;
    while (done < l->n) {
        while (next < l->n && next - done < l->window) {
            sent[next] = bench_now();
            if (zs_httpc_post(&c, l->bodies[next], strlen(l->bodies[next]))) goto broken;
            next++;
        }
        if (zs_httpc_read(&c, resp, sizeof resp)) goto broken;
        l->lat[done] = bench_now() - sent[done];
        if (!strstr(resp, "\"result\"")) {
            if (!l->errors) snprintf(l->first_error, sizeof l->first_error, "%.190s", resp);
            l->errors++;
        }
        done++;
    }
    free(sent);
    zs_httpc_close(&c);
    return NULL;
broken:
    l->errors += l->n - done;
    free(sent);
    zs_httpc_close(&c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}


void bench_sender_key(int i, uint8_t key[32])
{
    memset(key, 0, 32);
    key[0] = 0x5e;
    key[31] = (uint8_t)(i + 1);
}

/* Waits until addr's latest nonce reaches want (or 300 s pass). */
void bench_wait_nonce(uint16_t port, const char *addr, size_t want, double t0)
{
    char body[600], resp[512];
    for (;;) {
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionCount\",\"params\":[\"%s\",\"latest\"]}",
                 addr);
        if (zs_httpc_call(port, body, resp, sizeof resp)) return;
        char *q = strstr(resp, "\"result\":\"");
        if (q && strtoull(q + 10, NULL, 16) >= want) return;
        if (bench_now() - t0 > 120) {
            fprintf(stderr, "zkseq-bench: rpc: %s stuck at nonce %.20s (want %zu)\n", addr, q ? q + 10 : resp, want);
            if (!zs_httpc_call(port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"txpool_status\",\"params\":[]}", resp,
                               sizeof resp))
                fprintf(stderr, "zkseq-bench: rpc: the server's pool: %.200s\n", resp);
            return;
        }
        usleep(500);
    }
}

/* Account 0 gives each sender 100 ETH (not timed). */
int bench_fund(uint16_t port, char *why, size_t whylen)
{
    uint8_t key[32], addr[20];
    char a0[43];
    if (zs_hex_decode_exact(key, 32, zs_dev_keys[0]) || zs_key_to_address(key, addr)) return -1;
    zs_hex_encode_0x(a0, addr, 20);
    load_t l = {.port = port, .window = 1, .n = SENDERS};
    l.bodies = malloc(SENDERS * sizeof *l.bodies);
    l.lat = calloc(SENDERS, sizeof(double));
    for (int i = 0; i < SENDERS; i++) {
        uint8_t sk[32], to[20], raw[160];
        size_t len;
        char hex[330];
        bench_sender_key(i, sk);
        if (zs_key_to_address(sk, to)) return -1;
        zs_tx_t tx;
        zs_u256_t value, eth = zs_u256_from_u64(1000000000000000000ull), hundred = zs_u256_from_u64(100);
        zs_u256_mul(&value, &eth, &hundred);
        if (zs_tx_sign_transfer(&tx, key, 1001, (uint64_t)i, to, &value, 10000000000ull, raw, sizeof raw, &len))
            return -1;
        zs_hex_encode_0x(hex, raw, len);
        snprintf(l.bodies[i], sizeof l.bodies[i],
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"eth_sendRawTransaction\",\"params\":[\"%s\"]}", i, hex);
    }
    load_main(&l);
    if (l.errors) snprintf(why, whylen, "funding: %.180s", l.first_error);
    free(l.bodies);
    free(l.lat);
    if (l.errors) return -1;
    bench_wait_nonce(port, a0, SENDERS, bench_now());
    return 0;
}

/* What transfer_body sends: from which nonce, and how it is confirmed. */
typedef struct {
    size_t nonce0;
    const char *confirm; /* NULL: eth_sendRawTransaction; "durable" or "executed": eth_sendRawTransactionSync */
} transfer_ctx_t;

/* The k-th transfer of sender i (ctx: a transfer_ctx_t, or NULL). */
static int transfer_body(void *ctx, int i, const uint8_t key[32], size_t k, char *body, size_t cap)
{
    const transfer_ctx_t *tc = ctx;
    k += tc ? tc->nonce0 : 0;
    uint8_t to[20] = {0xbe, 0xef, (uint8_t)i};
    uint8_t raw[128];
    size_t len;
    char hex[260];
    zs_tx_t tx;
    /* 100 gwei: above what anvil's base fee climbs to under full blocks
       (12.5% a block), so none of the load waits in its queue. */
    if (zs_tx_sign_transfer(&tx, key, 1001, k, to, (zs_u256_t[]){zs_u256_from_u64(1 + k)}, 100000000000ull, raw,
                            sizeof raw, &len))
        return -1;
    zs_hex_encode_0x(hex, raw, len);
    if (tc && tc->confirm)
        snprintf(body, cap,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_sendRawTransactionSync\",\"params\":[\"%s\",10000,"
                 "\"%s\"]}",
                 k, hex, tc->confirm);
    else
        snprintf(body, cap, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_sendRawTransaction\",\"params\":[\"%s\"]}",
                 k, hex);
    return 0;
}

int bench_run_load(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_load_result_t *r, char *why,
                   size_t whylen)
{
    return bench_run_load_with(port, first, conns, per_conn, window, transfer_body, NULL, r, why, whylen);
}

static int run_conns(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_body_fn fn, void *ctx,
                     int mined, bench_load_result_t *r, char *why, size_t whylen);

/* addr's pending nonce as the server says (0 when it does not answer). */
static size_t pending_nonce(uint16_t port, const char *addr)
{
    char body[200], resp[512];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionCount\",\"params\":[\"%.60s\",\"pending\"]}", addr);
    const char *q = zs_httpc_call(port, body, resp, sizeof resp) ? NULL : strstr(resp, "\"result\":\"");
    return q ? (size_t)strtoull(q + 10, NULL, 16) : 0;
}

int bench_run_load_with(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_body_fn fn,
                        void *ctx, bench_load_result_t *r, char *why, size_t whylen)
{
    return run_conns(port, first, conns, per_conn, window, fn, ctx, 1, r, why, whylen);
}

int bench_run_reads(uint16_t port, int conns, size_t per_conn, size_t window, bench_body_fn fn, void *ctx,
                    bench_load_result_t *r, char *why, size_t whylen)
{
    return run_conns(port, 0, conns, per_conn, window, fn, ctx, 0, r, why, whylen);
}

/* Sends per_conn requests on each of conns connections (senders first..,
   bodies from fn, nonces 0..per_conn-1 unless fn counts otherwise); with
   mined, waits until every sender's latest nonce shows them all mined.
   Its connections' state is the calling thread's: a read load may run
   beside a write load. */
static int run_conns(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_body_fn fn, void *ctx,
                     int mined, bench_load_result_t *r, char *why, size_t whylen)
{
    static __thread load_t loads[MAX_CONNS];
    pthread_t th[MAX_CONNS];
    char addrs[MAX_CONNS][43];
    for (int i = 0; i < conns; i++) {
        uint8_t key[32], addr[20];
        bench_sender_key(first + i, key);
        if (zs_key_to_address(key, addr)) return -1;
        zs_hex_encode_0x(addrs[i], addr, 20);
        loads[i] = (load_t){.port = port, .window = window, .n = per_conn};
        loads[i].bodies = malloc(per_conn * sizeof *loads[i].bodies);
        loads[i].lat = calloc(per_conn, sizeof(double));
        for (size_t k = 0; k < per_conn; k++)
            if (fn(ctx, first + i, key, k, loads[i].bodies[k], sizeof loads[i].bodies[k])) return -1;
    }
    double t0 = bench_now();
    for (int i = 0; i < conns; i++) pthread_create(&th[i], NULL, load_main, &loads[i]);
    for (int i = 0; i < conns; i++) pthread_join(th[i], NULL);
    /* Mined: every sender's latest nonce reached per_conn. */
    /* Mined: each sender's latest nonce reaches its pending one (what the
       server took from it, whatever nonces the bodies used). */
    for (int i = 0; mined && i < conns; i++) bench_wait_nonce(port, addrs[i], pending_nonce(port, addrs[i]), t0);
    double dt = bench_now() - t0;
    size_t total = per_conn * (size_t)conns, errors = 0;
    double *all = malloc(total * sizeof *all);
    for (int i = 0; i < conns; i++) {
        memcpy(all + (size_t)i * per_conn, loads[i].lat, per_conn * sizeof(double));
        if (loads[i].errors && !errors) snprintf(why, whylen, "%s", loads[i].first_error);
        errors += loads[i].errors;
        free(loads[i].bodies);
        free(loads[i].lat);
    }
    qsort(all, total, sizeof *all, cmp_double);
    r->tps = (double)(total - errors) / dt;
    r->p50_ms = all[total / 2] * 1e3;
    r->p99_ms = all[total * 99 / 100] * 1e3;
    r->errors = errors;
    if (r->keep_lat) {
        for (size_t i = 0; i < total; i++) all[i] *= 1e3;
        r->lat_ms = all;
        r->nlat = total;
    } else {
        free(all);
    }
    return 0;
}

/* ---- Servers. */

uint16_t bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    uint16_t port = 0;
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof sa) && !getsockname(fd, (struct sockaddr *)&sa, &sl))
        port = ntohs(sa.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

double bench_proc_cpu(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return bench_stat_cpu(path);
}

double bench_stat_cpu(const char *path)
{
    char stat[1024];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t k = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[k] = 0;
    const char *p = strrchr(stat, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

pid_t bench_spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int bench_wait_ready(uint16_t port, pid_t pid)
{
    char resp[256];
    for (int i = 0; i < 300; i++) {
        if (!zs_httpc_call(port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}", resp, sizeof resp) &&
            strstr(resp, "0x3e9"))
            return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
        usleep(20000);
    }
    return -1;
}

void bench_stop_server(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

pid_t bench_dev_start(const bench_opts_t *o, const char *suite, bench_dev_t *d)
{
    return bench_dev_start_with(o, suite, d, NULL);
}

pid_t bench_dev_start_with(const bench_opts_t *o, const char *suite, bench_dev_t *d, char *const *extra)
{
    char exe[PATH_MAX], zkseqd[PATH_MAX + 16], rport[16], uport[16], mport[16];
    bench_exe_dir(exe, sizeof exe);
    snprintf(zkseqd, sizeof zkseqd, "%s/zkseqd", exe);
    snprintf(d->dir, sizeof d->dir, "%s/zkseq-bench-%s-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp", suite);
    d->pid = -1;
    if (!mkdtemp(d->dir)) return -1;
    d->rpc = bench_free_port();
    d->udp = bench_free_port();
    snprintf(rport, sizeof rport, "%u", d->rpc);
    d->metrics = bench_free_port();
    snprintf(uport, sizeof uport, "%u", d->udp);
    snprintf(mport, sizeof mport, "%u", d->metrics);
    /* Every port its own, so that a bench's zkseqd never meets a running box's. */
    char *argv[30] = {zkseqd,    "--dev", "--datadir",    d->dir, "--rpc-port",    rport, "--udp-port", uport,
                      "--metrics-port", mport, "--mgmt-port", "0",    "--stream-port", "0",   NULL};
    for (size_t i = 14, k = 0; extra && extra[k] && i < 29; i++, k++) argv[i] = extra[k];
    d->pid = bench_spawn(argv);
    if (bench_wait_ready(d->rpc, d->pid)) {
        bench_dev_stop(d);
        return -1;
    }
    return d->pid;
}

void bench_dev_stop(bench_dev_t *d)
{
    if (d->pid > 0) bench_stop_server(d->pid);
    d->pid = -1;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->dir);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", d->dir);
}

void bench_exe_dir(char *out, size_t cap)
{
    ssize_t k = readlink("/proc/self/exe", out, cap - 1);
    out[k > 0 ? k : 0] = 0;
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0;
}

/* ---- The suite. */

typedef struct {
    bench_load_result_t cmp, wide;       /* 16 connections (latencies kept); 64 (zkseqd) */
    bench_load_result_t durable, executed; /* one sender, one at a time, eth_sendRawTransactionSync (zkseqd) */
    double sweep_x[8], sweep_tps[8];     /* requests in flight -> accepted+mined tx/s */
    size_t nsweep;
    double cpu_us; /* the server's CPU per transaction in the 16-connection run */
    double ethers_tps; /* the ethers-based client (rpc_ethers.mjs): accepted+mined tx/s */
    int ok;
} server_run_t;

#define ETHERS_FIRST (SENDERS - 16) /* the ethers client's 16 senders: the last funded ones */

/* The ethers-based client against the server on port: 16 senders, per
   transfers each; its accepted+mined rate, or 0. */
static double ethers_client(uint16_t port, size_t per)
{
    char dir[PATH_MAX], cmd[PATH_MAX + 200];
    bench_exe_dir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "node %s/../../tools/bench/rpc_ethers.mjs http://127.0.0.1:%u %d 16 %zu", dir, port,
             ETHERS_FIRST, per);
    FILE *f = popen(cmd, "r");
    if (!f) return 0;
    json_error_t je;
    json_t *j = json_loadf(f, JSON_DISABLE_EOF_CHECK, &je);
    pclose(f);
    double tps = bench_json_num(j, "tps", NULL);
    if (j && bench_json_num(j, "errors", NULL) > 0)
        fprintf(stderr, "zkseq-bench: rpc: the ethers client: %s\n", json_string_value(json_object_get(j, "first_error")));
    json_decref(j);
    return tps;
}

/* The sweep: 16 connections at growing windows, each sender going on from
   the nonces it has used. */
static void sweep(uint16_t port, size_t next_nonce, size_t per, int quick, server_run_t *s)
{
    static const size_t windows[] = {1, 2, 4, 8, 16}; /* anvil loses transactions at 32 (512 in flight) */
    char why[200];
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w += quick ? 2 : 1) {
        bench_load_result_t r = {0};
        transfer_ctx_t tc = {.nonce0 = next_nonce};
        if (bench_run_load_with(port, 0, CMP_CONNS, per, windows[w], transfer_body, &tc, &r, why, sizeof why)) break;
        if (r.errors) {
            fprintf(stderr, "zkseq-bench: rpc: the sweep at %zu in flight: %zu refused: %s\n", CMP_CONNS * windows[w],
                    r.errors, why);
            break; /* the senders' nonces have a gap now */
        }
        next_nonce += per;
        s->sweep_x[s->nsweep] = (double)(CMP_CONNS * windows[w]);
        s->sweep_tps[s->nsweep++] = r.tps;
    }
}

/* One server (argv) under the load: funded, the 16-connection run, the
   64-connection run when wide, then the sweep. */
static void run_server(char *const argv[], uint16_t port, size_t per, size_t per64, int wide, int quick, server_run_t *s)
{
    char why[200] = "";
    pid_t pid = bench_spawn(argv);
    s->cmp.keep_lat = 1;
    double cpu0 = 0;
    s->ok = !bench_wait_ready(port, pid) && !bench_fund(port, why, sizeof why) && (cpu0 = bench_proc_cpu(pid)) >= 0 &&
            !bench_run_load(port, 0, CMP_CONNS, per, WINDOW, &s->cmp, why, sizeof why) &&
            (s->cpu_us = (bench_proc_cpu(pid) - cpu0) * 1e6 / (double)(CMP_CONNS * per)) >= 0 && (!wide || !bench_run_load(port, CMP_CONNS, MAX_CONNS, per64, WINDOW, &s->wide, why, sizeof why));
    if (s->ok) sweep(port, per, quick ? 20 : 500, quick, s);
    if (s->ok) s->ethers_tps = ethers_client(port, quick ? 20 : 500);
    if (s->ok && wide) { /* two of the 64-connection senders, going on from its nonces */
        transfer_ctx_t d = {.nonce0 = per64, .confirm = "durable"}, x = {.nonce0 = per64, .confirm = "executed"};
        size_t n = quick ? 50 : 300;
        s->durable.keep_lat = s->executed.keep_lat = 1;
        if (bench_run_load_with(port, CMP_CONNS, 1, n, 1, transfer_body, &d, &s->durable, why, sizeof why) ||
            bench_run_load_with(port, CMP_CONNS + 1, 1, n, 1, transfer_body, &x, &s->executed, why, sizeof why))
            s->executed.nlat = 0;
    }
    bench_stop_server(pid);
    if (s->cmp.errors || s->wide.errors)
        fprintf(stderr, "zkseq-bench: rpc: %s refused %zu: %s\n", argv[0], s->cmp.errors + s->wide.errors, why);
}

/* Long because: both servers, then every row, curve and note. */
void bench_rpc(const bench_opts_t *o)
{
    char dir[PATH_MAX], zkseqd[PATH_MAX + 16], anvil[PATH_MAX + 64], data[600], portbuf[16];
    bench_exe_dir(dir, sizeof dir);
    snprintf(zkseqd, sizeof zkseqd, "%s/zkseqd", dir);
    const char *env_anvil = getenv("ZS_ANVIL");
    if (env_anvil)
        snprintf(anvil, sizeof anvil, "%s", env_anvil);
    else
        snprintf(anvil, sizeof anvil, "%s/../../node_modules/.bin/anvil", dir);
    /* Runs long against anvil's one-second blocks (20,000 transfers in the
       comparison), so the last block's wait does not decide its figure. */
    size_t per = o->quick ? 40 : 1250, per64 = o->quick ? 40 : 300;

    /* anvil as its users run it under load: interval mining, a block a second. */
    server_run_t a = {0}, z = {0};
    if (access(anvil, X_OK) == 0) {
        uint16_t port = bench_free_port();
        snprintf(portbuf, sizeof portbuf, "%u", port);
        char *argv[] = {anvil, "--host", "127.0.0.1", "--port", portbuf, "--chain-id", "1001", "--block-time", "1",
                        "--silent", NULL};
        run_server(argv, port, per, per64, 0, o->quick, &a);
    }
    if (!a.ok) bench_note("rpc", "anvil not found or not started (npm ci installs it; ZS_ANVIL=path)");

    /* zkseqd, dev chain in a scratch directory. */
    snprintf(data, sizeof data, "%s/zkseq-bench-rpc-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(data)) return;
    uint16_t port = bench_free_port();
    snprintf(portbuf, sizeof portbuf, "%u", port);
    char *argv[] = {zkseqd, "--dev", "--datadir", data, "--rpc-port", portbuf, "--udp-port", "0", NULL};
    run_server(argv, port, per, per64, 1, o->quick, &z);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", data);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", data);
    if (!z.ok) {
        bench_note("rpc", "zkseqd did not start or the load failed");
        return;
    }
    const char *ref = a.ok ? "anvil (--block-time 1), same load" : NULL;
    bench_record("rpc", "sendRawTransaction accepted+mined, 16 conns", z.cmp.tps, "tx/s", ref, a.cmp.tps, 2, 0);
    bench_record("rpc", "latency p50, 16 conns", z.cmp.p50_ms, "ms", a.ok ? "anvil p50" : NULL, a.cmp.p50_ms, 0, 0);
    bench_record("rpc", "latency p99, 16 conns", z.cmp.p99_ms, "ms", a.ok ? "anvil p99" : NULL, a.cmp.p99_ms, 0, 0);
    bench_record("rpc", "sendRawTransaction accepted+mined, 64 conns", z.wide.tps, "tx/s", ref, a.cmp.tps, 2, 0);
    if (z.ethers_tps > 0)
        bench_record("rpc", "ethers client (16 wallets, one provider): accepted+mined", z.ethers_tps, "tx/s",
                     a.ethers_tps > 0 ? "anvil (--block-time 1), same client and load" : NULL, a.ethers_tps, 2, 0);
    double inproc = bench_inprocess_cpu_us(o, o->quick ? 4000 : 20000, NULL);
    bench_record("rpc", "CPU per transfer over JSON-RPC (zkseqd, 16 conns, accepted+mined)", z.cmp.tps > 0 ? z.cpu_us : 0, "us",
                 inproc > 0 ? "in-process: admission + sequencing, same run" : NULL, inproc, 1.3, 3);
    bench_record("rpc", "latency p50, 64 conns", z.wide.p50_ms, "ms", NULL, 0, 0, 0);
    bench_record("rpc", "latency p99, 64 conns", z.wide.p99_ms, "ms", NULL, 0, 0, 0);
    bench_series("rpc", "throughput against offered load (JSON-RPC)", "zkseqd", "requests in flight", "tx/s",
                 z.sweep_x, z.sweep_tps, z.nsweep);
    if (a.ok)
        bench_series("rpc", "throughput against offered load (JSON-RPC)", "anvil --block-time 1", "requests in flight",
                     "tx/s", a.sweep_x, a.sweep_tps, a.nsweep);
    bench_cdf("rpc", "latency CDF, send to answer", "JSON-RPC eth_sendRawTransaction (zkseqd, 16 conns)", "ms",
              z.cmp.lat_ms, z.cmp.nlat);
    if (a.ok)
        bench_cdf("rpc", "latency CDF, send to answer", "JSON-RPC eth_sendRawTransaction (anvil, 16 conns)", "ms",
                  a.cmp.lat_ms, a.cmp.nlat);
    if (z.executed.nlat && z.durable.nlat) {
        const char *kind = "latency CDF by confirmation (JSON-RPC eth_sendRawTransactionSync, one at a time)";
        bench_cdf("rpc", kind, "executed (the sequencer ran it in its open block)", "ms", z.executed.lat_ms,
                  z.executed.nlat);
        bench_cdf("rpc", kind, "durable (its block written)", "ms", z.durable.lat_ms, z.durable.nlat);
        bench_record("rpc", "Sync at execution, one at a time: p50", z.executed.p50_ms, "ms", "the durable Sync p50",
                     z.durable.p50_ms, 1, 2);
        bench_record("rpc", "Sync at execution, one at a time: p99", z.executed.p99_ms, "ms", "the durable Sync p99",
                     z.durable.p99_ms, 5, 2);
    }
    free(z.cmp.lat_ms);
    free(a.cmp.lat_ms);
    free(z.durable.lat_ms);
    free(z.executed.lat_ms);
    char note[400];
    snprintf(note, sizeof note,
             "keep-alive connections, %d requests in flight each, one sender per connection, %zu transfers per "
             "connection (%zu at 64); anvil with interval mining (--block-time 1: its automine stalls under "
             "concurrent load); accepted+mined: every transfer in a block; errors zkseqd %zu, anvil %zu",
             WINDOW, per, per64, z.cmp.errors + z.wide.errors, a.cmp.errors);
    bench_note("rpc", note);
}
