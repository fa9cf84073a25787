/* The JSON-RPC method layer: parsing params, reading the node, building
   results.  The HTTP side is in zs_http.c. */
#include "host/ingress/rpc/zs_rpc_int.h"
#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_time.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "lib/base/zs_hex.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/tx/zs_tx.h"

#define CLIENT_VERSION "zkseq/0.1.0"

static const uint8_t zero32[32];

typedef struct {
    int code;
    char msg[256];
    json_t *data;
} rpc_err_t;

static json_t *fail(rpc_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static json_t *fail(rpc_err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* ---- Values out. */

static json_t *qty(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
    return json_string(s);
}

static json_t *qty256(const zs_u256_t *v)
{
    char s[ZS_U256_HEX_MAX];
    zs_u256_to_hex(v, s);
    return json_string(s);
}

static json_t *hexdata(const uint8_t *p, size_t n)
{
    char stack[2 * 64 + 3];
    char *s = n <= 64 ? stack : malloc(2 * n + 3);
    if (!s) return NULL;
    zs_hex_encode_0x(s, p, n);
    json_t *j = json_stringn(s, 2 * n + 2);
    if (s != stack) free(s);
    return j;
}

static json_t *address(const uint8_t a[20])
{
    return hexdata(a, 20);
}

/* ---- Values in. */

static json_t *param(json_t *params, size_t i)
{
    return params ? json_array_get(params, i) : NULL;
}

static int parse_hex_fixed(json_t *j, uint8_t *out, size_t n)
{
    const char *s = json_string_value(j);
    if (!s || strncmp(s, "0x", 2) || strlen(s) != 2 + 2 * n) return -1;
    return zs_hex_decode_exact(out, n, s) ? -1 : 0;
}

static int parse_addr(json_t *j, uint8_t a[20], rpc_err_t *e, const char *what)
{
    if (parse_hex_fixed(j, a, 20)) {
        fail(e, -32602, "invalid %s: want a 20-byte hex address", what);
        return -1;
    }
    return 0;
}

static int parse_hash(json_t *j, uint8_t h[32], rpc_err_t *e, const char *what)
{
    if (parse_hex_fixed(j, h, 32)) {
        fail(e, -32602, "invalid %s: want a 32-byte hex hash", what);
        return -1;
    }
    return 0;
}

static int parse_qty_u256(json_t *j, zs_u256_t *v)
{
    const char *s = json_string_value(j);
    if (s) return strncmp(s, "0x", 2) || !s[2] ? -1 : zs_u256_parse(v, s) ? -1 : 0;
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *v = zs_u256_from_u64((uint64_t)json_integer_value(j));
        return 0;
    }
    return -1;
}

static int parse_qty(json_t *j, uint64_t *v)
{
    zs_u256_t u;
    if (parse_qty_u256(j, &u) || !zs_u256_fits_u64(&u)) return -1;
    *v = u.w[0];
    return 0;
}

/* Block tags.  safe and finalized follow zkevm-node: the last block of the
   last virtual and the last consolidated batch. */
static uint64_t last_block_of_batch(zs_rpc_t *r, uint64_t batch)
{
    zs_batchrec_t b;
    if (zs_chain_get_batch(zs_node_store(r->node), batch, &b)) return 0;
    uint64_t last = b.last_block;
    zs_batchrec_clear(&b);
    return last;
}

/* 0 and *num, 1 for a number above the head (caller decides), -1 error. */
static int parse_block(zs_rpc_t *r, json_t *j, uint64_t *num, rpc_err_t *e)
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
            if (parse_hash(bh, h, e, "blockHash")) return -1;
            if (zs_chain_block_number(zs_node_store(r->node), h, num)) {
                fail(e, -32001, "block not found");
                return -1;
            }
            return 0;
        }
        if (bn) return parse_block(r, bn, num, e);
        fail(e, -32602, "invalid block: want blockNumber or blockHash");
        return -1;
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
        *num = last_block_of_batch(r, !strcmp(s, "safe") ? bn.virtual_ : bn.consolidated);
        return 0;
    }
    if (parse_qty(j, num)) {
        fail(e, -32602, "invalid block: want a tag (latest, pending, earliest, safe, finalized) or a hex number");
        return -1;
    }
    return *num > head ? 1 : 0;
}

static int is_pending_tag(json_t *j)
{
    const char *s = json_string_value(j);
    return s && !strcmp(s, "pending");
}

/* ---- Objects. */

