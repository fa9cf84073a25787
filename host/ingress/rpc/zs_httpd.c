#include "host/ingress/rpc/zs_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/base/zs_grow.h"
#include "lib/base/zs_time.h"

#define MAX_HEADERS 16384 /* bytes of names and values */
#define MAX_URL 8192
#define PIPELINE_HIGH 256 /* requests queued on a connection before it is read no more */
#define PIPELINE_LOW 64
#define OUT_HIGH (1u << 20) /* answers waiting for a client that does not read, before it is read no more */
#define LINGER_NS 2000000000ull /* draining a closed connection's input */
#define STREAM_SNDBUF (256 << 10) /* a stream's socket send buffer */

typedef struct conn conn_t;

struct zs_httpd_req {
    conn_t *c;
    zs_httpd_req_t *next;      /* the connection's queue */
    zs_httpd_req_t *done_next; /* the server's list of new answers */
    char method[16];
    char *url, *hdr, *body;
    size_t url_len, hdr_len, hdr_cap, body_len, body_cap, url_cap;
    int too_large, keep_alive, hdr_in_value;
    uint64_t begin_ns, arrival_ns; /* its first byte, its last */
    int headers_done;
    int ready; /* the loop took its answer (resp, or stream) from the done list */
    char *resp;
    size_t resp_len;
    zs_httpd_push_t *push; /* answered with a stream: its head is resp */
};

/* A stream on the server's thread: queued behind its connection's earlier
   answers (q set) until its head is written, then live (c set); gone once
   the connection is.  Freed only by its owner (zs_httpd_push_end). */
struct zs_httpd_push {
    zs_httpd_req_t *q;
    conn_t *c;
    char *pre; /* pushed before the head went out */
    size_t pre_len, pre_cap;
    int gone;
};

struct conn {
    zs_httpd_t *h;
    int fd;
    http_parser p;
    zs_httpd_req_t *cur;        /* being parsed */
    zs_httpd_req_t *head, *tail; /* in arrival order */
    size_t pending;
    char *out;
    size_t out_len, out_off, out_cap;
    char *in; /* read but not parsed yet: the parser paused with too many queued */
    size_t in_len, in_cap;
    int eof;       /* the peer sent all it will */
    int parsing;   /* in http_parser_execute (nothing re-enters it) */
    int closing;   /* close once the queue is answered and written */
    int read_off;  /* nothing more is parsed */
    int paused_in; /* not polled for input (too many queued) */
    int want_out;  /* polled for output */
    int linger;    /* shut for writing, input drained and dropped */
    int dead;      /* the socket is gone; freed once the queue is */
    int aborted;   /* a callback stopped the parser on purpose */
    int marked;    /* in a drain's list */
    int broken;    /* an answer could not be made: nothing more is sent, then it closes */
    zs_httpd_push_t *push; /* its live stream */
    int streamed;          /* a stream went out: nothing after it is answered */
    uint64_t last_ns;
    conn_t *prev, *next;
};

struct zs_httpd {
    zs_httpd_cfg_t cfg;
    int lfd, efd, ep;
    uint16_t port;
    pthread_t th;
    int stopping; /* atomic */
    conn_t *conns;
    unsigned nlive;
    zs_httpd_req_t **round;
    size_t nround, round_cap;
    conn_t **flush; /* drain's connections */
    size_t flush_cap;
    pthread_mutex_t mu; /* done */
    zs_httpd_req_t *done;
    uint64_t last_scan_ns;
    int reap; /* a closed connection may have nothing queued left */
};

static http_parser_settings settings;

/* ---- Requests */

static void req_free(zs_httpd_req_t *q)
{
    if (!q) return;
    if (q->push) { /* its connection went before its head did */
        q->push->q = NULL;
        q->push->gone = 1;
    }
    free(q->url);
    free(q->hdr);
    free(q->body);
    free(q->resp);
    free(q);
}

const char *zs_httpd_method(const zs_httpd_req_t *q)
{
    return q->method;
}

const char *zs_httpd_url(const zs_httpd_req_t *q)
{
    return q->url ? q->url : "/";
}

const char *zs_httpd_header(const zs_httpd_req_t *q, const char *name)
{
    for (size_t i = 0; i < q->hdr_len;) {
        const char *n = q->hdr + i, *v = n + strlen(n) + 1;
        if (v >= q->hdr + q->hdr_len) return NULL;
        if (!strcasecmp(n, name)) return v;
        i = (size_t)(v - q->hdr) + strlen(v) + 1;
    }
    return NULL;
}

