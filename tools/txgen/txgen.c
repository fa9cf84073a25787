/* zkseq-txgen: the load generator for the exchange ingress (lib/frame/PROTOCOL.md).
   Pre-signs transfers from funded accounts (signing is not measured), sends
   them in submit frames over UDP at a target rate or as fast as the window
   allows, retries unanswered frames with the same sequence number, and
   reports throughput, refusals by reason and answer latency percentiles.

     zkseq-txgen --udp HOST:PORT --count N [--first-account A] [--accounts K] [--batch B] [--rate R]
                 [--window W] [--client ID] [--key HEX] [--start-nonce N]
                 [--chain-id N] [--gas-price WEI] [--timeout-ms T] [--json]
     (options in any order, --name VALUE or --name=VALUE)

   Accounts are the ten funded development accounts of `zkseqd --dev`
   (K <= 10), whose nonces are taken to start at --start-nonce (0 on a fresh
   chain).  Exit status 0 when every frame was answered. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host/pool/zs_pool.h"
#include "lib/base/zs_hex.h"
#include "lib/frame/zs_frame.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/common/zs_httpc.h"
#include "tools/common/zs_udpstamp.h"
#include "tools/txgen/txgen_confirm.h"


/* Account a's transfers all go to 0x7e...a. */
static int sign(zs_tx_t *tx, const uint8_t key[32], uint64_t chain_id, uint64_t nonce, uint64_t a, uint64_t value,
                uint64_t gas_price, uint8_t *raw, size_t cap, size_t *len)
{
    uint8_t to[20] = {0x7e};
    to[19] = (uint8_t)a;
    return zs_tx_sign_transfer(tx, key, chain_id, nonce, to, (zs_u256_t[]){zs_u256_from_u64(value)}, gas_price, raw,
                               cap, len);
}

typedef struct {
    uint8_t *p;
    size_t len;
    uint16_t ntx;
    double sent_at, answered_at; /* seconds (the first send); answered_at 0 until answered */
    double last_sent;            /* the latest send (timeouts count from it) */
    int tries, busy;             /* sends that timed out; refused "busy", not yet sent again */
    /* --confirm: each transaction's hash, when it was confirmed executed
       and durable (0 until then). */
    uint8_t (*hash)[32];
    double *exec_at, *durable_at;
} frame_t;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "zkseq-txgen: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The table or the JSON; sorts lat. */
static void report(int json, const char *target, uint64_t count, uint64_t nframes, uint64_t lost, uint64_t refused_frames,
                   uint64_t resent, uint64_t accepted, const uint64_t *refused, double dt, double *lat, uint64_t nl,
                   json_t *extra)
{
    qsort(lat, nl, sizeof *lat, cmp_double);
#define PCT(p) (nl ? lat[(uint64_t)((double)(nl - 1) * (p))] : 0)
    double tps = dt > 0 ? (double)accepted / dt : 0;
    if (json) {
        json_t *r = json_object();
        for (int i = 1; i < ZS_POOL_REASON_COUNT; i++)
            if (refused[i]) json_object_set_new(r, zs_pool_reason_id((zs_pool_reason_t)i), json_integer((json_int_t)refused[i]));
        json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:f,s:f,s:{s:f,s:f,s:f,s:f,s:f}}", "sent", (json_int_t)count,
                              "frames", (json_int_t)nframes, "answered", (json_int_t)(nframes - lost), "accepted",
                              (json_int_t)accepted, "refused", r, "frames_refused", (json_int_t)refused_frames, "lost",
                              (json_int_t)lost, "retries", (json_int_t)resent, "seconds", dt, "tx_per_s", tps,
                              "latency_us", "p50", PCT(0.5), "p90", PCT(0.9), "p99", PCT(0.99), "p99.9", PCT(0.999),
                              "max", nl ? lat[nl - 1] : 0.0);
        json_t *cdf = json_array(); /* [latency, fraction at or below] */
        for (int q = 0; nl && q <= 100; q++) {
            double f = q < 90 ? q / 100.0 : 0.9 + (q - 90) * 0.00999;
            json_array_append_new(cdf, json_pack("[f,f]", lat[(uint64_t)((double)(nl - 1) * f)], f));
        }
        json_object_set_new(o, "latency_cdf_us", cdf);
        if (extra) json_object_update(o, extra);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(o);
    } else {
        printf("sent %llu transactions in %llu frames/requests to %s; answered %llu, lost %llu, retries %llu\n",
               (unsigned long long)count, (unsigned long long)nframes, target, (unsigned long long)(nframes - lost),
               (unsigned long long)lost, (unsigned long long)resent);
        printf("accepted %llu, refused %llu (frames refused %llu); %.0f tx/s over %.3f s\n", (unsigned long long)accepted,
               (unsigned long long)(count - accepted), (unsigned long long)refused_frames, tps, dt);
        for (int i = 1; i < ZS_POOL_REASON_COUNT; i++)
            if (refused[i]) printf("  refused %-24s %llu\n", zs_pool_reason_id((zs_pool_reason_t)i), (unsigned long long)refused[i]);
        printf("answer latency (us): p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n", PCT(0.5), PCT(0.9), PCT(0.99),
               PCT(0.999), nl ? lat[nl - 1] : 0.0);
        const char *k;
        json_t *v;
        json_object_foreach(extra, k, v) if (json_is_integer(v) && json_integer_value(v))
            printf("%s: %lld (frames sent again)\n", k, (long long)json_integer_value(v));
        json_object_foreach(extra, k, v) if (json_is_object(v))
            printf("%s latency (us): p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  (%lld seen)\n", k,
                   json_real_value(json_object_get(v, "p50")), json_real_value(json_object_get(v, "p90")),
                   json_real_value(json_object_get(v, "p99")), json_real_value(json_object_get(v, "p99.9")),
                   json_real_value(json_object_get(v, "max")), (long long)json_integer_value(json_object_get(v, "seen")));
    }
