/* Messages and transactions: how a call or a creation runs (value, code,
   precompiles, the journal checkpoint it reverts to), and how a
   transaction wraps the first message (nonce, gas bought and refunded, the
   fee to the coinbase).  Also the EVM's lifetime and its counters. */
#include <stdlib.h>

#include "lib/base/zs_grow.h"
#include "lib/evm/zs_evm_int.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"

/* ---- Lifetime. */

zs_evm_t *zs_evm_new(const zs_evm_host_t *host)
{
    zs_evm_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->depth = calloc(ZS_EVM_MAX_DEPTH + 1, sizeof *e->depth);
    if (!e->depth || ev_world_init(&e->w, host)) {
        free(e->depth);
        free(e);
        return NULL;
    }
    e->mcp = 32;
    e->mem_limit = ZS_EVM_MAX_MEMORY;
    for (int ctx = 0; ctx < 4; ctx++)
        for (int op = 0; op < 256; op++)
            e->op_static[ctx][op] = (uint8_t)zs_vcount_op_static(&e->op_cost[ctx][op], (uint8_t)op, ctx);
    return e;
}

void zs_evm_free(zs_evm_t *e)
{
    if (!e) return;
    for (int i = 0; i <= ZS_EVM_MAX_DEPTH; i++) {
        free(e->depth[i].stack);
        free(e->depth[i].mem);
        free(e->depth[i].ret);
    }
    free(e->depth);
    ev_world_free(&e->w);
    free(e->logs);
    free(e->log_data);
    free(e->out_logs);
    free(e->out);
    free(e);
}

void zs_evm_set_tracer(zs_evm_t *e, const zs_evm_tracer_t *t)
{
    if (t) {
        e->tracer = *t;
        e->tracing = 1;
    } else {
        memset(&e->tracer, 0, sizeof e->tracer);
        e->tracing = 0;
    }
}

void zs_evm_set_memory_limit(zs_evm_t *e, uint64_t bytes)
{
    e->mem_limit = bytes > (1ull << 32) ? 1ull << 32 : bytes;
}

void zs_evm_set_mcp(zs_evm_t *e, uint32_t mcp)
{
    e->mcp = mcp;
}

ev_depth_t *ev_depth(zs_evm_t *e, int d)
{
    ev_depth_t *x = &e->depth[d];
    if (!x->stack && !(x->stack = malloc(ZS_EVM_STACK_LIMIT * sizeof(zs_u256_t)))) return NULL;
    return x;
}

int ev_set_ret(zs_evm_t *e, int d, const uint8_t *p, size_t n, const uint8_t **out)
{
    ev_depth_t *x = &e->depth[d];
    if (zs_grow((void **)&x->ret, &x->ret_cap, n, 1, 256)) return ZS_ERR_NOMEM;
    if (n) memmove(x->ret, p, n);
    *out = x->ret;
    return 0;
}

int ev_log(zs_evm_t *e, const uint8_t addr[20], const uint8_t (*topics)[32], int n, const uint8_t *data, size_t len)
{
    if (e->nlogs == e->logs_cap) {
        size_t c = e->logs_cap ? 2 * e->logs_cap : 16;
        ev_log_t *l = realloc(e->logs, c * sizeof *l);
        if (!l) return ZS_ERR_NOMEM;
        e->logs = l;
        e->logs_cap = c;
    }
    if (zs_grow((void **)&e->log_data, &e->log_cap, e->log_len + len, 1, 1024)) return ZS_ERR_NOMEM;
    ev_log_t *l = &e->logs[e->nlogs++];
    memcpy(l->address, addr, 20);
    l->ntopics = (uint8_t)n;
    for (int i = 0; i < n; i++) memcpy(l->topics[i], topics[i], 32);
    l->off = e->log_len;
    l->len = len;
    if (len) memcpy(e->log_data + e->log_len, data, len);
    e->log_len += len;
    return 0;
}

/* ---- Addresses and intrinsic gas. */

uint64_t zs_evm_intrinsic_gas(int is_create, const uint8_t *data, size_t len)
{
    uint64_t g = is_create ? 53000 : 21000;
    for (size_t i = 0; i < len; i++) g += data[i] ? 16 : 4;
    return g;
}

