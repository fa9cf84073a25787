/* Read replicas beside the sequencer (issue 19), all on this machine:
   zkseqd --dev as the sequencer and zkseqd --replica processes following
   its data stream.
   - The sequencer's accepted-and-mined rate over JSON-RPC (the rpc suite's
     load: 16 keep-alive connections, 16 requests in flight each) with 0
     followers, with 4 bare stream clients attached (the sequencer's own cost
     of serving 4 replicas elsewhere), and with 1 and 4 replica processes on
     the same cores (which then share the 2 cores with it).
   - Replica lag: while the load runs with 1 replica, a watcher asks both
     for eth_blockNumber back to back; a block's lag is the time from the
     sequencer first answering it to the replica first answering it (the
     watcher's own round trips, about 0.1 ms each, are its resolution).
   - Reads: eth_getBalance and eth_call (4 connections, 16 in flight) on the
     sequencer and on one replica, each while a write load runs on the
     sequencer. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dstream/zs_dsclient.h"
#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"

#define CONNS 16
#define WINDOW 16
#define READ_CONNS 4
#define MAX_BLOCKS (1u << 20)

typedef struct {
    pid_t pid;
    uint16_t rpc;
    char dir[700];
} server_t;

/* zkseqd --dev on fresh ports; a replica when seq is given. */
static int start_server(const char *exe, const char *dir, uint16_t stream_port, const server_t *seq, server_t *s)
{
    char rpc[16], sp[16], stream[32], seq_url[64];
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->rpc = bench_free_port();
    snprintf(rpc, sizeof rpc, "%u", s->rpc);
    snprintf(sp, sizeof sp, "%u", seq ? 0 : stream_port);
    snprintf(stream, sizeof stream, "127.0.0.1:%u", stream_port);
    snprintf(seq_url, sizeof seq_url, "http://127.0.0.1:%u", seq ? seq->rpc : 0);
    char *argv[] = {(char *)exe, "--dev", "--datadir", s->dir, "--rpc-port", rpc, "--udp-port", "0", "--mgmt-port", "0",
                    "--metrics-port", "0", "--stream-port", sp, seq ? "--replica" : NULL, "--stream", stream,
                    "--sequencer-rpc", seq_url, NULL};
    s->pid = bench_spawn(argv);
    return bench_wait_ready(s->rpc, s->pid);
}

static uint64_t block_number(zs_httpc_t *c)
{
    static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}";
    char resp[256];
    if (zs_httpc_post(c, body, sizeof body - 1) || zs_httpc_read(c, resp, sizeof resp)) return 0;
    const char *q = strstr(resp, "\"result\":\"");
    return q ? strtoull(q + 10, NULL, 16) : 0;
}

/* Waits until the replica's head reaches the sequencer's (60 s at most). */
static int caught_up(uint16_t seq, uint16_t rep)
{
    zs_httpc_t a, b;
    if (zs_httpc_open(&a, seq)) return -1;
    if (zs_httpc_open(&b, rep)) {
        zs_httpc_close(&a);
        return -1;
    }
    int rc = -1;
    for (double t0 = bench_now(); bench_now() - t0 < 60; usleep(2000)) {
        uint64_t want = block_number(&a);
        if (want && block_number(&b) >= want) {
            rc = 0;
            break;
        }
    }
    zs_httpc_close(&a);
    zs_httpc_close(&b);
    return rc;
}

/* ---- The lag watcher. */

typedef struct {
    uint16_t seq, rep;
    volatile int stop;
    double *seen_s, *seen_r; /* by block number: when first answered (0: not yet) */
    uint64_t first, last;
} watch_t;

