/* zkseq batch: a batch as Polygon's executor runs it.
     batch process FILE [--id N]  a case of Polygon's state-transition vectors
                                  (genesis accounts, batchL2Data), from genesis
     batch exec FILE              an executor input (oldStateRoot, db,
                                  contractsBytecode, batchL2Data, ...)
     batch acc ...                one step of the accInputHash chain
   Both runs print newStateRoot, newLocalExitRoot, batchHashData,
   newAccInputHash, virtualCounters (named as in the vectors), the blocks
   and each transaction's fate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec_batch.h"
#include "host/state/zs_state.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "tools/common/zs_execinput.h"
#include "tools/zkseq/zkseq_cli.h"

static void hex32(const char *what, json_t *v, uint8_t out[32])
{
    if (zs_execinput_hex32(v, out)) cli_fail("%s is not a 32-byte hex value", what);
}

static json_t *root_json(const zs_smt_ref_t *r)
{
    uint8_t be[32];
    zs_smt_h4_to_be(r->hash, be);
    return cli_json_hex(be, 32);
}

/* ---- What the run reports. */

typedef struct {
    json_t *blocks, *txs;
} report_t;

static void on_block(void *ctx, const zs_exec_block_t *b)
{
    report_t *r = ctx;
    json_array_append_new(r->blocks, json_pack("{s:I,s:I}", "number", (json_int_t)b->number, "timestamp",
                                               (json_int_t)b->timestamp));
}

static json_t *logs_json(const zs_exec_result_t *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nlogs; i++) {
        const zs_evm_log_t *l = &r->logs[i];
        json_t *topics = json_array();
        for (int t = 0; t < l->ntopics; t++) json_array_append_new(topics, cli_json_hex(l->topics[t], 32));
        json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "address", cli_json_addr(l->address), "topics", topics,
                                           "data", cli_json_hex(l->data, l->len)));
    }
    return a;
}

static void on_tx(void *ctx, const zs_exec_batch_tx_t *t)
{
    report_t *rep = ctx;
    json_t *jt = json_object();
    if (t->tx) json_object_set_new(jt, "hash", cli_json_hex(t->tx->hash, 32));
    if (t->recovered) json_object_set_new(jt, "from", cli_json_addr(t->sender));
    json_object_set_new(jt, "included", json_boolean(t->included));
    if (!t->included) {
        json_object_set_new(jt, "reason", json_string(t->why ? t->why : "invalid"));
    } else {
        const zs_exec_result_t *r = t->r;
        json_object_set_new(jt, "status", json_integer(r->status));
        if (!r->status) json_object_set_new(jt, "error", json_string(zs_evm_status_text(r->evm_status)));
        json_object_set_new(jt, "gasUsed", json_integer((json_int_t)r->gas_used));
        json_object_set_new(jt, "l2TxHash", cli_json_hex(r->l2_tx_hash, 32));
        if (r->created) json_object_set_new(jt, "contractAddress", cli_json_addr(r->contract));
        if (r->output_len) json_object_set_new(jt, "output", cli_json_hex(r->output, r->output_len));
        if (r->nlogs) json_object_set_new(jt, "logs", logs_json(r));
    }
    json_array_append_new(rep->txs, jt);
}

static json_t *counters_json(const zs_vcount_t *c)
{
    const uint64_t v[8] = {c->steps, c->arith, c->binary, c->mem_align, c->keccaks, c->padding, c->poseidon, c->sha256};
    json_t *o = json_object();
    for (int i = 0; i < 8; i++) json_object_set_new(o, zs_vcount_names[i], json_integer((json_int_t)v[i]));
    return o;
}

/* Runs in on st and describes the result as the executor would. */
static json_t *run(zs_state_t *st, const zs_exec_batch_in_t *in, const zs_smt_ref_t *old_root,
                   const uint8_t old_acc[32], const char *what)
{
    report_t rep = {json_array(), json_array()};
    zs_exec_batch_sink_t sink = {.ctx = &rep, .block = on_block, .tx = on_tx};
    zs_exec_batch_out_t out;
    if (zs_exec_batch(st, 0, in, &sink, &out)) cli_fail("%s: state error", what);
    zs_smt_ref_t root = *old_root;
    uint8_t ler_be[32] = {0};
    if (!out.invalid) {
        if (zs_state_commit(st, NULL, out.version + 1, &root, NULL)) cli_fail("%s: commit failed", what);
        /* the local exit root: slot 1 of the L2 global exit root manager */
        zs_u256_t slot = zs_u256_from_u64(1), ler;
        if (zs_state_storage(st, zs_ger_manager_l2_address, &slot, &ler)) cli_fail("%s: state error", what);
        zs_u256_to_be32(&ler, ler_be);
    }
    uint8_t batch_hash[32], acc[32];
    cli_keccak(in->data, in->len, batch_hash);
    zs_batch_acc_input_hash(old_acc, batch_hash, in->l1_info_root, in->timestamp_limit, in->sequencer,
                            in->forced_block_hash, acc);
    json_t *o = json_object();
    json_object_set_new(o, "oldStateRoot", root_json(old_root));
    json_object_set_new(o, "newStateRoot", root_json(&root));
    json_object_set_new(o, "newLocalExitRoot", cli_json_hex(ler_be, 32));
    json_object_set_new(o, "batchL2Data", cli_json_hex(in->data, in->len));
    json_object_set_new(o, "batchHashData", cli_json_hex(batch_hash, 32));
    json_object_set_new(o, "newAccInputHash", cli_json_hex(acc, 32));
    json_object_set_new(o, "virtualCounters", counters_json(&out.counters));
    json_object_set_new(o, "invalidBatch", out.invalid ? json_string(out.invalid) : json_false());
    json_object_set_new(o, "blocks", rep.blocks);
    json_object_set_new(o, "txs", rep.txs);
    return o;
}

