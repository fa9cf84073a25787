/* zs_smt_page: reading a page's row (zs_smt.h): its shape checked, every
   node in it hashed again; a path's pages read through a loader and hashed
   together.  No tree, no store of its own; any thread. */
#include <string.h>

#include "host/state/zs_smt.h"
#include "lib/base/zs_bytes.h"
#include "lib/poseidon/zs_poseidon.h"

#define P 0xffffffff00000001ull

typedef struct {
    const uint8_t *p;
    size_t len, at;
    zs_smt_page_t *pg;
} reader_t;

static int canonical(const uint8_t *p)
{
    uint64_t v[4];
    memcpy(v, p, 32);
    return v[0] < P && v[1] < P && v[2] < P && v[3] < P;
}

static int take(reader_t *r, size_t n, const uint8_t **out)
{
    if (r->len - r->at < n) return ZS_ERR_CORRUPT;
    *out = r->p + r->at;
    r->at += n;
    return ZS_OK;
}

/* Reads the node at (depth, path): its index in node[], 0 when empty, or
   a negative error.  Branches may stand only above the lower edge,
   references only on it; leaves anywhere above it but the edge. */
static int read_node(reader_t *r, int depth, uint8_t path)
{
    const uint8_t *b;
    if (take(r, 1, &b)) return ZS_ERR_CORRUPT;
    uint8_t tag = b[0];
    if (tag == ZS_SMT_PAGE_EMPTY) return depth ? 0 : ZS_ERR_CORRUPT;
    int edge = depth == ZS_SMT_PAGE_LEVELS;
    if ((tag == ZS_SMT_PAGE_REF) != edge || tag > ZS_SMT_PAGE_REF) return ZS_ERR_CORRUPT;
    zs_smt_page_t *pg = r->pg;
    size_t i = pg->n++;
    zs_smt_page_node_t *n = &pg->node[i];
    memset(n, 0, sizeof *n);
    n->kind = tag;
    n->depth = (uint8_t)depth;
    n->path = path;
    if (tag == ZS_SMT_PAGE_REF) {
        if (take(r, 40, &b) || !canonical(b + 8)) return ZS_ERR_CORRUPT;
        n->ver = zs_get_be64(b);
        memcpy(n->hash, b + 8, 32);
    } else if (tag == ZS_SMT_PAGE_LEAF) {
        if (take(r, 64, &b) || !canonical(b)) return ZS_ERR_CORRUPT;
        memcpy(n->rkey, b, 32);
        n->value = zs_u256_from_be32(b + 32);
        if (zs_u256_is_zero(&n->value)) return ZS_ERR_CORRUPT; /* a zero value is no leaf */
    } else {
        for (int side = 0; side < 2; side++) {
            int c = read_node(r, depth + 1, (uint8_t)(path | side << depth));
            if (c < 0) return c;
            n->child[side] = (uint8_t)c;
        }
        if (!n->child[0] && !n->child[1]) return ZS_ERR_CORRUPT; /* an empty subtree is no branch */
    }
    return (int)i;
}

/* Hashes pages level by level from their lower edges up, each level of
   all of them in one batch of permutations (SIMD lanes): the leaves' value
   hashes first, then at each depth its leaves and branches, whose children
   are hashed by then. */
