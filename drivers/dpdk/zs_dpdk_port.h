/* zs_dpdk_port: DPDK environment and one Ethernet port for the ingress.
   EAL arguments come from the configuration as one string (split on
   spaces), e.g. "--no-huge --no-pci -m 256 --no-shconf -l 0
   --vdev net_af_packet0,iface=veth0" (af_packet on a veth, net_tap, or
   net_pcap replays here; PCI ports on the appliance).  The port gets one
   receive and one transmit queue and a packet pool.
   Thread safety: open/close from one thread; rx/tx burst calls follow
   DPDK's rules (one thread per queue). */
#ifndef ZS_DPDK_PORT_H
#define ZS_DPDK_PORT_H

#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

typedef struct {
    uint16_t port_id;
    struct rte_mempool *pool;
    uint8_t mac[6];
    char *args; /* the EAL's argument strings live until close */
} zs_dpdk_port_t;

/* zs_dpdk_port_open initializes the EAL (once per process) and starts the
   first port it finds.  0, or an error with a sentence in err. */
int zs_dpdk_port_open(const char *eal_args, zs_dpdk_port_t *out, char *err, size_t errlen);
void zs_dpdk_port_close(zs_dpdk_port_t *p);

#endif
