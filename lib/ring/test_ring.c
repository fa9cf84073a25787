/* zs_ring: records come out as they went in (randomized sizes, wrap-around,
   full ring), concurrent producer and consumer threads, oversized records,
   and damaged counters or headers reported as ZS_ERR_CORRUPT. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ring/zs_ring.h"
#include "tests/support/zs_test.h"

typedef struct {
    zs_ring_ctl_t ctl;
    uint8_t data[4096];
} ring_mem_t;

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++) p[i] = (uint8_t)(seed * 31 + i * 7);
}

static void test_model(void **state)
{
    (void)state;
    static ring_mem_t m;
    zs_ring_t r;
    assert_int_equal(zs_ring_init(&r, &m.ctl, m.data, sizeof m.data), 0);
    zs_ring_reset(&r);
    zs_test_rng_t rng = {0x1234567};
    uint32_t sent = 0, got = 0, fulls = 0;
    uint32_t lens[4096];
    uint8_t buf[1024], want[1024];
    while (got < 20000) {
        if (sent < 20000 && (zs_test_rng_u64(&rng) & 1)) {
            uint32_t len = (uint32_t)(zs_test_rng_u64(&rng) % (zs_ring_max_payload(&r) + 1));
            uint32_t split = len ? (uint32_t)(zs_test_rng_u64(&rng) % len) : 0;
            fill(buf, len, sent);
            int rc = zs_ring_push(&r, (uint16_t)(1 + sent % 1000), buf, split, len - split ? buf + split : NULL,
                                  len - split);
            if (rc == ZS_ERR_FULL) { fulls++; continue; }
            assert_int_equal(rc, 0);
            lens[sent % 4096] = len;
            sent++;
        } else {
            uint16_t type;
            const uint8_t *p;
            uint32_t len;
            int rc = zs_ring_peek(&r, &type, &p, &len);
            assert_true(rc >= 0);
            if (!rc) { assert_int_equal(got, sent); continue; }
            assert_int_equal(type, 1 + got % 1000);
            assert_int_equal(len, lens[got % 4096]);
            fill(want, len, got);
            assert_memory_equal(p, want, len);
            zs_ring_pop(&r);
            got++;
        }
    }
    assert_true(fulls > 0); /* the ring did fill up */
    assert_int_equal(zs_ring_used(&r), 0);
}

static void test_limits(void **state)
{
    (void)state;
    static ring_mem_t m;
    zs_ring_t r;
    assert_int_equal(zs_ring_init(&r, &m.ctl, m.data, 100), ZS_ERR_INVAL); /* not a power of two */
    assert_int_equal(zs_ring_init(&r, &m.ctl, m.data, sizeof m.data), 0);
    zs_ring_reset(&r);
    uint8_t big[2048] = {0};
    assert_int_equal(zs_ring_push(&r, 1, big, zs_ring_max_payload(&r) + 1, NULL, 0), ZS_ERR_RANGE);
    assert_int_equal(zs_ring_push(&r, 0, big, 1, NULL, 0), ZS_ERR_INVAL); /* type 0 is the pad */
    assert_int_equal(zs_ring_push(&r, 1, NULL, 5, NULL, 0), ZS_ERR_INVAL);
    assert_int_equal(zs_ring_used(&r), 0);
}

static void test_corrupt(void **state)
{
    (void)state;
    static ring_mem_t m;
    zs_ring_t r;
    assert_int_equal(zs_ring_init(&r, &m.ctl, m.data, sizeof m.data), 0);
    zs_ring_reset(&r);
    uint8_t x[16] = {1, 2, 3};
    assert_int_equal(zs_ring_push(&r, 7, x, sizeof x, NULL, 0), 0);
    uint16_t type;
    const uint8_t *p;
    uint32_t len;
    /* A header that claims more than was written. */
    m.data[1] = 0x10;
    assert_int_equal(zs_ring_peek(&r, &type, &p, &len), ZS_ERR_CORRUPT);
    m.data[1] = 0;
    assert_int_equal(zs_ring_peek(&r, &type, &p, &len), 1);
    /* Counters further apart than the ring. */
    m.ctl.head = 1u << 20;
    assert_int_equal(zs_ring_peek(&r, &type, &p, &len), ZS_ERR_CORRUPT);
    /* An unaligned tail. */
    m.ctl.head = 24 + 3;
    m.ctl.tail = 3;
    assert_int_equal(zs_ring_peek(&r, &type, &p, &len), ZS_ERR_CORRUPT);
}

typedef struct {
    zs_ring_t *r;
    uint32_t n;
} thr_arg_t;

static void *producer(void *arg)
{
    thr_arg_t *a = arg;
    uint8_t buf[600];
    for (uint32_t i = 0; i < a->n;) {
        uint32_t len = (i * 37) % sizeof buf;
        fill(buf, len, i);
        int rc = zs_ring_push(a->r, 5, &i, sizeof i, buf, len);
        if (rc == ZS_ERR_FULL) continue;
        if (rc) abort();
        i++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static ring_mem_t m;
    zs_ring_t r;
    assert_int_equal(zs_ring_init(&r, &m.ctl, m.data, sizeof m.data), 0);
    zs_ring_reset(&r);
    thr_arg_t a = {&r, 200000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, &a), 0);
    uint8_t want[600];
    uint32_t bad = 0;
    for (uint32_t i = 0; i < a.n;) {
        uint16_t type;
        const uint8_t *p;
        uint32_t len;
        int rc = zs_ring_peek(&r, &type, &p, &len);
        assert_true(rc >= 0);
        if (!rc) continue;
        uint32_t seq;
        memcpy(&seq, p, 4);
        uint32_t dl = (i * 37) % sizeof want;
        fill(want, dl, i);
        if (type != 5 || seq != i || len != 4 + dl || memcmp(p + 4, want, dl)) bad++;
        zs_ring_pop(&r);
        i++;
    }
    pthread_join(t, NULL);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
