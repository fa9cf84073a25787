/* zs_smt_page: reading a page's row (zs_smt.h): its shape checked, every
   node in it hashed again.  Pure: no tree, no store; any thread. */
#include <string.h>

#include "host/state/zs_smt.h"
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
        uint64_t v;
        memcpy(&v, b, 8);
        n->ver = __builtin_bswap64(v);
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

/* Runs the n states of a level together (SIMD lanes) and gives each node
   its hash (or, for value hashes, its leaf's value hash). */
static void run_level(zs_smt_page_t *pg, uint64_t (*st)[12], const uint8_t *who, size_t n, int values)
{
    if (!n) return;
    zs_poseidon_permute_batch(st, n);
    for (size_t k = 0; k < n; k++) memcpy(values ? pg->node[who[k]].vhash : pg->node[who[k]].hash, st[k], 32);
    pg->permutations += n;
}

/* Hashes the page level by level from the lower edge up, each level's
   permutations in one batch: the leaves' value hashes first, then at each
   depth its leaves and branches (whose children are hashed by then). */
static void hash_page(zs_smt_page_t *pg)
{
    uint64_t st[ZS_SMT_PAGE_NODES][12];
    uint8_t who[ZS_SMT_PAGE_NODES];
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++) {
        if (pg->node[i].kind != ZS_SMT_PAGE_LEAF) continue;
        memset(st[n], 0, sizeof st[n]);
        zs_smt_value_limbs(&pg->node[i].value, st[n]);
        who[n++] = (uint8_t)i;
    }
    run_level(pg, st, who, n, 1);
    for (int d = ZS_SMT_PAGE_LEVELS - 1; d >= 0; d--) {
        n = 0;
        for (size_t i = 0; i < pg->n; i++) {
            const zs_smt_page_node_t *e = &pg->node[i];
            if (e->depth != d || e->kind == ZS_SMT_PAGE_REF) continue;
            uint64_t *s = st[n];
            memset(s, 0, sizeof st[n]);
            if (e->kind == ZS_SMT_PAGE_LEAF) {
                memcpy(s, e->rkey, 32);
                memcpy(s + 4, e->vhash, 32);
                s[8] = 1;
            } else {
                if (e->child[0]) memcpy(s, pg->node[e->child[0]].hash, 32);
                if (e->child[1]) memcpy(s + 4, pg->node[e->child[1]].hash, 32);
            }
            who[n++] = (uint8_t)i;
        }
        run_level(pg, st, who, n, 0);
    }
}

int zs_smt_page_decode(const uint8_t *row, size_t len, zs_smt_page_t *pg)
{
    reader_t r = {row, len, 0, pg};
    pg->n = 0;
    pg->permutations = 0;
    if (read_node(&r, 0, 0) < 0 || r.at != len) return ZS_ERR_CORRUPT;
    hash_page(pg);
    return ZS_OK;
}
