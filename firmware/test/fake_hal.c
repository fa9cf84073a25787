#include "firmware/test/fake_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "lib/base/zs_err.h"

static long f_uart_read(void *ctx, uint8_t *buf, size_t cap)
{
    fake_hal_t *f = ctx;
    size_t n = f->uart_in_len - f->uart_in_pos;
    if (n > cap) n = cap;
    memcpy(buf, f->uart_in + f->uart_in_pos, n);
    f->uart_in_pos += n;
    return (long)n;
}

static void f_uart_write(void *ctx, const uint8_t *buf, size_t n)
{
    fake_hal_t *f = ctx;
    if (f->uart_out_len + n >= sizeof f->uart_out) f->uart_out_len = 0;
    memcpy(f->uart_out + f->uart_out_len, buf, n);
    f->uart_out_len += n;
    f->uart_out[f->uart_out_len] = 0;
}

static volatile uint8_t *f_mbox_base(void *ctx)
{
    return ((fake_hal_t *)ctx)->mbox;
}

static void f_wait(void *ctx, int ms)
{
    ((fake_hal_t *)ctx)->now += (uint64_t)ms;
}

static void f_notify(void *ctx)
{
    (void)ctx;
}

static int f_connect(void *ctx, const char *host, uint16_t port, int timeout_ms)
{
    fake_hal_t *f = ctx;
    if (f->l1->down) return ZS_ERR_IO;
    f->conn_open = 1;
    f->req_len = f->resp_len = f->resp_pos = 0;
    return 7;
}

static int f_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    fake_hal_t *f = ctx;
    if (!f->conn_open || h != 7 || f->l1->down) return ZS_ERR_IO;
    if (f->req_len + n >= sizeof f->req) return ZS_ERR_IO;
    memcpy(f->req + f->req_len, buf, n);
    f->req_len += n;
    f->req[f->req_len] = 0;
    /* A whole request: answer it. */
    char *e = strstr(f->req, "\r\n\r\n");
    if (!e) return 0;
    const char *cl = strstr(f->req, "Content-Length: ");
    if (!cl) return ZS_ERR_IO;
    size_t blen = strtoul(cl + 16, NULL, 10), hl = (size_t)(e - f->req) + 4;
    if (f->req_len < hl + blen) return 0;
    if (f->l1->timeout) {
        f->req_len = 0;
        return 0;
    }
    static char body[300000];
    fake_l1_handle(f->l1, f->req + hl, blen, body, sizeof body);
    f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    f->resp_pos = 0;
    memmove(f->req, f->req + hl + blen, f->req_len - hl - blen);
    f->req_len -= hl + blen;
    return 0;
}

static long f_recv(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms)
{
    fake_hal_t *f = ctx;
    if (!f->conn_open || h != 7) return ZS_ERR_IO;
    if (f->l1->down) return 0;
    size_t n = f->resp_len - f->resp_pos;
    if (!n) {
        f->now += (uint64_t)timeout_ms;
        return ZS_ERR_TIMEOUT;
    }
    if (n > cap) n = cap;
    memcpy(buf, f->resp + f->resp_pos, n);
    f->resp_pos += n;
    return (long)n;
}

static void f_close(void *ctx, int h)
{
    ((fake_hal_t *)ctx)->conn_open = 0;
}

static fake_rec_t *rec_find(fake_hal_t *f, const char *name)
{
    for (size_t i = 0; i < FAKE_RECORDS; i++)
        if (f->recs[i].used && !strcmp(f->recs[i].name, name)) return &f->recs[i];
    return NULL;
}

static int f_put(void *ctx, const char *name, const void *data, size_t len)
{
    fake_hal_t *f = ctx;
    if (f->puts_left == 0) return ZS_ERR_IO;
    if (f->puts_left > 0) f->puts_left--;
    f->puts++;
    if (strlen(name) > 63) return ZS_ERR_INVAL;
    fake_rec_t *r = rec_find(f, name);
    if (!r)
        for (size_t i = 0; i < FAKE_RECORDS && !r; i++)
            if (!f->recs[i].used) r = &f->recs[i];
    if (!r) return ZS_ERR_FULL;
    uint8_t *d = malloc(len ? len : 1);
    memcpy(d, data, len);
    free(r->data);
    r->data = d;
    r->len = len;
    r->used = 1;
    strcpy(r->name, name);
    return 0;
}

