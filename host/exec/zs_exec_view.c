#include "host/exec/zs_exec_view.h"

#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec.h"
#include "host/exec/zs_exec_int.h"

/* Codes handed to the EVM stay until the view ends. */
typedef struct code_buf {
    struct code_buf *next;
    uint8_t *code;
} code_buf_t;

struct zs_exec_view {
    zs_state_t *st;
    zs_smt_ref_t root;
    zs_evm_block_t blk;
    zs_evm_t *evm;
    code_buf_t *codes;
    /* The system storage a replayed block's changeL2Block wrote. */
    size_t nsys;
    zs_u256_t sys_slot[3], sys_val[3];
};

static int v_account(void *ctx, const uint8_t addr[20], zs_evm_account_t *out)
{
    zs_exec_view_t *v = ctx;
    uint64_t h[4];
    int rc = zs_state_account_at(v->st, &v->root, addr, &out->balance, &out->nonce, &out->code_len, h);
    if (rc) return rc;
    if (out->code_len) zs_smt_h4_to_be(h, out->code_hash);
    else memset(out->code_hash, 0, 32);
    return 0;
}

static int v_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out)
{
    zs_exec_view_t *v = ctx;
    if (!memcmp(addr, zs_system_address, 20))
        for (size_t i = 0; i < v->nsys; i++)
            if (!zs_u256_cmp(slot, &v->sys_slot[i])) {
                *out = v->sys_val[i];
                return 0;
            }
    zs_smt_key_t k = zs_smt_key_storage(addr, slot);
    return zs_state_get_at(v->st, &v->root, &k, out, NULL);
}

static int v_code(void *ctx, const uint8_t addr[20], const zs_evm_account_t *acct, const uint8_t **code, size_t *len)
{
    zs_exec_view_t *v = ctx;
    code_buf_t *b = malloc(sizeof *b);
    if (!b) return ZS_ERR_NOMEM;
    uint64_t h[4];
    zs_smt_be_to_h4(acct->code_hash, h);
    int rc = zs_state_code_by_hash(v->st, h, acct->code_len, &b->code);
    if (rc) {
        free(b);
        return rc;
    }
    b->next = v->codes;
    v->codes = b;
    *code = b->code;
    *len = (size_t)acct->code_len;
    return 0;
}

static void v_hash(void *ctx, const uint8_t *code, size_t len, uint8_t out[32])
{
    uint64_t h[4];
    zs_smt_hash_bytecode(code, len, h);
    zs_smt_h4_to_be(h, out);
}

/* The sink: a view's changes stay in the EVM's overlay. */
static int v_set_balance(void *ctx, const uint8_t addr[20], const zs_u256_t *x)
{
    return 0;
}

static int v_set_nonce(void *ctx, const uint8_t addr[20], uint64_t x)
{
    return 0;
}

static int v_set_code(void *ctx, const uint8_t addr[20], const uint8_t *code, size_t len, const uint8_t hash[32])
{
    return 0;
}

static int v_set_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, const zs_u256_t *x)
{
    return 0;
}

zs_exec_view_t *zs_exec_view_new(zs_state_t *st, const zs_smt_ref_t *root, const zs_evm_block_t *blk)
{
    zs_exec_view_t *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->st = st;
    v->root = *root;
    v->blk = *blk;
    zs_evm_host_t h = {
        .ctx = v,
        .account = v_account,
        .storage = v_storage,
        .code = v_code,
        .hash_code = v_hash,
        .set_balance = v_set_balance,
        .set_nonce = v_set_nonce,
        .set_code = v_set_code,
        .set_storage = v_set_storage,
    };
    if (!(v->evm = zs_evm_new(&h))) {
        free(v);
        return NULL;
    }
    return v;
}

void zs_exec_view_free(zs_exec_view_t *v)
{
    if (!v) return;
    zs_evm_free(v->evm);
    while (v->codes) {
        code_buf_t *n = v->codes->next;
        free(v->codes->code);
        free(v->codes);
        v->codes = n;
    }
    free(v);
}

int zs_exec_view_begin_block(zs_exec_view_t *v, const uint8_t parent_root[32])
{
    if (!v->blk.number) return ZS_ERR_INVAL;
    zs_u256_t prev = zs_u256_from_u64(v->blk.number - 1), pos = zs_u256_from_u64(SLOT_STATE_ROOT);
    v->sys_slot[0] = zs_u256_from_u64(SLOT_LAST_BLOCK);
    v->sys_val[0] = zs_u256_from_u64(v->blk.number);
    v->sys_slot[1] = zs_u256_from_u64(SLOT_TIMESTAMP);
    v->sys_val[1] = zs_u256_from_u64(v->blk.timestamp);
    zs_exec_mapping_slot(&prev, &pos, &v->sys_slot[2]);
    v->sys_val[2] = zs_u256_from_be32(parent_root);
    v->nsys = 3;
    zs_evm_forget(v->evm);
    return ZS_OK;
}

void zs_exec_view_set_tracer(zs_exec_view_t *v, const zs_evm_tracer_t *t)
{
    zs_evm_set_tracer(v->evm, t);
}

int zs_exec_view_run(zs_exec_view_t *v, const zs_evm_tx_t *tx, const zs_evm_opts_t *opts, int keep,
                     zs_evm_result_t *r)
{
    int rc = zs_evm_transact(v->evm, &v->blk, tx, opts, r);
    if (rc) return rc;
    if (r->status == ZS_EVM_FATAL) {
        zs_evm_forget(v->evm);
        return r->rc ? r->rc : ZS_ERR_IO;
    }
    if (keep && r->status != ZS_EVM_INTRINSIC_GAS) return zs_evm_commit(v->evm);
    zs_evm_discard(v->evm);
    return ZS_OK;
}