const char *zs_httpd_body(const zs_httpd_req_t *q, size_t *len)
{
    *len = q->body ? q->body_len : 0;
    return q->body ? q->body : "";
}

int zs_httpd_too_large(const zs_httpd_req_t *q)
{
    return q->too_large;
}

uint64_t zs_httpd_arrival_ns(const zs_httpd_req_t *q)
{
    return q->arrival_ns;
}

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n, size_t limit)
{
    if (*len + n + 1 > limit || zs_grow((void **)buf, cap, *len + n + 1, 1, 256)) return -1;
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = 0;
    return 0;
}

static const char *reason(unsigned status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

/* The response's bytes: status line, headers (the cross-origin ones that
   browser wallets and dapps need), body. */
static char *format(const zs_httpd_req_t *q, unsigned status, const char *type, const char *body, size_t len,
                    size_t *outlen)
{
    char head[512];
    int close = !q->keep_alive;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nAccess-Control-Allow-Origin: *\r\n"
                     "Access-Control-Allow-Headers: Content-Type\r\nAccess-Control-Allow-Methods: POST, GET, OPTIONS\r\n",
                     status, reason(status), type);
    if (status != 204 && status >= 200) n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", len);
    /* A kept connection says how long it may stay idle, so that a client
       lets go of it first rather than reuse it as the server closes it. */
    if (close)
        n += snprintf(head + n, sizeof head - (size_t)n, "Connection: close\r\n\r\n");
    else
        n += snprintf(head + n, sizeof head - (size_t)n, "Keep-Alive: timeout=%u\r\n\r\n", q->c->h->cfg.timeout_s);
    if (!strcmp(q->method, "HEAD")) len = 0; /* its length said, its bytes not sent */
    char *out = malloc((size_t)n + len);
    if (!out) return NULL;
    memcpy(out, head, (size_t)n);
    if (len) memcpy(out + n, body, len);
    *outlen = (size_t)n + len;
    return out;
}

static void post_done(zs_httpd_t *h, zs_httpd_req_t *q)
{
    pthread_mutex_lock(&h->mu);
    int was_empty = !h->done;
    q->done_next = h->done;
    h->done = q;
    pthread_mutex_unlock(&h->mu);
    uint64_t one = 1;
    if (was_empty && write(h->efd, &one, sizeof one) < 0) { /* the loop is stopping or already woken */ }
}

void zs_httpd_answer(zs_httpd_req_t *q, unsigned status, const char *type, char *body, size_t len)
{
    q->resp = format(q, status, type, body, len, &q->resp_len);
    free(body);
    post_done(q->c->h, q);
}

zs_httpd_push_t *zs_httpd_push_open(zs_httpd_req_t *q, const char *type)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nCache-Control: no-cache\r\n"
                     "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
                     type);
    zs_httpd_push_t *p = calloc(1, sizeof *p);
    if (!p || !(q->resp = strdup(head))) {
        free(p);
        return NULL;
    }
    q->resp_len = (size_t)n;
    p->q = q;
    q->push = p;
    post_done(q->c->h, q);
    return p;
}

/* ---- Connections */