static json_t *tx_object(const zs_tx_t *tx, const uint8_t sender[20], const zs_txrec_t *rec, const uint8_t *block_hash)
{
    json_t *o = json_object();
    json_object_set_new(o, "hash", hexdata(tx->hash, 32));
    json_object_set_new(o, "nonce", qty(tx->nonce));
    json_object_set_new(o, "blockHash", rec ? hexdata(block_hash, 32) : json_null());
    json_object_set_new(o, "blockNumber", rec ? qty(rec->block) : json_null());
    json_object_set_new(o, "transactionIndex", rec ? qty(rec->index) : json_null());
    json_object_set_new(o, "from", address(sender));
    json_object_set_new(o, "to", tx->has_to ? address(tx->to) : json_null());
    json_object_set_new(o, "value", qty256(&tx->value));
    json_object_set_new(o, "gas", qty(tx->gas));
    json_object_set_new(o, "gasPrice", qty256(rec ? &rec->effective_gas_price : &tx->gas_price));
    json_object_set_new(o, "input", hexdata(tx->data, tx->data_len));
    json_object_set_new(o, "type", qty(tx->type));
    if (tx->has_chain_id) json_object_set_new(o, "chainId", qty(tx->chain_id));
    if (tx->type == ZS_TX_DYNAMIC_FEE) {
        json_object_set_new(o, "maxFeePerGas", qty256(&tx->max_fee));
        json_object_set_new(o, "maxPriorityFeePerGas", qty256(&tx->max_priority_fee));
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
                json_object_set_new(je, "address", hexdata(a.payload, a.len));
                zs_rlp_iter_t ki;
                zs_rlp_iter_init(&ki, &keys);
                while (zs_rlp_iter_next(&ki, &k, &pe) == 1) json_array_append_new(jk, hexdata(k.payload, k.len));
                json_object_set_new(je, "storageKeys", jk);
                json_array_append_new(al, je);
            }
        }
        json_object_set_new(o, "accessList", al);
        json_object_set_new(o, "yParity", qty(tx->y_parity));
    }
    json_object_set_new(o, "v", qty256(&tx->v));
    json_object_set_new(o, "r", hexdata(tx->r, 32));
    json_object_set_new(o, "s", hexdata(tx->s, 32));
    return o;
}

static json_t *included_tx(const zs_txrec_t *rec)
{
    zs_tx_t tx;
    zs_perr_t pe;
    if (zs_tx_decode(rec->raw, rec->raw_len, &tx, &pe)) return json_null();
    return tx_object(&tx, rec->sender, rec, rec->block_hash);
}

static json_t *receipt_object(const zs_txrec_t *rec)
{
    zs_tx_t tx;
    zs_perr_t pe;
    if (zs_tx_decode(rec->raw, rec->raw_len, &tx, &pe)) return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "transactionHash", hexdata(rec->hash, 32));
    json_object_set_new(o, "transactionIndex", qty(rec->index));
    json_object_set_new(o, "blockHash", hexdata(rec->block_hash, 32));
    json_object_set_new(o, "blockNumber", qty(rec->block));
    json_object_set_new(o, "from", address(rec->sender));
    json_object_set_new(o, "to", tx.has_to ? address(tx.to) : json_null());
    json_object_set_new(o, "cumulativeGasUsed", qty(rec->cumulative_gas));
    json_object_set_new(o, "gasUsed", qty(rec->gas_used));
    json_object_set_new(o, "effectiveGasPrice", qty256(&rec->effective_gas_price));
    json_object_set_new(o, "contractAddress", json_null());
    json_object_set_new(o, "logs", json_array());
    uint8_t bloom[256] = {0};
    json_object_set_new(o, "logsBloom", hexdata(bloom, 256));
    json_object_set_new(o, "status", qty(rec->status));
    json_object_set_new(o, "type", qty(tx.type));
    json_object_set_new(o, "transactionL2Hash", hexdata(rec->l2_hash, 32));
    return o;
}

static json_t *block_object(zs_rpc_t *r, const zs_block_t *b, int full)
{
    static const uint8_t empty_uncles[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                                             0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                                             0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
    uint8_t bloom[256] = {0}, nonce[8] = {0};
    json_t *o = json_object();
    json_object_set_new(o, "number", qty(b->number));
    json_object_set_new(o, "hash", hexdata(b->hash, 32));
    json_object_set_new(o, "parentHash", hexdata(b->parent, 32));
    json_object_set_new(o, "nonce", hexdata(nonce, 8));
    json_object_set_new(o, "sha3Uncles", hexdata(empty_uncles, 32));
    json_object_set_new(o, "logsBloom", hexdata(bloom, 256));
    json_object_set_new(o, "transactionsRoot", hexdata(b->tx_root, 32));
    json_object_set_new(o, "stateRoot", hexdata(b->state_root, 32));
    json_object_set_new(o, "receiptsRoot", hexdata(b->receipts_root, 32));
    json_object_set_new(o, "miner", address(b->coinbase));
    json_object_set_new(o, "difficulty", qty(0));
    json_object_set_new(o, "totalDifficulty", qty(0));
    json_object_set_new(o, "extraData", json_string("0x"));
    json_object_set_new(o, "gasLimit", qty(b->gas_limit));
    json_object_set_new(o, "gasUsed", qty(b->gas_used));
    json_object_set_new(o, "timestamp", qty(b->timestamp));
    json_object_set_new(o, "mixHash", hexdata(zero32, 32));
    json_t *txs = json_array();
    for (uint32_t i = 0; i < b->ntx; i++) {
        if (!full) {
            json_array_append_new(txs, hexdata(b->tx_hashes[i], 32));
            continue;
        }
        zs_txrec_t rec;
        if (zs_chain_get_tx(zs_node_store(r->node), b->tx_hashes[i], &rec)) {
            json_array_append_new(txs, hexdata(b->tx_hashes[i], 32));
            continue;
        }
        json_array_append_new(txs, included_tx(&rec));
        zs_txrec_clear(&rec);
    }
    json_object_set_new(o, "transactions", txs);
    json_object_set_new(o, "uncles", json_array());
    return o;
}

/* ---- Methods. */

typedef json_t *(*method_fn)(zs_rpc_t *r, json_t *params, rpc_err_t *e);

static json_t *m_chain_id(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return qty(zs_node_cfg(r->node)->chain_id);
}

static json_t *m_net_version(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)zs_node_cfg(r->node)->chain_id);
    return json_string(s);
}

