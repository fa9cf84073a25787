#include "firmware/fw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base/zs_hex.h"

#define SLICE_MS 20

#if ZS_FW_TLS
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

struct fw_tls {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    fw_http_t *c;
    int timeout_ms;
};
static struct fw_tls tls_slot; /* one L1 connection: no allocation */
#endif

int fw_http_init(fw_http_t *c, const zs_hal_t *hal, const char *url, const char *ca_pem)
{
    memset(c, 0, sizeof *c);
    c->hal = hal;
    c->h = -1;
    c->ca_pem = ca_pem;
    const char *p;
    if (!strncmp(url, "http://", 7)) {
        p = url + 7;
        c->port = 80;
    } else if (!strncmp(url, "https://", 8)) {
        p = url + 8;
        c->port = 443;
        c->https = 1;
#if !ZS_FW_TLS
        return ZS_ERR_UNSUPPORTED;
#endif
    } else {
        return ZS_ERR_PARSE;
    }
    size_t hl = strcspn(p, ":/");
    if (!hl || hl >= sizeof c->host)
        return ZS_ERR_PARSE;
    memcpy(c->host, p, hl);
    p += hl;
    if (*p == ':') {
        char *end;
        unsigned long port = strtoul(p + 1, &end, 10);
        if (end == p + 1 || !port || port > 65535 || (*end && *end != '/'))
            return ZS_ERR_PARSE;
        c->port = (uint16_t)port;
        p = end;
    }
    if (!*p) p = "/";
    if (strlen(p) >= sizeof c->path)
        return ZS_ERR_PARSE;
    strcpy(c->path, p);
    return ZS_OK;
}

static void yield(fw_http_t *c)
{
    if (c->yield) c->yield(c->yield_arg);
}

#if ZS_FW_TLS
static int tls_send(void *arg, const unsigned char *buf, size_t n)
{
    struct fw_tls *t = arg;
    int rc = t->c->hal->net_send(t->c->hal->ctx, t->c->h, buf, n, t->timeout_ms);
    return rc < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : (int)n;
}

static int tls_recv(void *arg, unsigned char *buf, size_t n)
{
    struct fw_tls *t = arg;
    long r = t->c->hal->net_recv(t->c->hal->ctx, t->c->h, buf, n, SLICE_MS);
    if (r == ZS_ERR_TIMEOUT) {
        yield(t->c);
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (r < 0) return MBEDTLS_ERR_NET_RECV_FAILED;
    return (int)r;
}

static int tls_entropy(void *arg, unsigned char *out, size_t n)
{
    const zs_hal_t *hal = arg;
    return hal->random(hal->ctx, out, n) ? -1 : 0;
}

static void tls_free(fw_http_t *c)
{
    if (!c->tls) return;
    mbedtls_ssl_free(&c->tls->ssl);
    mbedtls_ssl_config_free(&c->tls->conf);
    mbedtls_ctr_drbg_free(&c->tls->drbg);
    mbedtls_x509_crt_free(&c->tls->ca);
    c->tls = NULL;
}

static int tls_open(fw_http_t *c, int timeout_ms)
{
    struct fw_tls *t = &tls_slot;
    memset(t, 0, sizeof *t);
    t->c = c;
    t->timeout_ms = timeout_ms;
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    c->tls = t;
    int rc;
    static const unsigned char pers[] = "zkseq-fw l1";
    if ((rc = mbedtls_ctr_drbg_seed(&t->drbg, tls_entropy, (void *)c->hal, pers, sizeof pers - 1)) ||
        (rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT))) {
        snprintf(c->err, sizeof c->err, "TLS setup failed (-0x%04x)", -rc);
        return ZS_ERR_IO;
    }
    if (!c->ca_pem ||
        (rc = mbedtls_x509_crt_parse(&t->ca, (const unsigned char *)c->ca_pem, strlen(c->ca_pem) + 1))) {
        snprintf(c->err, sizeof c->err, "https needs a CA certificate (l1_ca_file): %s",
                 c->ca_pem ? "it does not parse" : "none given");
        return ZS_ERR_IO;
    }
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf)) || (rc = mbedtls_ssl_set_hostname(&t->ssl, c->host))) {
        snprintf(c->err, sizeof c->err, "TLS setup failed (-0x%04x)", -rc);
        return ZS_ERR_IO;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, tls_send, tls_recv, NULL);
    uint64_t deadline = c->hal->now_ms(c->hal->ctx) + (uint64_t)timeout_ms;
    while ((rc = mbedtls_ssl_handshake(&t->ssl))) {
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            char e[96];
            mbedtls_strerror(rc, e, sizeof e);
            uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
            snprintf(c->err, sizeof c->err, "TLS handshake with %s failed%s: %s", c->host,
                     flags && flags != (uint32_t)-1 ? " (certificate not trusted)" : "", e);
            return ZS_ERR_IO;
        }
        if (c->hal->now_ms(c->hal->ctx) > deadline) {
            snprintf(c->err, sizeof c->err, "TLS handshake with %s timed out", c->host);
            return ZS_ERR_TIMEOUT;
        }
    }
    return ZS_OK;
}
#endif

