/* What L1 says, as zkevm-node serves it: a batch's L1 fields (the
   accInputHash, L1 info root and transaction L1 sequenced it with, the
   transaction that verified it, its exit roots), the exit roots of a
   global exit root, the latest global exit root; and zkseq_l1Follower,
   where the host's L1 follower is. */
#include <jansson.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "host/l1view/zs_l1rec.h"

/* The last leaf a block of the batch named (0: none). */
static int batch_leaf(zs_rpc_t *r, const zs_batchrec_t *b, uint8_t ger[32])
{
    memset(ger, 0, 32);
    int found = 0;
    for (uint64_t n = b->first_block; n <= b->last_block && b->number; n++) {
        zs_block_t blk;
        if (zs_chain_get_block(zs_node_store(r->node), n, &blk)) break;
        if (blk.l1_index) {
            memcpy(ger, blk.ger, 32);
            found = 1;
        }
        zs_block_clear(&blk);
    }
    return found;
}

void rpc_batch_l1(zs_rpc_t *r, const zs_batchrec_t *b, json_t *o)
{
    zs_store_t *s = zs_node_store(r->node);
    uint8_t ger[32];
    zs_l1_leaf_t leaf;
    int named = batch_leaf(r, b, ger) && !zs_l1rec_leaf_by_ger(s, ger, &leaf);
    json_object_set_new(o, "globalExitRoot", rpc_hexdata(ger, 32));
    json_object_set_new(o, "mainnetExitRoot", rpc_hexdata(named ? leaf.mainnet : rpc_zero32, 32));
    json_object_set_new(o, "rollupExitRoot", rpc_hexdata(named ? leaf.rollup : rpc_zero32, 32));
    zs_l1_virtual_t v;
    zs_l1_verified_t f;
    int virt = b->number && !zs_l1rec_virtual(s, b->number, &v);
    /* Before L1 has it: the trusted values (the appliance's own). */
    json_object_set_new(o, "accInputHash", rpc_hexdata(virt ? v.acc_input_hash : b->acc_input_hash, 32));
    json_object_set_new(o, "l1InfoRoot", virt ? rpc_hexdata(v.l1_info_root, 32) : json_null());
    json_object_set_new(o, "sendSequencesTxHash", virt ? rpc_hexdata(v.tx, 32) : json_null());
    /* zkseq's: how its data went to L1 (an EIP-4844 blob, with the blob's
       versioned hash, or calldata); null before L1 has it. */
    json_object_set_new(o, "l1DataAvailability", virt ? json_string(v.via_blob ? "blob" : "calldata") : json_null());
    json_object_set_new(o, "blobVersionedHash", virt && v.via_blob ? rpc_hexdata(v.blob_hash, 32) : json_null());
    json_object_set_new(o, "verifyBatchTxHash",
                        b->number && !zs_l1rec_verified(s, b->number, &f) ? rpc_hexdata(f.tx, 32) : json_null());
}

static json_t *exit_roots(const zs_l1_leaf_t *l)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "blockNumber", rpc_qty(l->at.number), "timestamp",
                     rpc_qty(l->min_timestamp), "mainnetExitRoot", rpc_hexdata(l->mainnet, 32), "rollupExitRoot",
                     rpc_hexdata(l->rollup, 32));
}

/* zkevm_getExitRootsByGER(ger): where L1 made it and of what, or null. */
static json_t *m_exit_roots_by_ger(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t ger[32];
    if (rpc_parse_hash(rpc_param(p, 0), ger, e, "global exit root")) return NULL;
    zs_l1_leaf_t l;
    int rc = zs_l1rec_leaf_by_ger(zs_node_store(r->node), ger, &l);
    if (rc == ZS_ERR_NOTFOUND) return json_null();
    if (rc) return rpc_fail(e, -32603, "reading the L1 info tree: %s", zs_strerror(rc));
    return exit_roots(&l);
}

/* zkevm_getLatestGlobalExitRoot: the newest leaf's, as L1 has it now. */
static json_t *m_latest_ger(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_l1_follower_t f;
    zs_l1view_follower(zs_node_l1view(r->node), &f);
    zs_l1_leaf_t l;
    if (!f.cursor.leaves) return rpc_hexdata(rpc_zero32, 32);
    int rc = zs_l1rec_leaf(zs_node_store(r->node), f.cursor.leaves - 1, &l);
    if (rc) return rpc_fail(e, -32603, "reading the L1 info tree: %s", zs_strerror(rc));
    return rpc_hexdata(l.ger, 32);
}

/* zkseq_l1Follower: the host's own reading of L1. */
static json_t *m_follower(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    zs_l1_follower_t f;
    zs_l1view_follower(zs_node_l1view(r->node), &f);
    json_t *leaf = f.have_leaf ? json_pack("{s:I,s:o,s:I,s:I}", "index", (json_int_t)f.leaf.index, "globalExitRoot",
                                           rpc_hexdata(f.leaf.ger, 32), "l1Block", (json_int_t)f.leaf.at.number,
                                           "timestamp", (json_int_t)f.leaf.min_timestamp)
                               : json_null();
    return json_pack("{s:b,s:b,s:{s:I,s:I,s:I},s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:s}", "enabled",
                     f.enabled, "up", f.up, "l1", "head", (json_int_t)f.head, "safe", (json_int_t)f.safe, "finalized",
                     (json_int_t)f.finalized, "readTo", (json_int_t)f.cursor.at.number, "leaves",
                     (json_int_t)f.cursor.leaves, "virtualBatch", (json_int_t)f.cursor.virtual_, "verifiedBatch",
                     (json_int_t)f.cursor.verified, "forcedBatches", (json_int_t)f.cursor.forced, "safeBatch",
                     (json_int_t)f.safe_batch, "finalizedBatch", (json_int_t)f.finalized_batch, "referenceLeaf",
                     leaf, "polls", (json_int_t)f.polls, "errors", (json_int_t)f.errors, "reorgs",
                     (json_int_t)f.reorgs, "accMismatches", (json_int_t)f.acc_mismatches, "error", f.error);
}

const zs_rpc_method_t zs_rpc_l1_methods[] = {
    {"zkevm_getExitRootsByGER", m_exit_roots_by_ger},
    {"zkevm_getLatestGlobalExitRoot", m_latest_ger},
    {"zkseq_l1Follower", m_follower},
    {NULL, NULL},
};
