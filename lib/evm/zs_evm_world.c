/* The EVM's world: accounts and storage slots read once through the host,
   changed under a journal, sent out at commit.  Two open-addressed indexes
   (accounts by address, slots by account and key) over growing vectors;
   code copies by hash, padded so the interpreter never bounds-checks. */
#include <stdlib.h>

#include "lib/base/zs_grow.h"
#include "lib/evm/zs_evm_int.h"

#define CODE_CACHE_MAX (64u << 20) /* bytes of code kept across blocks */
#define CODE_BUCKETS 1024

static const uint8_t empty_code[CODE_PAD];

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t addr_hash(const uint8_t a[20])
{
    uint64_t x, y;
    uint32_t z;
    memcpy(&x, a, 8);
    memcpy(&y, a + 8, 8);
    memcpy(&z, a + 16, 4);
    return mix64(x ^ (y * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)z << 17));
}

static uint64_t slot_hash(uint32_t acct, const zs_u256_t *k)
{
    return mix64(k->w[0] ^ (k->w[1] * 0x9e3779b97f4a7c15ull) ^ (k->w[2] * 0xc2b2ae3d27d4eb4full) ^
                 (k->w[3] * 0x165667b19e3779f9ull) ^ ((uint64_t)acct << 32));
}


static int push_ix(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (zs_grow((void **)v, cap, *n + 1, sizeof **v, 64)) return ZS_ERR_NOMEM;
    (*v)[(*n)++] = x;
    return 0;
}

int ev_world_init(ev_world_t *w, const zs_evm_host_t *host)
{
    memset(w, 0, sizeof *w);
    w->host = *host;
    return 0;
}

static void free_codes(ev_code_t *c)
{
    while (c) {
        ev_code_t *n = c->next;
        free(c);
        c = n;
    }
}

static void clear_code_cache(ev_world_t *w)
{
    if (!w->codes) return;
    ev_code_t **b = (ev_code_t **)w->codes;
    for (size_t i = 0; i < CODE_BUCKETS; i++) free_codes(b[i]);
    free(w->codes);
    w->codes = NULL;
    w->code_bytes = 0;
}

void ev_world_free(ev_world_t *w)
{
    free(w->acct);
    free(w->acct_ix);
    free(w->slot);
    free(w->slot_ix);
    free(w->j);
    free(w->tx_accts);
    free(w->tx_slots);
    free(w->warm_accts);
    free(w->warm_slots);
    clear_code_cache(w);
    free_codes(w->new_codes);
    memset(w, 0, sizeof *w);
}

void ev_world_forget(ev_world_t *w)
{
    w->nacct = 0;
    w->nslot = 0;
    if (w->acct_ix) memset(w->acct_ix, 0, w->acct_ix_cap * sizeof *w->acct_ix);
    if (w->slot_ix) memset(w->slot_ix, 0, w->slot_ix_cap * sizeof *w->slot_ix);
    w->nj = 0;
    w->ntx_accts = w->ntx_slots = w->nwarm_accts = w->nwarm_slots = 0;
    free_codes(w->new_codes);
    w->new_codes = NULL;
    if (w->code_bytes > CODE_CACHE_MAX) clear_code_cache(w);
}

/* ---- Indexes. */

static int reindex(uint32_t **ix, uint32_t *cap, uint32_t n, uint64_t (*h)(const void *, uint32_t), const void *vec)
{
    uint32_t c = *cap ? *cap : 256;
    while (c < 2 * (n + 1)) c *= 2;
    if (c == *cap) return 0;
    uint32_t *t = calloc(c, sizeof *t);
    if (!t) return ZS_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t p = h(vec, i) & (c - 1);
        while (t[p]) p = (p + 1) & (c - 1);
        t[p] = i + 1;
    }
    free(*ix);
    *ix = t;
    *cap = c;
    return 0;
}

static uint64_t acct_h(const void *vec, uint32_t i)
{
    return addr_hash(((const ev_acct_t *)vec)[i].addr);
}

static uint64_t slot_h(const void *vec, uint32_t i)
{
    const ev_slot_t *s = &((const ev_slot_t *)vec)[i];
    return slot_hash(s->acct, &s->key);
}

