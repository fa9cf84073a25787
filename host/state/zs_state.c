#include "host/state/zs_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"
#include "lib/tx/zs_addr.h"

/* Address -> (balance, nonce, code length keys): key derivation costs a
   Poseidon permutation per key, and the same accounts come back again and
   again. */
typedef struct {
    uint8_t addr[20];
    uint8_t used;
    zs_smt_key_t balance, nonce, code_length;
} keyslot_t;

typedef struct {
    uint8_t addr[20];
    uint8_t used;
    zs_u256_t slot;
    zs_smt_key_t key;
} skey_t;

#define SKEYS_BITS 16

/* The nodes the eviction hand looks at or frees after one commit (each
   likely a cache miss: a few milliseconds; zs_smt_evict). */
#define EVICT_VISITS ((size_t)1 << 15)

/* Code the tree refers to before the store has it: staged (not yet in a
   commit), or committed at `version` into a batch the committer may still
   be writing (the sequencer seals the next block meanwhile, and a
   contract made in one block may be called in the next). */
typedef struct {
    uint8_t hash[32];
    uint8_t *code;
    size_t len;
    int committed;
    uint64_t version;
} pending_code_t;

struct zs_state {
    zs_store_t *store; /* NULL: memory only */
    zs_statedb_t *db;
    int has_version; /* memory only: the last commit */
    uint64_t version;
    zs_smt_ref_t root;
    zs_smt_t *tree;
    zs_smt_loader_t raw;  /* the store's reader */
    zs_prefetch_t *pf;    /* or NULL */
    zs_smt_hasher_t hasher;
    int has_hasher;
    keyslot_t *keys;
    size_t keys_cap, keys_used;
    skey_t *skeys; /* recent storage keys, direct-mapped (SKEYS entries): a key costs two Poseidon permutations */
    size_t memory_bytes, keys_cap_max; /* 0: unbounded */
    int sweeping; /* the tree went past memory_bytes and is not yet down to three quarters */
    uint64_t stored_upto; /* pages of versions up to this one are in the store (zs_state_applied) */
    unsigned in_flight;   /* opts.writes_in_flight (at least 1) */
    size_t evict_nodes;   /* the tree's nodes after the last zs_state_evict */
    zs_state_evictions_t ev;
    pending_code_t *codes;
    size_t ncodes, capcodes;
};

static size_t addr_hash(const uint8_t a[20])
{
    uint64_t x;
    memcpy(&x, a + 12, 8);
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return (size_t)x;
}

static int keys_grow(zs_state_t *st)
{
    size_t cap = st->keys_cap ? 2 * st->keys_cap : 4096;
    if (st->keys_cap_max && st->keys_cap && cap > st->keys_cap_max) {
        /* At its bound the cache starts again: the keys are derived anew
           as accounts come back. */
        memset(st->keys, 0, st->keys_cap * sizeof *st->keys);
        st->keys_used = 0;
        __atomic_add_fetch(&st->ev.key_cache_resets, 1, __ATOMIC_RELAXED);
        return ZS_OK;
    }
    keyslot_t *nk = calloc(cap, sizeof *nk);
    if (!nk)
        return ZS_ERR_NOMEM;
    for (size_t i = 0; i < st->keys_cap; i++) {
        if (!st->keys[i].used)
            continue;
        size_t j = addr_hash(st->keys[i].addr) & (cap - 1);
        while (nk[j].used)
            j = (j + 1) & (cap - 1);
        nk[j] = st->keys[i];
    }
    free(st->keys);
    st->keys = nk;
    st->keys_cap = cap;
    return ZS_OK;
}

/* The slot of addr: found (1), or the free slot where it goes (0). */
static keyslot_t *key_slot(zs_state_t *st, const uint8_t addr[20], int *found)
{
    size_t j = addr_hash(addr) & (st->keys_cap - 1);
    while (st->keys[j].used) {
        if (!memcmp(st->keys[j].addr, addr, 20)) {
            *found = 1;
            return &st->keys[j];
        }
        j = (j + 1) & (st->keys_cap - 1);
    }
    *found = 0;
    return &st->keys[j];
}

