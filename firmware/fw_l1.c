#include "firmware/fw_l1.h"

#include <stdio.h>
#include <string.h>

/* Params with a transaction's calldata can be large. */
#define REQ_MAX (1800u << 10) /* a transaction of six blobs with their cell proofs, in hex */
static char req_buf[REQ_MAX];
static char param_buf[REQ_MAX - 256];

void fw_hex(char *out, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = d[p[i] >> 4];
        out[3 + 2 * i] = d[p[i] & 15];
    }
    out[2 + 2 * n] = 0;
}

int fw_l1_init(fw_l1_t *l1, const zs_hal_t *hal, const char *url, const char *ca_pem, char *resp_buf, int timeout_ms)
{
    memset(l1, 0, sizeof *l1);
    l1->resp = resp_buf;
    l1->timeout_ms = timeout_ms;
    return fw_http_init(&l1->http, hal, url, ca_pem);
}

int fw_l1_call(fw_l1_t *l1, const char *method, const char *params_json, fw_jval_t *result)
{
    l1->calls++;
    l1->rpc_code = 0;
    l1->rpc_msg[0] = 0;
    int n = snprintf(req_buf, sizeof req_buf, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"%s\",\"params\":%s}",
                     ++l1->id, method, params_json);
    if (n < 0 || (size_t)n >= sizeof req_buf) {
        snprintf(l1->err, sizeof l1->err, "%s: request too large", method);
        return ZS_ERR_FULL;
    }
    int rc = fw_http_post(&l1->http, req_buf, (size_t)n, l1->resp, FW_L1_RESP_MAX, &l1->resp_len, l1->timeout_ms);
    if (rc) {
        l1->failures++;
        snprintf(l1->err, sizeof l1->err, "%s: %s", method, l1->http.err);
        return rc == ZS_ERR_TIMEOUT ? ZS_ERR_TIMEOUT : rc == ZS_ERR_FULL ? ZS_ERR_FULL : ZS_ERR_IO;
    }
    fw_jval_t top, v;
    if (fw_json_value(l1->resp, l1->resp_len, &top) || top.p[0] != '{') {
        snprintf(l1->err, sizeof l1->err, "%s: the answer is not a JSON object", method);
        return ZS_ERR_PARSE;
    }
    if (fw_json_member(top, "error", &v) == ZS_OK && !fw_json_is_null(v)) {
        fw_jval_t code, msg;
        if (fw_json_member(v, "code", &code) || fw_json_int(code, &l1->rpc_code)) l1->rpc_code = 0;
        if (fw_json_member(v, "message", &msg) || fw_json_string(msg, l1->rpc_msg, sizeof l1->rpc_msg))
            snprintf(l1->rpc_msg, sizeof l1->rpc_msg, "(no message)");
        snprintf(l1->err, sizeof l1->err, "%s: L1 error %lld: %s", method, (long long)l1->rpc_code, l1->rpc_msg);
        return ZS_ERR_REFUSED;
    }
    if (fw_json_member(top, "result", result)) {
        snprintf(l1->err, sizeof l1->err, "%s: the answer has no result", method);
        return ZS_ERR_PARSE;
    }
    return ZS_OK;
}

static int shape(fw_l1_t *l1, const char *what)
{
    snprintf(l1->err, sizeof l1->err, "%s: unexpected answer", what);
    return ZS_ERR_PARSE;
}

int fw_l1_chain_id(fw_l1_t *l1, uint64_t *out)
{
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_chainId", "[]", &r);
    if (rc) return rc;
    return fw_json_quantity(r, out) ? shape(l1, "eth_chainId") : ZS_OK;
}

int fw_l1_block(fw_l1_t *l1, uint64_t number, fw_l1_block_t *out)
{
    char p[64];
    if (number == UINT64_MAX) snprintf(p, sizeof p, "[\"latest\",false]");
    else snprintf(p, sizeof p, "[\"0x%llx\",false]", (unsigned long long)number);
    fw_jval_t r, v;
    int rc = fw_l1_call(l1, "eth_getBlockByNumber", p, &r);
    if (rc) return rc;
    if (fw_json_is_null(r)) return ZS_ERR_NOTFOUND;
    memset(out, 0, sizeof *out);
    if (fw_json_member(r, "number", &v) || fw_json_quantity(v, &out->number) ||
        fw_json_member(r, "timestamp", &v) || fw_json_quantity(v, &out->timestamp) ||
        fw_json_member(r, "hash", &v) || fw_json_bytes(v, out->hash, 32))
        return shape(l1, "eth_getBlockByNumber");
    if (fw_json_member(r, "baseFeePerGas", &v) == ZS_OK && fw_json_quantity(v, &out->base_fee))
        return shape(l1, "eth_getBlockByNumber");
    return ZS_OK;
}

int fw_l1_block_number(fw_l1_t *l1, uint64_t *out)
{
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_blockNumber", "[]", &r);
    if (rc) return rc;
    return fw_json_quantity(r, out) ? shape(l1, "eth_blockNumber") : ZS_OK;
}

int fw_l1_nonce(fw_l1_t *l1, const uint8_t addr[20], const char *tag, uint64_t *out)
{
    char a[43], p[96];
    fw_hex(a, addr, 20);
    snprintf(p, sizeof p, "[\"%s\",\"%s\"]", a, tag);
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_getTransactionCount", p, &r);
    if (rc) return rc;
    return fw_json_quantity(r, out) ? shape(l1, "eth_getTransactionCount") : ZS_OK;
}

