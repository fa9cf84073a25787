/* zs_udp: the exchange ingress (lib/frame/PROTOCOL.md) on a plain UDP
   socket, for machines without DPDK ports: one receive thread (recvmmsg)
   in front of the frame engine (host/ingress/frames/zs_fe.h).
   Thread safety: start and stop from one thread. */
#ifndef ZS_UDP_H
#define ZS_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "host/ingress/frames/zs_fe.h"

typedef zs_ingress_key_t zs_udp_key_t;
typedef zs_ingress_stats_t zs_udp_stats_t;

typedef struct {
    const char *host;  /* "127.0.0.1" */
    uint16_t port;     /* 8125; 0 picks a free one */
    unsigned workers;  /* verification threads; 0: two per core */
    const zs_udp_key_t *keys; /* per-client HMAC keys */
    size_t nkeys;
    size_t queue;      /* frames waiting for a worker; beyond, refused busy (default 4096) */
    unsigned queue_max_ms; /* refused busy too once the oldest waiting frame waited this long (0: never) */
} zs_udp_cfg_t;

typedef struct zs_udp zs_udp_t;

zs_udp_t *zs_udp_start(zs_node_t *node, const zs_udp_cfg_t *cfg, char *err, size_t errlen);
uint16_t zs_udp_port(const zs_udp_t *u);
void zs_udp_stats(zs_udp_t *u, zs_udp_stats_t *out);
void zs_udp_stop(zs_udp_t *u);

#endif
