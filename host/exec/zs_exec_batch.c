/* A batch as Polygon's processor runs it: decode every entry first (a
   transaction that does not decode invalidates the batch), count, then
   execute blocks and transactions in order. */
#include "host/exec/zs_exec_batch.h"

#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"

#define SYSTEM_SLOT_TIMESTAMP 2

typedef zs_exec_entry_t entry_t;

typedef struct {
    zs_state_t *st;
    const zs_exec_batch_in_t *in;
    const zs_exec_batch_sink_t *sink;
    zs_exec_t *x;
    uint64_t version;
    int in_block, blocks;
    zs_vacc_t acc; /* batch-level counters at the transactions' MCP */
    zs_vcount_t total;
} run_t;

void zs_exec_l1_leaf_value(const zs_l1_info_t *l, uint8_t out[32])
{
    uint8_t buf[72], zero[72] = {0}, zh[32];
    memcpy(buf, l->global_exit_root, 32);
    memcpy(buf + 32, l->block_hash, 32);
    for (int i = 0; i < 8; i++) buf[64 + i] = (uint8_t)(l->timestamp >> (56 - 8 * i));
    zs_keccak256(buf, 72, out);
    zs_keccak256(zero, 72, zh);
    if (!memcmp(out, zh, 32)) memset(out, 0, 32);
}

void zs_exec_l1_proof_root(const uint8_t leaf[32], const uint8_t (*proof)[32], uint32_t index, uint8_t out[32])
{
    uint8_t node[32], buf[64];
    memcpy(node, leaf, 32);
    for (int i = 0; i < 32; i++) {
        if ((index >> i) & 1) {
            memcpy(buf, proof[i], 32);
            memcpy(buf + 32, node, 32);
        } else {
            memcpy(buf, node, 32);
            memcpy(buf + 32, proof[i], 32);
        }
        zs_keccak256(buf, 64, node);
    }
    memcpy(out, node, 32);
}

static size_t min_len(const zs_u256_t *v, size_t zero)
{
    uint8_t b[32];
    size_t n = zs_u256_to_be_min(v, b);
    return n ? n : zero;
}

void zs_exec_batch_rlp(const zs_batch_entry_t *ent, const zs_tx_t *tx, int chain_mismatch, int recovered,
                       zs_vcount_rlp_t *o)
{
    memset(o, 0, sizeof *o);
    zs_u256_t t;
    /* The processor reads a zero field as "0x00" (one byte), except in a
       transaction of another chain, whose fields it leaves as decoded ("0x"). */
    size_t zero = chain_mismatch ? 0 : 1;
    o->rlp_len = ent->len;
    o->data_len = tx->data_len;
    o->gas_price_len = min_len(&tx->gas_price, zero);
    t = zs_u256_from_u64(tx->gas);
    o->gas_limit_len = min_len(&t, zero);
    o->value_len = min_len(&tx->value, zero);
    t = zs_u256_from_u64(tx->chain_id);
    o->chain_id_len = tx->has_chain_id ? min_len(&t, zero) : 0;
    t = zs_u256_from_u64(tx->nonce);
    o->nonce_len = min_len(&t, zero);
    o->v = ent->v;
    memcpy(o->r, ent->r, 32);
    memcpy(o->s, ent->s, 32);
    o->recovered = recovered;
}

const char *zs_exec_batch_decode(const uint8_t *data, size_t len, uint64_t chain_id, zs_exec_entry_t **out, size_t *n)
{
    size_t pos = 0, cap = 0;
    entry_t *v = NULL;
    zs_perr_t e = {0};
    int rc;
    *n = 0;
    *out = NULL;
    zs_batch_entry_t ent;
    while ((rc = zs_batch_next(data, len, &pos, &ent, &e)) == 1) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            entry_t *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                *out = v;
                return "out of memory";
            }
            v = nv;
        }
        entry_t *x = &v[(*n)++];
        memset(x, 0, sizeof *x);
        x->ent = ent;
        if (ent.kind != ZS_BATCH_ENTRY_TX) continue;
        if (!(x->raw = malloc(ent.len + 64))) {
            *out = v;
            return "out of memory";
        }
        zs_perr_t te = {0};
        if (zs_batch_entry_to_tx(&ent, x->raw, ent.len + 64, &x->tx, &te)) {
            /* a bad r or s fails the signature, anything else the decoding */
            if (!te.reason || (strncmp(te.reason, "r:", 2) && strncmp(te.reason, "s:", 2))) {
                *out = v;
                return "a transaction does not decode (Failed to RLP decode signing data)";
            }
            x->why = "TX INVALID: Failed signature";
            continue;
        }
        x->decoded = 1;
        if (x->tx.has_chain_id && x->tx.chain_id != chain_id) {
            x->why = "TX INVALID: Chain ID does not match";
            x->chain_mismatch = 1;
        }
        else if (zs_tx_recover(&x->tx, x->sender)) x->why = "TX INVALID: Failed signature";
        else x->sig_ok = 1;
    }
    *out = v;
    return rc < 0 ? "batchL2Data does not decode" : NULL;
}

