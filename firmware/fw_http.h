/* fw_http: the firmware's HTTP/1.1 client for L1 JSON-RPC: POST with a
   body, a kept-alive connection that is reopened when the server closes it,
   responses with Content-Length or chunked bodies; HTTPS through mbedTLS
   when the URL says https:// (builds with ZS_FW_TLS; the certificate is
   checked against the CA given in the configuration and the host name).

   While it waits for the network it calls the yield hook every few tens of
   milliseconds, so the firmware's main loop keeps serving the mailbox and
   its heartbeat during a slow L1.  Single thread (the firmware core's). */
#ifndef FW_HTTP_H
#define FW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/hal.h"
#include "lib/base/zs_err.h"

typedef struct fw_tls fw_tls_t;

typedef struct {
    const zs_hal_t *hal;
    char host[128];
    char path[128];
    uint16_t port;
    int https;
    int h;              /* open connection, or -1 */
    fw_tls_t *tls;      /* the TLS session on h (https only) */
    const char *ca_pem; /* NUL-terminated PEM, for https */
    void (*yield)(void *arg);
    void *yield_arg;
    char err[160];      /* why the last request failed */
} fw_http_t;

/* fw_http_init parses url (http://host[:port][/path] or https://...).
   0, ZS_ERR_PARSE, or ZS_ERR_UNSUPPORTED (https in a build without TLS). */
ZS_MUST_USE int fw_http_init(fw_http_t *c, const zs_hal_t *hal, const char *url, const char *ca_pem);

/* fw_http_post sends body as application/json and reads the response body
   into resp[0..cap) (NUL-terminated; length in *len).  0 (HTTP 200),
   ZS_ERR_IO (connection, TLS or protocol trouble), ZS_ERR_TIMEOUT,
   ZS_ERR_FULL (response larger than cap), ZS_ERR_REFUSED (another HTTP
   status).  The reason is in c->err. */
ZS_MUST_USE int fw_http_post(fw_http_t *c, const char *body, size_t blen, char *resp, size_t cap, size_t *len,
                             int timeout_ms);

void fw_http_close(fw_http_t *c);

#endif
