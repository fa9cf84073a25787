/* The Ethereum methods (eth_*, net_*, web3_*): what wallets and tools call. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "host/exec/zs_exec.h"
#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"
#include "lib/tx/zs_tx.h"

#define CLIENT_VERSION "zkseq/0.1.0"

static json_t *m_chain_id(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return rpc_qty(zs_node_cfg(r->node)->chain_id);
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
    return rpc_qty(zs_node_head(r->node));
}

static json_t *m_gas_price(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return rpc_qty256(&zs_node_cfg(r->node)->min_gas_price);
}

static json_t *m_max_priority_fee(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    return rpc_qty(0);
}

/* State at a block; pruned versions give -32001. */
static int account_at(zs_rpc_t *r, json_t *p, uint8_t a[20], uint64_t *nonce, zs_u256_t *bal, rpc_err_t *e)
{
    if (rpc_parse_addr(rpc_param(p, 0), a, e, "address")) return ZS_ERR_INVAL;
    uint64_t num;
    int k = rpc_parse_block(r, rpc_param(p, 1), &num, e);
    if (k < 0) return ZS_ERR_INVAL;
    if (k > 0) {
        rpc_fail(e, -32001, "header not found");
        return ZS_ERR_INVAL;
    }
    int rc = zs_node_account(r->node, num == zs_node_head(r->node) ? UINT64_MAX : num, a, nonce, bal);
    if (rc == ZS_ERR_NOTFOUND) {
        rpc_fail(e, -32001, "state of block %llu is no longer kept (pruned)", (unsigned long long)num);
        return ZS_ERR_INVAL;
    }
    if (rc) {
        rpc_fail(e, -32603, "reading the state: %s", zs_strerror(rc));
        return ZS_ERR_INVAL;
    }
    return 0;
}

static json_t *m_get_balance(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t nonce;
    zs_u256_t bal;
    return account_at(r, p, a, &nonce, &bal, e) ? NULL : rpc_qty256(&bal);
}

static json_t *m_get_tx_count(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t a[20];
    uint64_t nonce;
    zs_u256_t bal;
    if (rpc_is_pending_tag(rpc_param(p, 1))) {
        if (rpc_parse_addr(rpc_param(p, 0), a, e, "address")) return NULL;
        int rc = zs_node_pending_nonce(r->node, a, &nonce);
        return rc ? rpc_fail(e, -32603, "reading the state: %s", zs_strerror(rc)) : rpc_qty(nonce);
    }
    return account_at(r, p, a, &nonce, &bal, e) ? NULL : rpc_qty(nonce);
}

static json_t *submit_error(rpc_err_t *e, const zs_submit_t *s)
{
    if (s->reason == ZS_POOL_INVALID && s->detail)
        rpc_fail(e, -32000, "%s: %s", zs_pool_reason_text(s->reason), s->detail);
    else
        rpc_fail(e, -32000, "%s", zs_pool_reason_text(s->reason));
    e->data = json_pack("{s:s}", "reason", zs_pool_reason_id(s->reason));
    return NULL;
}

static int raw_param(json_t *p, uint8_t **raw, size_t *len, rpc_err_t *e)
{
    const char *s = json_string_value(rpc_param(p, 0));
    if (!s || strncmp(s, "0x", 2)) {
        rpc_fail(e, -32602, "invalid params: want the signed transaction as 0x-hex");
        return ZS_ERR_INVAL;
    }
    size_t sl = strlen(s);
    *raw = malloc(sl / 2 + 1);
    if (!*raw) {
        rpc_fail(e, -32603, "out of memory");
        return ZS_ERR_INVAL;
    }
    if (zs_hex_decode(*raw, sl / 2 + 1, len, s, sl)) {
        free(*raw);
        rpc_fail(e, -32602, "invalid params: the transaction is not valid hex");
        return ZS_ERR_INVAL;
    }
    return 0;
}

/* In a batch, every eth_sendRawTransaction is admitted up front (one group
   commit for all); the call then only reports its outcome. */
__thread const zs_submit_t *rpc_presubmitted;
/* When the request being handled on this thread arrived (the metrics'
   answer latency). */
__thread uint64_t rpc_request_ns;

static void count_submit(const zs_submit_t *s)
{
    zs_metrics_ingress(ZS_PATH_RPC, (int)s->reason);
    zs_metrics_ack(ZS_PATH_RPC, zs_mono_ns() - rpc_request_ns);
}

/* A read replica: the call goes to the sequencer, and its answer comes
   back as the sequencer gave it (1), or is refused here (no sequencer to
   forward to); 0 on a node that takes transactions itself. */