void zs_evm_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t out[20])
{
    /* rlp([sender, nonce]): a list of a 20-byte string and an integer */
    uint8_t buf[32], h[32];
    size_t n = 0;
    uint8_t nb[8];
    size_t nl = 0;
    for (int i = 7; i >= 0; i--)
        if (nl || (nonce >> (8 * i)) & 0xff) nb[nl++] = (uint8_t)(nonce >> (8 * i));
    size_t payload = 21 + (nl == 1 && nb[0] < 0x80 ? 1 : nl == 0 ? 1 : 1 + nl);
    buf[n++] = (uint8_t)(0xc0 + payload);
    buf[n++] = 0x94;
    memcpy(buf + n, sender, 20);
    n += 20;
    if (nl == 0) buf[n++] = 0x80;
    else if (nl == 1 && nb[0] < 0x80) buf[n++] = nb[0];
    else {
        buf[n++] = (uint8_t)(0x80 + nl);
        memcpy(buf + n, nb, nl);
        n += nl;
    }
    zs_keccak256(buf, n, h);
    memcpy(out, h + 12, 20);
}

void zs_evm_create2_address(const uint8_t sender[20], const uint8_t salt[32], const uint8_t init_hash[32],
                            uint8_t out[20])
{
    uint8_t buf[85], h[32];
    buf[0] = 0xff;
    memcpy(buf + 1, sender, 20);
    memcpy(buf + 21, salt, 32);
    memcpy(buf + 53, init_hash, 32);
    zs_keccak256(buf, sizeof buf, h);
    memcpy(out, h + 12, 20);
}

const char *zs_evm_status_text(zs_evm_status_t s)
{
    static const char *const t[ZS_EVM_STATUS_COUNT] = {
        [ZS_EVM_SUCCESS] = "success",
        [ZS_EVM_REVERT] = "execution reverted",
        [ZS_EVM_OUT_OF_GAS] = "out of gas",
        [ZS_EVM_INVALID_OPCODE] = "invalid opcode",
        [ZS_EVM_STACK_UNDERFLOW] = "stack underflow",
        [ZS_EVM_STACK_OVERFLOW] = "stack limit reached 1024",
        [ZS_EVM_BAD_JUMP] = "invalid jump destination",
        [ZS_EVM_STATIC_CHANGE] = "write protection",
        [ZS_EVM_RETURNDATA_OOB] = "return data out of bounds",
        [ZS_EVM_CREATE_COLLISION] = "contract address collision",
        [ZS_EVM_CODE_SIZE] = "max code size exceeded",
        [ZS_EVM_CODE_EF] = "invalid code: must not begin with 0xef",
        [ZS_EVM_DEPTH] = "max call depth exceeded",
        [ZS_EVM_INSUFFICIENT_BALANCE] = "insufficient balance for transfer",
        [ZS_EVM_PRECOMPILE_FAILED] = "precompiled contract failed",
        [ZS_EVM_INTRINSIC_GAS] = "intrinsic gas too low",
        [ZS_EVM_FATAL] = "state access failed",
    };
    return (unsigned)s < ZS_EVM_STATUS_COUNT ? t[s] : "unknown";
}

/* ---- Running one message. */

typedef struct {
    zs_evm_call_kind_t kind;
    int depth;
    uint8_t caller[20];
    uint8_t address[20];
    uint8_t code_addr[20];
    zs_u256_t value;    /* CALLVALUE */
    int transfer;       /* the value moves from caller to address */
    const uint8_t *input;
    size_t input_len;
    int64_t gas;
    int is_static;
    int vctx;
    /* out */
    int64_t gas_left;
    const uint8_t *out;
    size_t out_len;
} ev_run_t;

static zs_evm_status_t fatal(zs_evm_t *e, int rc)
{
    e->fatal_rc = rc;
    return ZS_EVM_FATAL;
}

static int transfer(zs_evm_t *e, const uint8_t from[20], const uint8_t to[20], const zs_u256_t *v)
{
    if (ev_is_zero(v) || !memcmp(from, to, 20)) return 0;
    int64_t fi = ev_acct(&e->w, from);
    if (fi < 0) return (int)fi;
    int64_t ti = ev_acct(&e->w, to);
    if (ti < 0) return (int)ti;
    zs_u256_t a, b;
    ev_sub(&a, &e->w.acct[fi].balance, v);
    ev_add(&b, &e->w.acct[ti].balance, v);
    int rc = ev_set_balance(&e->w, (uint32_t)fi, &a);
    return rc ? rc : ev_set_balance(&e->w, (uint32_t)ti, &b);
}

/* Runs code in a new frame at r->depth; the status, and gas left and
   output in r. */
