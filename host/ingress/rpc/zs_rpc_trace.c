/* debug_traceTransaction and debug_traceCall with geth's two common
   tracers: callTracer (the tree of calls) and the default struct logger
   (one entry per step: pc, op, gas, gasCost, depth, stack, memory when
   asked, storage at SLOAD/SSTORE).  A transaction is traced by replaying
   its block up to it in a view of the state before the block (host/exec's
   zs_exec_view), so nothing the sequencer does waits for a trace. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_hex.h"

#define MAX_STEPS 1000000 /* struct logs one answer may hold */

/* geth's opcode names (0xFF as SELFDESTRUCT, which fork 12 runs as SENDALL). */
static const char *const op_names[256] = {
    [0x00] = "STOP", "ADD", "MUL", "SUB", "DIV", "SDIV", "MOD", "SMOD", "ADDMOD", "MULMOD", "EXP", "SIGNEXTEND",
    [0x10] = "LT", "GT", "SLT", "SGT", "EQ", "ISZERO", "AND", "OR", "XOR", "NOT", "BYTE", "SHL", "SHR", "SAR",
    [0x20] = "KECCAK256",
    [0x30] = "ADDRESS", "BALANCE", "ORIGIN", "CALLER", "CALLVALUE", "CALLDATALOAD", "CALLDATASIZE", "CALLDATACOPY",
    "CODESIZE", "CODECOPY", "GASPRICE", "EXTCODESIZE", "EXTCODECOPY", "RETURNDATASIZE", "RETURNDATACOPY",
    "EXTCODEHASH",
    [0x40] = "BLOCKHASH", "COINBASE", "TIMESTAMP", "NUMBER", "DIFFICULTY", "GASLIMIT", "CHAINID", "SELFBALANCE",
    [0x50] = "POP", "MLOAD", "MSTORE", "MSTORE8", "SLOAD", "SSTORE", "JUMP", "JUMPI", "PC", "MSIZE", "GAS",
    "JUMPDEST", [0x5f] = "PUSH0",
    [0x60] = "PUSH1", "PUSH2", "PUSH3", "PUSH4", "PUSH5", "PUSH6", "PUSH7", "PUSH8", "PUSH9", "PUSH10", "PUSH11",
    "PUSH12", "PUSH13", "PUSH14", "PUSH15", "PUSH16", "PUSH17", "PUSH18", "PUSH19", "PUSH20", "PUSH21", "PUSH22",
    "PUSH23", "PUSH24", "PUSH25", "PUSH26", "PUSH27", "PUSH28", "PUSH29", "PUSH30", "PUSH31", "PUSH32",
    [0x80] = "DUP1", "DUP2", "DUP3", "DUP4", "DUP5", "DUP6", "DUP7", "DUP8", "DUP9", "DUP10", "DUP11", "DUP12",
    "DUP13", "DUP14", "DUP15", "DUP16",
    [0x90] = "SWAP1", "SWAP2", "SWAP3", "SWAP4", "SWAP5", "SWAP6", "SWAP7", "SWAP8", "SWAP9", "SWAP10", "SWAP11",
    "SWAP12", "SWAP13", "SWAP14", "SWAP15", "SWAP16",
    [0xa0] = "LOG0", "LOG1", "LOG2", "LOG3", "LOG4",
    [0xf0] = "CREATE", "CALL", "CALLCODE", "RETURN", "DELEGATECALL", "CREATE2",
    [0xfa] = "STATICCALL", [0xfd] = "REVERT", [0xfe] = "INVALID", [0xff] = "SELFDESTRUCT",
};

static json_t *op_name(uint8_t op)
{
    if (op_names[op]) return json_string(op_names[op]);
    char b[32];
    snprintf(b, sizeof b, "opcode 0x%x not defined", op);
    return json_string(b);
}