static void poll_set(conn_t *c)
{
    struct epoll_event ev = {.events = (c->paused_in ? 0 : EPOLLIN | EPOLLRDHUP) | (c->want_out ? EPOLLOUT : 0),
                             .data.ptr = c};
    epoll_ctl(c->h->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_free(conn_t *c)
{
    zs_httpd_t *h = c->h;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    free(c->out);
    free(c->in);
    free(c);
}

/* The socket goes (and with it a live stream); the requests still queued
   are freed as they are answered, and the connection after them, at the
   end of the loop's round (reap). */
static void conn_close(conn_t *c)
{
    if (c->dead) return;
    if (c->push) {
        c->push->c = NULL;
        c->push->gone = 1;
        c->push = NULL;
    }
    epoll_ctl(c->h->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->dead = 1;
    c->h->nlive--;
    c->h->reap = 1;
    req_free(c->cur);
    c->cur = NULL;
}

static void line_up(conn_t *c, zs_httpd_req_t *q)
{
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    c->pending++;
}

/* Queues q at the end of the connection's line and of this round. */
static int enqueue(conn_t *c, zs_httpd_req_t *q)
{
    zs_httpd_t *h = c->h;
    if (zs_grow((void **)&h->round, &h->round_cap, h->nround + 1, sizeof *h->round, 64)) return -1;
    q->arrival_ns = zs_mono_ns();
    line_up(c, q);
    h->round[h->nround++] = q;
    return 0;
}

/* A 400 the server gives itself (not HTTP, headers too large), after the
   answers queued before it; then the connection closes. */
static void bad_request(conn_t *c, const char *why)
{
    req_free(c->cur);
    c->cur = NULL;
    c->read_off = c->closing = 1;
    zs_httpd_req_t *q = calloc(1, sizeof *q);
    if (!q) return;
    q->c = c;
    q->resp = format(q, 400, "text/plain; charset=utf-8", why, strlen(why), &q->resp_len);
    line_up(c, q);
    post_done(c->h, q); /* written in order by the next drain */
}

static void resume_input(conn_t *c);

static int too_full(const conn_t *c)
{
    return c->pending >= PIPELINE_HIGH || c->out_len - c->out_off > OUT_HIGH;
}

/* Reads no more from a connection with too much queued or unread (its
   parser stops at the request that fills its queue, the rest of what was
   read kept), and again once it has caught up. */
static void input_gate(conn_t *c)
{
    if (c->parsing) return;
    if (!c->paused_in && too_full(c)) {
        c->paused_in = 1;
        poll_set(c);
    } else if (c->paused_in && !c->read_off && c->pending < PIPELINE_LOW &&
               c->out_len - c->out_off <= OUT_HIGH / 4) {
        resume_input(c);
        if (c->read_off || c->eof || too_full(c)) return;
        c->paused_in = 0;
        poll_set(c);
    }
}

static void conn_write(conn_t *c);
static void push_live(conn_t *c, zs_httpd_req_t *q);

/* Moves the answers at the head of the line, in order, to the output. */
static void conn_flush(conn_t *c)
{
    while (c->head && c->head->ready) {
        zs_httpd_req_t *q = c->head;
        c->head = q->next;
        if (!c->head) c->tail = NULL;
        c->pending--;
        if (q->push && !c->dead && !c->broken && !c->streamed) {
            push_live(c, q); /* what is behind it is dropped as answered */
        } else if (!c->dead && !c->broken && !c->streamed) {
            if (q->resp && !append(&c->out, &c->out_len, &c->out_cap, q->resp, q->resp_len, SIZE_MAX)) {
                c->closing |= !q->keep_alive;
            } else { /* out of memory: an answer missing, so none after it may go out of step */
                c->broken = c->closing = c->read_off = 1;
            }
        }
        req_free(q);
    }
    if (c->dead) {
        c->h->reap |= !c->head;
        return;
    }
    conn_write(c);
    if (!c->dead) input_gate(c);
}

/* Writes what it can; once a closing connection has nothing left to say
   it shuts for writing and drains its input before closing (so a client
   still sending the body of a refused request reads the refusal instead of
   a reset). */
static void conn_write(conn_t *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            c->last_ns = zs_mono_ns();
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) {
                c->want_out = 1;
                poll_set(c);
            }
            return;
        }
        conn_close(c);
        return;
    }
    c->out_len = c->out_off = 0;
    if (c->out_cap > (1u << 20)) { /* a large answer went out: give its room back */
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    if (c->want_out) {
        c->want_out = 0;
        poll_set(c);
    }
    if (!c->linger) input_gate(c);
    if (c->closing && !c->head && !c->linger && !c->push) { /* (a live stream closes when it ends) */
        shutdown(c->fd, SHUT_WR);
        c->linger = 1;
        c->read_off = 1;
        c->paused_in = 0;
        c->last_ns = zs_mono_ns();
        poll_set(c);
    }
}

/* Parses what was read; what a pause leaves is kept for resume_input. */
static void parse_input(conn_t *c, const char *data, size_t n)
{
    c->parsing = 1;
    size_t k = http_parser_execute(&c->p, &settings, data, n);
    c->parsing = 0;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->p);
    if (c->aborted) {
        c->read_off = 1;
    } else if (e == HPE_PAUSED) {
        if (append(&c->in, &c->in_len, &c->in_cap, data + k, n - k, SIZE_MAX)) bad_request(c, "out of memory");
    } else if (c->p.upgrade) {
        c->read_off = c->closing = 1; /* no upgrades here: answer the request, then close */
    } else if ((e != HPE_OK || k != n) && !c->read_off) {
        bad_request(c, http_errno_description(e));
    }
}

