/* zs_mgmt_metrics: the metrics port's page, Prometheus' text exposition
   format 0.0.4, every metric named zkseq_*, each with its HELP and TYPE
   lines, rendered from the parts' status structs.  Any thread. */
#ifndef ZS_MGMT_METRICS_H
#define ZS_MGMT_METRICS_H

#include <stddef.h>

#include "host/mgmt/zs_mgmt_ctx.h"

/* The page (malloc'd; its length in *len), or NULL when out of memory. */
char *zs_mgmt_metrics_text(const zs_mgmt_ctx_t *c, size_t *len);

#endif
