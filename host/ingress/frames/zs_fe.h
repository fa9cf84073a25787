/* zs_fe: the frame engine behind every exchange ingress path (UDP socket,
   DPDK): takes submit frames (lib/frame/PROTOCOL.md) with an opaque return
   address, and answers them through the path's send function.

   zs_fe_submit (the path's receive side, one thread) parses, checks HMACs
   against the key table, answers retries from the answer cache, numbers
   every new frame in arrival order and queues a copy.  Verification
   workers decode transactions and recover senders in parallel; admission
   to the pool then happens strictly in frame arrival order (a ticket), so
   the box's first come, first served order is the order frames arrived
   in.  Each worker then waits for its transactions' group commit and sends
   the answer (send is called from the workers, concurrently).  Clients
   that ask for them get execution confirmations (version 2: block, index,
   status, gas used, logs; sent by a thread that follows the node's table
   of executed transactions) and durable ones (hash, block, index) when
   the block holding their transactions is published (a node block
   listener, on the committer thread).
   Thread safety: zs_fe_submit from one thread; the rest from any. */
#ifndef ZS_FE_H
#define ZS_FE_H

#include <stddef.h>
#include <stdint.h>

#include "host/node/zs_node.h"
#include "lib/frame/zs_frame.h"

typedef struct {
    uint64_t client;
    uint8_t key[64];
    size_t keylen;
} zs_ingress_key_t;

typedef struct {
    uint64_t rx_frames, rx_bytes, tx_frames;
    uint64_t txs_accepted, txs_refused;
    uint64_t retries_answered, retries_dropped, queue_full;
    uint64_t sequencer_behind; /* frames refused busy: the sequencer was behind one of their senders */
    uint64_t confirms_sent, confirms_dropped;
    uint64_t frame_errors[ZS_FRAME_REASON_MAX]; /* by zs_frame_err_t */
} zs_ingress_stats_t;

/* Where an answer goes: the path's own address form (a sockaddr, or the
   Ethernet/IPv4/UDP headers to swap). */
typedef struct {
    uint8_t b[64];
} zs_fe_peer_t;

/* 0 when the datagram left. */
typedef int (*zs_fe_send_fn)(void *ctx, const zs_fe_peer_t *peer, const uint8_t *p, size_t len);

typedef struct {
    unsigned workers;              /* 0: two per core */
    size_t queue;                  /* frames waiting for a worker (4096) */
    unsigned queue_max_ms;         /* also busy once the oldest waiting frame waited this long (0: never) */
    const zs_ingress_key_t *keys;  /* per-client HMAC keys (copied) */
    size_t nkeys;
    zs_fe_send_fn send;
    void *send_ctx;
    int path;                      /* ZS_PATH_UDP or ZS_PATH_DPDK: the metrics' label */
} zs_fe_cfg_t;

typedef struct zs_fe zs_fe_t;

zs_fe_t *zs_fe_new(zs_node_t *node, const zs_fe_cfg_t *cfg, char *err, size_t errlen);
/* Processes the datagram p[0..len) that came from peer (copied). */
void zs_fe_submit(zs_fe_t *fe, const uint8_t *p, size_t len, const zs_fe_peer_t *peer);
/* Counts a datagram the path dropped before the engine saw it. */
void zs_fe_count_error(zs_fe_t *fe, zs_frame_err_t e);
void zs_fe_stats(zs_fe_t *fe, zs_ingress_stats_t *out);
/* Finishes the queued frames, then stops the workers. */
void zs_fe_free(zs_fe_t *fe);

#endif
