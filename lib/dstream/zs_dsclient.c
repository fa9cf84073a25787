#include "lib/dstream/zs_dsclient.h"

#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[7 - i] = (uint8_t)(v >> (8 * i));
}

int zs_dsclient_connect(zs_dsclient_t *c, const char *hostport, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = timeout_ms;
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof host || !colon[1]) {
        snprintf(c->err, sizeof c->err, "want HOST:PORT, not '%.120s'", hostport);
        return ZS_ERR_INVAL;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai)) {
        snprintf(c->err, sizeof c->err, "cannot resolve %.120s", host);
        return ZS_ERR_IO;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? ZS_OK : ZS_ERR_IO;
    freeaddrinfo(ai);
    if (rc) {
        if (fd >= 0) close(fd);
        snprintf(c->err, sizeof c->err, "cannot connect to %.120s", hostport);
        return rc;
    }
    c->fd = fd;
    return ZS_OK;
}

void zs_dsclient_close(zs_dsclient_t *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

size_t zs_dsclient_buffered(const zs_dsclient_t *c)
{
    return c->have - c->pos;
}

static int get_all(zs_dsclient_t *c, uint8_t *p, size_t n)
{
    while (n) {
        if (c->pos < c->have) {
            size_t k = c->have - c->pos < n ? c->have - c->pos : n;
            memcpy(p, c->in + c->pos, k);
            c->pos += k;
            p += k;
            n -= k;
            continue;
        }
        struct pollfd pf = {c->fd, POLLIN, 0};
        int pr = poll(&pf, 1, c->timeout_ms);
        if (pr == 0) {
            snprintf(c->err, sizeof c->err, "the server sent nothing for %d ms", c->timeout_ms);
            return ZS_ERR_TIMEOUT;
        }
        ssize_t r = pr > 0 ? recv(c->fd, c->in, sizeof c->in, 0) : -1;
        if (r <= 0) {
            snprintf(c->err, sizeof c->err, "the server closed the connection");
            return ZS_ERR_IO;
        }
        c->pos = 0;
        c->have = (size_t)r;
    }
    return ZS_OK;
}

int zs_dsclient_packet(zs_dsclient_t *c, uint8_t **p, uint32_t *len)
{
    uint8_t h[5];
    int rc = get_all(c, h, 5);
    if (rc) return rc;
    *len = h[0] == ZS_DS_PT_HEADER ? ZS_DS_HEADER_LEN : zs_ds_packet_length(h);
    if (*len < 5 || *len > ZS_DS_DATA_PAGE) {
        snprintf(c->err, sizeof c->err, "a packet of %u bytes", *len);
        return ZS_ERR_PARSE;
    }
    if (!(*p = malloc(*len))) return ZS_ERR_NOMEM;
    memcpy(*p, h, 5);
    if ((rc = get_all(c, *p + 5, *len - 5))) {
        free(*p);
        *p = NULL;
    }
    return rc;
}

int zs_dsclient_command(zs_dsclient_t *c, uint64_t cmd, const uint8_t *arg, size_t n)
{
    uint8_t b[16 + 4 + ZS_DS_MAX_BOOKMARK];
    if (n > sizeof b - 16) return ZS_ERR_INVAL;
    be64_put(b, cmd);
    be64_put(b + 8, ZS_DS_STREAM_SEQUENCER);
    if (n) memcpy(b + 16, arg, n);
    if (send(c->fd, b, 16 + n, MSG_NOSIGNAL) != (ssize_t)(16 + n)) {
        snprintf(c->err, sizeof c->err, "cannot send to the server");
        return ZS_ERR_IO;
    }
    uint8_t *r;
    uint32_t len;
    int rc = zs_dsclient_packet(c, &r, &len);
    if (rc) return rc;
    uint32_t err = len >= ZS_DS_RESULT_FIXED ? (uint32_t)r[5] << 24 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 8 | r[8] : 0;
    if (r[0] != ZS_DS_PT_RESULT || len < ZS_DS_RESULT_FIXED) {
        snprintf(c->err, sizeof c->err, "no result packet");
        rc = ZS_ERR_PARSE;
    } else if (err) {
        snprintf(c->err, sizeof c->err, "the server answered error %u: %.*s", err, (int)(len - 9),
                 (const char *)r + 9);
        rc = ZS_ERR_REFUSED;
    }
    free(r);
    return rc;
}

int zs_dsclient_header(zs_dsclient_t *c, zs_ds_header_t *h)
{
    int rc = zs_dsclient_command(c, ZS_DS_CMD_HEADER, NULL, 0);
    uint8_t *p = NULL;
    uint32_t len;
    if (!rc) rc = zs_dsclient_packet(c, &p, &len);
    if (!rc && (len != ZS_DS_HEADER_LEN || zs_ds_header_decode(p, h))) {
        snprintf(c->err, sizeof c->err, "no header packet");
        rc = ZS_ERR_PARSE;
    }
    free(p);
    return rc;
}

int zs_dsclient_start(zs_dsclient_t *c, uint64_t from)
{
    uint8_t a[8];
    be64_put(a, from);
    return zs_dsclient_command(c, ZS_DS_CMD_START, a, 8);
}

int zs_dsclient_start_bookmark(zs_dsclient_t *c, uint32_t type, uint64_t value)
{
    uint8_t a[4 + ZS_DS_MAX_BOOKMARK];
    long n = zs_ds_bookmark(type, value, a + 4, ZS_DS_MAX_BOOKMARK);
    if (n < 0) return (int)n;
    a[0] = a[1] = 0;
    a[2] = (uint8_t)(n >> 8);
    a[3] = (uint8_t)n;
    return zs_dsclient_command(c, ZS_DS_CMD_START_BOOKMARK, a, 4 + (size_t)n);
}
