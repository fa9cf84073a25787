/* zs_statedb_upgrade: a zkseq-db-2 state tree rewritten as pages.

   zkseq-db-2 stored one row per tree node in smt_nodes, under (version u64
   big-endian, hash 4 x u64 little-endian) like a page's row today:
     branch: 0, left hash, left version, right hash, right version (81 bytes)
     leaf:   1, remaining key, value hash, value (32 bytes big-endian) (97)
   Its roots, gc lists and state records had today's shapes, with a node's
   version where a page's row is now.

   The upgrade rebuilds every kept version in order, oldest first, in one
   tree in memory: the oldest version's leaves all, then for each next
   version only the leaves under the subtrees whose hashes differ from the
   version before.  Each commit is staged as zkseqd's committer stages one
   (its pages, its root, the pages that left the tree at it), so the kept
   versions, their reads and their pruning are as if this zkseq had written
   them.  Each rebuilt root must equal the stored one (Poseidon over every
   leaf: a damaged or missing node row fails the upgrade, changing
   nothing).  The old rows go with range deletions in the same batch. */
#include "host/state/zs_statedb.h"

#include <stdio.h>
#include <string.h>

#include "host/store/zs_schema.h"
#include "lib/base/zs_bytes.h"

#define OLD_BRANCH 81
#define OLD_LEAF 97

typedef struct {
    zs_store_t *store;
    zs_smt_t *tree;
    uint64_t version; /* the version being rebuilt, for messages */
    uint64_t leaves;  /* leaves set */
} up_t;

typedef struct {
    int leaf;
    uint64_t a[4]; /* left hash, or remaining key */
    uint64_t b[4]; /* right hash, or value hash */
    uint64_t va, vb;
    zs_u256_t value;
} old_node_t;

static int is_empty(const zs_smt_ref_t *r)
{
    return !(r->hash[0] | r->hash[1] | r->hash[2] | r->hash[3]);
}

static int read_old(up_t *u, const zs_smt_ref_t *ref, old_node_t *n)
{
    uint8_t key[ZS_STATEDB_KEY], row[OLD_LEAF + 1];
    size_t len;
    zs_statedb_node_key(ref, key); /* a node's key had a page row's shape */
    int rc = zs_store_get(u->store, ZS_CF_SMT_NODES, key, sizeof key, row, sizeof row, &len);
    if (rc) return rc == ZS_ERR_NOTFOUND || rc == ZS_ERR_FULL ? ZS_ERR_CORRUPT : rc;
    memset(n, 0, sizeof *n);
    if (len == OLD_LEAF && row[0] == 1) {
        n->leaf = 1;
        memcpy(n->a, row + 1, 32);
        memcpy(n->b, row + 33, 32);
        n->value = zs_u256_from_be32(row + 65);
        return ZS_OK;
    }
    if (len != OLD_BRANCH || row[0] != 0) return ZS_ERR_CORRUPT;
    memcpy(n->a, row + 1, 32);
    n->va = zs_get_be64(row + 33);
    memcpy(n->b, row + 41, 32);
    n->vb = zs_get_be64(row + 73);
    return ZS_OK;
}

static void child(const old_node_t *n, int side, zs_smt_ref_t *out)
{
    out->ver = side ? n->vb : n->va;
    memcpy(out->hash, side ? n->b : n->a, 32);
}

/* Sets every leaf under ref (at depth, on path) to its value, or to zero
   when clear. */
