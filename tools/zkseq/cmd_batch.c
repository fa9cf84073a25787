/* zkseq batch process FILE [--id N]: executes a batch (Polygon's
   state-transition vector format) from its genesis, as an executor that
   reads the batch from L1 would, and prints the new state root, batchL2Data,
   batchHashData and the new accInputHash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/state/zs_state.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "tools/zkseq/zkseq_cli.h"

static void hex32(const char *what, json_t *v, uint8_t out[32])
{
    const char *s = json_string_value(v);
    if (!s) {
        memset(out, 0, 32);
        return;
    }
    cli_hex_exact(what, s, out, 32);
}

static json_t *root_json(const zs_smt_ref_t *r)
{
    uint8_t be[32];
    zs_smt_h4_to_be(r->hash, be);
    return cli_json_hex(be, 32);
}

/* The L1 info leaf a changeL2Block entry names: from the case's "l1InfoTree"
   object ({index: {globalExitRoot, blockHash, timestamp}}), or from the
   type-11 entries of "txs" carrying "l1Info". */
static int find_l1_info(json_t *c, uint32_t index, zs_l1_info_t *out)
{
    char key[16];
    snprintf(key, sizeof key, "%u", index);
    json_t *leaf = json_object_get(json_object_get(c, "l1InfoTree"), key);
    if (!leaf) {
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(c, "txs"), i, t) {
            if (json_integer_value(json_object_get(t, "type")) == 11 &&
                json_integer_value(json_object_get(t, "indexL1InfoTree")) == (json_int_t)index)
                leaf = json_object_get(t, "l1Info");
        }
    }
    if (!leaf) return 0;
    hex32("l1Info.globalExitRoot", json_object_get(leaf, "globalExitRoot"), out->global_exit_root);
    hex32("l1Info.blockHash", json_object_get(leaf, "blockHash"), out->block_hash);
    json_t *ts = json_object_get(leaf, "timestamp");
    out->timestamp = json_is_string(ts) ? cli_u64("l1Info.timestamp", json_string_value(ts)) : (uint64_t)json_integer_value(ts);
    return 1;
}

/* One case being executed. */
typedef struct {
    json_t *c;
    char what[64];
    zs_state_t *st;
    zs_exec_t *x;
    zs_exec_cfg_t cfg;
    uint8_t *batch;
    size_t blen;
    uint64_t timestamp_limit, version;
    zs_smt_ref_t old_root, root;
    json_t *blocks, *txs;
    int in_block;
} run_t;

/* The case's genesis applied and committed, its configuration read. */
static void open_case(run_t *r, json_t *c, size_t index)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->version = 1;
    snprintf(r->what, sizeof r->what, "batch process: case %zu", index);
    char err[512];
    zs_state_opts_t so = {.hasher = cli_hasher()};
    if (!(r->st = zs_state_open(NULL, &so, err, sizeof err))) cli_fail("%s: %s", r->what, err);
    /* Genesis: Polygon's vectors give an array of accounts. */
    json_t *g = json_pack("{s:O}", "addresses", json_object_get(c, "genesis"));
    zs_genesis_t *gen = cli_genesis(r->what, g);
    json_decref(g);
    if (zs_state_apply_genesis(r->st, gen, err, sizeof err)) cli_fail("%s: %s", r->what, err);
    zs_genesis_free(gen);
    if (zs_state_commit(r->st, NULL, 0, &r->old_root, NULL)) cli_fail("%s: genesis commit failed", r->what);
    json_t *cid = json_object_get(c, "chainID");
    r->cfg.chain_id = json_is_integer(cid) ? (uint64_t)json_integer_value(cid) : 1000;
    const char *seq = json_string_value(json_object_get(c, "sequencerAddress"));
    if (!seq) cli_fail("%s: no sequencerAddress", r->what);
    cli_addr("sequencerAddress", seq, r->cfg.coinbase);
    const char *bl2 = json_string_value(json_object_get(c, "batchL2Data"));
    if (!bl2) cli_fail("%s: no batchL2Data", r->what);
    r->batch = cli_hex("batchL2Data", bl2, &r->blen);
    json_t *tl = json_object_get(c, "timestampLimit");
    r->timestamp_limit = json_is_string(tl) ? cli_u64("timestampLimit", json_string_value(tl))
                                            : (uint64_t)json_integer_value(tl);
    r->x = zs_exec_new(r->st, &r->cfg);
    r->blocks = json_array();
    r->txs = json_array();
}

static void end_block(run_t *r)
{
    uint64_t gas;
    if (r->in_block && zs_exec_block_end(r->x, &gas, NULL)) cli_fail("%s: closing a block failed", r->what);
    r->in_block = 0;
}

