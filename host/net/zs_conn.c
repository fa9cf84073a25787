#include "host/net/zs_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "lib/base/zs_time.h"

struct zs_tls {
    int server;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt; /* server: its chain; client: the CAs */
    mbedtls_pk_context key;
};

struct zs_conn {
    int fd;
    zs_tls_t *tls;
    mbedtls_ssl_context ssl;
    char peer[64];
    char buf[4096]; /* readline's look-ahead */
    size_t pos, len;
    uint64_t deadline_ns; /* for the TLS layer's reads and writes */
};

static void tls_err(char *err, size_t errlen, const char *what, int rc)
{
    char e[160];
    mbedtls_strerror(rc, e, sizeof e);
    snprintf(err, errlen, "%s: %s", what, e);
}

static zs_tls_t *tls_new(int server, char *err, size_t errlen)
{
    zs_tls_t *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->server = server;
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->crt);
    mbedtls_pk_init(&t->key);
    static const unsigned char pers[] = "zkseq management";
    int rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, pers, sizeof pers - 1);
    if (!rc)
        rc = mbedtls_ssl_config_defaults(&t->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc) {
        tls_err(err, errlen, "TLS set-up", rc);
        zs_tls_free(t);
        return NULL;
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2+ */
    return t;
}

zs_tls_t *zs_tls_server(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    zs_tls_t *t = tls_new(1, err, errlen);
    if (!t) return NULL;
    int rc;
    if ((rc = mbedtls_x509_crt_parse_file(&t->crt, cert_file))) {
        tls_err(err, errlen, cert_file, rc);
        goto fail;
    }
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_parse_keyfile(&t->key, key_file, NULL, mbedtls_ctr_drbg_random, &t->drbg);
#else
    rc = mbedtls_pk_parse_keyfile(&t->key, key_file, NULL);
#endif
    if (rc) {
        tls_err(err, errlen, key_file, rc);
        goto fail;
    }
    if ((rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->crt, &t->key))) {
        tls_err(err, errlen, "TLS certificate and key", rc);
        goto fail;
    }
    return t;
fail:
    zs_tls_free(t);
    return NULL;
}

zs_tls_t *zs_tls_client(const char *ca_file, char *err, size_t errlen)
{
    zs_tls_t *t = tls_new(0, err, errlen);
    if (!t) return NULL;
    const char *ca = ca_file ? ca_file : "/etc/ssl/certs/ca-certificates.crt";
    int rc = mbedtls_x509_crt_parse_file(&t->crt, ca);
    if (rc < 0) { /* > 0: some certificates of a bundle did not parse; the rest serve */
        tls_err(err, errlen, ca, rc);
        zs_tls_free(t);
        return NULL;
    }
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->crt, NULL);
    return t;
}

void zs_tls_free(zs_tls_t *t)
{
    if (!t) return;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    mbedtls_x509_crt_free(&t->crt);
    mbedtls_pk_free(&t->key);
    free(t);
}

/* Waits for fd to be readable (events POLLIN) or writable until the
   deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t now = zs_mono_ns();
        if (now >= deadline_ns) return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int ms = (int)((deadline_ns - now + 999999) / 1000000);
        int rc = poll(&p, 1, ms);
        if (rc > 0) return 1;
        if (rc < 0 && errno != EINTR) return -1;
    }
}

static int bio_send(void *ctx, const unsigned char *p, size_t n)
{
    zs_conn_t *c = ctx;
    int w = wait_fd(c->fd, POLLOUT, c->deadline_ns);
    if (w <= 0) return w ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : MBEDTLS_ERR_SSL_WANT_WRITE;
    ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
    if (k < 0) return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    return (int)k;
}

static int bio_recv(void *ctx, unsigned char *p, size_t n)
{
    zs_conn_t *c = ctx;
    int w = wait_fd(c->fd, POLLIN, c->deadline_ns);
    if (w <= 0) return w ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : MBEDTLS_ERR_SSL_TIMEOUT;
    ssize_t k = recv(c->fd, p, n, 0);
    if (k < 0) return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    return (int)k; /* 0: the peer closed */
}