void zs_exec_entries_free(zs_exec_entry_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i].raw);
    free(v);
}

static int end_block(run_t *r)
{
    if (!r->in_block) return ZS_OK;
    r->in_block = 0;
    uint64_t gas;
    return zs_exec_block_end(r->x, &gas, NULL);
}

/* Opens a block: NULL, or why the batch is invalid. */
static const char *begin_block(run_t *r, const zs_batch_entry_t *ent, int *rc)
{
    zs_vcount_change_l2_block(&r->acc, ent->index_l1_info_tree != 0);
    if ((*rc = end_block(r))) return NULL;
    zs_smt_ref_t root;
    if ((*rc = zs_state_commit(r->st, NULL, ++r->version, &root, NULL))) return NULL;
    zs_l1_info_t l1, *l1p = NULL;
    if (ent->index_l1_info_tree) {
        uint8_t proof[32][32], leaf[32], root_l1[32];
        int has_proof = 0;
        if (!r->in->l1_info || r->in->l1_info(r->in->ctx, ent->index_l1_info_tree, &l1, proof, &has_proof))
            return "a block refers to an L1 info leaf that is not given";
        if (has_proof) {
            zs_exec_l1_leaf_value(&l1, leaf);
            zs_exec_l1_proof_root(leaf, (const uint8_t(*)[32])proof, ent->index_l1_info_tree, root_l1);
            if (memcmp(root_l1, r->in->l1_info_root, 32)) return "an L1 info leaf is not in l1InfoRoot";
            if (!memcmp(leaf, (const uint8_t[32]){0}, 32)) return "a block refers to an empty L1 info leaf";
        }
        l1p = &l1;
    }
    zs_exec_block_t blk;
    if ((*rc = zs_exec_block_begin(r->x, root.hash, ent->delta_timestamp, l1p, &blk))) return NULL;
    if (blk.timestamp > r->in->timestamp_limit) return "a block timestamp is above timestampLimit";
    if (l1p && blk.timestamp < l1p->timestamp) return "a block timestamp is below its L1 info leaf's";
    r->in_block = 1;
    r->blocks++;
    if (r->sink && r->sink->block) r->sink->block(r->sink->ctx, &blk);
    return NULL;
}

static int run_tx(run_t *r, entry_t *x)
{
    zs_exec_batch_tx_t t = {.tx = x->decoded ? &x->tx : NULL, .recovered = x->sig_ok, .why = x->why};
    memcpy(t.sender, x->sender, 20);
    zs_exec_result_t res;
    if (!x->why) {
        int rc = zs_exec_tx(r->x, &x->tx, x->sender, x->ent.effective_percentage, &res);
        if (rc) return rc;
        t.r = &res;
        if (res.reason == ZS_EXEC_OK) {
            t.included = 1;
            zs_vcount_sum(&r->total, &res.counters);
        } else {
            t.why = zs_exec_reason_text(res.reason);
        }
    }
    if (r->sink && r->sink->tx) r->sink->tx(r->sink->ctx, &t);
    return ZS_OK;
}

/* A forced batch's one block: timestamp max(limit, previous), the L1
   info root as its global exit root, the forced L1 block hash. */