static void resume_input(conn_t *c)
{
    http_parser_pause(&c->p, 0);
    char *data = c->in;
    size_t n = c->in_len;
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    if (n) parse_input(c, data, n);
    free(data);
    if (c->eof && !c->in_len) c->read_off = c->closing = 1; /* answer what it asked, then close */
}

static void conn_read(conn_t *c)
{
    char buf[65536];
    for (int round = 0; round < 8 && !c->dead && !c->paused_in; round++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) { /* the peer closed, or the socket failed */
            if (c->linger || n < 0 || (!c->head && !c->in_len)) {
                conn_close(c);
            } else {
                c->eof = 1;
                if (!c->in_len) c->read_off = c->closing = 1;
                c->paused_in = 1;
                poll_set(c);
            }
            return;
        }
        c->last_ns = zs_mono_ns();
        if (c->read_off) continue; /* draining, or past a request that closes */
        parse_input(c, buf, (size_t)n);
        if (c->out_off < c->out_len) conn_write(c); /* a 100 Continue */
        if (c->dead) return;
        input_gate(c);
        if ((size_t)n < sizeof buf) return;
    }
}

/* ---- The parser's callbacks */

static int on_begin(http_parser *p)
{
    conn_t *c = p->data;
    req_free(c->cur);
    c->cur = calloc(1, sizeof *c->cur);
    if (!c->cur) return -1;
    c->cur->c = c;
    c->cur->begin_ns = zs_mono_ns();
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    zs_httpd_req_t *q = ((conn_t *)p->data)->cur;
    return append(&q->url, &q->url_len, &q->url_cap, at, n, MAX_URL);
}

static int header_bytes(http_parser *p, const char *at, size_t n, int value)
{
    zs_httpd_req_t *q = ((conn_t *)p->data)->cur;
    if (q->hdr_in_value != value && q->hdr_len) {
        /* a name or value ended: its NUL is already there, keep it */
        if (zs_grow((void **)&q->hdr, &q->hdr_cap, q->hdr_len + 2, 1, 256)) return -1;
        q->hdr_len++;
        q->hdr[q->hdr_len] = 0;
    }
    q->hdr_in_value = value;
    return append(&q->hdr, &q->hdr_len, &q->hdr_cap, at, n, MAX_HEADERS);
}

static int on_field(http_parser *p, const char *at, size_t n)
{
    return header_bytes(p, at, n, 0);
}

static int on_value(http_parser *p, const char *at, size_t n)
{
    return header_bytes(p, at, n, 1);
}

static int on_headers(http_parser *p)
{
    conn_t *c = p->data;
    zs_httpd_req_t *q = c->cur;
    if (q->hdr_len) q->hdr_len++; /* the last value's NUL */
    q->headers_done = 1;
    snprintf(q->method, sizeof q->method, "%s", http_method_str((enum http_method)p->method));
    q->keep_alive = http_should_keep_alive(p);
    if (p->content_length != ULLONG_MAX && p->content_length > c->h->cfg.max_body) {
        /* Refused before its body is read; the connection closes after. */
        q->too_large = 1;
        q->keep_alive = 0;
        c->cur = NULL;
        c->aborted = c->closing = 1;
        if (enqueue(c, q)) req_free(q);
        return -1;
    }
    const char *expect = zs_httpd_header(q, "expect");
    if (expect && !strcasecmp(expect, "100-continue") && !c->head) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        append(&c->out, &c->out_len, &c->out_cap, cont, sizeof cont - 1, SIZE_MAX); /* written after the parse */
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    conn_t *c = p->data;
    zs_httpd_req_t *q = c->cur;
    if (q->too_large) return 0;
    if (append(&q->body, &q->body_len, &q->body_cap, at, n, c->h->cfg.max_body + 1)) {
        /* counted and dropped from here on (a chunked body with no length) */
        q->too_large = 1;
        free(q->body);
        q->body = NULL;
        q->body_len = q->body_cap = 0;
    }
    return 0;
}

static int on_complete(http_parser *p)
{
    conn_t *c = p->data;
    zs_httpd_req_t *q = c->cur;
    c->cur = NULL;
    if (enqueue(c, q)) {
        req_free(q);
        return -1;
    }
    if (!q->keep_alive) c->read_off = c->closing = 1;
    if (c->pending >= PIPELINE_HIGH) http_parser_pause(p, 1); /* the rest waits in c->in */
    return 0;
}

static http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

/* ---- Streams */

/* The stream's head reached the front of its connection's line: it goes
   out, and what was pushed before it; the connection reads nothing more
   (but notices the client leaving). */