static zs_evm_status_t run_code(zs_evm_t *e, ev_run_t *r, const uint8_t *code, size_t code_len)
{
    if (!ev_depth(e, r->depth)) return fatal(e, ZS_ERR_NOMEM);
    ev_frame_t f;
    memset(&f, 0, sizeof f);
    f.e = e;
    f.code = code;
    f.code_len = code_len;
    f.gas = r->gas;
    memcpy(f.address, r->address, 20);
    memcpy(f.caller, r->caller, 20);
    memcpy(f.code_addr, r->code_addr, 20);
    f.value = r->value;
    f.input = r->input;
    f.input_len = r->input_len;
    f.is_static = r->is_static;
    f.depth = r->depth;
    f.vctx = r->vctx;
    f.mem = e->depth[r->depth].mem;
    if (e->tracing) ev_run_traced(&f);
    else ev_run(&f);
    r->gas_left = f.gas;
    r->out = f.out;
    r->out_len = f.out_len;
    return f.status;
}

/* A CALL-like message: value, then a precompile, code, or nothing. */
static zs_evm_status_t run_call(zs_evm_t *e, ev_run_t *r)
{
    r->gas_left = r->gas;
    r->out = NULL;
    r->out_len = 0;
    if (r->transfer) {
        int rc = transfer(e, r->caller, r->address, &r->value);
        if (rc) return fatal(e, rc);
    }
    if (ev_is_precompile(r->code_addr)) {
        int64_t g = r->gas;
        zs_evm_status_t s = ev_precompile(e, r->code_addr, r->input, r->input_len, &g, &r->out, &r->out_len);
        r->gas_left = g;
        return s;
    }
    int64_t ci = ev_acct(&e->w, r->code_addr);
    if (ci < 0) return fatal(e, (int)ci);
    const uint8_t *code;
    size_t len;
    int rc = ev_acct_code(&e->w, (uint32_t)ci, &code, &len);
    if (rc) return fatal(e, rc);
    if (!len) return ZS_EVM_SUCCESS;
    return run_code(e, r, code, len);
}

/* A creation at r->address (already warm, the creator's nonce bumped):
   collision, nonce 1, value, init code, and the code it returns. */
static zs_evm_status_t run_create(zs_evm_t *e, ev_run_t *r)
{
    r->gas_left = 0;
    r->out = NULL;
    r->out_len = 0;
    int64_t ti = ev_acct(&e->w, r->address);
    if (ti < 0) return fatal(e, (int)ti);
    if (e->w.acct[ti].nonce || e->w.acct[ti].code_len) return ZS_EVM_CREATE_COLLISION;
    int rc = ev_set_nonce(&e->w, (uint32_t)ti, 1);
    if (!rc) rc = transfer(e, r->caller, r->address, &r->value);
    if (rc) return fatal(e, rc);
    /* the init code runs from a padded copy: memory may change under it */
    uint8_t *init = malloc(r->input_len + CODE_PAD);
    if (!init) return fatal(e, ZS_ERR_NOMEM);
    if (r->input_len) memcpy(init, r->input, r->input_len);
    memset(init + r->input_len, 0, CODE_PAD);
    size_t init_len = r->input_len;
    r->input = NULL;
    r->input_len = 0;
    zs_evm_status_t s = run_code(e, r, init, init_len);
    free(init);
    if (s != ZS_EVM_SUCCESS) return s;
    size_t n = r->out_len;
    if (n > ZS_EVM_MAX_CODE_SIZE) s = ZS_EVM_CODE_SIZE;
    else if ((int64_t)(200 * n) > r->gas_left) s = ZS_EVM_OUT_OF_GAS;
    else if (n && r->out[0] == 0xef) s = ZS_EVM_CODE_EF;
    if (s != ZS_EVM_SUCCESS) {
        r->gas_left = 0;
        r->out = NULL;
        r->out_len = 0;
        return s;
    }
    r->gas_left -= (int64_t)(200 * n);
    if (n && (rc = ev_set_code(&e->w, (uint32_t)ti, r->out, n))) return fatal(e, rc);
    r->out = NULL; /* a creation returns no data to its caller */
    r->out_len = 0;
    return ZS_EVM_SUCCESS;
}

/* Runs a message under a checkpoint: on failure everything it did is
   undone (refunds and logs too), and only REVERT gives gas back. */