#undef PCT
}

/* ---- pcap: the frames as Ethernet/IPv4/UDP packets from 10.99.0.2:40000 to
   dst, for DPDK's net_pcap replays. */

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int write_pcap(const char *path, const struct sockaddr_in *dst, frame_t *frames, uint64_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    uint32_t gh[6] = {0xa1b2c3d4u, 2 | (4u << 16), 0, 0, 65535, 1}; /* v2.4, Ethernet */
    fwrite(gh, sizeof gh, 1, f);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t pkt[14 + 20 + 8 + ZS_FRAME_MAX];
        size_t len = 14 + 20 + 8 + frames[i].len;
        if (len > 1514) continue; /* larger than one Ethernet frame: not replayable without fragments */
        static const uint8_t mac_dst[6] = {2, 0, 0, 0, 0, 1}, mac_src[6] = {2, 0, 0, 0, 0, 2};
        memcpy(pkt, mac_dst, 6);
        memcpy(pkt + 6, mac_src, 6);
        put_be16(pkt + 12, 0x0800);
        uint8_t *ip = pkt + 14;
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put_be16(ip + 2, (uint16_t)(20 + 8 + frames[i].len));
        ip[8] = 64;
        ip[9] = 17;
        uint32_t src = htonl(0x0a630002); /* 10.99.0.2 */
        memcpy(ip + 12, &src, 4);
        memcpy(ip + 16, &dst->sin_addr, 4);
        uint32_t sum = 0;
        for (int k = 0; k < 20; k += 2) sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        put_be16(ip + 10, (uint16_t)~sum);
        uint8_t *udp = ip + 20;
        put_be16(udp, 40000);
        memcpy(udp + 2, &dst->sin_port, 2);
        put_be16(udp + 4, (uint16_t)(8 + frames[i].len));
        put_be16(udp + 6, 0);
        memcpy(udp + 8, frames[i].p, frames[i].len);
        uint32_t rec[4] = {(uint32_t)i, 0, (uint32_t)len, (uint32_t)len};
        fwrite(rec, sizeof rec, 1, f);
        fwrite(pkt, len, 1, f);
    }
    return fclose(f) ? -1 : 0;
}

/* ---- JSON-RPC mode: one keep-alive connection per account, eth_sendRawTransaction
   pipelined up to `window` requests per connection, in nonce order. */

typedef struct {
    uint16_t port;
    char (*bodies)[600];
    uint8_t (*hashes)[32]; /* --confirm: each transaction's hash */
    size_t n, window;
    double start, pace; /* --rate: request k goes at start + k * pace (0: as the window allows) */
    double *lat, *sent;
    uint64_t accepted, refused[ZS_POOL_REASON_COUNT], broken;
} rpc_conn_t;

