/* zs_mgmt: listeners, connections, the request loop and the metrics'
   HTTP; the commands are zs_mgmt_cmd.c's, the page zs_mgmt_metrics.c's,
   the rates zs_sampler.c's. */
#include "host/mgmt/zs_mgmt.h"

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
#include "host/metrics/zs_metrics.h"
#include "host/mgmt/zs_mgmt_cmd.h"
#include "host/mgmt/zs_mgmt_metrics.h"
#include "host/net/zs_conn.h"
#include "lib/base/zs_time.h"

#define MAX_CONNS 32
#define IDLE_MS 300000     /* a management connection may idle five minutes */
#define LINE_MAX_BYTES 65536

struct zs_mgmt {
    zs_mgmt_cfg_t cfg;
    zs_mgmt_ctx_t ctx;
    zs_tls_t *tls;
    char token[256];
    int lfd, mfd; /* listening sockets (-1: off) */
    uint16_t port, mport;
    pthread_t acceptor;
    int stop_pipe[2];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    unsigned conns;
};

typedef struct {
    zs_mgmt_t *m;
    int fd;
    int metrics;
} conn_arg_t;


/* ---- Connections. */

/* Constant time, so the token does not leak through timing. */
static int token_ok(const zs_mgmt_t *m, const char *given)
{
    if (!m->token[0]) return 1;
    if (!given) return 0;
    size_t a = strlen(m->token), b = strlen(given);
    unsigned char diff = (unsigned char)(a != b);
    for (size_t i = 0; i < a; i++) diff |= (unsigned char)(m->token[i] ^ (i < b ? given[i] : 0));
    return !diff;
}

static void reply(zs_conn_t *c, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) return;
    size_t n = strlen(s);
    s[n] = '\n';
    (void)zs_conn_write(c, s, n + 1, 10000);
    free(s);
}

json_t *zs_mgmt_handle_line(zs_mgmt_t *m, const char *line, const char *peer)
{
    json_error_t je;
    json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    json_t *id = req ? json_object_get(req, "id") : NULL;
    json_t *idv = id ? json_incref(id) : json_null();
    const char *cmd = req ? json_string_value(json_object_get(req, "cmd")) : NULL;
    json_t *args = req ? json_object_get(req, "args") : NULL;
    json_t *out;
    if (!req || !json_is_object(req) || !cmd || (args && !json_is_array(args))) {
        out = json_pack("{s:o,s:b,s:s,s:s}", "id", idv, "ok", 0, "code", "bad_args", "error",
                        "want one JSON object per line: {\"id\": N, \"cmd\": \"...\", \"args\": [...]}");
    } else if (!token_ok(m, json_string_value(json_object_get(req, "token")))) {
        zs_log_kv(ZS_LOG_WARN, "mgmt", "request refused: no or wrong token", "peer", peer, "cmd", cmd, NULL);
        out = json_pack("{s:o,s:b,s:s,s:s}", "id", idv, "ok", 0, "code", "auth", "error",
                        "refused: this management port needs its token");
    } else {
        const char *user = json_string_value(json_object_get(req, "user"));
        char who[160];
        snprintf(who, sizeof who, "%.80s@%.60s", user && *user ? user : "?", peer);
        const char *code = "internal";
        char err[512] = "";
        json_t *empty = json_array();
        json_t *res = zs_mgmt_exec(&m->ctx, cmd, args ? args : empty, who, &code, err, sizeof err);
        json_decref(empty);
        if (res)
            out = json_pack("{s:o,s:b,s:o}", "id", idv, "ok", 1, "result", res);
        else
            out = json_pack("{s:o,s:b,s:s,s:s}", "id", idv, "ok", 0, "code", code, "error", err);
    }
    json_decref(req);
    return out;
}

static void serve_mgmt(zs_mgmt_t *m, zs_conn_t *c)
{
    char *line = malloc(LINE_MAX_BYTES);
    if (!line) return;
    unsigned idle = 0;
    for (;;) {
        ssize_t n = zs_conn_readline(c, line, LINE_MAX_BYTES, 1000);
        if (n >= 0) idle = 0;
        if (n == ZS_ERR_TIMEOUT) {
            /* Wake every second to notice a stop; an idle client goes after IDLE_MS. */
            pthread_mutex_lock(&m->mu);
            int stop = m->stopping;
            pthread_mutex_unlock(&m->mu);
            if (stop || ++idle * 1000u >= IDLE_MS) break;
            continue;
        }
        if (n == ZS_ERR_RANGE) {
            reply(c, json_pack("{s:n,s:b,s:s,s:s}", "id", "ok", 0, "code", "bad_args", "error",
                               "request line above 64 KiB"));
            continue;
        }
        if (n <= 0) break;
        reply(c, zs_mgmt_handle_line(m, line, zs_conn_peer(c)));
    }
    free(line);
}

