/* The methods that read contracts or run code over a kept state:
   eth_getCode, eth_getStorageAt, eth_call, eth_estimateGas (the trace
   methods are in zs_rpc_trace.c, the logs in zs_rpc_logs.c).  Code runs in
   a view of the state (host/exec/zs_exec_view.h) on the RPC thread; the
   sequencer never waits for it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_hex.h"

/* A block tag's state: 0 with *num, or NULL-returning error in *e. */
static int state_block(zs_rpc_t *r, json_t *tag, uint64_t *num, rpc_err_t *e)
{
    int k = rpc_parse_block(r, tag, num, e);
    if (k < 0) return ZS_ERR_INVAL;
    if (k > 0) {
        rpc_fail(e, -32001, "header not found");
        return ZS_ERR_INVAL;
    }
    return 0;
}

static json_t *read_error(rpc_err_t *e, uint64_t num, int rc)
{
    if (rc == ZS_ERR_NOTFOUND)
        return rpc_fail(e, -32001, "state of block %llu is no longer kept (pruned)", (unsigned long long)num);
    return rpc_fail(e, -32603, "reading the state: %s", zs_strerror(rc));
}

static json_t *m_get_code(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t num;
    if (rpc_parse_addr(rpc_param(p, 0), a, e, "address") || state_block(r, rpc_param(p, 1), &num, e)) return NULL;
    uint8_t *code;
    size_t len;
    int rc = zs_node_code(r->node, num, a, &code, &len);
    if (rc) return read_error(e, num, rc);
    json_t *j = rpc_hexdata(code, len);
    free(code);
    return j;
}

static json_t *m_get_storage_at(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t num;
    zs_u256_t slot, v;
    if (rpc_parse_addr(rpc_param(p, 0), a, e, "address")) return NULL;
    json_t *sj = rpc_param(p, 1);
    /* a slot is a quantity or 32 bytes of data; both read as a number */
    const char *ss = json_string_value(sj);
    if (!ss || strlen(ss) > 66 || rpc_parse_qty_u256(sj, &slot)) {
        uint8_t b[32];
        if (rpc_parse_hex_fixed(sj, b, 32)) return rpc_fail(e, -32602, "invalid storage slot: want a 0x-hex number");
        slot = zs_u256_from_be32(b);
    }
    if (state_block(r, rpc_param(p, 2), &num, e)) return NULL;
    int rc = zs_node_storage(r->node, num, a, &slot, &v);
    if (rc) return read_error(e, num, rc);
    uint8_t be[32];
    zs_u256_to_be32(&v, be);
    return rpc_hexdata(be, 32);
}

/* ---- Call objects. */

int rpc_parse_call(json_t *c, rpc_call_t *out, rpc_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(c)) {
        rpc_fail(e, -32602, "invalid params: want a call object");
        return ZS_ERR_INVAL;
    }
    json_t *v;
    if ((v = json_object_get(c, "from")) && !json_is_null(v) && rpc_parse_addr(v, out->from, e, "from"))
        return ZS_ERR_INVAL;
    if ((v = json_object_get(c, "to")) && !json_is_null(v)) {
        if (rpc_parse_addr(v, out->to, e, "to")) return ZS_ERR_INVAL;
        out->has_to = 1;
    }
    if ((v = json_object_get(c, "value")) && !json_is_null(v) && rpc_parse_qty_u256(v, &out->value)) {
        rpc_fail(e, -32602, "invalid value");
        return ZS_ERR_INVAL;
    }
    if ((v = json_object_get(c, "gas")) && !json_is_null(v)) {
        if (rpc_parse_qty(v, &out->gas)) {
            rpc_fail(e, -32602, "invalid gas");
            return ZS_ERR_INVAL;
        }
        out->has_gas = 1;
    }
    /* the price: gasPrice, or maxFeePerGas (the most it could pay) */
    const char *pk[] = {"gasPrice", "maxFeePerGas"};
    for (int i = 0; i < 2; i++)
        if ((v = json_object_get(c, pk[i])) && !json_is_null(v) && rpc_parse_qty_u256(v, &out->price)) {
            rpc_fail(e, -32602, "invalid %s", pk[i]);
            return ZS_ERR_INVAL;
        }
    /* input wins over data when both are given (as geth does, when equal) */
    json_t *in = json_object_get(c, "input"), *d = json_object_get(c, "data");
    if (!in || json_is_null(in)) in = d;
    if (in && !json_is_null(in)) {
        const char *s = json_string_value(in);
        size_t sl = s ? strlen(s) : 0;
        out->data = malloc(sl / 2 + 1);
        if (!s || !out->data || zs_hex_decode(out->data, sl / 2 + 1, &out->data_len, s, sl)) {
            free(out->data);
            out->data = NULL;
            rpc_fail(e, -32602, "invalid input: want 0x-hex bytes");
            return ZS_ERR_INVAL;
        }
    }
    return 0;
}

