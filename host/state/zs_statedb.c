#include "host/state/zs_statedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"
#include "lib/base/zs_bytes.h"
#include "lib/base/zs_grow.h"

static const char latest_key[] = ZS_STATEDB_LATEST_KEY;
static const char oldest_key[] = ZS_STATEDB_OLDEST_KEY;

#define REF_BYTES 40 /* version (8) + hash (32) */

struct zs_statedb {
    zs_store_t *store;
    uint64_t keep;
    int has_latest;
    uint64_t latest, oldest;
    zs_smt_ref_t root;
    /* Scratch kept across commits: fresh large allocations would cost a page
       fault per 4 KiB every commit. */
    void *sorted, *dead;
    size_t sorted_cap, dead_cap;
};

static void *scratch(void **buf, size_t *cap, size_t need)
{
    return zs_grow(buf, cap, need, 1, 4096) ? NULL : *buf;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zs_statedb stores limbs little-endian with memcpy"
#endif

static void h4_bytes(const uint64_t h[4], uint8_t out[32])
{
    memcpy(out, h, 32); /* four little-endian limbs */
}

static void bytes_h4(const uint8_t *p, uint64_t h[4])
{
    memcpy(h, p, 32);
}

/* A reference as 40 bytes: the node's row key, and the form roots, gc lists
   and branches store. */
static void ref_bytes(const zs_smt_ref_t *r, uint8_t out[REF_BYTES])
{
    zs_put_be64(out, r->ver);
    h4_bytes(r->hash, out + 8);
}

static void bytes_ref(const uint8_t *p, zs_smt_ref_t *r)
{
    r->ver = zs_get_be64(p);
    bytes_h4(p + 8, r->hash);
}

void zs_statedb_node_key(const zs_smt_ref_t *ref, uint8_t key[ZS_STATEDB_KEY])
{
    ref_bytes(ref, key);
}

/* Reads and parses the page at ref (not yet hashed). */
static int read_page(zs_statedb_t *db, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    uint8_t key[ZS_STATEDB_KEY], buf[ZS_SMT_PAGE_ROW_MAX + 1];
    size_t len;
    ref_bytes(ref, key);
    int rc = zs_store_get(db->store, ZS_CF_SMT_NODES, key, sizeof key, buf, sizeof buf, &len);
    if (rc == ZS_ERR_FULL) return ZS_ERR_CORRUPT;
    if (rc) return rc;
    return zs_smt_page_parse(buf, len, out);
}

/* Reads the page at ref and checks it: its nodes must hash to ref's hash
   (each leaf's value hashed too), so a damaged row can never turn into a
   wrong root or balance. */
static int load_page(zs_statedb_t *db, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    int rc = read_page(db, ref, out);
    if (rc) return rc;
    zs_smt_page_hash_many(&out, 1);
    return memcmp(out->node[0].hash, ref->hash, 32) ? ZS_ERR_CORRUPT : ZS_OK;
}

/* The tree's loader: the tree hashes and checks what it reads. */
static int loader_cb(void *ctx, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    return read_page(ctx, ref, out);
}

/* The same for several pages, in one batched read of the store. */
static void loader_many_cb(void *ctx, const zs_smt_ref_t *refs, size_t n, zs_smt_page_t *const *outs, int *rcs)
{
    enum { MAXN = 32 };
    zs_statedb_t *db = ctx;
    uint8_t keys[MAXN][ZS_STATEDB_KEY], rows[MAXN][ZS_SMT_PAGE_ROW_MAX + 1];
    const void *kp[MAXN];
    void *rp[MAXN];
    size_t klens[MAXN], lens[MAXN];
    for (size_t base = 0; base < n; base += MAXN) {
        size_t m = n - base < MAXN ? n - base : MAXN;
        for (size_t i = 0; i < m; i++) {
            ref_bytes(&refs[base + i], keys[i]);
            kp[i] = keys[i];
            rp[i] = rows[i];
            klens[i] = ZS_STATEDB_KEY;
        }
        int *rc = rcs + base;
        if (zs_store_get_many(db->store, ZS_CF_SMT_NODES, m, kp, klens, rp, sizeof rows[0], lens, rc))
            for (size_t i = 0; i < m; i++) rc[i] = ZS_ERR_IO;
        for (size_t i = 0; i < m; i++) {
            if (rc[i] == ZS_ERR_FULL) rc[i] = ZS_ERR_CORRUPT;
            if (!rc[i]) rc[i] = zs_smt_page_parse(rows[i], lens[i], outs[base + i]);
        }
    }
}

zs_smt_loader_t zs_statedb_loader(zs_statedb_t *db)
{
    zs_smt_loader_t l = {db, loader_cb, loader_many_cb};
    return l;
}

zs_statedb_t *zs_statedb_new_empty(zs_store_t *store)
{
    zs_statedb_t *db = calloc(1, sizeof *db);
    if (db) db->store = store;
    return db;
}

int zs_statedb_records(zs_store_t *store, uint64_t *latest, zs_smt_ref_t *root, uint64_t *oldest, char *err,
                       size_t errlen)
{
    uint8_t buf[64];
    size_t len;
    int rc = zs_store_get(store, ZS_CF_META, latest_key, sizeof latest_key - 1, buf, sizeof buf, &len);
    if (rc == ZS_ERR_NOTFOUND) return 0;
    if (rc || len != 8 + REF_BYTES) {
        snprintf(err, errlen, "state record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        return rc ? rc : ZS_ERR_CORRUPT;
    }
    *latest = zs_get_be64(buf);
    bytes_ref(buf + 8, root);
    rc = zs_store_get(store, ZS_CF_META, oldest_key, sizeof oldest_key - 1, buf, sizeof buf, &len);
    if (rc || len != 8) {
        snprintf(err, errlen, "state retention record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        return rc ? rc : ZS_ERR_CORRUPT;
    }
    *oldest = zs_get_be64(buf);
    return 1;
}

zs_statedb_t *zs_statedb_new(zs_store_t *store, uint64_t keep, char *err, size_t errlen)
{
    zs_statedb_t *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    db->store = store;
    db->keep = keep;
    int rc = zs_statedb_records(store, &db->latest, &db->root, &db->oldest, err, errlen);
    if (rc <= 0) {
        if (rc == 0) return db;
        free(db);
        return NULL;
    }
    db->has_latest = 1;
    /* The latest root must be there, agree with its version record, and its
       node must check out. */
    zs_smt_ref_t r;
    rc = zs_statedb_root_at(db, db->latest, &r);
    if (rc || memcmp(&r, &db->root, sizeof r)) {
        snprintf(err, errlen, "state version %llu: root record %s", (unsigned long long)db->latest,
                 rc ? zs_strerror(rc) : "disagrees with the latest record");
        free(db);
        return NULL;
    }
    int empty = !(r.hash[0] | r.hash[1] | r.hash[2] | r.hash[3]);
    zs_smt_page_t pg;
    if (!empty && (rc = load_page(db, &r, &pg))) {
        snprintf(err, errlen, "state version %llu: root node %s", (unsigned long long)db->latest,
                 rc == ZS_ERR_NOTFOUND ? "missing" : zs_strerror(rc));
        free(db);
        return NULL;
    }
    return db;
}

void zs_statedb_free(zs_statedb_t *db)
{
    if (!db) return;
    free(db->sorted);
    free(db->dead);
    free(db);
}

int zs_statedb_latest(const zs_statedb_t *db, uint64_t *version, zs_smt_ref_t *root)
{
    if (!db->has_latest) return 0;
    if (version) *version = db->latest;
    if (root) *root = db->root;
    return 1;
}

uint64_t zs_statedb_oldest(const zs_statedb_t *db)
{
    return db->oldest;
}

int zs_statedb_root_at(zs_statedb_t *db, uint64_t version, zs_smt_ref_t *root)
{
    uint8_t key[8], buf[REF_BYTES + 1];
    size_t len;
    zs_put_be64(key, version);
    int rc = zs_store_get(db->store, ZS_CF_SMT_ROOTS, key, 8, buf, sizeof buf, &len);
    if (rc) return rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc;
    if (len != REF_BYTES) return ZS_ERR_CORRUPT;
    bytes_ref(buf, root);
    return ZS_OK;
}

/* Page rows are written in key order: RocksDB's memtable inserts sorted
   keys much faster than random ones. */
typedef struct {
    uint8_t key[ZS_STATEDB_KEY];
    const zs_smt_created_t *page;
} keyed_t;

static int cmp_keyed(const void *a, const void *b)
{
    return memcmp(((const keyed_t *)a)->key, ((const keyed_t *)b)->key, ZS_STATEDB_KEY);
}

static int cmp_ref(const void *a, const void *b)
{
    return memcmp(a, b, REF_BYTES);
}

/* Removes the rows listed in a gc list.  Each row was put exactly once
   (every place in the tree has its own row) and leaves exactly once. */
static void release(zs_store_batch_t *b, const uint8_t *list, size_t len)
{
    for (size_t i = 0; i + REF_BYTES <= len; i += REF_BYTES)
        zs_store_single_del(b, ZS_CF_SMT_NODES, list + i, REF_BYTES);
}

int zs_statedb_stage(zs_statedb_t *db, zs_store_batch_t *b, uint64_t version, const zs_smt_ref_t *root,
                     const zs_smt_changes_t *ch)
{
    if (db->has_latest && version != db->latest + 1) return ZS_ERR_INVAL;
    uint8_t vk[8];
    keyed_t *sorted = scratch(&db->sorted, &db->sorted_cap, (ch->n_created + 1) * sizeof *sorted);
    uint8_t *dead = scratch(&db->dead, &db->dead_cap, (ch->n_dead + 1) * REF_BYTES);
    if (!sorted || !dead) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < ch->n_created; i++) {
        ref_bytes(&ch->created[i].ref, sorted[i].key);
        sorted[i].page = &ch->created[i];
    }
    qsort(sorted, ch->n_created, sizeof *sorted, cmp_keyed);
    for (size_t i = 0; i < ch->n_created; i++)
        zs_store_put(b, ZS_CF_SMT_NODES, sorted[i].key, ZS_STATEDB_KEY, sorted[i].page->row, sorted[i].page->len);
    /* The gc list is kept sorted: when it is applied, its deletes land in
       key order, which RocksDB's memtable takes far faster than scattered
       ones (the dead rows come from every older version). */
    for (size_t i = 0; i < ch->n_dead; i++) ref_bytes(&ch->dead[i], dead + REF_BYTES * i);
    qsort(dead, ch->n_dead, REF_BYTES, cmp_ref);
    zs_put_be64(vk, version);
    uint8_t r[REF_BYTES];
    ref_bytes(root, r);
    zs_store_put(b, ZS_CF_SMT_ROOTS, vk, 8, r, REF_BYTES);
    if (ch->n_dead) zs_store_put(b, ZS_CF_SMT_GC, vk, 8, dead, ch->n_dead * REF_BYTES);
    uint8_t latest[8 + REF_BYTES];
    zs_put_be64(latest, version);
    memcpy(latest + 8, r, REF_BYTES);
    zs_store_put(b, ZS_CF_META, latest_key, sizeof latest_key - 1, latest, sizeof latest);
    /* Pruning: dropping version v releases the nodes that left at v + 1. */
    uint64_t oldest = db->has_latest ? db->oldest : version;
    uint64_t want_oldest = oldest;
    if (db->keep && version + 1 > oldest + db->keep) want_oldest = version + 1 - db->keep;
    int rc = ZS_OK;
    for (uint64_t v = oldest; v < want_oldest && !rc; v++) {
        uint8_t k[8];
        zs_put_be64(k, v + 1);
        if (v + 1 == version) {
            /* The list is in this very batch. */
            release(b, dead, ch->n_dead * REF_BYTES);
        } else {
            size_t len = 0;
            uint8_t probe[1];
            rc = zs_store_get(db->store, ZS_CF_SMT_GC, k, 8, probe, 0, &len);
            if (rc == ZS_ERR_FULL) {
                uint8_t *list = malloc(len);
                rc = list ? zs_store_get(db->store, ZS_CF_SMT_GC, k, 8, list, len, &len) : ZS_ERR_NOMEM;
                if (!rc && len % REF_BYTES) rc = ZS_ERR_CORRUPT;
                if (!rc) release(b, list, len);
                free(list);
            } else if (rc == ZS_ERR_NOTFOUND) {
                rc = ZS_OK; /* version v + 1 removed nothing */
            }
        }
        zs_store_del(b, ZS_CF_SMT_GC, k, 8);
        zs_put_be64(k, v);
        zs_store_del(b, ZS_CF_SMT_ROOTS, k, 8);
    }
    if (rc) return rc;
    uint8_t o[8];
    zs_put_be64(o, want_oldest);
    zs_store_put(b, ZS_CF_META, oldest_key, sizeof oldest_key - 1, o, 8);
    return ZS_OK;
}

void zs_statedb_applied(zs_statedb_t *db, uint64_t version, const zs_smt_ref_t *root)
{
    if (!db->has_latest) db->oldest = version;
    db->has_latest = 1;
    db->latest = version;
    db->root = *root;
    if (db->keep && version + 1 > db->oldest + db->keep) db->oldest = version + 1 - db->keep;
}

/* Walks key's path through the page pg whose root is at depth: the proof's
   siblings on the way; 1 with the leaf or empty place it ends at (value,
   proof filled), 0 with *next the page below to go on with, or an error. */
static int walk_page(const zs_smt_page_t *pg, int depth, const zs_smt_key_t *key, zs_u256_t *value,
                     zs_smt_proof_t *proof, zs_smt_ref_t *next)
{
    for (size_t i = 0;;) {
        const zs_smt_page_node_t *n = &pg->node[i];
        int d = depth + n->depth;
        if (n->kind == ZS_SMT_PAGE_REF) {
            next->ver = n->ver;
            memcpy(next->hash, n->hash, 32);
            return 0;
        }
        if (n->kind == ZS_SMT_PAGE_LEAF) {
            zs_smt_key_t found;
            zs_smt_join_key(n->rkey, key, d, &found);
            if (!memcmp(&found, key, sizeof found)) *value = n->value;
            if (proof) {
                proof->levels = d;
                proof->has_leaf = 1;
                memcpy(proof->rkey, n->rkey, 32);
                memcpy(proof->vhash, n->vhash, 32);
            }
            return 1;
        }
        if (d >= ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
        int bit = zs_smt_key_bit(key, d);
        size_t c = n->child[bit], sib = n->child[!bit];
        if (proof && sib) memcpy(proof->siblings[d], pg->node[sib].hash, 32);
        if (!c) {
            if (proof) proof->levels = d + 1;
            return 1;
        }
        i = c;
    }
}

int zs_statedb_get(zs_statedb_t *db, const zs_smt_ref_t *root, const zs_smt_key_t *key, zs_u256_t *value,
                   zs_smt_proof_t *proof)
{
    zs_smt_ref_t at = *root;
    if (proof) memset(proof, 0, sizeof *proof);
    *value = zs_u256_from_u64(0);
    if (!(at.hash[0] | at.hash[1] | at.hash[2] | at.hash[3])) return ZS_OK; /* the empty tree */
    for (int depth = 0; depth <= ZS_SMT_MAX_DEPTH;) {
        zs_smt_page_t pgs[ZS_SMT_PATH_PAGES];
        zs_smt_loader_t l = zs_statedb_loader(db);
        int n = zs_smt_page_read_path(&l, &at, depth, key, ZS_SMT_PATH_PAGES, pgs, NULL);
        if (n < 0) return n == ZS_ERR_NOTFOUND && depth ? ZS_ERR_CORRUPT : n;
        for (int k = 0; k < n; k++, depth += ZS_SMT_PAGE_LEVELS) {
            int rc = walk_page(&pgs[k], depth, key, value, proof, &at);
            if (rc) return rc < 0 ? rc : ZS_OK;
        }
    }
    return ZS_ERR_CORRUPT;
}

static int check_walk(zs_statedb_t *db, const zs_smt_ref_t *at, int depth, uint64_t *leaves, uint64_t *nodes)
{
    if (!(at->hash[0] | at->hash[1] | at->hash[2] | at->hash[3])) return ZS_OK;
    if (depth > ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    zs_smt_page_t pg;
    int rc = load_page(db, at, &pg);
    if (rc) return rc == ZS_ERR_NOTFOUND ? ZS_ERR_CORRUPT : rc;
    for (size_t i = 0; i < pg.n && !rc; i++) {
        const zs_smt_page_node_t *n = &pg.node[i];
        if (n->kind == ZS_SMT_PAGE_REF) {
            zs_smt_ref_t below = {n->ver, {n->hash[0], n->hash[1], n->hash[2], n->hash[3]}};
            rc = check_walk(db, &below, depth + ZS_SMT_PAGE_LEVELS, leaves, nodes);
            continue;
        }
        (*nodes)++;
        if (n->kind == ZS_SMT_PAGE_LEAF) (*leaves)++;
    }
    return rc;
}

int zs_statedb_check_tree(zs_statedb_t *db, const zs_smt_ref_t *root, uint64_t *leaves, uint64_t *nodes)
{
    *leaves = *nodes = 0;
    return check_walk(db, root, 0, leaves, nodes);
}
