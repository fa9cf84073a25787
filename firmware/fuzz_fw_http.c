/* Fuzzes the firmware's HTTP client on what an L1 node answers (a node the
   operator names, not one we control): the input is what the server sends
   on the connection, handed over in pieces whose sizes its first byte
   chooses; two requests are made on the same client (a kept-alive
   connection, reopened when the server closed it).  Any bytes: no crash, no
   read or write outside the answer buffer, and an answer that is taken
   lies inside it, NUL-terminated. */
#include <stdlib.h>
#include <string.h>

#include "firmware/fw_http.h"
#include "firmware/hal.h"
#include "tests/support/zs_fuzz_check.h"

typedef struct {
    const uint8_t *data;
    size_t size, pos, piece;
    uint64_t now;
    int open;
} server_t;

static int net_connect(void *ctx, const char *host, uint16_t port, int timeout_ms)
{
    (void)host, (void)port, (void)timeout_ms;
    server_t *s = ctx;
    s->open = 1;
    return 3;
}

static int net_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    (void)ctx, (void)buf, (void)n, (void)timeout_ms;
    ZS_FUZZ_CHECK(h == 3);
    return 0;
}

/* The next piece of the server's bytes; a zero byte's piece is "nothing
   yet" (a timeout slice, the clock moving on); past the end, closed. */
static long net_recv(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms)
{
    (void)timeout_ms;
    server_t *s = ctx;
    ZS_FUZZ_CHECK(h == 3 && s->open && cap > 0);
    if (s->pos >= s->size) return 0;
    s->now += 10;
    size_t k = s->piece ? s->piece : s->size - s->pos;
    if (k > s->size - s->pos) k = s->size - s->pos;
    if (k > cap) k = cap;
    if (s->piece == 7 && s->data[s->pos] == 0xff) { /* now and then a slice with nothing */
        s->pos++;
        return ZS_ERR_TIMEOUT;
    }
    memcpy(buf, s->data + s->pos, k);
    s->pos += k;
    return (long)k;
}

static void net_close(void *ctx, int h)
{
    server_t *s = ctx;
    ZS_FUZZ_CHECK(h == 3 && s->open);
    s->open = 0;
}

static uint64_t now_ms(void *ctx)
{
    return ((server_t *)ctx)->now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    static const size_t pieces[] = {0, 1, 2, 3, 5, 7, 16, 100};
    server_t s = {.data = data + 1, .size = size - 1, .piece = pieces[data[0] % 8]};
    zs_hal_t hal = {.ctx = &s, .net_connect = net_connect, .net_send = net_send, .net_recv = net_recv,
                    .net_close = net_close, .now_ms = now_ms};
    fw_http_t c;
    ZS_FUZZ_CHECK(fw_http_init(&c, &hal, "http://l1.example:8545/rpc", NULL) == ZS_OK);
    for (int i = 0; i < 2; i++) {
        size_t cap = 512 << i, len = 0;
        char *resp = malloc(cap); /* exactly cap: ASan sees a byte past it */
        ZS_FUZZ_CHECK(resp);
        int rc = fw_http_post(&c, "{}", 2, resp, cap, &len, 1000);
        if (rc == ZS_OK) ZS_FUZZ_CHECK(len < cap && resp[len] == 0);
        free(resp);
    }
    fw_http_close(&c);
    ZS_FUZZ_CHECK(!s.open);
    return 0;
}
