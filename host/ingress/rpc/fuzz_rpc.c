/* Fuzzes the JSON-RPC method layer (zs_rpc_handle) against a real node on
   a temporary RocksDB: any request body must give a well-formed answer and
   never crash, leak or hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc.h"

static zs_rpc_t *rpc;
static zs_node_t *node;
static char dir[] = "/tmp/zkseq-fuzz-rpc-XXXXXX";

static void cleanup(void)
{
    zs_rpc_free(rpc);
    zs_node_close(node);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "fuzz_rpc: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!mkdtemp(dir)) abort();
    static zs_node_cfg_t c;
    c.datadir = dir;
    c.chain_id = 1001;
    c.min_gas_price = zs_u256_from_u64(1000000000);
    c.genesis = json_loads("{\"addresses\":[{\"address\":\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\","
                           "\"balance\":\"10000000000000000000000\",\"nonce\":\"0\"}]}",
                           0, NULL);
    char err[256];
    zs_node_t *n = node = zs_node_open(&c, err, sizeof err);
    if (!n) {
        fprintf(stderr, "fuzz_rpc: %s\n", err);
        abort();
    }
    zs_rpc_cfg_t rc = {.sync_timeout_ms = 5, .max_sync_timeout_ms = 20};
    rpc = zs_rpc_new(n, &rc);
    if (!rpc) abort();
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out;
    size_t len;
    zs_rpc_handle(rpc, (const char *)data, size, &out, &len);
    if (out && (len < 2 || (out[0] != '{' && out[0] != '['))) abort();
    free(out);
    return 0;
}
