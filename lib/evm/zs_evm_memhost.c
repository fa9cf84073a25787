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

/* Entries in growing vectors, found through open-addressed indexes
   (entry number + 1; 0 is empty) at most half full. */
struct zs_evm_memhost {
    macct_t *acct;
    size_t nacct, capacct;
    mslot_t *slot;
    size_t nslot, capslot;
    uint32_t *aidx, *sidx;
    size_t acap, scap; /* index sizes, powers of two */
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_addr(const uint8_t a[20])
{
    uint64_t x, y;
    uint32_t z;
    memcpy(&x, a, 8);
    memcpy(&y, a + 8, 8);
    memcpy(&z, a + 16, 4);
    return mix(x ^ mix(y) ^ z);
}

static uint64_t hash_slot(const uint8_t a[20], const zs_u256_t *k)
{
    return mix(hash_addr(a) ^ k->w[0] ^ mix(k->w[1] ^ mix(k->w[2] ^ mix(k->w[3]))));
}

/* Rebuilds an index of cap slots over n entries whose hashes hf gives. */
static int reindex(uint32_t **idx, size_t *icap, size_t n, zs_evm_memhost_t *m,
                   uint64_t (*hf)(zs_evm_memhost_t *, size_t))
{
    size_t cap = *icap ? *icap : 64;
    while (cap < 2 * (n + 1)) cap *= 2;
    uint32_t *x = calloc(cap, sizeof *x);
    if (!x) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)hf(m, i) & (cap - 1);
        while (x[h]) h = (h + 1) & (cap - 1);
        x[h] = (uint32_t)(i + 1);
    }
    free(*idx);
    *idx = x;
    *icap = cap;
    return 0;
}

static uint64_t acct_hash_at(zs_evm_memhost_t *m, size_t i)
{
    return hash_addr(m->acct[i].addr);
}

static uint64_t slot_hash_at(zs_evm_memhost_t *m, size_t i)
{
    return hash_slot(m->slot[i].addr, &m->slot[i].slot);
}

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
    free(m->aidx);
    free(m->sidx);
    free(m);
}

static macct_t *find(zs_evm_memhost_t *m, const uint8_t addr[20], int create)
{
    size_t h = m->acap ? (size_t)hash_addr(addr) & (m->acap - 1) : 0;
    for (; m->acap && m->aidx[h]; h = (h + 1) & (m->acap - 1))
        if (!memcmp(m->acct[m->aidx[h] - 1].addr, addr, 20)) return &m->acct[m->aidx[h] - 1];
    if (!create) return NULL;
    if (2 * (m->nacct + 1) > m->acap) {
        if (reindex(&m->aidx, &m->acap, m->nacct, m, acct_hash_at)) return NULL;
        h = (size_t)hash_addr(addr) & (m->acap - 1);
        while (m->aidx[h]) h = (h + 1) & (m->acap - 1);
    }
    if (m->nacct == m->capacct) {
        size_t c = m->capacct ? 2 * m->capacct : 16;
        macct_t *n = realloc(m->acct, c * sizeof *n);
        if (!n) return NULL;
        m->acct = n;
        m->capacct = c;
    }
    m->aidx[h] = (uint32_t)(m->nacct + 1);
    macct_t *x = &m->acct[m->nacct++];
    memset(x, 0, sizeof *x);
    memcpy(x->addr, addr, 20);
    return x;
}

static mslot_t *find_slot(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot, int create)
{
    size_t h = m->scap ? (size_t)hash_slot(addr, slot) & (m->scap - 1) : 0;
    for (; m->scap && m->sidx[h]; h = (h + 1) & (m->scap - 1)) {
        mslot_t *s = &m->slot[m->sidx[h] - 1];
        if (!memcmp(s->addr, addr, 20) && !memcmp(s->slot.w, slot->w, 32)) return s;
    }
    if (!create) return NULL;
    if (2 * (m->nslot + 1) > m->scap) {
        if (reindex(&m->sidx, &m->scap, m->nslot, m, slot_hash_at)) return NULL;
        h = (size_t)hash_slot(addr, slot) & (m->scap - 1);
        while (m->sidx[h]) h = (h + 1) & (m->scap - 1);
    }
    if (m->nslot == m->capslot) {
        size_t c = m->capslot ? 2 * m->capslot : 64;
        mslot_t *n = realloc(m->slot, c * sizeof *n);
        if (!n) return NULL;
        m->slot = n;
        m->capslot = c;
    }
    m->sidx[h] = (uint32_t)(m->nslot + 1);
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

size_t zs_evm_memhost_code(zs_evm_memhost_t *m, const uint8_t addr[20], const uint8_t **code)
{
    macct_t *x = find(m, addr, 0);
    *code = x ? x->code : NULL;
    return x && x->code ? (size_t)x->a.code_len : 0;
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
