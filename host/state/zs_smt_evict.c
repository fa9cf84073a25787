/* zs_smt_evict: pages of the tree dropped from memory when it holds more
   nodes than its owner allows (zs_smt.h).  A clock over the pages: a walk
   sets a page root's `used` bit; a sweep turns the roots it finds unused
   back into stubs (their subtrees freed) and clears the bit of the others,
   so a page survives a sweep only if a walk went through it since the one
   before.  Only clean pages whose rows are stored are dropped: a stub is
   read again from its row (ver, hash) by the loader, and checked against
   its hash. */
#include <string.h>

#include "host/state/zs_smt_int.h"

/* The top page levels stay: every path crosses them. */
#define KEEP_DEPTH (2 * ZS_SMT_PAGE_LEVELS)

typedef struct {
    uint64_t stored_upto; /* rows of versions up to this one are in the store */
    size_t over;          /* bytes still to free */
    size_t freed, pages;
} sweep_t;

static size_t node_size(const zs_smt_t *t, const node_t *n)
{
    return n->in_leaf_pool ? t->leaves.size : t->small.size;
}

/* Frees what is under n (not n); the bytes freed. */
static size_t free_below(zs_smt_t *t, node_t *n)
{
    if (n->kind != K_BRANCH) return 0;
    size_t bytes = 0;
    branch_t *b = (branch_t *)n;
    for (int side = 0; side < 2; side++) {
        node_t *c = b->child[side];
        if (!c) continue;
        bytes += free_below(t, c) + node_size(t, c);
        zs_smt_free_node(t, c);
        b->child[side] = NULL;
    }
    return bytes;
}

/* The page rooted at *slot as a stub again: the bytes freed, or 0 when out
   of memory (a leaf's stub is a node of the other slab). */
static size_t drop_page(zs_smt_t *t, node_t **slot)
{
    node_t *n = *slot;
    size_t bytes = free_below(t, n);
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
    if (depth % ZS_SMT_PAGE_LEVELS == 0 && depth >= KEEP_DEPTH) {
        if (!n->used && w->over && n->rowed && n->existed && (n->ver >> 8) <= w->stored_upto) {
            size_t b = drop_page(t, slot);
            w->freed += b;
            w->over -= b < w->over ? b : w->over;
            w->pages++;
            return;
        }
        n->used = 0;
    }
    if (n->kind != K_BRANCH) return;
    for (int side = 0; side < 2; side++) sweep(t, &((branch_t *)n)->child[side], depth + 1, w);
}

size_t zs_smt_node_bytes(const zs_smt_t *t)
{
    return t->small.in_use * t->small.size + t->leaves.in_use * t->leaves.size;
}

size_t zs_smt_evict(zs_smt_t *t, size_t target, uint64_t stored_upto, size_t *pages)
{
    size_t now = zs_smt_node_bytes(t);
    if (pages) *pages = 0;
    if (t->broken || zs_smt_dirty(t) || !t->has_loader || now <= target) return 0;
    sweep_t w = {.stored_upto = stored_upto, .over = now - target};
    sweep(t, &t->root, 0, &w);
    if (pages) *pages = w.pages;
    return w.freed;
}
