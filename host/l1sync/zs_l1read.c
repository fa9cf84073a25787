#include "host/l1sync/zs_l1read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/l1sync/zs_l1abi.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"

int zs_l1read_fail(zs_l1read_t *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    return rc;
}

void zs_l1read_forget(zs_l1read_t *s)
{
    s->have_pair = s->have_last_acc = s->have_blk = 0;
}

typedef struct {
    uint8_t topics[4][32];
    size_t ntopics;
    uint8_t *data;
    size_t len;
    uint8_t tx[32], address[20];
    zs_l1_at_t at;
    int kind; /* ZS_EV_*, or -1 */
} log_t;

static int parse_log(json_t *j, log_t *l)
{
    memset(l, 0, sizeof *l);
    l->kind = -1;
    json_t *t = json_object_get(j, "topics");
    if (!json_is_array(t) || json_array_size(t) == 0 || json_array_size(t) > 4) return ZS_ERR_PARSE;
    l->ntopics = json_array_size(t);
    for (size_t i = 0; i < l->ntopics; i++)
        if (zs_l1rpc_data(json_array_get(t, i), l->topics[i], 32)) return ZS_ERR_PARSE;
    if (zs_l1rpc_qty(json_object_get(j, "blockNumber"), &l->at.number) ||
        zs_l1rpc_data(json_object_get(j, "blockHash"), l->at.hash, 32) ||
        zs_l1rpc_data(json_object_get(j, "transactionHash"), l->tx, 32) ||
        zs_l1rpc_data(json_object_get(j, "address"), l->address, 20) ||
        zs_l1rpc_data_alloc(json_object_get(j, "data"), &l->data, &l->len))
        return ZS_ERR_PARSE;
    for (int k = 0; k < ZS_EV_COUNT; k++)
        if (!memcmp(l->topics[0], zs_l1abi_topics[k], 32)) l->kind = k;
    return ZS_OK;
}

/* Whether the log came from the contract that emits its kind. */
static int from_its_contract(const zs_l1read_t *s, const log_t *l)
{
    int info = l->kind == ZS_EV_UPDATE_L1_INFO_TREE || l->kind == ZS_EV_UPDATE_L1_INFO_TREE_V2;
    return !memcmp(l->address, info ? s->manager : s->rollup, 20);
}

static uint64_t word_u64(const uint8_t w[32])
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | w[i];
    return v;
}

static int word_fits(const uint8_t w[32], int bytes)
{
    for (int i = 0; i < 32 - bytes; i++)
        if (w[i]) return 0;
    return 1;
}

/* ---- The L1 info tree. */

static int on_info_pair(zs_l1read_t *s, const log_t *l)
{
    if (l->ntopics != 3) return zs_l1read_fail(s, ZS_ERR_PARSE, "UpdateL1InfoTree without its two topics");
    memcpy(s->pair_tx, l->tx, 32);
    memcpy(s->pair_mainnet, l->topics[1], 32);
    memcpy(s->pair_rollup, l->topics[2], 32);
    s->have_pair = 1;
    return ZS_OK;
}

static int on_info_leaf(zs_l1read_t *s, zs_store_batch_t *b, const log_t *l)
{
    if (l->ntopics != 2 || l->len != 96 || !word_fits(l->topics[1], 4) || !word_fits(l->data + 64, 8))
        return zs_l1read_fail(s, ZS_ERR_PARSE, "UpdateL1InfoTreeV2 is not shaped as the manager emits it");
    if (!s->have_pair || memcmp(s->pair_tx, l->tx, 32))
        return zs_l1read_fail(s, ZS_ERR_PARSE, "UpdateL1InfoTreeV2 without UpdateL1InfoTree before it");
    uint64_t count = word_u64(l->topics[1]);
    if (count == 0) return zs_l1read_fail(s, ZS_ERR_PARSE, "UpdateL1InfoTreeV2 with leafCount 0");
    zs_l1_leaf_t leaf = {.index = (uint32_t)(count - 1), .at = l->at};
    if (leaf.index < s->cursor.leaves) return ZS_OK; /* read already */
    if (leaf.index > s->cursor.leaves && s->cursor.leaves)
        return zs_l1read_fail(s, ZS_ERR_CORRUPT, "L1 info leaf %u follows leaf %u: a leaf is missing", leaf.index,
                              s->cursor.leaves - 1);
    memcpy(leaf.root, l->data, 32);
    memcpy(leaf.block_hash, l->data + 32, 32);
    leaf.min_timestamp = word_u64(l->data + 64);
    memcpy(leaf.mainnet, s->pair_mainnet, 32);
    memcpy(leaf.rollup, s->pair_rollup, 32);
    uint8_t m[64];
    memcpy(m, leaf.mainnet, 32);
    memcpy(m + 32, leaf.rollup, 32);
    zs_keccak256(m, 64, leaf.ger);
    memcpy(leaf.tx, l->tx, 32);
    zs_l1rec_put_leaf(b, &leaf);
    s->cursor.leaves = leaf.index + 1;
    return ZS_OK;
}

