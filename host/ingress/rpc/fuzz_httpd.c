/* Fuzzes the JSON-RPC port's HTTP server (zs_httpd) over a real socket:
   each input is what one client sends on a connection before it shuts its
   side; whatever comes back must be HTTP/1.1 answers, and the server must
   neither crash, leak nor hang (the connection closes once the client's
   requests are answered). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "host/ingress/rpc/zs_httpd.h"

static zs_httpd_t *server;

/* Every request answered at once: its method, url and body length. */
static void on_round(void *ctx, zs_httpd_req_t *const *reqs, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
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
    zs_httpd_free(server);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[200];
    zs_httpd_cfg_t cfg = {.host = "127.0.0.1", .max_conns = 16, .max_body = 4096, .timeout_s = 2,
                          .on_round = on_round};
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
