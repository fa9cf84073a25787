/* The JSON-RPC method layer's values: errors, quantities and data out,
   parameters in (with the block tags), and the transaction, receipt and
   block objects as geth shapes them (zs_rpc_int.h). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_hex.h"
#include "lib/rlp/zs_rlp.h"

const uint8_t rpc_zero32[32];

json_t *rpc_fail(rpc_err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* ---- Values out. */

json_t *rpc_qty(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
    return json_string(s);
}

json_t *rpc_qty256(const zs_u256_t *v)
{
    char s[ZS_U256_HEX_MAX];
    zs_u256_to_hex(v, s);
    return json_string(s);
}

json_t *rpc_hexdata(const uint8_t *p, size_t n)
{
    char stack[2 * 64 + 3];
    char *s = n <= 64 ? stack : malloc(2 * n + 3);
    if (!s) return NULL;
    zs_hex_encode_0x(s, p, n);
    json_t *j = json_stringn(s, 2 * n + 2);
    if (s != stack) free(s);
    return j;
}

json_t *rpc_address(const uint8_t a[20])
{
    return rpc_hexdata(a, 20);
}

/* ---- Values in. */

json_t *rpc_param(json_t *params, size_t i)
{
    return params ? json_array_get(params, i) : NULL;
}

int rpc_parse_hex_fixed(json_t *j, uint8_t *out, size_t n)
{
    const char *s = json_string_value(j);
    if (!s || strncmp(s, "0x", 2) || strlen(s) != 2 + 2 * n) return ZS_ERR_INVAL;
    return zs_hex_decode_exact(out, n, s) ? -1 : 0;
}

int rpc_parse_addr(json_t *j, uint8_t a[20], rpc_err_t *e, const char *what)
{
    if (rpc_parse_hex_fixed(j, a, 20)) {
        rpc_fail(e, -32602, "invalid %s: want a 20-byte hex address", what);
        return ZS_ERR_INVAL;
    }
    return 0;
}

int rpc_parse_hash(json_t *j, uint8_t h[32], rpc_err_t *e, const char *what)
{
    if (rpc_parse_hex_fixed(j, h, 32)) {
        rpc_fail(e, -32602, "invalid %s: want a 32-byte hex hash", what);
        return ZS_ERR_INVAL;
    }
    return 0;
}

int rpc_parse_qty_u256(json_t *j, zs_u256_t *v)
{
    const char *s = json_string_value(j);
    if (s) return strncmp(s, "0x", 2) || !s[2] ? -1 : zs_u256_parse(v, s) ? -1 : 0;
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *v = zs_u256_from_u64((uint64_t)json_integer_value(j));
        return 0;
    }
    return ZS_ERR_INVAL;
}

int rpc_parse_qty(json_t *j, uint64_t *v)
{
    zs_u256_t u;
    if (rpc_parse_qty_u256(j, &u) || !zs_u256_fits_u64(&u)) return ZS_ERR_INVAL;
    *v = u.w[0];
    return 0;
}

/* Block tags.  safe and finalized follow zkevm-node: the last block of the
   last batch virtual at L1's safe block and of the last batch verified at
   L1's finalized block. */
uint64_t rpc_last_block_of_batch(zs_rpc_t *r, uint64_t batch)
{
    zs_batchrec_t b;
    if (zs_chain_get_batch(zs_node_store(r->node), batch, &b)) return 0;
    uint64_t last = b.last_block;
    zs_batchrec_clear(&b);
    return last;
}

