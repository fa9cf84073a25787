/* GET /executed: a server-sent-events feed of the transactions the
   sequencer executes, in execution order, each as the "executed"
   confirmation's object with its sequence number as the event id (a client
   that reconnects with Last-Event-ID resumes after it; one that fell more
   than the table's 16384 behind gets a "gap" event saying how many it
   missed).  A comment line goes out each second without news.

   Every feed is a stream on the HTTP thread (zs_httpd_push), not a thread
   of its own: the sequencer's one-shot wake-up (zs_executed_notify_once,
   shared with the Sync calls of zs_rpc_sync.c) brings the thread here after
   an execution, and each pass writes every feed what it has not seen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_grow.h"
#include "lib/base/zs_time.h"

#define IDLE_NS 1000000000ull /* a comment after this long without news */
#define PASS_MAX 1024         /* events a feed is given per pass: the rest in the next, at once */
#define HOLD_BYTES 65536      /* unread bytes above which a feed is given nothing more yet */

typedef struct rpc_feed {
    struct rpc_feed *next;
    zs_httpd_push_t *p;
    uint64_t cursor;
    uint64_t sent_ns; /* its last bytes */
} rpc_feed_t;

void rpc_feed_open(zs_rpc_t *r, zs_httpd_req_t *q)
{
    rpc_feed_t *f = calloc(1, sizeof *f);
    zs_httpd_push_t *p = f ? zs_httpd_push_open(q, "text/event-stream") : NULL;
    if (!p) {
        free(f);
        char *s = strdup("out of memory\n");
        zs_httpd_answer(q, 503, "text/plain; charset=utf-8", s, s ? strlen(s) : 0);
        return;
    }
    f->p = p;
    f->cursor = zs_executed_count(zs_node_executed(r->node));
    const char *last = zs_httpd_header(q, "Last-Event-ID");
    if (last && *last) f->cursor = strtoull(last, NULL, 10) + 1;
    /* The feed's first bytes go out at once, so a client knows it is on. */
    static const char hello[] = ": zkseq executed transactions\n\n";
    (void)zs_httpd_push(p, hello, sizeof hello - 1);
    f->sent_ns = zs_mono_ns();
    f->next = r->feeds;
    r->feeds = f;
    __atomic_add_fetch(&r->stats.feed_readers, 1, __ATOMIC_RELAXED);
}

/* Appends one event to buf; -1 when out of memory. */
static int add_event(char **buf, size_t *len, size_t *cap, const zs_executed_info_t *x, uint64_t id)
{
    json_t *o = rpc_executed_object(x);
    char *d = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    size_t need = *len + (d ? strlen(d) : 0) + 64;
    int rc = -1;
    if (d && !zs_grow((void **)buf, cap, need, 1, 4096)) {
        *len += (size_t)snprintf(*buf + *len, *cap - *len, "event: executed\nid: %llu\ndata: %s\n\n",
                                 (unsigned long long)id, d);
        rc = 0;
    }
    free(d);
    return rc;
}

/* What one pass read and formatted: the bytes for a feed at cursor from
   (which leave it at to), kept for the next feed at the same cursor, as
   most are (every reader caught up): each event formatted once a pass. */
typedef struct {
    char *buf;
    size_t cap, len;
    uint64_t from, to;
    int made, more, gap; /* gap: it tells of events missed */
} pass_t;

/* Reads and formats the events from cursor on into ps. 0 or -1. */
static int pass_read(zs_rpc_t *r, uint64_t cursor, pass_t *ps)
{
    zs_executed_t *ex = zs_node_executed(r->node);
    zs_executed_info_t x[64];
    uint64_t lost = 0;
    size_t total = 0, n;
    ps->made = ps->gap = 0;
    ps->len = 0;
    ps->from = cursor;
    do {
        n = zs_executed_since(ex, &cursor, x, 64, &lost);
        if (lost) {
            ps->gap = 1;
            char gap[80];
            int k = snprintf(gap, sizeof gap, "event: gap\ndata: {\"lost\":%llu}\n\n", (unsigned long long)lost);
            if (zs_grow((void **)&ps->buf, &ps->cap, ps->len + (size_t)k + 1, 1, 4096)) return -1;
            memcpy(ps->buf + ps->len, gap, (size_t)k + 1);
            ps->len += (size_t)k;
        }
        for (size_t i = 0; i < n; i++)
            if (add_event(&ps->buf, &ps->len, &ps->cap, &x[i], cursor - n + i)) return -1;
        total += n;
    } while ((n == 64 || lost) && total < PASS_MAX);
    ps->to = cursor;
    ps->more = total >= PASS_MAX;
    ps->made = 1;
    return 0;
}

enum { SENT, MORE, HELD };

/* Writes one feed its news (or a comment when it has had none for a
   second): SENT (or nothing due), MORE when more is waiting, HELD when
   its reader is behind, -1 when the feed is gone. */
static int feed_pass(zs_rpc_t *r, rpc_feed_t *f, uint64_t now, pass_t *ps)
{
    /* A reader behind is given nothing more until it has read most of it
       (its cursor waits; more than the table's 16384 behind, it gets a gap). */
    if (zs_httpd_push_unread(f->p) > HOLD_BYTES) return HELD;
    if ((!ps->made || ps->from != f->cursor) && pass_read(r, f->cursor, ps)) return -1;
    if (!ps->len && f->sent_ns + IDLE_NS > now) return SENT;
    static const char idle[] = ": idle\n\n";
    int rc = ps->len ? zs_httpd_push(f->p, ps->buf, ps->len) : zs_httpd_push(f->p, idle, sizeof idle - 1);
    f->cursor = ps->to;
    f->sent_ns = now;
    if (ps->gap && !rc) __atomic_add_fetch(&r->stats.feed_gaps, 1, __ATOMIC_RELAXED);
    return rc ? -1 : ps->more ? MORE : SENT;
}

static void drop_buf(zs_rpc_t *r)
{
    free(r->feed_buf);
    r->feed_buf = NULL;
    r->feed_cap = 0;
}

uint64_t rpc_feed_wake(zs_rpc_t *r)
{
    if (!r->feeds) return 0; /* (the caller armed the wake-up after the next execution) */
    uint64_t now = zs_mono_ns(), next = 0;
    pass_t ps = {.buf = r->feed_buf, .cap = r->feed_cap};
    for (rpc_feed_t **pp = &r->feeds; *pp;) {
        rpc_feed_t *f = *pp;
        int rc = feed_pass(r, f, now, &ps);
        if (rc < 0) {
            *pp = f->next;
            zs_httpd_push_end(f->p);
            free(f);
            __atomic_sub_fetch(&r->stats.feed_readers, 1, __ATOMIC_RELAXED);
            __atomic_add_fetch(&r->stats.feed_closed, 1, __ATOMIC_RELAXED);
            continue;
        }
        /* A held reader is looked at again as it reads (the loop's next
           round), or in a second. */
        uint64_t at = rc == MORE ? now : rc == HELD ? now + IDLE_NS : f->sent_ns + IDLE_NS;
        if (!next || at < next) next = at;
        pp = &f->next;
    }
    r->feed_buf = ps.buf;
    r->feed_cap = ps.cap;
    if (!r->feeds) drop_buf(r); /* the last reader left: the pass buffer (up to ~300 KB) goes too */
    return next;
}

void rpc_feed_free(zs_rpc_t *r)
{
    for (rpc_feed_t *f = r->feeds, *nx; f; f = nx) {
        nx = f->next;
        zs_httpd_push_end(f->p);
        free(f);
    }
    r->feeds = NULL;
    drop_buf(r);
}