static void key_fill(zs_state_t *st, keyslot_t *k, const uint8_t addr[20],
                     const zs_smt_key_t three[3])
{
    memcpy(k->addr, addr, 20);
    k->balance = three[0];
    k->nonce = three[1];
    k->code_length = three[2];
    k->used = 1;
    st->keys_used++;
}

static const keyslot_t *account_keys(zs_state_t *st, const uint8_t addr[20])
{
    if (st->keys_used * 2 >= st->keys_cap && keys_grow(st))
        return NULL;
    int found;
    keyslot_t *k = key_slot(st, addr, &found);
    if (found)
        return k;
    zs_smt_key_t three[3];
    zs_smt_keys_account3((const uint8_t(*)[20])addr, 1, three);
    key_fill(st, k, addr, three);
    return k;
}

void zs_state_prefetch_paths(zs_state_t *st, const zs_smt_key_t *keys, size_t n)
{
    enum { CHUNK = 192 };
    zs_smt_cold_t cold[CHUNK];
    for (size_t base = 0; st->pf && base < n; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK;
        zs_prefetch_add(st->pf, cold, zs_smt_cold(st->tree, keys + base, m, cold, CHUNK));
    }
}

void zs_state_prefetch_stats(zs_state_t *st, zs_prefetch_stats_t *out)
{
    if (st->pf) zs_prefetch_stats(st->pf, out);
    else memset(out, 0, sizeof *out);
}

void zs_state_prefetch_wait(zs_state_t *st)
{
    if (st->pf) zs_prefetch_wait(st->pf);
}

/* Hands the prefetcher the paths of the accounts' keys. */
static void prefetch_accounts(zs_state_t *st, const uint8_t (*addrs)[20], size_t n, zs_smt_key_t *keys)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int found;
        const keyslot_t *slot = key_slot(st, addrs[i], &found);
        if (!found) continue;
        keys[k++] = slot->balance;
        keys[k++] = slot->nonce;
        keys[k++] = slot->code_length;
    }
    zs_state_prefetch_paths(st, keys, k);
}

int zs_state_prefetch_keys(zs_state_t *st, const uint8_t (*addrs)[20], size_t n)
{
    enum { CHUNK = 64 };
    uint8_t miss[CHUNK][20];
    zs_smt_key_t keys[3 * CHUNK];
    for (size_t base = 0; base < n; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK, k = 0;
        for (size_t i = 0; i < m; i++) {
            int found;
            if (st->keys_used + CHUNK >= st->keys_cap / 2 && keys_grow(st))
                return ZS_ERR_NOMEM;
            key_slot(st, addrs[base + i], &found);
            int dup = 0;
            for (size_t d = 0; d < k && !dup; d++)
                dup = !memcmp(miss[d], addrs[base + i], 20);
            if (!found && !dup)
                memcpy(miss[k++], addrs[base + i], 20);
        }
        zs_smt_keys_account3((const uint8_t(*)[20])miss, k, keys);
        for (size_t i = 0; i < k; i++) {
            int found;
            keyslot_t *slot = key_slot(st, miss[i], &found);
            key_fill(st, slot, miss[i], &keys[3 * i]);
        }
        if (st->pf) prefetch_accounts(st, addrs + base, m, keys);
    }
    return ZS_OK;
}

/* The tree's loader: a page the prefetcher has read (hashed and checked
   already), else the store's. */
static int load_page(void *ctx, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    zs_state_t *st = ctx;
    if (st->pf && zs_prefetch_take(st->pf, ref, out)) return ZS_OK;
    return st->raw.load(st->raw.ctx, ref, out);
}