/* A changeL2Block entry: NULL, or why the whole batch is invalid. */
static const char *begin_block(run_t *r, const zs_batch_entry_t *ent)
{
    end_block(r);
    if (zs_state_commit(r->st, NULL, r->version++, &r->root, NULL)) cli_fail("%s: commit failed", r->what);
    zs_l1_info_t l1, *l1p = NULL;
    if (ent->index_l1_info_tree) {
        if (!find_l1_info(r->c, ent->index_l1_info_tree, &l1))
            cli_fail("%s: the batch refers to L1 info leaf %u, which the file does not give", r->what,
                     ent->index_l1_info_tree);
        l1p = &l1;
    }
    zs_exec_block_t blk;
    if (zs_exec_block_begin(r->x, r->root.hash, ent->delta_timestamp, l1p, &blk))
        cli_fail("%s: opening a block failed", r->what);
    if (blk.timestamp > r->timestamp_limit) return "a block timestamp is above timestampLimit";
    if (l1p && blk.timestamp < l1p->timestamp) return "a block timestamp is below its L1 info leaf's";
    json_array_append_new(r->blocks, json_pack("{s:I,s:I}", "number", (json_int_t)blk.number, "timestamp",
                                               (json_int_t)blk.timestamp));
    r->in_block = 1;
    return NULL;
}

/* A transaction entry: NULL, or why the whole batch is invalid. */
static const char *run_tx(run_t *r, const zs_batch_entry_t *ent)
{
    uint8_t *raw = malloc(ent->len + 64);
    zs_tx_t tx;
    zs_perr_t te;
    if (!raw) cli_fail("out of memory");
    if (zs_batch_entry_to_tx(ent, raw, ent->len + 64, &tx, &te)) {
        /* Polygon refuses the whole batch when a transaction does not decode. */
        free(raw);
        return "a transaction does not decode (Failed to RLP decode signing data)";
    }
    uint8_t sender[20];
    json_t *jt = json_pack("{s:o}", "hash", cli_json_hex(tx.hash, 32));
    if (zs_tx_recover(&tx, sender)) {
        json_object_set_new(jt, "included", json_false());
        json_object_set_new(jt, "reason", json_string("invalid signature"));
    } else {
        zs_exec_result_t res;
        if (zs_exec_tx(r->x, &tx, sender, ent->effective_percentage, &res)) cli_fail("%s: state error", r->what);
        if (res.reason == ZS_EXEC_UNSUPPORTED)
            cli_fail("%s: transaction %s creates or calls a contract; zkseq has no EVM yet, so it cannot "
                     "compute this batch", r->what, json_string_value(json_object_get(jt, "hash")));
        json_object_set_new(jt, "from", cli_json_addr(sender));
        json_object_set_new(jt, "included", json_boolean(res.reason == ZS_EXEC_OK));
        if (res.reason == ZS_EXEC_OK) {
            json_object_set_new(jt, "gasUsed", json_integer((json_int_t)res.gas_used));
            json_object_set_new(jt, "l2TxHash", cli_json_hex(res.l2_tx_hash, 32));
        } else {
            json_object_set_new(jt, "reason", json_string(zs_exec_reason_text(res.reason)));
        }
    }
    json_array_append_new(r->txs, jt);
    free(raw);
    return NULL;
}

/* What the executor would answer for the case. */
static json_t *case_result(run_t *r, const char *invalid)
{
    uint8_t batch_hash[32], acc[32], old_acc[32], l1_root[32], forced[32];
    cli_keccak(r->batch, r->blen, batch_hash);
    hex32("oldAccInputHash", json_object_get(r->c, "oldAccInputHash"), old_acc);
    hex32("l1InfoRoot", json_object_get(r->c, "l1InfoRoot"), l1_root);
    hex32("forcedBlockHashL1", json_object_get(r->c, "forcedBlockHashL1"), forced);
    zs_batch_acc_input_hash(old_acc, batch_hash, l1_root, r->timestamp_limit, r->cfg.coinbase, forced, acc);
    /* The local exit root: slot 1 of the L2 global exit root manager. */
    zs_u256_t slot = zs_u256_from_u64(1), ler;
    uint8_t ler_be[32];
    if (zs_state_storage(r->st, zs_ger_manager_l2_address, &slot, &ler)) cli_fail("%s: state error", r->what);
    zs_u256_to_be32(&ler, ler_be);
    json_t *out = json_object();
    if (json_object_get(r->c, "id")) json_object_set(out, "id", json_object_get(r->c, "id"));
    json_object_set_new(out, "oldStateRoot", root_json(&r->old_root));
    json_object_set_new(out, "newStateRoot", root_json(&r->root));
    json_object_set_new(out, "batchL2Data", cli_json_hex(r->batch, r->blen));
    json_object_set_new(out, "batchHashData", cli_json_hex(batch_hash, 32));
    json_object_set_new(out, "newAccInputHash", cli_json_hex(acc, 32));
    json_object_set_new(out, "newLocalExitRoot", cli_json_hex(ler_be, 32));
    json_object_set_new(out, "invalidBatch", invalid ? json_string(invalid) : json_false());
    json_object_set_new(out, "blocks", r->blocks);
    json_object_set_new(out, "txs", r->txs);
    return out;
}

