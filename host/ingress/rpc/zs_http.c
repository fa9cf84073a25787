/* The HTTP side of zs_rpc, on libmicrohttpd: one thread per connection
   (a call such as eth_sendRawTransaction waits for its group commit, and
   eth_sendRawTransactionSync for its block, without holding up other
   connections), keep-alive and pipelining as HTTP/1.1 has them, bodies
   bounded before they are read, idle connections timed out. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_grow.h"
#include "lib/base/zs_time.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int too_large;
} req_t;

zs_rpc_t *zs_rpc_new(zs_node_t *node, const zs_rpc_cfg_t *cfg)
{
    zs_rpc_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->node = node;
    r->cfg = *cfg;
    if (!r->cfg.host) r->cfg.host = "127.0.0.1";
    if (!r->cfg.max_body) r->cfg.max_body = 5u << 20;
    if (!r->cfg.max_batch) r->cfg.max_batch = 1000;
    if (!r->cfg.max_conns) r->cfg.max_conns = 256;
    if (!r->cfg.timeout_s) r->cfg.timeout_s = 30;
    if (!r->cfg.sync_timeout_ms) r->cfg.sync_timeout_ms = 10000;
    if (!r->cfg.max_sync_timeout_ms) r->cfg.max_sync_timeout_ms = 60000;
    if (r->cfg.sync_timeout_ms > r->cfg.max_sync_timeout_ms) r->cfg.sync_timeout_ms = r->cfg.max_sync_timeout_ms;
    if (!r->cfg.max_log_blocks) r->cfg.max_log_blocks = 10000;
    if (!r->cfg.max_logs) r->cfg.max_logs = 10000;
    if (!r->cfg.max_filters) r->cfg.max_filters = 1024;
    if (!(r->filters = rpc_filters_new(r->cfg.max_filters))) {
        free(r);
        return NULL;
    }
    return r;
}

uint16_t zs_rpc_port(const zs_rpc_t *r)
{
    return r->port;
}

/* Sends resp with its content type and the cross-origin headers. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, const char *type)
{
    MHD_add_response_header(resp, "Content-Type", type);
    /* Browser wallets and dapps call from other origins. */
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", "POST, GET, OPTIONS");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len, int json)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    return queue(c, status, resp, json ? "application/json" : "text/plain; charset=utf-8");
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text, int json)
{
    char *s = strdup(text);
    return s ? reply(c, status, s, strlen(s), json) : MHD_NO;
}

static enum MHD_Result too_large(zs_rpc_t *r, struct MHD_Connection *c)
{
    char msg[200];
    __atomic_fetch_add(&r->stats.too_large, 1, __ATOMIC_RELAXED);
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"request body too large "
             "(limit %zu bytes)\"}}",
             r->cfg.max_body);
    return reply_text(c, MHD_HTTP_CONTENT_TOO_LARGE, msg, 1);
}

/* ---- GET /executed: a server-sent-events feed of the transactions the
   sequencer executes, in execution order, each as the "executed"
   confirmation's object with its sequence number as the event id (a
   client that reconnects with Last-Event-ID resumes after it; one that
   fell more than the table's 16384 behind gets a "gap" event saying how
   many it missed).  A comment line goes out each second without news. */

typedef struct {
    zs_rpc_t *r;
    uint64_t cursor;
    char buf[16384];
    size_t len, off;
} feed_t;

static void feed_fill(feed_t *f)
{
    zs_executed_t *e = zs_node_executed(f->r->node);
    zs_executed_info_t x[32];
    uint64_t lost;
    size_t n = zs_executed_since(e, &f->cursor, x, 32, &lost);
    if (!n && !lost) {
        struct timespec deadline = zs_deadline_ms(1000);
        (void)zs_executed_wait(e, f->cursor, &deadline);
        n = zs_executed_since(e, &f->cursor, x, 32, &lost);
    }
    if (lost)
        f->len += (size_t)snprintf(f->buf + f->len, sizeof f->buf - f->len, "event: gap\ndata: {\"lost\":%llu}\n\n",
                                   (unsigned long long)lost);
    for (size_t i = 0; i < n; i++) {
        json_t *o = rpc_executed_object(&x[i]);
        char *d = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (d && f->len + strlen(d) + 64 < sizeof f->buf)
            f->len += (size_t)snprintf(f->buf + f->len, sizeof f->buf - f->len, "event: executed\nid: %llu\ndata: %s\n\n",
                                       (unsigned long long)(f->cursor - n + i), d);
        free(d);
    }
    if (!f->len) f->len = (size_t)snprintf(f->buf, sizeof f->buf, ": idle\n\n");
}

