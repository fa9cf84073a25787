#include "host/state/zs_statedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"
#include "lib/poseidon/zs_poseidon.h"

static const char latest_key[] = "state/latest";
static const char oldest_key[] = "state/oldest";

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
    if (need <= *cap) return *buf;
    size_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    void *n = realloc(*buf, c);
    if (!n) return NULL;
    *buf = n;
    *cap = c;
    return n;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zs_statedb stores limbs little-endian with memcpy"
#endif

static void be64(uint8_t out[8], uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(out, &v, 8);
}

static uint64_t rd_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

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
    be64(out, r->ver);
    h4_bytes(r->hash, out + 8);
}

static void bytes_ref(const uint8_t *p, zs_smt_ref_t *r)
{
    r->ver = rd_be64(p);
    bytes_h4(p + 8, r->hash);
}

void zs_statedb_node_key(const zs_smt_ref_t *ref, uint8_t key[ZS_STATEDB_KEY])
{
    ref_bytes(ref, key);
}

static int canonical4(const uint64_t h[4])
{
    for (int j = 0; j < 4; j++)
        if (h[j] >= 0xffffffff00000001ull) return 0;
    return 1;
}

/* Rows: branch = kind, left hash, left version, right hash, right version
   (81 bytes); leaf = kind, remaining key, value hash, value (97 bytes). */
size_t zs_statedb_encode_node(const zs_smt_stored_t *n, uint8_t out[ZS_STATEDB_ROW_MAX])
{
    out[0] = n->kind;
    h4_bytes(n->a, out + 1);
    if (n->kind == ZS_SMT_NODE_LEAF) {
        h4_bytes(n->b, out + 33);
        zs_u256_to_be32(&n->value, out + 65);
        return 97;
    }
    be64(out + 33, n->va);
    h4_bytes(n->b, out + 41);
    be64(out + 73, n->vb);
    return 81;
}

int zs_statedb_decode_node(const uint8_t *p, size_t len, zs_smt_stored_t *n)
{
    memset(n, 0, sizeof *n);
    if (len == 97 && p[0] == ZS_SMT_NODE_LEAF) {
        n->kind = ZS_SMT_NODE_LEAF;
        bytes_h4(p + 1, n->a);
        bytes_h4(p + 33, n->b);
        n->value = zs_u256_from_be32(p + 65);
    } else if (len == 81 && p[0] == ZS_SMT_NODE_BRANCH) {
        n->kind = ZS_SMT_NODE_BRANCH;
        bytes_h4(p + 1, n->a);
        n->va = rd_be64(p + 33);
        bytes_h4(p + 41, n->b);
        n->vb = rd_be64(p + 73);
    } else {
        return ZS_ERR_CORRUPT;
    }
    return canonical4(n->a) && canonical4(n->b) ? ZS_OK : ZS_ERR_CORRUPT;
}

/* Reads the node at ref and checks it: its content must hash to its key
   and a leaf's value to its value hash, so a damaged row can never turn
   into a wrong root or balance. */
static int load_node(zs_statedb_t *db, const zs_smt_ref_t *ref, zs_smt_stored_t *out)
{
    uint8_t key[ZS_STATEDB_KEY], buf[ZS_STATEDB_ROW_MAX + 1];
    size_t len;
    ref_bytes(ref, key);
    int rc = zs_store_get(db->store, ZS_CF_SMT_NODES, key, sizeof key, buf, sizeof buf, &len);
    if (rc == ZS_ERR_FULL) return ZS_ERR_CORRUPT;
    if (rc) return rc;
    if ((rc = zs_statedb_decode_node(buf, len, out))) return rc;
    uint64_t check[4];
    zs_smt_hash_stored(out, check);
    if (memcmp(check, ref->hash, 32)) return ZS_ERR_CORRUPT;
    if (out->kind == ZS_SMT_NODE_LEAF) {
        uint64_t s[12] = {0};
        zs_smt_value_limbs(&out->value, s);
        zs_poseidon_permute(s);
        if (memcmp(s, out->b, 32)) return ZS_ERR_CORRUPT;
    }
    return ZS_OK;
}

static int loader_cb(void *ctx, const zs_smt_ref_t *ref, zs_smt_stored_t *out)
{
    return load_node(ctx, ref, out);
}

