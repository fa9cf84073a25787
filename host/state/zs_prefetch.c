/* zs_prefetch: pages read ahead of the state tree (zs_prefetch.h). */
#include "host/state/zs_prefetch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hmap.h"

/* A cached page, found by its reference: the root's hash first (well mixed
   bytes for the map), then the row's version. */
typedef struct entry {
    void *link;
    uint64_t key[5];
    int used;
    zs_smt_page_t page;
} entry_t;

#define KOFF offsetof(entry_t, key)
#define QUEUE 4096 /* paths waiting */
#define BATCH 16   /* paths read together */

/* A path waiting; past: the tree has read its first page meanwhile. */
typedef struct {
    zs_smt_cold_t c;
    int past;
} path_t;

/* A page the tree read itself (the last SEEN of them). */
typedef struct {
    void *link;
    uint64_t key[5];
    int used;
} seen_t;

#define SEEN_KOFF offsetof(seen_t, key)
#define SEEN 4096

struct zs_prefetch {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    zs_smt_loader_t raw;
    /* The cache: a ring of slots reused oldest first, and the map. */
    entry_t *slots;
    size_t nslots, next;
    zs_hmap_t map;
    /* The paths waiting, a ring in the order handed over (head: the
       oldest); the thread takes the newest. */
    path_t queue[QUEUE];
    size_t head, count;
    seen_t *seen;
    size_t seen_next;
    zs_hmap_t seen_map;
    int busy, stop;
    zs_prefetch_stats_t st;
};

/* Copies a page's n nodes only (a page deep in the tree holds a few of
   its 31). */
static void page_copy(zs_smt_page_t *dst, const zs_smt_page_t *src)
{
    dst->n = src->n;
    dst->permutations = src->permutations;
    dst->hashed = src->hashed;
    memcpy(dst->node, src->node, src->n * sizeof src->node[0]);
}

static void ref_key(const zs_smt_ref_t *ref, uint64_t key[5])
{
    memcpy(key, ref->hash, 32);
    key[4] = ref->ver;
}

/* The cached page at ref, or NULL (the lock held). */
static entry_t *find(zs_prefetch_t *pf, const zs_smt_ref_t *ref)
{
    uint64_t key[5];
    ref_key(ref, key);
    return zs_hmap_get(&pf->map, key, sizeof key, KOFF);
}

/* Keeps a checked page (the lock held): in the oldest slot, whose page
   leaves the cache if nobody took it. */
static void keep(zs_prefetch_t *pf, const zs_smt_ref_t *ref, const zs_smt_page_t *pg)
{
    if (find(pf, ref)) return;
    entry_t *e = &pf->slots[pf->next];
    if (e->used) {
        zs_hmap_del(&pf->map, e, KOFF);
        pf->st.evicted++;
    }
    ref_key(ref, e->key);
    page_copy(&e->page, pg);
    e->used = 1;
    if (zs_hmap_put(&pf->map, e, KOFF)) {
        e->used = 0; /* the map could not grow: not kept */
        return;
    }
    pf->next = (pf->next + 1) % pf->nslots;
    pf->st.read++;
}

/* A path whose first page the tree has read goes on from the page below
   it: the first from the cache, or read, hashed, checked and kept there
   (the paths of many keys start at such a page after a restart): 1, or 0
   when nothing is left to read. */
static int past_first(zs_prefetch_t *pf, zs_smt_cold_t *c, zs_smt_page_t *pg)
{
    pthread_mutex_lock(&pf->mu);
    entry_t *e = find(pf, &c->ref);
    if (e) page_copy(pg, &e->page);
    pthread_mutex_unlock(&pf->mu);
    if (!e) {
        if (pf->raw.load(pf->raw.ctx, &c->ref, pg)) return 0;
        zs_smt_page_hash_many(&pg, 1);
        if (memcmp(pg->node[0].hash, c->ref.hash, 32)) return 0;
        pthread_mutex_lock(&pf->mu);
        keep(pf, &c->ref, pg);
        pthread_mutex_unlock(&pf->mu);
    }
    size_t x = zs_smt_page_exit(pg, c->depth, &c->key);
    if (!x) return 0;
    c->ref.ver = pg->node[x].ver;
    memcpy(c->ref.hash, pg->node[x].hash, 32);
    c->depth += ZS_SMT_PAGE_LEVELS;
    return 1;
}

/* A path being read: where its next page is, the pages so far. */
typedef struct {
    zs_smt_cold_t at;
    zs_smt_ref_t refs[ZS_SMT_PATH_PAGES];
    zs_smt_page_t *pgs;
    int n, live, failed;
} walk_t;

/* The next page of each live walk (the lock not held): from the cache, or
   read, all at once when the loader reads many. */