int rpc_open_view(zs_rpc_t *r, json_t *tag, int after_block, uint64_t *num, zs_exec_view_t **v, rpc_err_t *e)
{
    if (state_block(r, tag, num, e)) return ZS_ERR_INVAL;
    int rc = zs_node_view(r->node, *num, after_block, v);
    if (rc) {
        read_error(e, *num, rc);
        return ZS_ERR_INVAL;
    }
    return 0;
}

/* The transaction a call object describes, at gas; 0, or an error in *e
   (the price's funds are missing). */
int rpc_call_tx(zs_rpc_t *r, uint64_t num, const rpc_call_t *c, uint64_t gas, zs_evm_tx_t *tx, zs_evm_opts_t *o,
                rpc_err_t *e)
{
    memset(tx, 0, sizeof *tx);
    memcpy(tx->from, c->from, 20);
    tx->is_create = !c->has_to;
    memcpy(tx->to, c->to, 20);
    tx->value = c->value;
    tx->data = c->data;
    tx->data_len = c->data_len;
    tx->gas = gas;
    tx->gas_price = c->price;
    zs_u256_t bal;
    int rc = zs_node_account(r->node, num, c->from, &tx->nonce, &bal);
    if (rc) {
        read_error(e, num, rc);
        return ZS_ERR_INVAL;
    }
    zs_u256_t g = zs_u256_from_u64(gas), want;
    if (zs_u256_mul(&want, &g, &c->price) || zs_u256_add(&want, &want, &c->value) || zs_u256_cmp(&want, &bal) > 0) {
        char hb[ZS_U256_DEC_MAX], wb[ZS_U256_DEC_MAX], ab[41];
        zs_u256_to_dec(&bal, hb);
        zs_u256_to_dec(&want, wb);
        zs_hex_encode(ab, c->from, 20);
        rpc_fail(e, -32000, "insufficient funds for gas * price + value: address 0x%s have %s want %s", ab, hb, wb);
        return ZS_ERR_INVAL;
    }
    o->no_fee = zs_u256_is_zero(&c->price);
    o->no_nonce = 1;
    return 0;
}

/* Solidity's Panic(uint256) codes. */
static const char *panic_text(uint64_t code)
{
    switch (code) {
    case 0x01: return "assert(false)";
    case 0x11: return "arithmetic underflow or overflow";
    case 0x12: return "division or modulo by zero";
    case 0x21: return "enum overflow";
    case 0x22: return "invalid encoded storage byte array accessed";
    case 0x31: return "out-of-bounds array access; popping on an empty array";
    case 0x32: return "out-of-bounds access of an array or bytesN";
    case 0x41: return "out of memory";
    case 0x51: return "uninitialized function";
    }
    return "unknown panic code";
}

/* geth's reason: Error(string) decoded, Panic(uint256) named; printable
   ASCII only (the message is JSON). */
