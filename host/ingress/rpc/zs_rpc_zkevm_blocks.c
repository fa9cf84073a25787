/* zkevm_* reads of blocks and transactions as zkevm-node serves them: full
   blocks (each transaction with its l2Hash and receipt), native block
   hashes (Polygon's: the state root after the block), transactions and
   receipts by their L2 hash, and the fee estimates. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"

/* zkevm-node's bound on one zkevm_getNativeBlockHashesInRange. */
#define MAX_NATIVE_RANGE 60000

/* The block with every transaction whole, its l2Hash and its receipt. */
static json_t *full_block(zs_rpc_t *r, const zs_block_t *b, int full)
{
    json_t *o = rpc_block_object(r, b, full);
    json_t *txs = json_object_get(o, "transactions");
    for (size_t i = 0; full && i < json_array_size(txs) && i < b->ntx; i++) {
        json_t *t = json_array_get(txs, i);
        zs_txrec_t rec;
        if (!json_is_object(t) || zs_chain_get_tx(zs_node_store(r->node), b->tx_hashes[i], &rec)) continue;
        json_object_set_new(t, "l2Hash", rpc_hexdata(rec.l2_hash, 32));
        json_object_set_new(t, "receipt", rpc_receipt_object(&rec));
        zs_txrec_clear(&rec);
    }
    return o;
}

static json_t *block_answer(zs_rpc_t *r, uint64_t num, json_t *fullp, rpc_err_t *e)
{
    if (fullp && !json_is_boolean(fullp)) return rpc_fail(e, -32602, "invalid params: the second one is a boolean");
    zs_block_t b;
    int rc = zs_chain_get_block(zs_node_store(r->node), num, &b);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (rc) return rpc_fail(e, -32603, "reading block %llu: %s", (unsigned long long)num, zs_strerror(rc));
    json_t *o = full_block(r, &b, json_is_true(fullp));
    zs_block_clear(&b);
    return o;
}

static json_t *m_full_block_by_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t num;
    int k = rpc_parse_block(r, rpc_param(p, 0), &num, e);
    if (k < 0) return NULL;
    return k > 0 ? json_null() : block_answer(r, num, rpc_param(p, 1), e);
}

static json_t *m_full_block_by_hash(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    uint64_t num;
    if (rpc_parse_hash(rpc_param(p, 0), h, e, "block hash")) return NULL;
    if (zs_chain_block_number(zs_node_store(r->node), h, &num)) return json_null();
    return block_answer(r, num, rpc_param(p, 1), e);
}

/* zkevm_getNativeBlockHashesInRange({fromBlock, toBlock}): the state
   roots of those blocks, in order. */
static json_t *m_native_hashes(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    json_t *f = rpc_param(p, 0);
    uint64_t from, to;
    if (!json_is_object(f)) return rpc_fail(e, -32602, "invalid params: want {fromBlock, toBlock}");
    if (rpc_parse_block(r, json_object_get(f, "fromBlock"), &from, e) < 0 ||
        rpc_parse_block(r, json_object_get(f, "toBlock"), &to, e) < 0)
        return NULL;
    if (from > to) return rpc_fail(e, -32602, "invalid block range");
    if (to - from > MAX_NATIVE_RANGE)
        return rpc_fail(e, -32602, "native block hashes are limited to a %d block range", MAX_NATIVE_RANGE);
    uint64_t head = zs_node_head(r->node);
    if (to > head) to = head;
    json_t *out = json_array();
    for (uint64_t n = from; n <= to; n++) {
        zs_block_t b;
        if (zs_chain_get_block(zs_node_store(r->node), n, &b)) break;
        json_array_append_new(out, rpc_hexdata(b.state_root, 32));
        zs_block_clear(&b);
    }
    return out;
}

/* The record of the transaction with this L2 hash: 0, 1 (none), or an error. */
static int by_l2_hash(zs_rpc_t *r, json_t *p, zs_txrec_t *rec, rpc_err_t *e)
{
    uint8_t l2[32], h[32];
    if (rpc_parse_hash(rpc_param(p, 0), l2, e, "L2 transaction hash")) return -1;
    if (zs_chain_tx_by_l2_hash(zs_node_store(r->node), l2, h) || zs_chain_get_tx(zs_node_store(r->node), h, rec))
        return 1;
    return 0;
}

static json_t *m_tx_by_l2_hash(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_txrec_t rec;
    int k = by_l2_hash(r, p, &rec, e);
    if (k) return k < 0 ? NULL : json_null();
    json_t *o = rpc_included_tx(&rec);
    if (json_is_object(o)) json_object_set_new(o, "l2Hash", rpc_hexdata(rec.l2_hash, 32));
    zs_txrec_clear(&rec);
    return o;
}

static json_t *m_receipt_by_l2_hash(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_txrec_t rec;
    int k = by_l2_hash(r, p, &rec, e);
    if (k) return k < 0 ? NULL : json_null();
    json_t *o = rpc_receipt_object(&rec);
    zs_txrec_clear(&rec);
    return o;
}

/* The price a transaction pays here: its own gasPrice when it names one,
   else the node's (eth_gasPrice; effective percentage 100%). */
static int call_price(zs_rpc_t *r, json_t *call, zs_u256_t *price)
{
    *price = zs_node_cfg(r->node)->min_gas_price;
    json_t *gp = json_is_object(call) ? json_object_get(call, "gasPrice") : NULL;
    zs_u256_t v;
    if (gp && !json_is_null(gp)) {
        if (rpc_parse_qty_u256(gp, &v)) return ZS_ERR_INVAL;
        if (!zs_u256_is_zero(&v)) *price = v;
    }
    return ZS_OK;
}

static json_t *m_estimate_gas_price(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_u256_t price;
    json_t *gas = rpc_estimate_gas(r, p, e); /* the transaction must run */
    if (!gas) return NULL;
    json_decref(gas);
    if (call_price(r, rpc_param(p, 0), &price)) return rpc_fail(e, -32602, "invalid gasPrice");
    return rpc_qty256(&price);
}

/* zkevm_estimateFee(tx): the gas it needs times the price it pays. */
static json_t *m_estimate_fee(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_u256_t price, fee, g;
    uint64_t gas;
    json_t *gj = rpc_estimate_gas(r, p, e);
    if (!gj) return NULL;
    int bad = rpc_parse_qty(gj, &gas);
    json_decref(gj);
    if (bad) return rpc_fail(e, -32603, "the gas estimate is not a quantity");
    if (call_price(r, rpc_param(p, 0), &price)) return rpc_fail(e, -32602, "invalid gasPrice");
    g = zs_u256_from_u64(gas);
    if (zs_u256_mul(&fee, &g, &price)) return rpc_fail(e, -32602, "gas * gasPrice exceeds 256 bits");
    return rpc_qty256(&fee);
}

const zs_rpc_method_t zs_rpc_zkevm_blocks_methods[] = {
    {"zkevm_getFullBlockByNumber", m_full_block_by_number},
    {"zkevm_getFullBlockByHash", m_full_block_by_hash},
    {"zkevm_getNativeBlockHashesInRange", m_native_hashes},
    {"zkevm_getTransactionByL2Hash", m_tx_by_l2_hash},
    {"zkevm_getTransactionReceiptByL2Hash", m_receipt_by_l2_hash},
    {"zkevm_estimateGasPrice", m_estimate_gas_price},
    {"zkevm_estimateFee", m_estimate_fee},
    {NULL, NULL},
};
