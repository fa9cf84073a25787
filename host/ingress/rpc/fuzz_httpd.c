/* Fuzzes the JSON-RPC port's HTTP server (zs_httpd) over a real socket:
   each input is what one client sends on a connection before it shuts its
   side; whatever comes back must be HTTP/1.1 answers, and the server must
   neither crash, leak nor hang (the connection closes once the client's
   requests are answered).  A request for a url that starts "/s" is
   answered with a stream, given three pushes and then ended. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "host/ingress/rpc/zs_httpd.h"

static zs_httpd_t *server;

/* The streams (the server's thread's): each pushed to on every wake, ended
   after its third push or once gone. */
#define NSTREAMS 64
static struct {
    zs_httpd_push_t *p;
    int pushes;
} streams[NSTREAMS];

static int open_stream(zs_httpd_req_t *q)
{
    for (int i = 0; i < NSTREAMS; i++) {
        if (streams[i].p) continue;
        if (!(streams[i].p = zs_httpd_push_open(q, "text/event-stream"))) return -1;
        streams[i].pushes = 0;
        return 0;
    }
    return -1;
}

static uint64_t on_wake(void *ctx)
{
    (void)ctx;
    int any = 0;
    for (int i = 0; i < NSTREAMS; i++) {
        if (!streams[i].p) continue;
        if (zs_httpd_push(streams[i].p, "data: x\n\n", 9) || ++streams[i].pushes == 3) {
            zs_httpd_push_end(streams[i].p);
            streams[i].p = NULL;
        }
        any |= streams[i].p != NULL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (any ? 1000000ull : 1000000000ull);
}

/* Every request answered at once: its method, url and body length. */
static void on_round(void *ctx, zs_httpd_req_t *const *reqs, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(zs_httpd_url(reqs[i]), "/s", 2) && !open_stream(reqs[i])) continue;
        size_t len;
        zs_httpd_body(reqs[i], &len);
        char *b = malloc(160);
        int k = b ? snprintf(b, 160, "%s %.64s %zu %d", zs_httpd_method(reqs[i]), zs_httpd_url(reqs[i]), len,
                             zs_httpd_too_large(reqs[i]))
                  : 0;
        zs_httpd_answer(reqs[i], zs_httpd_too_large(reqs[i]) ? 413 : 200, "text/plain", b, (size_t)k);
    }
}

static void cleanup(void)
{
    zs_httpd_stop(server);
    for (int i = 0; i < NSTREAMS; i++) zs_httpd_push_end(streams[i].p);
    zs_httpd_free(server);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[200];
    zs_httpd_cfg_t cfg = {.host = "127.0.0.1", .max_conns = 16, .max_body = 4096, .timeout_s = 2,
                          .on_round = on_round, .on_wake = on_wake};
    if (!(server = zs_httpd_start(&cfg, err, sizeof err))) {
        fprintf(stderr, "fuzz_httpd: %s\n", err);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(zs_httpd_port(server))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) abort();
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (size) (void)send(fd, data, size, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    char buf[4096];
    size_t got = 0;
    for (;;) {
        ssize_t k = recv(fd, buf + got, sizeof buf - got, 0);
        if (k <= 0) {
            if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) abort(); /* the server held a finished client */
            break;
        }
        if (got < 9 && got + (size_t)k >= 9 && memcmp(buf, "HTTP/1.1 ", 9)) abort(); /* not an HTTP answer */
        got = got + (size_t)k < 9 ? got + (size_t)k : 9;                            /* the first bytes are kept */
    }
    close(fd);
    return 0;
}