zs_state_t *zs_state_open(zs_store_t *store, const zs_state_opts_t *o, char *err, size_t errlen)
{
    zs_state_t *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->store = store;
    if (store) {
        st->db = zs_statedb_new(store, o ? o->keep_versions : 0, err, errlen);
        if (!st->db) {
            free(st);
            return NULL;
        }
    }
    st->in_flight = o && o->writes_in_flight ? o->writes_in_flight : 1;
    if (store && o && o->memory_bytes) {
        st->memory_bytes = o->memory_bytes;
        st->keys_cap_max = 4096;
        while (st->keys_cap_max * 2 * sizeof(keyslot_t) <= o->memory_bytes / 4) st->keys_cap_max *= 2;
    }
    if (o && o->hasher) {
        st->hasher = *o->hasher;
        st->has_hasher = 1;
    }
    zs_smt_ref_t root = {0};
    zs_smt_loader_t loader = {.ctx = st, .load = load_page};
    if (st->db) {
        zs_statedb_latest(st->db, NULL, &root);
        st->raw = zs_statedb_loader(st->db);
        if (o && o->prefetch_pages && !(st->pf = zs_prefetch_new(&st->raw, o->prefetch_pages))) {
            snprintf(err, errlen, "cannot start the state's prefetch thread");
            zs_state_close(st);
            return NULL;
        }
    }
    st->tree = zs_smt_new(&root, st->db ? &loader : NULL, st->has_hasher ? &st->hasher : NULL);
    st->skeys = calloc((size_t)1 << SKEYS_BITS, sizeof *st->skeys);
    if (!st->tree || !st->skeys || keys_grow(st)) {
        snprintf(err, errlen, "out of memory");
        zs_state_close(st);
        return NULL;
    }
    return st;
}

/* Drops the kept codes that are staged (all: 0) or written: committed at
   a version at most `upto`. */
static void drop_codes_upto(zs_state_t *st, int staged, uint64_t upto)
{
    size_t k = 0;
    for (size_t i = 0; i < st->ncodes; i++) {
        pending_code_t *c = &st->codes[i];
        if (c->committed ? c->version <= upto : staged)
            free(c->code);
        else
            st->codes[k++] = *c;
    }
    st->ncodes = k;
}

static void drop_codes(zs_state_t *st)
{
    drop_codes_upto(st, 1, UINT64_MAX);
}

int zs_state_discard(zs_state_t *st, const zs_smt_ref_t *root)
{
    if (!st->db)
        return ZS_ERR_UNSUPPORTED; /* memory only: the tree holds the only copy */
    zs_smt_loader_t loader = {.ctx = st, .load = load_page};
    zs_smt_t *t = zs_smt_new(root, &loader, st->has_hasher ? &st->hasher : NULL);
    if (!t)
        return ZS_ERR_NOMEM;
    zs_smt_delete(st->tree);
    st->tree = t;
    drop_codes_upto(st, 1, 0); /* the staged ones; committed ones are content-addressed and stay until written */
    return ZS_OK;
}

void zs_state_close(zs_state_t *st)
{
    if (!st)
        return;
    zs_prefetch_free(st->pf);
    zs_smt_delete(st->tree);
    zs_statedb_free(st->db);
    drop_codes(st);
    free(st->codes);
    free(st->keys);
    free(st->skeys);
    free(st);
}

int zs_state_version(const zs_state_t *st, uint64_t *version, zs_smt_ref_t *root)
{
    if (st->db)
        return zs_statedb_latest(st->db, version, root);
    if (!st->has_version)
        return 0;
    if (version)
        *version = st->version;
    if (root)
        *root = st->root;
    return 1;
}

zs_statedb_t *zs_state_db(zs_state_t *st)
{
    return st->db;
}

zs_smt_t *zs_state_tree(zs_state_t *st)
{
    return st->tree;
}

const zs_smt_hasher_t *zs_state_hasher(const zs_state_t *st)
{
    return st->has_hasher ? &st->hasher : NULL;
}

size_t zs_state_memory(const zs_state_t *st)
{
    return zs_smt_memory(st->tree) + st->keys_cap * sizeof(keyslot_t) + ((size_t)1 << SKEYS_BITS) * sizeof(skey_t);
}

