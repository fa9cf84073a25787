#include "host/state/zs_smt.h"
#include "host/state/zs_hashpool.h"
#include "host/state/zs_smt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_bytes.h"
#include "lib/base/zs_grow.h"
#include "lib/base/zs_slab.h"
#include "lib/poseidon/zs_poseidon.h"

static int vec_push(nodevec_t *v, node_t *x)
{
    if (v->n == v->cap && zs_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v, 1024)) return ZS_ERR_NOMEM;
    v->v[v->n++] = x;
    return ZS_OK;
}

static int cpu_hash_batch(void *ctx, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    (void)ctx;
    zs_hashpool_hash(in, out, n);
    return ZS_OK;
}

static int is_zero4(const uint64_t h[4])
{
    return !(h[0] | h[1] | h[2] | h[3]);
}

zs_smt_t *zs_smt_new(const zs_smt_ref_t *root, const zs_smt_loader_t *loader, const zs_smt_hasher_t *hasher)
{
    zs_smt_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->small.size = sizeof(branch_t);
    t->leaves.size = sizeof(leaf_t);
    if (loader) {
        t->loader = *loader;
        t->has_loader = 1;
    }
    t->hasher.hash_batch = cpu_hash_batch;
    if (hasher && hasher->hash_batch) t->hasher = *hasher;
    if (root && !is_zero4(root->hash)) {
        node_t *s = loader ? zs_slab_get(&t->small) : NULL;
        if (!s) {
            free(t);
            return NULL;
        }
        s->kind = K_STUB;
        s->existed = 1;
        s->rowed = 1;
        s->ver = root->ver;
        memcpy(s->hash, root->hash, 32);
        t->root = s;
        t->root_ref = *root;
    }
    return t;
}

void zs_smt_delete(zs_smt_t *t)
{
    if (!t) return;
    zs_slab_free_all(&t->small);
    zs_slab_free_all(&t->leaves);
    free(t->dirty.v);
    free(t->garbage.v);
    free(t->q_in);
    free(t->q_out);
    free(t->q_who);
    free(t->by_depth);
    free(t->seen);
    free(t->per_depth);
    free(t->dead);
    free(t->dead_cancelled);
    free(t->created);
    free(t->rows);
    free(t);
}

void zs_smt_root(const zs_smt_t *t, zs_smt_ref_t *root)
{
    *root = t->root_ref;
}

int zs_smt_dirty(const zs_smt_t *t)
{
    return t->dirty.n > 0 || t->garbage.n > 0;
}

size_t zs_smt_memory(const zs_smt_t *t)
{
    return t->small.chunk_bytes + t->leaves.chunk_bytes + t->dirty.cap * sizeof(node_t *) +
           t->garbage.cap * sizeof(node_t *) + t->cap_dead * (sizeof(zs_smt_ref_t) + 1) +
           t->cap_created * sizeof(zs_smt_created_t) + t->rows_cap;
}

/* The change lists describe one commit; the first change after it starts
   new ones. */
static void fresh_lists(zs_smt_t *t)
{
    if (!t->lists_stale) return;
    t->n_dead = 0;
    t->n_created = 0;
    t->rows_len = 0;
    t->lists_stale = 0;
}

static int push_dead(zs_smt_t *t, const node_t *n)
{
    fresh_lists(t);
    if (t->n_dead == t->cap_dead) {
        size_t cap = t->cap_dead ? 2 * t->cap_dead : 1024;
        zs_smt_ref_t *nd = realloc(t->dead, cap * sizeof *nd);
        if (!nd) return ZS_ERR_NOMEM;
        t->dead = nd;
        uint8_t *nc = realloc(t->dead_cancelled, cap);
        if (!nc) return ZS_ERR_NOMEM;
        t->dead_cancelled = nc;
        t->cap_dead = cap;
    }
    t->dead[t->n_dead].ver = n->ver;
    memcpy(t->dead[t->n_dead].hash, n->hash, 32);
    t->dead_cancelled[t->n_dead] = 0;
    t->n_dead++;
    return ZS_OK;
}

/* Records that an existing node's old content leaves the tree. */
static int record_old(zs_smt_t *t, node_t *n)
{
    fresh_lists(t); /* before taking the index: it may reset the list */
    n->dead_idx = (uint32_t)t->n_dead;
    return push_dead(t, n);
}

