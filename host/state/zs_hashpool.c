#include "host/state/zs_hashpool.h"

#include <pthread.h>
#include <unistd.h>

#include "lib/poseidon/zs_poseidon.h"

#define MAX_HELPERS 15
#define MIN_SPLIT 512 /* below this, one thread: the hand-over costs more than it saves */

typedef struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    const uint64_t (*in)[12];
    uint64_t (*out)[4];
    size_t n;
    int busy;
} helper_t;

static helper_t helpers[MAX_HELPERS];
static unsigned nhelpers;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t in_use = PTHREAD_MUTEX_INITIALIZER;

static void *helper_main(void *arg)
{
    helper_t *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->busy) pthread_cond_wait(&h->go, &h->mu);
        pthread_mutex_unlock(&h->mu);
        zs_poseidon_hash_batch(h->in, h->out, h->n);
        pthread_mutex_lock(&h->mu);
        h->busy = 0;
        pthread_cond_signal(&h->done);
    }
    return NULL;
}

/* A forked child has none of the parent's threads: it hashes alone. */
static void forked_child(void) { nhelpers = 0; }

static void start(void)
{
    pthread_atfork(NULL, NULL, forked_child);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned want = cores > 1 ? (unsigned)(cores - 1) : 0;
    if (want > MAX_HELPERS) want = MAX_HELPERS;
    for (unsigned i = 0; i < want; i++) {
        helper_t *h = &helpers[i];
        pthread_mutex_init(&h->mu, NULL);
        pthread_cond_init(&h->go, NULL);
        pthread_cond_init(&h->done, NULL);
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&h->th, &a, helper_main, h);
        pthread_attr_destroy(&a);
        if (rc) break;
        pthread_setname_np(h->th, "zs-hash");
        nhelpers++;
    }
}

unsigned zs_hashpool_helpers(void)
{
    pthread_once(&once, start);
    return nhelpers;
}

void zs_hashpool_hash(const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    if (n < MIN_SPLIT || !zs_hashpool_helpers() || pthread_mutex_trylock(&in_use)) {
        zs_poseidon_hash_batch(in, out, n);
        return;
    }
    unsigned parts = nhelpers + 1;
    if (n / parts < MIN_SPLIT / 2) parts = (unsigned)(n / (MIN_SPLIT / 2));
    if (parts < 2) parts = 2;
    /* Shares in multiples of 8 (the widest lane count), rounded up so that
       parts of them cover all n (rounding n / parts down lost the last
       states when n was not a multiple of parts). */
    size_t share = ((n + parts - 1) / parts + 7) & ~(size_t)7, pos = share;
    unsigned used = 0;
    for (unsigned i = 0; i + 1 < parts && pos < n; i++, used++) {
        helper_t *h = &helpers[i];
        size_t k = n - pos < share ? n - pos : share;
        pthread_mutex_lock(&h->mu);
        h->in = in + pos;
        h->out = out + pos;
        h->n = k;
        h->busy = 1;
        pthread_cond_signal(&h->go);
        pthread_mutex_unlock(&h->mu);
        pos += k;
    }
    zs_poseidon_hash_batch(in, out, share < n ? share : n);
    for (unsigned i = 0; i < used; i++) {
        helper_t *h = &helpers[i];
        pthread_mutex_lock(&h->mu);
        while (h->busy) pthread_cond_wait(&h->done, &h->mu);
        pthread_mutex_unlock(&h->mu);
    }
    pthread_mutex_unlock(&in_use);
}