zs_smt_loader_t zs_statedb_loader(zs_statedb_t *db)
{
    zs_smt_loader_t l = {db, loader_cb};
    return l;
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
    uint8_t buf[64];
    size_t len;
    int rc = zs_store_get(store, ZS_CF_META, latest_key, sizeof latest_key - 1, buf, sizeof buf, &len);
    if (rc == ZS_ERR_NOTFOUND) return db;
    if (rc || len != 8 + REF_BYTES) {
        snprintf(err, errlen, "state record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        free(db);
        return NULL;
    }
    db->has_latest = 1;
    db->latest = rd_be64(buf);
    bytes_ref(buf + 8, &db->root);
    rc = zs_store_get(store, ZS_CF_META, oldest_key, sizeof oldest_key - 1, buf, sizeof buf, &len);
    if (rc || len != 8) {
        snprintf(err, errlen, "state retention record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        free(db);
        return NULL;
    }
    db->oldest = rd_be64(buf);
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
    zs_smt_stored_t n;
    if (!empty && (rc = load_node(db, &r, &n))) {
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
    be64(key, version);
    int rc = zs_store_get(db->store, ZS_CF_SMT_ROOTS, key, 8, buf, sizeof buf, &len);
    if (rc) return rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc;
    if (len != REF_BYTES) return ZS_ERR_CORRUPT;
    bytes_ref(buf, root);
    return ZS_OK;
}

/* Node rows are written in key order: RocksDB's memtable inserts sorted
   keys much faster than random ones. */
typedef struct {
    uint8_t key[ZS_STATEDB_KEY];
    const zs_smt_stored_t *node;
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
    uint8_t node[ZS_STATEDB_ROW_MAX], vk[8];
    keyed_t *sorted = scratch(&db->sorted, &db->sorted_cap, (ch->n_created + 1) * sizeof *sorted);
    uint8_t *dead = scratch(&db->dead, &db->dead_cap, (ch->n_dead + 1) * REF_BYTES);
    if (!sorted || !dead) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < ch->n_created; i++) {
        ref_bytes(&ch->created[i].ref, sorted[i].key);
        sorted[i].node = &ch->created[i].node;
    }
    qsort(sorted, ch->n_created, sizeof *sorted, cmp_keyed);
    for (size_t i = 0; i < ch->n_created; i++) {
        size_t n = zs_statedb_encode_node(sorted[i].node, node);
        zs_store_put(b, ZS_CF_SMT_NODES, sorted[i].key, ZS_STATEDB_KEY, node, n);
    }
    /* The gc list is kept sorted: when it is applied, its deletes land in
       key order, which RocksDB's memtable takes far faster than scattered
       ones (the dead rows come from every older version). */
    for (size_t i = 0; i < ch->n_dead; i++) ref_bytes(&ch->dead[i], dead + REF_BYTES * i);
    qsort(dead, ch->n_dead, REF_BYTES, cmp_ref);
    be64(vk, version);
    uint8_t r[REF_BYTES];
    ref_bytes(root, r);
    zs_store_put(b, ZS_CF_SMT_ROOTS, vk, 8, r, REF_BYTES);
    if (ch->n_dead) zs_store_put(b, ZS_CF_SMT_GC, vk, 8, dead, ch->n_dead * REF_BYTES);
    uint8_t latest[8 + REF_BYTES];
    be64(latest, version);
    memcpy(latest + 8, r, REF_BYTES);
    zs_store_put(b, ZS_CF_META, latest_key, sizeof latest_key - 1, latest, sizeof latest);
    /* Pruning: dropping version v releases the nodes that left at v + 1. */
    uint64_t oldest = db->has_latest ? db->oldest : version;
    uint64_t want_oldest = oldest;
    if (db->keep && version + 1 > oldest + db->keep) want_oldest = version + 1 - db->keep;
    int rc = ZS_OK;
    for (uint64_t v = oldest; v < want_oldest && !rc; v++) {
        uint8_t k[8];
        be64(k, v + 1);
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
        be64(k, v);
        zs_store_del(b, ZS_CF_SMT_ROOTS, k, 8);
    }
    if (rc) return rc;
    uint8_t o[8];
    be64(o, want_oldest);
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

int zs_statedb_get(zs_statedb_t *db, const zs_smt_ref_t *root, const zs_smt_key_t *key, zs_u256_t *value,
                   zs_smt_proof_t *proof)
{
    zs_smt_ref_t at = *root;
    if (proof) memset(proof, 0, sizeof *proof);
    *value = zs_u256_from_u64(0);
    for (int depth = 0; depth <= ZS_SMT_MAX_DEPTH; depth++) {
        if (!(at.hash[0] | at.hash[1] | at.hash[2] | at.hash[3])) {
            if (proof) proof->levels = depth;
            return ZS_OK;
        }
        zs_smt_stored_t n;
        int rc = load_node(db, &at, &n);
        if (rc) return rc == ZS_ERR_NOTFOUND ? (depth ? ZS_ERR_CORRUPT : ZS_ERR_NOTFOUND) : rc;
        if (n.kind == ZS_SMT_NODE_LEAF) {
            zs_smt_key_t found;
            zs_smt_join_key(n.a, key, depth, &found);
            if (!memcmp(&found, key, sizeof found)) *value = n.value;
            if (proof) {
                proof->levels = depth;
                proof->has_leaf = 1;
                memcpy(proof->rkey, n.a, 32);
                memcpy(proof->vhash, n.b, 32);
            }
            return ZS_OK;
        }
        int bit = zs_smt_key_bit(key, depth);
        if (proof && depth < ZS_SMT_MAX_DEPTH) memcpy(proof->siblings[depth], bit ? n.a : n.b, 32);
        at.ver = bit ? n.vb : n.va;
        memcpy(at.hash, bit ? n.b : n.a, 32);
    }
    return ZS_ERR_CORRUPT;
}

static int check_walk(zs_statedb_t *db, const zs_smt_ref_t *at, int depth, uint64_t *leaves, uint64_t *nodes)
{
    if (!(at->hash[0] | at->hash[1] | at->hash[2] | at->hash[3])) return ZS_OK;
    if (depth > ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    zs_smt_stored_t n;
    int rc = load_node(db, at, &n);
    if (rc) return rc == ZS_ERR_NOTFOUND ? ZS_ERR_CORRUPT : rc;
    (*nodes)++;
    if (n.kind == ZS_SMT_NODE_LEAF) {
        (*leaves)++;
        return ZS_OK;
    }
    zs_smt_ref_t l = {n.va, {n.a[0], n.a[1], n.a[2], n.a[3]}}, r = {n.vb, {n.b[0], n.b[1], n.b[2], n.b[3]}};
    if ((rc = check_walk(db, &l, depth + 1, leaves, nodes))) return rc;
    return check_walk(db, &r, depth + 1, leaves, nodes);
}

int zs_statedb_check_tree(zs_statedb_t *db, const zs_smt_ref_t *root, uint64_t *leaves, uint64_t *nodes)
{
    *leaves = *nodes = 0;
    return check_walk(db, root, 0, leaves, nodes);
}