static zs_evm_status_t run_message(zs_evm_t *e, ev_run_t *r)
{
    size_t cp = ev_checkpoint(&e->w), nlogs = e->nlogs, log_len = e->log_len;
    int64_t refund = e->refund;
    int create = r->kind == ZS_EVM_CREATE || r->kind == ZS_EVM_CREATE2;
    if (e->tracing && e->tracer.enter)
        e->tracer.enter(e->tracer.ctx, r->kind, r->caller, create ? r->address : r->code_addr, r->input,
                        r->input_len, (uint64_t)r->gas, &r->value);
    zs_evm_status_t s = create ? run_create(e, r) : run_call(e, r);
    if (s != ZS_EVM_SUCCESS && s != ZS_EVM_FATAL) {
        ev_revert(&e->w, cp);
        e->refund = refund;
        e->nlogs = nlogs;
        e->log_len = log_len;
        if (s != ZS_EVM_REVERT && s != ZS_EVM_PRECOMPILE_FAILED) r->gas_left = 0;
        if (s != ZS_EVM_REVERT) {
            r->out = NULL;
            r->out_len = 0;
        }
    }
    if (e->tracing && e->tracer.leave)
        e->tracer.leave(e->tracer.ctx, s, r->out, r->out_len, (uint64_t)(r->gas - r->gas_left),
                        create && s == ZS_EVM_SUCCESS ? r->address : NULL);
    return s;
}

zs_evm_status_t ev_call(ev_frame_t *f, ev_msg_t *m, int64_t *gas_left, uint8_t created[20])
{
    zs_evm_t *e = f->e;
    f->ret = NULL;
    f->ret_len = 0;
    *gas_left = m->gas;
    int create = m->kind == ZS_EVM_CREATE || m->kind == ZS_EVM_CREATE2;
    if (f->depth + 1 > ZS_EVM_MAX_DEPTH) return ZS_EVM_DEPTH;
    ev_run_t r;
    memset(&r, 0, sizeof r);
    r.kind = m->kind;
    r.depth = f->depth + 1;
    r.input = m->input;
    r.input_len = m->input_len;
    r.gas = m->gas;
    r.is_static = f->is_static || m->kind == ZS_EVM_STATICCALL;
    int64_t self = ev_acct(&e->w, f->address);
    if (self < 0) return fatal(e, (int)self);
    if ((m->kind == ZS_EVM_CALL || m->kind == ZS_EVM_CALLCODE || create) &&
        ev_lt(&e->w.acct[self].balance, &m->value))
        return ZS_EVM_INSUFFICIENT_BALANCE;
    if (create) {
        uint64_t nonce = e->w.acct[self].nonce;
        if (nonce == UINT64_MAX) return ZS_EVM_INSUFFICIENT_BALANCE; /* EIP-2681: the creation fails */
        zs_vcount_contract_call(&e->vacc, m->input_len, m->kind == ZS_EVM_CREATE, m->kind == ZS_EVM_CREATE2);
        int rc = ev_set_nonce(&e->w, (uint32_t)self, nonce + 1);
        if (rc) return fatal(e, rc);
        if (m->kind == ZS_EVM_CREATE) {
            zs_evm_create_address(f->address, nonce, r.address);
        } else {
            uint8_t ih[32];
            zs_keccak256(m->input, m->input_len, ih);
            zs_evm_create2_address(f->address, m->salt, ih, r.address);
        }
        /* warm for good, even if the creation fails (fork 12, as Ethereum) */
        int64_t ni = ev_acct(&e->w, r.address);
        if (ni < 0) return fatal(e, (int)ni);
        if ((rc = ev_warm_acct(&e->w, (uint32_t)ni)) < 0) return fatal(e, rc);
        memcpy(r.caller, f->address, 20);
        memcpy(r.code_addr, r.address, 20);
        r.value = m->value;
        r.transfer = 1;
        r.vctx = ZS_VC_CREATE | ZS_VC_DEPLOY;
    } else {
        memcpy(r.code_addr, m->code_addr, 20);
        switch (m->kind) {
        case ZS_EVM_CALL:
            memcpy(r.caller, f->address, 20);
            memcpy(r.address, m->to, 20);
            r.value = m->value;
            r.transfer = 1;
            break;
        case ZS_EVM_CALLCODE:
            memcpy(r.caller, f->address, 20);
            memcpy(r.address, f->address, 20);
            r.value = m->value;
            break;
        case ZS_EVM_DELEGATECALL:
            memcpy(r.caller, f->caller, 20);
            memcpy(r.address, f->address, 20);
            r.value = f->value;
            break;
        default: /* STATICCALL */
            memcpy(r.caller, f->address, 20);
            memcpy(r.address, m->to, 20);
            break;
        }
    }
    zs_evm_status_t s = run_message(e, &r);
    if (s == ZS_EVM_FATAL) return s;
    *gas_left = r.gas_left;
    if (r.out_len) {
        if (ev_set_ret(e, f->depth, r.out, r.out_len, &f->ret)) return fatal(e, ZS_ERR_NOMEM);
        f->ret_len = r.out_len;
    }
    if (create && created) memcpy(created, r.address, 20);
    return s;
}

