/* eth_sendRawTransaction over HTTP on loopback: zkseqd against anvil
   (automine), driven by the same pipelined keep-alive client in the same
   run.  Each connection is one sender whose transfers go out in nonce order
   with up to WINDOW requests in flight; a run ends when every transaction
   is acknowledged and mined (in a block), so both figures are "accepted and
   mined per second".  Latency is per request, send to answer. */
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
/* anvil's automine stops mining with more concurrent senders than about 16
   (seen with 1.7.1: thousands left pending), so the comparison runs both at
   16 connections; zkseqd also runs at 64. */
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

/* The k-th transfer of sender i. */
static int transfer_body(void *ctx, int i, const uint8_t key[32], size_t k, char *body, size_t cap)
{
    (void)ctx;
    uint8_t to[20] = {0xbe, 0xef, (uint8_t)i};
    uint8_t raw[128];
    size_t len;
    char hex[260];
    zs_tx_t tx;
    if (zs_tx_sign_transfer(&tx, key, 1001, k, to, (zs_u256_t[]){zs_u256_from_u64(1 + k)}, 10000000000ull, raw,
                            sizeof raw, &len))
        return -1;
    zs_hex_encode_0x(hex, raw, len);
    snprintf(body, cap, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_sendRawTransaction\",\"params\":[\"%s\"]}", k,
             hex);
    return 0;
}

int bench_run_load(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_load_result_t *r, char *why,
                   size_t whylen)
{
    return bench_run_load_with(port, first, conns, per_conn, window, transfer_body, NULL, r, why, whylen);
}

static int run_conns(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_body_fn fn, void *ctx,
                     int mined, bench_load_result_t *r, char *why, size_t whylen);

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
    for (int i = 0; mined && i < conns; i++) bench_wait_nonce(port, addrs[i], per_conn, t0);
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
    free(all);
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

void bench_exe_dir(char *out, size_t cap)
{
    ssize_t k = readlink("/proc/self/exe", out, cap - 1);
    out[k > 0 ? k : 0] = 0;
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0;
}

void bench_rpc(const bench_opts_t *o)
{
    char dir[PATH_MAX], zkseqd[PATH_MAX + 16], anvil[PATH_MAX + 64], data[600], portbuf[16], why[200] = "";
    bench_exe_dir(dir, sizeof dir);
    snprintf(zkseqd, sizeof zkseqd, "%s/zkseqd", dir);
    const char *env_anvil = getenv("ZS_ANVIL");
    if (env_anvil)
        snprintf(anvil, sizeof anvil, "%s", env_anvil);
    else
        snprintf(anvil, sizeof anvil, "%s/../../node_modules/.bin/anvil", dir);
    size_t per = o->quick ? 40 : 200, per64 = o->quick ? 40 : 300;

    /* anvil, automine. */
    bench_load_result_t ra = {0}, rz = {0}, rz64 = {0};
    int have_anvil = access(anvil, X_OK) == 0;
    if (have_anvil) {
        uint16_t port = bench_free_port();
        snprintf(portbuf, sizeof portbuf, "%u", port);
        char *argv[] = {anvil, "--host", "127.0.0.1", "--port", portbuf, "--chain-id", "1001", "--silent", NULL};
        pid_t pid = bench_spawn(argv);
        if (bench_wait_ready(port, pid) || bench_fund(port, why, sizeof why) ||
            bench_run_load(port, 0, CMP_CONNS, per, WINDOW, &ra, why, sizeof why))
            have_anvil = 0;
        bench_stop_server(pid);
        if (ra.errors) fprintf(stderr, "zkseq-bench: rpc: anvil refused %zu: %s\n", ra.errors, why);
    }
    if (!have_anvil) bench_note("rpc", "anvil not found or not started (npm ci installs it; ZS_ANVIL=path)");

    /* zkseqd, dev chain in a scratch directory: the same load, then 64 connections. */
    snprintf(data, sizeof data, "%s/zkseq-bench-rpc-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(data)) return;
    uint16_t port = bench_free_port();
    snprintf(portbuf, sizeof portbuf, "%u", port);
    char *argv[] = {zkseqd, "--dev", "--datadir", data, "--rpc-port", portbuf, "--udp-port", "0", NULL};
    pid_t pid = bench_spawn(argv);
    int ok = !bench_wait_ready(port, pid) && !bench_fund(port, why, sizeof why) &&
             !bench_run_load(port, 0, CMP_CONNS, per, WINDOW, &rz, why, sizeof why) &&
             !bench_run_load(port, CMP_CONNS, MAX_CONNS, per64, WINDOW, &rz64, why, sizeof why);
    bench_stop_server(pid);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", data);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", data);
    if (!ok) {
        bench_note("rpc", "zkseqd did not start or the load failed");
        return;
    }
    if (rz.errors || rz64.errors) fprintf(stderr, "zkseq-bench: rpc: zkseqd refused %zu: %s\n", rz.errors + rz64.errors, why);
    const char *ref = have_anvil ? "anvil (automine), same load" : NULL;
    bench_record("rpc", "sendRawTransaction accepted+mined, 16 conns", rz.tps, "tx/s", ref, ra.tps, 5, 0);
    bench_record("rpc", "latency p50, 16 conns", rz.p50_ms, "ms", have_anvil ? "anvil p50" : NULL, ra.p50_ms, 0, 0);
    bench_record("rpc", "latency p99, 16 conns", rz.p99_ms, "ms", have_anvil ? "anvil p99" : NULL, ra.p99_ms, 0, 0);
    bench_record("rpc", "sendRawTransaction accepted+mined, 64 conns", rz64.tps, "tx/s", ref, ra.tps, 5, 0);
    bench_record("rpc", "latency p50, 64 conns", rz64.p50_ms, "ms", NULL, 0, 0, 0);
    bench_record("rpc", "latency p99, 64 conns", rz64.p99_ms, "ms", NULL, 0, 0, 0);
    char note[400];
    snprintf(note, sizeof note,
             "keep-alive connections, %d requests in flight each, one sender per connection, %zu transfers per "
             "connection (%zu at 64); anvil compared at %d connections because its automine stalls with more "
             "concurrent senders; errors zkseqd %zu, anvil %zu",
             WINDOW, per, per64, CMP_CONNS, rz.errors + rz64.errors, ra.errors);
    bench_note("rpc", note);
}
