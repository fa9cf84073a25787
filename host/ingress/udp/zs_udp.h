/* zs_udp: the exchange ingress (lib/frame/PROTOCOL.md) on a plain UDP
   socket, for machines without DPDK ports.

   One receive thread reads datagrams in batches (recvmmsg), parses them,
   checks HMACs against the key table, answers retries from the answer
   cache, numbers every new frame in arrival order, and queues it.
   Verification workers (four per core by default) decode transactions and
   recover senders in parallel; admission to the pool then happens strictly
   in frame arrival order (a ticket), so the box's first come, first served
   order is the order frames arrived in.  Each worker then waits for its
   transactions' group commit and sends the answer.
   Thread safety: start and stop from one thread. */
#ifndef ZS_UDP_H
#define ZS_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "host/seq/zs_node.h"
#include "lib/frame/zs_frame.h"

typedef struct {
    uint64_t client;
    uint8_t key[64];
    size_t keylen;
} zs_udp_key_t;

typedef struct {
    const char *host;  /* "127.0.0.1" */
    uint16_t port;     /* 8125; 0 picks a free one */
    unsigned workers;  /* verification threads; 0: four per core */
    const zs_udp_key_t *keys; /* per-client HMAC keys */
    size_t nkeys;
    size_t queue;      /* frames waiting for a worker; beyond, dropped (default 4096) */
} zs_udp_cfg_t;

typedef struct {
    uint64_t rx_frames, rx_bytes, tx_frames;
    uint64_t txs_accepted, txs_refused;
    uint64_t retries_answered, retries_dropped, queue_full;
    uint64_t frame_errors[ZS_FRAME_REASON_MAX]; /* by zs_frame_err_t */
} zs_udp_stats_t;

typedef struct zs_udp zs_udp_t;

zs_udp_t *zs_udp_start(zs_node_t *node, const zs_udp_cfg_t *cfg, char *err, size_t errlen);
uint16_t zs_udp_port(const zs_udp_t *u);
void zs_udp_stats(zs_udp_t *u, zs_udp_stats_t *out);
void zs_udp_stop(zs_udp_t *u);

#endif