static json_t *m_client_version(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return json_string(CLIENT_VERSION);
}

static json_t *m_true(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return json_true();
}

static json_t *m_false(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return json_false();
}

static json_t *m_empty_list(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return json_array();
}

static json_t *m_block_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return qty(zs_node_head(r->node));
}

static json_t *m_gas_price(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return qty256(&zs_node_cfg(r->node)->min_gas_price);
}

static json_t *m_max_priority_fee(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return qty(0);
}

/* State at a block; pruned versions give -32001. */
static int account_at(zs_rpc_t *r, json_t *p, uint8_t a[20], uint64_t *nonce, zs_u256_t *bal, rpc_err_t *e)
{
    if (parse_addr(param(p, 0), a, e, "address")) return -1;
    uint64_t num;
    int k = parse_block(r, param(p, 1), &num, e);
    if (k < 0) return -1;
    if (k > 0) {
        fail(e, -32001, "header not found");
        return -1;
    }
    int rc = zs_node_account(r->node, num == zs_node_head(r->node) ? UINT64_MAX : num, a, nonce, bal);
    if (rc == ZS_ERR_NOTFOUND) {
        fail(e, -32001, "state of block %llu is no longer kept (pruned)", (unsigned long long)num);
        return -1;
    }
    if (rc) {
        fail(e, -32603, "reading the state: %s", zs_strerror(rc));
        return -1;
    }
    return 0;
}

static json_t *m_get_balance(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t nonce;
    zs_u256_t bal;
    return account_at(r, p, a, &nonce, &bal, e) ? NULL : qty256(&bal);
}

static json_t *m_get_tx_count(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t nonce;
    zs_u256_t bal;
    if (is_pending_tag(param(p, 1))) {
        if (parse_addr(param(p, 0), a, e, "address")) return NULL;
        int rc = zs_node_pending_nonce(r->node, a, &nonce);
        return rc ? fail(e, -32603, "reading the state: %s", zs_strerror(rc)) : qty(nonce);
    }
    return account_at(r, p, a, &nonce, &bal, e) ? NULL : qty(nonce);
}

