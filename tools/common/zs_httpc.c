#include "tools/common/zs_httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* The largest answer body taken (the tools read small JSON-RPC answers). */
#define MAX_BODY (64LL << 20)

int zs_httpc_open(zs_httpc_t *c, uint16_t port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa)) {
        close(c->fd);
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->cap = 1 << 16;
    c->buf = malloc(c->cap);
    return c->buf ? 0 : -1;
}

void zs_httpc_close(zs_httpc_t *c)
{
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) {
            if (k < 0 && errno == EINTR) continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int zs_httpc_post(zs_httpc_t *c, const char *body, size_t blen)
{
    char head[160];
    int h = snprintf(head, sizeof head,
                     "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     blen);
    return send_all(c->fd, head, (size_t)h) || send_all(c->fd, body, blen) ? -1 : 0;
}

int zs_httpc_get(zs_httpc_t *c, const char *path)
{
    char head[300];
    int h = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    return h < 0 || (size_t)h >= sizeof head || send_all(c->fd, head, (size_t)h) ? -1 : 0;
}

int zs_httpc_read(zs_httpc_t *c, char *out, size_t cap)
{
    for (;;) {
        char *end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t hlen = (size_t)(end - c->buf) + 4, clen = 0;
            for (char *p = c->buf; p < end; p++)
                if ((p == c->buf || p[-1] == '\n') && !strncasecmp(p, "content-length:", 15)) {
                    char *e;
                    long long v = strtoll(p + 15, &e, 10);
                    if (e == p + 15 || v < 0 || v > MAX_BODY) return -1; /* not an answer we can take */
                    clen = (size_t)v;
                }
            if (c->len >= hlen + clen) {
                size_t n = clen < cap - 1 ? clen : cap - 1;
                memcpy(out, c->buf + hlen, n);
                out[n] = 0;
                memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
                c->len -= hlen + clen;
                return 0;
            }
        }
        if (c->len == c->cap) {
            char *nb = realloc(c->buf, c->cap * 2);
            if (!nb) return -1;
            c->buf = nb;
            c->cap *= 2;
        }
        ssize_t k = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (k <= 0) {
            if (k < 0 && errno == EINTR) continue;
            return -1;
        }
        c->len += (size_t)k;
    }
}


int zs_httpc_call(uint16_t port, const char *body, char *out, size_t cap)
{
    zs_httpc_t c;
    if (zs_httpc_open(&c, port)) return -1;
    int rc = zs_httpc_post(&c, body, strlen(body)) || zs_httpc_read(&c, out, cap) ? -1 : 0;
    zs_httpc_close(&c);
    return rc;
}
