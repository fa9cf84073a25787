/* zs_httpd: an HTTP/1.1 server on one epoll thread, for the JSON-RPC port.

   The thread accepts, reads and parses (Debian's http-parser, the parser
   Node.js used until 2019) every connection, and at the end of each round
   of ready sockets hands all the requests that round completed, across
   connections and pipelined ones alike, to one callback: so the JSON-RPC
   side can admit many transactions together and wait for one group commit
   for all of them, instead of a thread per connection answering its
   pipelined requests one at a time.  Answers may come from any thread, in
   any order; each connection's go out in the order its requests came.

   Limits: at most max_conns connections (more are closed at once), bodies
   above max_body are not kept (the request is marked too_large; a declared
   Content-Length above it is answered without reading the body, and the
   connection then closed), headers above 16 KiB or anything that is not
   HTTP get 400 and a close, a connection idle for timeout_s is closed, and
   so is one whose request's headers are not all in timeout_s after its
   first byte (a client dribbling them to hold connections).
   Keep-alive and HTTP/1.0 as http_should_keep_alive says (a kept
   connection's answers state the idle timeout: Keep-Alive: timeout=N); Expect:
   100-continue is answered. */
#ifndef ZS_HTTPD_H
#define ZS_HTTPD_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_httpd zs_httpd_t;
typedef struct zs_httpd_req zs_httpd_req_t;

/* The requests one round completed, in arrival order (on the server's
   thread: it must not block).  Every request must get exactly one
   zs_httpd_answer or zs_httpd_push_open. */
typedef void (*zs_httpd_round_fn)(void *ctx, zs_httpd_req_t *const *reqs, size_t n);

typedef struct {
    const char *host; /* an IPv4 address */
    uint16_t port;    /* 0: any free one */
    unsigned max_conns;
    size_t max_body;
    unsigned timeout_s;
    zs_httpd_round_fn on_round;
    /* Optional: called on the server's thread after every round, and after
       zs_httpd_wake; returns when it wants to be called again at the latest
       (CLOCK_MONOTONIC ns; 0: within the second). */
    uint64_t (*on_wake)(void *ctx);
    void *ctx;
} zs_httpd_cfg_t;

/* Listens and starts the thread; NULL with err filled on failure. */
zs_httpd_t *zs_httpd_start(const zs_httpd_cfg_t *cfg, char *err, size_t errlen);
uint16_t zs_httpd_port(const zs_httpd_t *h);
/* Stops the thread and closes every connection; answers given after this
   are dropped, and every stream is gone. */
void zs_httpd_stop(zs_httpd_t *h);
/* Frees the server: after zs_httpd_stop and once no thread can answer. */
void zs_httpd_free(zs_httpd_t *h);
/* Wakes the server's thread (any thread; async-signal-safe): on_wake runs. */
void zs_httpd_wake(zs_httpd_t *h);

const char *zs_httpd_method(const zs_httpd_req_t *q);
const char *zs_httpd_url(const zs_httpd_req_t *q);
/* A header's value (name case-insensitive), or NULL. */
const char *zs_httpd_header(const zs_httpd_req_t *q, const char *name);
/* The body (NUL-terminated; "" when none) and its length. */
const char *zs_httpd_body(const zs_httpd_req_t *q, size_t *len);
/* The body was above max_body (it was not kept). */
int zs_httpd_too_large(const zs_httpd_req_t *q);
/* When the request's last byte was read (CLOCK_MONOTONIC ns). */
uint64_t zs_httpd_arrival_ns(const zs_httpd_req_t *q);

/* Answers q with status and body (malloc'd: taken, freed by the server;
   NULL for none) of content type type; any thread.  q is gone after. */
void zs_httpd_answer(zs_httpd_req_t *q, unsigned status, const char *type, char *body, size_t len);

/* Answers q with a stream kept on the server's thread (no thread per
   reader): once the answers before it are written, its head goes out
   (type, no length, Connection: close) and then what zs_httpd_push is given,
   as the client takes it; the connection reads nothing more after it.
   NULL when out of memory (q is then still to be answered).  The stream's
   socket gets a send buffer of 256 KiB (the kernel's autotuning would let
   a slow reader hold megabytes).  These three
   run on the server's thread only (on_round, on_wake), or, for
   zs_httpd_push_end, after zs_httpd_stop. */
typedef struct zs_httpd_push zs_httpd_push_t;
zs_httpd_push_t *zs_httpd_push_open(zs_httpd_req_t *q, const char *type);
/* Queues bytes of the stream and writes what the socket takes: 0, or -1
   when the stream is gone (the client left, the server stopped, or it let
   1 MiB go unread: then it is let go).  A stream nothing is pushed to for
   timeout_s is closed as an idle connection is. */
int zs_httpd_push(zs_httpd_push_t *p, const char *data, size_t len);
/* Bytes pushed that the socket has not taken yet (a producer that can
   wait holds back while it is large: the loop runs on_wake again as the
   client reads). */
size_t zs_httpd_push_unread(const zs_httpd_push_t *p);
/* Ends the stream (what was pushed still goes out, then the connection
   closes) and frees p: every stream opened must be ended, gone or not. */
void zs_httpd_push_end(zs_httpd_push_t *p);

#endif
