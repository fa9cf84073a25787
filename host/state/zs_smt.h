/* zs_smt: Polygon zkEVM's sparse Merkle tree, held in memory for the latest
   version and loaded lazily from a node store.

   The tree (as Polygon's smt.js): keys are four field elements; the path bit
   at depth d is bit d/4 of key[d%4]; a subtree holding one key is a leaf,
   one holding two or more is a branch (single-child chains included), an
   empty one is the zero hash.  Hashes (Poseidon, zs_poseidon):
     value  = H(value as eight 32-bit limbs, cap 0)
     leaf   = H(remaining key, value hash, cap [1,0,0,0])
     branch = H(left, right, cap 0)
   where the remaining key drops the path bits already used.  The root is a
   function of the set of (key, value != 0) pairs alone.

   Use: zs_smt_set stages changes (structure only, nothing hashed); commit
   hashes every changed node level by level in batches of independent
   Poseidon permutations (the unit of work the card takes) and reports the
   nodes it created and the ones that left the tree, for the store.

   Nodes not in memory are fetched through the loader (host/state/zs_statedb
   reads RocksDB); a tree with no loader starts empty or from nodes it made.
   A stored node is found by (version, hash): the version of the commit that
   wrote it, so that each commit's rows are contiguous in the store and
   RocksDB appends instead of inserting at random places.  A branch records
   its children's versions next to their hashes; hashes do not cover them.

   Thread safety: one thread at a time per tree.  Errors: ZS_ERR_NOTFOUND or
   ZS_ERR_CORRUPT when the store lacks a node or holds a bad one (the tree is
   then unusable: zs_smt_delete it), ZS_ERR_NOMEM, ZS_ERR_STATE. */
#ifndef ZS_SMT_H
#define ZS_SMT_H

#include <stddef.h>
#include <stdint.h>

#include "host/state/zs_smt_key.h"
#include "lib/base/zs_err.h"
#include "lib/u256/zs_u256.h"

#define ZS_SMT_MAX_DEPTH 256

typedef enum {
    ZS_SMT_NODE_BRANCH = 0, /* a = left child hash, b = right child hash */
    ZS_SMT_NODE_LEAF = 1,   /* a = remaining key, b = value hash, value */
} zs_smt_node_kind_t;

/* Where a stored node is: its row (the version that wrote it, shifted left
   by 8, plus an index that tells apart equal nodes written by one commit)
   and its hash. */
typedef struct {
    uint64_t ver;
    uint64_t hash[4];
} zs_smt_ref_t;

/* A node as the store keeps it.  The leaf's value is kept with it (its
   value hash is what the tree hashes; Polygon's separate value node is
   derived from it when exporting). */
typedef struct {
    uint8_t kind;
    uint64_t a[4], b[4];
    uint64_t va, vb; /* branch: the versions of the left and right children */
    zs_u256_t value; /* leaf */
} zs_smt_stored_t;

typedef struct {
    void *ctx;
    /* Fetch the node at ref: 0, ZS_ERR_NOTFOUND, or another error. */
    int (*load)(void *ctx, const zs_smt_ref_t *ref, zs_smt_stored_t *out);
} zs_smt_loader_t;

typedef struct {
    void *ctx;
    /* out[i] = first four elements of the permutation of in[i]; 0 or error. */
    int (*hash_batch)(void *ctx, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n);
} zs_smt_hasher_t;

/* What a commit changed, for the store.  created: nodes that entered the
   tree, all at the commit's version; dead: nodes that left it (one entry
   per occurrence).  Owned by the tree, valid until the next call that
   modifies it. */
typedef struct {
    zs_smt_ref_t ref;
    zs_smt_stored_t node;
} zs_smt_created_t;

typedef struct {
    const zs_smt_created_t *created;
    size_t n_created;
    const zs_smt_ref_t *dead;
    size_t n_dead;
    size_t permutations; /* Poseidon permutations the commit ran */
} zs_smt_changes_t;