/* 0 and *num, 1 for a number above the head (caller decides), ZS_ERR_INVAL. */
int rpc_parse_block(zs_rpc_t *r, json_t *j, uint64_t *num, rpc_err_t *e)
{
    uint64_t head = zs_node_head(r->node);
    if (!j || json_is_null(j)) {
        *num = head;
        return 0;
    }
    if (json_is_object(j)) {
        json_t *bn = json_object_get(j, "blockNumber"), *bh = json_object_get(j, "blockHash");
        if (bh) {
            uint8_t h[32];
            if (rpc_parse_hash(bh, h, e, "blockHash")) return ZS_ERR_INVAL;
            if (zs_chain_block_number(zs_node_store(r->node), h, num)) {
                rpc_fail(e, -32001, "block not found");
                return ZS_ERR_INVAL;
            }
            return 0;
        }
        if (bn) return rpc_parse_block(r, bn, num, e);
        rpc_fail(e, -32602, "invalid block: want blockNumber or blockHash");
        return ZS_ERR_INVAL;
    }
    const char *s = json_string_value(j);
    if (s && (!strcmp(s, "latest") || !strcmp(s, "pending"))) {
        *num = head;
        return 0;
    }
    if (s && !strcmp(s, "earliest")) {
        *num = 0;
        return 0;
    }
    if (s && (!strcmp(s, "safe") || !strcmp(s, "finalized"))) {
        zs_batch_numbers_t bn;
        zs_node_batches(r->node, &bn);
        *num = rpc_last_block_of_batch(r, !strcmp(s, "safe") ? bn.safe : bn.finalized);
        return 0;
    }
    if (rpc_parse_qty(j, num)) {
        rpc_fail(e, -32602, "invalid block: want a tag (latest, pending, earliest, safe, finalized) or a hex number");
        return ZS_ERR_INVAL;
    }
    return *num > head ? 1 : 0;
}

int rpc_is_pending_tag(json_t *j)
{
    const char *s = json_string_value(j);
    return s && !strcmp(s, "pending");
}

/* ---- Objects. */

json_t *rpc_tx_object(const zs_tx_t *tx, const uint8_t sender[20], const zs_txrec_t *rec, const uint8_t *block_hash)
{
    json_t *o = json_object();
    json_object_set_new(o, "hash", rpc_hexdata(tx->hash, 32));
    json_object_set_new(o, "nonce", rpc_qty(tx->nonce));
    json_object_set_new(o, "blockHash", rec ? rpc_hexdata(block_hash, 32) : json_null());
    json_object_set_new(o, "blockNumber", rec ? rpc_qty(rec->block) : json_null());
    json_object_set_new(o, "transactionIndex", rec ? rpc_qty(rec->index) : json_null());
    json_object_set_new(o, "from", rpc_address(sender));
    json_object_set_new(o, "to", tx->has_to ? rpc_address(tx->to) : json_null());
    json_object_set_new(o, "value", rpc_qty256(&tx->value));
    json_object_set_new(o, "gas", rpc_qty(tx->gas));
    json_object_set_new(o, "gasPrice", rpc_qty256(rec ? &rec->effective_gas_price : &tx->gas_price));
    json_object_set_new(o, "input", rpc_hexdata(tx->data, tx->data_len));
    json_object_set_new(o, "type", rpc_qty(tx->type));
    if (tx->has_chain_id) json_object_set_new(o, "chainId", rpc_qty(tx->chain_id));
    if (tx->type == ZS_TX_DYNAMIC_FEE) {
        json_object_set_new(o, "maxFeePerGas", rpc_qty256(&tx->max_fee));
        json_object_set_new(o, "maxPriorityFeePerGas", rpc_qty256(&tx->max_priority_fee));
    }
    if (tx->type != ZS_TX_LEGACY) {
        /* Access lists are carried, not used (no EVM yet): shown empty
           when empty, else as their addresses and keys. */
        json_t *al = json_array();
        zs_rlp_item_t list;
        zs_perr_t pe;
        if (tx->access_list_len && !zs_rlp_decode_exact(tx->access_list, tx->access_list_len, &list, &pe)) {
            zs_rlp_iter_t it;
            zs_rlp_item_t entry;
            zs_rlp_iter_init(&it, &list);
            while (zs_rlp_iter_next(&it, &entry, &pe) == 1) {
                zs_rlp_iter_t ei;
                zs_rlp_item_t a, keys, k;
                zs_rlp_iter_init(&ei, &entry);
                if (zs_rlp_iter_next(&ei, &a, &pe) != 1 || zs_rlp_iter_next(&ei, &keys, &pe) != 1) break;
                json_t *je = json_object(), *jk = json_array();
                json_object_set_new(je, "address", rpc_hexdata(a.payload, a.len));
                zs_rlp_iter_t ki;
                zs_rlp_iter_init(&ki, &keys);
                while (zs_rlp_iter_next(&ki, &k, &pe) == 1) json_array_append_new(jk, rpc_hexdata(k.payload, k.len));
                json_object_set_new(je, "storageKeys", jk);
                json_array_append_new(al, je);
            }
        }
        json_object_set_new(o, "accessList", al);
        json_object_set_new(o, "yParity", rpc_qty(tx->y_parity));
    }
    json_object_set_new(o, "v", rpc_qty256(&tx->v));
    json_object_set_new(o, "r", rpc_hexdata(tx->r, 32));
    json_object_set_new(o, "s", rpc_hexdata(tx->s, 32));
    return o;
}

