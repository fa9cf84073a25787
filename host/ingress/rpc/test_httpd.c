/* The JSON-RPC port's HTTP server on its own: pipelined requests handed
   over in one round and answered in their order though answered in reverse
   from another thread; HTTP/1.0 without keep-alive closed after its answer;
   a declared body above the limit answered (413) without being read, then
   closed; a chunked one above it marked; the connection limit; Expect:
   100-continue; garbage answered 400; a stream handed its socket, and the
   stop waiting for a stream until it ends; a client that pipelines 1,000
   requests with 64 KiB answers and reads nothing is read no more, then
   served in order as it reads; mangled requests change nothing for the
   next client; headers dribbled in past the timeout closed; HEAD answered
   without a body. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "host/ingress/rpc/zs_httpd.h"
#include "lib/base/zs_time.h"
#include "tests/support/zs_test.h"

typedef struct {
    pthread_mutex_t mu;
    size_t max_round, total;
    int reverse; /* answer each round from a thread, last first */
    int streams_ended, streams_dropped;
} seen_t;

typedef struct {
    zs_httpd_req_t *reqs[64];
    size_t n;
} batch_t;

#define BIG 65536

/* Each answer's body: the method, the url, the body's length, whether too
   large; /big's, that and BIG bytes more. */
static void answer(zs_httpd_req_t *q)
{
    size_t len;
    zs_httpd_body(q, &len);
    if (!strncmp(zs_httpd_url(q), "/big", 4)) {
        char *b = malloc(BIG + 64);
        int n = snprintf(b, 64, "%s.", zs_httpd_url(q));
        memset(b + n, 'x', BIG);
        zs_httpd_answer(q, 200, "text/plain", b, (size_t)n + BIG);
        return;
    }
    char *b = malloc(128);
    int n = snprintf(b, 128, "%s %s %zu %d", zs_httpd_method(q), zs_httpd_url(q), len, zs_httpd_too_large(q));
    zs_httpd_answer(q, zs_httpd_too_large(q) ? 413 : 200, "text/plain", b, (size_t)n);
}

static void *answer_reversed(void *arg)
{
    batch_t *b = arg;
    usleep(20000);
    for (size_t i = b->n; i-- > 0;) answer(b->reqs[i]);
    free(b);
    return NULL;
}

static void stream_fn(void *arg, int fd, const char *head, size_t headlen)
{
    seen_t *s = arg;
    if (fd < 0) { /* never began */
        __atomic_add_fetch(&s->streams_dropped, 1, __ATOMIC_RELEASE);
        return;
    }
    if (send(fd, head, headlen, MSG_NOSIGNAL) < 0 || send(fd, "hello", 5, MSG_NOSIGNAL) < 0) {
        close(fd);
        return;
    }
    usleep(300000); /* still running when the test stops the server */
    close(fd);
    pthread_mutex_lock(&s->mu);
    s->streams_ended++;
    pthread_mutex_unlock(&s->mu);
}

static void on_round(void *ctx, zs_httpd_req_t *const *reqs, size_t n)
{
    seen_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    if (n > s->max_round) s->max_round = n;
    s->total += n;
    int reverse = s->reverse;
    pthread_mutex_unlock(&s->mu);
    batch_t *b = reverse ? calloc(1, sizeof *b) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(zs_httpd_url(reqs[i]), "/stream"))
            zs_httpd_stream(reqs[i], "text/event-stream", stream_fn, s);
        else if (b && b->n < 64)
            b->reqs[b->n++] = reqs[i];
        else
            answer(reqs[i]);
    }
    if (b) {
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, answer_reversed, b), 0);
        pthread_detach(th);
    }
}

static zs_httpd_t *start(seen_t *s, unsigned max_conns, unsigned timeout_s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    zs_httpd_cfg_t cfg = {.host = "127.0.0.1", .max_conns = max_conns, .max_body = 1000, .timeout_s = timeout_s,
                          .on_round = on_round, .ctx = s};
    char err[200];
    zs_httpd_t *h = zs_httpd_start(&cfg, err, sizeof err);
    assert_non_null(h);
    return h;
}

static int dial(zs_httpd_t *h)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(zs_httpd_port(h))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void put(int fd, const char *s)
{
    assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Reads until want appears want_n times, the peer closes, or 3 s pass;
   *closed says whether it closed. */
static size_t get(int fd, char *buf, size_t cap, const char *want, int want_n, int *closed)
{
    size_t len = 0;
    *closed = 0;
    for (;;) {
        int seen = 0;
        for (const char *p = buf; want && len && (p = strstr(p, want)); p++) seen++;
        if (want && seen >= want_n) return len;
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0) {
            *closed = k == 0;
            return len;
        }
        len += (size_t)k;
        buf[len] = 0;
    }
}

