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
   pages it created and the ones that left the tree, for the store.

   Pages not in memory are fetched through the loader (host/state/zs_statedb
   reads RocksDB); a tree with no loader starts empty or from nodes it made.
   A stored page is found by (version, hash): the version of the commit that
   wrote it, so that each commit's rows are contiguous in the store and
   RocksDB appends instead of inserting at random places.  A page records
   the versions of the pages below it next to their hashes; hashes do not
   cover them.

   Thread safety: one thread at a time per tree.  Errors: ZS_ERR_NOTFOUND or
   ZS_ERR_CORRUPT when the store lacks a page or holds a bad one (the tree is
   then unusable: zs_smt_delete it), ZS_ERR_NOMEM, ZS_ERR_STATE. */
#ifndef ZS_SMT_H
#define ZS_SMT_H

#include <stddef.h>
#include <stdint.h>

#include "host/state/zs_smt_key.h"
#include "lib/base/zs_err.h"
#include "lib/u256/zs_u256.h"

#define ZS_SMT_MAX_DEPTH 256

/* The store keeps the tree in pages: a page is the subtree of a node at a
   depth that is a multiple of ZS_SMT_PAGE_LEVELS (its root), down to that
   many levels below it, and is one row.  The row lists the page's nodes in
   preorder, one tag byte each (after it: a leaf's remaining key and value;
   a reference's row and hash):
     0 empty   1 leaf (32 + 32 bytes)   2 branch (its two children follow)
     3 reference to the page below (8 + 32 bytes), only on the lower edge
   The hashes of the nodes inside are not stored: reading a row hashes them
   again, which is also the check that the row is the one its hash names.
   A page root that is a leaf is a page of one node.  Four levels per row
   cut the rows a commit writes and removes about four times. */
#define ZS_SMT_PAGE_LEVELS 4
#define ZS_SMT_PAGE_NODES 31   /* 15 above the lower edge, 16 on it */
#define ZS_SMT_PAGE_ROW_MAX 671 /* 15 branches and 16 references */

enum { ZS_SMT_PAGE_EMPTY = 0, ZS_SMT_PAGE_LEAF = 1, ZS_SMT_PAGE_BRANCH = 2, ZS_SMT_PAGE_REF = 3 };

/* A page read from its row.  node[0] is the page's root; a branch's child
   is an index into node (0: empty, since the root is nobody's child); path
   holds the directions taken from the root, the first in the lowest bit. */
typedef struct {
    uint8_t kind;    /* ZS_SMT_PAGE_LEAF, _BRANCH or _REF */
    uint8_t depth;   /* levels below the page's root */
    uint8_t path;
    uint8_t child[2];
    uint64_t hash[4];
    uint64_t ver;    /* reference: the row of the page below */
    uint64_t rkey[4]; /* leaf: remaining key */
    uint64_t vhash[4];
    zs_u256_t value;
} zs_smt_page_node_t;

typedef struct {
    size_t n;
    zs_smt_page_node_t node[ZS_SMT_PAGE_NODES];
    size_t permutations; /* spent hashing it */
    int hashed;          /* every node's hash is set: a page already checked
                            against its reference (a prefetched one) */
} zs_smt_page_t;

/* zs_smt_page_parse reads a row and checks its shape (tags, edge,
   canonical field elements, nothing left over): 0, or ZS_ERR_CORRUPT.
   Nothing is hashed: the references' hashes are as stored, the others
   zero. */
ZS_MUST_USE int zs_smt_page_parse(const uint8_t *row, size_t len, zs_smt_page_t *pg);

/* zs_smt_page_hash_many hashes every node of the parsed pages, a level of
   all of them per batch of permutations (pages marked hashed are left as
   they are).  node[0].hash is then what each row must be stored under. */
void zs_smt_page_hash_many(zs_smt_page_t *const *pgs, size_t npages);

/* zs_smt_page_decode: parse and hash one row. */
ZS_MUST_USE int zs_smt_page_decode(const uint8_t *row, size_t len, zs_smt_page_t *pg);

/* Where a stored page is: its row (the version that wrote it, shifted left
   by 8, plus an index that tells apart equal pages written by one commit)
   and its root's hash. */
typedef struct {
    uint64_t ver;
    uint64_t hash[4];
} zs_smt_ref_t;

typedef struct {
    void *ctx;
    /* Fetch and parse (zs_smt_page_parse) the page at ref: 0,
       ZS_ERR_NOTFOUND, ZS_ERR_CORRUPT or another error.  The tree hashes
       it (with the other pages read for the same path, in one batch per
       level) and refuses it unless its root hashes to ref's hash.  A
       loader that hands over a page it has hashed and checked against ref
       itself marks it hashed (host/state/zs_prefetch). */
    int (*load)(void *ctx, const zs_smt_ref_t *ref, zs_smt_page_t *out);
    /* May be NULL: load for n pages in one go, each result in rcs[i]. */
    void (*load_many)(void *ctx, const zs_smt_ref_t *refs, size_t n, zs_smt_page_t *const *outs, int *rcs);
} zs_smt_loader_t;

