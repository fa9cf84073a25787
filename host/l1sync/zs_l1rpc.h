/* zs_l1rpc: a read-only Ethereum JSON-RPC client for the host's L1
   follower, over libcurl (HTTP and HTTPS, one kept-alive connection, a
   time limit per call).  It holds no key and sends no transaction.

   Answers are checked for the shape each call expects; anything else is
   ZS_ERR_PARSE.  Errors: ZS_ERR_IO (transport; L1 unreachable),
   ZS_ERR_TIMEOUT, ZS_ERR_REFUSED (the node answered a JSON-RPC error),
   ZS_ERR_PARSE; zs_l1rpc_error says what and why.

   Thread safety: one client per thread. */
#ifndef ZS_L1RPC_H
#define ZS_L1RPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct zs_l1rpc zs_l1rpc_t;

zs_l1rpc_t *zs_l1rpc_new(const char *url, int timeout_ms);
void zs_l1rpc_free(zs_l1rpc_t *c);
const char *zs_l1rpc_error(const zs_l1rpc_t *c);

/* zs_l1rpc_call sends method with params (a JSON array, stolen) and gives
   the "result" member (a new reference) in *result. */
ZS_MUST_USE int zs_l1rpc_call(zs_l1rpc_t *c, const char *method, json_t *params, json_t **result);
/* The whole answer object (result or error: a new reference), for a
   caller that passes a JSON-RPC error on as the node gave it. */
ZS_MUST_USE int zs_l1rpc_answer(zs_l1rpc_t *c, const char *method, json_t *params, json_t **answer);

typedef struct {
    uint64_t number, timestamp;
    uint8_t hash[32], parent[32];
} zs_l1_block_t;

/* A block by number, or by tag ("latest", "safe", "finalized") when tag is
   not NULL.  ZS_ERR_NOTFOUND when the node has no such block. */
ZS_MUST_USE int zs_l1rpc_block(zs_l1rpc_t *c, const char *tag, uint64_t number, zs_l1_block_t *out);

/* eth_getLogs over [from, to] of the given addresses (n of them), with any
   of the topic0 values (m of them): a JSON array (new reference). */
ZS_MUST_USE int zs_l1rpc_logs(zs_l1rpc_t *c, uint64_t from, uint64_t to, const uint8_t (*addrs)[20], size_t n,
                              const uint8_t (*topics)[32], size_t m, json_t **out);

/* A transaction's input (malloc'd) and sender. */
ZS_MUST_USE int zs_l1rpc_tx(zs_l1rpc_t *c, const uint8_t hash[32], uint8_t **input, size_t *len, uint8_t from[20]);

/* eth_call to `to` with data at block `number` (0: latest); the returned
   bytes are malloc'd. */
ZS_MUST_USE int zs_l1rpc_eth_call(zs_l1rpc_t *c, const uint8_t to[20], const uint8_t *data, size_t len,
                                  uint64_t number, uint8_t **out, size_t *outlen);

/* Helpers for answers: a 0x-quantity into *v; 0x-data of exactly n bytes;
   0x-data of any length (malloc'd).  0 or ZS_ERR_PARSE. */
ZS_MUST_USE int zs_l1rpc_qty(json_t *j, uint64_t *v);
ZS_MUST_USE int zs_l1rpc_data(json_t *j, uint8_t *out, size_t n);
ZS_MUST_USE int zs_l1rpc_data_alloc(json_t *j, uint8_t **out, size_t *len);

#endif