static void next_pages(zs_prefetch_t *pf, walk_t *w, size_t nw)
{
    zs_smt_page_t *outs[BATCH];
    int rcs[BATCH];
    size_t who[BATCH], m = 0;
    pthread_mutex_lock(&pf->mu);
    for (size_t i = 0; i < nw; i++) {
        if (!w[i].live) continue;
        entry_t *e = find(pf, &w[i].at.ref);
        if (e) {
            page_copy(&w[i].pgs[w[i].n], &e->page);
            rcs[m] = ZS_OK;
        } else {
            rcs[m] = 1; /* to read */
        }
        outs[m] = &w[i].pgs[w[i].n];
        who[m++] = i;
    }
    pthread_mutex_unlock(&pf->mu);
    /* Each page read once (right after a restart the paths share their
       first pages); a walk that wants one already asked for copies it. */
    zs_smt_ref_t rr[BATCH];
    zs_smt_page_t *ro[BATCH];
    int rrc[BATCH];
    size_t k = 0, map[BATCH], same[BATCH];
    for (size_t j = 0; j < m; j++) {
        const zs_smt_ref_t *ref = &w[who[j]].at.ref;
        same[j] = BATCH;
        for (size_t q = 0; q < k && rcs[j] == 1 && same[j] == BATCH; q++)
            if (rr[q].ver == ref->ver && !memcmp(rr[q].hash, ref->hash, 32)) same[j] = q;
        if (rcs[j] == 1 && same[j] == BATCH) rr[k] = *ref, ro[k] = outs[j], map[k++] = j;
    }
    if (k && pf->raw.load_many) pf->raw.load_many(pf->raw.ctx, rr, k, ro, rrc);
    for (size_t q = 0; q < k; q++) rcs[map[q]] = pf->raw.load_many ? rrc[q] : pf->raw.load(pf->raw.ctx, &rr[q], ro[q]);
    for (size_t j = 0; j < m; j++) {
        if (same[j] == BATCH) continue;
        rcs[j] = rcs[map[same[j]]];
        if (!rcs[j]) page_copy(outs[j], ro[same[j]]);
    }
    for (size_t j = 0; j < m; j++) {
        walk_t *x = &w[who[j]];
        if (rcs[j]) { /* as zs_smt_page_read_path: the path fails */
            x->live = 0;
            x->failed = 1;
            continue;
        }
        x->refs[x->n] = x->at.ref;
        size_t exit = zs_smt_page_exit(&x->pgs[x->n], x->at.depth, &x->at.key);
        x->n++;
        if (!exit || x->n == ZS_SMT_PATH_PAGES) {
            x->live = 0;
            continue;
        }
        x->at.ref.ver = x->pgs[x->n - 1].node[exit].ver;
        memcpy(x->at.ref.hash, x->pgs[x->n - 1].node[exit].hash, 32);
        x->at.depth += ZS_SMT_PAGE_LEVELS;
    }
}

/* Reads paths (the lock not held) a level of all of them at a time, hashes
   their pages together and checks each against the hash its parent names
   (as zs_smt_page_read_path does for one), and keeps the pages of those
   that pass. */
static void read_paths(zs_prefetch_t *pf, path_t *p, size_t np, zs_smt_page_t *pool)
{
    walk_t w[BATCH];
    zs_smt_page_t *all[BATCH * ZS_SMT_PATH_PAGES];
    for (size_t i = 0; i < np; i++) {
        w[i] = (walk_t){.at = p[i].c, .pgs = pool + i * ZS_SMT_PATH_PAGES, .live = 1};
        if (p[i].past && !past_first(pf, &w[i].at, w[i].pgs)) w[i].live = 0;
    }
    for (int level = 0; level < ZS_SMT_PATH_PAGES; level++) next_pages(pf, w, np);
    size_t na = 0;
    for (size_t i = 0; i < np; i++)
        for (int k = 0; k < w[i].n && !w[i].failed; k++) all[na++] = &w[i].pgs[k];
    zs_smt_page_hash_many(all, na);
    pthread_mutex_lock(&pf->mu);
    for (size_t i = 0; i < np; i++) {
        for (int k = 0; k < w[i].n && !w[i].failed; k++)
            w[i].failed = memcmp(w[i].pgs[k].node[0].hash, w[i].refs[k].hash, 32) != 0;
        if (w[i].failed) pf->st.failed++;
        for (int k = 0; k < w[i].n && !w[i].failed; k++) keep(pf, &w[i].refs[k], &w[i].pgs[k]);
    }
    pthread_mutex_unlock(&pf->mu);
}

/* The tree meets the paths it is handed in the order they were handed
   over: reading the newest first, the thread starts where the tree will
   be last, and the two meet once instead of reading the same pages one
   after the other.  The pages the tree reads itself (the last SEEN of
   them) are noted here, a map lookup, so that the tree's miss costs no
   walk over the queue (the lock held)... */
static void tree_read(zs_prefetch_t *pf, const zs_smt_ref_t *ref)
{
    uint64_t key[5];
    ref_key(ref, key);
    if (zs_hmap_get(&pf->seen_map, key, sizeof key, SEEN_KOFF)) return;
    seen_t *e = &pf->seen[pf->seen_next];
    if (e->used) zs_hmap_del(&pf->seen_map, e, SEEN_KOFF);
    memcpy(e->key, key, sizeof key);
    e->used = !zs_hmap_put(&pf->seen_map, e, SEEN_KOFF);
    pf->seen_next = (pf->seen_next + 1) % SEEN;
}

