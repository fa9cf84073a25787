/* fw_l1: the firmware's L1 client: Ethereum JSON-RPC over fw_http, with
   the few calls the submitter needs.  Answers are parsed strictly; an
   answer that does not have the shape a call expects is ZS_ERR_PARSE.

   Errors: ZS_ERR_IO / ZS_ERR_TIMEOUT (transport: L1 unreachable),
   ZS_ERR_REFUSED (the node answered with a JSON-RPC error: code and
   message in l1->rpc_code / l1->rpc_msg), ZS_ERR_PARSE.  A description of
   the last failure is in l1->err.  Single thread (the firmware core's). */
#ifndef FW_L1_H
#define FW_L1_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_http.h"
#include "firmware/fw_json.h"
#include "lib/u256/zs_u256.h"

#define FW_L1_RESP_MAX (256u << 10)

typedef struct {
    fw_http_t http;
    uint32_t id;
    int timeout_ms;
    int64_t rpc_code;
    char rpc_msg[160];
    char err[200];
    char *resp; /* FW_L1_RESP_MAX bytes, owned by the caller of fw_l1_init */
    size_t resp_len;
    uint64_t calls, failures;
} fw_l1_t;

ZS_MUST_USE int fw_l1_init(fw_l1_t *l1, const zs_hal_t *hal, const char *url, const char *ca_pem, char *resp_buf,
                           int timeout_ms);

/* fw_l1_call sends {"method": method, "params": params_json} and returns
   the "result" member (pointing into l1->resp, valid until the next call). */
ZS_MUST_USE int fw_l1_call(fw_l1_t *l1, const char *method, const char *params_json, fw_jval_t *result);

typedef struct {
    uint64_t number, timestamp, base_fee;
    uint8_t hash[32];
} fw_l1_block_t;

typedef struct {
    int found;          /* 0: no receipt (pending or unknown) */
    int status;         /* 1 success, 0 reverted */
    uint64_t block;
    uint8_t block_hash[32];
    uint64_t gas_used, effective_gas_price;
} fw_l1_receipt_t;

ZS_MUST_USE int fw_l1_chain_id(fw_l1_t *l1, uint64_t *out);
/* A block by number, or the latest for number == UINT64_MAX. */
ZS_MUST_USE int fw_l1_block(fw_l1_t *l1, uint64_t number, fw_l1_block_t *out);
/* The head's number alone (eth_blockNumber). */
ZS_MUST_USE int fw_l1_block_number(fw_l1_t *l1, uint64_t *out);
ZS_MUST_USE int fw_l1_nonce(fw_l1_t *l1, const uint8_t addr[20], const char *tag, uint64_t *out);
/* Balance in wei. */
ZS_MUST_USE int fw_l1_balance(fw_l1_t *l1, const uint8_t addr[20], zs_u256_t *wei);
ZS_MUST_USE int fw_l1_tip(fw_l1_t *l1, uint64_t *out);
/* eth_blobBaseFee (Cancun and later; an error before). */
ZS_MUST_USE int fw_l1_blob_base_fee(fw_l1_t *l1, uint64_t *out);
/* eth_call: the 32-byte words of the answer into out[0..nwords). */
ZS_MUST_USE int fw_l1_eth_call(fw_l1_t *l1, const uint8_t to[20], const uint8_t *data, size_t len, const char *tag,
                               uint8_t (*out)[32], size_t nwords);
ZS_MUST_USE int fw_l1_estimate_gas(fw_l1_t *l1, const uint8_t from[20], const uint8_t to[20], const uint8_t *data,
                                   size_t len, uint64_t *gas);
/* eth_sendRawTransaction; ZS_ERR_REFUSED with the node's message. */
ZS_MUST_USE int fw_l1_send_raw(fw_l1_t *l1, const uint8_t *raw, size_t len);
ZS_MUST_USE int fw_l1_receipt(fw_l1_t *l1, const uint8_t hash[32], fw_l1_receipt_t *out);
/* 1 when the node knows the transaction (pending or mined), 0 if not. */
ZS_MUST_USE int fw_l1_tx_known(fw_l1_t *l1, const uint8_t hash[32]);

/* Hex helpers for building params. */
void fw_hex(char *out, const uint8_t *p, size_t n); /* "0x" + 2n digits + NUL */

#endif