static void push_live(conn_t *c, zs_httpd_req_t *q)
{
    zs_httpd_push_t *p = q->push;
    q->push = NULL;
    p->q = NULL;
    if (append(&c->out, &c->out_len, &c->out_cap, q->resp, q->resp_len, SIZE_MAX) ||
        append(&c->out, &c->out_len, &c->out_cap, p->pre ? p->pre : "", p->pre_len, SIZE_MAX)) {
        p->gone = 1;
        c->broken = c->closing = c->read_off = 1;
        return;
    }
    free(p->pre);
    p->pre = NULL;
    p->pre_len = p->pre_cap = 0;
    p->c = c;
    c->push = p;
    c->streamed = c->read_off = 1;
    /* A bounded send buffer (the kernel doubles it): a reader that falls
       behind is held by its producer (zs_httpd_push_unread) instead of by
       megabytes of kernel memory per stream. */
    int sb = STREAM_SNDBUF;
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    if (c->paused_in && !c->eof) {
        c->paused_in = 0;
        poll_set(c);
    }
}

int zs_httpd_push(zs_httpd_push_t *p, const char *data, size_t len)
{
    if (p->gone) return -1;
    conn_t *c = p->c;
    if (!c) return append(&p->pre, &p->pre_len, &p->pre_cap, data, len, OUT_HIGH) ? -1 : 0;
    if (c->out_len - c->out_off + len > OUT_HIGH || append(&c->out, &c->out_len, &c->out_cap, data, len, SIZE_MAX)) {
        conn_close(c); /* a reader this far behind is let go */
        return -1;
    }
    conn_write(c);
    return 0;
}

size_t zs_httpd_push_unread(const zs_httpd_push_t *p)
{
    return p->c ? p->c->out_len - p->c->out_off : p->pre_len;
}

void zs_httpd_push_end(zs_httpd_push_t *p)
{
    if (!p) return;
    if (p->c) { /* what was pushed goes out, then the connection closes */
        p->c->push = NULL;
        p->c->closing = 1;
        conn_write(p->c);
    } else if (p->q) { /* its head not out yet: it goes out alone, then the connection closes */
        p->q->push = NULL;
        p->q->keep_alive = 0;
    }
    free(p->pre);
    free(p);
}

/* ---- The loop */

static void accept_all(zs_httpd_t *h)
{
    for (;;) {
        int fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; /* EAGAIN, or out of descriptors: the next round tries again */
        }
        conn_t *c = h->nlive < h->cfg.max_conns ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->h = h;
        c->fd = fd;
        c->last_ns = zs_mono_ns();
        http_parser_init(&c->p, HTTP_REQUEST);
        c->p.data = c;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev)) {
            close(fd);
            free(c);
            continue;
        }
        c->next = h->conns;
        if (h->conns) h->conns->prev = c;
        h->conns = c;
        h->nlive++;
    }
}

/* The answers given since the last round, each connection's written in
   order. */
static void drain(zs_httpd_t *h)
{
    uint64_t v;
    if (read(h->efd, &v, sizeof v) < 0) { /* nothing was signalled */ }
    pthread_mutex_lock(&h->mu);
    zs_httpd_req_t *list = h->done;
    h->done = NULL;
    pthread_mutex_unlock(&h->mu);
    size_t k = 0;
    for (zs_httpd_req_t *q = list; q; q = q->done_next) {
        conn_t *c = q->c;
        q->ready = 1;
        if (c->marked || zs_grow((void **)&h->flush, &h->flush_cap, k + 1, sizeof *h->flush, 64)) continue;
        c->marked = 1;
        h->flush[k++] = c;
    }
    /* (the list's requests may be freed from here on) */
    for (size_t i = 0; i < k; i++) {
        h->flush[i]->marked = 0;
        conn_flush(h->flush[i]);
    }
}

static void reap(zs_httpd_t *h)
{
    h->reap = 0;
    for (conn_t *c = h->conns, *next; c; c = next) {
        next = c->next;
        if (c->dead && !c->head) conn_free(c);
    }
}

static void timeouts(zs_httpd_t *h, uint64_t now)
{
    uint64_t idle = (uint64_t)h->cfg.timeout_s * 1000000000ull;
    for (conn_t *c = h->conns, *next; c; c = next) {
        next = c->next;
        if (c->dead) continue;
        /* Idle too long, or headers dribbled in for longer than that.  (Times
           may be later than now: on_wake writes after now was read.) */
        int slow = c->cur && !c->cur->headers_done && c->cur->begin_ns + idle < now;
        if (c->linger ? c->last_ns + LINGER_NS < now : slow || (!c->head && !c->cur && c->last_ns + idle < now))
            conn_close(c);
    }
}