/* ---- Sequences. */

/* The first word of sequencedBatches(batch) at L1 block `at`: the
   contract's accInputHash for a sequence's last batch (zero otherwise). */
static int contract_acc(zs_l1read_t *s, uint64_t batch, uint64_t at, uint8_t out[32])
{
    uint8_t call[36] = {0}, *ret;
    size_t rl;
    zs_l1abi_selector("sequencedBatches(uint64)", call);
    for (int i = 0; i < 8; i++) call[35 - i] = (uint8_t)(batch >> (8 * i));
    int rc = zs_l1rpc_eth_call(s->rpc, s->rollup, call, sizeof call, at, &ret, &rl);
    if (rc) return zs_l1read_fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    if (rl < 32) rc = zs_l1read_fail(s, ZS_ERR_PARSE, "sequencedBatches(%llu) answered %zu bytes",
                                     (unsigned long long)batch, rl);
    else
        memcpy(out, ret, 32);
    free(ret);
    return rc;
}

/* The accInputHash before batch `first`. */
static int acc_before(zs_l1read_t *s, uint64_t first, uint64_t at, uint8_t out[32])
{
    if (first == 1) {
        memset(out, 0, 32);
        return ZS_OK;
    }
    if (s->have_last_acc && s->last_acc_batch == first - 1) {
        memcpy(out, s->last_acc, 32);
        return ZS_OK;
    }
    zs_l1_virtual_t v;
    if (!zs_l1rec_virtual(s->store, first - 1, &v)) {
        memcpy(out, v.acc_input_hash, 32);
        return ZS_OK;
    }
    /* Started after it: the previous sequence's last batch, as the contract holds it. */
    return contract_acc(s, first - 1, at, out);
}

static int on_sequence(zs_l1read_t *s, zs_store_batch_t *b, const log_t *l, int forced_only)
{
    if (l->ntopics != 2 || !word_fits(l->topics[1], 8) || l->len != (forced_only ? 0u : 32u))
        return zs_l1read_fail(s, ZS_ERR_PARSE, "a sequence event not shaped as the rollup emits it");
    uint64_t last = word_u64(l->topics[1]);
    if (last <= s->cursor.virtual_) return ZS_OK; /* read already */
    uint8_t *input = NULL, from[20];
    size_t len;
    int rc = zs_l1rpc_tx(s->rpc, l->tx, &input, &len, from);
    if (rc) return zs_l1read_fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
    zs_l1_sequence_t q;
    if ((rc = zs_l1abi_sequence(input, len, &q))) {
        free(input);
        return zs_l1read_fail(s, rc, "the transaction that sequenced batch %llu is not a sequenceBatches or "
                              "sequenceBlobBatches call zkseq can read", (unsigned long long)last);
    }
    if (q.forced_only) memcpy(q.coinbase, from, 20);
    uint64_t first = last - q.n + 1;
    uint8_t acc[32], root[32] = {0};
    if (!forced_only) memcpy(root, l->data, 32);
    if (q.n > last) rc = zs_l1read_fail(s, ZS_ERR_PARSE, "a sequence of %zu batches ending at %llu", q.n,
                                        (unsigned long long)last);
    if (!rc) rc = acc_before(s, first, l->at.number, acc);
    for (size_t i = 0; !rc && i < q.n; i++) {
        const zs_l1_batchdata_t *bd = &q.batches[i];
        zs_l1_virtual_t v = {.batch = first + i, .sequence_last = last, .at = l->at};
        zs_l1abi_acc_step(acc, bd, root, q.max_timestamp, q.coinbase, acc, v.batch_hash);
        memcpy(v.acc_input_hash, acc, 32);
        v.forced = bd->forced_timestamp > 0;
        memcpy(v.l1_info_root, v.forced ? bd->forced_ger : root, 32);
        v.timestamp = v.forced ? bd->forced_timestamp : bd->hash ? bd->blob_timestamp : q.max_timestamp;
        v.via_blob = bd->hash != NULL;
        memcpy(v.blob_hash, bd->blob_hash, 32);
        memcpy(v.coinbase, q.coinbase, 20);
        memcpy(v.tx, l->tx, 32);
        zs_l1rec_put_virtual(b, &v);
    }
    uint8_t theirs[32];
    if (!rc && !(rc = contract_acc(s, last, l->at.number, theirs)) && memcmp(theirs, acc, 32)) {
        char a[67], t[67];
        zs_hex_encode_0x(a, acc, 32);
        zs_hex_encode_0x(t, theirs, 32);
        s->acc_mismatches++;
        zs_log(ZS_LOG_ERROR, "l1sync", "ALARM accInputHash of batch %llu: computed %s from the calldata, the "
               "contract holds %s", (unsigned long long)last, a, t);
    }
    if (!rc) {
        s->cursor.virtual_ = last;
        memcpy(s->last_acc, acc, 32);
        s->last_acc_batch = last;
        s->have_last_acc = 1;
    }
    zs_l1abi_sequence_free(&q);
    free(input);
    return rc;
}

