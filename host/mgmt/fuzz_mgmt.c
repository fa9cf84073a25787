/* Fuzzes the management protocol (zs_mgmt_handle_line: parsing, the token
   check, every command with any arguments) against a real node on a
   temporary RocksDB: any line must get a well-formed answer, never crash,
   leak or hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/log/zs_log.h"
#include "host/mgmt/zs_mgmt.h"
#include "tests/support/zs_fuzz_node.h"

static zs_mgmt_t *mgmt;
static zs_node_t *node;
static zs_config_t *config;

static void cleanup(void)
{
    zs_mgmt_stop(mgmt);
    zs_fuzz_node_close(node);
    zs_config_free(config);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    /* The log at error level: the fuzzer's changes would flood it. */
    if (zs_log_open(NULL, ZS_LOG_KV, ZS_LOG_ERROR, err, sizeof err)) abort();
    node = zs_fuzz_node_open("mgmt");
    config = zs_config_new();
    if (!config || zs_config_set(config, "log.level", "error", err, sizeof err) ||
        zs_config_set(config, "udp.keys", "{\"1\":\"00112233445566778899aabbccddeeff\"}", err, sizeof err))
        abort();
    zs_mgmt_cfg_t mc = {.enabled = 0, .metrics_enabled = 0};
    zs_mgmt_ctx_t ctx = {.node = node, .config = config, .version = "fuzz"};
    if (!(mgmt = zs_mgmt_start(&mc, &ctx, err, sizeof err))) {
        fprintf(stderr, "fuzz_mgmt: %s\n", err);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line) return 0;
    memcpy(line, data, size);
    line[size] = 0;
    json_t *r = zs_mgmt_handle_line(mgmt, line, "127.0.0.1:1");
    if (!json_is_object(r) || !json_is_boolean(json_object_get(r, "ok"))) abort();
    /* Paused by the input: the next one starts from a running sequencer. */
    zs_node_resume(node);
    json_decref(r);
    free(line);
    return 0;
}