/* Marks n changed in this commit. */
static int touch(zs_smt_t *t, node_t *n)
{
    if (n->dirty) return ZS_OK;
    if (n->existed && n->rowed) {
        int err = record_old(t, n);
        if (err) return err;
    }
    n->dirty = 1;
    return vec_push(&t->dirty, n);
}

/* Removes n from the tree. */
static int kill(zs_smt_t *t, node_t *n)
{
    if (n->existed && n->rowed && !n->dirty) {
        int err = record_old(t, n);
        if (err) return err;
    }
    n->kind = K_DEAD;
    return vec_push(&t->garbage, n);
}

/* The in-memory node for entry i of a page whose root is at depth: stubs
   for the pages below, the stub s itself for a root that is a branch.
   NULL when out of memory. */
static node_t *page_node(zs_smt_t *t, node_t *s, const zs_smt_page_t *pg, size_t i, int depth,
                         const zs_smt_key_t *key)
{
    const zs_smt_page_node_t *e = &pg->node[i];
    int at = depth + e->depth;
    node_t *n;
    if (e->kind == ZS_SMT_PAGE_LEAF) {
        leaf_t *l = zs_slab_get(&t->leaves);
        if (!l) return NULL;
        /* The leaf's key: the bits above the page from key, those inside
           it from the page's path, the rest from the row. */
        zs_smt_key_t pk = *key;
        for (int k = 0; k < e->depth; k++) zs_smt_set_key_bit(&pk, depth + k, e->path >> k & 1);
        zs_smt_join_key(e->rkey, &pk, at, &l->key);
        memcpy(l->vhash, e->vhash, 32);
        l->value = e->value;
        n = &l->h;
        n->in_leaf_pool = 1;
        n->kind = K_LEAF;
        if (at > t->max_level) t->max_level = at;
    } else {
        n = i == 0 ? s : zs_slab_get(&t->small);
        if (!n) return NULL;
        n->kind = e->kind == ZS_SMT_PAGE_REF ? K_STUB : K_BRANCH;
        if (e->kind == ZS_SMT_PAGE_REF) {
            n->ver = e->ver;
            n->rowed = 1;
        }
    }
    if (i == 0) {
        n->ver = s->ver;
        n->rowed = 1;
    }
    n->existed = 1;
    n->depth = (uint16_t)at;
    memcpy(n->hash, e->hash, 32);
    return n;
}

/* Replaces the stub at *slot (at depth, on the path of key) by the page pg
   read for it: its nodes in memory, stubs for the pages below. */
static int materialize(zs_smt_t *t, node_t **slot, int depth, const zs_smt_key_t *key, const zs_smt_page_t *pg)
{
    node_t *s = *slot;
    node_t *made[ZS_SMT_PAGE_NODES];
    for (size_t i = 0; i < pg->n; i++) {
        if ((made[i] = page_node(t, s, pg, i, depth, key))) continue;
        for (size_t k = 0; k < i; k++)
            if (made[k] != s) zs_smt_free_node(t, made[k]);
        s->kind = K_STUB;
        return ZS_ERR_NOMEM;
    }
    for (size_t i = 0; i < pg->n; i++) {
        if (pg->node[i].kind != ZS_SMT_PAGE_BRANCH) continue;
        branch_t *b = (branch_t *)made[i];
        for (int side = 0; side < 2; side++) b->child[side] = pg->node[i].child[side] ? made[pg->node[i].child[side]] : NULL;
    }
    if (made[0] != s) {
        *slot = made[0];
        zs_slab_put(&t->small, s);
    }
    return ZS_OK;
}

/* Replaces the stub at *slot (at depth, on key's path) by its page, and the
   stubs below it on key's path by theirs, up to max pages, read and hashed
   together (zs_smt_page_read_path: a cold path costs a few SIMD calls
   instead of a few per page), then made nodes. */
static int load_path(zs_smt_t *t, node_t **slot, int depth, const zs_smt_key_t *key, size_t max)
{
    if (!t->has_loader) return ZS_ERR_NOTFOUND;
    zs_smt_page_t pgs[ZS_SMT_PATH_PAGES];
    zs_smt_ref_t at = {(*slot)->ver, {(*slot)->hash[0], (*slot)->hash[1], (*slot)->hash[2], (*slot)->hash[3]}};
    int n = zs_smt_page_read_path(&t->loader, &at, depth, key, max, pgs, NULL);
    if (n < 0) return n;
    for (int k = 0; k < n; k++) {
        int d = depth + ZS_SMT_PAGE_LEVELS * k, err = materialize(t, slot, d, key, &pgs[k]);
        if (err) return err;
        for (int i = d; i < d + ZS_SMT_PAGE_LEVELS && k + 1 < n; i++) /* down to the next page's stub */
            slot = &((branch_t *)*slot)->child[zs_smt_key_bit(key, i)];
    }
    return ZS_OK;
}