/* ...and a path that starts at one is dropped: the tree read the rest of
   its own key's path with it, and below the top two levels of pages a
   page is on few keys' paths.  In those two levels (the first pages read
   after a restart, each on the paths of many keys) the path goes on from
   the page below.  1 when p is dropped (the lock held). */
static int skip(zs_prefetch_t *pf, path_t *p)
{
    uint64_t key[5];
    ref_key(&p->c.ref, key);
    if (!zs_hmap_get(&pf->seen_map, key, sizeof key, SEEN_KOFF)) return 0;
    if (p->c.depth < 2 * ZS_SMT_PAGE_LEVELS && !p->past) {
        p->past = 1;
        return 0;
    }
    pf->st.dropped++;
    return 1;
}

static void *run(void *arg)
{
    zs_prefetch_t *pf = arg;
    zs_smt_page_t *pool = malloc(BATCH * ZS_SMT_PATH_PAGES * sizeof *pool);
    pthread_mutex_lock(&pf->mu);
    for (;;) {
        while (!pf->count && !pf->stop) pthread_cond_wait(&pf->work, &pf->mu);
        if (pf->stop) break;
        path_t batch[BATCH];
        size_t np = 0;
        while (np < BATCH && pf->count) { /* the newest first: see tree_read() */
            batch[np] = pf->queue[(pf->head + --pf->count) % QUEUE];
            if (!skip(pf, &batch[np])) np++;
        }
        if (np) {
            pf->busy = 1;
            pthread_mutex_unlock(&pf->mu);
            if (pool) read_paths(pf, batch, np, pool);
            pthread_mutex_lock(&pf->mu);
            if (!pool) pf->st.failed += np;
            pf->busy = 0;
        }
        if (!pf->count) pthread_cond_broadcast(&pf->idle);
    }
    pthread_mutex_unlock(&pf->mu);
    free(pool);
    return NULL;
}

zs_prefetch_t *zs_prefetch_new(const zs_smt_loader_t *loader, size_t max_pages)
{
    zs_prefetch_t *pf = calloc(1, sizeof *pf);
    if (!pf) return NULL;
    pf->raw = *loader;
    pf->nslots = max_pages ? max_pages : 1;
    pf->slots = calloc(pf->nslots, sizeof *pf->slots);
    pf->seen = calloc(SEEN, sizeof *pf->seen);
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->work, NULL);
    pthread_cond_init(&pf->idle, NULL);
    if (!pf->slots || !pf->seen || pthread_create(&pf->th, NULL, run, pf)) {
        free(pf->slots);
        free(pf->seen);
        pthread_mutex_destroy(&pf->mu);
        pthread_cond_destroy(&pf->work);
        pthread_cond_destroy(&pf->idle);
        free(pf);
        return NULL;
    }
    pthread_setname_np(pf->th, "zs-prefetch");
    return pf;
}

void zs_prefetch_free(zs_prefetch_t *pf)
{
    if (!pf) return;
    pthread_mutex_lock(&pf->mu);
    pf->stop = 1;
    pthread_cond_broadcast(&pf->work);
    pthread_mutex_unlock(&pf->mu);
    pthread_join(pf->th, NULL);
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->work);
    pthread_cond_destroy(&pf->idle);
    free(pf->map.b);
    free(pf->seen_map.b);
    free(pf->slots);
    free(pf->seen);
    free(pf);
}

void zs_prefetch_add(zs_prefetch_t *pf, const zs_smt_cold_t *paths, size_t n)
{
    if (!n) return;
    pthread_mutex_lock(&pf->mu);
    for (size_t i = 0; i < n; i++) {
        pf->st.asked++;
        if (pf->count == QUEUE) { /* full: the oldest path goes */
            pf->head = (pf->head + 1) % QUEUE;
            pf->count--;
            pf->st.dropped++;
        }
        pf->queue[(pf->head + pf->count++) % QUEUE] = (path_t){paths[i], 0};
    }
    pthread_cond_signal(&pf->work);
    pthread_mutex_unlock(&pf->mu);
}

int zs_prefetch_take(zs_prefetch_t *pf, const zs_smt_ref_t *ref, zs_smt_page_t *out)
{
    pthread_mutex_lock(&pf->mu);
    entry_t *e = find(pf, ref);
    if (e) {
        page_copy(out, &e->page);
        zs_hmap_del(&pf->map, e, KOFF);
        e->used = 0;
        pf->st.taken++;
    } else {
        pf->st.missed++;
        tree_read(pf, ref);
    }
    pthread_mutex_unlock(&pf->mu);
    return e != NULL;
}

void zs_prefetch_wait(zs_prefetch_t *pf)
{
    pthread_mutex_lock(&pf->mu);
    while (pf->count || pf->busy) pthread_cond_wait(&pf->idle, &pf->mu);
    pthread_mutex_unlock(&pf->mu);
}

void zs_prefetch_stats(zs_prefetch_t *pf, zs_prefetch_stats_t *out)
{
    pthread_mutex_lock(&pf->mu);
    *out = pf->st;
    pthread_mutex_unlock(&pf->mu);
}