static void sleep_until(double t)
{
    double d = t - now();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

static void *rpc_main(void *arg)
{
    rpc_conn_t *c = arg;
    zs_httpc_t h;
    if (zs_httpc_open(&h, c->port)) {
        c->broken = c->n;
        return NULL;
    }
    double *sent = c->sent;
    char resp[1024];
    size_t next = 0, done = 0;
    while (done < c->n) {
        while (next < c->n && next - done < c->window) {
            double due = c->start + (double)next * c->pace;
            if (c->pace && due > now()) {
                if (next > done) break; /* read what is in flight meanwhile */
                sleep_until(due);
            }
            sent[next] = now();
            if (zs_httpc_post(&h, c->bodies[next], strlen(c->bodies[next]))) goto broken;
            next++;
        }
        if (zs_httpc_read(&h, resp, sizeof resp)) goto broken;
        c->lat[done] = (now() - sent[done]) * 1e6;
        if (strstr(resp, "\"result\"")) {
            c->accepted++;
        } else {
            const char *id = strstr(resp, "\"reason\":\"");
            int r = ZS_POOL_INVALID;
            for (int i = 1; id && i < ZS_POOL_REASON_COUNT; i++) {
                const char *name = zs_pool_reason_id((zs_pool_reason_t)i);
                size_t l = strlen(name);
                if (!strncmp(id + 10, name, l) && id[10 + l] == '"') r = i;
            }
            c->refused[r]++;
        }
        done++;
    }
    zs_httpc_close(&h);
    return NULL;
broken:
    c->broken += c->n - done;
    zs_httpc_close(&h);
    return NULL;
}

/* ---- The command line. */

typedef struct {
    const char *udp, *keyhex, *rpc_url, *pcap;
    uint64_t count, accounts, first_account, batch, rate, window, client, start_nonce, chain_id, gas_price, timeout_ms;
    int json, confirm;
    uint8_t key[64];
    size_t keylen;
} opts_t;

static void usage(void)
{
    puts("usage: zkseq-txgen --udp HOST:PORT --count N [--first-account A] [--accounts K] [--batch B<=64] [--rate TX/S]\n"
         "                   [--window FRAMES] [--client ID] [--key HEX] [--start-nonce N] [--chain-id N]\n"
         "                   [--gas-price WEI] [--timeout-ms T] [--json]\n"
         "                   [--confirm]  (frame protocol v2: also time send to executed and to durable)\n"
         "       zkseq-txgen --rpc http://127.0.0.1:PORT --count N [--rate TX/S] [--confirm] [...]   (pipelined\n"
         "                   JSON-RPC, one connection per account; --rate: open loop, shared by the connections;\n"
         "                   --confirm: also send to executed (zkseqd's /executed feed) and to durable (its block))\n"
         "       zkseq-txgen --udp DSTIP:PORT --pcap FILE --count N [...]  (write frames for net_pcap)\n"
         "options in any order, as --name VALUE or --name=VALUE");
}

/* The numeric option named a, or NULL. */
static uint64_t *number_opt(opts_t *o, const char *a)
{
    static const struct {
        const char *name;
        size_t off;
    } nums[] = {
        {"--count", offsetof(opts_t, count)},         {"--accounts", offsetof(opts_t, accounts)},
        {"--first-account", offsetof(opts_t, first_account)}, {"--batch", offsetof(opts_t, batch)},
        {"--rate", offsetof(opts_t, rate)},           {"--window", offsetof(opts_t, window)},
        {"--client", offsetof(opts_t, client)},       {"--start-nonce", offsetof(opts_t, start_nonce)},
        {"--chain-id", offsetof(opts_t, chain_id)},   {"--gas-price", offsetof(opts_t, gas_price)},
        {"--timeout-ms", offsetof(opts_t, timeout_ms)},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!strcmp(a, nums[i].name)) return (uint64_t *)((char *)o + nums[i].off);
    return NULL;
}

/* Reads the options (any order, "--name VALUE" or "--name=VALUE") and
   checks them; dies with a usage error. */
static void parse_args(int argc, char **argv, opts_t *o)
{
    *o = (opts_t){.count = 1000, .accounts = 10, .batch = 1, .window = 256, .client = 1, .chain_id = 1001,
                  .gas_price = 1000000000, .timeout_ms = 1000};
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *a = argv[i], *eq = strchr(a, '='), *v = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        uint64_t *num = number_opt(o, name);
        const char **str = !strcmp(name, "--udp") ? &o->udp : !strcmp(name, "--pcap") ? &o->pcap
                           : !strcmp(name, "--rpc") ? &o->rpc_url : !strcmp(name, "--key") ? &o->keyhex : NULL;
        if (num || str) {
            char *end;
            if (!v) die("%s wants a value", name);
            if (num && (errno = 0, *num = strtoull(v, &end, 10), errno || *end || !*v)) die("%s wants a number", name);
            if (str) *str = v;
            i += !eq;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--confirm")) {
            o->confirm = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            exit(0);
        } else {
            die("unknown argument %s (--help)", a);
        }
    }
    if (!o->udp && !o->rpc_url) die("%s", "--udp HOST:PORT or --rpc http://127.0.0.1:PORT is required");
    if (o->confirm && o->pcap) die("%s", "--confirm needs a live box (not --pcap)");
    if (!o->accounts || o->first_account > 9 || o->accounts > 10 - o->first_account)
        die("%s", "--first-account A --accounts K: within the ten development accounts");
    if (!o->batch || o->batch > ZS_FRAME_MAX_TXS) die("%s", "--batch: 1 to 64");
    if (!o->count || !o->window) die("%s", "--count and --window must be positive");
    if (o->udp && !o->rpc_url && o->window > ZS_FRAME_ANSWERS_KEPT) /* beyond it a retry would be taken for a new frame */
        die("%s", "--window: at most 1024 frames in flight over UDP (the box keeps the answers to a client's last 1024)");
    _Static_assert(ZS_FRAME_ANSWERS_KEPT == 1024, "the message above names the number");
    if (o->keyhex && (zs_hex_decode(o->key, sizeof o->key, &o->keylen, o->keyhex, strlen(o->keyhex)) || o->keylen < 16))
        die("%s", "--key: 16 to 64 bytes of hex");
}