int zs_state_get_key(zs_state_t *st, const zs_smt_key_t *key, zs_u256_t *v)
{
    return zs_smt_get(st->tree, key, v);
}

int zs_state_set_key(zs_state_t *st, const zs_smt_key_t *key, const zs_u256_t *v)
{
    return zs_smt_set(st->tree, key, v);
}

int zs_state_balance(zs_state_t *st, const uint8_t addr[20], zs_u256_t *out)
{
    const keyslot_t *k = account_keys(st, addr);
    return k ? zs_smt_get(st->tree, &k->balance, out) : ZS_ERR_NOMEM;
}

int zs_state_nonce(zs_state_t *st, const uint8_t addr[20], uint64_t *out)
{
    const keyslot_t *k = account_keys(st, addr);
    if (!k)
        return ZS_ERR_NOMEM;
    zs_u256_t v;
    int rc = zs_smt_get(st->tree, &k->nonce, &v);
    if (rc)
        return rc;
    if (!zs_u256_fits_u64(&v))
        return ZS_ERR_CORRUPT;
    *out = v.w[0];
    return ZS_OK;
}

int zs_state_code_hash(zs_state_t *st, const uint8_t addr[20], uint64_t out[4])
{
    zs_smt_key_t k = zs_smt_key_account(addr, ZS_SMT_CODE);
    zs_u256_t v;
    int rc = zs_smt_get(st->tree, &k, &v);
    if (!rc)
        zs_smt_u256_to_h4(&v, out);
    return rc;
}

int zs_state_code_length(zs_state_t *st, const uint8_t addr[20], uint64_t *out)
{
    const keyslot_t *k = account_keys(st, addr);
    if (!k)
        return ZS_ERR_NOMEM;
    zs_u256_t v;
    int rc = zs_smt_get(st->tree, &k->code_length, &v);
    if (rc)
        return rc;
    if (!zs_u256_fits_u64(&v))
        return ZS_ERR_CORRUPT;
    *out = v.w[0];
    return ZS_OK;
}

/* Storage keys cost two permutations; the system contract's slots come
   back every block.  A small direct-mapped cache. */
static zs_smt_key_t storage_key(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *slot)
{
    uint64_t h = slot->w[0] * 0x9e3779b97f4a7c15ull ^ slot->w[1] ^ slot->w[2] ^ slot->w[3];
    uint64_t a;
    memcpy(&a, addr + 12, 8);
    skey_t *e = &st->skeys[(h ^ a * 0xff51afd7ed558ccdull) >> (64 - SKEYS_BITS)];
    if (e->used && !memcmp(e->addr, addr, 20) && !memcmp(&e->slot, slot, sizeof *slot)) return e->key;
    e->key = zs_smt_key_storage(addr, slot);
    memcpy(e->addr, addr, 20);
    e->slot = *slot;
    e->used = 1;
    return e->key;
}

int zs_state_storage(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out)
{
    zs_smt_key_t k = storage_key(st, addr, slot);
    return zs_smt_get(st->tree, &k, out);
}

static void code_row_key(const uint8_t hash[32], uint8_t key[33])
{
    key[0] = 'c';
    memcpy(key + 1, hash, 32);
}

