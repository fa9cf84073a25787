/* host/metrics: histogram buckets, differences and quantiles; ingress
   counters from many threads add up. */
#include <pthread.h>
#include <string.h>

#include "host/metrics/zs_metrics.h"
#include "tests/support/zs_test.h"

static void test_histogram(void **state)
{
    (void)state;
    zs_hist_t h;
    memset(&h, 0, sizeof h);
    for (int i = 1; i <= 1000; i++) zs_hist_observe_ns(&h, (uint64_t)i * 1000); /* 1 us .. 1 ms */
    zs_hist_observe_ns(&h, 20ull * 1000000000); /* 20 s: +Inf */
    assert_int_equal(h.count, 1001);
    assert_int_equal(h.b[0], 25);               /* <= 25 us */
    assert_int_equal(h.b[ZS_HIST_BUCKETS], 1);  /* +Inf */
    double p50 = zs_hist_quantile(&h, 0.5), p99 = zs_hist_quantile(&h, 0.99);
    print_message("p50 %.1f us, p99 %.1f us\n", p50 * 1e6, p99 * 1e6);
    assert_true(p50 > 400e-6 && p50 < 600e-6); /* the true median is 500 us */
    assert_true(p99 > 900e-6 && p99 <= 1e-3);
    zs_hist_t a, later, d;
    zs_hist_read(&h, &a);
    for (int i = 0; i < 100; i++) zs_hist_observe_ns(&h, 3000000); /* 3 ms */
    zs_hist_read(&h, &later);
    zs_hist_sub(&later, &a, &d);
    assert_int_equal(d.count, 100);
    double q = zs_hist_quantile(&d, 0.5);
    assert_true(q > 2.5e-3 && q <= 5e-3);
    memset(&d, 0, sizeof d);
    assert_true(zs_hist_quantile(&d, 0.5) == 0);
}

static void *counter(void *p)
{
    (void)p;
    for (int i = 0; i < 100000; i++) {
        zs_metrics_ingress(ZS_PATH_UDP, i % 3);
        zs_metrics_ack(ZS_PATH_UDP, 1000);
    }
    zs_metrics_ingress(ZS_PATH_COUNT, 0); /* out of range: ignored */
    zs_metrics_ingress(ZS_PATH_RPC, ZS_METRICS_RESULTS);
    return NULL;
}

static void test_counters(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, counter, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    zs_metrics_ingress_t m;
    zs_metrics_ingress_read(&m);
    assert_int_equal(m.ingress[ZS_PATH_UDP][0] + m.ingress[ZS_PATH_UDP][1] + m.ingress[ZS_PATH_UDP][2], 400000);
    assert_int_equal(m.ack[ZS_PATH_UDP].count, 400000);
    assert_int_equal(m.ingress[ZS_PATH_RPC][0], 0);
    assert_string_equal(zs_path_name(ZS_PATH_DPDK), "dpdk");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