/* ---- JSON-RPC mode. */

/* Account a's transfers as request bodies, in nonce order. */
static void sign_bodies(const opts_t *o, uint64_t a, const uint8_t key[32], rpc_conn_t *c)
{
    c->n = o->count / o->accounts + (a < o->count % o->accounts);
    c->window = o->window;
    c->bodies = malloc((c->n ? c->n : 1) * sizeof *c->bodies);
    c->hashes = malloc((c->n ? c->n : 1) * sizeof *c->hashes);
    c->lat = calloc(c->n ? c->n : 1, sizeof(double));
    c->sent = calloc(c->n ? c->n : 1, sizeof(double));
    if (!c->bodies || !c->hashes || !c->lat || !c->sent) die("%s", "out of memory");
    for (size_t k = 0; k < c->n; k++) {
        zs_tx_t tx;
        uint8_t raw[128];
        size_t len;
        char hex[260];
        if (sign(&tx, key, o->chain_id, o->start_nonce + k, a, 1 + k, o->gas_price, raw, sizeof raw, &len))
            die("%s", "signing failed");
        zs_keccak256(raw, len, c->hashes[k]);
        zs_hex_encode_0x(hex, raw, len);
        snprintf(c->bodies[k], sizeof c->bodies[k],
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_sendRawTransaction\",\"params\":[\"%s\"]}", k, hex);
    }
}

/* --confirm: the watchers over every connection's transactions. */
static txgen_confirm_t *confirm_start(uint16_t port, const rpc_conn_t *conns, uint64_t nconns)
{
    size_t n = 0;
    for (uint64_t a = 0; a < nconns; a++) n += conns[a].n;
    uint8_t(*all)[32] = malloc((n ? n : 1) * 32);
    if (!all) die("%s", "out of memory");
    for (uint64_t a = 0, k = 0; a < nconns; a++)
        for (size_t i = 0; i < conns[a].n; i++) memcpy(all[k++], conns[a].hashes[i], 32);
    txgen_confirm_t *c = txgen_confirm_start(port, (const uint8_t(*)[32])all, n);
    free(all);
    if (!c) die("%s", "--confirm: cannot open zkseqd's /executed feed");
    return c;
}

/* Percentiles of the sorted v (n of them) as JSON, with how many. */
static json_t *pcts(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
#define Q(p) (n ? v[(size_t)((double)(n - 1) * (p))] : 0.0)
    json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:I}", "p50", Q(0.5), "p90", Q(0.9), "p99", Q(0.99), "p99.9", Q(0.999),
                          "max", n ? v[n - 1] : 0.0, "seen", (json_int_t)n);
#undef Q
    return o;
}

/* Send to executed and send to durable, per transaction (microseconds). */
static json_t *confirm_stats(txgen_confirm_t *c, const rpc_conn_t *conns, uint64_t nconns)
{
    size_t n = 0;
    for (uint64_t a = 0; a < nconns; a++) n += conns[a].n;
    double *ex = calloc(n ? n : 1, sizeof *ex), *du = calloc(n ? n : 1, sizeof *du);
    double *lx = malloc((n ? n : 1) * sizeof *lx), *ld = malloc((n ? n : 1) * sizeof *ld);
    if (!ex || !du || !lx || !ld) die("%s", "out of memory");
    txgen_confirm_finish(c, 30000, ex, du);
    size_t nx = 0, nd = 0;
    for (uint64_t a = 0, k = 0; a < nconns; a++)
        for (size_t i = 0; i < conns[a].n; i++, k++) {
            if (ex[k] > 0) lx[nx++] = (ex[k] - conns[a].sent[i]) * 1e6;
            if (du[k] > 0) ld[nd++] = (du[k] - conns[a].sent[i]) * 1e6;
        }
    json_t *o = json_pack("{s:o,s:o}", "executed_us", pcts(lx, nx), "durable_us", pcts(ld, nd));
    free(ex);
    free(du);
    free(lx);
    free(ld);
    return o;
}

