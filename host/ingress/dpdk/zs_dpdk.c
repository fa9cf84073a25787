#include "host/metrics/zs_metrics.h"
#include "host/ingress/dpdk/zs_dpdk.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/dpdk/zs_dpdk_port.h"
#include "lib/base/zs_time.h"

#define BURST 32
#define RING_SIZE 4096
#define IDLE_POLLS 2048 /* empty polls before the loop naps */
/* Without an lcore of its own the loop naps after an empty poll: NAP_US
   while traffic is recent, longer once the port has been quiet (a wake
   costs some 23 us of CPU in a VM: 20 us naps kept a fifth of a core busy
   on an idle box).  Only the first frame after a quiet spell waits for the
   longer nap. */
#define NAP_US 20
#define QUIET_NS 50000000ull    /* 50 ms without a frame: naps of QUIET_NAP_US */
#define QUIET_NAP_US 200
#define IDLE_NS 1000000000ull   /* 1 s: naps of IDLE_NAP_US */
#define IDLE_NAP_US 1000

/* The return address of a datagram: the headers to swap. */
typedef struct {
    uint8_t mac[6];
    uint32_t ip;    /* network order */
    uint16_t port;  /* network order */
} peer_t;

struct zs_dpdk {
    zs_dpdk_port_t port;
    zs_fe_t *fe;
    uint32_t ip;        /* network order */
    uint16_t udp_port;  /* network order */
    struct rte_ring *rx_ring, *tx_ring;
    volatile int stopping, loop_stop;
    int fed_last;        /* atomic: the loop feeds the engine no more (no dedicated lcore) */
    unsigned loop_lcore; /* 0: a thread */
    int dedicated;       /* the loop has an lcore of its own: it may spin */
    pthread_t loop_thread, feeder;
    int loop_started, feeder_started, fe_started;
    zs_dpdk_port_stats_t st;
};

#define COUNT(d, f, k) __atomic_fetch_add(&(d)->st.f, (k), __ATOMIC_RELAXED)

/* ARP request for our address: turned into the reply in place. */
static int arp_reply(zs_dpdk_t *d, struct rte_mbuf *m)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    if (rte_pktmbuf_data_len(m) < sizeof *eth + sizeof(struct rte_arp_hdr)) return 0;
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) || arp->arp_data.arp_tip != d->ip) return 0;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_tha = arp->arp_data.arp_sha;
    arp->arp_data.arp_tip = arp->arp_data.arp_sip;
    memcpy(arp->arp_data.arp_sha.addr_bytes, d->port.mac, 6);
    arp->arp_data.arp_sip = d->ip;
    eth->dst_addr = eth->src_addr;
    memcpy(eth->src_addr.addr_bytes, d->port.mac, 6);
    return 1;
}

/* 1 when m is a UDP datagram for the ingress port (then it stays ours). */
static int for_us(zs_dpdk_t *d, struct rte_mbuf *m)
{
    uint32_t len = rte_pktmbuf_data_len(m);
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    if (len < sizeof *eth + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr)) return 0;
    if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) return 0;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    uint32_t ihl = (uint32_t)(ip->version_ihl & 15) * 4;
    if ((ip->version_ihl >> 4) != 4 || ihl < 20 || ip->next_proto_id != IPPROTO_UDP || ip->dst_addr != d->ip) return 0;
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    if (tot < ihl + sizeof(struct rte_udp_hdr) || sizeof *eth + tot > len ||
        (rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff)) { /* fragments and truncations */
        COUNT(d, bad_ip, 1);
        return 0;
    }
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
    if (udp->dst_port != d->udp_port) return 0;
    uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);
    if (ulen < sizeof *udp || ulen > tot - ihl) {
        COUNT(d, bad_ip, 1);
        return 0;
    }
    return 1;
}

static void feed(zs_dpdk_t *d, struct rte_mbuf **pkts, unsigned n);

/* The nap after an empty poll on shared cores, by how long the port has
   been quiet. */
static unsigned shared_nap_us(uint64_t quiet_ns)
{
    return quiet_ns >= IDLE_NS ? IDLE_NAP_US : quiet_ns >= QUIET_NS ? QUIET_NAP_US : NAP_US;
}

