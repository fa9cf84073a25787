/* The JSON-RPC port's HTTP server on its own: pipelined requests handed
   over in one round and answered in their order though answered in reverse
   from another thread; HTTP/1.0 without keep-alive closed after its answer;
   a declared body above the limit answered (413) without being read, then
   closed; a chunked one above it marked; the connection limit; Expect:
   100-continue; garbage answered 400; a stream after the answer before it,
   what was pushed before its head after it, nothing after it answered, its
   client leaving or falling 1 MiB behind noticed, the stop ending it; a
   stream whose client resets before its head goes out; a client that pipelines 1,000
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
    /* Streams (the server's thread's; gone counted atomically) */
    zs_httpd_push_t *push[8];
    int flood[8];
    int npush, pushes_gone;
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

/* On the server's thread: a tick to each stream (a /flood one, 64 KiB);
   a stream found gone is ended. */
static uint64_t on_wake(void *ctx)
{
    seen_t *s = ctx;
    static char big[BIG];
    for (int i = 0; i < s->npush; i++) {
        if (!s->push[i]) continue;
        if (s->flood[i] ? zs_httpd_push(s->push[i], big, sizeof big) : zs_httpd_push(s->push[i], "tick\n", 5)) {
            zs_httpd_push_end(s->push[i]);
            s->push[i] = NULL;
            __atomic_add_fetch(&s->pushes_gone, 1, __ATOMIC_RELEASE);
        }
    }
    return zs_mono_ns() + (s->npush ? 2000000ull : 1000000000ull);
}

static void open_stream(seen_t *s, zs_httpd_req_t *q, int flood)
{
    assert_true(s->npush < 8);
    zs_httpd_push_t *p = zs_httpd_push_open(q, "text/event-stream");
    assert_non_null(p);
    if (!flood) assert_int_equal(zs_httpd_push(p, "hello\n", 6), 0); /* before its head is out: kept */
    s->flood[s->npush] = flood;
    s->push[s->npush++] = p;
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
        if (!strcmp(zs_httpd_url(reqs[i]), "/stream") || !strcmp(zs_httpd_url(reqs[i]), "/flood"))
            open_stream(s, reqs[i], !strcmp(zs_httpd_url(reqs[i]), "/flood"));
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
                          .on_round = on_round, .on_wake = on_wake, .ctx = s};
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
    /* A kept connection's answer says how long it may idle (the server's
       timeout), so that a client drops it before the server does instead
       of reusing it as it closes. */
    fd = dial(h);
    put(fd, "GET /d HTTP/1.1\r\n\r\n");
    answers_with(fd, "GET /d", "Keep-Alive: timeout=5\r\n");
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

static int gone(seen_t *s, int want)
{
    for (int i = 0; i < 500 && __atomic_load_n(&s->pushes_gone, __ATOMIC_ACQUIRE) < want; i++) usleep(10000);
    return __atomic_load_n(&s->pushes_gone, __ATOMIC_ACQUIRE);
}

/* A stream goes out after the answer before it, with what was pushed
   before its head behind the head; a request after it is not answered; its
   client leaving is noticed; one asked for in HTTP/1.0 goes on; the stop
   ends the stream still open. */
static void test_stream(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 5);
    int fd = dial(h), other = dial(h), closed;
    put(fd, "GET /first HTTP/1.1\r\n\r\nGET /stream HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    put(other, "GET /stream HTTP/1.0\r\n\r\n"); /* no keep-alive: the stream still goes on */
    char buf[8192];
    get(fd, buf, sizeof buf, "tick", 2, &closed);
    const char *first = strstr(buf, "GET /first"), *stream = strstr(buf, "text/event-stream"),
               *hello = strstr(buf, "hello"), *tick = strstr(buf, "tick");
    assert_non_null(first);
    assert_non_null(stream);
    assert_true(first < stream && stream < hello && hello < tick);
    assert_null(strstr(buf, "/after"));
    assert_false(closed);
    get(other, buf, sizeof buf, "tick", 3, &closed);
    assert_false(closed);
    /* Past the server's once-a-second scan for idle connections: a stream
       written to is not idle (each write comes after the scan's clock). */
    usleep(1500000);
    get(fd, buf, sizeof buf, "tick", 2, &closed);
    assert_false(closed);
    close(fd); /* the client leaves: the server's next push finds the stream gone */
    assert_int_equal(gone(&s, 1), 1);
    zs_httpd_stop(h);
    get(other, buf, sizeof buf, NULL, 0, &closed);
    assert_true(closed);
    int ended = 0;
    for (int i = 0; i < s.npush; i++) {
        if (!s.push[i]) continue;
        assert_int_equal(zs_httpd_push(s.push[i], "x", 1), -1); /* gone with the server */
        zs_httpd_push_end(s.push[i]);
        ended++;
    }
    assert_int_equal(ended, 1);
    close(other);
    zs_httpd_free(h);
}

/* A stream behind an answer still to come, its client gone first: the
   stream is gone before its head went out (ASan: nothing leaks). */
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
    assert_int_equal(gone(&s, 1), 1);
    zs_httpd_free(h);
}

/* A stream whose client reads nothing is let go once 1 MiB waits for it
   beyond what the sockets hold; what it had read is the stream's start. */
static void test_stream_slow_reader(void **state)
{
    (void)state;
    seen_t s;
    zs_httpd_t *h = start(&s, 8, 30);
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(zs_httpd_port(h))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    put(fd, "GET /flood HTTP/1.1\r\n\r\n");
    assert_int_equal(gone(&s, 1), 1);
    char buf[64];
    assert_true(recv(fd, buf, sizeof buf - 1, MSG_WAITALL) > 20);
    assert_memory_equal(buf, "HTTP/1.1 200 OK", 15);
    close(fd);
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
        cmocka_unit_test(test_stream_dropped), cmocka_unit_test(test_stream_slow_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
