/* zs_metrics: counters and histograms the daemon's modules update on their
   hot paths (relaxed atomic adds, no lock, no allocation) and the
   management server reads to export (Prometheus text, zkseqctl).

   Histograms have fixed bucket bounds, so two snapshots can be subtracted
   and a percentile read from the difference (zkseqctl top does).
   Ingress counters are process-wide: per path (JSON-RPC, UDP socket, DPDK
   port) and per result (accepted, or the pool's refusal reason).

   Thread safety: every function may be called from any thread. */
#ifndef ZS_METRICS_H
#define ZS_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Latency buckets (upper bounds, seconds): 25 us to 10 s, then +Inf. */
#define ZS_HIST_BUCKETS 18
extern const double zs_hist_bounds[ZS_HIST_BUCKETS];

typedef struct {
    uint64_t b[ZS_HIST_BUCKETS + 1]; /* per bucket (not cumulative); the last is +Inf */
    uint64_t count, sum_ns;
} zs_hist_t;

void zs_hist_observe_ns(zs_hist_t *h, uint64_t ns);
/* A consistent-enough copy (each word read atomically). */
void zs_hist_read(const zs_hist_t *h, zs_hist_t *out);
/* out = a - b (a later snapshot minus an earlier one). */
void zs_hist_sub(const zs_hist_t *a, const zs_hist_t *b, zs_hist_t *out);
/* The q-quantile (0..1) in seconds, interpolated inside its bucket; 0 when
   the histogram is empty. */
double zs_hist_quantile(const zs_hist_t *h, double q);

enum { ZS_PATH_RPC, ZS_PATH_UDP, ZS_PATH_DPDK, ZS_PATH_COUNT };
#define ZS_METRICS_RESULTS 32 /* 0 = accepted, else a zs_pool_reason_t */
const char *zs_path_name(int path);

/* zs_metrics_ingress counts one transaction on path with its result. */
void zs_metrics_ingress(int path, int result);
/* zs_metrics_ack records the time from a transaction's (or frame's)
   arrival to its answer on path. */
void zs_metrics_ack(int path, uint64_t ns);

/* A frame's way to its answer (UDP and DPDK), in five consecutive stages
   whose times add up to the answer's: waiting for a worker, verification
   (decode, hashes, recovery), the admission turn and the pool, the group
   commit (in the acker's queue until durable), the answer's send. */
enum { ZS_STAGE_QUEUE, ZS_STAGE_VERIFY, ZS_STAGE_ADMIT, ZS_STAGE_DURABLE, ZS_STAGE_SEND, ZS_STAGE_COUNT };
const char *zs_stage_name(int stage);
void zs_metrics_stage(int path, int stage, uint64_t ns);

typedef struct {
    uint64_t ingress[ZS_PATH_COUNT][ZS_METRICS_RESULTS];
    zs_hist_t ack[ZS_PATH_COUNT];
    zs_hist_t stage[ZS_PATH_COUNT][ZS_STAGE_COUNT];
} zs_metrics_ingress_t;
void zs_metrics_ingress_read(zs_metrics_ingress_t *out);

#endif