json_t *rpc_included_tx(const zs_txrec_t *rec)
{
    zs_tx_t tx;
    zs_perr_t pe;
    if (zs_tx_decode(rec->raw, rec->raw_len, &tx, &pe)) return json_null();
    return rpc_tx_object(&tx, rec->sender, rec, rec->block_hash);
}

json_t *rpc_log_object(const zs_evm_log_t *l, const zs_txrec_t *rec, uint32_t log_index)
{
    json_t *o = json_object(), *topics = json_array();
    json_object_set_new(o, "address", rpc_address(l->address));
    for (int i = 0; i < l->ntopics; i++) json_array_append_new(topics, rpc_hexdata(l->topics[i], 32));
    json_object_set_new(o, "topics", topics);
    json_object_set_new(o, "data", rpc_hexdata(l->data, l->len));
    json_object_set_new(o, "blockNumber", rpc_qty(rec->block));
    json_object_set_new(o, "transactionHash", rpc_hexdata(rec->hash, 32));
    json_object_set_new(o, "transactionIndex", rpc_qty(rec->index));
    json_object_set_new(o, "blockHash", rpc_hexdata(rec->block_hash, 32));
    json_object_set_new(o, "logIndex", rpc_qty(log_index));
    json_object_set_new(o, "removed", json_false());
    return o;
}

json_t *rpc_receipt_object(const zs_txrec_t *rec)
{
    zs_tx_t tx;
    zs_perr_t pe;
    if (zs_tx_decode(rec->raw, rec->raw_len, &tx, &pe)) return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "transactionHash", rpc_hexdata(rec->hash, 32));
    json_object_set_new(o, "transactionIndex", rpc_qty(rec->index));
    json_object_set_new(o, "blockHash", rpc_hexdata(rec->block_hash, 32));
    json_object_set_new(o, "blockNumber", rpc_qty(rec->block));
    json_object_set_new(o, "from", rpc_address(rec->sender));
    json_object_set_new(o, "to", tx.has_to ? rpc_address(tx.to) : json_null());
    json_object_set_new(o, "cumulativeGasUsed", rpc_qty(rec->cumulative_gas));
    json_object_set_new(o, "gasUsed", rpc_qty(rec->gas_used));
    json_object_set_new(o, "effectiveGasPrice", rpc_qty256(&rec->effective_gas_price));
    json_object_set_new(o, "contractAddress", rec->has_contract ? rpc_address(rec->contract) : json_null());
    json_t *logs = json_array();
    zs_logs_iter_t it = {0};
    zs_evm_log_t l;
    for (uint32_t i = 0; zs_logs_next(rec->logs, rec->logs_len, &it, &l) == 1; i++)
        json_array_append_new(logs, rpc_log_object(&l, rec, rec->first_log + i));
    json_object_set_new(o, "logs", logs);
    uint8_t bloom[256] = {0};
    zs_logs_bloom(rec->logs, rec->logs_len, bloom);
    json_object_set_new(o, "logsBloom", rpc_hexdata(bloom, 256));
    json_object_set_new(o, "status", rpc_qty(rec->status));
    json_object_set_new(o, "type", rpc_qty(tx.type));
    json_object_set_new(o, "transactionL2Hash", rpc_hexdata(rec->l2_hash, 32));
    return o;
}

