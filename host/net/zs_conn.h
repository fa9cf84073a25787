/* zs_conn: a byte stream over a connected socket, plain or TLS (mbedTLS),
   with time limits on every read and write: what the management port and
   the metrics port serve on, and what zkseqctl connects with.

   A zs_tls_t holds what many connections share: the server's certificate
   and key, or the client's trusted CAs, and a random generator.  Each
   zs_conn_t does its handshake in zs_conn_open.

   Thread safety: a zs_tls_t may be shared by connections on any threads;
   one zs_conn_t is used by one thread at a time. */
#ifndef ZS_CONN_H
#define ZS_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/base/zs_err.h"

typedef struct zs_tls zs_tls_t;
typedef struct zs_conn zs_conn_t;

/* A server's TLS: the certificate chain and private key, PEM files.  NULL
   with the reason in err. */
zs_tls_t *zs_tls_server(const char *cert_file, const char *key_file, char *err, size_t errlen);
/* A client's TLS: the CAs to trust (a PEM file; NULL for the system's
   bundle).  NULL with the reason in err. */
zs_tls_t *zs_tls_client(const char *ca_file, char *err, size_t errlen);
void zs_tls_free(zs_tls_t *t);

/* zs_conn_open takes over fd (closed by zs_conn_close, or here on
   failure) and, with tls, does the handshake within timeout_ms; a client
   checks the server's certificate against host.  NULL with the reason. */
zs_conn_t *zs_conn_open(int fd, zs_tls_t *tls, const char *host, int timeout_ms, char *err, size_t errlen);
void zs_conn_close(zs_conn_t *c);

/* zs_conn_read reads at most n bytes, waiting up to timeout_ms: the count,
   0 at the end of the stream, ZS_ERR_TIMEOUT or ZS_ERR_IO. */
ssize_t zs_conn_read(zs_conn_t *c, void *p, size_t n, int timeout_ms);
/* zs_conn_write writes all n bytes within timeout_ms: 0 or ZS_ERR_IO. */
int zs_conn_write(zs_conn_t *c, const void *p, size_t n, int timeout_ms);
/* zs_conn_readline reads a line (without its newline) into buf: its length,
   0 at the end of the stream before any byte, ZS_ERR_RANGE for a line
   longer than cap - 1 (the rest of it is discarded), ZS_ERR_TIMEOUT or
   ZS_ERR_IO. */
ssize_t zs_conn_readline(zs_conn_t *c, char *buf, size_t cap, int timeout_ms);

/* zs_conn_peer: "ADDR:PORT" of the other side. */
const char *zs_conn_peer(const zs_conn_t *c);

#endif
