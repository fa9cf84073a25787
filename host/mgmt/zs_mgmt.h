/* zs_mgmt: zkseqd's management port and metrics port.

   Management (127.0.0.1:8126 by default) speaks newline-delimited JSON:
   a request {"id": N, "cmd": "status", "args": ["..."], "token": "...",
   "user": "who@where"} gets one line {"id": N, "ok": true, "result": ...}
   or {"id": N, "ok": false, "code": "...", "error": "..."}, where code is
   "bad_args", "unknown_command", "refused", "auth" or "internal".
   zkseqctl is the client (tools/ctl); the commands are zs_mgmt_cmd's.

   Metrics (127.0.0.1:9091/metrics by default) is Prometheus' text format
   over HTTP/1.1 GET, every metric named zkseq_* (zs_mgmt_metrics).

   Both listen on loopback unless configured otherwise; an address beyond
   loopback needs TLS (a certificate and key) and a token, or zkseqd
   refuses to start.  With a token, every management request and every
   scrape (Authorization: Bearer TOKEN) must carry it.  Commands that change
   anything are logged with the peer address and the user the client names.

   Thread safety: start and stop from one thread; connections are served on
   their own threads. */
#ifndef ZS_MGMT_H
#define ZS_MGMT_H

#include <jansson.h>
#include <stdint.h>

#include "host/mgmt/zs_mgmt_ctx.h"

typedef struct {
    int enabled;
    const char *host;          /* "127.0.0.1" */
    uint16_t port;             /* 8126; 0 picks a free one */
    int metrics_enabled;
    const char *metrics_host;  /* "127.0.0.1" */
    uint16_t metrics_port;     /* 9091; 0 picks a free one */
    const char *tls_cert, *tls_key; /* PEM files; both or neither */
    const char *token;         /* "" for none */
} zs_mgmt_cfg_t;

typedef struct zs_mgmt zs_mgmt_t;

/* NULL with a sentence in err (a port in use, a missing certificate, an
   address beyond loopback without TLS and a token). */
zs_mgmt_t *zs_mgmt_start(const zs_mgmt_cfg_t *cfg, const zs_mgmt_ctx_t *ctx, char *err, size_t errlen);
uint16_t zs_mgmt_port(const zs_mgmt_t *m);
uint16_t zs_mgmt_metrics_port(const zs_mgmt_t *m);
/* Stops listening and waits for the connections in progress. */
void zs_mgmt_stop(zs_mgmt_t *m);

/* zs_mgmt_handle_line answers one request line from peer (what each
   connection does per line; also the fuzz target's entry): the reply
   object, never NULL except when out of memory. */
json_t *zs_mgmt_handle_line(zs_mgmt_t *m, const char *line, const char *peer);

#endif