#define ZS_SMT_PATH_PAGES 8 /* pages of one path read, then hashed, together */

/* zs_smt_page_exit: the index of the reference by which key's path leaves
   the parsed page pg (whose root is at depth), or 0 when it ends inside. */
size_t zs_smt_page_exit(const zs_smt_page_t *pg, int depth, const zs_smt_key_t *key);

/* zs_smt_page_read_path reads through l the page at `at` (its root at
   depth) and the pages below it on key's path, up to max (at most
   ZS_SMT_PATH_PAGES), hashes them together (a level of all of them per
   batch) and checks each against the hash its parent names: how many pages
   it filled pgs with, or an error (ZS_ERR_NOTFOUND only for the first;
   a missing page below it is ZS_ERR_CORRUPT).  refs, unless NULL, gets
   each page's reference. */
int zs_smt_page_read_path(const zs_smt_loader_t *l, const zs_smt_ref_t *at, int depth, const zs_smt_key_t *key,
                          size_t max, zs_smt_page_t *pgs, zs_smt_ref_t *refs);

typedef struct {
    void *ctx;
    /* out[i] = first four elements of the permutation of in[i]; 0 or error. */
    int (*hash_batch)(void *ctx, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n);
} zs_smt_hasher_t;

/* What a commit changed, for the store.  created: pages that entered the
   tree, all at the commit's version, with their rows; dead: pages that left
   it (one entry per occurrence).  Owned by the tree, valid until the next
   call that modifies it. */
typedef struct {
    zs_smt_ref_t ref;
    const uint8_t *row;
    size_t len;
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

/* zs_smt_hash_below hashes the staged changes deeper than `depth` and
   leaves the rest staged, so that the next commit hashes only those and
   what changes meanwhile (a tree built over time whose end must be quick:
   a block's info tree).  Only for a tree without a loader (never stored).
   permutations, unless NULL, gets how many it ran. */
ZS_MUST_USE int zs_smt_hash_below(zs_smt_t *t, int depth, size_t *permutations);

/* zs_smt_commit hashes the staged changes as version `version` (below
   2^56; pages it creates are stored under it) and writes the new root;
   changes (may be NULL) describes them.  With nothing staged the root is
   unchanged and changes is empty. */
ZS_MUST_USE int zs_smt_commit(zs_smt_t *t, uint64_t version, zs_smt_ref_t *root, zs_smt_changes_t *changes);

/* Where a key's path leaves the nodes in memory: the stored page at ref,
   whose root is at depth. */
typedef struct {
    zs_smt_ref_t ref;
    int depth;
    zs_smt_key_t key;
} zs_smt_cold_t;

/* zs_smt_cold walks the keys' paths through the nodes in memory only
   (nothing is read) and writes to out, for each key whose path reaches a
   page not read yet, where (at most max): how many it wrote.  What a
   prefetcher reads ahead; the tree itself is not changed. */
size_t zs_smt_cold(zs_smt_t *t, const zs_smt_key_t *keys, size_t n, zs_smt_cold_t *out, size_t max);

/* zs_smt_root gives the last committed root. */
void zs_smt_root(const zs_smt_t *t, zs_smt_ref_t *root);

/* zs_smt_dirty says whether changes are staged. */
int zs_smt_dirty(const zs_smt_t *t);

/* The deepest leaf level this tree has made or loaded (a leaf whose
   path uses d bits is at level d); leaves never visited are not counted,
   and the figure never shrinks.  The virtual counters' MCP comes from it. */
int zs_smt_max_level(const zs_smt_t *t);

/* Memory held by the tree's nodes, in bytes (the slabs' chunks: freed
   nodes are kept for reuse). */
size_t zs_smt_memory(const zs_smt_t *t);
/* The nodes in the tree now, and their bytes. */
size_t zs_smt_nodes(const zs_smt_t *t);
size_t zs_smt_node_bytes(const zs_smt_t *t);

/* zs_smt_evict bounds the nodes in memory (host/state/zs_smt_evict.c): with
   nothing staged, a clock hand goes on round the subtrees below the top
   two page levels (more as the tree grows: zs_smt_evict.c), turning the pages no walk went through since it last
   passed back into unread pages (read again, and checked, when a walk
   needs them) and marking the others unwalked, until the nodes take at
   most target bytes or it has looked at or freed max_visits nodes (after
   the first subtree; so that a call costs little).  Only pages stored at
   versions up to stored_upto are dropped.  The bytes freed; *pages (may
   be NULL) counts the pages dropped.  A tree without a loader keeps
   everything. */
size_t zs_smt_evict(zs_smt_t *t, size_t target, uint64_t stored_upto, size_t max_visits, size_t *pages);

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
/* Sets key's path bit at depth. */
void zs_smt_set_key_bit(zs_smt_key_t *key, int depth, int bit);
void zs_smt_remaining_key(const zs_smt_key_t *key, int depth, uint64_t out[4]);
void zs_smt_join_key(const uint64_t rkey[4], const zs_smt_key_t *path_key, int depth, zs_smt_key_t *out);

#endif