static int key_eq(const zs_smt_key_t *a, const zs_smt_key_t *b)
{
    return !memcmp(a->e, b->e, 32);
}

/* Walks to where key lives: *slot_out is the slot holding its leaf, another
   key's leaf, or NULL; path[0..depth) the slots of the branches above.
   peek: reads nothing, stopping at the first page not read yet (a stub). */
static int descend(zs_smt_t *t, const zs_smt_key_t *key, node_t ***path, node_t ***slot_out, int *depth_out, int peek)
{
    node_t **slot = &t->root;
    int depth = 0;
    for (;;) {
        node_t *n = *slot;
        if (!n) break;
        if (n->kind == K_STUB && peek) break;
        if (n->kind == K_STUB) {
            int err = load_path(t, slot, depth, key, ZS_SMT_PATH_PAGES);
            if (err) {
                t->broken = 1;
                return err;
            }
            n = *slot;
        }
        if (!n->used) n->used = 1;
        if (n->kind != K_BRANCH) break;
        if (depth >= ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
        if (path) path[depth] = slot;
        slot = &((branch_t *)n)->child[zs_smt_key_bit(key, depth)];
        depth++;
    }
    *slot_out = slot;
    *depth_out = depth;
    return ZS_OK;
}

int zs_smt_get(zs_smt_t *t, const zs_smt_key_t *key, zs_u256_t *value)
{
    if (t->broken) return ZS_ERR_STATE;
    node_t **slot;
    int depth;
    int err = descend(t, key, NULL, &slot, &depth, 0);
    if (err) return err;
    node_t *n = *slot;
    if (n && n->kind == K_LEAF && key_eq(&((leaf_t *)n)->key, key))
        *value = ((leaf_t *)n)->value;
    else
        *value = zs_u256_from_u64(0);
    return ZS_OK;
}

/* Marks the branches above a change dirty, deepest first; stops at the first
   one already dirty, since all above it are too. */
static int dirty_path(zs_smt_t *t, node_t ***path, int depth)
{
    for (int i = depth - 1; i >= 0; i--) {
        node_t *b = *path[i];
        if (b->dirty) break;
        int err = touch(t, b);
        if (err) return err;
    }
    return ZS_OK;
}

static leaf_t *new_leaf(zs_smt_t *t, const zs_smt_key_t *key, const zs_u256_t *value, int depth)
{
    leaf_t *l = zs_slab_get(&t->leaves);
    if (!l) return NULL;
    l->h.in_leaf_pool = 1;
    l->h.kind = K_LEAF;
    l->h.depth = (uint16_t)depth;
    if (depth > t->max_level) t->max_level = depth;
    l->h.vdirty = 1;
    l->key = *key;
    l->value = *value;
    return l;
}

/* After a removal below path[depth-1]: a branch left with a single leaf
   below it is replaced by that leaf, repeatedly up the path. */
static int collapse(zs_smt_t *t, node_t ***path, int depth, const zs_smt_key_t *key)
{
    for (int i = depth - 1; i >= 0; i--) {
        branch_t *b = (branch_t *)*path[i];
        int count = (b->child[0] != NULL) + (b->child[1] != NULL);
        if (count == 2) break;
        if (count == 0) {
            *path[i] = NULL;
            int err = kill(t, &b->h);
            if (err) return err;
            continue;
        }
        int side = b->child[0] ? 0 : 1;
        node_t **cslot = &b->child[side];
        if ((*cslot)->kind == K_STUB) {
            /* Load with a key whose path matches: the child's own key bits
               above depth i+1 equal key's except bit i, which is `side`. */
            zs_smt_key_t pk = *key;
            zs_smt_set_key_bit(&pk, i, side);
            int err = load_path(t, cslot, i + 1, &pk, 1);
            if (err) {
                t->broken = 1;
                return err;
            }
        }
        node_t *c = *cslot;
        if (c->kind != K_LEAF) break;
        int err = touch(t, c);
        if (err) return err;
        c->depth = (uint16_t)i;
        *path[i] = c;
        b->child[side] = NULL;
        if ((err = kill(t, &b->h))) return err;
    }
    return ZS_OK;
}

int zs_smt_set(zs_smt_t *t, const zs_smt_key_t *key, const zs_u256_t *value)
{
    if (t->broken) return ZS_ERR_STATE;
    for (int j = 0; j < 4; j++)
        if (key->e[j] >= 0xffffffff00000001ull) return ZS_ERR_INVAL;
    node_t **path[ZS_SMT_MAX_DEPTH + 1];
    node_t **slot;
    int depth, err;
    if ((err = descend(t, key, path, &slot, &depth, 0))) return err;
    int zero = zs_u256_is_zero(value);
    node_t *n = *slot;
    if (!n) {
        if (zero) return ZS_OK;
        leaf_t *l = new_leaf(t, key, value, depth);
        if (!l) return ZS_ERR_NOMEM;
        *slot = &l->h;
        if ((err = touch(t, &l->h))) return err;
        return dirty_path(t, path, depth);
    }
    leaf_t *l = (leaf_t *)n;
    if (key_eq(&l->key, key)) {
        if (zero) {
            *slot = NULL;
            if ((err = kill(t, n))) return err;
            if ((err = dirty_path(t, path, depth))) return err;
            return collapse(t, path, depth, key);
        }
        if (!memcmp(&l->value, value, sizeof *value)) return ZS_OK;
        if ((err = touch(t, n))) return err;
        l->value = *value;
        n->vdirty = 1;
        return dirty_path(t, path, depth);
    }
    if (zero) return ZS_OK; /* deleting an absent key */
    /* Split: a chain of branches down to the first bit where the keys differ. */
    int d = depth;
    while (d < ZS_SMT_MAX_DEPTH && zs_smt_key_bit(key, d) == zs_smt_key_bit(&l->key, d)) d++;
    if (d >= ZS_SMT_MAX_DEPTH) return ZS_ERR_CORRUPT;
    leaf_t *nl = new_leaf(t, key, value, d + 1);
    if (!nl) return ZS_ERR_NOMEM;
    if ((err = touch(t, &nl->h))) return err;
    if ((err = touch(t, n))) return err;
    n->depth = (uint16_t)(d + 1);
    node_t **s = slot;
    for (int k = depth; k <= d; k++) {
        branch_t *b = zs_slab_get(&t->small);
        if (!b) return ZS_ERR_NOMEM;
        b->h.kind = K_BRANCH;
        b->h.depth = (uint16_t)k;
        if ((err = touch(t, &b->h))) return err;
        *s = &b->h;
        if (k == d) {
            b->child[zs_smt_key_bit(key, d)] = &nl->h;
            b->child[zs_smt_key_bit(&l->key, d)] = n;
        } else {
            s = &b->child[zs_smt_key_bit(key, k)];
        }
    }
    return dirty_path(t, path, depth);
}

/* Batched hashing: fill inputs, run the hasher, hand each output back. */
typedef struct {
    uint64_t (*in)[12];
    uint64_t (*out)[4];
    node_t **who;
    size_t n, cap;
    size_t permutations;
} hash_queue_t;

static int hq_flush(zs_smt_t *t, hash_queue_t *q, int value_hashes)
{
    if (!q->n) return ZS_OK;
    int err = t->hasher.hash_batch(t->hasher.ctx, (const uint64_t(*)[12])q->in, q->out, q->n);
    if (err) return err;
    for (size_t i = 0; i < q->n; i++) {
        if (value_hashes)
            memcpy(((leaf_t *)q->who[i])->vhash, q->out[i], 32);
        else
            memcpy(q->who[i]->hash, q->out[i], 32);
    }
    q->permutations += q->n;
    q->n = 0;
    return ZS_OK;
}

static uint64_t *hq_slot(hash_queue_t *q, node_t *who)
{
    q->who[q->n] = who;
    return q->in[q->n++];
}

static int page_root(const node_t *n)
{
    return n->depth % ZS_SMT_PAGE_LEVELS == 0;
}

/* Writes the node at[i] of a gathered page (rel levels below its root) and
   what is under it in preorder, as zs_smt.h describes the row; returns the
   bytes written. */
static size_t emit_page(const node_t *const *at, size_t i, int rel, uint8_t *out)
{
    const node_t *n = at[i];
    if (!n) {
        out[0] = ZS_SMT_PAGE_EMPTY;
        return 1;
    }
    if (rel == ZS_SMT_PAGE_LEVELS) {
        out[0] = ZS_SMT_PAGE_REF;
        zs_put_be64(out + 1, n->ver);
        memcpy(out + 9, n->hash, 32);
        return 41;
    }
    if (n->kind == K_LEAF) {
        const leaf_t *l = (const leaf_t *)n;
        out[0] = ZS_SMT_PAGE_LEAF;
        uint64_t rk[4];
        zs_smt_remaining_key(&l->key, n->depth, rk);
        memcpy(out + 1, rk, 32);
        zs_u256_to_be32(&l->value, out + 33);
        return 65;
    }
    out[0] = ZS_SMT_PAGE_BRANCH;
    size_t k = 1 + emit_page(at, 2 * i, rel + 1, out + 1);
    return k + emit_page(at, 2 * i + 1, rel + 1, out + k);
}

/* Writes the page rooted at root; returns the bytes written.  A commit
   changes one or two paths of a page's 31 nodes: the rest are cold and
   scattered over the slabs.  They are gathered a level at a time (at[1]
   the root, at[2i] and at[2i + 1] the children of at[i]), each level
   prefetched before its children are read, so that a level's cache misses
   overlap instead of following each other down the preorder. */
static size_t encode_page(const node_t *root, uint8_t *out)
{
    const node_t *at[2 << ZS_SMT_PAGE_LEVELS];
    at[1] = root;
    for (size_t i = 1; i < (size_t)1 << ZS_SMT_PAGE_LEVELS; i++) {
        const node_t *n = at[i], *c0 = NULL, *c1 = NULL;
        if (n && n->kind == K_LEAF) {
            __builtin_prefetch((const char *)n + 64);
            __builtin_prefetch((const char *)n + 128);
        } else if (n) {
            c0 = ((const branch_t *)n)->child[0];
            c1 = ((const branch_t *)n)->child[1];
            if (c0) __builtin_prefetch(c0);
            if (c1) __builtin_prefetch(c1);
        }
        at[2 * i] = c0;
        at[2 * i + 1] = c1;
    }
    return emit_page(at, 1, 0, out);
}

/* Adds the page rooted at n (its row assigned) to the created list. */
static int push_created(zs_smt_t *t, const node_t *n)
{
    if (t->n_created == t->cap_created) {
        size_t cap = t->cap_created ? 2 * t->cap_created : 1024;
        zs_smt_created_t *nc = realloc(t->created, cap * sizeof *nc);
        if (!nc) return ZS_ERR_NOMEM;
        t->created = nc;
        t->cap_created = cap;
    }
    if (t->rows_cap - t->rows_len < ZS_SMT_PAGE_ROW_MAX) {
        size_t cap = t->rows_cap ? 2 * t->rows_cap : 65536;
        uint8_t *nr = realloc(t->rows, cap);
        if (!nr) return ZS_ERR_NOMEM;
        t->rows = nr;
        t->rows_cap = cap;
    }
    zs_smt_created_t *c = &t->created[t->n_created++];
    c->ref.ver = n->ver;
    memcpy(c->ref.hash, n->hash, 32);
    c->len = encode_page(n, t->rows + t->rows_len);
    c->row = (const uint8_t *)(uintptr_t)t->rows_len; /* an offset until the rows stop moving */
    t->rows_len += c->len;
    return ZS_OK;
}

static int child_fresh(const node_t *c)
{
    return c && c->dirty && c->fresh;
}

/* Decides whether a changed node is fresh.  Inside a page every changed
   node is; a page's root is not when it hashes as before and nothing in
   its page changed (no fresh child: changes mark the whole path above
   them), and then keeps its old row, whose dead entry is cancelled.
   Returns 1 for a fresh page root (it needs a row). */
static int decide_fresh(zs_smt_t *t, node_t *n)
{
    if (!page_root(n)) {
        n->fresh = 1;
        return 0;
    }
    int same = n->existed && n->rowed && !memcmp(t->dead[n->dead_idx].hash, n->hash, 32);
    if (same && n->kind == K_BRANCH) {
        branch_t *b = (branch_t *)n;
        same = !child_fresh(b->child[0]) && !child_fresh(b->child[1]);
    }
    n->fresh = !same;
    if (same) t->dead_cancelled[n->dead_idx] = 1;
    return n->fresh;
}

/* Gives each fresh page root its row: version << 8 | (how many fresh page
   roots with the same hash came before it). */
static int assign_rows(zs_smt_t *t, uint64_t version, size_t nfresh)
{
    size_t cap = 16;
    while (cap < 2 * nfresh) cap *= 2;
    if (cap > t->seen_cap) {
        free(t->seen);
        t->seen = malloc(cap * sizeof *t->seen);
        t->seen_cap = t->seen ? cap : 0;
        if (!t->seen) return ZS_ERR_NOMEM;
    }
    node_t **seen = t->seen;
    memset(seen, 0, cap * sizeof *seen);
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if ((n->kind != K_LEAF && n->kind != K_BRANCH) || !n->fresh || !page_root(n)) continue;
        size_t j = (n->hash[0] ^ n->hash[3]) & (cap - 1);
        uint64_t dup = 0;
        while (seen[j]) {
            if (!memcmp(seen[j]->hash, n->hash, 32)) dup = (seen[j]->ver & 0xff) + 1;
            j = (j + 1) & (cap - 1);
        }
        if (dup > 0xff) return ZS_ERR_RANGE;
        seen[j] = n;
        n->ver = version << 8 | dup;
    }
    return ZS_OK;
}