static int run_rpc(const opts_t *o)
{
    unsigned port = 0;
    if (sscanf(o->rpc_url, "http://127.0.0.1:%u", &port) != 1 || !port || port > 65535)
        die("--rpc %s: want http://127.0.0.1:PORT", o->rpc_url);
    rpc_conn_t conns[10];
    pthread_t th[10];
    memset(conns, 0, sizeof conns);
    for (uint64_t a = 0; a < o->accounts; a++) {
        uint8_t key[32];
        if (zs_hex_decode_exact(key, 32, zs_dev_keys[o->first_account + a])) return 2;
        conns[a].port = (uint16_t)port;
        sign_bodies(o, a, key, &conns[a]);
    }
    txgen_confirm_t *confirm = o->confirm ? confirm_start((uint16_t)port, conns, o->accounts) : NULL;
    double t0 = now();
    for (uint64_t a = 0; a < o->accounts; a++) {
        /* --rate shared evenly, the connections' sends interleaved */
        conns[a].pace = o->rate ? (double)o->accounts / (double)o->rate : 0;
        conns[a].start = t0 + 0.05 + (o->rate ? (double)a / (double)o->rate : 0);
        pthread_create(&th[a], NULL, rpc_main, &conns[a]);
    }
    for (uint64_t a = 0; a < o->accounts; a++) pthread_join(th[a], NULL);
    double dt = now() - t0;
    uint64_t accepted = 0, lost = 0, refused[ZS_POOL_REASON_COUNT] = {0}, nl = 0;
    double *lat = malloc(o->count * sizeof *lat);
    for (uint64_t a = 0; a < o->accounts; a++) {
        accepted += conns[a].accepted;
        lost += conns[a].broken;
        for (int i = 0; i < ZS_POOL_REASON_COUNT; i++) refused[i] += conns[a].refused[i];
        for (size_t k = 0; k + conns[a].broken < conns[a].n; k++) lat[nl++] = conns[a].lat[k];
    }
    json_t *extra = confirm ? confirm_stats(confirm, conns, o->accounts) : NULL;
    report(o->json, o->rpc_url, o->count, o->count, lost, 0, 0, accepted, refused, dt, lat, nl, extra);
    json_decref(extra);
    for (uint64_t a = 0; a < o->accounts; a++) {
        free(conns[a].bodies);
        free(conns[a].hashes);
        free(conns[a].lat);
        free(conns[a].sent);
    }
    free(lat);
    return lost ? 1 : 0;
}

/* ---- UDP (and pcap) mode. */

/* --confirm: the hashes of the frame's transactions (read back from the
   frame being built) and room for their confirmation times. */
static void frame_hashes(frame_t *f, const zs_frame_builder_t *b)
{
    f->hash = malloc(b->n * sizeof *f->hash);
    f->exec_at = calloc(b->n, sizeof *f->exec_at);
    f->durable_at = calloc(b->n, sizeof *f->durable_at);
    if (!f->hash || !f->exec_at || !f->durable_at) die("%s", "out of memory");
    size_t off = ZS_FRAME_HEADER;
    for (uint16_t i = 0; i < b->n; i++) {
        size_t l = (size_t)b->p[off] << 8 | b->p[off + 1];
        zs_keccak256(b->p + off + 2, l, f->hash[i]);
        off += 2 + l;
    }
}

/* Pre-signed frames: account a's k-th transfer, round robin over accounts,
   batch to a frame. */
static frame_t *build_frames(const opts_t *o, uint64_t *nframes)
{
    uint8_t keys[10][32];
    for (uint64_t a = 0; a < o->accounts; a++)
        if (zs_hex_decode_exact(keys[a], 32, zs_dev_keys[o->first_account + a])) die("%s", "a development key");
    *nframes = (o->count + o->batch - 1) / o->batch;
    frame_t *frames = calloc(*nframes, sizeof *frames);
    uint64_t nonce[10], made = 0;
    for (uint64_t a = 0; a < o->accounts; a++) nonce[a] = o->start_nonce;
    for (uint64_t fi = 0; frames && fi < *nframes; fi++) {
        uint8_t buf[ZS_FRAME_MAX];
        zs_frame_builder_t b;
        zs_frame_submit_begin(&b, buf, sizeof buf, o->client, fi + 1);
        for (uint64_t k = 0; k < o->batch && made < o->count; k++, made++) {
            uint64_t a = made % o->accounts;
            zs_tx_t tx;
            uint8_t raw[256];
            size_t len;
            if (sign(&tx, keys[a], o->chain_id, nonce[a]++, a, 1 + made, o->gas_price, raw, sizeof raw, &len) ||
                zs_frame_submit_add(&b, raw, len))
                die("%s", "signing failed");
        }
        if (o->confirm) {
            zs_frame_submit_want_confirm(&b);
            zs_frame_submit_want_executed(&b);
            frame_hashes(&frames[fi], &b);
        }
        long len = zs_frame_submit_finish(&b, o->keylen ? o->key : NULL, o->keylen);
        if (len < 0 || !(frames[fi].p = malloc((size_t)len))) die("%s", "building a frame failed");
        memcpy(frames[fi].p, buf, (size_t)len);
        frames[fi].len = (size_t)len;
        frames[fi].ntx = b.n;
    }
    if (!frames) die("%s", "out of memory");
    return frames;
}