void fw_http_close(fw_http_t *c)
{
#if ZS_FW_TLS
    if (c->tls) {
        mbedtls_ssl_close_notify(&c->tls->ssl);
        tls_free(c);
    }
#endif
    if (c->h >= 0) c->hal->net_close(c->hal->ctx, c->h);
    c->h = -1;
}

static int conn_open(fw_http_t *c, int timeout_ms)
{
    if (c->h >= 0)
        return ZS_OK;
    int h = c->hal->net_connect(c->hal->ctx, c->host, c->port, timeout_ms);
    if (h < 0) {
        snprintf(c->err, sizeof c->err, "cannot connect to %s:%u (%s)", c->host, c->port, zs_strerror(h));
        return h == ZS_ERR_TIMEOUT ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
    }
    c->h = h;
#if ZS_FW_TLS
    if (c->https) {
        int rc = tls_open(c, timeout_ms);
        if (rc) {
            fw_http_close(c);
            return rc;
        }
    }
#endif
    return ZS_OK;
}

static int conn_send(fw_http_t *c, const void *buf, size_t n, int timeout_ms)
{
#if ZS_FW_TLS
    if (c->tls) {
        c->tls->timeout_ms = timeout_ms;
        const unsigned char *p = buf;
        while (n) {
            int rc = mbedtls_ssl_write(&c->tls->ssl, p, n);
            if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
            if (rc <= 0) return ZS_ERR_IO;
            p += rc;
            n -= (size_t)rc;
        }
        return ZS_OK;
    }
#endif
    return c->hal->net_send(c->hal->ctx, c->h, buf, n, timeout_ms) < 0 ? ZS_ERR_IO : ZS_OK;
}

/* One slice of waiting for bytes: >0 bytes, 0 closed, ZS_ERR_TIMEOUT for
   nothing yet, ZS_ERR_IO. */
static long conn_recv(fw_http_t *c, uint8_t *buf, size_t cap)
{
#if ZS_FW_TLS
    if (c->tls) {
        int rc = mbedtls_ssl_read(&c->tls->ssl, buf, cap);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return ZS_ERR_TIMEOUT;
        if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == 0) return 0;
        return rc < 0 ? ZS_ERR_IO : rc;
    }
#endif
    long r = c->hal->net_recv(c->hal->ctx, c->h, buf, cap, SLICE_MS);
    if (r == ZS_ERR_TIMEOUT) yield(c);
    return r;
}

/* Case-insensitive header lookup in head[0..n): the value's start, or NULL. */
static const char *header(const char *head, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 < n; i++) {
        if ((i == 0 || head[i - 1] == '\n') && !strncasecmp(head + i, name, nl) && head[i + nl] == ':') {
            const char *v = head + i + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            return v;
        }
    }
    return NULL;
}

/* The end of the line that starts at in (the index after its CRLF): 0 when
   the line is not all here yet, -1 when it ends in a bare LF. */
static long line_end(const char *b, size_t in, size_t have)
{
    const char *lf = memchr(b + in, '\n', have - in);
    if (!lf) return 0;
    if (lf == b + in || lf[-1] != '\r') return -1;
    return lf - b + 1;
}

/* A chunked body in b[head..have) (RFC 9112 7.1: hex size, extensions,
   CRLF, data, CRLF; a zero size, trailer lines, an empty line): 1 when it
   is whole, then decoded in place into b[0..*out) and NUL-terminated; 0
   when more must be read; -1 when it is not a chunked body.  The first
   pass only checks, so nothing moves before the body is whole. */
static int unchunk(char *b, size_t head, size_t have, size_t *out)
{
    for (int move = 0; move < 2; move++) {
        size_t in = head, o = 0;
        for (;;) {
            size_t sz;
            int digits = 0, d;
            for (sz = 0; in < have && (d = zs_hex_digit((unsigned char)b[in])) >= 0; in++, digits++) {
                if (sz >> 27) return -1; /* past 2 GiB: no answer buffer holds it */
                sz = sz << 4 | (size_t)d;
            }
            if (in < have && (!digits || (b[in] != '\r' && b[in] != ';'))) return -1;
            long e = in < have ? line_end(b, in, have) : 0;
            if (e <= 0) return (int)e;
            in = (size_t)e;
            if (!sz) break;
            if (sz > have - in || have - in - sz < 2) return 0;
            if (b[in + sz] != '\r' || b[in + sz + 1] != '\n') return -1;
            if (move) memmove(b + o, b + in, sz);
            o += sz;
            in += sz + 2;
        }
        for (size_t start = in;; start = in) { /* trailer lines up to an empty one */
            long e = in < have ? line_end(b, in, have) : 0;
            if (e <= 0) return (int)e;
            in = (size_t)e;
            if (in - start == 2) break;
        }
        if (move) {
            b[o] = 0;
            *out = o;
        }
    }
    return 1;
}