static void *watch_main(void *arg)
{
    watch_t *w = arg;
    zs_httpc_t a, b;
    if (zs_httpc_open(&a, w->seq)) return NULL;
    if (zs_httpc_open(&b, w->rep)) {
        zs_httpc_close(&a);
        return NULL;
    }
    uint64_t hs = block_number(&a), hr = hs;
    w->first = hs + 1;
    while (!w->stop) {
        uint64_t s = block_number(&a);
        double t = bench_now();
        for (uint64_t n = hs + 1; n <= s && n < MAX_BLOCKS; n++) w->seen_s[n] = t;
        if (s > hs) hs = s;
        uint64_t r = block_number(&b);
        t = bench_now();
        for (uint64_t n = hr + 1; n <= r && n < MAX_BLOCKS; n++) w->seen_r[n] = t;
        if (r > hr) hr = r;
    }
    /* The replica catches up with the last blocks of the load. */
    for (double t0 = bench_now(); hr < hs && bench_now() - t0 < 30;) {
        uint64_t r = block_number(&b);
        double t = bench_now();
        for (uint64_t n = hr + 1; n <= r && n < MAX_BLOCKS; n++) w->seen_r[n] = t;
        if (r > hr) hr = r;
    }
    w->last = hs < MAX_BLOCKS ? hs : MAX_BLOCKS - 1;
    zs_httpc_close(&a);
    zs_httpc_close(&b);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each block's lag from the watcher's times, recorded (its CDF, p50,
   p99); how many blocks were timed. */
static size_t record_lag(const watch_t *w)
{
    double *lag = malloc(MAX_BLOCKS * sizeof *lag);
    size_t nlag = 0;
    for (uint64_t n = w->first; lag && n <= w->last; n++)
        if (w->seen_s[n] > 0 && w->seen_r[n] > 0) lag[nlag++] = (w->seen_r[n] - w->seen_s[n]) * 1e3;
    qsort(lag, nlag, sizeof *lag, cmp_d);
    if (nlag) {
        bench_cdf("replica", "replica lag CDF (sequencer answers a block -> replica answers it)",
                  "1 replica, sequencer at full rate", "ms", lag, nlag);
        bench_record("replica", "replica lag p50 (sequencer answers a block -> replica answers it)", lag[nlag / 2],
                     "ms", NULL, 0, 0, 0);
        bench_record("replica", "replica lag p99", lag[nlag * 99 / 100], "ms", NULL, 0, 0, 0);
    }
    free(lag);
    return nlag;
}

/* ---- Bare stream clients: the sequencer's side of serving replicas. */

typedef struct {
    uint16_t port;
    volatile int stop;
    uint64_t entries;
} reader_t;

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    char hp[32];
    snprintf(hp, sizeof hp, "127.0.0.1:%u", r->port);
    zs_dsclient_t c;
    if (zs_dsclient_connect(&c, hp, 1000)) return NULL;
    if (!zs_dsclient_start(&c, 0))
        while (!r->stop) {
            uint8_t *p;
            uint32_t len;
            int rc = zs_dsclient_packet(&c, &p, &len);
            if (rc == ZS_ERR_TIMEOUT) continue;
            if (rc) break;
            free(p);
            r->entries++;
        }
    zs_dsclient_close(&c);
    return NULL;
}

/* ---- Loads. */

typedef struct {
    uint16_t port;
    int first, conns;
    size_t per;
    bench_load_result_t r;
    char why[200];
} write_t;

static void *write_main(void *arg)
{
    write_t *w = arg;
    bench_run_load(w->port, w->first, w->conns, w->per, WINDOW, &w->r, w->why, sizeof w->why);
    return NULL;
}

/* eth_getBalance and eth_call, alternately, of the load's senders. */
static int read_body(void *ctx, int i, const uint8_t key[32], size_t k, char *body, size_t cap)
{
    (void)ctx, (void)key;
    if (k % 2)
        snprintf(body, cap,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_getBalance\",\"params\":[\"0xbeef%036x\",\"latest\"]}",
                 k, (unsigned)(i * 1000 + k % 64));
    else
        snprintf(body, cap,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_call\",\"params\":[{\"to\":\"0xbeef%036x\",\"data\":"
                 "\"0x70a08231\"},\"latest\"]}",
                 k, (unsigned)(i * 1000 + k % 64));
    return 0;
}

/* Reads on `port` while 8 senders from first write on the sequencer. */
static double reads_under_load(uint16_t port, uint16_t seq, int first, size_t per, size_t nreads)
{
    write_t w = {.port = seq, .first = first, .conns = CONNS / 2, .per = per};
    pthread_t th;
    pthread_create(&th, NULL, write_main, &w);
    usleep(200000);
    bench_load_result_t r = {0};
    char why[200] = "";
    bench_run_reads(port, READ_CONNS, nreads, WINDOW, read_body, NULL, &r, why, sizeof why);
    pthread_join(th, NULL);
    if (r.errors) fprintf(stderr, "zkseq-bench: replica: %zu reads failed: %s\n", r.errors, why);
    return r.tps;
}

static void stop_all(server_t *s, int n)
{
    for (int i = 0; i < n; i++) bench_stop_server(s[i].pid);
}