/* The UDP run's counters. */
typedef struct {
    uint64_t next, answered, accepted, refused_frames, resent, in_flight, oldest, bad_answers, confirms, busy;
    uint64_t busy_rounds; /* pauses in a row with the box full */
    int busy_mode;        /* a frame was refused "busy": no new frame goes until every one sent is answered */
    int busy_hit;         /* a "busy" refusal since the last round of sending again */
    uint64_t cwnd;        /* frames sent again in a round (halved after a round refused, grown by 8 after one not) */
    double busy_at;       /* when the frames refused "busy" go again (0: none waiting) */
    uint64_t refused[ZS_POOL_REASON_COUNT];
    double t0, last_answer;
} udp_run_t;

/* Sends while the window and the rate allow.  The first frame goes alone:
   the path (ARP, a cold receive queue) is ready before the burst, so the
   burst is not dropped and retried out of nonce order. */
static void send_window(const opts_t *o, int fd, frame_t *frames, uint64_t nframes, udp_run_t *u, double t)
{
    uint64_t win = u->answered ? o->window : 1;
    if (u->busy_mode) return;
    double pace = o->rate ? 1.0 / (double)o->rate : 0;
    while (u->next < nframes && u->in_flight < win && (!o->rate || t - u->t0 >= (double)(u->next * o->batch) * pace)) {
        frame_t *f = &frames[u->next];
        /* Stamped before the send: a generator taken off its core right
           after the send (two shared cores) would stamp after the answer
           came (seen: -3.1 ms at 10,000 tx/s). */
        double at = now();
        if (send(fd, f->p, f->len, 0) != (ssize_t)f->len) break;
        f->sent_at = f->last_sent = at;
        f->tries = 1;
        u->in_flight++;
        u->next++;
    }
}

#define TRIES_MAX 5 /* sends of a frame without any answer before it is given up */

/* f had no answer after TRIES_MAX sends: counted as answered, and lost. */
static void give_up(udp_run_t *u, frame_t *f)
{
    f->answered_at = -1;
    u->answered++;
    u->in_flight--;
}

/* A round after "busy" refusals: up to cwnd frames not yet answered go
   again in order, those refused and those with no answer for 100 ms (a
   "busy" answer lost on the way must not let a later frame in first; the
   box drops, or answers again, a copy of a frame it already has).  The
   round stops at a frame sent less than 100 ms ago with no answer yet (it
   is likely queued in the box: nothing after it goes first).  The rest wait
   for the next round, a pause later. */
static void send_again(const opts_t *o, int fd, frame_t *frames, udp_run_t *u, double t)
{
    u->busy_at = 0;
    if (u->busy_hit) u->cwnd = u->cwnd > 1 ? u->cwnd / 2 : 1;
    else u->cwnd = u->cwnd + 8 < o->window ? u->cwnd + 8 : o->window;
    u->busy_hit = 0;
    uint64_t sent = 0, i = u->oldest;
    for (; i < u->next && sent < u->cwnd; i++) {
        frame_t *f = &frames[i];
        if (f->answered_at != 0) continue;
        if (!f->busy && t - f->last_sent < 0.1) break;
        if (!f->busy && f->tries++ >= TRIES_MAX) {
            give_up(u, f);
            continue;
        }
        f->busy = 0;
        f->last_sent = t;
        if (send(fd, f->p, f->len, 0) == (ssize_t)f->len) u->resent++;
        sent++;
    }
    /* Another round while any frame is unanswered (one just sent again may
       get no answer at all: no timeout resends while in busy mode). */
    for (i = u->oldest; i < u->next && !u->busy_at; i++)
        if (frames[i].answered_at == 0) u->busy_at = t + 0.001 * (double)(u->busy_rounds < 20 ? ++u->busy_rounds : 20);
}

/* Frames unanswered past the timeout go again (same sequence number); after
   TRIES_MAX sends they are given up. */