/* ---- Transactions. */

static void tx_counters(zs_evm_t *e, zs_vcount_t *out)
{
    zs_vacc_t acc = e->vacc;
    for (int ctx = 0; ctx < 4; ctx++)
        for (int op = 0; op < 256; op++) {
            uint32_t n = e->hist[ctx][op];
            if (!n || !e->op_static[ctx][op]) continue;
            const zs_vacc_t *c = &e->op_cost[ctx][op];
            acc.c.steps += n * c->c.steps;
            acc.c.arith += n * c->c.arith;
            acc.c.binary += n * c->c.binary;
            acc.c.mem_align += n * c->c.mem_align;
            acc.c.keccaks += n * c->c.keccaks;
            acc.c.padding += n * c->c.padding;
            acc.c.poseidon += n * c->c.poseidon;
            acc.c.sha256 += n * c->c.sha256;
            acc.poseidon_mcp += n * c->poseidon_mcp;
        }
    memset(out, 0, sizeof *out);
    zs_vcount_add(out, &acc, e->mcp);
}

static int pay(zs_evm_t *e, const uint8_t addr[20], const zs_u256_t *amount, int subtract)
{
    if (ev_is_zero(amount)) return 0;
    int64_t i = ev_acct(&e->w, addr);
    if (i < 0) return (int)i;
    zs_u256_t b;
    if (subtract) {
        if (ev_lt(&e->w.acct[i].balance, amount)) return ZS_ERR_RANGE;
        ev_sub(&b, &e->w.acct[i].balance, amount);
    } else {
        ev_add(&b, &e->w.acct[i].balance, amount);
    }
    return ev_set_balance(&e->w, (uint32_t)i, &b);
}

static int warm_addr(zs_evm_t *e, const uint8_t a[20])
{
    int64_t i = ev_acct(&e->w, a);
    if (i < 0) return (int)i;
    int rc = ev_warm_acct(&e->w, (uint32_t)i);
    return rc < 0 ? rc : 0;
}

/* Fills r from the finished message: output, logs, counters. */
static int finish(zs_evm_t *e, const ev_run_t *m, zs_evm_status_t s, zs_evm_result_t *r)
{
    r->status = s;
    if (m->out_len) {
        if (m->out_len > e->out_cap) {
            uint8_t *o = realloc(e->out, m->out_len);
            if (!o) return ZS_ERR_NOMEM;
            e->out = o;
            e->out_cap = m->out_len;
        }
        memcpy(e->out, m->out, m->out_len);
    }
    r->output = e->out;
    r->output_len = m->out_len;
    if (s == ZS_EVM_SUCCESS && e->nlogs) {
        if (e->nlogs > e->out_logs_cap) {
            zs_evm_log_t *l = realloc(e->out_logs, e->nlogs * sizeof *l);
            if (!l) return ZS_ERR_NOMEM;
            e->out_logs = l;
            e->out_logs_cap = e->nlogs;
        }
        for (size_t i = 0; i < e->nlogs; i++) {
            const ev_log_t *x = &e->logs[i];
            zs_evm_log_t *y = &e->out_logs[i];
            memcpy(y->address, x->address, 20);
            y->ntopics = x->ntopics;
            memcpy(y->topics, x->topics, sizeof y->topics);
            y->data = e->log_data + x->off;
            y->len = x->len;
        }
        r->logs = e->out_logs;
        r->nlogs = e->nlogs;
    }
    tx_counters(e, &r->counters);
    return 0;
}

/* Long because it is the transaction's whole life in the order Ethereum
   defines it: intrinsic gas, nonce, gas bought, warm addresses, the
   message, refund, what comes back to the sender and goes to the coinbase. */
