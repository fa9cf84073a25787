/* The data stream's TCP server (zs_dsserver.h). */
#include "host/stream/zs_dsserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/log/zs_log.h"

struct zs_dsserver {
    zs_dsfile_t *f;
    zs_dsserver_opts_t o;
    int lfd;
    uint16_t port;
    pthread_t acceptor;
    int stop; /* atomic */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zs_dsserver_stats_t st;
};

typedef struct {
    zs_dsserver_t *s;
    int fd;
    char who[64];
    int streaming;
    uint64_t next;
} client_t;

enum { GO_ON = 0, DROP = -1 };

/* ---- Sending and reading with time limits. */

static int send_all(client_t *c, const uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pf = {c->fd, POLLOUT, 0};
        int r = poll(&pf, 1, c->s->o.write_timeout_ms);
        if (r == 0) {
            zs_log_kv(ZS_LOG_WARN, "stream", "client cut off: it did not read", "client", c->who, NULL);
            pthread_mutex_lock(&c->s->mu);
            c->s->st.cut_off++;
            pthread_mutex_unlock(&c->s->mu);
            return DROP;
        }
        ssize_t w = r > 0 ? send(c->fd, p, n, MSG_NOSIGNAL) : -1;
        if (w <= 0) return DROP;
        p += w;
        n -= (size_t)w;
    }
    return GO_ON;
}

/* Exactly n bytes of a command (a client that stops mid-command for 10 s
   is dropped). */
static int read_all(client_t *c, uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, 10000) <= 0) return DROP;
        ssize_t r = recv(c->fd, p, n, 0);
        if (r <= 0) return DROP;
        p += r;
        n -= (size_t)r;
    }
    return GO_ON;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static int result(client_t *c, uint32_t err, const char *text)
{
    uint8_t b[128];
    return send_all(c, b, zs_ds_result_encode(err, text, b));
}

/* ---- Commands. */

/* A bookmark argument: u32 length (at most 16), the bytes. */
static int read_bookmark(client_t *c, uint8_t *bm, uint32_t *len)
{
    uint8_t l[4];
    if (read_all(c, l, 4)) return DROP;
    *len = (uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3];
    if (*len > ZS_DS_MAX_BOOKMARK) {
        zs_log_kv(ZS_LOG_WARN, "stream", "client dropped: a bookmark longer than 16 bytes", "client", c->who, NULL);
        return DROP;
    }
    return read_all(c, bm, *len);
}

/* Entry `n` sent as a command's answer (packet 0xfe; not found: type
   0xffffffff). */
static int send_entry_rsp(client_t *c, uint64_t n)
{
    uint8_t *p = NULL, nf[ZS_DS_ENTRY_FIXED];
    size_t len;
    if (zs_dsfile_entry(c->s->f, n, &p, &len)) {
        zs_ds_entry_t e = {.packet = ZS_DS_PT_DATA_RSP, .type = ZS_DS_ET_NOT_FOUND};
        return send_all(c, nf, zs_ds_entry_encode(&e, nf));
    }
    p[0] = ZS_DS_PT_DATA_RSP;
    int rc = send_all(c, p, len);
    free(p);
    return rc;
}

/* The first entry after a bookmark that is not a bookmark. */
static int bookmark_entry(client_t *c, const uint8_t *bm, uint32_t len)
{
    uint64_t n;
    if (zs_dsfile_bookmark(c->s->f, bm, len, &n)) return send_entry_rsp(c, UINT64_MAX);
    for (;; n++) {
        uint8_t *p;
        size_t l;
        if (zs_dsfile_entry(c->s->f, n, &p, &l)) return send_entry_rsp(c, UINT64_MAX);
        uint32_t type = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
        free(p);
        if (type != ZS_DS_ET_BOOKMARK) return send_entry_rsp(c, n);
    }
}

static int start_from(client_t *c, uint64_t from, int ok)
{
    if (c->streaming) return result(c, ZS_DS_ERR_ALREADY_STARTED, "Already started");
    if (!ok) return result(c, ZS_DS_ERR_BAD_FROM_BOOKMARK, "Bad from bookmark");
    if (from > zs_dsfile_header(c->s->f).total_entries) return result(c, ZS_DS_ERR_BAD_FROM_ENTRY, "Bad from entry");
    c->streaming = 1;
    c->next = from;
    return result(c, ZS_DS_OK, "OK");
}

/* Long because it is the protocol's command table: each command reads its
   arguments, checks the client's state and answers as zkevm-data-streamer
   does. */