static void retry(const opts_t *o, int fd, frame_t *frames, udp_run_t *u, double t)
{
    while (u->oldest < u->next && frames[u->oldest].answered_at != 0) u->oldest++;
    if (u->oldest == u->next) u->busy_mode = 0;
    if (u->busy_at > 0 && t >= u->busy_at) send_again(o, fd, frames, u, t);
    /* While frames refused busy wait, only send_again resends: a timed-out
       frame sent here could pass one of them. */
    if (u->busy_mode) return;
    for (uint64_t i = u->oldest; i < u->next && i < u->oldest + o->window; i++) {
        frame_t *f = &frames[i];
        if (f->answered_at != 0 || t - f->last_sent <= (double)o->timeout_ms / 1000) continue; /* (no refused frame outside busy mode) */
        if (f->tries >= TRIES_MAX) give_up(u, f);
        else if (send(fd, f->p, f->len, 0) == (ssize_t)f->len) {
            f->tries++;
            f->last_sent = t;
            u->resent++;
        }
    }
}

/* A confirmation frame (kind 3 durable, kind 5 executed): the time each
   of its transactions was first confirmed. */
static void confirmed(const opts_t *o, const uint8_t *buf, size_t len, double t, frame_t *frames, uint64_t nframes,
                      udp_run_t *u)
{
    zs_frame_head_t h;
    zs_confirm_entry_t e[ZS_FRAME_MAX_TXS];
    if (zs_frame_parse_confirm(buf, len, o->keylen ? o->key : NULL, o->keylen, &h, e) || h.client != o->client ||
        h.seq < 1 || h.seq > nframes || !frames[h.seq - 1].hash) {
        u->bad_answers++;
        return;
    }
    frame_t *f = &frames[h.seq - 1];
    double *at = h.kind == ZS_FRAME_EXECUTED ? f->exec_at : f->durable_at;
    for (uint16_t i = 0; i < h.n; i++)
        for (uint16_t j = 0; j < f->ntx; j++)
            if (!memcmp(f->hash[j], e[i].hash, 32) && at[j] == 0) {
                at[j] = t;
                u->confirms++;
            }
}

/* Every answer waiting on the socket. */
static void receive(const opts_t *o, int fd, frame_t *frames, uint64_t nframes, udp_run_t *u)
{
    uint8_t buf[ZS_FRAME_MAX];
    ssize_t k;
    double t;
    while ((k = zs_udpstamp_recv(fd, buf, sizeof buf, &t)) > 0) { /* t: when it arrived */
        int kind = zs_frame_kind(buf, (size_t)k);
        if (kind == ZS_FRAME_CONFIRM || kind == ZS_FRAME_EXECUTED) {
            confirmed(o, buf, (size_t)k, t, frames, nframes, u);
            continue;
        }
        zs_frame_head_t h;
        uint16_t why;
        zs_answer_entry_t e[ZS_FRAME_MAX_TXS];
        if (zs_frame_parse_answer(buf, (size_t)k, o->keylen ? o->key : NULL, o->keylen, &h, e, &why) ||
            h.client != o->client || h.seq < 1 || h.seq > nframes) {
            u->bad_answers++;
            continue;
        }
        uint16_t n = h.n;
        frame_t *f = &frames[h.seq - 1];
        if (f->answered_at != 0) continue; /* a duplicate answer to a retry */
        if (h.kind == ZS_FRAME_REFUSED && why == ZS_FRAME_BUSY) {
            /* The box's queue was full: every frame refused so goes again,
               in order, after a pause that grows while the box stays full. */
            u->busy++;
            u->busy_mode = u->busy_hit = 1;
            f->busy = 1;
            if (!u->busy_at) {
                u->busy_rounds++;
                u->busy_at = now() + 0.001 * (double)(u->busy_rounds < 20 ? u->busy_rounds : 20);
            }
            continue;
        }
        if (h.kind != ZS_FRAME_REFUSED) u->busy_rounds = 0;
        f->busy = 0; /* an earlier copy may have got in */
        f->answered_at = u->last_answer = t;
        u->answered++;
        u->in_flight--;
        if (h.kind == ZS_FRAME_REFUSED) {
            u->refused_frames++;
            continue;
        }
        for (uint16_t i = 0; i < n; i++) {
            if (e[i].status == 0) u->accepted++;
            else if (e[i].reason < ZS_POOL_REASON_COUNT) u->refused[e[i].reason]++;
        }
    }
}

/* --confirm over frames: send to executed and to durable per transaction
   (microseconds, from the frame's first send). */