int zs_evm_transact(zs_evm_t *e, const zs_evm_block_t *blk, const zs_evm_tx_t *tx, const zs_evm_opts_t *opts,
                    zs_evm_result_t *r)
{
    static const zs_evm_opts_t none;
    if (!opts) opts = &none;
    memset(r, 0, sizeof *r);
    if (e->pending) return ZS_ERR_STATE;
    e->pending = 1;
    e->blk = blk;
    e->tx = tx;
    e->refund = 0;
    e->nlogs = 0;
    e->log_len = 0;
    e->fatal_rc = 0;
    memset(e->hist, 0, sizeof e->hist);
    memset(&e->vacc, 0, sizeof e->vacc);
    uint64_t intrinsic = zs_evm_intrinsic_gas(tx->is_create, tx->data, tx->data_len);
    if (tx->gas < intrinsic) {
        r->status = ZS_EVM_INTRINSIC_GAS;
        return 0;
    }
    int64_t si = ev_acct(&e->w, tx->from);
    int rc = si < 0 ? (int)si : 0;
    zs_u256_t upfront, g;
    ev_set_u64(&g, tx->gas);
    ev_mul(&upfront, &g, &tx->gas_price);
    if (!rc && !opts->no_nonce) rc = ev_set_nonce(&e->w, (uint32_t)si, e->w.acct[si].nonce + 1);
    if (!rc && !opts->no_fee) rc = pay(e, tx->from, &upfront, 1);
    ev_run_t m;
    memset(&m, 0, sizeof m);
    m.kind = tx->is_create ? ZS_EVM_CREATE : ZS_EVM_CALL;
    m.depth = 0;
    memcpy(m.caller, tx->from, 20);
    m.value = tx->value;
    m.transfer = 1;
    m.input = tx->data;
    m.input_len = tx->data_len;
    m.gas = (int64_t)(tx->gas - intrinsic);
    if (tx->is_create) {
        zs_evm_create_address(tx->from, tx->nonce, m.address);
        m.vctx = ZS_VC_DEPLOY;
    } else {
        memcpy(m.address, tx->to, 20);
    }
    memcpy(m.code_addr, m.address, 20);
    if (!rc) rc = warm_addr(e, tx->from);
    if (!rc) rc = warm_addr(e, m.address);
    for (uint8_t p = 1; p <= 9 && !rc; p++) rc = warm_addr(e, (const uint8_t[20]){[19] = p});
    if (rc) {
        r->status = ZS_EVM_FATAL;
        r->rc = rc;
        return 0;
    }
    if (!ev_depth(e, 0)) {
        r->status = ZS_EVM_FATAL;
        r->rc = ZS_ERR_NOMEM;
        return 0;
    }
    zs_evm_status_t s = run_message(e, &m);
    if (s == ZS_EVM_FATAL) {
        r->status = s;
        r->rc = e->fatal_rc;
        return 0;
    }
    uint64_t used = tx->gas - (uint64_t)m.gas_left;
    uint64_t refund = e->refund > 0 ? (uint64_t)e->refund : 0;
    if (refund > used / 2) refund = used / 2;
    used -= refund;
    r->gas_used = used;
    r->gas_refund = refund;
    if (tx->is_create) {
        memcpy(r->created, m.address, 20);
        int64_t ci = ev_acct(&e->w, m.address);
        if (s == ZS_EVM_SUCCESS && ci >= 0) r->code_len = e->w.acct[ci].code_len;
    }
    if (!opts->no_fee) {
        zs_u256_t back, fee, u;
        ev_set_u64(&u, tx->gas - used);
        ev_mul(&back, &u, &tx->gas_price);
        ev_set_u64(&u, used);
        ev_mul(&fee, &u, &tx->gas_price);
        rc = pay(e, tx->from, &back, 0);
        if (!rc) rc = pay(e, blk->coinbase, &fee, 0);
        if (rc) {
            r->status = ZS_EVM_FATAL;
            r->rc = rc;
            return 0;
        }
    }
    if ((rc = finish(e, &m, s, r))) {
        r->status = ZS_EVM_FATAL;
        r->rc = rc;
    }
    return 0;
}

int zs_evm_commit(zs_evm_t *e)
{
    if (!e->pending) return ZS_ERR_STATE;
    e->pending = 0;
    return ev_commit_tx(&e->w);
}

void zs_evm_discard(zs_evm_t *e)
{
    if (!e->pending) return;
    e->pending = 0;
    ev_discard_tx(&e->w);
}

void zs_evm_refresh(zs_evm_t *e, const uint8_t addr[20])
{
    ev_acct_stale(&e->w, addr);
}

void zs_evm_forget(zs_evm_t *e)
{
    if (e->pending) zs_evm_discard(e);
    ev_world_forget(&e->w);
}