void zs_smt_page_hash_many(zs_smt_page_t *const *pgs, size_t npages)
{
    enum { GROUP = 16, MAX = GROUP * ZS_SMT_PAGE_NODES };
    uint64_t st[MAX][12];
    zs_smt_page_node_t *who[MAX];
    for (size_t first = 0; first < npages;) {
        size_t count = npages - first < GROUP ? npages - first : GROUP;
        for (int d = ZS_SMT_PAGE_LEVELS; d >= 0; d--) { /* d == LEVELS: the value hashes */
            size_t n = 0;
            for (size_t p = first; p < first + count; p++) {
                zs_smt_page_t *pg = pgs[p];
                for (size_t i = 0; i < pg->n && !pg->hashed; i++) {
                    zs_smt_page_node_t *e = &pg->node[i];
                    uint64_t *s = st[n];
                    if (d == ZS_SMT_PAGE_LEVELS) {
                        if (e->kind != ZS_SMT_PAGE_LEAF) continue;
                        memset(s, 0, sizeof st[n]);
                        zs_smt_value_limbs(&e->value, s);
                    } else if (e->depth != d || e->kind == ZS_SMT_PAGE_REF) {
                        continue;
                    } else if (e->kind == ZS_SMT_PAGE_LEAF) {
                        memset(s, 0, sizeof st[n]);
                        memcpy(s, e->rkey, 32);
                        memcpy(s + 4, e->vhash, 32);
                        s[8] = 1;
                    } else {
                        memset(s, 0, sizeof st[n]);
                        if (e->child[0]) memcpy(s, pg->node[e->child[0]].hash, 32);
                        if (e->child[1]) memcpy(s + 4, pg->node[e->child[1]].hash, 32);
                    }
                    who[n++] = e;
                    pg->permutations++;
                }
            }
            if (!n) continue;
            zs_poseidon_permute_batch(st, n);
            for (size_t k = 0; k < n; k++) memcpy(d == ZS_SMT_PAGE_LEVELS ? who[k]->vhash : who[k]->hash, st[k], 32);
        }
        for (size_t p = first; p < first + count; p++) pgs[p]->hashed = 1;
        first += count;
    }
}

int zs_smt_page_parse(const uint8_t *row, size_t len, zs_smt_page_t *pg)
{
    reader_t r = {row, len, 0, pg};
    pg->n = 0;
    pg->permutations = 0;
    pg->hashed = 0;
    return read_node(&r, 0, 0) < 0 || r.at != len ? ZS_ERR_CORRUPT : ZS_OK;
}

int zs_smt_page_decode(const uint8_t *row, size_t len, zs_smt_page_t *pg)
{
    int rc = zs_smt_page_parse(row, len, pg);
    if (!rc) zs_smt_page_hash_many(&pg, 1);
    return rc;
}

size_t zs_smt_page_exit(const zs_smt_page_t *pg, int depth, const zs_smt_key_t *key)
{
    for (size_t i = 0;;) {
        const zs_smt_page_node_t *e = &pg->node[i];
        if (e->kind == ZS_SMT_PAGE_REF) return i;
        if (e->kind != ZS_SMT_PAGE_BRANCH) return 0;
        if (!(i = e->child[zs_smt_key_bit(key, depth + e->depth)])) return 0;
    }
}

int zs_smt_page_read_path(const zs_smt_loader_t *l, const zs_smt_ref_t *at, int depth, const zs_smt_key_t *key,
                          size_t max, zs_smt_page_t *pgs, zs_smt_ref_t *refs)
{
    zs_smt_page_t *ptr[ZS_SMT_PATH_PAGES];
    zs_smt_ref_t mine[ZS_SMT_PATH_PAGES], *want = refs ? refs : mine;
    if (max > ZS_SMT_PATH_PAGES) max = ZS_SMT_PATH_PAGES;
    want[0] = *at;
    size_t n = 0;
    for (;;) {
        int rc = l->load(l->ctx, &want[n], &pgs[n]);
        if (rc) return rc == ZS_ERR_NOTFOUND && n ? ZS_ERR_CORRUPT : rc;
        ptr[n] = &pgs[n];
        n++;
        size_t x = n < max ? zs_smt_page_exit(&pgs[n - 1], depth + ZS_SMT_PAGE_LEVELS * (int)(n - 1), key) : 0;
        if (!x) break;
        want[n].ver = pgs[n - 1].node[x].ver;
        memcpy(want[n].hash, pgs[n - 1].node[x].hash, 32);
    }
    zs_smt_page_hash_many(ptr, n);
    for (size_t k = 0; k < n; k++)
        if (memcmp(pgs[k].node[0].hash, want[k].hash, 32)) return ZS_ERR_CORRUPT;
    return (int)n;
}
