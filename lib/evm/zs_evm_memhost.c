/* An in-memory world for zs_evm: linear tables (the worlds it holds are
   small: tests and benchmark programs). */
#include "lib/evm/zs_evm_memhost.h"

#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"

typedef struct {
    uint8_t addr[20];
    zs_evm_account_t a;
    uint8_t *code;
} macct_t;

typedef struct {
    uint8_t addr[20];
    zs_u256_t slot, v;
} mslot_t;

struct zs_evm_memhost {
    macct_t *acct;
    size_t nacct, capacct;
    mslot_t *slot;
    size_t nslot, capslot;
};

zs_evm_memhost_t *zs_evm_memhost_new(void)
{
    return calloc(1, sizeof(zs_evm_memhost_t));
}

void zs_evm_memhost_free(zs_evm_memhost_t *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nacct; i++) free(m->acct[i].code);
    free(m->acct);
    free(m->slot);
    free(m);
}

static macct_t *find(zs_evm_memhost_t *m, const uint8_t addr[20], int create)
{
    for (size_t i = 0; i < m->nacct; i++)
        if (!memcmp(m->acct[i].addr, addr, 20)) return &m->acct[i];
    if (!create) return NULL;
    if (m->nacct == m->capacct) {
        size_t c = m->capacct ? 2 * m->capacct : 16;
        macct_t *n = realloc(m->acct, c * sizeof *n);
        if (!n) return NULL;
        m->acct = n;
        m->capacct = c;
    }
    macct_t *x = &m->acct[m->nacct++];
    memset(x, 0, sizeof *x);
    memcpy(x->addr, addr, 20);
    return x;
}

static mslot_t *find_slot(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot, int create)
{
    for (size_t i = 0; i < m->nslot; i++)
        if (!memcmp(m->slot[i].addr, addr, 20) && !memcmp(m->slot[i].slot.w, slot->w, 32)) return &m->slot[i];
    if (!create) return NULL;
    if (m->nslot == m->capslot) {
        size_t c = m->capslot ? 2 * m->capslot : 64;
        mslot_t *n = realloc(m->slot, c * sizeof *n);
        if (!n) return NULL;
        m->slot = n;
        m->capslot = c;
    }
    mslot_t *s = &m->slot[m->nslot++];
    memset(s, 0, sizeof *s);
    memcpy(s->addr, addr, 20);
    s->slot = *slot;
    return s;
}

int zs_evm_memhost_set_balance(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *v)
{
    macct_t *x = find(m, addr, 1);
    if (!x) return ZS_ERR_NOMEM;
    x->a.balance = *v;
    return 0;
}

int zs_evm_memhost_set_nonce(zs_evm_memhost_t *m, const uint8_t addr[20], uint64_t v)
{
    macct_t *x = find(m, addr, 1);
    if (!x) return ZS_ERR_NOMEM;
    x->a.nonce = v;
    return 0;
}

int zs_evm_memhost_set_code(zs_evm_memhost_t *m, const uint8_t addr[20], const uint8_t *code, size_t len)
{
    macct_t *x = find(m, addr, 1);
    if (!x) return ZS_ERR_NOMEM;
    uint8_t *c = malloc(len ? len : 1);
    if (!c) return ZS_ERR_NOMEM;
    if (len) memcpy(c, code, len);
    free(x->code);
    x->code = c;
    x->a.code_len = len;
    if (len) zs_keccak256(code, len, x->a.code_hash);
    else memset(x->a.code_hash, 0, 32);
    return 0;
}

int zs_evm_memhost_set_storage(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot,
                               const zs_u256_t *v)
{
    mslot_t *s = find_slot(m, addr, slot, 1);
    if (!s) return ZS_ERR_NOMEM;
    s->v = *v;
    return 0;
}

void zs_evm_memhost_account(zs_evm_memhost_t *m, const uint8_t addr[20], zs_evm_account_t *out)
{
    macct_t *x = find(m, addr, 0);
    if (x) *out = x->a;
    else memset(out, 0, sizeof *out);
}

void zs_evm_memhost_storage(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out)
{
    mslot_t *s = find_slot(m, addr, slot, 0);
    if (s) *out = s->v;
    else memset(out, 0, sizeof *out);
}

/* ---- The host functions. */

static int h_account(void *ctx, const uint8_t addr[20], zs_evm_account_t *out)
{
    zs_evm_memhost_account(ctx, addr, out);
    return 0;
}

static int h_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out)
{
    zs_evm_memhost_storage(ctx, addr, slot, out);
    return 0;
}

static int h_code(void *ctx, const uint8_t addr[20], const zs_evm_account_t *acct, const uint8_t **code, size_t *len)
{
    macct_t *x = find(ctx, addr, 0);
    *code = x ? x->code : NULL;
    *len = x ? x->a.code_len : 0;
    return 0;
}

static void h_hash(void *ctx, const uint8_t *code, size_t len, uint8_t out[32])
{
    zs_keccak256(code, len, out);
}

static int h_set_balance(void *ctx, const uint8_t addr[20], const zs_u256_t *v)
{
    return zs_evm_memhost_set_balance(ctx, addr, v);
}

static int h_set_nonce(void *ctx, const uint8_t addr[20], uint64_t v)
{
    return zs_evm_memhost_set_nonce(ctx, addr, v);
}

static int h_set_code(void *ctx, const uint8_t addr[20], const uint8_t *code, size_t len, const uint8_t hash[32])
{
    return zs_evm_memhost_set_code(ctx, addr, code, len);
}

static int h_set_storage(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, const zs_u256_t *v)
{
    return zs_evm_memhost_set_storage(ctx, addr, slot, v);
}

void zs_evm_memhost_bind(zs_evm_memhost_t *m, zs_evm_host_t *h)
{
    *h = (zs_evm_host_t){.ctx = m,
                         .account = h_account,
                         .storage = h_storage,
                         .code = h_code,
                         .hash_code = h_hash,
                         .set_balance = h_set_balance,
                         .set_nonce = h_set_nonce,
                         .set_code = h_set_code,
                         .set_storage = h_set_storage};
}