static json_t *jint(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *word_hex(const zs_u256_t *v)
{
    char b[ZS_U256_HEX_MAX];
    zs_u256_to_hex(v, b);
    return json_string(b);
}

static json_t *word64(const zs_u256_t *v)
{
    uint8_t be[32];
    char b[65];
    zs_u256_to_be32(v, be);
    zs_hex_encode(b, be, 32);
    return json_string(b);
}

/* ---- callTracer. */

static const char *const kind_names[] = {"CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2",
                                         "SELFDESTRUCT"};

typedef struct {
    json_t *frames[ZS_EVM_MAX_DEPTH + 2]; /* open frames, the transaction's first */
    int depth;
    int only_top;
    json_t *root;
} call_tracer_t;

/* frames[] borrows: the root is the tracer's, each other frame its
   parent's "calls" entry (with onlyTopCall inner frames are not made). */
static void ct_enter(void *ctx, zs_evm_call_kind_t kind, const uint8_t from[20], const uint8_t to[20],
                     const uint8_t *input, size_t len, uint64_t gas, const zs_u256_t *value)
{
    call_tracer_t *t = ctx;
    int d = t->depth++;
    if (d >= ZS_EVM_MAX_DEPTH + 2) return;
    t->frames[d] = NULL;
    if (d > 0 && (t->only_top || !t->frames[d - 1])) return;
    json_t *f = json_object();
    json_object_set_new(f, "from", rpc_address(from));
    json_object_set_new(f, "gas", rpc_qty(gas));
    json_object_set_new(f, "gasUsed", rpc_qty(0));
    json_object_set_new(f, "to", rpc_address(to));
    json_object_set_new(f, "input", rpc_hexdata(input, len));
    if (kind != ZS_EVM_DELEGATECALL && kind != ZS_EVM_STATICCALL) json_object_set_new(f, "value", rpc_qty256(value));
    json_object_set_new(f, "type", json_string(kind_names[kind]));
    if (d == 0) {
        t->root = f;
    } else {
        json_t *parent = t->frames[d - 1], *calls = json_object_get(parent, "calls");
        if (!calls) json_object_set_new(parent, "calls", calls = json_array());
        json_array_append_new(calls, f);
    }
    t->frames[d] = f;
}

static void ct_leave(void *ctx, zs_evm_status_t st, const uint8_t *out, size_t len, uint64_t gas_used,
                     const uint8_t created[20])
{
    call_tracer_t *t = ctx;
    if (!t->depth) return;
    int d = --t->depth;
    json_t *f = d < ZS_EVM_MAX_DEPTH + 2 ? t->frames[d] : NULL;
    if (!f) return;
    json_object_set_new(f, "gasUsed", rpc_qty(gas_used));
    if (created) json_object_set_new(f, "to", rpc_address(created));
    if (len) json_object_set_new(f, "output", rpc_hexdata(out, len));
    if (st != ZS_EVM_SUCCESS) {
        json_object_set_new(f, "error", json_string(zs_evm_status_text(st)));
        if (st == ZS_EVM_REVERT) {
            char reason[200];
            rpc_revert_reason(out, len, reason, sizeof reason);
            if (reason[0]) json_object_set_new(f, "revertReason", json_string(reason));
        }
    }
}

/* ---- The struct logger. */

typedef struct {
    json_t *logs;
    json_t *open[ZS_EVM_MAX_DEPTH + 2]; /* entries whose cost is not known yet, innermost last */
    int nopen;
    int stack, memory, storage; /* what each entry carries */
    size_t limit;
    int over;
    /* per depth: the storage seen (slot -> value), and an SLOAD waiting
       for its value (the next step's stack top) */
    json_t *seen[ZS_EVM_MAX_DEPTH + 2];
    json_t *sload_entry[ZS_EVM_MAX_DEPTH + 2];
    zs_u256_t sload_slot[ZS_EVM_MAX_DEPTH + 2];
    int last_depth;
} struct_logger_t;

static json_t *storage_map(struct_logger_t *t, int d)
{
    if (!t->seen[d]) t->seen[d] = json_object();
    return t->seen[d];
}

static void put_storage(struct_logger_t *t, int d, json_t *entry, const zs_u256_t *slot, const zs_u256_t *val)
{
    json_t *m = storage_map(t, d), *k = word64(slot), *v = word64(val);
    json_object_set(m, json_string_value(k), v);
    json_decref(k);
    json_decref(v);
    json_object_set_new(entry, "storage", json_deep_copy(m));
}

/* Long because one step's entry is geth's object field by field, with the
   storage bookkeeping of SLOAD (whose value shows at the next step) and
   SSTORE. */
static void sl_step(void *ctx, const zs_evm_step_t *s)
{
    struct_logger_t *t = ctx;
    int d = s->depth < ZS_EVM_MAX_DEPTH + 2 ? s->depth : ZS_EVM_MAX_DEPTH + 1;
    /* a frame that returned drops its storage view */
    for (int k = d + 1; k <= t->last_depth && k < ZS_EVM_MAX_DEPTH + 2; k++) {
        json_decref(t->seen[k]);
        t->seen[k] = NULL;
        t->sload_entry[k] = NULL;
    }
    t->last_depth = d;
    if (t->storage && t->sload_entry[d] && s->stack_len) {
        put_storage(t, d, t->sload_entry[d], &t->sload_slot[d], &s->stack[s->stack_len - 1]);
        t->sload_entry[d] = NULL;
    }
    json_t *o = json_object();
    if (t->limit && json_array_size(t->logs) >= t->limit) t->over = 1;
    if (json_array_size(t->logs) >= MAX_STEPS) t->over = 2;
    json_object_set_new(o, "pc", jint(s->pc));
    json_object_set_new(o, "op", op_name(s->op));
    json_object_set_new(o, "gas", jint((uint64_t)s->gas));
    json_object_set_new(o, "gasCost", jint(0));
    json_object_set_new(o, "depth", jint((uint64_t)s->depth));
    if (s->error != ZS_EVM_SUCCESS) json_object_set_new(o, "error", json_string(zs_evm_status_text(s->error)));
    if (t->stack) {
        json_t *st = json_array();
        for (size_t i = 0; i < s->stack_len; i++) json_array_append_new(st, word_hex(&s->stack[i]));
        json_object_set_new(o, "stack", st);
    }
    if (t->memory) {
        json_t *m = json_array();
        char w[65];
        for (size_t i = 0; i + 32 <= s->memory_len; i += 32) {
            zs_hex_encode(w, s->memory + i, 32);
            json_array_append_new(m, json_string(w));
        }
        json_object_set_new(o, "memory", m);
    }
    if (s->refund) json_object_set_new(o, "refund", jint((uint64_t)s->refund));
    if (t->storage && s->op == 0x54 && s->stack_len >= 1) {
        t->sload_entry[d] = o;
        t->sload_slot[d] = s->stack[s->stack_len - 1];
    }
    if (t->storage && s->op == 0x55 && s->stack_len >= 2)
        put_storage(t, d, o, &s->stack[s->stack_len - 1], &s->stack[s->stack_len - 2]);
    if (t->over) {
        json_decref(o);
        o = NULL;
    } else {
        json_array_append_new(t->logs, o);
    }
    if (t->nopen < ZS_EVM_MAX_DEPTH + 2) t->open[t->nopen++] = o;
}

static void sl_step_end(void *ctx, int64_t cost, zs_evm_status_t status)
{
    struct_logger_t *t = ctx;
    if (!t->nopen) return;
    json_t *o = t->open[--t->nopen];
    if (!o) return;
    json_object_set_new(o, "gasCost", jint((uint64_t)(cost > 0 ? cost : 0)));
    if (status != ZS_EVM_SUCCESS && !json_object_get(o, "error"))
        json_object_set_new(o, "error", json_string(zs_evm_status_text(status)));
}

static void sl_clear(struct_logger_t *t)
{
    for (int k = 0; k < ZS_EVM_MAX_DEPTH + 2; k++) json_decref(t->seen[k]);
    json_decref(t->logs);
}

/* ---- Options and the run. */

typedef struct {
    int call;            /* callTracer; else the struct logger */
    int only_top;
    int stack, memory, storage, return_data;
    size_t limit;
} trace_opts_t;

static int parse_opts(json_t *j, trace_opts_t *o, rpc_err_t *e)
{
    memset(o, 0, sizeof *o);
    o->stack = o->storage = 1;
    if (!j || json_is_null(j)) return 0;
    if (!json_is_object(j)) {
        rpc_fail(e, -32602, "invalid params: want a tracer options object");
        return ZS_ERR_INVAL;
    }
    json_t *tr = json_object_get(j, "tracer");
    if (tr && !json_is_null(tr)) {
        const char *n = json_string_value(tr);
        if (!n || strcmp(n, "callTracer")) {
            rpc_fail(e, -32602, "tracer %s is not available; zkseq has callTracer and the default struct logger",
                     n ? n : "(not a name)");
            return ZS_ERR_INVAL;
        }
        o->call = 1;
        json_t *cfg = json_object_get(j, "tracerConfig");
        o->only_top = json_is_true(json_object_get(cfg, "onlyTopCall"));
        return 0;
    }
    o->stack = !json_is_true(json_object_get(j, "disableStack"));
    o->storage = !json_is_true(json_object_get(j, "disableStorage"));
    o->memory = json_is_true(json_object_get(j, "enableMemory"));
    o->return_data = json_is_true(json_object_get(j, "enableReturnData"));
    json_t *lim = json_object_get(j, "limit");
    if (json_is_integer(lim) && json_integer_value(lim) > 0) o->limit = (size_t)json_integer_value(lim);
    return 0;
}

/* Runs tx in v under the tracer o asks for; the trace, or NULL with *e. */
static json_t *traced_run(zs_exec_view_t *v, const zs_evm_tx_t *tx, const zs_evm_opts_t *eo, const trace_opts_t *o,
                          uint64_t num, rpc_err_t *e)
{
    call_tracer_t *ct = NULL;
    struct_logger_t *sl = NULL;
    zs_evm_tracer_t tr = {0};
    if (o->call) {
        if (!(ct = calloc(1, sizeof *ct))) return rpc_fail(e, -32603, "out of memory");
        ct->only_top = o->only_top;
        tr = (zs_evm_tracer_t){.ctx = ct, .enter = ct_enter, .leave = ct_leave};
    } else {
        if (!(sl = calloc(1, sizeof *sl))) return rpc_fail(e, -32603, "out of memory");
        sl->logs = json_array();
        sl->stack = o->stack;
        sl->memory = o->memory;
        sl->storage = o->storage;
        sl->limit = o->limit;
        tr = (zs_evm_tracer_t){.ctx = sl, .step = sl_step, .step_end = sl_step_end};
    }
    zs_exec_view_set_tracer(v, &tr);
    zs_evm_result_t er;
    int rc = zs_exec_view_run(v, tx, eo, 0, &er);
    zs_exec_view_set_tracer(v, NULL);
    json_t *res = NULL;
    if (rc) {
        rpc_fail(e, -32603, "reading the state of block %llu: %s", (unsigned long long)num, zs_strerror(rc));
    } else if (er.status == ZS_EVM_INTRINSIC_GAS) {
        rpc_fail(e, -32000, "intrinsic gas too low");
    } else if (ct) {
        if ((res = ct->root)) {
            ct->root = NULL;
            json_object_set_new(res, "gas", rpc_qty(tx->gas));
            json_object_set_new(res, "gasUsed", rpc_qty(er.gas_used));
        } else {
            rpc_fail(e, -32603, "the transaction made no call frame");
        }
    } else if (sl->over == 2) {
        rpc_fail(e, -32005, "the trace has more than %d steps; pass a limit", MAX_STEPS);
    } else {
        res = json_object();
        json_object_set_new(res, "gas", jint(er.gas_used));
        json_object_set_new(res, "failed", json_boolean(er.status != ZS_EVM_SUCCESS));
        char *hex = malloc(2 * er.output_len + 1);
        if (hex) zs_hex_encode(hex, er.output, er.output_len);
        json_object_set_new(res, "returnValue", json_string(hex ? hex : ""));
        free(hex);
        json_object_set_new(res, "structLogs", sl->logs);
        sl->logs = NULL;
    }
    if (ct) {
        json_decref(ct->root);
        free(ct);
    }
    if (sl) {
        sl_clear(sl);
        free(sl);
    }
    return res;
}

static json_t *m_trace_call(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_call_t c;
    trace_opts_t o;
    if (rpc_parse_call(rpc_param(p, 0), &c, e)) return NULL;
    json_t *res = NULL;
    zs_exec_view_t *v = NULL;
    uint64_t num;
    zs_evm_tx_t tx;
    zs_evm_opts_t eo;
    if (!parse_opts(rpc_param(p, 2), &o, e) && !rpc_open_view(r, rpc_param(p, 1), 1, &num, &v, e) &&
        !rpc_call_tx(r, num, &c, c.has_gas && c.gas < ZS_TX_GAS_LIMIT ? c.gas : ZS_TX_GAS_LIMIT, &tx, &eo, e))
        res = traced_run(v, &tx, &eo, &o, num, e);
    zs_exec_view_free(v);
    free(c.data);
    return res;
}

/* A recorded transaction as the EVM takes it (raw is decoded into tx). */
static int rec_tx(const zs_txrec_t *rec, zs_tx_t *t, zs_evm_tx_t *tx)
{
    zs_perr_t pe;
    if (zs_tx_decode(rec->raw, rec->raw_len, t, &pe)) return ZS_ERR_CORRUPT;
    memset(tx, 0, sizeof *tx);
    memcpy(tx->from, rec->sender, 20);
    tx->is_create = !t->has_to;
    memcpy(tx->to, t->to, 20);
    tx->value = t->value;
    tx->data = t->data;
    tx->data_len = t->data_len;
    tx->gas = t->gas;
    tx->gas_price = rec->effective_gas_price;
    tx->nonce = t->nonce;
    return 0;
}

/* Long because the replay is its own small loop: the block's earlier
   transactions from their records, each kept in the view, then the traced
   one. */
static json_t *m_trace_tx(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    uint8_t h[32];
    trace_opts_t o;
    if (rpc_parse_hash(rpc_param(p, 0), h, e, "transaction hash") || parse_opts(rpc_param(p, 1), &o, e)) return NULL;
    zs_store_t *st = zs_node_store(r->node);
    zs_txrec_t target;
    if (zs_chain_get_tx(st, h, &target)) return rpc_fail(e, -32000, "transaction not found");
    json_t *res = NULL;
    zs_exec_view_t *v = NULL;
    zs_block_t b = {0};
    int rc = zs_chain_get_block(st, target.block, &b);
    if (!rc) rc = zs_node_view(r->node, target.block, 0, &v);
    if (rc == ZS_ERR_NOTFOUND) {
        rpc_fail(e, -32001, "state before block %llu is no longer kept (pruned)", (unsigned long long)target.block);
        goto out;
    }
    for (uint32_t i = 0; !rc && i < target.index && i < b.ntx; i++) {
        zs_txrec_t rec;
        zs_tx_t t;
        zs_evm_tx_t tx;
        zs_evm_result_t er;
        if ((rc = zs_chain_get_tx(st, b.tx_hashes[i], &rec))) break;
        if (!(rc = rec_tx(&rec, &t, &tx))) rc = zs_exec_view_run(v, &tx, NULL, 1, &er);
        zs_txrec_clear(&rec);
    }
    if (rc) {
        rpc_fail(e, -32603, "replaying block %llu: %s", (unsigned long long)target.block, zs_strerror(rc));
        goto out;
    }
    zs_tx_t t;
    zs_evm_tx_t tx;
    if (rec_tx(&target, &t, &tx)) {
        rpc_fail(e, -32603, "the transaction's record does not decode");
        goto out;
    }
    res = traced_run(v, &tx, NULL, &o, target.block, e);
out:
    zs_exec_view_free(v);
    zs_block_clear(&b);
    zs_txrec_clear(&target);
    return res;
}

const zs_rpc_method_t zs_rpc_trace_methods[] = {
    {"debug_traceTransaction", m_trace_tx},
    {"debug_traceCall", m_trace_call},
    {NULL, NULL},
};
