#include "drivers/dpdk/zs_dpdk_port.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_err.h"

#define NB_MBUF 8191
#define RX_DESC 1024
#define TX_DESC 1024

int zs_dpdk_port_open(const char *eal_args, zs_dpdk_port_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *copy = out->args = strdup(eal_args ? eal_args : "");
    char *argv[64] = {"zkseqd"};
    int argc = 1;
    for (char *save, *t = strtok_r(copy, " ", &save); t && argc < 63; t = strtok_r(NULL, " ", &save)) argv[argc++] = t;
    int rc = rte_eal_init(argc, argv);
    if (rc < 0) {
        snprintf(err, errlen, "DPDK EAL initialization failed (%s); arguments: %s", rte_strerror(rte_errno), eal_args);
        free(copy);
        out->args = NULL;
        return ZS_ERR_IO;
    }
    /* EAL keeps pointers into argv: the copy stays until zs_dpdk_port_close. */
    if (!rte_eth_dev_count_avail()) {
        snprintf(err, errlen, "DPDK found no Ethernet port (give a --vdev or a PCI device)");
        return ZS_ERR_NOTFOUND;
    }
    uint16_t port;
    RTE_ETH_FOREACH_DEV(port) break;
    out->port_id = port;
    out->pool = rte_pktmbuf_pool_create("zs_ingress", NB_MBUF, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (!out->pool) {
        snprintf(err, errlen, "DPDK packet pool: %s", rte_strerror(rte_errno));
        return ZS_ERR_NOMEM;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof conf);
    uint16_t nrx = RX_DESC, ntx = TX_DESC;
    if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) || (rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx)) ||
        (rc = rte_eth_rx_queue_setup(port, 0, nrx, rte_eth_dev_socket_id(port), NULL, out->pool)) ||
        (rc = rte_eth_tx_queue_setup(port, 0, ntx, rte_eth_dev_socket_id(port), NULL)) ||
        (rc = rte_eth_dev_start(port))) {
        snprintf(err, errlen, "DPDK port %u setup failed: %s", port, rte_strerror(-rc));
        return ZS_ERR_IO;
    }
    rte_eth_promiscuous_enable(port);
    struct rte_ether_addr mac;
    rte_eth_macaddr_get(port, &mac);
    memcpy(out->mac, mac.addr_bytes, 6);
    return ZS_OK;
}

void zs_dpdk_port_close(zs_dpdk_port_t *p)
{
    rte_eth_dev_stop(p->port_id);
    rte_eth_dev_close(p->port_id);
    rte_eal_cleanup();
    free(p->args);
    p->args = NULL;
}