static int loop(void *arg)
{
    zs_dpdk_t *d = arg;
    struct rte_mbuf *pkts[BURST], *out[BURST], *mine[BURST];
    unsigned idle = 0;
    uint64_t last_busy = zs_mono_ns();
    while (!d->loop_stop) {
        /* Without an lcore of its own the loop feeds the engine itself (a
           second polling thread would take a share of the same cores);
           once stopping it feeds nothing more and says so. */
        int inline_feed = !d->dedicated && !d->fed_last;
        if (inline_feed && d->stopping) {
            __atomic_store_n(&d->fed_last, 1, __ATOMIC_RELEASE);
            inline_feed = 0;
        }
        uint16_t n = rte_eth_rx_burst(d->port.port_id, 0, pkts, BURST), nout = 0, nmine = 0;
        for (uint16_t i = 0; i < n; i++) {
            struct rte_mbuf *m = pkts[i];
            struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
            if (rte_pktmbuf_data_len(m) >= sizeof *eth && eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
                arp_reply(d, m)) {
                out[nout++] = m;
                COUNT(d, arp_replies, 1);
            } else if (for_us(d, m)) {
                if (inline_feed) {
                    mine[nmine++] = m;
                } else if (!d->dedicated) {
                    rte_pktmbuf_free(m); /* stopping */
                } else if (rte_ring_sp_enqueue(d->rx_ring, m)) {
                    COUNT(d, ring_full, 1);
                    rte_pktmbuf_free(m);
                }
            } else {
                COUNT(d, not_for_us, 1);
                rte_pktmbuf_free(m);
            }
        }
        COUNT(d, rx_packets, n);
        if (nmine) feed(d, mine, nmine);
        nout += (uint16_t)rte_ring_sc_dequeue_burst(d->tx_ring, (void **)out + nout, BURST - nout, NULL);
        if (nout) {
            uint16_t sent = rte_eth_tx_burst(d->port.port_id, 0, out, nout);
            COUNT(d, tx_packets, sent);
            if (sent < nout) COUNT(d, tx_dropped, nout - sent);
            for (uint16_t i = sent; i < nout; i++) rte_pktmbuf_free(out[i]);
        }
        if (!d->dedicated && !n && !nout) {
            /* Sharing cores with the rest of the box (no lcore of its own):
               a nap whenever a poll finds nothing keeps the sequencer and
               the verification workers fed; after one that found some it
               polls again at once (more often follow). */
            usleep(shared_nap_us(zs_mono_ns() - last_busy));
        } else if (!d->dedicated) {
            last_busy = zs_mono_ns();
            continue;
        } else if (n || nout) {
            idle = 0;
        } else if (++idle > IDLE_POLLS) {
            usleep(20); /* idle: let the core go */
        } else {
            rte_pause();
        }
    }
    return 0;
}

static void *loop_thread(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-dpdk-rx");
    rte_thread_register();
    loop(arg);
    rte_thread_unregister();
    return NULL;
}

/* Datagrams for the ingress port into the engine (their mbufs freed). */
static void feed(zs_dpdk_t *d, struct rte_mbuf **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + (ip->version_ihl & 15) * 4);
        zs_fe_peer_t peer;
        peer_t *p = (peer_t *)peer.b;
        memcpy(p->mac, eth->src_addr.addr_bytes, 6);
        p->ip = ip->src_addr;
        p->port = udp->src_port;
        zs_fe_submit(d->fe, (const uint8_t *)(udp + 1), rte_be_to_cpu_16(udp->dgram_len) - sizeof *udp, &peer);
        rte_pktmbuf_free(m);
    }
}

/* With a dedicated lcore the loop only polls: datagrams off its ring into
   the engine. */
static void *feeder_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-dpdk-feed");
    zs_dpdk_t *d = arg;
    rte_thread_register();
    struct rte_mbuf *pkts[BURST];
    while (!d->stopping) {
        unsigned n = rte_ring_sc_dequeue_burst(d->rx_ring, (void **)pkts, BURST, NULL);
        if (!n) {
            usleep(20);
            continue;
        }
        feed(d, pkts, n);
    }
    rte_thread_unregister();
    return NULL;
}

/* An answer as an Ethernet/IPv4/UDP packet onto the answer ring (workers). */
static int dpdk_send(void *ctx, const zs_fe_peer_t *peer, const uint8_t *p, size_t len)
{
    zs_dpdk_t *d = ctx;
    const peer_t *to = (const peer_t *)peer->b;
    size_t hl = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
    struct rte_mbuf *m = rte_pktmbuf_alloc(d->port.pool);
    if (!m) return -1;
    uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + len));
    if (!b || hl + len > 1514) {
        rte_pktmbuf_free(m);
        return -1;
    }
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
    memcpy(eth->dst_addr.addr_bytes, to->mac, 6);
    memcpy(eth->src_addr.addr_bytes, d->port.mac, 6);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    memset(ip, 0, sizeof *ip);
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof *ip + sizeof(struct rte_udp_hdr) + len));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = d->ip;
    ip->dst_addr = to->ip;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    udp->src_port = d->udp_port;
    udp->dst_port = to->port;
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof *udp + len));
    udp->dgram_cksum = 0; /* optional over IPv4 */
    memcpy(udp + 1, p, len);
    if (rte_ring_mp_enqueue(d->tx_ring, m)) {
        rte_pktmbuf_free(m);
        return -1;
    }
    return 0;
}