static void http_reply(zs_conn_t *c, int status, const char *reason, const char *type, const char *body, size_t n)
{
    char head[256];
    int k = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     reason, type, n);
    if (zs_conn_write(c, head, (size_t)k, 5000) == ZS_OK) (void)zs_conn_write(c, body, n, 10000);
}

/* One request per connection: GET /metrics (and HEAD-less, keep-alive-less
   simplicity: Prometheus opens a connection per scrape or reuses one; both
   work with Connection: close). */
static void serve_metrics(zs_mgmt_t *m, zs_conn_t *c)
{
    char line[2048], auth[512] = "";
    ssize_t n = zs_conn_readline(c, line, sizeof line, 5000);
    if (n <= 0) return;
    char method[16], path[512];
    if (sscanf(line, "%15s %511s", method, path) != 2) {
        http_reply(c, 400, "Bad Request", "text/plain", "bad request\n", 12);
        return;
    }
    for (int i = 0; i < 64; i++) { /* headers */
        ssize_t h = zs_conn_readline(c, line, sizeof line, 5000);
        if (h < 0) return;
        if (h == 0) break;
        if (!strncasecmp(line, "Authorization:", 14)) {
            const char *v = line + 14;
            while (*v == ' ') v++;
            if (!strncasecmp(v, "Bearer ", 7)) snprintf(auth, sizeof auth, "%s", v + 7);
        }
    }
    if (strcmp(method, "GET")) {
        http_reply(c, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
        return;
    }
    if (!token_ok(m, auth)) {
        zs_log_kv(ZS_LOG_WARN, "mgmt", "metrics scrape refused: no or wrong token", "peer", zs_conn_peer(c), NULL);
        http_reply(c, 401, "Unauthorized", "text/plain", "this metrics port needs its token (Authorization: Bearer)\n",
                   59);
        return;
    }
    if (strcmp(path, "/metrics")) {
        http_reply(c, 404, "Not Found", "text/plain", "try /metrics\n", 13);
        return;
    }
    size_t len;
    char *body = zs_mgmt_metrics_text(&m->ctx, &len);
    if (!body) {
        http_reply(c, 500, "Internal Server Error", "text/plain", "out of memory\n", 14);
        return;
    }
    http_reply(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
    free(body);
}

static void *conn_main(void *p)
{
    pthread_setname_np(pthread_self(), "zs-mgmt-conn");
    conn_arg_t a = *(conn_arg_t *)p;
    free(p);
    zs_mgmt_t *m = a.m;
    char err[256];
    zs_conn_t *c = zs_conn_open(a.fd, m->tls, NULL, 5000, err, sizeof err);
    if (!c) {
        zs_log(ZS_LOG_WARN, "mgmt", "%s connection dropped: %s", a.metrics ? "metrics" : "management", err);
    } else {
        if (a.metrics) serve_metrics(m, c);
        else serve_mgmt(m, c);
        zs_conn_close(c);
    }
    pthread_mutex_lock(&m->mu);
    m->conns--;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static void *acceptor_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-mgmt");
    zs_mgmt_t *m = arg;
    struct pollfd p[3] = {{.fd = m->lfd, .events = POLLIN}, {.fd = m->mfd, .events = POLLIN},
                          {.fd = m->stop_pipe[0], .events = POLLIN}};
    for (;;) {
        if (poll(p, 3, -1) < 0 && errno != EINTR) break;
        if (p[2].revents) break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & POLLIN)) continue;
            int fd = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0) continue;
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            pthread_mutex_lock(&m->mu);
            int full = m->conns >= MAX_CONNS;
            if (!full) m->conns++;
            pthread_mutex_unlock(&m->mu);
            conn_arg_t *a = full ? NULL : malloc(sizeof *a);
            pthread_t t;
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            if (a) *a = (conn_arg_t){m, fd, i == 1};
            if (!a || pthread_create(&t, &at, conn_main, a)) {
                close(fd);
                free(a);
                if (!full) {
                    pthread_mutex_lock(&m->mu);
                    m->conns--;
                    pthread_mutex_unlock(&m->mu);
                }
            }
            pthread_attr_destroy(&at);
        }
    }
    return NULL;
}