/* The connection answers with both strings (b may be NULL) and closes. */
static void closes_with(int fd, const char *a, const char *b)
{
    char buf[4096];
    int closed;
    get(fd, buf, sizeof buf, NULL, 0, &closed);
    assert_true(closed);
    assert_non_null(strstr(buf, a));
    if (b) assert_non_null(strstr(buf, b));
}

/* The connection answers until `until`, with `also` before it, and stays open. */
static void answers_with(int fd, const char *until, const char *also)
{
    char buf[4096];
    int closed;
    get(fd, buf, sizeof buf, until, 1, &closed);
    assert_false(closed);
    if (also) assert_non_null(strstr(buf, also));
}

static void test_pipelined_round(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    s.reverse = 1;
    int fd = dial(h);
    char req[4096] = "", one[256];
    for (int i = 0; i < 8; i++) {
        snprintf(one, sizeof one, "POST /r%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%.*s", i, i, i, "abcdefgh");
        strcat(req, one);
    }
    put(fd, req); /* all eight in one write */
    char buf[8192];
    int closed;
    get(fd, buf, sizeof buf, "HTTP/1.1 200", 8, &closed);
    assert_false(closed);
    const char *p = buf;
    for (int i = 0; i < 8; i++) {
        snprintf(one, sizeof one, "POST /r%d %d 0", i, i);
        const char *at = strstr(p, one);
        assert_non_null(at); /* in request order, though answered last first */
        p = at + 1;
    }
    assert_int_equal(s.max_round, 8); /* handed over together */
    assert_non_null(strstr(buf, "Access-Control-Allow-Origin: *"));
    close(fd);
    zs_httpd_free(h);
}