int fw_l1_balance(fw_l1_t *l1, const uint8_t addr[20], zs_u256_t *wei)
{
    char a[43], p[96];
    fw_hex(a, addr, 20);
    snprintf(p, sizeof p, "[\"%s\",\"latest\"]", a);
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_getBalance", p, &r);
    if (rc) return rc;
    char text[80];
    if (fw_json_string(r, text, sizeof text) || zs_u256_parse(wei, text)) return shape(l1, "eth_getBalance");
    return ZS_OK;
}

int fw_l1_tip(fw_l1_t *l1, uint64_t *out)
{
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_maxPriorityFeePerGas", "[]", &r);
    if (rc) return rc;
    return fw_json_quantity(r, out) ? shape(l1, "eth_maxPriorityFeePerGas") : ZS_OK;
}

int fw_l1_blob_base_fee(fw_l1_t *l1, uint64_t *out)
{
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_blobBaseFee", "[]", &r);
    if (rc) return rc;
    return fw_json_quantity(r, out) ? shape(l1, "eth_blobBaseFee") : ZS_OK;
}

static int call_params(char *out, size_t cap, const uint8_t *from, const uint8_t to[20], const uint8_t *data,
                       size_t len)
{
    if (2 * len + 200 > cap) return ZS_ERR_FULL;
    char t[43], f[43];
    fw_hex(t, to, 20);
    size_t o = 0;
    if (from) {
        fw_hex(f, from, 20);
        o = (size_t)snprintf(out, cap, "{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"", f, t);
    } else {
        o = (size_t)snprintf(out, cap, "{\"to\":\"%s\",\"data\":\"", t);
    }
    fw_hex(out + o, data, len);
    o += 2 + 2 * len;
    out[o++] = '"';
    out[o++] = '}';
    out[o] = 0;
    return (int)o;
}

int fw_l1_eth_call(fw_l1_t *l1, const uint8_t to[20], const uint8_t *data, size_t len, const char *tag,
                   uint8_t (*out)[32], size_t nwords)
{
    int o = call_params(param_buf + 1, sizeof param_buf - 64, NULL, to, data, len);
    if (o < 0) return o;
    param_buf[0] = '[';
    snprintf(param_buf + 1 + o, 64, ",\"%s\"]", tag);
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_call", param_buf, &r);
    if (rc) return rc;
    if (r.n < 4 || r.p[0] != '"' || (r.n - 4) < 64 * nwords) return shape(l1, "eth_call");
    for (size_t i = 0; i < nwords; i++) {
        /* Reuse the bytes parser on a synthetic "0x<64 digits>" slice. */
        char tmp[69];
        tmp[0] = '"';
        tmp[1] = '0';
        tmp[2] = 'x';
        memcpy(tmp + 3, r.p + 3 + 64 * i, 64);
        tmp[67] = '"';
        fw_jval_t w = {tmp, 68};
        if (fw_json_bytes(w, out[i], 32)) return shape(l1, "eth_call");
    }
    return ZS_OK;
}

int fw_l1_estimate_gas(fw_l1_t *l1, const uint8_t from[20], const uint8_t to[20], const uint8_t *data, size_t len,
                       uint64_t *gas)
{
    int o = call_params(param_buf + 1, sizeof param_buf - 8, from, to, data, len);
    if (o < 0) return o;
    param_buf[0] = '[';
    param_buf[1 + o] = ']';
    param_buf[2 + o] = 0;
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_estimateGas", param_buf, &r);
    if (rc) return rc;
    return fw_json_quantity(r, gas) ? shape(l1, "eth_estimateGas") : ZS_OK;
}

int fw_l1_send_raw(fw_l1_t *l1, const uint8_t *raw, size_t len)
{
    if (2 * len + 16 > sizeof param_buf) return ZS_ERR_FULL;
    param_buf[0] = '[';
    param_buf[1] = '"';
    fw_hex(param_buf + 2, raw, len);
    size_t o = 2 + 2 + 2 * len;
    param_buf[o++] = '"';
    param_buf[o++] = ']';
    param_buf[o] = 0;
    fw_jval_t r;
    return fw_l1_call(l1, "eth_sendRawTransaction", param_buf, &r);
}

int fw_l1_receipt(fw_l1_t *l1, const uint8_t hash[32], fw_l1_receipt_t *out)
{
    char h[67], p[80];
    fw_hex(h, hash, 32);
    snprintf(p, sizeof p, "[\"%s\"]", h);
    fw_jval_t r, v;
    int rc = fw_l1_call(l1, "eth_getTransactionReceipt", p, &r);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    if (fw_json_is_null(r)) return ZS_OK;
    uint64_t st;
    if (fw_json_member(r, "status", &v) || fw_json_quantity(v, &st) || fw_json_member(r, "blockNumber", &v) ||
        fw_json_quantity(v, &out->block) || fw_json_member(r, "blockHash", &v) ||
        fw_json_bytes(v, out->block_hash, 32))
        return shape(l1, "eth_getTransactionReceipt");
    if (fw_json_member(r, "gasUsed", &v) == ZS_OK && fw_json_quantity(v, &out->gas_used)) out->gas_used = 0;
    if (fw_json_member(r, "effectiveGasPrice", &v) == ZS_OK && fw_json_quantity(v, &out->effective_gas_price))
        out->effective_gas_price = 0;
    out->found = 1;
    out->status = st == 1;
    return ZS_OK;
}

int fw_l1_tx_known(fw_l1_t *l1, const uint8_t hash[32])
{
    char h[67], p[80];
    fw_hex(h, hash, 32);
    snprintf(p, sizeof p, "[\"%s\"]", h);
    fw_jval_t r;
    int rc = fw_l1_call(l1, "eth_getTransactionByHash", p, &r);
    if (rc) return rc;
    return !fw_json_is_null(r);
}