static json_t *m_get_code(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    if (parse_addr(param(p, 0), a, e, "address")) return NULL;
    uint64_t num;
    int k = parse_block(r, param(p, 1), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return fail(e, -32001, "header not found");
    uint8_t *code;
    size_t len;
    int rc = zs_node_code(r->node, num, a, &code, &len);
    if (rc) return fail(e, -32603, "reading the state: %s", zs_strerror(rc));
    json_t *j = hexdata(code, len);
    free(code);
    return j;
}

static json_t *submit_error(rpc_err_t *e, const zs_submit_t *s)
{
    if (s->reason == ZS_POOL_INVALID && s->detail)
        fail(e, -32000, "%s: %s", zs_pool_reason_text(s->reason), s->detail);
    else
        fail(e, -32000, "%s", zs_pool_reason_text(s->reason));
    e->data = json_pack("{s:s}", "reason", zs_pool_reason_id(s->reason));
    return NULL;
}

static int raw_param(json_t *p, uint8_t **raw, size_t *len, rpc_err_t *e)
{
    const char *s = json_string_value(param(p, 0));
    if (!s || strncmp(s, "0x", 2)) {
        fail(e, -32602, "invalid params: want the signed transaction as 0x-hex");
        return -1;
    }
    size_t sl = strlen(s);
    *raw = malloc(sl / 2 + 1);
    if (!*raw) {
        fail(e, -32603, "out of memory");
        return -1;
    }
    if (zs_hex_decode(*raw, sl / 2 + 1, len, s, sl)) {
        free(*raw);
        fail(e, -32602, "invalid params: the transaction is not valid hex");
        return -1;
    }
    return 0;
}

/* In a batch, every eth_sendRawTransaction is admitted up front (one group
   commit for all); the call then only reports its outcome. */
static __thread const zs_submit_t *presubmitted;
/* When the request being handled on this thread arrived (the metrics'
   answer latency). */
static __thread uint64_t request_ns;

static void count_submit(const zs_submit_t *s)
{
    zs_metrics_ingress(ZS_PATH_RPC, (int)s->reason);
    zs_metrics_ack(ZS_PATH_RPC, zs_mono_ns() - request_ns);
}

static json_t *m_send_raw(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_submit_t s;
    if (presubmitted) {
        s = *presubmitted;
    } else {
        uint8_t *raw;
        size_t len;
        if (raw_param(p, &raw, &len, e)) return NULL;
        zs_node_submit(r->node, raw, len, &s);
        free(raw);
    }
    count_submit(&s);
    if (s.reason != ZS_POOL_OK) return submit_error(e, &s);
    return hexdata(s.hash, 32);
}

static json_t *m_send_raw_sync(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t timeout = r->cfg.sync_timeout_ms;
    json_t *t = param(p, 1);
    if (t && !json_is_null(t) && (parse_qty(t, &timeout) || timeout > r->cfg.max_sync_timeout_ms))
        return fail(e, -32602, "invalid timeout: want milliseconds, at most %u", r->cfg.max_sync_timeout_ms);
    uint8_t *raw;
    size_t len;
    if (raw_param(p, &raw, &len, e)) return NULL;
    zs_submit_t s;
    zs_node_submit(r->node, raw, len, &s);
    free(raw);
    count_submit(&s);
    if (s.reason != ZS_POOL_OK) return submit_error(e, &s);
    zs_txrec_t rec;
    const char *why = NULL;
    int rc = zs_node_wait_included(r->node, s.hash, (int)timeout, &rec, &why);
    if (rc == ZS_ERR_REFUSED) {
        fail(e, -32000, "transaction dropped by the sequencer: %s", why);
        e->data = json_pack("{s:o}", "hash", hexdata(s.hash, 32));
        return NULL;
    }
    if (rc) {
        fail(e, -32002, "the transaction was accepted but not yet sequenced after %llu ms",
             (unsigned long long)timeout);
        e->data = json_pack("{s:o}", "hash", hexdata(s.hash, 32));
        return NULL;
    }
    json_t *o = receipt_object(&rec);
    zs_txrec_clear(&rec);
    return o;
}

static json_t *m_get_tx(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    if (parse_hash(param(p, 0), h, e, "transaction hash")) return NULL;
    zs_txrec_t rec;
    if (!zs_chain_get_tx(zs_node_store(r->node), h, &rec)) {
        json_t *o = included_tx(&rec);
        zs_txrec_clear(&rec);
        return o;
    }
    uint8_t *raw, sender[20];
    size_t len;
    if (!zs_pool_get(zs_node_pool(r->node), h, &raw, &len, sender)) return json_null();
    zs_tx_t tx;
    zs_perr_t pe;
    json_t *o = zs_tx_decode(raw, len, &tx, &pe) ? json_null() : tx_object(&tx, sender, NULL, NULL);
    free(raw);
    return o;
}

static json_t *m_get_receipt(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    if (parse_hash(param(p, 0), h, e, "transaction hash")) return NULL;
    zs_txrec_t rec;
    if (zs_chain_get_tx(zs_node_store(r->node), h, &rec)) return json_null();
    json_t *o = receipt_object(&rec);
    zs_txrec_clear(&rec);
    return o;
}

static json_t *get_block(zs_rpc_t *r, uint64_t num, json_t *fullp, rpc_err_t *e)
{
    if (fullp && !json_is_boolean(fullp)) return fail(e, -32602, "invalid params: the second one is a boolean");
    zs_block_t b;
    int rc = zs_chain_get_block(zs_node_store(r->node), num, &b);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (rc) return fail(e, -32603, "reading block %llu: %s", (unsigned long long)num, zs_strerror(rc));
    json_t *o = block_object(r, &b, json_is_true(fullp));
    zs_block_clear(&b);
    return o;
}

static json_t *m_block_by_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t num;
    int k = parse_block(r, param(p, 0), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return json_null();
    return get_block(r, num, param(p, 1), e);
}

static json_t *m_block_by_hash(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    uint64_t num;
    if (parse_hash(param(p, 0), h, e, "block hash")) return NULL;
    if (zs_chain_block_number(zs_node_store(r->node), h, &num)) return json_null();
    return get_block(r, num, param(p, 1), e);
}

static json_t *m_fee_history(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t count, newest;
    if (parse_qty(param(p, 0), &count) || count == 0 || count > 1024)
        return fail(e, -32602, "invalid blockCount: want 1 to 1024");
    int k = parse_block(r, param(p, 1), &newest, e);
    if (k < 0) return NULL;
    if (k > 0) return fail(e, -32001, "header not found");
    json_t *pct = param(p, 2);
    if (pct && !json_is_null(pct)) {
        if (!json_is_array(pct) || json_array_size(pct) > 100)
            return fail(e, -32602, "invalid rewardPercentiles: want at most 100 numbers");
        double last = -1;
        size_t i;
        json_t *v;
        json_array_foreach(pct, i, v)
        {
            if (!json_is_number(v) || json_number_value(v) < last || json_number_value(v) > 100)
                return fail(e, -32602, "invalid rewardPercentiles: want increasing numbers from 0 to 100");
            last = json_number_value(v);
        }
    } else {
        pct = NULL;
    }
    if (count > newest + 1) count = newest + 1;
    uint64_t oldest = newest + 1 - count;
    /* L2's base fee is constant (the gas price floor) and every
       transaction's tip above it goes to the coinbase; the rewards shown are
       the tips paid at each percentile, which are 0 for legacy transactions
       priced at the floor. */
    const zs_u256_t *base = &zs_node_cfg(r->node)->min_gas_price;
    json_t *o = json_object(), *fees = json_array(), *ratio = json_array(), *rewards = json_array();
    for (uint64_t n = oldest; n <= newest; n++) {
        zs_block_t b;
        double used = 0;
        if (!zs_chain_get_block(zs_node_store(r->node), n, &b)) {
            used = b.gas_limit ? (double)b.gas_used / (double)b.gas_limit : 0;
            zs_block_clear(&b);
        }
        json_array_append_new(fees, qty256(base));
        json_array_append_new(ratio, json_real(used));
        if (pct) {
            json_t *row = json_array();
            for (size_t i = 0; i < json_array_size(pct); i++) json_array_append_new(row, qty(0));
            json_array_append_new(rewards, row);
        }
    }
    json_array_append_new(fees, qty256(base));
    json_object_set_new(o, "oldestBlock", qty(oldest));
    json_object_set_new(o, "baseFeePerGas", fees);
    json_object_set_new(o, "gasUsedRatio", ratio);
    if (pct)
        json_object_set_new(o, "reward", rewards);
    else
        json_decref(rewards);
    return o;
}

/* A call object of eth_call / eth_estimateGas: for transfers only. */
typedef struct {
    int has_from, has_to;
    uint8_t from[20], to[20];
    uint64_t gas;
    zs_u256_t value;
    uint8_t *data;
    size_t data_len;
} call_t;

static int parse_call(json_t *c, call_t *out, rpc_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(c)) {
        fail(e, -32602, "invalid params: want a call object");
        return -1;
    }
    json_t *v;
    if ((v = json_object_get(c, "from")) && !json_is_null(v)) {
        if (parse_addr(v, out->from, e, "from")) return -1;
        out->has_from = 1;
    }
    if ((v = json_object_get(c, "to")) && !json_is_null(v)) {
        if (parse_addr(v, out->to, e, "to")) return -1;
        out->has_to = 1;
    }
    if ((v = json_object_get(c, "value")) && !json_is_null(v) && parse_qty_u256(v, &out->value)) {
        fail(e, -32602, "invalid value");
        return -1;
    }
    if ((v = json_object_get(c, "gas")) && !json_is_null(v) && parse_qty(v, &out->gas)) {
        fail(e, -32602, "invalid gas");
        return -1;
    }
    /* input wins over data when both are given (as geth does, when equal). */
    json_t *in = json_object_get(c, "input"), *d = json_object_get(c, "data");
    if (!in || json_is_null(in)) in = d;
    if (in && !json_is_null(in)) {
        const char *s = json_string_value(in);
        size_t sl = s ? strlen(s) : 0;
        out->data = malloc(sl / 2 + 1);
        if (!s || !out->data || zs_hex_decode(out->data, sl / 2 + 1, &out->data_len, s, sl)) {
            free(out->data);
            out->data = NULL;
            fail(e, -32602, "invalid input: want 0x-hex bytes");
            return -1;
        }
    }
    return 0;
}

