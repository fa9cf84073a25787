/* Fuzzes the JSON-RPC method layer (zs_rpc_handle) against a real node on
   a temporary RocksDB: any request body must give a well-formed answer and
   never crash, leak or hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc.h"
#include "tests/support/zs_fuzz_node.h"

static zs_rpc_t *rpc;
static zs_node_t *node;

static void cleanup(void)
{
    zs_rpc_free(rpc);
    zs_fuzz_node_close(node);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    node = zs_fuzz_node_open("rpc");
    zs_rpc_cfg_t rc = {.sync_timeout_ms = 5, .max_sync_timeout_ms = 20};
    if (!(rpc = zs_rpc_new(node, &rc))) abort();
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
