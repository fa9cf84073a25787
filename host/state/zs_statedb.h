/* zs_statedb: the state tree's versions in the store (host/store).

   Layout (column families of host/store/zs_schema.h):
   - smt_nodes: (row u64 big-endian, hash 4 x u64 little-endian) -> page
     (zs_smt.h: four levels of the tree under a node at a depth that is a
     multiple of four), one row per place in the tree, written once and
     removed once.  The row (version << 8 | duplicate index) keeps each
     commit's rows together at the end of the key space, which RocksDB
     writes 4x faster than rows scattered by hash;
   - smt_roots: version (u64 big-endian) -> root (version, hash);
   - smt_gc:    version -> the pages that left the tree at that version
     (taken off when the version before it is pruned);
   - meta:      "state/latest" (version, root), "state/oldest" (version).

   A commit adds its created nodes, its root, its gc list, the new latest
   record and the pruning of versions older than the retention window to a
   store batch the caller writes (with whatever else must be atomic with it,
   such as the sequencer's block records); zs_statedb_applied is called once
   the write succeeded.  A crash before the write leaves the old version,
   after it the new one: never a mix.

   Thread safety: zs_statedb_stage and _applied from one writer thread;
   reads (_root_at, _get, the loader) from any thread.  Errors: as
   host/store, plus ZS_ERR_CORRUPT for nodes that do not hash to their key
   or decode, ZS_ERR_NOTFOUND for pruned or unknown versions. */
#ifndef ZS_STATEDB_H
#define ZS_STATEDB_H

#include <stdint.h>

#include "host/state/zs_smt.h"
#include "host/store/zs_schema.h"
#include "host/store/zs_store.h"

typedef struct zs_statedb zs_statedb_t;

/* zs_statedb_new reads the state records of store.  keep is how many
   versions stay readable (0: all).  With a non-empty state the latest root
   node is read and checked against its hash; NULL with a sentence in err if
   that fails. */
zs_statedb_t *zs_statedb_new(zs_store_t *store, uint64_t keep, char *err, size_t errlen);
void zs_statedb_free(zs_statedb_t *db);

/* zs_statedb_new_empty: a state that ignores whatever state records store
   holds, keeping every version it stages (for rewriting the state whole:
   zs_statedb_upgrade). */
zs_statedb_t *zs_statedb_new_empty(zs_store_t *store);

/* zs_statedb_upgrade rewrites a zkseq-db-2 state (one row per tree node)
   as pages, every kept version, in batch (zs_schema_upgrade_t's run, with
   from = ZS_SCHEMA_FORMAT_PREV): each rebuilt root checked against the
   stored one.  zs_statedb_upgrade.c has the old layout. */
ZS_MUST_USE int zs_statedb_upgrade(zs_schema_upgrade_t *up, zs_store_t *store, zs_store_batch_t *batch, char *err,
                                   size_t errlen);

/* zs_statedb_records reads the state records (the latest version and its
   root, the oldest kept): 1, 0 when no version was ever committed, or an
   error with a sentence in err.  zs_statedb_new reads them; so does the
   upgrade from zkseq-db-2, whose records have this shape. */
ZS_MUST_USE int zs_statedb_records(zs_store_t *store, uint64_t *latest, zs_smt_ref_t *root, uint64_t *oldest,
                                   char *err, size_t errlen);

/* zs_statedb_latest: 1 and the newest version and root, or 0 when no version
   was ever committed. */
int zs_statedb_latest(const zs_statedb_t *db, uint64_t *version, zs_smt_ref_t *root);
uint64_t zs_statedb_oldest(const zs_statedb_t *db);

/* zs_statedb_root_at: the root of a retained version. */
ZS_MUST_USE int zs_statedb_root_at(zs_statedb_t *db, uint64_t version, zs_smt_ref_t *root);

/* zs_statedb_stage adds version's commit to batch.  version must be the
   latest plus one (or any number for the first commit). */
ZS_MUST_USE int zs_statedb_stage(zs_statedb_t *db, zs_store_batch_t *batch, uint64_t version,
                                 const zs_smt_ref_t *root, const zs_smt_changes_t *changes);
/* zs_statedb_applied records that the staged batch was written. */
void zs_statedb_applied(zs_statedb_t *db, uint64_t version, const zs_smt_ref_t *root);

/* A loader for zs_smt that reads (and checks) pages from the store. */
zs_smt_loader_t zs_statedb_loader(zs_statedb_t *db);

/* zs_statedb_get reads key under any retained root straight from the store
   (no tree in memory), with a proof when proof is not NULL. */
ZS_MUST_USE int zs_statedb_get(zs_statedb_t *db, const zs_smt_ref_t *root, const zs_smt_key_t *key,
                               zs_u256_t *value, zs_smt_proof_t *proof);

/* zs_statedb_check_tree walks every page under root, checking each hashes
   to its key; counts leaves and nodes (branches and leaves).  For tools and
   tests. */
ZS_MUST_USE int zs_statedb_check_tree(zs_statedb_t *db, const zs_smt_ref_t *root, uint64_t *leaves,
                                      uint64_t *nodes);

/* The state records' keys in the meta family. */
#define ZS_STATEDB_LATEST_KEY "state/latest"
#define ZS_STATEDB_OLDEST_KEY "state/oldest"

/* A page's row key (also for tests); the row is zs_smt.h's. */
#define ZS_STATEDB_KEY 40
void zs_statedb_node_key(const zs_smt_ref_t *ref, uint8_t key[ZS_STATEDB_KEY]);

#endif