/* ---- Start and stop. */

static int is_loopback(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static int listen_on(const char *host, uint16_t port, uint16_t *bound, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "%s is not an IPv4 address", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *bound = ntohs(sa.sin_port);
    return fd;
}

zs_mgmt_t *zs_mgmt_start(const zs_mgmt_cfg_t *cfg, const zs_mgmt_ctx_t *ctx, char *err, size_t errlen)
{
    int tls = cfg->tls_cert && *cfg->tls_cert && cfg->tls_key && *cfg->tls_key;
    int token = cfg->token && *cfg->token;
    if ((cfg->tls_cert && *cfg->tls_cert) != (cfg->tls_key && *cfg->tls_key)) {
        snprintf(err, errlen, "mgmt.tls_cert and mgmt.tls_key go together");
        return NULL;
    }
    const char *hosts[2] = {cfg->enabled ? cfg->host : NULL, cfg->metrics_enabled ? cfg->metrics_host : NULL};
    const char *names[2] = {"mgmt.host", "mgmt.metrics_host"};
    for (int i = 0; i < 2; i++)
        if (hosts[i] && !is_loopback(hosts[i]) && (!tls || !token)) {
            snprintf(err, errlen,
                     "%s %s is beyond loopback: that needs TLS and a token (mgmt.tls_cert, mgmt.tls_key, mgmt.token "
                     "or mgmt.token_file); refusing to start",
                     names[i], hosts[i]);
            return NULL;
        }
    zs_mgmt_t *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->ctx = *ctx;
    m->lfd = m->mfd = -1;
    m->stop_pipe[0] = m->stop_pipe[1] = -1;
    if (token) snprintf(m->token, sizeof m->token, "%s", cfg->token);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    char e2[256];
    if (tls && !(m->tls = zs_tls_server(cfg->tls_cert, cfg->tls_key, e2, sizeof e2))) {
        snprintf(err, errlen, "management TLS: %s", e2);
        goto fail;
    }
    if (cfg->enabled && (m->lfd = listen_on(cfg->host, cfg->port, &m->port, e2, sizeof e2)) < 0) {
        snprintf(err, errlen, "management port: %s", e2);
        goto fail;
    }
    if (cfg->metrics_enabled && (m->mfd = listen_on(cfg->metrics_host, cfg->metrics_port, &m->mport, e2, sizeof e2)) < 0) {
        snprintf(err, errlen, "metrics port: %s", e2);
        goto fail;
    }
    if (!(m->ctx.sampler = zs_sampler_start(ctx->node))) {
        snprintf(err, errlen, "cannot start the management threads");
        goto fail;
    }
    if (pipe(m->stop_pipe) || pthread_create(&m->acceptor, NULL, acceptor_main, m)) {
        snprintf(err, errlen, "cannot start the management threads");
        goto fail;
    }
    return m;
fail:
    zs_sampler_stop(m->ctx.sampler);
    if (m->lfd >= 0) close(m->lfd);
    if (m->mfd >= 0) close(m->mfd);
    if (m->stop_pipe[0] >= 0) close(m->stop_pipe[0]), close(m->stop_pipe[1]);
    zs_tls_free(m->tls);
    free(m);
    return NULL;
}

uint16_t zs_mgmt_port(const zs_mgmt_t *m) { return m->port; }
uint16_t zs_mgmt_metrics_port(const zs_mgmt_t *m) { return m->mport; }

void zs_mgmt_stop(zs_mgmt_t *m)
{
    if (!m) return;
    if (write(m->stop_pipe[1], "x", 1) != 1) zs_log(ZS_LOG_ERROR, "mgmt", "cannot signal the acceptor");
    pthread_join(m->acceptor, NULL);
    pthread_mutex_lock(&m->mu);
    m->stopping = 1;
    pthread_cond_broadcast(&m->cv);
    while (m->conns) pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
    zs_sampler_stop(m->ctx.sampler);
    if (m->lfd >= 0) close(m->lfd);
    if (m->mfd >= 0) close(m->mfd);
    close(m->stop_pipe[0]);
    close(m->stop_pipe[1]);
    zs_tls_free(m->tls);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
