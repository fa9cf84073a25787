#include "host/state/zs_statedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/store/zs_schema.h"

static const char latest_key[] = "state/latest";
static const char oldest_key[] = "state/oldest";

struct zs_statedb {
    zs_store_t *store;
    uint64_t keep;
    int has_latest;
    uint64_t latest, oldest;
    uint64_t root[4];
};

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t rd_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static void h4_bytes(const uint64_t h[4], uint8_t out[32])
{
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 8; i++) out[8 * j + i] = (uint8_t)(h[j] >> (8 * i));
}

static void bytes_h4(const uint8_t *p, uint64_t h[4])
{
    for (int j = 0; j < 4; j++) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | p[8 * j + i];
        h[j] = v;
    }
}

size_t zs_statedb_encode_node(const zs_smt_stored_t *n, uint8_t out[65])
{
    out[0] = n->kind;
    if (n->kind == ZS_SMT_NODE_VALUE) {
        zs_u256_to_be32(&n->value, out + 1);
        return 33;
    }
    h4_bytes(n->a, out + 1);
    h4_bytes(n->b, out + 33);
    return 65;
}

int zs_statedb_decode_node(const uint8_t *p, size_t len, zs_smt_stored_t *n)
{
    memset(n, 0, sizeof *n);
    if (len == 33 && p[0] == ZS_SMT_NODE_VALUE) {
        n->kind = ZS_SMT_NODE_VALUE;
        n->value = zs_u256_from_be32(p + 1);
        return ZS_OK;
    }
    if (len != 65 || (p[0] != ZS_SMT_NODE_BRANCH && p[0] != ZS_SMT_NODE_LEAF)) return ZS_ERR_CORRUPT;
    n->kind = p[0];
    bytes_h4(p + 1, n->a);
    bytes_h4(p + 33, n->b);
    for (int j = 0; j < 4; j++)
        if (n->a[j] >= 0xffffffff00000001ull || n->b[j] >= 0xffffffff00000001ull) return ZS_ERR_CORRUPT;
    return ZS_OK;
}

/* Reads the node stored under h and checks that it hashes to h, so a damaged
   row can never turn into a wrong root. */
static int load_node(zs_statedb_t *db, const uint64_t h[4], zs_smt_stored_t *out)
{
    uint8_t key[32], buf[80];
    size_t len;
    h4_bytes(h, key);
    int rc = zs_store_get(db->store, ZS_CF_SMT_NODES, key, 32, buf, sizeof buf, &len);
    if (rc == ZS_ERR_FULL) return ZS_ERR_CORRUPT;
    if (rc) return rc;
    if ((rc = zs_statedb_decode_node(buf, len, out))) return rc;
    uint64_t check[4];
    zs_smt_hash_stored(out, check);
    return memcmp(check, h, 32) ? ZS_ERR_CORRUPT : ZS_OK;
}