static json_t *process_case(json_t *c, size_t index)
{
    run_t r;
    open_case(&r, c, index);
    const char *invalid = NULL; /* the whole batch is invalid: the state stays */
    size_t pos = 0;
    zs_batch_entry_t ent;
    zs_perr_t e = {0};
    int rc, first = 1;
    while (!invalid && (rc = zs_batch_next(r.batch, r.blen, &pos, &ent, &e)) == 1) {
        if (first && ent.kind != ZS_BATCH_ENTRY_BLOCK) invalid = "the first entry is not a changeL2Block";
        else invalid = ent.kind == ZS_BATCH_ENTRY_BLOCK ? begin_block(&r, &ent) : run_tx(&r, &ent);
        first = 0;
    }
    if (!invalid && rc < 0) invalid = "batchL2Data does not decode";
    if (!invalid) end_block(&r);
    if (invalid) r.root = r.old_root;
    else if (zs_state_commit(r.st, NULL, r.version, &r.root, NULL)) cli_fail("%s: commit failed", r.what);
    json_t *out = case_result(&r, invalid);
    zs_exec_free(r.x);
    zs_state_close(r.st);
    free(r.batch);
    return out;
}

/* zkseq batch acc OLD_ACC BATCHL2DATA L1_INFO_ROOT TIMESTAMP SEQUENCER [FORCED_BLOCK_HASH]:
   one step of the accInputHash chain, as the rollup contract computes it. */
static int batch_acc(int argc, char **argv)
{
    if (argc < 6 || argc > 7)
        cli_fail("usage: zkseq batch acc OLD_ACC BATCHL2DATA L1_INFO_ROOT TIMESTAMP SEQUENCER [FORCED_BLOCK_HASH]");
    uint8_t old[32], root[32], seq[20], forced[32] = {0}, data_hash[32], acc[32];
    cli_hex_exact("OLD_ACC", argv[1], old, 32);
    size_t len;
    uint8_t *data = cli_hex("BATCHL2DATA", argv[2], &len);
    cli_hex_exact("L1_INFO_ROOT", argv[3], root, 32);
    uint64_t ts = cli_u64("TIMESTAMP", argv[4]);
    cli_addr("SEQUENCER", argv[5], seq);
    if (argc == 7) cli_hex_exact("FORCED_BLOCK_HASH", argv[6], forced, 32);
    zs_keccak256(data, len, data_hash);
    zs_batch_acc_input_hash(old, data_hash, root, ts, seq, forced, acc);
    free(data);
    json_t *out = json_object();
    json_object_set_new(out, "batchHashData", cli_json_hex(data_hash, 32));
    json_object_set_new(out, "accInputHash", cli_json_hex(acc, 32));
    cli_print(out);
    return 0;
}

int cmd_batch(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "acc")) return batch_acc(argc, argv);
    if (argc < 2 || strcmp(argv[0], "process")) cli_fail("usage: zkseq batch process FILE [--id N] | batch acc ...");
    const char *file = NULL;
    long long id = -1;
    for (int i = 1; i < argc; i++) { /* --id before or after the file */
        if (!strcmp(argv[i], "--id") && i + 1 < argc) id = (long long)cli_u64("--id", argv[++i]);
        else if (!file && argv[i][0] != '-') file = argv[i];
        else cli_fail("usage: zkseq batch process FILE [--id N]");
    }
    if (!file) cli_fail("usage: zkseq batch process FILE [--id N]");
    json_error_t je;
    json_t *j = json_load_file(file, 0, &je);
    if (!j) cli_fail("batch process: cannot read %s: %s (line %d)", file, je.text, je.line);
    json_t *out;
    if (json_is_array(j)) {
        out = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(j, i, c) {
            json_t *cid = json_object_get(c, "id");
            long long this_id = json_is_integer(cid) ? json_integer_value(cid) : (long long)i;
            if (id >= 0 && this_id != id) continue;
            json_array_append_new(out, process_case(c, (size_t)this_id));
        }
        if (id >= 0) {
            if (!json_array_size(out)) cli_fail("batch process: no case with id %lld in %s", id, file);
            json_t *one = json_incref(json_array_get(out, 0));
            json_decref(out);
            out = one;
        }
    } else {
        out = process_case(j, 0);
    }
    json_decref(j);
    cli_print(out);
    return 0;
}
