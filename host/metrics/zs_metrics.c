#include "host/metrics/zs_metrics.h"

#include <string.h>

const double zs_hist_bounds[ZS_HIST_BUCKETS] = {25e-6,  50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
                                                25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1.0,  2.5,    5.0,  10.0};

static zs_metrics_ingress_t g;

void zs_hist_observe_ns(zs_hist_t *h, uint64_t ns)
{
    double s = (double)ns / 1e9;
    int i = 0;
    while (i < ZS_HIST_BUCKETS && s > zs_hist_bounds[i]) i++;
    __atomic_add_fetch(&h->b[i], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->sum_ns, ns, __ATOMIC_RELAXED);
}

void zs_hist_read(const zs_hist_t *h, zs_hist_t *out)
{
    for (int i = 0; i <= ZS_HIST_BUCKETS; i++) out->b[i] = __atomic_load_n(&h->b[i], __ATOMIC_RELAXED);
    out->count = __atomic_load_n(&h->count, __ATOMIC_RELAXED);
    out->sum_ns = __atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED);
}

void zs_hist_sub(const zs_hist_t *a, const zs_hist_t *b, zs_hist_t *out)
{
    for (int i = 0; i <= ZS_HIST_BUCKETS; i++) out->b[i] = a->b[i] >= b->b[i] ? a->b[i] - b->b[i] : 0;
    out->count = a->count >= b->count ? a->count - b->count : 0;
    out->sum_ns = a->sum_ns >= b->sum_ns ? a->sum_ns - b->sum_ns : 0;
}

double zs_hist_quantile(const zs_hist_t *h, double q)
{
    uint64_t total = 0;
    for (int i = 0; i <= ZS_HIST_BUCKETS; i++) total += h->b[i];
    if (!total) return 0;
    double rank = q * (double)total, seen = 0;
    for (int i = 0; i <= ZS_HIST_BUCKETS; i++) {
        if (!h->b[i] || seen + (double)h->b[i] < rank) {
            seen += (double)h->b[i];
            continue;
        }
        if (i == ZS_HIST_BUCKETS) return zs_hist_bounds[ZS_HIST_BUCKETS - 1]; /* beyond the last bound */
        double lo = i ? zs_hist_bounds[i - 1] : 0, hi = zs_hist_bounds[i];
        return lo + (hi - lo) * (rank - seen) / (double)h->b[i];
    }
    return zs_hist_bounds[ZS_HIST_BUCKETS - 1];
}

const char *zs_path_name(int path)
{
    static const char *const names[ZS_PATH_COUNT] = {"rpc", "udp", "dpdk"};
    return path >= 0 && path < ZS_PATH_COUNT ? names[path] : "?";
}

void zs_metrics_ingress(int path, int result)
{
    if (path < 0 || path >= ZS_PATH_COUNT || result < 0 || result >= ZS_METRICS_RESULTS) return;
    __atomic_add_fetch(&g.ingress[path][result], 1, __ATOMIC_RELAXED);
}

void zs_metrics_ack(int path, uint64_t ns)
{
    if (path >= 0 && path < ZS_PATH_COUNT) zs_hist_observe_ns(&g.ack[path], ns);
}

const char *zs_stage_name(int stage)
{
    static const char *const names[ZS_STAGE_COUNT] = {"queue", "verify", "admit", "durable", "send"};
    return stage >= 0 && stage < ZS_STAGE_COUNT ? names[stage] : "?";
}

void zs_metrics_stage(int path, int stage, uint64_t ns)
{
    if (path >= 0 && path < ZS_PATH_COUNT && stage >= 0 && stage < ZS_STAGE_COUNT) zs_hist_observe_ns(&g.stage[path][stage], ns);
}

void zs_metrics_ingress_read(zs_metrics_ingress_t *out)
{
    for (int p = 0; p < ZS_PATH_COUNT; p++) {
        for (int r = 0; r < ZS_METRICS_RESULTS; r++) out->ingress[p][r] = __atomic_load_n(&g.ingress[p][r], __ATOMIC_RELAXED);
        zs_hist_read(&g.ack[p], &out->ack[p]);
        for (int s = 0; s < ZS_STAGE_COUNT; s++) zs_hist_read(&g.stage[p][s], &out->stage[p][s]);
    }
}