/* Refuses what needs the EVM; 0 when the call is a plain transfer. */
static int transfer_only(zs_rpc_t *r, const call_t *c, rpc_err_t *e)
{
    if (!c->has_to) {
        fail(e, -32000, "contract creation is not supported yet (no EVM)");
        return -1;
    }
    uint8_t *code;
    size_t len;
    if (zs_node_code(r->node, UINT64_MAX, c->to, &code, &len) == ZS_OK) {
        free(code);
        if (len) {
            fail(e, -32000, "calls to contract code are not supported yet (no EVM)");
            return -1;
        }
    }
    return 0;
}

static json_t *m_estimate_gas(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    call_t c;
    if (parse_call(param(p, 0), &c, e)) return NULL;
    json_t *res = NULL;
    if (transfer_only(r, &c, e)) goto out;
    uint64_t gas = 21000;
    for (size_t i = 0; i < c.data_len; i++) gas += c.data[i] ? 16 : 4;
    if (c.gas && c.gas < gas) {
        fail(e, -32000, "gas required exceeds allowance (%llu)", (unsigned long long)c.gas);
        goto out;
    }
    if (c.has_from && !zs_u256_is_zero(&c.value)) {
        uint64_t nonce;
        zs_u256_t bal;
        if (!zs_node_account(r->node, UINT64_MAX, c.from, &nonce, &bal) && zs_u256_cmp(&c.value, &bal) > 0) {
            fail(e, -32000, "insufficient funds for transfer");
            goto out;
        }
    }
    res = qty(gas);
out:
    free(c.data);
    return res;
}

static json_t *m_call(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    call_t c;
    if (parse_call(param(p, 0), &c, e)) return NULL;
    uint64_t num;
    json_t *res = NULL;
    int k = parse_block(r, param(p, 1), &num, e);
    if (k > 0) fail(e, -32001, "header not found");
    if (!k && !transfer_only(r, &c, e)) res = json_string("0x");
    free(c.data);
    return res;
}

/* ---- zkevm_* */

static json_t *m_batch_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return qty(b.open);
}

static json_t *m_virtual_batch(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return qty(b.virtual_);
}

static json_t *m_verified_batch(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return qty(b.consolidated);
}

static json_t *m_consolidated_block(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return qty(last_block_of_batch(r, b.consolidated));
}