zs_dpdk_t *zs_dpdk_start(zs_node_t *node, const zs_dpdk_cfg_t *cfg, char *err, size_t errlen)
{
    zs_dpdk_t *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (inet_pton(AF_INET, cfg->ip ? cfg->ip : "", &d->ip) != 1) {
        snprintf(err, errlen, "dpdk ip %s is not an IPv4 address", cfg->ip ? cfg->ip : "(none)");
        free(d);
        return NULL;
    }
    d->udp_port = htons(cfg->port ? cfg->port : 8125);
    if (zs_dpdk_port_open(cfg->eal, &d->port, err, errlen)) {
        free(d->port.args); /* the EAL may have kept pointers; it is not used again */
        free(d);
        return NULL;
    }
    d->rx_ring = rte_ring_create("zs_rx", RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    d->tx_ring = rte_ring_create("zs_tx", RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
    zs_fe_cfg_t fc = {.workers = cfg->workers, .keys = cfg->keys, .nkeys = cfg->nkeys, .send = dpdk_send, .send_ctx = d, .path = ZS_PATH_DPDK};
    if (!d->rx_ring || !d->tx_ring || !(d->fe = zs_fe_new(node, &fc, err, errlen))) {
        if (!d->fe && (!d->rx_ring || !d->tx_ring)) snprintf(err, errlen, "DPDK rings could not be created");
        zs_dpdk_stop(d);
        return NULL;
    }
    d->fe_started = 1;
    unsigned lc = rte_get_next_lcore(-1, 1, 0);
    if (lc < RTE_MAX_LCORE && !rte_eal_remote_launch(loop, d, lc)) {
        d->loop_lcore = lc;
        d->dedicated = 1;
        d->loop_started = 1;
    } else if (!pthread_create(&d->loop_thread, NULL, loop_thread, d)) {
        d->loop_started = 1;
    }
    if (d->dedicated && !pthread_create(&d->feeder, NULL, feeder_main, d)) d->feeder_started = 1;
    if (!d->loop_started || (d->dedicated && !d->feeder_started)) {
        snprintf(err, errlen, "cannot start the DPDK receive loop");
        zs_dpdk_stop(d);
        return NULL;
    }
    return d;
}

void zs_dpdk_stats(zs_dpdk_t *d, zs_ingress_stats_t *frames, zs_dpdk_port_stats_t *port)
{
    if (frames) zs_fe_stats(d->fe, frames);
    if (port) {
        uint64_t *dst = (uint64_t *)port, *src = (uint64_t *)&d->st;
        for (size_t i = 0; i < sizeof *port / sizeof(uint64_t); i++) dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
    }
}

void zs_dpdk_stop(zs_dpdk_t *d)
{
    if (!d) return;
    d->stopping = 1;
    if (d->feeder_started) pthread_join(d->feeder, NULL);
    /* A loop that feeds the engine itself: until it has stopped feeding. */
    while (d->loop_started && !d->dedicated && !__atomic_load_n(&d->fed_last, __ATOMIC_ACQUIRE)) usleep(100);
    zs_fe_free(d->fe); /* the queued frames are answered: the loop still sends */
    for (int i = 0; i < 100 && d->tx_ring && rte_ring_count(d->tx_ring); i++) usleep(1000);
    d->loop_stop = 1;
    if (d->loop_started) {
        if (d->loop_lcore)
            rte_eal_wait_lcore(d->loop_lcore);
        else
            pthread_join(d->loop_thread, NULL);
    }
    if (d->rx_ring) {
        struct rte_mbuf *m;
        while (!rte_ring_dequeue(d->rx_ring, (void **)&m)) rte_pktmbuf_free(m);
        rte_ring_free(d->rx_ring);
    }
    if (d->tx_ring) {
        struct rte_mbuf *m;
        while (!rte_ring_dequeue(d->tx_ring, (void **)&m)) rte_pktmbuf_free(m);
        rte_ring_free(d->tx_ring);
    }
    zs_dpdk_port_close(&d->port);
    free(d);
}