static int f_get(void *ctx, const char *name, void *buf, size_t cap, size_t *len)
{
    fake_rec_t *r = rec_find(ctx, name);
    if (!r) return ZS_ERR_NOTFOUND;
    *len = r->len;
    memcpy(buf, r->data, r->len < cap ? r->len : cap);
    return 0;
}

static int f_del(void *ctx, const char *name)
{
    fake_rec_t *r = rec_find(ctx, name);
    if (r) {
        free(r->data);
        r->data = NULL;
        r->used = 0;
    }
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int f_list(void *ctx, const char *prefix, void (*fn)(void *arg, const char *name), void *arg)
{
    fake_hal_t *f = ctx;
    static const char *names[FAKE_RECORDS];
    size_t n = 0, pl = strlen(prefix);
    for (size_t i = 0; i < FAKE_RECORDS; i++)
        if (f->recs[i].used && !strncmp(f->recs[i].name, prefix, pl)) names[n++] = f->recs[i].name;
    qsort(names, n, sizeof *names, cmp_name);
    static char copy[FAKE_RECORDS][64];
    for (size_t i = 0; i < n; i++) strcpy(copy[i], names[i]);
    for (size_t i = 0; i < n; i++) fn(arg, copy[i]);
    return 0;
}

static uint64_t f_now(void *ctx)
{
    return ((fake_hal_t *)ctx)->now;
}

static int f_random(void *ctx, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(i * 13 + 5);
    return 0;
}

static int f_key(void *ctx, uint8_t key[32])
{
    fake_hal_t *f = ctx;
    if (!f->have_key) return ZS_ERR_NOTFOUND;
    memcpy(key, f->key, 32);
    return 0;
}

static void f_log(void *ctx, const char *line)
{
    fake_hal_t *f = ctx;
    snprintf(f->logs[f->nlogs++ % 64], sizeof f->logs[0], "%s", line);
    if (getenv("FW_TEST_VERBOSE")) fprintf(stderr, "[%llu] %s\n", (unsigned long long)((fake_hal_t *)ctx)->now, line);
}

void fake_hal_init(fake_hal_t *f, fake_l1_t *l1)
{
    memset(f, 0, sizeof *f);
    f->l1 = l1;
    f->now = 1000;
    f->puts_left = -1;
    if (posix_memalign((void **)&f->mbox, 4096, ZS_MBOX_SIZE)) abort();
    memset(f->mbox, 0, ZS_MBOX_SIZE);
    f->hal = (zs_hal_t){.ctx = f, .uart_read = f_uart_read, .uart_write = f_uart_write, .mbox_base = f_mbox_base,
                        .wait = f_wait, .mbox_notify = f_notify, .net_connect = f_connect, .net_send = f_send,
                        .net_recv = f_recv, .net_close = f_close, .store_put = f_put, .store_get = f_get,
                        .store_del = f_del, .store_list = f_list, .now_ms = f_now, .random = f_random,
                        .key_read = f_key, .log = f_log};
}

void fake_hal_free(fake_hal_t *f)
{
    for (size_t i = 0; i < FAKE_RECORDS; i++) free(f->recs[i].data);
    free(f->mbox);
}

void fake_hal_type(fake_hal_t *f, const char *text)
{
    size_t n = strlen(text);
    if (n > sizeof f->uart_in) n = sizeof f->uart_in; /* what a real UART's buffer would drop */
    memcpy(f->uart_in, text, n);
    f->uart_in_len = n;
    f->uart_in_pos = 0;
}

void fake_hal_clear_uart(fake_hal_t *f)
{
    f->uart_out_len = 0;
    f->uart_out[0] = 0;
}