static int replica_send(zs_rpc_t *r, const char *method, json_t *p, json_t **out, rpc_err_t *e)
{
    *out = NULL;
    if (!r->cfg.read_only) return 0;
    json_t *ans = r->cfg.forward ? r->cfg.forward(r->cfg.forward_ctx, method, p) : NULL;
    json_t *err = json_object_get(ans, "error"), *res = json_object_get(ans, "result");
    if (!r->cfg.forward) {
        rpc_fail(e, -32000, "this node is a read replica without a sequencer to forward transactions to");
    } else if (!ans) {
        rpc_fail(e, -32000, "this read replica cannot reach the sequencer to forward the transaction");
    } else if (err) {
        const char *m = json_string_value(json_object_get(err, "message"));
        rpc_fail(e, (int)json_integer_value(json_object_get(err, "code")), "%s", m ? m : "");
        json_t *d = json_object_get(err, "data");
        if (d) e->data = json_incref(d);
    } else if (res) {
        *out = json_incref(res);
    } else {
        rpc_fail(e, -32603, "the sequencer's answer has no result");
    }
    json_decref(ans);
    return 1;
}

static json_t *m_send_raw(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    json_t *fwd;
    if (replica_send(r, "eth_sendRawTransaction", p, &fwd, e)) return fwd;
    zs_submit_t s;
    if (rpc_presubmitted) {
        s = *rpc_presubmitted;
    } else {
        uint8_t *raw;
        size_t len;
        if (raw_param(p, &raw, &len, e)) return NULL;
        zs_node_submit(r->node, raw, len, &s);
        free(raw);
    }
    count_submit(&s);
    if (s.reason != ZS_POOL_OK) return submit_error(e, &s);
    return rpc_hexdata(s.hash, 32);
}

/* The third parameter of eth_sendRawTransactionSync (zkseq's): "executed"
   (or {"confirmation": "executed"}) answers once the sequencer has run the
   transaction in its open block; "durable" or none, once its block is
   written (EIP-7966's receipt).  1, 0, or -1 for anything else. */
static int wants_executed(json_t *c)
{
    if (!c || json_is_null(c)) return 0;
    if (json_is_object(c)) c = json_object_get(c, "confirmation");
    const char *s = json_string_value(c);
    return !s ? -1 : !strcmp(s, "executed") ? 1 : !strcmp(s, "durable") ? 0 : -1;
}

int rpc_sync_begin(zs_rpc_t *r, json_t *p, int wait_durable, rpc_sync_t *w, rpc_err_t *e)
{
    memset(w, 0, sizeof *w);
    w->at_exec = wants_executed(rpc_param(p, 2));
    if (w->at_exec < 0) {
        rpc_fail(e, -32602, "invalid confirmation: want \"executed\" or \"durable\"");
        return -1;
    }
    uint64_t timeout = r->cfg.sync_timeout_ms;
    json_t *t = rpc_param(p, 1);
    if (t && !json_is_null(t) && (rpc_parse_qty(t, &timeout) || timeout > r->cfg.max_sync_timeout_ms)) {
        rpc_fail(e, -32602, "invalid timeout: want milliseconds, at most %u", r->cfg.max_sync_timeout_ms);
        return -1;
    }
    w->timeout_ms = timeout;
    uint8_t *raw;
    size_t len;
    if (raw_param(p, &raw, &len, e)) return -1;
    zs_submit_t s;
    if (wait_durable)
        zs_node_submit(r->node, raw, len, &s);
    else
        zs_node_submit_nowait(r->node, raw, len, &s);
    free(raw);
    count_submit(&s);
    if (s.reason != ZS_POOL_OK) {
        submit_error(e, &s);
        return -1;
    }
    memcpy(w->hash, s.hash, 32);
    return 0;
}

json_t *rpc_sync_outcome(const rpc_sync_t *w, int rc, const zs_executed_info_t *x, zs_txrec_t *rec, const char *why,
                         rpc_err_t *e)
{
    if (rc == ZS_ERR_REFUSED) {
        rpc_fail(e, -32000, "transaction dropped by the sequencer: %s", why);
        e->data = json_pack("{s:o}", "hash", rpc_hexdata(w->hash, 32));
        return NULL;
    }
    if (rc) {
        rpc_fail(e, -32002, "the transaction was accepted but not yet sequenced after %llu ms",
                 (unsigned long long)w->timeout_ms);
        e->data = json_pack("{s:o}", "hash", rpc_hexdata(w->hash, 32));
        return NULL;
    }
    if (w->at_exec) return rpc_executed_object(x);
    json_t *o = rpc_receipt_object(rec);
    zs_txrec_clear(rec);
    return o;
}

/* In a batch (or a replica's forward): this thread waits.  A call alone
   is held by the HTTP thread instead (zs_rpc_sync.c). */
