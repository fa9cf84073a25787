/* Polygon's zkevm_* methods (batches and their stages) and zkseq's own
   zkseq_* (status, L1, the card). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_hex.h"

#define CLIENT_VERSION "zkseq/0.1.0"

static json_t *m_batch_number(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return rpc_qty(b.open);
}

static json_t *m_virtual_batch(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return rpc_qty(b.virtual_);
}

static json_t *m_verified_batch(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return rpc_qty(b.consolidated);
}

static json_t *m_consolidated_block(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_batch_numbers_t b;
    zs_node_batches(r->node, &b);
    return rpc_qty(rpc_last_block_of_batch(r, b.consolidated));
}

static json_t *m_batch_by_block(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint64_t num;
    int k = rpc_parse_block(r, rpc_param(p, 0), &num, e);
    if (k < 0) return NULL;
    if (k > 0) return json_null();
    zs_block_t b;
    if (zs_chain_get_block(zs_node_store(r->node), num, &b)) return json_null();
    json_t *j = rpc_qty(b.batch);
    zs_block_clear(&b);
    return j;
}

static json_t *block_stage(zs_rpc_t *r, json_t *p, rpc_err_t *e, int consolidated)
{
    uint64_t num;
    int k = rpc_parse_block(r, rpc_param(p, 0), &num, e);
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
    json_t *np = rpc_param(p, 0);
    const char *tag = json_string_value(np);
    uint64_t num;
    if (tag && (!strcmp(tag, "latest") || !strcmp(tag, "pending")))
        num = bn.open;
    else if (tag && !strcmp(tag, "earliest"))
        num = 0;
    else if (tag && !strcmp(tag, "safe"))
        num = bn.safe;
    else if (tag && !strcmp(tag, "finalized"))
        num = bn.finalized;
    else if (rpc_parse_qty(np, &num))
        return rpc_fail(e, -32602, "invalid batch number");
    json_t *fullp = rpc_param(p, 1);
    if (fullp && !json_is_boolean(fullp)) return rpc_fail(e, -32602, "invalid params: the second one is a boolean");
    int full = json_is_true(fullp);
    zs_batchrec_t b;
    int rc = zs_chain_get_batch(zs_node_store(r->node), num, &b);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (!rc && !b.closed) {
        free(b.l2data); /* an open batch: its data so far, from its blocks */
        rc = zs_chain_batch_l2data(zs_node_store(r->node), b.first_block, b.last_block, &b.l2data, &b.l2len);
    }
    if (rc) return rpc_fail(e, -32603, "reading batch %llu: %s", (unsigned long long)num, zs_strerror(rc));
    json_t *o = json_object();
    json_object_set_new(o, "number", rpc_qty(b.number));
    json_object_set_new(o, "coinbase", rpc_address(b.coinbase));
    json_object_set_new(o, "stateRoot", rpc_hexdata(b.state_root, 32));
    json_object_set_new(o, "localExitRoot", rpc_hexdata(b.local_exit_root, 32));
    json_object_set_new(o, "timestamp", rpc_qty(b.timestamp));
    rpc_batch_l1(r, &b, o);
    if (b.forced) json_object_set_new(o, "forcedBatchNumber", rpc_qty(b.forced));
    json_object_set_new(o, "closed", json_boolean(b.closed));
    json_t *blocks = json_array(), *txs = json_array();
    for (uint64_t n = b.first_block; n <= b.last_block && b.number; n++) {
        zs_block_t blk;
        if (zs_chain_get_block(zs_node_store(r->node), n, &blk)) break;
        json_array_append_new(blocks, full ? rpc_block_object(r, &blk, 1) : rpc_hexdata(blk.hash, 32));
        for (uint32_t i = 0; i < blk.ntx; i++) {
            if (!full) {
                json_array_append_new(txs, rpc_hexdata(blk.tx_hashes[i], 32));
                continue;
            }
            zs_txrec_t rec;
            if (zs_chain_get_tx(zs_node_store(r->node), blk.tx_hashes[i], &rec)) continue;
            json_array_append_new(txs, rpc_included_tx(&rec));
            zs_txrec_clear(&rec);
        }
        zs_block_clear(&blk);
    }
    json_object_set_new(o, "blocks", blocks);
    json_object_set_new(o, "transactions", txs);
    json_object_set_new(o, "batchL2Data", rpc_hexdata(b.l2data, b.l2len));
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
                     "s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f},s:{s:I,s:I,s:I},s:o}",
                     "version", CLIENT_VERSION, "head", (json_int_t)zs_node_head(r->node), "startedAt",
                     (json_int_t)st.started_at, "sequenced", "blocks", (json_int_t)st.blocks, "transactions",
                     (json_int_t)st.txs_included, "ejected", (json_int_t)st.txs_ejected, "pool", "total",
                     (json_int_t)total, "executable", (json_int_t)exe, "queued", (json_int_t)queued, "refused", ref,
                     "batches", "open", (json_int_t)bn.open, "trusted", (json_int_t)bn.trusted, "virtual",
                     (json_int_t)bn.virtual_, "consolidated", (json_int_t)bn.consolidated, "usPerTransaction", "execution",
                     (double)st.ns_exec * k, "block", (double)st.ns_block * k, "blockEnd",
                     (double)st.ns_end * k, "treeHashing", (double)st.ns_commit * k,
                     "records", (double)st.ns_records * k, "blockRecords", (double)st.ns_finish * k, "handover",
                     (double)st.ns_handover * k, "write", (double)st.ns_write * k, "publish",
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
    return json_pack("{s:b,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:o}", "firmware", l.fw_up, "policy", pol,
                     "trustedBatch", (json_int_t)bn.trusted, "handedOver", (json_int_t)l.handed_over, "virtualBatch",
                     (json_int_t)l.virtual_, "confirmedBatch", (json_int_t)l.confirmed, "accInputHash",
                     rpc_hexdata(l.acc_input_hash, 32), "l1Tx", rpc_hexdata(l.l1_tx, 32), "l1Block", (json_int_t)l.l1_block,
                     "l1Head", (json_int_t)l.l1_head, "backlog", (json_int_t)l.backlog, "pendingL1Txs",
                     (json_int_t)l.pending_l1_txs, "backpressure", l.backpressure, "l1Down", l.l1_down, "feeAlarm",
                     l.fee_alarm, "l1Data", l.have_info ? json_string(zs_l1_data_name(l.l1_data)) : json_null());
}

const zs_rpc_method_t zs_rpc_zkevm_methods[] = {
    {"zkseq_status", m_status},
    {"zkseq_l1Status", m_l1_status},
    {"zkseq_cardSelftest", m_card_selftest},
    {"zkevm_batchNumber", m_batch_number},
    {"zkevm_virtualBatchNumber", m_virtual_batch},
    {"zkevm_verifiedBatchNumber", m_verified_batch},
    {"zkevm_consolidatedBlockNumber", m_consolidated_block},
    {"zkevm_batchNumberByBlockNumber", m_batch_by_block},
    {"zkevm_isBlockVirtualized", m_is_virtualized},
    {"zkevm_isBlockConsolidated", m_is_consolidated},
    {"zkevm_getBatchByNumber", m_batch_by_number},
    {NULL, NULL},
};