/* The commit's scratch (kept in t between commits): the hashing queue and
   the branches by depth.  0 or ZS_ERR_NOMEM. */
static int commit_scratch(zs_smt_t *t, hash_queue_t *q)
{
    memset(q, 0, sizeof *q);
    q->cap = 1024;
    if (!t->q_in) {
        t->q_in = malloc(q->cap * sizeof *q->in);
        t->q_out = malloc(q->cap * sizeof *q->out);
        t->q_who = malloc(q->cap * sizeof *q->who);
        t->per_depth = malloc((ZS_SMT_MAX_DEPTH + 1) * sizeof *t->per_depth);
    }
    if (t->by_depth_cap < t->dirty.n + 1) {
        free(t->by_depth);
        t->by_depth_cap = 2 * (t->dirty.n + 1);
        t->by_depth = malloc(t->by_depth_cap * sizeof *t->by_depth);
    }
    q->in = t->q_in;
    q->out = t->q_out;
    q->who = t->q_who;
    return q->in && q->out && q->who && t->per_depth && t->by_depth ? ZS_OK : ZS_ERR_NOMEM;
}

/* The value hashes of 0..SMALL_VALUES-1, made once per process: nonces,
   a receipt's status and effective percentage (half the block info tree's
   leaves for transfers) are small, and their hashes the same each time. */