int zs_state_code(zs_state_t *st, const uint8_t addr[20], uint8_t **code, size_t *len)
{
    *code = NULL;
    *len = 0;
    uint64_t h[4];
    uint64_t n;
    int rc = zs_state_code_hash(st, addr, h);
    if (rc)
        return rc;
    if (!(h[0] | h[1] | h[2] | h[3]))
        return ZS_OK;
    if ((rc = zs_state_code_length(st, addr, &n)))
        return rc;
    uint8_t hb[32];
    zs_smt_h4_to_be(h, hb);
    for (size_t i = st->ncodes; i-- > 0;) {
        if (memcmp(st->codes[i].hash, hb, 32))
            continue;
        *code = malloc(st->codes[i].len ? st->codes[i].len : 1);
        if (!*code)
            return ZS_ERR_NOMEM;
        memcpy(*code, st->codes[i].code, st->codes[i].len);
        *len = st->codes[i].len;
        return ZS_OK;
    }
    if (!st->store)
        return ZS_ERR_NOTFOUND;
    uint8_t key[33];
    code_row_key(hb, key);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return ZS_ERR_NOMEM;
    size_t got;
    rc = zs_store_get(st->store, ZS_CF_CHAIN, key, 33, buf, n, &got);
    if (rc || got != n) {
        free(buf);
        return rc ? (rc == ZS_ERR_NOTFOUND || rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc)
                  : ZS_ERR_CORRUPT;
    }
    *code = buf;
    *len = n;
    return ZS_OK;
}

int zs_state_set_balance(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *v)
{
    const keyslot_t *k = account_keys(st, addr);
    return k ? zs_smt_set(st->tree, &k->balance, v) : ZS_ERR_NOMEM;
}

int zs_state_set_nonce(zs_state_t *st, const uint8_t addr[20], uint64_t v)
{
    const keyslot_t *k = account_keys(st, addr);
    zs_u256_t x = zs_u256_from_u64(v);
    return k ? zs_smt_set(st->tree, &k->nonce, &x) : ZS_ERR_NOMEM;
}

/* Keeps code (hash h) until the next commit writes it to the store. */
static int keep_code(zs_state_t *st, const uint8_t *code, size_t len, const uint64_t h[4])
{
    if (st->ncodes == st->capcodes) {
        size_t cap = st->capcodes ? 2 * st->capcodes : 16;
        pending_code_t *nc = realloc(st->codes, cap * sizeof *nc);
        if (!nc)
            return ZS_ERR_NOMEM;
        st->codes = nc;
        st->capcodes = cap;
    }
    pending_code_t *p = &st->codes[st->ncodes];
    p->code = malloc(len ? len : 1);
    if (!p->code)
        return ZS_ERR_NOMEM;
    memcpy(p->code, code, len);
    p->len = len;
    p->committed = 0;
    p->version = 0;
    zs_smt_h4_to_be(h, p->hash);
    st->ncodes++;
    return ZS_OK;
}

int zs_state_add_code(zs_state_t *st, const uint8_t *code, size_t len)
{
    uint64_t h[4];
    zs_smt_hash_bytecode(code, len, h);
    return keep_code(st, code, len, h);
}

int zs_state_set_code(zs_state_t *st, const uint8_t addr[20], const uint8_t *code, size_t len)
{
    zs_smt_key_t kc = zs_smt_key_account(addr, ZS_SMT_CODE),
                 kl = zs_smt_key_account(addr, ZS_SMT_CODE_LENGTH);
    zs_u256_t hv = zs_u256_from_u64(0), lv = zs_u256_from_u64(len);
    if (len) {
        uint64_t h[4];
        zs_smt_hash_bytecode(code, len, h);
        hv = zs_smt_h4_to_u256(h);
        int rc = keep_code(st, code, len, h);
        if (rc)
            return rc;
    }
    int rc = zs_smt_set(st->tree, &kc, &hv);
    return rc ? rc : zs_smt_set(st->tree, &kl, &lv);
}

int zs_state_set_storage(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *slot,
                         const zs_u256_t *v)
{
    zs_smt_key_t k = storage_key(st, addr, slot);
    return zs_smt_set(st->tree, &k, v);
}