zs_conn_t *zs_conn_open(int fd, zs_tls_t *tls, const char *host, int timeout_ms, char *err, size_t errlen)
{
    zs_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->fd = fd;
    c->tls = tls;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    snprintf(c->peer, sizeof c->peer, "?");
    if (!getpeername(fd, (struct sockaddr *)&ss, &sl) && ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
        snprintf(c->peer, sizeof c->peer, "%s:%u", a, ntohs(in->sin_port));
    }
    if (!tls) return c;
    mbedtls_ssl_init(&c->ssl);
    int rc = mbedtls_ssl_setup(&c->ssl, &tls->conf);
    if (!rc && !tls->server && host) rc = mbedtls_ssl_set_hostname(&c->ssl, host);
    if (rc) {
        tls_err(err, errlen, "TLS", rc);
        zs_conn_close(c);
        return NULL;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    c->deadline_ns = zs_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    while ((rc = mbedtls_ssl_handshake(&c->ssl))) {
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        uint32_t flags = tls->server ? 0 : mbedtls_ssl_get_verify_result(&c->ssl);
        if (flags && flags != (uint32_t)-1) {
            char v[256];
            mbedtls_x509_crt_verify_info(v, sizeof v, "", flags);
            v[strcspn(v, "\n")] = 0;
            snprintf(err, errlen, "TLS handshake with %s failed (certificate not trusted): %s", c->peer, v);
        } else {
            char e[160];
            mbedtls_strerror(rc, e, sizeof e);
            snprintf(err, errlen, "TLS handshake with %s failed: %s", c->peer, e);
        }
        zs_conn_close(c);
        return NULL;
    }
    return c;
}

void zs_conn_close(zs_conn_t *c)
{
    if (!c) return;
    if (c->tls) {
        c->deadline_ns = zs_mono_ns() + 100000000u;
        mbedtls_ssl_close_notify(&c->ssl);
        mbedtls_ssl_free(&c->ssl);
    }
    close(c->fd);
    free(c);
}

const char *zs_conn_peer(const zs_conn_t *c) { return c->peer; }

static ssize_t raw_read(zs_conn_t *c, void *p, size_t n, int timeout_ms)
{
    c->deadline_ns = zs_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    if (!c->tls) {
        int w = wait_fd(c->fd, POLLIN, c->deadline_ns);
        if (w <= 0) return w ? ZS_ERR_IO : ZS_ERR_TIMEOUT;
        ssize_t k = recv(c->fd, p, n, 0);
        return k < 0 ? ZS_ERR_IO : k;
    }
    for (;;) {
        int rc = mbedtls_ssl_read(&c->ssl, p, n);
        if (rc >= 0) return rc;
        if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0;
        if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return ZS_ERR_TIMEOUT;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) return ZS_ERR_IO;
    }
}

ssize_t zs_conn_read(zs_conn_t *c, void *p, size_t n, int timeout_ms)
{
    if (c->pos < c->len) {
        size_t k = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(p, c->buf + c->pos, k);
        c->pos += k;
        return (ssize_t)k;
    }
    return raw_read(c, p, n, timeout_ms);
}

int zs_conn_write(zs_conn_t *c, const void *p, size_t n, int timeout_ms)
{
    c->deadline_ns = zs_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    const uint8_t *b = p;
    while (n) {
        ssize_t k;
        if (c->tls) {
            int rc = mbedtls_ssl_write(&c->ssl, b, n);
            if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) continue;
            if (rc < 0) return ZS_ERR_IO;
            k = rc;
        } else {
            if (wait_fd(c->fd, POLLOUT, c->deadline_ns) <= 0) return ZS_ERR_IO;
            k = send(c->fd, b, n, MSG_NOSIGNAL);
            if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (k < 0) return ZS_ERR_IO;
        }
        b += k;
        n -= (size_t)k;
    }
    return ZS_OK;
}

ssize_t zs_conn_readline(zs_conn_t *c, char *out, size_t cap, int timeout_ms)
{
    size_t n = 0;
    int too_long = 0;
    for (;;) {
        while (c->pos < c->len) {
            char ch = c->buf[c->pos++];
            if (ch == '\n') {
                if (too_long) return ZS_ERR_RANGE;
                if (n && out[n - 1] == '\r') n--;
                out[n] = 0;
                return (ssize_t)n;
            }
            if (n + 1 < cap) out[n++] = ch;
            else too_long = 1;
        }
        ssize_t k = raw_read(c, c->buf, sizeof c->buf, timeout_ms);
        if (k < 0) return k;
        if (k == 0) {
            if (!n && !too_long) return 0;
            out[n] = 0;
            return too_long ? ZS_ERR_RANGE : (ssize_t)n; /* a last line without a newline */
        }
        c->pos = 0;
        c->len = (size_t)k;
    }
}