void rpc_revert_reason(const uint8_t *d, size_t n, char *out, size_t cap)
{
    out[0] = 0;
    static const uint8_t err_sel[4] = {0x08, 0xc3, 0x79, 0xa0}, panic_sel[4] = {0x4e, 0x48, 0x7b, 0x71};
    if (n == 36 && !memcmp(d, panic_sel, 4)) {
        zs_u256_t c = zs_u256_from_be32(d + 4);
        uint64_t code = zs_u256_fits_u64(&c) ? c.w[0] : UINT64_MAX;
        snprintf(out, cap, "%s (0x%llx)", panic_text(code), (unsigned long long)code);
        return;
    }
    if (n < 68 || memcmp(d, err_sel, 4)) return;
    zs_u256_t off = zs_u256_from_be32(d + 4);
    if (!zs_u256_fits_u64(&off) || off.w[0] > n - 4 - 32) return;
    size_t o = 4 + (size_t)off.w[0];
    zs_u256_t len = zs_u256_from_be32(d + o);
    if (!zs_u256_fits_u64(&len) || len.w[0] > n - o - 32) return;
    size_t l = (size_t)len.w[0], k = 0;
    for (size_t i = 0; i < l && k + 1 < cap; i++) {
        uint8_t ch = d[o + 32 + i];
        out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    out[k] = 0;
}

/* A run that did not succeed, as geth reports it: a revert as code 3 with
   the reason and the data, anything else -32000 with its words. */
json_t *rpc_run_error(rpc_err_t *e, const zs_evm_result_t *res)
{
    if (res->status == ZS_EVM_REVERT) {
        char reason[200];
        rpc_revert_reason(res->output, res->output_len, reason, sizeof reason);
        rpc_fail(e, 3, reason[0] ? "execution reverted: %s" : "execution reverted%s", reason);
        e->data = rpc_hexdata(res->output, res->output_len);
        return NULL;
    }
    return rpc_fail(e, -32000, "%s", zs_evm_status_text(res->status));
}

static uint64_t call_gas_cap(void)
{
    return ZS_TX_GAS_LIMIT;
}

/* Runs call object c once over the state at tag (the view stays open for
   the caller to free): 0 with *er, or an error already in *e. */
static int run_call(zs_rpc_t *r, const rpc_call_t *c, json_t *tag, zs_exec_view_t **v, uint64_t *num,
                    zs_evm_tx_t *tx, uint64_t *gas, zs_evm_result_t *er, rpc_err_t *e)
{
    if (rpc_open_view(r, tag, 1, num, v, e)) return ZS_ERR_INVAL;
    *gas = c->has_gas && c->gas < call_gas_cap() ? c->gas : call_gas_cap();
    zs_evm_opts_t o;
    if (rpc_call_tx(r, *num, c, *gas, tx, &o, e)) return ZS_ERR_INVAL;
    int rc = zs_exec_view_run(*v, tx, &o, 0, er);
    if (rc) read_error(e, *num, rc);
    return rc;
}

static json_t *m_call(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_call_t c;
    if (rpc_parse_call(rpc_param(p, 0), &c, e)) return NULL;
    json_t *res = NULL, *ov = rpc_param(p, 2);
    zs_exec_view_t *v = NULL;
    uint64_t num, gas;
    zs_evm_tx_t tx;
    zs_evm_result_t er;
    if (ov && !json_is_null(ov))
        rpc_fail(e, -32602, "state overrides (the third parameter) are not supported");
    else if (run_call(r, &c, rpc_param(p, 1), &v, &num, &tx, &gas, &er, e))
        ;
    else if (er.status == ZS_EVM_INTRINSIC_GAS)
        rpc_fail(e, -32000, "intrinsic gas too low: have %llu, want %llu", (unsigned long long)gas,
                 (unsigned long long)zs_evm_intrinsic_gas(tx.is_create, tx.data, tx.data_len));
    else if (er.status != ZS_EVM_SUCCESS) rpc_run_error(e, &er);
    else res = rpc_hexdata(er.output, er.output_len);
    zs_exec_view_free(v);
    free(c.data);
    return res;
}

/* zkevm_estimateCounters(tx): what the transaction would cost the prover
   at the head (zkevm-node's ZKCountersResponse: the counters it uses, the
   batch's limits, the revert when it reverts, oocError when it would not
   fit a whole batch). */
static json_t *counters_json(const zs_vcount_t *c, uint64_t gas, int limits)
{
    const char *const used[9] = {"gasUsed", "usedKeccakHashes", "usedPoseidonHashes", "usedPoseidonPaddings",
                                 "usedMemAligns", "usedArithmetics", "usedBinaries", "usedSteps", "usedSHA256Hashes"};
    const char *const max[9] = {"maxGasUsed", "maxKeccakHashes", "maxPoseidonHashes", "maxPoseidonPaddings",
                                "maxMemAligns", "maxArithmetics", "maxBinaries", "maxSteps", "maxSHA256Hashes"};
    const uint64_t v[9] = {gas, c->keccaks, c->poseidon, c->padding, c->mem_align, c->arith, c->binary, c->steps,
                           c->sha256};
    json_t *o = json_object();
    for (int i = 0; i < 9; i++) json_object_set_new(o, limits ? max[i] : used[i], rpc_qty(v[i]));
    return o;
}

static json_t *m_estimate_counters(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_call_t c;
    if (rpc_parse_call(rpc_param(p, 0), &c, e)) return NULL;
    json_t *res = NULL, *latest = json_string("latest");
    zs_exec_view_t *v = NULL;
    uint64_t num, gas;
    zs_evm_tx_t tx;
    zs_evm_result_t er;
    if (run_call(r, &c, latest, &v, &num, &tx, &gas, &er, e)) goto out;
    /* processTx's own counters, with the code the transaction met; the
       tree depth term is fork 12's floor of 32 (exact below 2^31 leaves) */
    size_t code_len = tx.is_create ? (er.status == ZS_EVM_SUCCESS ? er.code_len : er.output_len) : 0;
    uint8_t *code = NULL;
    if (!tx.is_create && !zs_node_code(r->node, num, c.to, &code, &code_len)) free(code);
    zs_vacc_t acc = {0};
    zs_vcount_process_tx(&acc, code_len, tx.is_create);
    zs_vcount_t used = er.counters, lim;
    zs_vcount_add(&used, &acc, zs_vcount_mcp(0, 1));
    zs_vcount_limits(12, &lim);
    res = json_pack("{s:o,s:o}", "countersUsed", counters_json(&used, er.gas_used, 0), "countersLimit",
                    counters_json(&lim, ZS_TX_GAS_LIMIT, 1));
    if (er.status != ZS_EVM_SUCCESS) {
        rpc_err_t re = {0};
        rpc_run_error(&re, &er);
        json_object_set_new(res, "revert", json_pack("{s:i,s:s}", "code", re.code, "message", re.msg));
        if (re.data) json_object_set_new(json_object_get(res, "revert"), "data", re.data);
    }
    if (!zs_vcount_fits(&used, &lim))
        json_object_set_new(res, "oocError", json_string("the transaction needs more than a whole batch's counters"));
out:
    json_decref(latest);
    zs_exec_view_free(v);
    free(c.data);
    return res;
}

/* 1 when the call succeeds with gas; 0 when it fails (*last keeps how);
   ZS_ERR_* when the state could not be read. */
static int runs_with(zs_exec_view_t *v, zs_evm_tx_t *tx, const zs_evm_opts_t *o, uint64_t gas, zs_evm_result_t *last)
{
    tx->gas = gas;
    int rc = zs_exec_view_run(v, tx, o, 0, last);
    if (rc) return rc;
    return last->status == ZS_EVM_SUCCESS;
}

/* Long because it is geth's estimator in one piece: the cap (the gas
   given, or the transaction limit, or what the price lets the balance
   buy), the run at the cap that says whether any gas suffices, the gas it
   burned (often the exact answer), the optimistic guess above it, then
   bisection to within 1.5%. */
json_t *rpc_estimate_gas(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_call_t c;
    if (rpc_parse_call(rpc_param(p, 0), &c, e)) return NULL;
    json_t *res = NULL;
    zs_exec_view_t *v = NULL;
    uint64_t num;
    if (rpc_open_view(r, rpc_param(p, 1), 1, &num, &v, e)) goto out;
    uint64_t hi = c.has_gas && c.gas < call_gas_cap() ? c.gas : call_gas_cap();
    zs_evm_tx_t tx;
    zs_evm_opts_t o;
    if (!zs_u256_is_zero(&c.price)) {
        /* the balance left after the value bounds the gas it can buy */
        uint64_t nonce;
        zs_u256_t bal, avail, allow;
        if (!zs_node_account(r->node, num, c.from, &nonce, &bal) && zs_u256_cmp(&bal, &c.value) >= 0) {
            zs_u256_sub(&avail, &bal, &c.value);
            if (!zs_u256_divmod(&allow, NULL, &avail, &c.price) && zs_u256_fits_u64(&allow) && allow.w[0] < hi)
                hi = allow.w[0];
        }
    }
    if (rpc_call_tx(r, num, &c, hi, &tx, &o, e)) goto out;
    uint64_t lo = zs_evm_intrinsic_gas(tx.is_create, tx.data, tx.data_len) - 1;
    zs_evm_result_t er;
    int ok = runs_with(v, &tx, &o, hi, &er);
    if (ok < 0) {
        read_error(e, num, ok);
        goto out;
    }
    if (!ok) {
        if (er.status == ZS_EVM_REVERT || (er.status != ZS_EVM_OUT_OF_GAS && er.status != ZS_EVM_INTRINSIC_GAS))
            rpc_run_error(e, &er);
        else
            rpc_fail(e, -32000, "gas required exceeds allowance (%llu)", (unsigned long long)hi);
        goto out;
    }
    uint64_t used = er.gas_used + er.gas_refund; /* what it burned before the refund */
    if (used - 1 > lo) lo = used - 1;
    /* most calls need exactly what they burn (no 63/64 reserve, no
       refund-dependent branch): then that is the answer */
    if (used < hi) {
        if ((ok = runs_with(v, &tx, &o, used, &er)) < 0) {
            read_error(e, num, ok);
            goto out;
        }
        if (ok) hi = used;
        else lo = used;
    }
    uint64_t guess = (used + er.gas_refund + 2300) * 64 / 63;
    if (guess < hi) {
        if ((ok = runs_with(v, &tx, &o, guess, &er)) < 0) {
            read_error(e, num, ok);
            goto out;
        }
        if (ok) hi = guess;
        else lo = guess;
    }
    while (lo + 1 < hi && (hi - lo) * 1000 / hi > 15) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (mid > lo * 2) mid = lo * 2; /* most calls need little more than they burn */
        if ((ok = runs_with(v, &tx, &o, mid, &er)) < 0) {
            read_error(e, num, ok);
            goto out;
        }
        if (ok) hi = mid;
        else lo = mid;
    }
    res = rpc_qty(hi);
out:
    zs_exec_view_free(v);
    free(c.data);
    return res;
}

const zs_rpc_method_t zs_rpc_evm_methods[] = {
    {"eth_getCode", m_get_code},
    {"eth_getStorageAt", m_get_storage_at},
    {"eth_call", m_call},
    {"eth_estimateGas", rpc_estimate_gas},
    {"zkevm_estimateCounters", m_estimate_counters},
    {NULL, NULL},
};