int zs_state_commit(zs_state_t *st, zs_store_batch_t *batch, uint64_t version, zs_smt_ref_t *root,
                    zs_smt_changes_t *stats)
{
    zs_smt_changes_t ch;
    int rc = zs_smt_commit(st->tree, version, root, &ch);
    if (rc)
        return rc;
    if (stats)
        *stats = ch;
    if (!st->db) {
        /* Memory only: the version is the commit itself; codes stay. */
        if (batch)
            return ZS_ERR_INVAL;
        st->has_version = 1;
        st->version = version;
        st->root = *root;
        return ZS_OK;
    }
    if ((rc = zs_statedb_stage(st->db, batch, version, root, &ch)))
        return rc;
    for (size_t i = 0; i < st->ncodes; i++) {
        pending_code_t *c = &st->codes[i];
        if (c->committed)
            continue;
        uint8_t key[33];
        code_row_key(c->hash, key);
        zs_store_put(batch, ZS_CF_CHAIN, key, 33, c->code, c->len);
        c->committed = 1;
        c->version = version;
    }
    return ZS_OK;
}

void zs_state_applied(zs_state_t *st, uint64_t version, const zs_smt_ref_t *root)
{
    if (!st->db)
        return;
    zs_statedb_applied(st->db, version, root);
    /* The sequencer calls this before its committer writes `version`, with
       in_flight earlier batches possibly still being written: codes and
       pages committed in_flight + 1 versions back are in the store by now. */
    uint64_t stored = version > st->in_flight ? version - st->in_flight - 1 : 0;
    drop_codes_upto(st, 0, stored);
    st->stored_upto = stored;
    __atomic_store_n(&st->ev.node_bytes, zs_smt_node_bytes(st->tree), __ATOMIC_RELAXED);
}

void zs_state_evict(zs_state_t *st)
{
    if (!st->memory_bytes || !st->db || zs_smt_dirty(st->tree)) return;
    size_t low = st->memory_bytes / 4 * 3;
    if (!st->sweeping && zs_smt_node_bytes(st->tree) <= st->memory_bytes) {
        st->evict_nodes = zs_smt_nodes(st->tree);
        return;
    }
    /* Past the bound the hand goes on after each block, a bounded step at
       a time, until three quarters of it. */
    uint64_t t0 = zs_mono_ns();
    size_t pages, nodes = zs_smt_nodes(st->tree);
    /* A step looks at a fixed number of nodes, plus twice those the blocks
       since the last step brought in, so that it keeps pace with them. */
    size_t visits = EVICT_VISITS + (nodes > st->evict_nodes ? 2 * (nodes - st->evict_nodes) : 0);
    zs_smt_evict(st->tree, low, st->stored_upto, visits, &pages);
    st->evict_nodes = zs_smt_nodes(st->tree);
    size_t bytes = zs_smt_node_bytes(st->tree);
    st->sweeping = bytes > low;
    __atomic_add_fetch(&st->ev.sweeps, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->ev.pages_dropped, pages, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->ev.ns, zs_mono_ns() - t0, __ATOMIC_RELAXED);
    __atomic_store_n(&st->ev.node_bytes, bytes, __ATOMIC_RELAXED);
}

void zs_state_evictions(const zs_state_t *st, zs_state_evictions_t *out)
{
    out->sweeps = __atomic_load_n(&st->ev.sweeps, __ATOMIC_RELAXED);
    out->pages_dropped = __atomic_load_n(&st->ev.pages_dropped, __ATOMIC_RELAXED);
    out->key_cache_resets = __atomic_load_n(&st->ev.key_cache_resets, __ATOMIC_RELAXED);
    out->node_bytes = __atomic_load_n(&st->ev.node_bytes, __ATOMIC_RELAXED);
    out->ns = __atomic_load_n(&st->ev.ns, __ATOMIC_RELAXED);
}

int zs_state_commit_sync(zs_state_t *st, uint64_t version, zs_smt_ref_t *root)
{
    if (!st->store)
        return zs_state_commit(st, NULL, version, root, NULL);
    zs_store_batch_t *b = zs_store_batch_new(st->store);
    if (!b)
        return ZS_ERR_NOMEM;
    int rc = zs_state_commit(st, b, version, root, NULL);
    if (!rc)
        rc = zs_store_write(st->store, b, 1);
    zs_store_batch_free(b);
    if (!rc)
        zs_state_applied(st, version, root);
    return rc;
}