static int64_t acct_find(ev_world_t *w, const uint8_t addr[20], uint64_t h)
{
    if (!w->acct_ix_cap) return -1;
    uint64_t p = h & (w->acct_ix_cap - 1);
    uint32_t v;
    while ((v = w->acct_ix[p])) {
        if (!memcmp(w->acct[v - 1].addr, addr, 20)) return v - 1;
        p = (p + 1) & (w->acct_ix_cap - 1);
    }
    return -1;
}

static void acct_fill(ev_acct_t *x, const zs_evm_account_t *a)
{
    x->balance = x->balance0 = a->balance;
    x->nonce = x->nonce0 = a->nonce;
    x->code_len = a->code_len;
    x->code = NULL;
    x->code_new = 0;
    memcpy(x->code_hash, a->code_hash, 32);
    x->have_hash = 1;
    x->stale = 0;
}

void ev_acct_stale(ev_world_t *w, const uint8_t addr[20])
{
    int64_t i = acct_find(w, addr, addr_hash(addr));
    if (i >= 0) w->acct[i].stale = 1;
}

int64_t ev_acct(ev_world_t *w, const uint8_t addr[20])
{
    uint64_t h = addr_hash(addr);
    int64_t found = acct_find(w, addr, h);
    zs_evm_account_t a;
    if (found >= 0) {
        if (!w->acct[found].stale) return found;
        int rc = w->host.account(w->host.ctx, addr, &a);
        if (rc) return rc;
        acct_fill(&w->acct[found], &a);
        return found;
    }
    int rc = w->host.account(w->host.ctx, addr, &a);
    if (rc) return rc;
    size_t cap = w->acct_cap;
    if (zs_grow((void **)&w->acct, &cap, (size_t)w->nacct + 1, sizeof *w->acct, 64)) return ZS_ERR_NOMEM;
    w->acct_cap = (uint32_t)cap;
    if (2 * ((size_t)w->nacct + 1) > w->acct_ix_cap &&
        reindex(&w->acct_ix, &w->acct_ix_cap, w->nacct, acct_h, w->acct))
        return ZS_ERR_NOMEM;
    uint32_t i = w->nacct++;
    ev_acct_t *x = &w->acct[i];
    memset(x, 0, sizeof *x);
    memcpy(x->addr, addr, 20);
    acct_fill(x, &a);
    uint64_t p = h & (w->acct_ix_cap - 1);
    while (w->acct_ix[p]) p = (p + 1) & (w->acct_ix_cap - 1);
    w->acct_ix[p] = i + 1;
    return i;
}

int64_t ev_slot(ev_world_t *w, uint32_t a, const zs_u256_t *key)
{
    uint64_t h = slot_hash(a, key);
    if (w->slot_ix_cap) {
        uint64_t p = h & (w->slot_ix_cap - 1);
        uint32_t v;
        while ((v = w->slot_ix[p])) {
            ev_slot_t *s = &w->slot[v - 1];
            if (s->acct == a && ev_eq(&s->key, key)) return v - 1;
            p = (p + 1) & (w->slot_ix_cap - 1);
        }
    }
    zs_u256_t val;
    int rc = w->host.storage(w->host.ctx, w->acct[a].addr, key, &val);
    if (rc) return rc;
    size_t cap = w->slot_cap;
    if (zs_grow((void **)&w->slot, &cap, (size_t)w->nslot + 1, sizeof *w->slot, 64)) return ZS_ERR_NOMEM;
    w->slot_cap = (uint32_t)cap;
    if (2 * ((size_t)w->nslot + 1) > w->slot_ix_cap &&
        reindex(&w->slot_ix, &w->slot_ix_cap, w->nslot, slot_h, w->slot))
        return ZS_ERR_NOMEM;
    uint32_t i = w->nslot++;
    ev_slot_t *s = &w->slot[i];
    memset(s, 0, sizeof *s);
    s->acct = a;
    s->key = *key;
    s->orig = s->cur = val;
    uint64_t p = h & (w->slot_ix_cap - 1);
    while (w->slot_ix[p]) p = (p + 1) & (w->slot_ix_cap - 1);
    w->slot_ix[p] = i + 1;
    return i;
}

/* ---- Code. */

static ev_code_t *code_find(ev_world_t *w, const uint8_t hash[32])
{
    if (!w->codes) return NULL;
    uint64_t h;
    memcpy(&h, hash + 24, 8);
    for (ev_code_t *c = ((ev_code_t **)w->codes)[h % CODE_BUCKETS]; c; c = c->next)
        if (!memcmp(c->hash, hash, 32)) return c;
    return NULL;
}

