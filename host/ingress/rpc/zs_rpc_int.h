/* What the method layer and the HTTP server of zs_rpc share. */
#ifndef ZS_RPC_INT_H
#define ZS_RPC_INT_H

#include "host/ingress/rpc/zs_rpc.h"

struct zs_rpc {
    zs_node_t *node;
    zs_rpc_cfg_t cfg;
    struct MHD_Daemon *daemon;
    uint16_t port;
    zs_rpc_stats_t stats; /* updated atomically */
};

#endif
