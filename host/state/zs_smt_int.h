/* zs_smt_int: the tree's in-memory nodes and the tree itself, shared by
   zs_smt.c (walks, changes, commit) and zs_smt_evict.c (dropping pages
   from memory).  Not for use outside host/state/zs_smt*.c. */
#ifndef ZS_SMT_INT_H
#define ZS_SMT_INT_H

#include "host/state/zs_smt.h"
#include "lib/base/zs_slab.h"

/* In-memory nodes (from two slabs: leaves, and stubs and branches).  A stub knows only its hash; it becomes a branch in
   place or is replaced by a leaf when first visited.  Nodes removed while
   changes are staged are marked dead and freed at commit, because the list
   of dirty nodes may still point at them. */
enum { K_STUB = 1, K_BRANCH = 2, K_LEAF = 3, K_DEAD = 4 };

typedef struct node {
    uint64_t hash[4];      /* valid when !dirty */
    uint64_t ver;          /* the store row: version << 8 | duplicate index */
    uint32_t dead_idx;     /* index of this node's old entry in the dead list (if existed && dirty) */
    uint16_t depth;        /* leaves: their depth; branches: theirs */
    uint8_t kind;
    uint8_t dirty : 1;     /* changed since the last commit */
    uint8_t existed : 1;   /* part of the last committed tree */
    uint8_t vdirty : 1;    /* leaf value changed: its value hash is stale */
    uint8_t in_leaf_pool : 1;
    uint8_t fresh : 1;     /* during commit: changed (a page root: gets a row at the commit's version) */
    uint8_t rowed : 1;     /* the root of a stored page: has a row at (ver, hash) */
    uint8_t used : 1;      /* walked through since the clock hand last passed (zs_smt_evict) */
} node_t;

typedef struct {
    node_t h;
    node_t *child[2];
} branch_t;

typedef struct {
    node_t h;
    zs_smt_key_t key;
    uint64_t vhash[4];
    zs_u256_t value;
} leaf_t;

typedef struct {
    node_t **v;
    size_t n, cap;
} nodevec_t;

struct zs_smt {
    node_t *root;
    zs_smt_ref_t root_ref;
    zs_smt_loader_t loader;
    int has_loader;
    zs_smt_hasher_t hasher;
    zs_slab_t small, leaves; /* stubs and branches share a size */
    nodevec_t dirty, garbage;
    /* Change lists of the current/last commit; the created pages' rows
       are in rows (created[i].row is set once they are all written). */
    zs_smt_ref_t *dead;
    uint8_t *dead_cancelled;
    size_t n_dead, cap_dead;
    zs_smt_created_t *created;
    size_t n_created, cap_created;
    uint8_t *rows;
    size_t rows_len, rows_cap;
    /* Commit scratch, kept across commits (see zs_statedb.c). */
    uint64_t (*q_in)[12];
    uint64_t (*q_out)[4];
    node_t **q_who, **by_depth, **seen;
    size_t by_depth_cap, seen_cap;
    size_t *per_depth;
    int broken;      /* a load failed half-way: refuse further work */
    int lists_stale; /* created/dead describe the last commit; reset on next change */
    int max_level;   /* the deepest leaf this tree has made or loaded */
    uint32_t hand;   /* zs_smt_evict's clock hand: the next subtree under the kept top levels */
};

static inline void zs_smt_free_node(zs_smt_t *t, node_t *n)
{
    zs_slab_put(n->in_leaf_pool ? &t->leaves : &t->small, n);
}

#endif
