/* zs_smt_evict: pages of the tree dropped from memory when it holds more
   nodes than its owner allows (zs_smt.h).  A clock over the pages: a walk
   sets a page root's `used` bit; the hand goes round the subtrees under
   the kept top levels, one after another, a bounded number of nodes per
   call (a call comes after a block's commit: the sequencer must not stall
   for a walk of the whole tree), turning the page roots it finds unused
   back into stubs (their subtrees freed) and clearing the bit of the
   others, so a page survives the hand only if a walk went through it
   since the hand last passed.  Only clean pages whose rows are stored are
   dropped: a stub is read again from its row (ver, hash) by the loader,
   and checked against its hash. */
#include <string.h>

#include "host/state/zs_smt_int.h"

/* The hand goes round the subtrees under the top page levels, which stay
   (every path crosses the first ones).  Dropping a page frees everything
   under it, so the kept levels grow with the tree until a subtree holds
   about DROP_NODES nodes: two page levels (256 subtrees) for a tree of up
   to 4M nodes, three up to 64M, four beyond. */
#define DROP_NODES ((size_t)1 << 14)

typedef struct {
    uint64_t stored_upto; /* rows of versions up to this one are in the store */
    size_t over;          /* bytes still to free */
    size_t freed, pages;
    size_t visits;        /* nodes looked at or freed */
    int keep;             /* the depth of the subtrees the hand goes round */
} sweep_t;

static size_t node_size(const zs_smt_t *t, const node_t *n)
{
    return n->in_leaf_pool ? t->leaves.size : t->small.size;
}

/* Frees what is under n (not n); the bytes freed, *nodes counts them. */
static size_t free_below(zs_smt_t *t, node_t *n, size_t *nodes)
{
    if (n->kind != K_BRANCH) return 0;
    size_t bytes = 0;
    branch_t *b = (branch_t *)n;
    for (int side = 0; side < 2; side++) {
        node_t *c = b->child[side];
        if (!c) continue;
        bytes += free_below(t, c, nodes) + node_size(t, c);
        zs_smt_free_node(t, c);
        b->child[side] = NULL;
        ++*nodes;
    }
    return bytes;
}

/* The page rooted at *slot as a stub again: the bytes freed (a root that
   is a leaf stays one when no stub can be had: a node of the other slab). */
static size_t drop_page(zs_smt_t *t, node_t **slot, size_t *nodes)
{
    node_t *n = *slot;
    size_t bytes = free_below(t, n, nodes);
    if (n->in_leaf_pool) {
        node_t *s = zs_slab_get(&t->small);
        if (!s) return bytes;
        memcpy(s->hash, n->hash, 32);
        s->ver = n->ver;
        s->depth = n->depth;
        s->existed = 1;
        s->rowed = 1;
        s->kind = K_STUB;
        *slot = s;
        bytes += t->leaves.size - t->small.size;
        zs_smt_free_node(t, n);
    } else {
        n->kind = K_STUB;
    }
    n = *slot;
    n->used = 0;
    return bytes;
}

static void sweep(zs_smt_t *t, node_t **slot, int depth, sweep_t *w)
{
    node_t *n = *slot;
    if (!n || n->kind == K_STUB) return;
    w->visits++;
    if (depth % ZS_SMT_PAGE_LEVELS == 0 && depth >= w->keep) {
        if (!n->used && w->over && n->rowed && n->existed && (n->ver >> 8) <= w->stored_upto) {
            size_t b = drop_page(t, slot, &w->visits);
            w->freed += b;
            w->over -= b < w->over ? b : w->over;
            w->pages += (*slot)->kind == K_STUB; /* not when a leaf's stub could not be had */
            return;
        }
        n->used = 0;
    }
    if (n->kind != K_BRANCH) return;
    for (int side = 0; side < 2; side++) sweep(t, &((branch_t *)n)->child[side], depth + 1, w);
}

size_t zs_smt_nodes(const zs_smt_t *t)
{
    return t->small.in_use + t->leaves.in_use;
}

size_t zs_smt_node_bytes(const zs_smt_t *t)
{
    return t->small.in_use * t->small.size + t->leaves.in_use * t->leaves.size;
}

/* The slot of the subtree at depth keep whose path is the bits of pos
   (the first direction in the lowest bit), or NULL when the tree in
   memory does not reach it as a branch. */
static node_t **subtree(zs_smt_t *t, uint32_t pos, int keep, size_t *visits)
{
    node_t **slot = &t->root;
    for (int d = 0; d < keep; d++) {
        node_t *n = *slot;
        ++*visits;
        if (!n || n->kind != K_BRANCH) return NULL;
        slot = &((branch_t *)n)->child[pos >> d & 1];
    }
    return slot;
}

size_t zs_smt_evict(zs_smt_t *t, size_t target, uint64_t stored_upto, size_t max_visits, size_t *pages)
{
    size_t now = zs_smt_node_bytes(t), nodes = zs_smt_nodes(t);
    if (pages) *pages = 0;
    if (t->broken || zs_smt_dirty(t) || !t->has_loader || now <= target) return 0;
    sweep_t w = {.stored_upto = stored_upto, .over = now - target, .keep = 2 * ZS_SMT_PAGE_LEVELS};
    while (w.keep < 4 * ZS_SMT_PAGE_LEVELS && nodes >> w.keep > DROP_NODES) w.keep += ZS_SMT_PAGE_LEVELS;
    /* At least one subtree a call, and at most one turn of the hand. */
    uint32_t turn = 1u << w.keep;
    for (uint32_t k = 0; k < turn && w.over && (!k || w.visits < max_visits); k++) {
        node_t **slot = subtree(t, t->hand & (turn - 1), w.keep, &w.visits);
        t->hand = (t->hand + 1) & (turn - 1);
        if (slot) sweep(t, slot, w.keep, &w);
    }
    if (pages) *pages = w.pages;
    return w.freed;
}