/* ---- Verifications and forced batches. */

static int on_verify(zs_l1read_t *s, zs_store_batch_t *b, const log_t *l)
{
    if (l->ntopics != 3 || !word_fits(l->topics[1], 8) || l->len != 32)
        return zs_l1read_fail(s, ZS_ERR_PARSE, "VerifyBatchesTrustedAggregator not shaped as the rollup emits it");
    uint64_t last = word_u64(l->topics[1]);
    for (uint64_t n = s->cursor.verified + 1; n <= last; n++) {
        zs_l1_verified_t v = {.batch = n, .final_batch = last, .at = l->at};
        memcpy(v.state_root, l->data, 32);
        memcpy(v.tx, l->tx, 32);
        zs_l1rec_put_verified(b, &v);
    }
    if (last > s->cursor.verified) s->cursor.verified = last;
    return ZS_OK;
}

/* The header of L1 block n (one cached). */
static int header(zs_l1read_t *s, uint64_t n, zs_l1_block_t *out)
{
    if (!s->have_blk || s->blk.number != n) {
        int rc = zs_l1rpc_block(s->rpc, NULL, n, &s->blk);
        if (rc) return zs_l1read_fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
        s->have_blk = 1;
    }
    *out = s->blk;
    return ZS_OK;
}

static int on_force(zs_l1read_t *s, zs_store_batch_t *b, const log_t *l)
{
    zs_l1_forced_t f = {.at = l->at};
    const uint8_t *txs;
    size_t txlen;
    if (l->ntopics != 2 || !word_fits(l->topics[1], 8) ||
        zs_l1abi_force_batch_data(l->data, l->len, f.ger, f.sender, &txs, &txlen))
        return zs_l1read_fail(s, ZS_ERR_PARSE, "ForceBatch not shaped as the rollup emits it");
    f.number = word_u64(l->topics[1]);
    if (f.number <= s->cursor.forced) return ZS_OK;
    zs_l1_block_t h;
    int rc = header(s, l->at.number, &h);
    if (rc) return rc;
    if (memcmp(h.hash, l->at.hash, 32)) return zs_l1read_fail(s, ZS_ERR_AGAIN, "L1 moved while it was read");
    f.timestamp = h.timestamp;
    memcpy(f.block_hash, h.parent, 32);
    memcpy(f.tx, l->tx, 32);
    uint8_t *input = NULL, from[20];
    size_t len;
    if (!txlen) { /* an EOA's call: the transactions are in its calldata */
        if ((rc = zs_l1rpc_tx(s->rpc, l->tx, &input, &len, from)))
            return zs_l1read_fail(s, rc, "%s", zs_l1rpc_error(s->rpc));
        if (zs_l1abi_force_batch_call(input, len, &txs, &txlen)) {
            free(input);
            return zs_l1read_fail(s, ZS_ERR_PARSE, "forced batch %llu: its transaction is not a forceBatch call",
                                  (unsigned long long)f.number);
        }
    }
    f.data = (uint8_t *)txs;
    f.len = txlen;
    zs_l1rec_put_forced(b, &f);
    free(input);
    s->cursor.forced = f.number;
    return ZS_OK;
}

int zs_l1read_log(zs_l1read_t *s, zs_store_batch_t *b, json_t *j)
{
    if (json_is_true(json_object_get(j, "removed"))) return ZS_OK;
    log_t l;
    int rc = parse_log(j, &l);
    if (rc) {
        free(l.data);
        return zs_l1read_fail(s, rc, "a log L1 sent does not parse");
    }
    if (l.kind >= 0 && !from_its_contract(s, &l)) l.kind = -1;
    switch (l.kind) {
    case ZS_EV_UPDATE_L1_INFO_TREE: rc = on_info_pair(s, &l); break;
    case ZS_EV_UPDATE_L1_INFO_TREE_V2: rc = on_info_leaf(s, b, &l); break;
    case ZS_EV_SEQUENCE_BATCHES: rc = on_sequence(s, b, &l, 0); break;
    case ZS_EV_SEQUENCE_FORCE_BATCHES: rc = on_sequence(s, b, &l, 1); break;
    case ZS_EV_FORCE_BATCH: rc = on_force(s, b, &l); break;
    case ZS_EV_VERIFY_BATCHES: rc = on_verify(s, b, &l); break;
    default: break;
    }
    free(l.data);
    return rc;
}