static int loader_cb(void *ctx, const uint64_t h[4], zs_smt_stored_t *out)
{
    return load_node(ctx, h, out);
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
    if (rc || len != 40) {
        snprintf(err, errlen, "state record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        free(db);
        return NULL;
    }
    db->has_latest = 1;
    db->latest = rd_be64(buf);
    bytes_h4(buf + 8, db->root);
    rc = zs_store_get(store, ZS_CF_META, oldest_key, sizeof oldest_key - 1, buf, sizeof buf, &len);
    if (rc || len != 8) {
        snprintf(err, errlen, "state retention record unreadable: %s", rc ? zs_strerror(rc) : "bad length");
        free(db);
        return NULL;
    }
    db->oldest = rd_be64(buf);
    /* The latest root must be there, agree with its version record, and its
       node must hash to it. */
    uint64_t r[4];
    rc = zs_statedb_root_at(db, db->latest, r);
    if (rc || memcmp(r, db->root, 32)) {
        snprintf(err, errlen, "state version %llu: root record %s", (unsigned long long)db->latest,
                 rc ? zs_strerror(rc) : "disagrees with the latest record");
        free(db);
        return NULL;
    }
    int empty = !(r[0] | r[1] | r[2] | r[3]);
    zs_smt_stored_t n;
    if (!empty && (rc = load_node(db, r, &n))) {
        snprintf(err, errlen, "state version %llu: root node %s", (unsigned long long)db->latest,
                 rc == ZS_ERR_NOTFOUND ? "missing" : zs_strerror(rc));
        free(db);
        return NULL;
    }
    return db;
}

void zs_statedb_free(zs_statedb_t *db)
{
    free(db);
}

int zs_statedb_latest(const zs_statedb_t *db, uint64_t *version, uint64_t root[4])
{
    if (!db->has_latest) return 0;
    if (version) *version = db->latest;
    if (root) memcpy(root, db->root, 32);
    return 1;
}

uint64_t zs_statedb_oldest(const zs_statedb_t *db)
{
    return db->oldest;
}

int zs_statedb_root_at(zs_statedb_t *db, uint64_t version, uint64_t root[4])
{
    uint8_t key[8], buf[40];
    size_t len;
    be64(key, version);
    int rc = zs_store_get(db->store, ZS_CF_SMT_ROOTS, key, 8, buf, sizeof buf, &len);
    if (rc) return rc;
    if (len != 32) return ZS_ERR_CORRUPT;
    bytes_h4(buf, root);
    return ZS_OK;
}

/* Node rows are written in key order: RocksDB's memtable inserts sorted
   keys far faster than random ones (each insert starts where the last one
   ended instead of at the top of the skip list). */
typedef struct {
    uint8_t key[32];
    const zs_smt_stored_t *node;
} keyed_t;

static int cmp_keyed(const void *a, const void *b)
{
    return memcmp(((const keyed_t *)a)->key, ((const keyed_t *)b)->key, 32);
}

int zs_statedb_stage(zs_statedb_t *db, zs_store_batch_t *b, uint64_t version, const uint64_t root[4],
                     const zs_smt_changes_t *ch)
{
    if (db->has_latest && version != db->latest + 1) return ZS_ERR_INVAL;
    uint8_t key[32], node[65], vk[8];
    keyed_t *sorted = malloc((ch->n_created ? ch->n_created : 1) * sizeof *sorted);
    if (!sorted) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < ch->n_created; i++) {
        h4_bytes(ch->created[i].hash, sorted[i].key);
        sorted[i].node = &ch->created[i].node;
    }
    qsort(sorted, ch->n_created, sizeof *sorted, cmp_keyed);
    for (size_t i = 0; i < ch->n_created; i++) {
        size_t n = zs_statedb_encode_node(sorted[i].node, node);
        zs_store_ref(b, ZS_CF_SMT_NODES, sorted[i].key, 32, 1, node, n);
    }
    free(sorted);
    be64(vk, version);
    uint8_t r[32];
    h4_bytes(root, r);
    zs_store_put(b, ZS_CF_SMT_ROOTS, vk, 8, r, 32);
    if (ch->n_dead) {
        uint8_t *dead = malloc(ch->n_dead * 32);
        if (!dead) return ZS_ERR_NOMEM;
        for (size_t i = 0; i < ch->n_dead; i++) h4_bytes(ch->dead[i], dead + 32 * i);
        zs_store_put(b, ZS_CF_SMT_GC, vk, 8, dead, ch->n_dead * 32);
        free(dead);
    }
    uint8_t latest[40];
    be64(latest, version);
    memcpy(latest + 8, r, 32);
    zs_store_put(b, ZS_CF_META, latest_key, sizeof latest_key - 1, latest, 40);
    /* Pruning: dropping version v releases the nodes that left at v + 1. */
    uint64_t oldest = db->has_latest ? db->oldest : version;
    uint64_t want_oldest = oldest;
    if (db->keep && version + 1 > oldest + db->keep) want_oldest = version + 1 - db->keep;
    for (uint64_t v = oldest; v < want_oldest; v++) {
        uint8_t k[8];
        be64(k, v + 1);
        size_t len = 0;
        /* The next version's gc list: how big is it? */
        uint8_t probe[1];
        int rc = zs_store_get(db->store, ZS_CF_SMT_GC, k, 8, probe, 0, &len);
        if (rc == ZS_ERR_FULL || rc == 0) {
            uint8_t *dead = malloc(len ? len : 1);
            if (!dead) return ZS_ERR_NOMEM;
            rc = zs_store_get(db->store, ZS_CF_SMT_GC, k, 8, dead, len, &len);
            if (rc || len % 32) {
                free(dead);
                return rc ? rc : ZS_ERR_CORRUPT;
            }
            for (size_t i = 0; i < len; i += 32) zs_store_ref(b, ZS_CF_SMT_NODES, dead + i, 32, -1, NULL, 0);
            free(dead);
            zs_store_del(b, ZS_CF_SMT_GC, k, 8);
        } else if (rc == ZS_ERR_NOTFOUND) {
            /* Version v + 1 removed nothing (or is the one being staged,
               whose list is in this very batch). */
            if (v + 1 == version) {
                for (size_t i = 0; i < ch->n_dead; i++) {
                    h4_bytes(ch->dead[i], key);
                    zs_store_ref(b, ZS_CF_SMT_NODES, key, 32, -1, NULL, 0);
                }
                zs_store_del(b, ZS_CF_SMT_GC, k, 8);
            }
        } else {
            return rc;
        }
        be64(k, v);
        zs_store_del(b, ZS_CF_SMT_ROOTS, k, 8);
    }
    uint8_t o[8];
    be64(o, want_oldest);
    zs_store_put(b, ZS_CF_META, oldest_key, sizeof oldest_key - 1, o, 8);
    return ZS_OK;
}

