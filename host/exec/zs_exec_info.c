/* The open block's info tree (zs_exec_int.h: exec_info_*).

   Without a helper the leaves go into the tree as they come and the whole
   tree is hashed when the block ends, on the caller's thread.  With one
   (the sequencer's way), the caller only queues the leaves; a helper
   thread takes them in and, each `pass` leaves, hashes the changes below
   the tree's top levels (zs_smt_hash_below), so that the block's end (on
   the caller's thread) hashes only the top and the last leaves' paths:
   the sequencer's pause while a block seals, in blocks of AHEAD_PASSES
   passes or more.  The top left for the end is the levels above a quarter
   of the leaves the last block had: a deeper one and the passes hash the
   nodes under it again and again; a shallower one and the end hashes more.
   A block of 500 transfers (2,000 leaves): 600 permutations at its end in
   place of 5,900, 8,600 in all.  The root is the same either way: it
   depends on the leaves, not on when they were hashed. */
#include "host/exec/zs_exec_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_grow.h"

/* In blocks under eight passes' leaves (the sequencer's: 512, 128
   transfers) the end hashes them in under a millisecond, and passes ahead
   would cost more than they save: the helper only takes them in. */
#define AHEAD_PASSES 8

typedef struct {
    zs_smt_key_t k;
    zs_u256_t v;
} leaf_t;

struct exec_info {
    zs_smt_t *tree;
    size_t pass; /* 0: no helper */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    leaf_t *q; /* queued by the caller */
    size_t nq, capq;
    leaf_t *taken; /* the helper's, while it puts them in */
    size_t captaken;
    size_t leaves, last_leaves; /* taken in this block, and in the last one */
    int busy; /* the tree in use: by the helper in a pass, or by the caller at the end */
    int quit, rc;
};

/* Leaves into the tree; then the root, or (root NULL) the changes below
   the top hashed. */
static int put_and_hash(exec_info_t *in, const leaf_t *l, size_t n, uint64_t root[4])
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = zs_smt_set(in->tree, &l[i].k, &l[i].v);
    in->leaves += n;
    if (rc) return rc;
    if (!root) {
        size_t expect = in->leaves > in->last_leaves ? in->leaves : in->last_leaves;
        if (expect < AHEAD_PASSES * in->pass) return ZS_OK;
        int top = 63 - __builtin_clzll((unsigned long long)expect | 1) - 2;
        return zs_smt_hash_below(in->tree, top > 1 ? top : 1, NULL);
    }
    zs_smt_ref_t ref;
    if (!(rc = zs_smt_commit(in->tree, 0, &ref, NULL))) memcpy(root, ref.hash, 32);
    in->last_leaves = in->leaves;
    return rc;
}

/* Under mu, with the tree free (not busy): the queue, taken whole (the
   caller queues into the spare array meanwhile); the tree is then busy. */
static leaf_t *take_queue(exec_info_t *in, size_t *n)
{
    leaf_t *l = in->q;
    size_t cap = in->capq;
    *n = in->nq;
    in->q = in->taken;
    in->capq = in->captaken;
    in->nq = 0;
    in->taken = l;
    in->captaken = cap;
    in->busy = 1;
    return l;
}

/* Under mu: the tree free again, after rc. */
static void release(exec_info_t *in, int rc)
{
    in->busy = 0;
    in->rc = rc;
    pthread_cond_broadcast(&in->idle);
}

/* Under mu, the tree free: the queue into the tree and hashed (root
   NULL: below the top), mu let go meanwhile. */
static int pass_locked(exec_info_t *in, uint64_t root[4])
{
    size_t n;
    leaf_t *l = take_queue(in, &n);
    int rc = in->rc;
    pthread_mutex_unlock(&in->mu);
    if (!rc) rc = put_and_hash(in, l, n, root);
    pthread_mutex_lock(&in->mu);
    release(in, rc);
    return rc;
}

static void *helper_main(void *arg)
{
    exec_info_t *in = arg;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!in->quit && (in->busy || in->nq < in->pass)) pthread_cond_wait(&in->work, &in->mu);
        if (in->quit) break;
        (void)pass_locked(in, NULL); /* an error stays in in->rc */
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

exec_info_t *exec_info_new(size_t pass)
{
    exec_info_t *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    in->pass = pass;
    if (!pass) return in;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->work, NULL);
    pthread_cond_init(&in->idle, NULL);
    if (pthread_create(&in->th, NULL, helper_main, in)) {
        pthread_mutex_destroy(&in->mu);
        pthread_cond_destroy(&in->work);
        pthread_cond_destroy(&in->idle);
        free(in);
        return NULL;
    }
    pthread_setname_np(in->th, "zs-infotree");
    return in;
}

/* The helper between passes; what it was given is dropped. */
static void helper_stop(exec_info_t *in)
{
    in->nq = 0;
    while (in->busy) pthread_cond_wait(&in->idle, &in->mu);
}

void exec_info_free(exec_info_t *in)
{
    if (!in) return;
    if (in->pass) {
        pthread_mutex_lock(&in->mu);
        helper_stop(in);
        in->quit = 1;
        pthread_cond_signal(&in->work);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->th, NULL);
        pthread_mutex_destroy(&in->mu);
        pthread_cond_destroy(&in->work);
        pthread_cond_destroy(&in->idle);
    }
    zs_smt_delete(in->tree);
    free(in->q);
    free(in->taken);
    free(in);
}

int exec_info_begin(exec_info_t *in, const zs_smt_hasher_t *hasher)
{
    if (in->pass) {
        pthread_mutex_lock(&in->mu);
        helper_stop(in);
    }
    zs_smt_delete(in->tree);
    in->tree = zs_smt_new(NULL, NULL, hasher);
    in->rc = in->tree ? ZS_OK : ZS_ERR_NOMEM;
    in->leaves = 0;
    int rc = in->rc;
    if (in->pass) pthread_mutex_unlock(&in->mu);
    return rc;
}

int exec_info_set(exec_info_t *in, const zs_smt_key_t *const *k, const zs_u256_t *v, size_t n)
{
    int rc = 0;
    if (!in->pass) {
        for (size_t i = 0; i < n && !rc; i++) rc = zs_smt_set(in->tree, k[i], &v[i]);
        return rc;
    }
    pthread_mutex_lock(&in->mu);
    if (!(rc = in->rc) && (rc = zs_grow((void **)&in->q, &in->capq, in->nq + n, sizeof *in->q, 1024))) in->rc = rc;
    if (!rc) {
        size_t before = in->nq;
        for (size_t i = 0; i < n; i++) in->q[in->nq++] = (leaf_t){*k[i], v[i]};
        if (before < in->pass && in->nq >= in->pass) pthread_cond_signal(&in->work);
    }
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* The end on the caller's own thread: waking the helper for it would add
   a wake-up (milliseconds on busy cores) to the pause it is there to cut. */
int exec_info_root(exec_info_t *in, uint64_t root[4])
{
    if (!in->pass) return put_and_hash(in, NULL, 0, root);
    pthread_mutex_lock(&in->mu);
    while (in->busy) pthread_cond_wait(&in->idle, &in->mu); /* a pass under way */
    int rc = pass_locked(in, root);
    pthread_mutex_unlock(&in->mu);
    return rc;
}