static ssize_t feed_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    feed_t *f = cls;
    if (__atomic_load_n(&f->r->stopping, __ATOMIC_RELAXED)) return MHD_CONTENT_READER_END_OF_STREAM;
    if (f->off == f->len) {
        f->off = f->len = 0;
        feed_fill(f);
    }
    size_t k = f->len - f->off < max ? f->len - f->off : max;
    memcpy(out, f->buf + f->off, k);
    f->off += k;
    return (ssize_t)k;
}

static enum MHD_Result feed(zs_rpc_t *r, struct MHD_Connection *c)
{
    feed_t *f = calloc(1, sizeof *f);
    if (!f) return MHD_NO;
    f->r = r;
    f->cursor = zs_executed_count(zs_node_executed(r->node));
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (last && *last) f->cursor = strtoull(last, NULL, 10) + 1;
    /* The feed's first bytes go out at once, so a client knows it is on. */
    f->len = (size_t)snprintf(f->buf, sizeof f->buf, ": zkseq executed transactions\n\n");
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, feed_read, f, free);
    if (!resp) {
        free(f);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    return queue(c, MHD_HTTP_OK, resp, "text/event-stream");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
    zs_rpc_t *r = cls;
    req_t *q = *ctx;
    if (!q) {
        __atomic_fetch_add(&r->stats.http_requests, 1, __ATOMIC_RELAXED);
        if (!strcmp(method, "OPTIONS")) return reply_text(c, MHD_HTTP_NO_CONTENT, "", 0);
        if (!strcmp(method, "GET") && !strcmp(url, "/health")) {
            char s[64];
            snprintf(s, sizeof s, "ok %llu\n", (unsigned long long)zs_node_head(r->node));
            return reply_text(c, MHD_HTTP_OK, s, 0);
        }
        if (!strcmp(method, "GET") && !strcmp(url, "/executed")) return feed(r, c);
        if (strcmp(method, "POST"))
            return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "JSON-RPC wants POST (GET /health for a liveness check, GET /executed for the feed of "
                              "executed transactions)\n",
                              0);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > r->cfg.max_body) return too_large(r, c);
        q = calloc(1, sizeof *q);
        if (!q) return MHD_NO;
        *ctx = q;
        return MHD_YES;
    }
    if (*upload_size) {
        /* A chunked body with no length: count as it comes, keep nothing
           beyond the limit. */
        if (!q->too_large && q->len + *upload_size > r->cfg.max_body) {
            q->too_large = 1;
            free(q->buf);
            q->buf = NULL;
            q->len = q->cap = 0;
        }
        if (!q->too_large) {
            if (zs_grow((void **)&q->buf, &q->cap, q->len + *upload_size, 1, 4096)) return MHD_NO;
            memcpy(q->buf + q->len, upload, *upload_size);
            q->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (q->too_large) return too_large(r, c);
    char *out;
    size_t outlen;
    zs_rpc_handle(r, q->buf ? q->buf : "", q->len, &out, &outlen);
    if (!out) return reply_text(c, MHD_HTTP_NO_CONTENT, "", 1); /* notifications only */
    return reply(c, MHD_HTTP_OK, out, outlen, 1);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
    req_t *q = *ctx;
    if (!q) return;
    free(q->buf);
    free(q);
    *ctx = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    /* libmicrohttpd's own messages (bad requests it answered itself, socket
       errors): to stderr with our prefix. */
    fputs("zkseqd: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

int zs_rpc_listen(zs_rpc_t *r, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(r->cfg.port);
    if (inet_pton(AF_INET, r->cfg.host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "rpc host %s is not an IPv4 address", r->cfg.host);
        return ZS_ERR_INVAL;
    }
    r->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, r->cfg.port, NULL, NULL,
        on_request, r, MHD_OPTION_EXTERNAL_LOGGER, on_log, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)r->cfg.max_conns, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)r->cfg.timeout_s,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024), MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
        MHD_OPTION_END);
    if (!r->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not allowed)", r->cfg.host, r->cfg.port);
        return ZS_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : r->cfg.port;
    return ZS_OK;
}

void zs_rpc_free(zs_rpc_t *r)
{
    if (!r) return;
    __atomic_store_n(&r->stopping, 1, __ATOMIC_RELAXED);
    if (r->daemon) MHD_stop_daemon(r->daemon);
    rpc_filters_free(r->filters);
    free(r);
}
