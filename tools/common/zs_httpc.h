/* zs_httpc: a minimal HTTP/1.1 client for the tools' JSON-RPC loads: keep-
   alive connections to 127.0.0.1, pipelined POSTs, Content-Length bodies
   only.  Tool code: one connection per thread. */
#ifndef ZS_HTTPC_H
#define ZS_HTTPC_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
} zs_httpc_t;

int zs_httpc_open(zs_httpc_t *c, uint16_t port);
void zs_httpc_close(zs_httpc_t *c);
/* Sends one POST / with a JSON body (does not wait for the answer). */
int zs_httpc_post(zs_httpc_t *c, const char *body, size_t blen);
/* Sends one GET of path (does not wait for the answer). */
int zs_httpc_get(zs_httpc_t *c, const char *path);
/* Reads the next response; its body is copied to out (NUL-terminated,
   truncated to cap).  0, or -1 on a broken connection. */
int zs_httpc_read(zs_httpc_t *c, char *out, size_t cap);
/* One request on a fresh connection. */
int zs_httpc_call(uint16_t port, const char *body, char *out, size_t cap);

#endif