static json_t *m_batch_by_block(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t num;
    int k = parse_block(r, param(p, 0), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return json_null();
    zs_block_t b;
    if (zs_chain_get_block(zs_node_store(r->node), num, &b)) return json_null();
    json_t *j = qty(b.batch);
    zs_block_clear(&b);
    return j;
}

static json_t *block_stage(zs_rpc_t *r, json_t *p, rpc_err_t *e, int consolidated)
{
    uint64_t num;
    int k = parse_block(r, param(p, 0), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return json_false();
    zs_block_t b;
    if (zs_chain_get_block(zs_node_store(r->node), num, &b)) return json_false();
    zs_batch_numbers_t bn;
    zs_node_batches(r->node, &bn);
    uint64_t limit = consolidated ? bn.consolidated : bn.virtual_;
    json_t *j = json_boolean(b.batch <= limit);
    zs_block_clear(&b);
    return j;
}

static json_t *m_is_virtualized(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return block_stage(r, p, e, 0);
}

static json_t *m_is_consolidated(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return block_stage(r, p, e, 1);
}

static json_t *m_batch_by_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t bn;
    zs_node_batches(r->node, &bn);
    json_t *np = param(p, 0);
    const char *tag = json_string_value(np);
    uint64_t num;
    if (tag && (!strcmp(tag, "latest") || !strcmp(tag, "pending")))
        num = bn.open;
    else if (tag && !strcmp(tag, "earliest"))
        num = 0;
    else if (tag && !strcmp(tag, "safe"))
        num = bn.virtual_;
    else if (tag && !strcmp(tag, "finalized"))
        num = bn.consolidated;
    else if (parse_qty(np, &num))
        return fail(e, -32602, "invalid batch number");
    json_t *fullp = param(p, 1);
    if (fullp && !json_is_boolean(fullp)) return fail(e, -32602, "invalid params: the second one is a boolean");
    int full = json_is_true(fullp);
    zs_batchrec_t b;
    int rc = zs_chain_get_batch(zs_node_store(r->node), num, &b);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (!rc && !b.closed) {
        free(b.l2data); /* an open batch: its data so far, from its blocks */
        rc = zs_chain_batch_l2data(zs_node_store(r->node), b.first_block, b.last_block, &b.l2data, &b.l2len);
    }
    if (rc) return fail(e, -32603, "reading batch %llu: %s", (unsigned long long)num, zs_strerror(rc));
    json_t *o = json_object();
    json_object_set_new(o, "number", qty(b.number));
    json_object_set_new(o, "coinbase", address(b.coinbase));
    json_object_set_new(o, "stateRoot", hexdata(b.state_root, 32));
    json_object_set_new(o, "globalExitRoot", hexdata(zero32, 32));
    json_object_set_new(o, "mainnetExitRoot", hexdata(zero32, 32));
    json_object_set_new(o, "rollupExitRoot", hexdata(zero32, 32));
    json_object_set_new(o, "localExitRoot", hexdata(zero32, 32));
    json_object_set_new(o, "accInputHash", hexdata(b.acc_input_hash, 32));
    json_object_set_new(o, "timestamp", qty(b.timestamp));
    json_object_set_new(o, "sendSequencesTxHash", json_null());
    json_object_set_new(o, "verifyBatchTxHash", json_null());
    json_object_set_new(o, "closed", json_boolean(b.closed));
    json_t *blocks = json_array(), *txs = json_array();
    for (uint64_t n = b.first_block; n <= b.last_block && b.number; n++) {
        zs_block_t blk;
        if (zs_chain_get_block(zs_node_store(r->node), n, &blk)) break;
        json_array_append_new(blocks, full ? block_object(r, &blk, 1) : hexdata(blk.hash, 32));
        for (uint32_t i = 0; i < blk.ntx; i++) {
            if (!full) {
                json_array_append_new(txs, hexdata(blk.tx_hashes[i], 32));
                continue;
            }
            zs_txrec_t rec;
            if (zs_chain_get_tx(zs_node_store(r->node), blk.tx_hashes[i], &rec)) continue;
            json_array_append_new(txs, included_tx(&rec));
            zs_txrec_clear(&rec);
        }
        zs_block_clear(&blk);
    }
    json_object_set_new(o, "blocks", blocks);
    json_object_set_new(o, "transactions", txs);
    json_object_set_new(o, "batchL2Data", hexdata(b.l2data, b.l2len));
    zs_batchrec_clear(&b);
    return o;
}

/* zkseq_cardSelftest: every kernel once through the card against the CPU
   (a card set aside is taken back when it passes). */
static json_t *m_card_selftest(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_accel_t *a = zs_node_accel(r->node);
    char report[320] = "no card: hashing on the CPU";
    int rc = a ? zs_accel_selftest(a, report, sizeof report) : ZS_OK;
    return json_pack("{s:b,s:s,s:o}", "passed", rc == ZS_OK, "report", report, "card", zs_accel_json(zs_node_accel(r->node)));
}

/* zkseq_status: what an operator checks first. */
static json_t *m_status(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_node_stats_t st;
    zs_batch_numbers_t bn;
    zs_node_stats(r->node, &st);
    zs_node_batches(r->node, &bn);
    size_t exe = 0, queued = 0, total = zs_pool_size(zs_node_pool(r->node), &exe, &queued);
    uint64_t refused[ZS_POOL_REASON_COUNT];
    zs_pool_refusals(zs_node_pool(r->node), refused);
    json_t *ref = json_object();
    for (int i = 1; i < ZS_POOL_REASON_COUNT; i++)
        if (refused[i]) json_object_set_new(ref, zs_pool_reason_id((zs_pool_reason_t)i), json_integer((json_int_t)refused[i]));
    double k = st.txs_included ? 1e-3 / (double)st.txs_included : 0;
    zs_rpc_stats_t rs;
    zs_rpc_stats(r, &rs);
    return json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:o},s:{s:I,s:I,s:I,s:I},"
                     "s:{s:f,s:f,s:f,s:f,s:f,s:f},s:{s:I,s:I,s:I},s:o}",
                     "version", CLIENT_VERSION, "head", (json_int_t)zs_node_head(r->node), "startedAt",
                     (json_int_t)st.started_at, "sequenced", "blocks", (json_int_t)st.blocks, "transactions",
                     (json_int_t)st.txs_included, "ejected", (json_int_t)st.txs_ejected, "pool", "total",
                     (json_int_t)total, "executable", (json_int_t)exe, "queued", (json_int_t)queued, "refused", ref,
                     "batches", "open", (json_int_t)bn.open, "trusted", (json_int_t)bn.trusted, "virtual",
                     (json_int_t)bn.virtual_, "consolidated", (json_int_t)bn.consolidated, "usPerTransaction", "execution",
                     (double)st.ns_exec * k, "block", (double)st.ns_block * k, "treeHashing", (double)st.ns_commit * k,
                     "records", (double)st.ns_records * k, "write", (double)st.ns_write * k, "publish",
                     (double)st.ns_publish * k, "rpc", "httpRequests", (json_int_t)rs.http_requests, "calls",
                     (json_int_t)rs.calls, "errors", (json_int_t)rs.errors, "card", zs_accel_json(zs_node_accel(r->node)));
}

