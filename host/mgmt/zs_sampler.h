/* zs_sampler: a thread that samples, every second, the transactions
   accepted and sequenced per second and each core's busy share, for the
   management port's status and top and for the metrics.

   Thread safety: start and stop from one thread; zs_sampler_read from any. */
#ifndef ZS_SAMPLER_H
#define ZS_SAMPLER_H

#include <stdint.h>

#include "host/node/zs_node.h"

typedef struct {
    double tx_in_per_s, tx_sequenced_per_s;
    unsigned ncpu;
    double cpu_busy[64]; /* per core, 0..1, over the last second */
    uint64_t started_ns; /* monotonic, when the sampler started */
} zs_rates_t;

typedef struct zs_sampler zs_sampler_t;

/* node may be NULL (no sequencing rate).  NULL when the thread cannot start. */
zs_sampler_t *zs_sampler_start(zs_node_t *node);
void zs_sampler_stop(zs_sampler_t *s);
void zs_sampler_read(zs_sampler_t *s, zs_rates_t *out);

#endif