int zs_state_root_at(zs_state_t *st, uint64_t version, zs_smt_ref_t *root)
{
    return st->db ? zs_statedb_root_at(st->db, version, root) : ZS_ERR_NOTFOUND;
}

int zs_state_get_at(zs_state_t *st, const zs_smt_ref_t *root, const zs_smt_key_t *key, zs_u256_t *v,
                    zs_smt_proof_t *proof)
{
    return st->db ? zs_statedb_get(st->db, root, key, v, proof) : ZS_ERR_NOTFOUND;
}

static int get_u64_at(zs_state_t *st, const zs_smt_ref_t *root, const uint8_t a[20], zs_smt_leaf_type_t t,
                      uint64_t *out)
{
    zs_smt_key_t k = zs_smt_key_account(a, t);
    zs_u256_t v;
    int rc = zs_state_get_at(st, root, &k, &v, NULL);
    if (rc) return rc;
    if (!zs_u256_fits_u64(&v)) return ZS_ERR_CORRUPT;
    *out = v.w[0];
    return ZS_OK;
}

int zs_state_account_at(zs_state_t *st, const zs_smt_ref_t *root, const uint8_t addr[20], zs_u256_t *balance,
                        uint64_t *nonce, uint64_t *code_len, uint64_t code_hash[4])
{
    int rc = 0;
    if (balance) {
        zs_smt_key_t k = zs_smt_key_account(addr, ZS_SMT_BALANCE);
        rc = zs_state_get_at(st, root, &k, balance, NULL);
    }
    if (!rc && nonce) rc = get_u64_at(st, root, addr, ZS_SMT_NONCE, nonce);
    if (!rc && code_len) rc = get_u64_at(st, root, addr, ZS_SMT_CODE_LENGTH, code_len);
    if (!rc && code_hash) {
        zs_smt_key_t k = zs_smt_key_account(addr, ZS_SMT_CODE);
        zs_u256_t v;
        if (!(rc = zs_state_get_at(st, root, &k, &v, NULL))) zs_smt_u256_to_h4(&v, code_hash);
    }
    return rc;
}

int zs_state_code_by_hash(zs_state_t *st, const uint64_t hash[4], uint64_t len, uint8_t **code)
{
    *code = NULL;
    if (!st->store) return ZS_ERR_NOTFOUND;
    if (len > (1u << 24)) return ZS_ERR_CORRUPT;
    uint8_t hb[32], key[33];
    zs_smt_h4_to_be(hash, hb);
    code_row_key(hb, key);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return ZS_ERR_NOMEM;
    size_t got;
    int rc = zs_store_get(st->store, ZS_CF_CHAIN, key, 33, buf, len, &got);
    if (rc || got != len) {
        free(buf);
        return rc == ZS_ERR_NOMEM || rc == ZS_ERR_IO ? rc : ZS_ERR_CORRUPT;
    }
    *code = buf;
    return ZS_OK;
}

/* Genesis. */

int zs_state_apply_genesis(zs_state_t *st, const zs_genesis_t *g, char *err, size_t errlen)
{
    if (zs_smt_dirty(st->tree)) {
        snprintf(err, errlen, "genesis: the state has staged changes");
        return ZS_ERR_STATE;
    }
    for (size_t i = 0; i < g->naccounts; i++) {
        const zs_genesis_account_t *a = &g->accounts[i];
        int rc = zs_state_set_balance(st, a->address, &a->balance);
        if (!rc) rc = zs_state_set_nonce(st, a->address, a->nonce);
        if (!rc && a->code_len) rc = zs_state_set_code(st, a->address, a->code, a->code_len);
        for (size_t k = 0; !rc && k < a->nstorage; k++)
            rc = zs_state_set_storage(st, a->address, &a->storage[k].slot, &a->storage[k].value);
        if (rc) {
            snprintf(err, errlen, "genesis entry %zu: %s", i, zs_strerror(rc));
            return rc;
        }
    }
    return ZS_OK;
}