/* zkseq_l1Status: what the firmware reports of L1 (no parameters). */
static json_t *m_l1_status(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_l1_status_t l;
    zs_l1view_read(zs_node_l1view(r->node), &l);
    zs_batch_numbers_t bn;
    zs_node_batches(r->node, &bn);
    zs_batch_policy_t bp;
    uint32_t bt;
    int from_fw = zs_policyctl_in_force(zs_node_policy(r->node), &bp, &bt);
    json_t *pol = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "from", from_fw ? "firmware" : "configuration", "maxBytes",
                            (json_int_t)bp.max_bytes, "maxTxs", (json_int_t)bp.max_txs, "maxGas", (json_int_t)bp.max_gas,
                            "maxAgeMs", (json_int_t)bp.max_age_ms, "blockTimeMs", (json_int_t)bt);
    return json_pack("{s:b,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:b,s:b,s:b}", "firmware", l.fw_up, "policy", pol,
                     "trustedBatch", (json_int_t)bn.trusted, "handedOver", (json_int_t)l.handed_over, "virtualBatch",
                     (json_int_t)l.virtual_, "confirmedBatch", (json_int_t)l.confirmed, "accInputHash",
                     hexdata(l.acc_input_hash, 32), "l1Tx", hexdata(l.l1_tx, 32), "l1Block", (json_int_t)l.l1_block,
                     "l1Head", (json_int_t)l.l1_head, "backlog", (json_int_t)l.backlog, "pendingL1Txs",
                     (json_int_t)l.pending_l1_txs, "backpressure", l.backpressure, "l1Down", l.l1_down, "feeAlarm",
                     l.fee_alarm);
}

static const struct {
    const char *name;
    method_fn fn;
} methods[] = {
    {"zkseq_status", m_status},
    {"zkseq_l1Status", m_l1_status},
    {"zkseq_cardSelftest", m_card_selftest},
    {"eth_chainId", m_chain_id},
    {"net_version", m_net_version},
    {"net_listening", m_true},
    {"web3_clientVersion", m_client_version},
    {"eth_syncing", m_false},
    {"eth_accounts", m_empty_list},
    {"eth_blockNumber", m_block_number},
    {"eth_gasPrice", m_gas_price},
    {"eth_maxPriorityFeePerGas", m_max_priority_fee},
    {"eth_feeHistory", m_fee_history},
    {"eth_getBalance", m_get_balance},
    {"eth_getTransactionCount", m_get_tx_count},
    {"eth_getCode", m_get_code},
    {"eth_sendRawTransaction", m_send_raw},
    {"eth_sendRawTransactionSync", m_send_raw_sync},
    {"eth_getTransactionByHash", m_get_tx},
    {"eth_getTransactionReceipt", m_get_receipt},
    {"eth_getBlockByNumber", m_block_by_number},
    {"eth_getBlockByHash", m_block_by_hash},
    {"eth_estimateGas", m_estimate_gas},
    {"eth_call", m_call},
    {"zkevm_batchNumber", m_batch_number},
    {"zkevm_virtualBatchNumber", m_virtual_batch},
    {"zkevm_verifiedBatchNumber", m_verified_batch},
    {"zkevm_consolidatedBlockNumber", m_consolidated_block},
    {"zkevm_batchNumberByBlockNumber", m_batch_by_block},
    {"zkevm_isBlockVirtualized", m_is_virtualized},
    {"zkevm_isBlockConsolidated", m_is_consolidated},
    {"zkevm_getBatchByNumber", m_batch_by_number},
};

/* ---- Envelope. */