static json_t *m_send_raw_sync(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    json_t *fwd;
    if (replica_send(r, "eth_sendRawTransactionSync", p, &fwd, e)) return fwd;
    rpc_sync_t w;
    if (rpc_sync_begin(r, p, 1, &w, e)) return NULL;
    zs_txrec_t rec;
    zs_executed_info_t x;
    const char *why = NULL;
    int rc = w.at_exec ? zs_node_wait_executed(r->node, w.hash, (int)w.timeout_ms, &x, &why)
                       : zs_node_wait_included(r->node, w.hash, (int)w.timeout_ms, &rec, &why);
    return rpc_sync_outcome(&w, rc, &x, &rec, why, e);
}

static json_t *m_get_tx(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    if (rpc_parse_hash(rpc_param(p, 0), h, e, "transaction hash")) return NULL;
    zs_txrec_t rec;
    if (!zs_chain_get_tx(zs_node_store(r->node), h, &rec)) {
        json_t *o = rpc_included_tx(&rec);
        zs_txrec_clear(&rec);
        return o;
    }
    uint8_t *raw, sender[20];
    size_t len;
    if (!zs_pool_get(zs_node_pool(r->node), h, &raw, &len, sender)) return json_null();
    zs_tx_t tx;
    zs_perr_t pe;
    json_t *o = zs_tx_decode(raw, len, &tx, &pe) ? json_null() : rpc_tx_object(&tx, sender, NULL, NULL);
    free(raw);
    return o;
}

static json_t *m_get_receipt(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    if (rpc_parse_hash(rpc_param(p, 0), h, e, "transaction hash")) return NULL;
    zs_txrec_t rec;
    if (zs_chain_get_tx(zs_node_store(r->node), h, &rec)) return json_null();
    json_t *o = rpc_receipt_object(&rec);
    zs_txrec_clear(&rec);
    return o;
}

static json_t *get_block(zs_rpc_t *r, uint64_t num, json_t *fullp, rpc_err_t *e)
{
    if (fullp && !json_is_boolean(fullp)) return rpc_fail(e, -32602, "invalid params: the second one is a boolean");
    zs_block_t b;
    int rc = zs_chain_get_block(zs_node_store(r->node), num, &b);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (rc) return rpc_fail(e, -32603, "reading block %llu: %s", (unsigned long long)num, zs_strerror(rc));
    json_t *o = rpc_block_object(r, &b, json_is_true(fullp));
    zs_block_clear(&b);
    return o;
}

static json_t *m_block_by_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t num;
    int k = rpc_parse_block(r, rpc_param(p, 0), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return json_null();
    return get_block(r, num, rpc_param(p, 1), e);
}

static json_t *m_block_by_hash(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    uint64_t num;
    if (rpc_parse_hash(rpc_param(p, 0), h, e, "block hash")) return NULL;
    if (zs_chain_block_number(zs_node_store(r->node), h, &num)) return json_null();
    return get_block(r, num, rpc_param(p, 1), e);
}

static json_t *m_fee_history(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t count, newest;
    if (rpc_parse_qty(rpc_param(p, 0), &count) || count == 0 || count > 1024)
        return rpc_fail(e, -32602, "invalid blockCount: want 1 to 1024");
    int k = rpc_parse_block(r, rpc_param(p, 1), &newest, e);
    if (k < 0) return NULL;
    if (k > 0) return rpc_fail(e, -32001, "header not found");
    json_t *pct = rpc_param(p, 2);
    if (pct && !json_is_null(pct)) {
        if (!json_is_array(pct) || json_array_size(pct) > 100)
            return rpc_fail(e, -32602, "invalid rewardPercentiles: want at most 100 numbers");
        double last = -1;
        size_t i;
        json_t *v;
        json_array_foreach(pct, i, v)
        {
            if (!json_is_number(v) || json_number_value(v) < last || json_number_value(v) > 100)
                return rpc_fail(e, -32602, "invalid rewardPercentiles: want increasing numbers from 0 to 100");
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
        json_array_append_new(fees, rpc_qty256(base));
        json_array_append_new(ratio, json_real(used));
        if (pct) {
            json_t *row = json_array();
            for (size_t i = 0; i < json_array_size(pct); i++) json_array_append_new(row, rpc_qty(0));
            json_array_append_new(rewards, row);
        }
    }
    json_array_append_new(fees, rpc_qty256(base));
    json_object_set_new(o, "oldestBlock", rpc_qty(oldest));
    json_object_set_new(o, "baseFeePerGas", fees);
    json_object_set_new(o, "gasUsedRatio", ratio);
    if (pct)
        json_object_set_new(o, "reward", rewards);
    else
        json_decref(rewards);
    return o;
}

const zs_rpc_method_t zs_rpc_eth_methods[] = {
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
    {"eth_sendRawTransaction", m_send_raw},
    {"eth_sendRawTransactionSync", m_send_raw_sync},
    {"eth_getTransactionByHash", m_get_tx},
    {"eth_getTransactionReceipt", m_get_receipt},
    {"eth_getBlockByNumber", m_block_by_number},
    {"eth_getBlockByHash", m_block_by_hash},
    {NULL, NULL},
};
