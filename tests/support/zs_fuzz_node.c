#include "tests/support/zs_fuzz_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[128];

zs_node_t *zs_fuzz_node_open(const char *name)
{
    return zs_fuzz_node_open_genesis(name, "{\"addresses\":[{\"address\":\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\","
                                           "\"balance\":\"10000000000000000000000\",\"nonce\":\"0\"}]}");
}

zs_node_t *zs_fuzz_node_open_genesis(const char *name, const char *genesis)
{
    snprintf(dir, sizeof dir, "/tmp/zkseq-fuzz-%s-XXXXXX", name);
    if (!mkdtemp(dir)) abort();
    static zs_node_cfg_t c;
    c.datadir = dir;
    c.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(1000000000);
    char err[256];
    zs_genesis_t *g = zs_genesis_parse(genesis, strlen(genesis), err, sizeof err);
    if (!g) abort();
    c.genesis = g;
    zs_batch_policy_defaults(&c.batch);
    zs_node_t *n = zs_node_open(&c, err, sizeof err);
    zs_genesis_free(g);
    if (!n) {
        fprintf(stderr, "zs_fuzz_node: %s\n", err);
        abort();
    }
    return n;
}

void zs_fuzz_node_close(zs_node_t *n)
{
    zs_node_close(n);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "zs_fuzz_node: could not remove %s\n", dir);
}