static json_t *error_response(json_t *id, int code, const char *msg, json_t *data)
{
    json_t *err = json_pack("{s:i,s:s}", "code", code, "message", msg);
    if (data) json_object_set_new(err, "data", data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", err);
}

/* One call; NULL for a notification. */
static json_t *handle_call(zs_rpc_t *r, json_t *req)
{
    __atomic_fetch_add(&r->stats.calls, 1, __ATOMIC_RELAXED);
    if (!json_is_object(req)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(NULL, -32600, "invalid request: want a JSON object", NULL);
    }
    json_t *id = json_object_get(req, "id");
    int notification = id == NULL;
    if (id && !json_is_null(id) && !json_is_string(id) && !json_is_integer(id) && !json_is_real(id)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(NULL, -32600, "invalid request: id must be a number, a string or null", NULL);
    }
    json_t *ver = json_object_get(req, "jsonrpc");
    const char *method = json_string_value(json_object_get(req, "method"));
    json_t *params = json_object_get(req, "params");
    if ((ver && (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0"))) || !method) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(id, -32600, "invalid request: want jsonrpc \"2.0\" and a method name", NULL);
    }
    if (params && json_is_null(params)) params = NULL;
    if (params && !json_is_array(params)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(id, -32602, "invalid params: want an array", NULL);
    }
    method_fn fn = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(methods[i].name, method)) fn = methods[i].fn;
    json_t *res = NULL;
    rpc_err_t e = {0};
    if (!fn) {
        char msg[200];
        snprintf(msg, sizeof msg, "the method %.100s does not exist/is not available", method);
        e.code = -32601;
        snprintf(e.msg, sizeof e.msg, "%s", msg);
    } else {
        res = fn(r, params, &e);
    }
    if (!res && !e.code) fail(&e, -32603, "internal error");
    if (!res) __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
    if (notification) {
        json_decref(res);
        json_decref(e.data);
        return NULL;
    }
    if (!res) return error_response(id, e.code, e.msg, e.data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", res);
}

static char *dump(json_t *j, size_t *len)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    *len = s ? strlen(s) : 0;
    return s;
}

void zs_rpc_handle(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen)
{
    request_ns = zs_mono_ns();
    *out = NULL;
    *outlen = 0;
    json_error_t je;
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    json_t *resp;
    if (!req) {
        char msg[256];
        snprintf(msg, sizeof msg, "parse error: %s at byte %d", je.text, je.position);
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        resp = error_response(NULL, -32700, msg, NULL);
    } else if (json_is_array(req)) {
        size_t n = json_array_size(req);
        if (n == 0) {
            resp = error_response(NULL, -32600, "invalid request: empty batch", NULL);
        } else if (n > r->cfg.max_batch) {
            char msg[128];
            snprintf(msg, sizeof msg, "invalid request: batch of %zu calls is above the limit of %zu", n,
                     r->cfg.max_batch);
            resp = error_response(NULL, -32600, msg, NULL);
        } else {
            /* The transactions of the batch first, together. */
            const uint8_t **raws = calloc(n, sizeof *raws);
            size_t *lens = calloc(n, sizeof *lens), *where = calloc(n, sizeof *where), k = 0;
            zs_submit_t *subs = calloc(n, sizeof *subs);
            for (size_t i = 0; raws && lens && where && subs && i < n; i++) {
                json_t *c = json_array_get(req, i), *params = json_object_get(c, "params");
                const char *m = json_string_value(json_object_get(c, "method"));
                const char *hex = json_string_value(json_array_get(params, 0));
                if (!m || strcmp(m, "eth_sendRawTransaction") || !hex || strncmp(hex, "0x", 2) ||
                    json_array_size(params) != 1 || !json_object_get(c, "id"))
                    continue;
                size_t sl = strlen(hex);
                uint8_t *raw = malloc(sl / 2 + 1);
                if (!raw || zs_hex_decode(raw, sl / 2 + 1, &lens[k], hex, sl)) {
                    free(raw);
                    continue;
                }
                raws[k] = raw;
                where[k++] = i;
            }
            if (k) zs_node_submit_many(r->node, raws, lens, k, subs);
            resp = json_array();
            for (size_t i = 0, j = 0; i < n; i++) {
                presubmitted = j < k && where[j] == i ? &subs[j++] : NULL;
                json_t *one = handle_call(r, json_array_get(req, i));
                if (one) json_array_append_new(resp, one);
            }
            presubmitted = NULL;
            for (size_t i = 0; i < k; i++) free((void *)raws[i]);
            free(raws);
            free(lens);
            free(where);
            free(subs);
            if (!json_array_size(resp)) {
                json_decref(resp);
                resp = NULL;
            }
        }
    } else {
        resp = handle_call(r, req);
    }
    json_decref(req);
    if (resp) {
        *out = dump(resp, outlen);
        json_decref(resp);
    }
}

void zs_rpc_stats(zs_rpc_t *r, zs_rpc_stats_t *out)
{
    out->http_requests = __atomic_load_n(&r->stats.http_requests, __ATOMIC_RELAXED);
    out->calls = __atomic_load_n(&r->stats.calls, __ATOMIC_RELAXED);
    out->errors = __atomic_load_n(&r->stats.errors, __ATOMIC_RELAXED);
    out->too_large = __atomic_load_n(&r->stats.too_large, __ATOMIC_RELAXED);
}