static int begin_forced(run_t *r)
{
    zs_vcount_change_l2_block(&r->acc, 0);
    zs_smt_ref_t root;
    int rc = zs_state_commit(r->st, NULL, ++r->version, &root, NULL);
    if (rc) return rc;
    zs_u256_t slot = zs_u256_from_u64(SYSTEM_SLOT_TIMESTAMP), ts;
    if ((rc = zs_state_storage(r->st, zs_system_address, &slot, &ts))) return rc;
    uint64_t now = zs_u256_fits_u64(&ts) ? ts.w[0] : UINT64_MAX;
    uint32_t delta = r->in->timestamp_limit > now ? (uint32_t)(r->in->timestamp_limit - now) : 0;
    zs_l1_info_t l1 = {0};
    memcpy(l1.global_exit_root, r->in->l1_info_root, 32);
    memcpy(l1.block_hash, r->in->forced_block_hash, 32);
    zs_exec_block_t blk;
    if ((rc = zs_exec_block_begin(r->x, root.hash, delta, &l1, &blk))) return rc;
    r->in_block = 1;
    r->blocks++;
    if (r->sink && r->sink->block) r->sink->block(r->sink->ctx, &blk);
    return ZS_OK;
}

const char *zs_exec_batch_precount(size_t len, const zs_exec_entry_t *v, size_t n, int forced, uint32_t max_level,
                                   zs_vcount_t *out)
{
    zs_vacc_t a = {0};
    const char *why = NULL;
    zs_vcount_batch(&a, len);
    for (size_t i = 0; i < n && !why; i++) {
        if (v[i].ent.kind == ZS_BATCH_ENTRY_BLOCK) {
            if (forced) why = "a forced batch holds a changeL2Block";
            else zs_vcount_decode_change_l2_block(&a);
        } else if (v[i].decoded || v[i].why) {
            zs_vcount_rlp_t rlp;
            zs_exec_batch_rlp(&v[i].ent, &v[i].tx, v[i].chain_mismatch, v[i].sig_ok, &rlp);
            zs_vcount_rlp_parsing(&a, &rlp);
        }
    }
    zs_vcount_add(out, &a, zs_vcount_mcp(max_level, 0));
    return why;
}

/* Runs the entries; NULL, or why the batch is invalid. */
static const char *run_entries(run_t *r, entry_t *v, size_t n, int forced, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].ent.kind == ZS_BATCH_ENTRY_BLOCK) {
            const char *why = begin_block(r, &v[i].ent, rc);
            if (why || *rc) return why;
            continue;
        }
        if (i == 0 && forced && (*rc = begin_forced(r))) return NULL;
        if (i == 0 && !forced) return "the first entry is not a changeL2Block";
        if (!r->in_block) return "a transaction outside any block";
        if ((*rc = run_tx(r, &v[i]))) return NULL;
    }
    return NULL;
}

int zs_exec_batch(zs_state_t *st, uint64_t version, const zs_exec_batch_in_t *in, const zs_exec_batch_sink_t *sink,
                  zs_exec_batch_out_t *out)
{
    memset(out, 0, sizeof *out);
    run_t r = {.st = st, .in = in, .sink = sink, .version = version};
    zs_exec_cfg_t cfg = {.chain_id = in->chain_id, .tx_gas_limit = in->gas_limit, .block_gas_limit = in->gas_limit,
                         .info_pass = in->info_pass};
    memcpy(cfg.coinbase, in->sequencer, 20);
    if (!(r.x = zs_exec_new(st, &cfg))) return ZS_ERR_NOMEM;
    entry_t *v;
    size_t n;
    int rc = 0;
    const char *why = zs_exec_batch_decode(in->data, in->len, in->chain_id, &v, &n);
    int forced = !!memcmp(in->forced_block_hash, (const uint8_t[32]){0}, 32);
    if (!why && !(why = zs_exec_batch_precount(in->len, v, n, forced, in->max_level, &r.total)))
        why = run_entries(&r, v, n, forced, &rc);
    if (!why && !rc) rc = end_block(&r);
    if (!why && !rc && !r.blocks) {
        /* no block at all: the processor still consolidates one, which
           leaves the block info root slot at zero */
        zs_u256_t slot = zs_u256_from_u64(3), zero = zs_u256_from_u64(0);
        rc = zs_state_set_storage(st, zs_system_address, &slot, &zero);
    }
    zs_vcount_add(&r.total, &r.acc, zs_vcount_mcp(in->max_level, 1));
    zs_vcount_t limits;
    zs_vcount_limits(12, &limits);
    if (!why && !rc && zs_vcount_over(&r.total, &limits))
        why = "out of counters: the prover would throw the batch away (fork 12 budgets)";
    out->invalid = why;
    out->counters = r.total;
    out->version = r.version;
    zs_exec_entries_free(v, n);
    zs_exec_free(r.x);
    return rc;
}