static int set_all(up_t *u, const zs_smt_ref_t *ref, int depth, zs_smt_key_t path, int clear)
{
    if (is_empty(ref)) return ZS_OK;
    if (depth >= ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    old_node_t n;
    int rc = read_old(u, ref, &n);
    if (rc) return rc;
    if (n.leaf) {
        zs_smt_key_t key;
        zs_smt_join_key(n.a, &path, depth, &key);
        zs_u256_t zero = {0};
        u->leaves += !clear;
        return zs_smt_set(u->tree, &key, clear ? &zero : &n.value);
    }
    for (int side = 0; side < 2 && !rc; side++) {
        zs_smt_ref_t c;
        child(&n, side, &c);
        zs_smt_set_key_bit(&path, depth, side);
        rc = set_all(u, &c, depth + 1, path, clear);
    }
    return rc;
}

static int same(const zs_smt_ref_t *a, const zs_smt_ref_t *b)
{
    return memcmp(a->hash, b->hash, 32) == 0;
}

/* Stages what changed from the subtree was to the subtree now (both at
   depth, on path): where both are branches, only their differing children;
   elsewhere the old leaves cleared and the new ones set. */
static int diff(up_t *u, const zs_smt_ref_t *was, const zs_smt_ref_t *now, int depth, zs_smt_key_t path)
{
    if (same(was, now)) return ZS_OK;
    if (depth >= ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    old_node_t a, b;
    int rc = ZS_OK;
    if (!is_empty(was) && !is_empty(now) && !(rc = read_old(u, was, &a)) && !(rc = read_old(u, now, &b)) &&
        !a.leaf && !b.leaf) {
        for (int side = 0; side < 2 && !rc; side++) {
            zs_smt_ref_t ca, cb;
            child(&a, side, &ca);
            child(&b, side, &cb);
            zs_smt_key_t p = path;
            zs_smt_set_key_bit(&p, depth, side);
            rc = diff(u, &ca, &cb, depth + 1, p);
        }
        return rc;
    }
    if (rc) return rc;
    if ((rc = set_all(u, was, depth, path, 1))) return rc;
    return set_all(u, now, depth, path, 0);
}

/* Rebuilds versions oldest..latest into batch through db. */
static int rebuild(up_t *u, zs_statedb_t *db, zs_store_batch_t *batch, uint64_t oldest, uint64_t latest)
{
    zs_smt_ref_t was = {0}, now, made;
    zs_smt_key_t path = {{0}};
    int rc = ZS_OK;
    for (uint64_t v = oldest; v <= latest && !rc; v++) {
        u->version = v;
        zs_smt_changes_t ch;
        /* A root record has today's shape; a missing one is damage here. */
        if ((rc = zs_statedb_root_at(db, v, &now)) == ZS_ERR_NOTFOUND) rc = ZS_ERR_CORRUPT;
        if (rc || (rc = diff(u, &was, &now, 0, path)) ||
            (rc = zs_smt_commit(u->tree, v, &made, &ch)))
            break;
        if (!same(&made, &now)) return ZS_ERR_CORRUPT;
        if ((rc = zs_statedb_stage(db, batch, v, &made, &ch))) break;
        zs_statedb_applied(db, v, &made);
        was = now;
    }
    return rc;
}

int zs_statedb_upgrade(zs_schema_upgrade_t *up, zs_store_t *store, zs_store_batch_t *batch, char *err,
                       size_t errlen)
{
    uint64_t latest = 0, oldest = 0;
    zs_smt_ref_t root;
    int rc = zs_statedb_records(store, &latest, &root, &oldest, err, errlen);
    if (rc == 0) {
        snprintf(up->note, sizeof up->note, "no state versions to rewrite");
        return ZS_OK;
    }
    if (rc < 0) return rc;
    if (oldest > latest) {
        snprintf(err, errlen, "the state records are inconsistent (oldest %llu above latest %llu)",
                 (unsigned long long)oldest, (unsigned long long)latest);
        return ZS_ERR_CORRUPT;
    }
    rc = ZS_OK;
    up_t u = {.store = store, .tree = zs_smt_new(NULL, NULL, NULL)};
    zs_statedb_t *db = zs_statedb_new_empty(store);
    if (!u.tree || !db) rc = ZS_ERR_NOMEM;
    /* The old rows leave first: the rows put after this in the batch stay. */
    zs_store_del_family(batch, ZS_CF_SMT_NODES);
    zs_store_del_family(batch, ZS_CF_SMT_ROOTS);
    zs_store_del_family(batch, ZS_CF_SMT_GC);
    if (!rc) rc = rebuild(&u, db, batch, oldest, latest);
    static const char damaged[] = "a tree row is missing or damaged (a node or root row unreadable, or the "
                                  "rebuilt root not the stored one)";
    if (rc)
        snprintf(err, errlen, "state version %llu: %s", (unsigned long long)u.version,
                 rc == ZS_ERR_CORRUPT ? damaged : zs_strerror(rc));
    else
        snprintf(up->note, sizeof up->note, "state versions %llu..%llu rewritten as pages (%llu leaves set)",
                 (unsigned long long)oldest, (unsigned long long)latest, (unsigned long long)u.leaves);
    zs_statedb_free(db);
    zs_smt_delete(u.tree);
    return rc;
}