typedef struct zs_smt zs_smt_t;

/* zs_smt_new opens the tree whose root node is root (NULL, or a zero hash,
   for the empty tree).  loader may be NULL (then root must be empty);
   hasher NULL means lib's batch Poseidon on this CPU.  Returns NULL when out
   of memory or given a root without a loader. */
zs_smt_t *zs_smt_new(const zs_smt_ref_t *root, const zs_smt_loader_t *loader, const zs_smt_hasher_t *hasher);
void zs_smt_delete(zs_smt_t *t);

/* zs_smt_set stages key := value; a zero value deletes the key. */
ZS_MUST_USE int zs_smt_set(zs_smt_t *t, const zs_smt_key_t *key, const zs_u256_t *value);

/* zs_smt_get reads a key, staged changes included (zero when absent). */
ZS_MUST_USE int zs_smt_get(zs_smt_t *t, const zs_smt_key_t *key, zs_u256_t *value);

/* zs_smt_commit hashes the staged changes as version `version` (below
   2^56; nodes it creates are stored under it) and writes the new root;
   changes (may be NULL) describes them.  With nothing staged the root is
   unchanged and changes is empty. */
ZS_MUST_USE int zs_smt_commit(zs_smt_t *t, uint64_t version, zs_smt_ref_t *root, zs_smt_changes_t *changes);

/* zs_smt_root gives the last committed root. */
void zs_smt_root(const zs_smt_t *t, zs_smt_ref_t *root);

/* zs_smt_dirty says whether changes are staged. */
int zs_smt_dirty(const zs_smt_t *t);

/* The deepest leaf level this tree has made or loaded (a leaf whose
   path uses d bits is at level d); leaves never visited are not counted,
   and the figure never shrinks.  The virtual counters' MCP comes from it. */
int zs_smt_max_level(const zs_smt_t *t);

/* Memory held by the tree's nodes, in bytes. */
size_t zs_smt_memory(const zs_smt_t *t);

/* A Merkle proof for one key: the sibling hash at each level of the path,
   and what the path ends at: nothing (the key is absent), the key's own
   leaf, or another key's leaf (which proves the key absent). */
typedef struct {
    int levels;
    uint64_t siblings[ZS_SMT_MAX_DEPTH][4];
    int has_leaf;         /* the path ends at a leaf */
    uint64_t rkey[4];     /* that leaf's remaining key */
    uint64_t vhash[4];    /* and value hash */
} zs_smt_proof_t;

/* zs_smt_prove builds the proof for key in the committed tree
   (ZS_ERR_STATE if changes are staged) and gives the value (zero if absent). */
ZS_MUST_USE int zs_smt_prove(zs_smt_t *t, const zs_smt_key_t *key, zs_u256_t *value, zs_smt_proof_t *proof);

/* zs_smt_verify checks that proof shows key := value (zero: absent) under
   root.  Returns 0, ZS_ERR_CRYPTO (the proof does not lead to root) or
   ZS_ERR_INVAL (malformed proof). */
ZS_MUST_USE int zs_smt_verify(const uint64_t root[4], const zs_smt_key_t *key, const zs_u256_t *value,
                              const zs_smt_proof_t *proof);

/* Helpers shared with the store and tests. */
int zs_smt_key_bit(const zs_smt_key_t *key, int depth);
void zs_smt_remaining_key(const zs_smt_key_t *key, int depth, uint64_t out[4]);
void zs_smt_join_key(const uint64_t rkey[4], const zs_smt_key_t *path_key, int depth, zs_smt_key_t *out);
/* Hash one stored node (what its store key must be). */
void zs_smt_hash_stored(const zs_smt_stored_t *n, uint64_t out[4]);
/* The 12-element Poseidon input of a stored node. */
void zs_smt_stored_input(const zs_smt_stored_t *n, uint64_t in[12]);

#endif