static ev_code_t *code_copy(const uint8_t *code, size_t len)
{
    ev_code_t *c = malloc(sizeof *c + len + CODE_PAD);
    if (!c) return NULL;
    if (len) memcpy(c->bytes, code, len);
    memset(c->bytes + len, 0, CODE_PAD);
    c->len = len;
    c->next = NULL;
    return c;
}

int ev_acct_code(ev_world_t *w, uint32_t a, const uint8_t **code, size_t *len)
{
    ev_acct_t *x = &w->acct[a];
    if (!x->code_len) {
        *code = empty_code;
        *len = 0;
        return 0;
    }
    if (!x->code) {
        ev_code_t *c = code_find(w, x->code_hash);
        if (!c) {
            zs_evm_account_t acc = {.balance = x->balance0, .nonce = x->nonce0, .code_len = x->code_len};
            memcpy(acc.code_hash, x->code_hash, 32);
            const uint8_t *p;
            size_t n;
            int rc = w->host.code(w->host.ctx, x->addr, &acc, &p, &n);
            if (rc) return rc;
            if (n != x->code_len) return ZS_ERR_CORRUPT;
            if (!w->codes && !(w->codes = calloc(CODE_BUCKETS, sizeof(ev_code_t *)))) return ZS_ERR_NOMEM;
            if (!(c = code_copy(p, n))) return ZS_ERR_NOMEM;
            memcpy(c->hash, x->code_hash, 32);
            uint64_t h;
            memcpy(&h, c->hash + 24, 8);
            ev_code_t **b = &((ev_code_t **)w->codes)[h % CODE_BUCKETS];
            c->next = *b;
            *b = c;
            w->code_bytes += n;
        }
        x->code = c->bytes;
    }
    *code = x->code;
    *len = x->code_len;
    return 0;
}

void ev_acct_code_hash(ev_world_t *w, uint32_t a, uint8_t out[32])
{
    ev_acct_t *x = &w->acct[a];
    if (!x->code_len) {
        memset(out, 0, 32);
        return;
    }
    if (!x->have_hash) {
        w->host.hash_code(w->host.ctx, x->code, x->code_len, x->code_hash);
        x->have_hash = 1;
    }
    memcpy(out, x->code_hash, 32);
}

/* ---- Journaled changes. */

static ev_jent_t *jpush(ev_world_t *w, uint8_t kind, uint32_t idx)
{
    if (zs_grow((void **)&w->j, &w->j_cap, w->nj + 1, sizeof *w->j, 64)) return NULL;
    ev_jent_t *j = &w->j[w->nj++];
    j->kind = kind;
    j->idx = idx;
    return j;
}

static int mark_acct(ev_world_t *w, uint32_t a)
{
    if (w->acct[a].in_tx) return 0;
    w->acct[a].in_tx = 1;
    return push_ix(&w->tx_accts, &w->ntx_accts, &w->cap_tx_accts, a);
}

int ev_set_balance(ev_world_t *w, uint32_t a, const zs_u256_t *v)
{
    ev_jent_t *j = jpush(w, J_BALANCE, a);
    if (!j) return ZS_ERR_NOMEM;
    j->old.u = w->acct[a].balance;
    w->acct[a].balance = *v;
    return mark_acct(w, a);
}

int ev_set_nonce(ev_world_t *w, uint32_t a, uint64_t v)
{
    ev_jent_t *j = jpush(w, J_NONCE, a);
    if (!j) return ZS_ERR_NOMEM;
    j->old.n = w->acct[a].nonce;
    w->acct[a].nonce = v;
    return mark_acct(w, a);
}

int ev_set_code(ev_world_t *w, uint32_t a, const uint8_t *code, size_t len)
{
    ev_code_t *c = code_copy(code, len);
    if (!c) return ZS_ERR_NOMEM;
    c->next = w->new_codes;
    w->new_codes = c;
    ev_jent_t *j = jpush(w, J_CODE, a);
    if (!j) return ZS_ERR_NOMEM;
    ev_acct_t *x = &w->acct[a];
    j->old.c.code = x->code;
    j->old.c.len = x->code_len;
    j->old.c.was_new = x->code_new;
    j->old.c.had_hash = x->have_hash;
    memcpy(j->old_hash, x->code_hash, 32);
    x->code = c->bytes;
    x->code_len = len;
    x->code_new = 1;
    x->have_hash = 0;
    return mark_acct(w, a);
}

