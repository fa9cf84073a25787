/* zs_mgmt_ctx: what the management port reports on and acts on: the parts
   of a running zkseqd (any may be NULL), the effective configuration and
   the rates' sampler.  Shared by the server (zs_mgmt.c), the commands
   (zs_mgmt_cmd.c) and the metrics page (zs_mgmt_metrics.c). */
#ifndef ZS_MGMT_CTX_H
#define ZS_MGMT_CTX_H

#include "host/accel/zs_accel.h"
#include "host/config/zs_config.h"
#include "host/fwlink/zs_fwlink.h"
#include "host/ingress/dpdk/zs_dpdk.h"
#include "host/ingress/rpc/zs_rpc.h"
#include "host/ingress/udp/zs_udp.h"
#include "host/mgmt/zs_sampler.h"
#include "host/node/zs_node.h"
#include "host/replica/zs_replica.h"
#include "host/stream/zs_dsserver.h"
#include "host/stream/zs_dswriter.h"

typedef struct {
    zs_node_t *node;
    zs_rpc_t *rpc;
    zs_udp_t *udp;
    zs_dpdk_t *dpdk;
    zs_fwlink_t *fw;
    zs_accel_t *accel;
    zs_dsserver_t *stream;        /* the data stream's server and writer (NULL: stream.enabled off) */
    zs_dswriter_t *stream_writer;
    zs_replica_t *replica;        /* a read replica's follower (NULL: a sequencer) */
    zs_config_t *config;    /* the effective configuration (config set keeps it current) */
    const char *version;
    zs_sampler_t *sampler;  /* set by zs_mgmt_start */
} zs_mgmt_ctx_t;

#endif