#define SMALL_VALUES 1024
static uint64_t small_vhash[SMALL_VALUES][4];
static pthread_once_t small_once = PTHREAD_ONCE_INIT;

static void small_init(void)
{
    static uint64_t st[SMALL_VALUES][12];
    memset(st, 0, sizeof st);
    for (uint64_t v = 0; v < SMALL_VALUES; v++) st[v][0] = v; /* limb 0 of eight, capacity zero */
    zs_poseidon_permute_batch(st, SMALL_VALUES);
    for (size_t v = 0; v < SMALL_VALUES; v++) memcpy(small_vhash[v], st[v], 32);
}

/* 1: the value hashes of leaves whose value changed. */
static int hash_values(zs_smt_t *t, hash_queue_t *q)
{
    int err;
    pthread_once(&small_once, small_init);
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if (n->kind != K_LEAF || !n->vdirty) continue;
        const zs_u256_t *v = &((leaf_t *)n)->value;
        if (!(v->w[1] | v->w[2] | v->w[3]) && v->w[0] < SMALL_VALUES) {
            memcpy(((leaf_t *)n)->vhash, small_vhash[v->w[0]], 32);
            continue;
        }
        uint64_t *in = hq_slot(q, n);
        memset(in, 0, 12 * sizeof *in);
        zs_smt_value_limbs(&((leaf_t *)n)->value, in);
        if (q->n == q->cap && (err = hq_flush(t, q, 1))) return err;
    }
    return hq_flush(t, q, 1);
}

