#include "tools/txgen/txgen_confirm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"
#include "tools/common/zs_httpc.h"

typedef struct {
    uint8_t hash[32];
    size_t idx;
} entry_t;

struct txgen_confirm {
    uint16_t port;
    entry_t *by_hash; /* sorted by hash */
    size_t n;
    double *exec_t, *durable_t;
    size_t durable_seen, exec_seen;
    int feed_fd;
    volatile int stop;
    pthread_mutex_t mu;
    pthread_t feed, blocks;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_entry(const void *a, const void *b)
{
    return memcmp(((const entry_t *)a)->hash, ((const entry_t *)b)->hash, 32);
}

/* The load's index of a 0x-hash at p (66 characters), or -1. */
static long lookup(const txgen_confirm_t *c, const char *p)
{
    entry_t key;
    char hex[67];
    memcpy(hex, p, 66);
    hex[66] = 0;
    if (zs_hex_decode_exact(key.hash, 32, hex)) return -1;
    entry_t *e = bsearch(&key, c->by_hash, c->n, sizeof *c->by_hash, cmp_entry);
    return e ? (long)e->idx : -1;
}

/* Every "transactionHash":"0x..." in text marked executed now. */
static void mark_executed(txgen_confirm_t *c, const char *text, double t)
{
    static const char tag[] = "\"transactionHash\":\"";
    for (const char *p = strstr(text, tag); p; p = strstr(p + 1, tag)) {
        const char *h = p + sizeof tag - 1;
        if (strlen(h) < 66) break;
        long i = lookup(c, h);
        if (i >= 0 && !c->exec_t[i]) {
            c->exec_t[i] = t;
            c->exec_seen++;
        }
    }
}

/* The feed over HTTP/1.0 (no chunked framing): events as they come. */
static void *feed_main(void *arg)
{
    txgen_confirm_t *c = arg;
    char buf[65536];
    size_t have = 0;
    while (!c->stop) {
        struct pollfd pf = {c->feed_fd, POLLIN, 0};
        if (poll(&pf, 1, 200) <= 0) continue;
        ssize_t r = recv(c->feed_fd, buf + have, sizeof buf - 1 - have, 0);
        if (r <= 0) break;
        double t = now();
        have += (size_t)r;
        buf[have] = 0;
        /* Whole events end with a blank line; keep the partial tail. */
        char *end = NULL;
        for (char *p = strstr(buf, "\n\n"); p; p = strstr(p + 2, "\n\n")) end = p + 2;
        if (!end) {
            if (have == sizeof buf - 1) have = 0; /* one line longer than the buffer: not an event of ours */
            continue;
        }
        char keep = *end;
        *end = 0;
        pthread_mutex_lock(&c->mu);
        mark_executed(c, buf, t);
        pthread_mutex_unlock(&c->mu);
        *end = keep;
        have -= (size_t)(end - buf);
        memmove(buf, end, have);
    }
    return NULL;
}

/* New blocks: their transactions marked durable when first seen. */
static void *blocks_main(void *arg)
{
    txgen_confirm_t *c = arg;
    size_t cap = 8 << 20;
    char *resp = malloc(cap), body[200];
    uint64_t seen = 0;
    zs_httpc_t h;
    if (!resp || zs_httpc_open(&h, c->port)) {
        free(resp);
        return NULL;
    }
    static const char num[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}";
    if (!zs_httpc_post(&h, num, sizeof num - 1) && !zs_httpc_read(&h, resp, cap) && strstr(resp, "\"result\":\""))
        seen = strtoull(strstr(resp, "\"result\":\"") + 10, NULL, 16);
    while (!c->stop) {
        if (zs_httpc_post(&h, num, sizeof num - 1) || zs_httpc_read(&h, resp, cap)) break;
        const char *q = strstr(resp, "\"result\":\"");
        uint64_t head = q ? strtoull(q + 10, NULL, 16) : seen;
        double t = now();
        for (uint64_t b = seen + 1; b <= head; b++) {
            snprintf(body, sizeof body,
                     "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x%llx\",false]}",
                     (unsigned long long)b);
            if (zs_httpc_post(&h, body, strlen(body)) || zs_httpc_read(&h, resp, cap)) goto out;
            const char *txs = strstr(resp, "\"transactions\":[");
            pthread_mutex_lock(&c->mu);
            for (const char *p = txs ? strstr(txs, "\"0x") : NULL; p && p[1] == '0' && strlen(p) > 67 && p[67] == '"';
                 p = strstr(p + 67, "\"0x")) {
                long i = lookup(c, p + 1);
                if (i >= 0 && !c->durable_t[i]) {
                    c->durable_t[i] = t;
                    c->durable_seen++;
                }
            }
            pthread_mutex_unlock(&c->mu);
        }
        seen = head > seen ? head : seen;
        if (head == seen) usleep(300);
    }
out:
    zs_httpc_close(&h);
    free(resp);
    return NULL;
}

txgen_confirm_t *txgen_confirm_start(uint16_t port, const uint8_t (*hashes)[32], size_t n)
{
    txgen_confirm_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->port = port;
    c->n = n;
    c->by_hash = malloc((n ? n : 1) * sizeof *c->by_hash);
    c->exec_t = calloc(n ? n : 1, sizeof(double));
    c->durable_t = calloc(n ? n : 1, sizeof(double));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->feed_fd = socket(AF_INET, SOCK_STREAM, 0);
    static const char req[] = "GET /executed HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (!c->by_hash || !c->exec_t || !c->durable_t || c->feed_fd < 0 ||
        connect(c->feed_fd, (struct sockaddr *)&sa, sizeof sa) ||
        send(c->feed_fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
        if (c->feed_fd >= 0) close(c->feed_fd);
        free(c->by_hash);
        free(c->exec_t);
        free(c->durable_t);
        free(c);
        return NULL;
    }
    /* The feed's opening comment: from here on zkseqd counts every
       execution for it, so none of the load's comes before the feed. */
    char head[4096];
    size_t got = 0;
    while (got < sizeof head - 1 && (got < 4 || !strstr(head, "executed transactions\n\n"))) {
        struct pollfd pf = {c->feed_fd, POLLIN, 0};
        ssize_t r = poll(&pf, 1, 5000) > 0 ? recv(c->feed_fd, head + got, sizeof head - 1 - got, 0) : -1;
        if (r <= 0) break;
        got += (size_t)r;
        head[got] = 0;
    }
    if (!got || !strstr(head, "executed transactions\n\n")) {
        close(c->feed_fd);
        free(c->by_hash);
        free(c->exec_t);
        free(c->durable_t);
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(c->by_hash[i].hash, hashes[i], 32);
        c->by_hash[i].idx = i;
    }
    qsort(c->by_hash, n, sizeof *c->by_hash, cmp_entry);
    pthread_mutex_init(&c->mu, NULL);
    pthread_create(&c->feed, NULL, feed_main, c);
    pthread_create(&c->blocks, NULL, blocks_main, c);
    return c;
}

void txgen_confirm_finish(txgen_confirm_t *c, int ms, double *exec_t, double *durable_t)
{
    /* Every block, then the feed's last events (which may trail the
       blocks on a busy box): 2 s more at most. */
    double t0 = now(), t1 = 0;
    for (; now() - t0 < ms / 1e3 && (!t1 || now() - t1 < 2.0); usleep(2000)) {
        pthread_mutex_lock(&c->mu);
        int blocks = c->durable_seen == c->n, all = blocks && c->exec_seen == c->n;
        pthread_mutex_unlock(&c->mu);
        if (all) break;
        if (blocks && !t1) t1 = now();
    }
    c->stop = 1;
    pthread_join(c->feed, NULL);
    pthread_join(c->blocks, NULL);
    close(c->feed_fd);
    memcpy(exec_t, c->exec_t, c->n * sizeof *exec_t);
    memcpy(durable_t, c->durable_t, c->n * sizeof *durable_t);
    pthread_mutex_destroy(&c->mu);
    free(c->by_hash);
    free(c->exec_t);
    free(c->durable_t);
    free(c);
}
