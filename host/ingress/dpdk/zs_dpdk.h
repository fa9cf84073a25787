/* zs_dpdk: the exchange ingress on a DPDK port.

   The receive loop (its own lcore when the EAL has a worker lcore, else a
   registered thread) does rx bursts, answers ARP for the box's address,
   keeps IPv4/UDP datagrams to the ingress port and puts their mbufs on a
   ring; it also drains the answer ring into tx bursts.  Inside the loop:
   no allocation, no locks and no system calls when it has an lcore of its
   own (give the EAL two, e.g. -l 0,1): then it spins, and naps only after
   a long idle stretch.  Without one it shares the cores with the rest of
   the box and naps briefly whenever a poll returns less than a full
   burst, so that the sequencer and the verification workers keep theirs.
   A feeder thread takes datagrams off the ring into the frame engine
   (host/ingress/frames/zs_fe.h: parallel verification, admission in
   arrival order, durable answers); answers come back as Ethernet/IPv4/UDP
   packets on the answer ring.
   Thread safety: start and stop from one thread. */
#ifndef ZS_DPDK_H
#define ZS_DPDK_H

#include <stddef.h>
#include <stdint.h>

#include "host/ingress/frames/zs_fe.h"

typedef struct {
    const char *eal;  /* EAL arguments (drivers/dpdk/zs_dpdk_port.h) */
    const char *ip;   /* the box's IPv4 address on that port */
    uint16_t port;    /* UDP port (8125) */
    unsigned workers; /* frame engine workers; 0: two per core */
    const zs_ingress_key_t *keys;
    size_t nkeys;
} zs_dpdk_cfg_t;

typedef struct {
    uint64_t rx_packets, arp_replies, not_for_us, bad_ip, ring_full, tx_packets, tx_dropped;
} zs_dpdk_port_stats_t;

typedef struct zs_dpdk zs_dpdk_t;

zs_dpdk_t *zs_dpdk_start(zs_node_t *node, const zs_dpdk_cfg_t *cfg, char *err, size_t errlen);
void zs_dpdk_stats(zs_dpdk_t *d, zs_ingress_stats_t *frames, zs_dpdk_port_stats_t *port);
void zs_dpdk_stop(zs_dpdk_t *d);

#endif