/* 2: the leaf hashes. */
static int hash_leaves(zs_smt_t *t, hash_queue_t *q)
{
    int err;
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if (n->kind != K_LEAF) continue;
        leaf_t *l = (leaf_t *)n;
        uint64_t *in = hq_slot(q, n);
        zs_smt_remaining_key(&l->key, n->depth, in);
        memcpy(in + 4, l->vhash, 32);
        in[8] = 1;
        in[9] = in[10] = in[11] = 0;
        if (q->n == q->cap && (err = hq_flush(t, q, 0))) return err;
    }
    return hq_flush(t, q, 0);
}

/* The changed branches into t->by_depth, grouped by depth (a counting
   sort); t->per_depth[d] ends as the end of depth d's run.  Returns how
   many there are. */
static size_t sort_branches(zs_smt_t *t)
{
    size_t *per_depth = t->per_depth;
    memset(per_depth, 0, (ZS_SMT_MAX_DEPTH + 1) * sizeof *per_depth);
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if (n->kind == K_BRANCH) per_depth[n->depth]++;
    }
    size_t start = 0;
    for (int d = 0; d <= ZS_SMT_MAX_DEPTH; d++) {
        size_t c = per_depth[d];
        per_depth[d] = start;
        start += c;
    }
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if (n->kind == K_BRANCH) t->by_depth[per_depth[n->depth]++] = n;
    }
    return start;
}