static void test_http10_closes(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    int fd = dial(h);
    put(fd, "GET /a HTTP/1.0\r\n\r\n");
    closes_with(fd, "Connection: close", "GET /a 0 0");
    close(fd);
    /* With keep-alive asked, it stays open. */
    fd = dial(h);
    put(fd, "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
    answers_with(fd, "GET /c", "GET /b 0 0");
    close(fd);
    zs_httpd_free(h);
}

static void test_too_large(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    int fd = dial(h);
    put(fd, "POST / HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n{\"a\":");
    closes_with(fd, "HTTP/1.1 413", "POST / 0 1");
    close(fd);
    /* Chunked past the limit: read to its end, marked, the connection kept. */
    fd = dial(h);
    char big[1200];
    memset(big, 'a', sizeof big);
    char req[2048];
    int n = snprintf(req, sizeof req, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%.*s\r\n0\r\n\r\n",
                     (unsigned)sizeof big, (int)sizeof big, big);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    put(fd, "POST /d HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
    answers_with(fd, "POST /d 2 0", "POST /c 0 1");
    close(fd);
    zs_httpd_free(h);
}

static void test_limits(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 2, 5);
    int a = dial(h), b = dial(h), c = dial(h);
    closes_with(c, "", NULL); /* the third: closed at once */
    put(a, "GET /a HTTP/1.1\r\n\r\n");
    answers_with(a, "GET /a", NULL);
    /* Expect: 100-continue gets its interim answer before the body. */
    put(b, "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    answers_with(b, "HTTP/1.1 100 Continue", NULL);
    put(b, "abc");
    answers_with(b, "POST /e 3 0", NULL);
    /* Not HTTP: 400, closed. */
    put(b, "\x16\x03\x01 garbage\r\n\r\n");
    closes_with(b, "HTTP/1.1 400", NULL);
    close(a);
    close(b);
    close(c);
    zs_httpd_free(h);
}

static void test_stream(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    int fd = dial(h), closed;
    /* A request before the stream is answered first, on the same socket. */
    put(fd, "GET /first HTTP/1.1\r\n\r\nGET /stream HTTP/1.1\r\n\r\n");
    char buf[4096];
    get(fd, buf, sizeof buf, "hello", 1, &closed);
    const char *first = strstr(buf, "GET /first"), *stream = strstr(buf, "text/event-stream");
    assert_non_null(first);
    assert_non_null(stream);
    assert_true(first < stream);
    zs_httpd_stop(h); /* waits for the stream's thread */
    assert_int_equal(s.streams_ended, 1);
    get(fd, buf, sizeof buf, NULL, 0, &closed);
    assert_true(closed);
    close(fd);
    zs_httpd_free(h);
}

/* A stream behind an answer still to come, its client gone first: its
   function is told (fd -1) so that it lets go of its argument. */
static void test_stream_dropped(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    s.reverse = 1; /* /a is answered 20 ms later, from a thread */
    int fd = dial(h);
    put(fd, "GET /a HTTP/1.1\r\n\r\nGET /stream HTTP/1.1\r\n\r\n");
    usleep(5000);
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd); /* a reset: the connection is gone at once */
    for (int i = 0; i < 100 && !__atomic_load_n(&s.streams_dropped, __ATOMIC_ACQUIRE); i++) usleep(10000);
    assert_int_equal(__atomic_load_n(&s.streams_dropped, __ATOMIC_ACQUIRE), 1);
    assert_int_equal(s.streams_ended, 0);
    zs_httpd_free(h);
}

/* A client that pipelines much and reads nothing: the server stops reading
   it (its answers are not all made), then, as it reads, gives every answer
   in order. */
static void test_backpressure(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    int fd = dial(h), small = 65536;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    enum { N = 1000 };
    char *reqs = malloc(N * 32), *p = reqs;
    for (int i = 0; i < N; i++) p += sprintf(p, "GET /big%d HTTP/1.1\r\n\r\n", i);
    assert_int_equal(send(fd, reqs, (size_t)(p - reqs), MSG_NOSIGNAL), p - reqs);
    usleep(500000);
    pthread_mutex_lock(&s.mu);
    size_t taken = s.total;
    pthread_mutex_unlock(&s.mu);
    assert_true(taken < N); /* 64 MB of answers were not made for a client that reads none */
    size_t cap = 1 << 20, len = 0, next = 0;
    char *buf = malloc(cap);
    while (next < N) { /* each answer's "/bigI." in turn */
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        assert_true(k > 0);
        len += (size_t)k;
        buf[len] = 0;
        char want[32];
        for (;;) {
            snprintf(want, sizeof want, "/big%zu.", next);
            char *at = strstr(buf, want);
            if (!at) break;
            next++;
            size_t keep = len - (size_t)(at + strlen(want) - buf);
            memmove(buf, at + strlen(want), keep); /* later answers are after it */
            len = keep;
            buf[len] = 0;
        }
        if (len > cap / 2) { /* keep only a tail where the next marker may start */
            memmove(buf, buf + len - 64, 64);
            len = 64;
            buf[len] = 0;
        }
    }
    assert_int_equal(s.total, N);
    free(buf);
    free(reqs);
    close(fd);
    zs_httpd_free(h);
}

/* 250 requests with random bytes changed, cut or repeated, each on a
   connection of its own (read until closed or 50 ms pass): the server
   answers well-formed requests after all of them. */
static void test_mangled(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    const char *good = "POST /m HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
                       "GET /n HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    size_t glen = strlen(good);
    srand(20);
    char buf[4096];
    for (int i = 0; i < 250; i++) {
        char m[512];
        size_t len = glen;
        memcpy(m, good, glen);
        for (int k = rand() % 8; k >= 0; k--) {
            size_t at = (size_t)rand() % len;
            switch (rand() % 3) {
            case 0: m[at] = (char)rand(); break;
            case 1: len = at + 1; break;
            default:
                if (len + 16 < sizeof m) {
                    memmove(m + at + 16, m + at, len - at);
                    len += 16;
                }
            }
        }
        int fd = dial(h);
        struct timeval tv = {.tv_usec = 50000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)send(fd, m, len, MSG_NOSIGNAL);
        int closed;
        get(fd, buf, sizeof buf, NULL, 0, &closed);
        close(fd);
    }
    int fd = dial(h);
    put(fd, good);
    answers_with(fd, "GET /n 3 0", "POST /m 5 0");
    close(fd);
    zs_httpd_free(h);
}

/* A client sending its headers a line every 300 ms is closed once they
   have taken longer than the timeout (1 s here), though never idle that
   long; HEAD gets its answer's headers without the body. */
static void test_slow_headers(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 1);
    int fd = dial(h);
    put(fd, "HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
    char buf[4096];
    int closed;
    get(fd, buf, sizeof buf, "GET /g 0 0", 1, &closed);
    assert_non_null(strstr(buf, "GET /g 0 0"));
    assert_null(strstr(buf, "HEAD /h")); /* no body for HEAD */
    uint64_t t0 = zs_mono_ns();
    put(fd, "GET /slow HTTP/1.1\r\n");
    closed = 0;
    for (int i = 0; i < 20 && !closed; i++) {
        usleep(300000);
        closed = recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 0 || send(fd, "X-A: b\r\n", 8, MSG_NOSIGNAL) < 0;
    }
    uint64_t took = zs_mono_ns() - t0;
    assert_true(closed);
    assert_true(took > 900000000ull && took < 4000000000ull);
    close(fd);
    zs_httpd_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_round), cmocka_unit_test(test_http10_closes), cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_stream),    cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_mangled),        cmocka_unit_test(test_slow_headers),
        cmocka_unit_test(test_stream_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
