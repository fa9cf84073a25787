/* The EVM over the state: the host functions lib/evm reads and writes
   through (zs_state underneath), and a transaction's EVM path (run, count,
   fit or undo, commit). */
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec_int.h"

static int h_account(void *ctx, const uint8_t addr[20], zs_evm_account_t *out)
{
    zs_state_t *st = ((exec_host_t *)ctx)->st;
    uint64_t h[4];
    int rc = zs_state_balance(st, addr, &out->balance);
    if (!rc) rc = zs_state_nonce(st, addr, &out->nonce);
    if (!rc) rc = zs_state_code_length(st, addr, &out->code_len);
    if (!rc && out->code_len) rc = zs_state_code_hash(st, addr, h);
    if (rc) return rc;
    if (out->code_len) zs_smt_h4_to_be(h, out->code_hash);
    else memset(out->code_hash, 0, 32);
    return 0;
}

static int h_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out)
{
    return zs_state_storage(((exec_host_t *)ctx)->st, addr, slot, out);
}

static int h_code(void *ctx, const uint8_t addr[20], const zs_evm_account_t *acct, const uint8_t **code, size_t *len)
{
    exec_host_t *h = ctx;
    free(h->code);
    h->code = NULL;
    size_t n;
    int rc = zs_state_code(h->st, addr, &h->code, &n);
    if (rc) return rc;
    *code = h->code;
    *len = n;
    return 0;
}

static void h_hash(void *ctx, const uint8_t *code, size_t len, uint8_t out[32])
{
    uint64_t h[4];
    zs_smt_hash_bytecode(code, len, h);
    zs_smt_h4_to_be(h, out);
}

/* Remembers an account the commit writes (for those who publish fresh
   balances and nonces after the block). */
static int touch(exec_host_t *h, const uint8_t addr[20])
{
    for (size_t i = h->nt; i-- > 0 && i + 4 >= h->nt;)
        if (!memcmp(h->touched[i], addr, 20)) return 0;
    if (h->nt == h->capt) {
        size_t c = h->capt ? 2 * h->capt : 16;
        uint8_t(*t)[20] = realloc(h->touched, c * 20);
        if (!t) return ZS_ERR_NOMEM;
        h->touched = t;
        h->capt = c;
    }
    memcpy(h->touched[h->nt++], addr, 20);
    return 0;
}

static int h_set_balance(void *ctx, const uint8_t addr[20], const zs_u256_t *v)
{
    int rc = touch(ctx, addr);
    return rc ? rc : zs_state_set_balance(((exec_host_t *)ctx)->st, addr, v);
}

static int h_set_nonce(void *ctx, const uint8_t addr[20], uint64_t v)
{
    int rc = touch(ctx, addr);
    return rc ? rc : zs_state_set_nonce(((exec_host_t *)ctx)->st, addr, v);
}

static int h_set_code(void *ctx, const uint8_t addr[20], const uint8_t *code, size_t len, const uint8_t hash[32])
{
    return zs_state_set_code(((exec_host_t *)ctx)->st, addr, code, len);
}

static int h_set_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, const zs_u256_t *v)
{
    return zs_state_set_storage(((exec_host_t *)ctx)->st, addr, slot, v);
}

zs_evm_t *exec_evm_new(zs_exec_t *x)
{
    x->host.st = x->st;
    zs_evm_host_t h = {
        .ctx = &x->host,
        .account = h_account,
        .storage = h_storage,
        .code = h_code,
        .hash_code = h_hash,
        .set_balance = h_set_balance,
        .set_nonce = h_set_nonce,
        .set_code = h_set_code,
        .set_storage = h_set_storage,
    };
    zs_evm_t *e = zs_evm_new(&h);
    if (e) zs_evm_set_mcp(e, x->mcp);
    return e;
}

static int is_precompile(const uint8_t a[20])
{
    for (int i = 0; i < 19; i++)
        if (a[i]) return 0;
    return a[19] >= 1 && a[19] <= 9;
}

int exec_needs_evm(zs_exec_t *x, const zs_tx_t *tx, int *needs)
{
    *needs = 1;
    if (!tx->has_to || is_precompile(tx->to)) return ZS_OK;
    uint64_t n;
    int rc = zs_state_code_length(x->st, tx->to, &n);
    if (rc) return rc;
    *needs = n != 0;
    return ZS_OK;
}

/* Long because it is one transaction through the EVM in Polygon's order:
   run, the intrinsic-gas skip, processTx's counters (which need the code
   length the transaction met), the fit test, then commit and the result. */
int exec_evm_tx(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], const zs_vcount_t *room,
                zs_exec_result_t *r)
{
    zs_evm_tx_t et = {.is_create = !tx->has_to,
                      .value = tx->value,
                      .data = tx->data,
                      .data_len = tx->data_len,
                      .gas = tx->gas,
                      .gas_price = r->effective_gas_price,
                      .nonce = tx->nonce};
    memcpy(et.from, sender, 20);
    if (tx->has_to) memcpy(et.to, tx->to, 20);
    zs_evm_block_t blk = {.number = x->blk.number,
                          .timestamp = x->blk.timestamp,
                          .gas_limit = x->cfg.block_gas_limit ? x->cfg.block_gas_limit : ZS_BLOCK_GAS_LIMIT,
                          .chain_id = x->cfg.chain_id};
    memcpy(blk.coinbase, x->cfg.coinbase, 20);
    uint64_t to_code = 0;
    int rc;
    if (tx->has_to && (rc = zs_state_code_length(x->st, tx->to, &to_code))) return rc;
    zs_evm_result_t er;
    if ((rc = zs_evm_transact(x->evm, &blk, &et, NULL, &er))) return rc;
    if (er.status == ZS_EVM_FATAL) {
        zs_evm_forget(x->evm);
        return er.rc ? er.rc : ZS_ERR_IO;
    }
    if (er.status == ZS_EVM_INTRINSIC_GAS) {
        zs_evm_discard(x->evm);
        r->reason = ZS_EXEC_INTRINSIC_GAS;
        return ZS_OK;
    }
    /* processTx: the code length the transaction met (for a creation, what
       its init code returned: the code on success, revert data on REVERT) */
    size_t code_len = tx->has_to ? (size_t)to_code : er.status == ZS_EVM_SUCCESS ? er.code_len : er.output_len;
    zs_vacc_t acc = {0};
    zs_vcount_process_tx(&acc, code_len, !tx->has_to);
    r->counters = er.counters;
    zs_vcount_add(&r->counters, &acc, x->mcp);
    if (room && !zs_vcount_fits(&r->counters, room)) {
        zs_evm_discard(x->evm);
        r->reason = ZS_EXEC_OUT_OF_COUNTERS;
        return ZS_OK;
    }
    x->host.nt = 0;
    if ((rc = zs_evm_commit(x->evm))) {
        zs_evm_forget(x->evm);
        return rc;
    }
    r->status = er.status == ZS_EVM_SUCCESS;
    r->evm_status = er.status;
    r->gas_used = er.gas_used;
    zs_u256_t used = zs_u256_from_u64(er.gas_used);
    zs_u256_mul(&r->fee, &used, &r->effective_gas_price);
    r->output = er.output;
    r->output_len = er.output_len;
    r->logs = er.logs;
    r->nlogs = er.nlogs;
    r->touched = (const uint8_t(*)[20])x->host.touched;
    r->ntouched = x->host.nt;
    if (!tx->has_to) {
        r->created = 1;
        memcpy(r->contract, er.created, 20);
    }
    return ZS_OK;
}