/* Long because: one scenario, step by step, with its figures. */
void bench_replica(const bench_opts_t *o)
{
    char dir[PATH_MAX], exe[PATH_MAX + 16], base[600], d[700], why[200] = "";
    bench_exe_dir(dir, sizeof dir);
    snprintf(exe, sizeof exe, "%s/zkseqd", dir);
    snprintf(base, sizeof base, "%s/zkseq-bench-replica-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(base)) return;
    size_t per = o->quick ? 60 : 300, nreads = o->quick ? 500 : 3000;
    uint16_t sport = bench_free_port();
    server_t seq, rep[4];
    int nrep = 0;
    snprintf(d, sizeof d, "%s/seq", base);
    if (start_server(exe, d, sport, NULL, &seq) || bench_fund(seq.rpc, why, sizeof why)) {
        bench_note("replica", "the sequencer did not start or could not be funded");
        stop_all(&seq, 1);
        return;
    }
    bench_load_result_t r0 = {0}, rs = {0}, r1 = {0}, r4 = {0};
    bench_run_load(seq.rpc, 0, CONNS, per, WINDOW, &r0, why, sizeof why);

    reader_t readers[4];
    pthread_t rth[4];
    for (int i = 0; i < 4; i++) {
        readers[i] = (reader_t){.port = sport};
        pthread_create(&rth[i], NULL, reader_main, &readers[i]);
    }
    usleep(300000);
    bench_run_load(seq.rpc, CONNS, CONNS, per, WINDOW, &rs, why, sizeof why);
    for (int i = 0; i < 4; i++) readers[i].stop = 1;
    for (int i = 0; i < 4; i++) pthread_join(rth[i], NULL);

    snprintf(d, sizeof d, "%s/r0", base);
    if (start_server(exe, d, sport, &seq, &rep[0]) || caught_up(seq.rpc, rep[0].rpc)) {
        bench_note("replica", "a replica did not start or catch up");
        stop_all(rep, 1);
        stop_all(&seq, 1);
        return;
    }
    nrep = 1;
    watch_t w = {.seq = seq.rpc, .rep = rep[0].rpc};
    w.seen_s = calloc(MAX_BLOCKS, sizeof(double));
    w.seen_r = calloc(MAX_BLOCKS, sizeof(double));
    pthread_t wth;
    pthread_create(&wth, NULL, watch_main, &w);
    bench_run_load(seq.rpc, 2 * CONNS, CONNS, per, WINDOW, &r1, why, sizeof why);
    w.stop = 1;
    pthread_join(wth, NULL);

    /* Senders: 0.. alone, 16.. with stream clients, 32.. with a replica,
       48.. and 56.. under the reads, 64.. with 4 replicas (bench_fund
       funds 80). */
    double reads_seq = reads_under_load(seq.rpc, seq.rpc, 3 * CONNS, per, nreads);
    double reads_rep = reads_under_load(rep[0].rpc, seq.rpc, 3 * CONNS + CONNS / 2, per, nreads);

    for (; nrep < 4; nrep++) {
        snprintf(d, sizeof d, "%s/r%d", base, nrep);
        if (start_server(exe, d, sport, &seq, &rep[nrep]) || caught_up(seq.rpc, rep[nrep].rpc)) {
            fprintf(stderr, "zkseq-bench: replica: replica %d did not start or catch up\n", nrep + 1);
            nrep++; /* stopped with the others */
            break;
        }
    }
    int four = nrep == 4 && rep[3].pid > 0;
    if (four) bench_run_load(seq.rpc, 4 * CONNS, CONNS, per, WINDOW, &r4, why, sizeof why);
    stop_all(rep, nrep);
    stop_all(&seq, 1);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", base);

    const char *ref = "the sequencer alone, same load, same run";
    bench_record("replica", "sequencer accepted+mined, no followers", r0.tps, "tx/s", NULL, 0, 0, 0);
    bench_record("replica", "sequencer accepted+mined, 4 stream clients attached", rs.tps, "tx/s", ref, r0.tps, 0.95, 0);
    bench_record("replica", "sequencer accepted+mined, 1 replica on the same 2 cores", r1.tps, "tx/s", ref, r0.tps, 0, 0);
    if (four)
        bench_record("replica", "sequencer accepted+mined, 4 replicas on the same 2 cores", r4.tps, "tx/s", ref, r0.tps,
                     0.95, 0);
    size_t nlag = record_lag(&w);
    bench_record("replica", "reads (eth_getBalance, eth_call) on the replica under write load", reads_rep, "calls/s",
                 "the same reads on the sequencer under the same write load", reads_seq, 0, 0);
    char note[500];
    snprintf(note, sizeof note,
             "one machine: the replicas re-execute every block on the same cores as the sequencer (on their own "
             "hardware only the stream clients' cost stays); %zu blocks timed for lag; %zu transfers per connection; "
             "stream clients read %llu entries",
             nlag, per, (unsigned long long)(readers[0].entries + readers[1].entries + readers[2].entries +
                                             readers[3].entries));
    bench_note("replica", note);
    free(w.seen_s);
    free(w.seen_r);
}