/* Reads the response into buf (header and body) and decodes the body in
   place.  The connection stays open unless the server asked to close. */
static int read_response(fw_http_t *c, char *resp, size_t cap, size_t *len, uint64_t deadline, int *status,
                         int *got_any)
{
    size_t have = 0, head_len = 0, body_len = 0;
    long content_length = -1;
    int chunked = 0, close_after = 0;
    *got_any = 0;
    for (;;) {
        if (have + 1 >= cap) {
            snprintf(c->err, sizeof c->err, "L1 response larger than %zu bytes", cap);
            return ZS_ERR_FULL;
        }
        long r = conn_recv(c, (uint8_t *)resp + have, cap - 1 - have);
        if (r == ZS_ERR_TIMEOUT) {
            if (c->hal->now_ms(c->hal->ctx) > deadline) {
                snprintf(c->err, sizeof c->err, "L1 did not answer in time");
                return ZS_ERR_TIMEOUT;
            }
            continue;
        }
        if (r < 0 || (r == 0 && !(head_len && !chunked && content_length < 0))) {
            snprintf(c->err, sizeof c->err, "L1 connection %s", r < 0 ? "failed" : "closed early");
            return ZS_ERR_IO;
        }
        if (r == 0) { /* body delimited by close */
            body_len = have - head_len;
            close_after = 1;
            break;
        }
        *got_any = 1;
        have += (size_t)r;
        resp[have] = 0;
        if (!head_len) {
            char *e = strstr(resp, "\r\n\r\n");
            if (!e) continue;
            head_len = (size_t)(e - resp) + 4;
            if (strncmp(resp, "HTTP/1.", 7) || have < 12) {
                snprintf(c->err, sizeof c->err, "L1 answer is not HTTP");
                return ZS_ERR_IO;
            }
            *status = atoi(resp + 9);
            const char *v;
            if ((v = header(resp, head_len, "Content-Length"))) {
                char *end;
                content_length = strtol(v, &end, 10);
                if (end == v || content_length < 0 || (*end != '\r' && *end != ' ' && *end != '\t')) {
                    snprintf(c->err, sizeof c->err, "L1 answer has a bad Content-Length");
                    return ZS_ERR_IO;
                }
            }
            if ((v = header(resp, head_len, "Transfer-Encoding")) && !strncasecmp(v, "chunked", 7)) chunked = 1;
            if ((v = header(resp, head_len, "Connection")) && !strncasecmp(v, "close", 5)) close_after = 1;
            if (content_length < 0 && !chunked) close_after = 1;
        }
        if (content_length >= 0 && have - head_len >= (size_t)content_length) {
            body_len = (size_t)content_length;
            break;
        }
        if (chunked) {
            int whole = unchunk(resp, head_len, have, len);
            if (whole < 0) {
                snprintf(c->err, sizeof c->err, "bad chunked body");
                return ZS_ERR_IO;
            }
            if (!whole) continue;
            if (close_after) fw_http_close(c);
            return ZS_OK;
        }
    }
    memmove(resp, resp + head_len, body_len);
    resp[body_len] = 0;
    *len = body_len;
    if (close_after) fw_http_close(c);
    return ZS_OK;
}

int fw_http_post(fw_http_t *c, const char *body, size_t blen, char *resp, size_t cap, size_t *len, int timeout_ms)
{
    uint64_t deadline = c->hal->now_ms(c->hal->ctx) + (uint64_t)timeout_ms;
    char head[400];
    int hn = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s:%u\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
                      c->path, c->host, c->port, blen);
    /* A kept-alive connection the server closed shows up as a failure on
       first use: one retry on a fresh connection, but only when the old one
       gave back nothing at all (so no request is answered twice). */
    for (int attempt = 0; attempt < 2; attempt++) {
        int reused = c->h >= 0;
        int rc = conn_open(c, timeout_ms);
        if (rc) return rc;
        if (conn_send(c, head, (size_t)hn, timeout_ms) || conn_send(c, body, blen, timeout_ms)) {
            fw_http_close(c);
            snprintf(c->err, sizeof c->err, "sending to %s:%u failed", c->host, c->port);
            if (reused) continue;
            return ZS_ERR_IO;
        }
        int status = 0, got_any = 0;
        rc = read_response(c, resp, cap, len, deadline, &status, &got_any);
        if (rc) {
            fw_http_close(c);
            if (rc == ZS_ERR_IO && reused && !got_any) continue;
            return rc;
        }
        if (status != 200) {
            snprintf(c->err, sizeof c->err, "L1 answered HTTP %d", status);
            return ZS_ERR_REFUSED;
        }
        return ZS_OK;
    }
    return ZS_ERR_IO;
}