/* 3: the branches, level by level from the deepest (parents need their
   children's hashes: each level is flushed before the one above). */
static int hash_branches(zs_smt_t *t, hash_queue_t *q)
{
    int err;
    for (int d = ZS_SMT_MAX_DEPTH; d >= 0; d--) {
        size_t end = t->per_depth[d], begin = d ? t->per_depth[d - 1] : 0;
        for (size_t i = begin; i < end; i++) {
            branch_t *b = (branch_t *)t->by_depth[i];
            uint64_t *in = hq_slot(q, &b->h);
            memset(in, 0, 12 * sizeof *in);
            if (b->child[0]) memcpy(in, b->child[0]->hash, 32);
            if (b->child[1]) memcpy(in + 4, b->child[1]->hash, 32);
            if (q->n == q->cap && (err = hq_flush(t, q, 0))) return err;
        }
        if ((err = hq_flush(t, q, 0))) return err;
    }
    return ZS_OK;
}

/* 4: a changed page that hashes as before keeps its stored row (and
   cancels its dead entry); every other one gets a row at this version.
   A page keeps its row only if its root hashes as before and nothing in it
   changed, since its row names the rows of the pages below: leaves first,
   then branches from the deepest up.  Two pages may hash alike (equal
   subtrees, possible only with crafted keys): each takes its own duplicate
   index, so every place in the tree has its own row. */
static int record_rows(zs_smt_t *t, uint64_t version, size_t nbranches)
{
    size_t nfresh = 0;
    int err;
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if (n->kind == K_LEAF) nfresh += decide_fresh(t, n);
    }
    for (size_t i = nbranches; i-- > 0;) nfresh += decide_fresh(t, t->by_depth[i]);
    if ((err = assign_rows(t, version, nfresh))) return err;
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        if ((n->kind != K_LEAF && n->kind != K_BRANCH) || !n->fresh || !page_root(n)) continue;
        if ((err = push_created(t, n))) return err;
    }
    for (size_t i = 0; i < t->n_created; i++) t->created[i].row = t->rows + (uintptr_t)t->created[i].row;
    size_t w = 0; /* the dead list, compacted */
    for (size_t i = 0; i < t->n_dead; i++)
        if (!t->dead_cancelled[i]) t->dead[w++] = t->dead[i];
    t->n_dead = w;
    return ZS_OK;
}

/* 5: every node settled, the garbage returned, the root taken. */
static void settle(zs_smt_t *t)
{
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        n->dirty = 0;
        n->vdirty = 0;
        n->existed = 1;
        n->rowed = (uint8_t)page_root(n);
    }
    for (size_t i = 0; i < t->garbage.n; i++) {
        zs_smt_free_node(t, t->garbage.v[i]);
    }
    t->dirty.n = 0;
    t->garbage.n = 0;
    if (t->root) {
        t->root_ref.ver = t->root->ver;
        memcpy(t->root_ref.hash, t->root->hash, 32);
    } else {
        memset(&t->root_ref, 0, sizeof t->root_ref);
    }
}