json_t *rpc_block_object(zs_rpc_t *r, const zs_block_t *b, int full)
{
    static const uint8_t empty_uncles[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                                             0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                                             0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
    uint8_t nonce[8] = {0};
    json_t *o = json_object();
    json_object_set_new(o, "number", rpc_qty(b->number));
    json_object_set_new(o, "hash", rpc_hexdata(b->hash, 32));
    json_object_set_new(o, "parentHash", rpc_hexdata(b->parent, 32));
    json_object_set_new(o, "nonce", rpc_hexdata(nonce, 8));
    json_object_set_new(o, "sha3Uncles", rpc_hexdata(empty_uncles, 32));
    json_object_set_new(o, "logsBloom", rpc_hexdata(b->bloom, 256));
    json_object_set_new(o, "transactionsRoot", rpc_hexdata(b->tx_root, 32));
    json_object_set_new(o, "stateRoot", rpc_hexdata(b->state_root, 32));
    json_object_set_new(o, "receiptsRoot", rpc_hexdata(b->receipts_root, 32));
    json_object_set_new(o, "miner", rpc_address(b->coinbase));
    json_object_set_new(o, "difficulty", rpc_qty(0));
    json_object_set_new(o, "totalDifficulty", rpc_qty(0));
    json_object_set_new(o, "extraData", json_string("0x"));
    json_object_set_new(o, "gasLimit", rpc_qty(b->gas_limit));
    json_object_set_new(o, "gasUsed", rpc_qty(b->gas_used));
    json_object_set_new(o, "timestamp", rpc_qty(b->timestamp));
    json_object_set_new(o, "mixHash", rpc_hexdata(rpc_zero32, 32));
    json_object_set_new(o, "globalExitRoot", rpc_hexdata(b->ger, 32)); /* zkevm-node's: the leaf it named */
    json_object_set_new(o, "blockInfoRoot", rpc_hexdata(b->info_root, 32)); /* zkevm-node's, as the stream's */
    json_t *txs = json_array();
    for (uint32_t i = 0; i < b->ntx; i++) {
        if (!full) {
            json_array_append_new(txs, rpc_hexdata(b->tx_hashes[i], 32));
            continue;
        }
        zs_txrec_t rec;
        if (zs_chain_get_tx(zs_node_store(r->node), b->tx_hashes[i], &rec)) {
            json_array_append_new(txs, rpc_hexdata(b->tx_hashes[i], 32));
            continue;
        }
        json_array_append_new(txs, rpc_included_tx(&rec));
        zs_txrec_clear(&rec);
    }
    json_object_set_new(o, "transactions", txs);
    json_object_set_new(o, "uncles", json_array());
    return o;
}

/* The confirmation at execution: where the transaction landed in the open
   block and what it did. */
json_t *rpc_executed_object(const zs_executed_info_t *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "transactionHash", rpc_hexdata(x->hash, 32));
    json_object_set_new(o, "blockNumber", rpc_qty(x->block));
    json_object_set_new(o, "transactionIndex", rpc_qty(x->index));
    json_object_set_new(o, "status", rpc_qty(x->status));
    json_object_set_new(o, "gasUsed", rpc_qty(x->gas_used));
    json_object_set_new(o, "logsCount", rpc_qty(x->logs));
    json_object_set_new(o, "confirmation", json_string("executed"));
    return o;
}