void zs_statedb_applied(zs_statedb_t *db, uint64_t version, const uint64_t root[4])
{
    if (!db->has_latest) db->oldest = version;
    db->has_latest = 1;
    db->latest = version;
    memcpy(db->root, root, 32);
    if (db->keep && version + 1 > db->oldest + db->keep) db->oldest = version + 1 - db->keep;
}

int zs_statedb_get(zs_statedb_t *db, const uint64_t root[4], const zs_smt_key_t *key, zs_u256_t *value,
                   zs_smt_proof_t *proof)
{
    uint64_t h[4];
    memcpy(h, root, 32);
    if (proof) memset(proof, 0, sizeof *proof);
    *value = zs_u256_from_u64(0);
    for (int depth = 0; depth <= ZS_SMT_MAX_DEPTH; depth++) {
        if (!(h[0] | h[1] | h[2] | h[3])) {
            if (proof) proof->levels = depth;
            return ZS_OK;
        }
        zs_smt_stored_t n;
        int rc = load_node(db, h, &n);
        if (rc) return rc == ZS_ERR_NOTFOUND ? (depth ? ZS_ERR_CORRUPT : ZS_ERR_NOTFOUND) : rc;
        if (n.kind == ZS_SMT_NODE_LEAF) {
            zs_smt_stored_t v;
            rc = load_node(db, n.b, &v);
            if (rc) return rc == ZS_ERR_NOTFOUND ? ZS_ERR_CORRUPT : rc;
            if (v.kind != ZS_SMT_NODE_VALUE) return ZS_ERR_CORRUPT;
            zs_smt_key_t found;
            zs_smt_join_key(n.a, key, depth, &found);
            if (!memcmp(&found, key, sizeof found)) *value = v.value;
            if (proof) {
                proof->levels = depth;
                proof->has_leaf = 1;
                memcpy(proof->rkey, n.a, 32);
                memcpy(proof->vhash, n.b, 32);
            }
            return ZS_OK;
        }
        if (n.kind != ZS_SMT_NODE_BRANCH) return ZS_ERR_CORRUPT;
        int bit = zs_smt_key_bit(key, depth);
        if (proof && depth < ZS_SMT_MAX_DEPTH) memcpy(proof->siblings[depth], bit ? n.a : n.b, 32);
        memcpy(h, bit ? n.b : n.a, 32);
    }
    return ZS_ERR_CORRUPT;
}

static int check_walk(zs_statedb_t *db, const uint64_t h[4], int depth, uint64_t *leaves, uint64_t *nodes)
{
    if (!(h[0] | h[1] | h[2] | h[3])) return ZS_OK;
    if (depth > ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    zs_smt_stored_t n;
    int rc = load_node(db, h, &n);
    if (rc) return rc == ZS_ERR_NOTFOUND ? ZS_ERR_CORRUPT : rc;
    (*nodes)++;
    if (n.kind == ZS_SMT_NODE_LEAF) {
        zs_smt_stored_t v;
        rc = load_node(db, n.b, &v);
        if (rc) return rc == ZS_ERR_NOTFOUND ? ZS_ERR_CORRUPT : rc;
        if (v.kind != ZS_SMT_NODE_VALUE) return ZS_ERR_CORRUPT;
        (*leaves)++;
        return ZS_OK;
    }
    if (n.kind != ZS_SMT_NODE_BRANCH) return ZS_ERR_CORRUPT;
    if ((rc = check_walk(db, n.a, depth + 1, leaves, nodes))) return rc;
    return check_walk(db, n.b, depth + 1, leaves, nodes);
}

int zs_statedb_check_tree(zs_statedb_t *db, const uint64_t root[4], uint64_t *leaves, uint64_t *nodes)
{
    *leaves = *nodes = 0;
    return check_walk(db, root, 0, leaves, nodes);
}