static int command(client_t *c)
{
    uint8_t h[16], arg[8], bm[ZS_DS_MAX_BOOKMARK];
    uint32_t bl;
    if (read_all(c, h, 16)) return DROP;
    uint64_t cmd = be64(h), st = be64(h + 8);
    if (st != ZS_DS_STREAM_SEQUENCER) {
        zs_log_kv(ZS_LOG_WARN, "stream", "client dropped: a stream type other than the sequencer's", "client", c->who,
                  NULL);
        return DROP;
    }
    switch (cmd) {
    case ZS_DS_CMD_START:
        return read_all(c, arg, 8) ? DROP : start_from(c, be64(arg), 1);
    case ZS_DS_CMD_START_BOOKMARK: {
        if (read_bookmark(c, bm, &bl)) return DROP;
        uint64_t n = 0;
        int found = zs_dsfile_bookmark(c->s->f, bm, bl, &n) == ZS_OK;
        return start_from(c, n, found);
    }
    case ZS_DS_CMD_STOP:
        if (!c->streaming) return result(c, ZS_DS_ERR_ALREADY_STOPPED, "Already stopped");
        c->streaming = 0;
        return result(c, ZS_DS_OK, "OK");
    case ZS_DS_CMD_HEADER: {
        if (c->streaming) return result(c, ZS_DS_ERR_ALREADY_STARTED, "Already started");
        zs_ds_header_t hd = zs_dsfile_header(c->s->f);
        uint8_t b[ZS_DS_HEADER_LEN];
        zs_ds_header_encode(&hd, b);
        return result(c, ZS_DS_OK, "OK") ? DROP : send_all(c, b, sizeof b);
    }
    case ZS_DS_CMD_ENTRY:
        if (read_all(c, arg, 8)) return DROP;
        if (c->streaming) return result(c, ZS_DS_ERR_ALREADY_STARTED, "Already started");
        return result(c, ZS_DS_OK, "OK") ? DROP : send_entry_rsp(c, be64(arg));
    case ZS_DS_CMD_BOOKMARK:
        if (read_bookmark(c, bm, &bl)) return DROP;
        if (c->streaming) return result(c, ZS_DS_ERR_ALREADY_STARTED, "Already started");
        return result(c, ZS_DS_OK, "OK") ? DROP : bookmark_entry(c, bm, bl);
    default:
        return result(c, ZS_DS_ERR_INVALID_COMMAND, "Invalid command");
    }
}

/* Sends what is committed past c->next (stopping to read a command as soon
   as one arrives). */
static int stream_out(client_t *c)
{
    uint64_t have = zs_dsfile_header(c->s->f).total_entries;
    while (c->streaming && c->next < have && !__atomic_load_n(&c->s->stop, __ATOMIC_RELAXED)) {
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, 0) > 0) return GO_ON; /* a command first */
        uint8_t *p;
        size_t len;
        uint64_t n;
        if (zs_dsfile_run(c->s->f, c->next, 256 * 1024, &p, &len, &n)) return DROP;
        int rc = send_all(c, p, len);
        free(p);
        if (rc) return DROP;
        c->next += n;
        pthread_mutex_lock(&c->s->mu);
        c->s->st.entries_sent += n;
        pthread_mutex_unlock(&c->s->mu);
    }
    return GO_ON;
}

static void *client_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-ds-client");
    client_t *c = arg;
    zs_dsserver_t *s = c->s;
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        if (stream_out(c)) break;
        struct pollfd pf = {c->fd, POLLIN, 0};
        int r = poll(&pf, 1, c->streaming ? 0 : 200);
        if (r > 0) {
            if (command(c)) break;
            continue;
        }
        if (r < 0) break;
        if (c->streaming) (void)zs_dsfile_wait(s->f, c->next, 200);
    }
    close(c->fd);
    pthread_mutex_lock(&s->mu);
    s->st.clients--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    free(c);
    return NULL;
}

static void *acceptor_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-ds-serve");
    zs_dsserver_t *s = arg;
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        struct pollfd pf = {s->lfd, POLLIN, 0};
        if (poll(&pf, 1, 200) <= 0) continue;
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        int fd = accept4(s->lfd, (struct sockaddr *)&a, &al, SOCK_CLOEXEC);
        if (fd < 0) continue;
        pthread_mutex_lock(&s->mu);
        int full = s->st.clients >= s->o.max_clients;
        if (full) s->st.refused++;
        else s->st.clients++, s->st.accepted++;
        pthread_mutex_unlock(&s->mu);
        client_t *c = full ? NULL : calloc(1, sizeof *c);
        pthread_t t;
        if (c) {
            c->s = s;
            c->fd = fd;
            snprintf(c->who, sizeof c->who, "%s:%u", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
            int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (!c || pthread_create(&t, NULL, client_main, c)) {
            close(fd);
            free(c);
            if (!full) {
                pthread_mutex_lock(&s->mu);
                s->st.clients--;
                pthread_mutex_unlock(&s->mu);
            }
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

zs_dsserver_t *zs_dsserver_start(zs_dsfile_t *f, const zs_dsserver_opts_t *o, char *err, size_t errlen)
{
    zs_dsserver_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->f = f;
    s->o = *o;
    if (s->o.write_timeout_ms <= 0) s->o.write_timeout_ms = 3000;
    if (!s->o.max_clients) s->o.max_clients = 100;
    const char *host = s->o.host && *s->o.host ? s->o.host : "127.0.0.1";
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(o->port)};
    int one = 1;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->lfd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(s->lfd, (struct sockaddr *)&a, sizeof a) || listen(s->lfd, 64)) {
        snprintf(err, errlen, "data stream: cannot listen on %s:%u: %s", host, o->port, strerror(errno));
        if (s->lfd >= 0) close(s->lfd);
        free(s);
        return NULL;
    }
    socklen_t al = sizeof a;
    (void)getsockname(s->lfd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->acceptor, NULL, acceptor_main, s)) {
        snprintf(err, errlen, "data stream: cannot start its acceptor");
        close(s->lfd);
        free(s);
        return NULL;
    }
    return s;
}

uint16_t zs_dsserver_port(const zs_dsserver_t *s)
{
    return s->port;
}

void zs_dsserver_stats(zs_dsserver_t *s, zs_dsserver_stats_t *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    pthread_mutex_unlock(&s->mu);
}

void zs_dsserver_stop(zs_dsserver_t *s)
{
    if (!s) return;
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
    pthread_join(s->acceptor, NULL);
    close(s->lfd);
    pthread_mutex_lock(&s->mu);
    while (s->st.clients) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
