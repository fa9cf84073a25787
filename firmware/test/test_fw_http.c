/* The firmware's HTTP client (fw_http) reading an L1 node's answers, on a
   scripted connection: each recv hands over the next piece of the script,
   so an answer can be cut anywhere.

   - a Content-Length answer, and a second request on the kept connection;
   - a chunked answer with an extension and a trailer, one byte a read;
   - a chunked answer cut where its bytes so far end like the last chunk
     ("...0\r\n\r\n" inside a chunk): the client reads on (it decoded early
     and refused the answer before);
   - a chunk size of 2^64-1 is refused as a bad body (it wrapped the bounds
     check and moved 2^64-1 bytes before: found by fuzz_fw_http);
   - a negative Content-Length is refused; an answer ended by the close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/fw_http.h"
#include "firmware/hal.h"

typedef struct {
    const char *const *pieces; /* NULL-terminated; after the last, closed */
    size_t next, connects, sent;
    uint64_t now;
} script_t;

static int net_connect(void *ctx, const char *host, uint16_t port, int timeout_ms)
{
    (void)host, (void)port, (void)timeout_ms;
    ((script_t *)ctx)->connects++;
    return 5;
}

static int net_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    (void)h, (void)buf, (void)timeout_ms;
    ((script_t *)ctx)->sent += n;
    return 0;
}

static long net_recv(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms)
{
    (void)h, (void)timeout_ms;
    script_t *s = ctx;
    s->now += 1;
    const char *p = s->pieces[s->next];
    if (!p) return 0;
    size_t n = strlen(p);
    assert_true(n <= cap);
    memcpy(buf, p, n);
    s->next++;
    return (long)n;
}

static void net_close(void *ctx, int h)
{
    (void)ctx, (void)h;
}

static uint64_t now_ms(void *ctx)
{
    return ((script_t *)ctx)->now;
}

/* One request against the script: the client's code, the body in resp. */
static int post(script_t *s, fw_http_t *c, char *resp, size_t cap, size_t *len)
{
    static zs_hal_t hal;
    hal = (zs_hal_t){.ctx = s, .net_connect = net_connect, .net_send = net_send, .net_recv = net_recv,
                     .net_close = net_close, .now_ms = now_ms};
    if (c->hal != &hal) assert_int_equal(fw_http_init(c, &hal, "http://l1.test:8545/", NULL), 0);
    return fw_http_post(c, "{}", 2, resp, cap, len, 1000);
}

/* What one request on a new client against a script got: the client's
   code, the body and its length, the client's reason, whether it kept the
   connection open, how many pieces it read. */
typedef struct {
    int rc;
    char resp[256];
    size_t len;
    char err[160];
    int kept;
    size_t read;
} result_t;

static result_t one_request(const char *const *pieces)
{
    result_t r = {0};
    script_t s = {.pieces = pieces};
    fw_http_t c = {0};
    r.rc = post(&s, &c, r.resp, sizeof r.resp, &r.len);
    memcpy(r.err, c.err, sizeof r.err);
    r.kept = c.h >= 0;
    r.read = s.next;
    fw_http_close(&c);
    return r;
}

static void test_length_and_kept_connection(void **state)
{
    (void)state;
    const char *const pieces[] = {"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"result\":\"0x1\"}",
                                  "HTTP/1.1 200 OK\r\ncontent-length:  2\r\n\r\n", "{}", NULL};
    script_t s = {.pieces = pieces};
    fw_http_t c = {0};
    char resp[256];
    size_t len = 0;
    assert_int_equal(post(&s, &c, resp, sizeof resp, &len), 0);
    assert_int_equal(len, 16);
    assert_string_equal(resp, "{\"result\":\"0x1\"}");
    assert_int_equal(post(&s, &c, resp, sizeof resp, &len), 0);
    assert_string_equal(resp, "{}");
    assert_int_equal(s.connects, 1);
    fw_http_close(&c);
}

static void test_chunked_byte_by_byte(void **state)
{
    (void)state;
    static const char answer[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "7;name=value\r\n{\"a\":\"b\r\n5\r\ncdef\"\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n";
    static char bytes[sizeof answer][2];
    const char *pieces[sizeof answer];
    for (size_t i = 0; i + 1 < sizeof answer; i++) {
        bytes[i][0] = answer[i];
        pieces[i] = bytes[i];
    }
    pieces[sizeof answer - 1] = NULL;
    result_t r = one_request(pieces);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.resp, "{\"a\":\"bcdef\"}");
    assert_int_equal(r.len, 13);
    assert_int_equal(r.read, sizeof answer - 1); /* every byte read, the trailer too */
    assert_true(r.kept);
}

static void test_chunk_ending_like_the_last(void **state)
{
    (void)state;
    const char *const pieces[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\na0\r\n\r\n",
                                  "2\r\nzz\r\n0\r\n\r\n", NULL};
    result_t r = one_request(pieces);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.len, 6);
    assert_memory_equal(r.resp, "a0\r\nzz", 6);
}

static void test_bad_answers_refused(void **state)
{
    (void)state;
    const char *const huge[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "ffffffffffffffff\r\nab\r\n0\r\n\r\n",
                                NULL};
    const char *const bare_lf[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", NULL};
    const char *const negative[] = {"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}", NULL};
    const char *const *cases[] = {huge, bare_lf, negative};
    const char *why[] = {"bad chunked body", "bad chunked body", "bad Content-Length"};
    for (int i = 0; i < 3; i++) {
        result_t r = one_request(cases[i]);
        assert_int_equal(r.rc, ZS_ERR_IO);
        assert_non_null(strstr(r.err, why[i]));
        assert_false(r.kept); /* a connection that said something wrong is not used again */
    }
}

static void test_body_ended_by_close(void **state)
{
    (void)state;
    const char *const pieces[] = {"HTTP/1.0 200 OK\r\n\r\n{\"res", "ult\":null}", NULL};
    result_t r = one_request(pieces);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.resp, "{\"result\":null}");
    assert_false(r.kept); /* closed after it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_and_kept_connection), cmocka_unit_test(test_chunked_byte_by_byte),
        cmocka_unit_test(test_chunk_ending_like_the_last), cmocka_unit_test(test_bad_answers_refused),
        cmocka_unit_test(test_body_ended_by_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
