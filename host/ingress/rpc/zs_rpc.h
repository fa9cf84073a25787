/* zs_rpc: Ethereum JSON-RPC over HTTP/1.1 for wallets and tools.

   Two layers.  zs_rpc_handle takes one HTTP request body (a JSON-RPC call
   or a batch array) and returns the response body; it is pure request in,
   response out, and is what the unit tests and the fuzz target drive.  The
   HTTP side (zs_http.c on zs_httpd.c: one epoll thread for every
   connection, keep-alive and pipelining) sorts each round of requests it
   reads: transactions from every connection admitted together on a worker
   with one wait for their group commit, quick reads answered on its own
   thread, the rest on workers started as needed.

   Limits: bodies above max_body get HTTP 413 and a JSON-RPC error without
   being read; batches above max_batch items get -32600; idle or slow
   connections are closed after timeout_s; at most max_conns connections.
   Errors use the standard codes: -32700 parse error, -32600 invalid
   request, -32601 method not found, -32602 invalid params, -32000 a
   refusal (geth's message, and a stable reason id in error.data.reason),
   -32001 resource not found or pruned, -32002 timed out.

   Thread safety: zs_rpc_handle may run on any number of threads. */
#ifndef ZS_RPC_H
#define ZS_RPC_H

#include <stddef.h>
#include <jansson.h>
#include <stdint.h>

#include "host/node/zs_node.h"

typedef struct {
    const char *host;    /* "127.0.0.1" */
    uint16_t port;       /* 8123; 0 picks a free port (see zs_rpc_port) */
    size_t max_body;     /* bytes, default 5 MiB */
    size_t max_batch;    /* calls in one batch, default 1000 */
    unsigned max_conns;  /* default 256 */
    unsigned timeout_s;  /* idle connection timeout, default 30 */
    unsigned sync_timeout_ms; /* eth_sendRawTransactionSync default wait, 10000 */
    unsigned max_sync_timeout_ms; /* the longest wait a caller may ask for, 60000 */
    unsigned max_log_blocks; /* eth_getLogs: blocks one query may scan, 10000 */
    unsigned max_logs;       /* eth_getLogs: logs one answer may hold, 10000 */
    unsigned max_filters;    /* eth_newFilter / eth_newBlockFilter installed at once, 1024 */
    /* A read replica: transactions are not taken here.  With forward, a
       method is passed on to the sequencer and its whole answer object
       (result or error; a new reference) comes back, NULL when the
       sequencer cannot be reached. */
    int read_only;
    json_t *(*forward)(void *ctx, const char *method, json_t *params);
    void *forward_ctx;
} zs_rpc_cfg_t;

typedef struct zs_rpc zs_rpc_t;

/* zs_rpc_new prepares the method layer only (no server). */
zs_rpc_t *zs_rpc_new(zs_node_t *node, const zs_rpc_cfg_t *cfg);
/* zs_rpc_listen starts the HTTP server; 0, or an error with a sentence. */
int zs_rpc_listen(zs_rpc_t *r, char *err, size_t errlen);
uint16_t zs_rpc_port(const zs_rpc_t *r);
/* Stops the server (if any) and frees. */
void zs_rpc_free(zs_rpc_t *r);

/* zs_rpc_handle answers one request body; the malloc'd response is in
   *out (NULL when the body held only notifications). */
void zs_rpc_handle(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen);

typedef struct {
    uint64_t http_requests, calls, errors, too_large;
    uint64_t feed_readers; /* GET /executed streams open now */
    uint64_t feed_gaps;    /* gap events sent: a reader fell past the table and missed some */
    uint64_t feed_closed;  /* streams that ended (the reader left, or was let go) */
} zs_rpc_stats_t;
void zs_rpc_stats(zs_rpc_t *r, zs_rpc_stats_t *out);

#endif