/* ---- batch process: Polygon's state-transition cases. */

/* The L1 info leaf of a case: its "l1InfoTree" object, or the type-11
   entries of "txs" that carry "l1Info". */
static int case_l1_info(void *ctx, uint32_t index, zs_l1_info_t *out, uint8_t (*proof)[32], int *has_proof)
{
    json_t *c = ctx, *leaf;
    char key[16];
    snprintf(key, sizeof key, "%u", index);
    leaf = json_object_get(json_object_get(c, "l1InfoTree"), key);
    if (!leaf) {
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(c, "txs"), i, t) {
            if (json_integer_value(json_object_get(t, "type")) == 11 &&
                json_integer_value(json_object_get(t, "indexL1InfoTree")) == (json_int_t)index)
                leaf = json_object_get(t, "l1Info");
        }
    }
    return zs_execinput_l1_leaf(leaf, 0, out, proof, has_proof);
}

static json_t *process_case(json_t *c, size_t index)
{
    char what[64], err[512];
    snprintf(what, sizeof what, "batch process: case %zu", index);
    zs_state_opts_t so = {.hasher = cli_hasher()};
    zs_state_t *st = zs_state_open(NULL, &so, err, sizeof err);
    if (!st) cli_fail("%s: %s", what, err);
    json_t *g = json_pack("{s:O}", "addresses", json_object_get(c, "genesis"));
    zs_genesis_t *gen = cli_genesis(what, g);
    json_decref(g);
    if (zs_state_apply_genesis(st, gen, err, sizeof err)) cli_fail("%s: %s", what, err);
    zs_genesis_free(gen);
    zs_smt_ref_t old_root;
    if (zs_state_commit(st, NULL, 0, &old_root, NULL)) cli_fail("%s: genesis commit failed", what);
    zs_exec_batch_in_t in = {.l1_info = case_l1_info, .ctx = c};
    json_t *cid = json_object_get(c, "chainID");
    in.chain_id = cid ? 0 : 1000;
    if (cid && zs_execinput_u64(cid, &in.chain_id)) cli_fail("%s: chainID", what);
    const char *seq = json_string_value(json_object_get(c, "sequencerAddress"));
    if (!seq) cli_fail("%s: no sequencerAddress", what);
    cli_addr("sequencerAddress", seq, in.sequencer);
    const char *bl2 = json_string_value(json_object_get(c, "batchL2Data"));
    if (!bl2) cli_fail("%s: no batchL2Data", what);
    size_t blen;
    uint8_t *batch = cli_hex("batchL2Data", bl2, &blen), old_acc[32];
    in.data = batch;
    in.len = blen;
    if (zs_execinput_u64(json_object_get(c, "timestampLimit"), &in.timestamp_limit))
        cli_fail("%s: timestampLimit", what);
    hex32("oldAccInputHash", json_object_get(c, "oldAccInputHash"), old_acc);
    hex32("l1InfoRoot", json_object_get(c, "l1InfoRoot"), in.l1_info_root);
    hex32("forcedBlockHashL1", json_object_get(c, "forcedBlockHashL1"), in.forced_block_hash);
    json_t *out = run(st, &in, &old_root, old_acc, what);
    if (json_object_get(c, "id")) json_object_set(out, "id", json_object_get(c, "id"));
    zs_state_close(st);
    free(batch);
    return out;
}

static int batch_process(int argc, char **argv)
{
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

/* ---- batch exec: an executor input. */

static int batch_exec(int argc, char **argv)
{
    const char *file = NULL;
    uint64_t gas_limit = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--gas-limit") && i + 1 < argc) gas_limit = cli_u64("--gas-limit", argv[++i]);
        else if (!file && argv[i][0] != '-') file = argv[i];
        else cli_fail("usage: zkseq batch exec FILE [--gas-limit N]");
    }
    if (!file) cli_fail("usage: zkseq batch exec FILE [--gas-limit N]");
    json_error_t je;
    json_t *j = json_load_file(file, 0, &je);
    if (!j) cli_fail("batch exec: cannot read %s: %s (line %d)", file, je.text, je.line);
    zs_execinput_t x;
    char err[512];
    if (zs_execinput_load(j, cli_hasher(), &x, err, sizeof err)) cli_fail("batch exec: %s: %s", file, err);
    x.in.gas_limit = gas_limit;
    zs_smt_ref_t old_root = {0};
    zs_smt_be_to_h4(x.old_root, old_root.hash);
    json_t *out = run(x.st, &x.in, &old_root, x.old_acc, "batch exec");
    zs_execinput_free(&x);
    json_decref(j);
    cli_print(out);
    return 0;
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
    if (argc >= 1 && !strcmp(argv[0], "exec")) return batch_exec(argc, argv);
    if (argc >= 1 && !strcmp(argv[0], "process")) return batch_process(argc, argv);
    cli_fail("usage: zkseq batch process FILE [--id N] | batch exec FILE | batch acc ...");
}