int ev_set_slot(ev_world_t *w, uint32_t s, const zs_u256_t *v)
{
    ev_jent_t *j = jpush(w, J_STORAGE, s);
    if (!j) return ZS_ERR_NOMEM;
    j->old.u = w->slot[s].cur;
    w->slot[s].cur = *v;
    if (w->slot[s].in_tx) return 0;
    w->slot[s].in_tx = 1;
    return push_ix(&w->tx_slots, &w->ntx_slots, &w->cap_tx_slots, s);
}

int ev_warm_acct(ev_world_t *w, uint32_t a)
{
    if (w->acct[a].warm) return 0;
    if (!jpush(w, J_WARM_ACCT, a) || push_ix(&w->warm_accts, &w->nwarm_accts, &w->cap_warm_accts, a))
        return ZS_ERR_NOMEM;
    w->acct[a].warm = 1;
    return 1;
}

int ev_warm_slot(ev_world_t *w, uint32_t s)
{
    if (w->slot[s].warm) return 0;
    if (!jpush(w, J_WARM_SLOT, s) || push_ix(&w->warm_slots, &w->nwarm_slots, &w->cap_warm_slots, s))
        return ZS_ERR_NOMEM;
    w->slot[s].warm = 1;
    return 1;
}

void ev_revert(ev_world_t *w, size_t to)
{
    while (w->nj > to) {
        ev_jent_t *j = &w->j[--w->nj];
        switch (j->kind) {
        case J_BALANCE: w->acct[j->idx].balance = j->old.u; break;
        case J_NONCE: w->acct[j->idx].nonce = j->old.n; break;
        case J_CODE: {
            ev_acct_t *x = &w->acct[j->idx];
            x->code = j->old.c.code;
            x->code_len = j->old.c.len;
            x->code_new = j->old.c.was_new;
            x->have_hash = j->old.c.had_hash;
            memcpy(x->code_hash, j->old_hash, 32);
            break;
        }
        case J_STORAGE: w->slot[j->idx].cur = j->old.u; break;
        case J_WARM_ACCT: w->acct[j->idx].warm = 0; break;
        case J_WARM_SLOT: w->slot[j->idx].warm = 0; break;
        }
    }
}

static void end_tx(ev_world_t *w)
{
    for (size_t i = 0; i < w->ntx_accts; i++) w->acct[w->tx_accts[i]].in_tx = 0;
    for (size_t i = 0; i < w->ntx_slots; i++) w->slot[w->tx_slots[i]].in_tx = 0;
    for (size_t i = 0; i < w->nwarm_accts; i++) w->acct[w->warm_accts[i]].warm = 0;
    for (size_t i = 0; i < w->nwarm_slots; i++) w->slot[w->warm_slots[i]].warm = 0;
    w->ntx_accts = w->ntx_slots = w->nwarm_accts = w->nwarm_slots = 0;
    w->nj = 0;
}

int ev_commit_tx(ev_world_t *w)
{
    const zs_evm_host_t *h = &w->host;
    int rc = 0;
    for (size_t i = 0; i < w->ntx_accts && !rc; i++) {
        ev_acct_t *x = &w->acct[w->tx_accts[i]];
        if (!ev_eq(&x->balance, &x->balance0)) rc = h->set_balance(h->ctx, x->addr, &x->balance);
        if (!rc && x->nonce != x->nonce0) rc = h->set_nonce(h->ctx, x->addr, x->nonce);
        if (!rc && x->code_new) {
            if (!x->have_hash) {
                h->hash_code(h->ctx, x->code, x->code_len, x->code_hash);
                x->have_hash = 1;
            }
            rc = h->set_code(h->ctx, x->addr, x->code, x->code_len, x->code_hash);
        }
        x->balance0 = x->balance;
        x->nonce0 = x->nonce;
        x->code_new = 0;
    }
    for (size_t i = 0; i < w->ntx_slots && !rc; i++) {
        ev_slot_t *s = &w->slot[w->tx_slots[i]];
        if (!ev_eq(&s->cur, &s->orig)) rc = h->set_storage(h->ctx, w->acct[s->acct].addr, &s->key, &s->cur);
        s->orig = s->cur;
    }
    end_tx(w);
    return rc;
}

void ev_discard_tx(ev_world_t *w)
{
    ev_revert(w, 0);
    end_tx(w);
}