static void *loop_main(void *arg)
{
    zs_httpd_t *h = arg;
    struct epoll_event evs[64];
    int wait_ms = 1000;
    while (!__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE)) {
        /* Requests a resumed parse added are handed over without waiting. */
        int n = epoll_wait(h->ep, evs, 64, h->nround ? 0 : wait_ms);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == h) continue; /* answers: drained below */
            if (!p) {
                accept_all(h);
                continue;
            }
            conn_t *c = p;
            if (c->paused_in && evs[i].events & (EPOLLHUP | EPOLLERR)) { /* gone while not read: nobody to answer */
                conn_close(c);
                continue;
            }
            if (evs[i].events & EPOLLOUT) conn_write(c);
            if (!c->dead && evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_read(c);
        }
        if (h->nround) {
            size_t k = h->nround;
            h->nround = 0;
            h->cfg.on_round(h->cfg.ctx, h->round, k);
        }
        drain(h);
        uint64_t now = zs_mono_ns(), next = h->cfg.on_wake ? h->cfg.on_wake(h->cfg.ctx) : 0;
        wait_ms = next && next < now + 1000000000ull ? (int)((next > now ? next - now : 0) / 1000000 + 1) : 1000;
        if (now - h->last_scan_ns >= 1000000000ull) {
            h->last_scan_ns = now;
            timeouts(h, now);
        }
        if (h->reap) reap(h);
    }
    return NULL;
}

zs_httpd_t *zs_httpd_start(const zs_httpd_cfg_t *cfg, char *err, size_t errlen)
{
    zs_httpd_t *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    h->lfd = h->efd = h->ep = -1;
    pthread_mutex_init(&h->mu, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
    if (inet_pton(AF_INET, cfg->host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "rpc host %s is not an IPv4 address", cfg->host);
        goto fail;
    }
    int one = 1;
    h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (h->lfd < 0 || setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(h->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(h->lfd, 1024)) {
        snprintf(err, errlen, "cannot listen on %s:%u (%s)", cfg->host, cfg->port, strerror(errno));
        goto fail;
    }
    socklen_t sl = sizeof sa;
    getsockname(h->lfd, (struct sockaddr *)&sa, &sl);
    h->port = ntohs(sa.sin_port);
    h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    h->ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event el = {.events = EPOLLIN, .data.ptr = NULL}, ee = {.events = EPOLLIN, .data.ptr = h};
    if (h->efd < 0 || h->ep < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &el) ||
        epoll_ctl(h->ep, EPOLL_CTL_ADD, h->efd, &ee)) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&h->th, NULL, loop_main, h)) {
        snprintf(err, errlen, "cannot start the HTTP thread");
        goto fail;
    }
    pthread_setname_np(h->th, "zs-http");
    return h;
fail:
    if (h->lfd >= 0) close(h->lfd);
    if (h->efd >= 0) close(h->efd);
    if (h->ep >= 0) close(h->ep);
    pthread_mutex_destroy(&h->mu);
    free(h);
    return NULL;
}

uint16_t zs_httpd_port(const zs_httpd_t *h)
{
    return h->port;
}

void zs_httpd_wake(zs_httpd_t *h)
{
    uint64_t one = 1;
    if (write(h->efd, &one, sizeof one) < 0) { /* already signalled */ }
}

void zs_httpd_stop(zs_httpd_t *h)
{
    if (!h || h->lfd < 0) return;
    __atomic_store_n(&h->stopping, 1, __ATOMIC_RELEASE);
    uint64_t one = 1;
    if (write(h->efd, &one, sizeof one) < 0) { /* the loop wakes within a second anyway */ }
    pthread_join(h->th, NULL);
    close(h->lfd);
    h->lfd = -1;
    for (conn_t *c = h->conns, *next; c; c = next) {
        next = c->next;
        conn_close(c);
    }
}

void zs_httpd_free(zs_httpd_t *h)
{
    if (!h) return;
    zs_httpd_stop(h);
    /* What is left: closed connections whose answers were still out. */
    while (h->conns) {
        conn_t *c = h->conns;
        for (zs_httpd_req_t *q = c->head, *next; q; q = next) {
            next = q->next;
            req_free(q);
        }
        c->head = NULL;
        conn_free(c);
    }
    close(h->efd);
    close(h->ep);
    free(h->round);
    free(h->flush);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