static json_t *frame_confirm_stats(const frame_t *frames, uint64_t nframes)
{
    size_t n = 0, nx = 0, nd = 0;
    for (uint64_t i = 0; i < nframes; i++) n += frames[i].ntx;
    double *lx = malloc((n ? n : 1) * sizeof *lx), *ld = malloc((n ? n : 1) * sizeof *ld);
    if (!lx || !ld) die("%s", "out of memory");
    for (uint64_t i = 0; i < nframes; i++)
        for (uint16_t j = 0; j < frames[i].ntx; j++) {
            if (frames[i].exec_at[j] > 0) lx[nx++] = (frames[i].exec_at[j] - frames[i].sent_at) * 1e6;
            if (frames[i].durable_at[j] > 0) ld[nd++] = (frames[i].durable_at[j] - frames[i].sent_at) * 1e6;
        }
    json_t *o = json_pack("{s:o,s:o}", "executed_us", pcts(lx, nx), "durable_us", pcts(ld, nd));
    free(lx);
    free(ld);
    return o;
}

static int run_udp(const opts_t *o, const struct sockaddr_in *to, frame_t *frames, uint64_t nframes)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    zs_udpstamp_on(fd); /* answers timed by the kernel's receive timestamp */
    if (fd < 0 || connect(fd, (const struct sockaddr *)to, sizeof *to)) die("cannot reach %s", o->udp);
    udp_run_t u = {.t0 = now(), .cwnd = o->window};
    u.last_answer = u.t0;
    while (u.answered < nframes) {
        double t = now();
        send_window(o, fd, frames, nframes, &u, t);
        retry(o, fd, frames, &u, t);
        /* Sleep until an answer comes or the next frame is due (no busy
           loop: the load generator must not take a core from the box).
           At a set rate with the next frame due and room in the window, it
           sleeps until then and takes the answers afterwards (their times
           are the kernel's): 17% of a core while sending 10,000 frames a
           second, against 19% waking for each answer. */
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        double wait = 1e-3;
        int paced = 0;
        if (u.busy_mode) { /* nothing new goes before the frames refused "busy" */
            if (u.busy_at > 0) wait = u.busy_at - now() < wait ? u.busy_at - now() : wait;
            if (wait < 0) wait = 0;
        } else if (u.next < nframes && u.in_flight < (u.answered ? o->window : 1)) {
            wait = o->rate ? u.t0 + (double)(u.next * o->batch) / (double)o->rate - now() : 0;
            if (wait < 0) wait = 0;
            paced = o->rate && u.answered && wait < 1e-3;
        }
        struct timespec ts = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
        if (paced) {
            nanosleep(&ts, NULL);
            receive(o, fd, frames, nframes, &u);
        } else if (ppoll(&pfd, 1, &ts, NULL) > 0) {
            receive(o, fd, frames, nframes, &u);
        }
    }
    double answered_t = u.last_answer;
    /* --confirm: the confirmations still on their way (both kinds for every
       accepted transaction), for as long as they keep coming. */
    for (double last = now(), seen = 0; o->confirm && u.confirms < 2 * u.accepted && now() - last < 5;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 10) > 0) receive(o, fd, frames, nframes, &u);
        if ((double)u.confirms > seen) seen = (double)u.confirms, last = now();
    }
    close(fd);
    double *lat = malloc(nframes * sizeof *lat);
    uint64_t nl = 0, lost = 0;
    for (uint64_t i = 0; i < nframes; i++) {
        if (frames[i].answered_at > 0) lat[nl++] = (frames[i].answered_at - frames[i].sent_at) * 1e6;
        else lost++;
    }
    json_t *extra = o->confirm ? frame_confirm_stats(frames, nframes) : json_object();
    json_object_set_new(extra, "busy_refusals", json_integer((json_int_t)u.busy));
    report(o->json, o->udp, o->count, nframes, lost, u.refused_frames, u.resent, u.accepted, u.refused,
           answered_t - u.t0, lat, nl, extra);
    json_decref(extra);
    free(lat);
    return lost ? 1 : 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    parse_args(argc, argv, &o);
    if (o.rpc_url) return run_rpc(&o);
    char host[64];
    const char *colon = strrchr(o.udp, ':');
    if (!colon || (size_t)(colon - o.udp) >= sizeof host) die("bad --udp %s", o.udp);
    memcpy(host, o.udp, (size_t)(colon - o.udp));
    host[colon - o.udp] = 0;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) die("bad --udp %s", o.udp);
    uint64_t nframes;
    frame_t *frames = build_frames(&o, &nframes);
    int rc;
    if (o.pcap) { /* only write the frames (to --udp's address), for a replay */
        if (write_pcap(o.pcap, &to, frames, nframes)) die("cannot write %s", o.pcap);
        printf("wrote %llu frames (%llu transactions) to %s\n", (unsigned long long)nframes, (unsigned long long)o.count,
               o.pcap);
        rc = 0;
    } else {
        rc = run_udp(&o, &to, frames, nframes);
    }
    for (uint64_t i = 0; i < nframes; i++) {
        free(frames[i].p);
        free(frames[i].hash);
        free(frames[i].exec_at);
        free(frames[i].durable_at);
    }
    free(frames);
    return rc;
}