int zs_smt_commit(zs_smt_t *t, uint64_t version, zs_smt_ref_t *root, zs_smt_changes_t *changes)
{
    if (t->broken) return ZS_ERR_STATE;
    if (version >= (1ull << 56)) return ZS_ERR_RANGE;
    fresh_lists(t);
    hash_queue_t q;
    int err = commit_scratch(t, &q);
    if (!err) err = hash_values(t, &q);
    if (!err) err = hash_leaves(t, &q);
    size_t nbranches = err ? 0 : sort_branches(t);
    if (!err) err = hash_branches(t, &q);
    if (!err) err = record_rows(t, version, nbranches);
    if (err) {
        t->broken = 1;
        return err;
    }
    settle(t);
    if (root) *root = t->root_ref;
    if (changes) {
        changes->created = t->created;
        changes->n_created = t->n_created;
        changes->dead = t->dead;
        changes->n_dead = t->n_dead;
        changes->permutations = q.permutations;
    }
    t->lists_stale = 1;
    return ZS_OK;
}

int zs_smt_hash_below(zs_smt_t *t, int depth, size_t *permutations)
{
    if (t->broken) return ZS_ERR_STATE;
    if (t->has_loader) return ZS_ERR_STATE; /* a stored tree's rows are decided in its commit */
    hash_queue_t q;
    int err = commit_scratch(t, &q);
    if (err) return err;
    /* The changes that stay first, the deep ones after them: t->dirty is
       the deep run alone while it is hashed. */
    nodevec_t all = t->dirty;
    size_t keep = 0;
    for (size_t i = 0; i < all.n; i++) {
        node_t *n = all.v[i];
        if (n->depth > depth && n->kind != K_DEAD) continue;
        all.v[i] = all.v[keep];
        all.v[keep++] = n;
    }
    t->dirty = (nodevec_t){all.v + keep, all.n - keep, all.n - keep};
    err = hash_values(t, &q);
    if (!err) err = hash_leaves(t, &q);
    if (!err) sort_branches(t);
    if (!err) err = hash_branches(t, &q);
    for (size_t i = 0; i < t->dirty.n; i++) {
        node_t *n = t->dirty.v[i];
        n->dirty = n->vdirty = 0;
        n->existed = 1;
        n->rowed = (uint8_t)page_root(n);
    }
    all.n = keep;
    t->dirty = all;
    if (err) t->broken = 1;
    if (permutations) *permutations = q.permutations;
    return err;
}

int zs_smt_prove(zs_smt_t *t, const zs_smt_key_t *key, zs_u256_t *value, zs_smt_proof_t *proof)
{
    if (t->broken) return ZS_ERR_STATE;
    if (zs_smt_dirty(t)) return ZS_ERR_STATE;
    node_t **path[ZS_SMT_MAX_DEPTH + 1];
    node_t **slot;
    int depth;
    int err = descend(t, key, path, &slot, &depth, 0);
    if (err) return err;
    memset(proof, 0, sizeof *proof);
    proof->levels = depth;
    for (int i = 0; i < depth; i++) {
        branch_t *b = (branch_t *)*path[i];
        node_t *sib = b->child[!zs_smt_key_bit(key, i)];
        if (sib) memcpy(proof->siblings[i], sib->hash, 32);
    }
    *value = zs_u256_from_u64(0);
    node_t *n = *slot;
    if (n) {
        leaf_t *l = (leaf_t *)n;
        proof->has_leaf = 1;
        zs_smt_remaining_key(&l->key, depth, proof->rkey);
        memcpy(proof->vhash, l->vhash, 32);
        if (key_eq(&l->key, key)) *value = l->value;
    }
    return ZS_OK;
}

size_t zs_smt_cold(zs_smt_t *t, const zs_smt_key_t *keys, size_t n, zs_smt_cold_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < max && !t->broken; i++) {
        node_t **slot, *s;
        int depth;
        if (descend(t, &keys[i], NULL, &slot, &depth, 1) || !(s = *slot) || s->kind != K_STUB) continue;
        out[k++] = (zs_smt_cold_t){{s->ver, {s->hash[0], s->hash[1], s->hash[2], s->hash[3]}}, depth, keys[i]};
    }
    return k;
}

int zs_smt_max_level(const zs_smt_t *t)
{
    return t->max_level;
}
