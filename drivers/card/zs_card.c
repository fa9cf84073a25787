/* zs_card: the queue, the workers and the buffers, over a backend's table
   of functions (zs_card_backend.h). */
#include "drivers/card/zs_card.h"
#include "drivers/card/zs_card_backend.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fpga/kernels/zs_kernels.h"
#include "lib/gl/zs_gl.h"

#define SLOTS 1024
#define DONE_MAGIC 0x5a4b534551444f4eull /* "ZKSEQDON" */

typedef enum { S_FREE, S_QUEUED, S_RUNNING, S_DONE } slot_state_t;

typedef struct {
    uint64_t ticket;
    slot_state_t state;
    int abandoned;  /* the caller gave up waiting: free the slot when done */
    zs_card_job_t job;
    int status;     /* completion record: status and check */
    uint64_t check; /* ticket ^ DONE_MAGIC when intact */
} slot_t;

typedef struct {
    struct zs_card *card;
    unsigned index;
} worker_arg_t;

struct zs_card {
    const zs_card_ops_t *ops;
    void *state; /* the backend's */
    char device[256];
    worker_arg_t *args;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    slot_t slots[SLOTS];
    uint64_t next_ticket;
    int stop;
    pthread_t *threads;
    unsigned nthreads;
    zs_card_stats_t st;
};

/* ---- Backends: the built-in ones and those a test build registers. */

static const zs_card_ops_t *registered[4];
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;

int zs_card_register(const zs_card_ops_t *ops)
{
    pthread_mutex_lock(&reg_mu);
    int rc = ZS_ERR_FULL;
    for (int i = 0; i < 4 && rc; i++)
        if (!registered[i] || registered[i] == ops) {
            registered[i] = ops;
            rc = ZS_OK;
        }
    pthread_mutex_unlock(&reg_mu);
    return rc;
}

static const zs_card_ops_t *find_backend(const char *name)
{
    if (!strcmp(name, zs_card_cpu_ops.name)) return &zs_card_cpu_ops;
    if (!strcmp(name, zs_card_xrt_ops.name)) return &zs_card_xrt_ops;
    const zs_card_ops_t *ops = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < 4 && !ops; i++)
        if (registered[i] && !strcmp(registered[i]->name, name)) ops = registered[i];
    pthread_mutex_unlock(&reg_mu);
    return ops;
}

/* ---- Jobs. */

size_t zs_card_job_in_bytes(const zs_card_job_t *j)
{
    switch (j->kernel) {
    case ZS_CARD_POSEIDON: return (size_t)j->n * 96;
    case ZS_CARD_MERKLE: return (size_t)j->n * 64;
    case ZS_CARD_KECCAK: return (size_t)j->n * j->arg[0] * 8 + (size_t)j->n * 4;
    case ZS_CARD_NTT: return ((size_t)8 << j->arg[0]) + ((size_t)4 << j->arg[0]);
    case ZS_CARD_KZG_BLOB: return (size_t)j->n * ZS_CARD_KZG_IN;
    }
    return 0;
}

size_t zs_card_job_out_bytes(const zs_card_job_t *j)
{
    switch (j->kernel) {
    case ZS_CARD_POSEIDON: return (size_t)j->n * 96;
    case ZS_CARD_MERKLE: return (size_t)j->n * 32;
    case ZS_CARD_KECCAK: return (size_t)j->n * 32;
    case ZS_CARD_NTT: return (size_t)8 << j->arg[0];
    case ZS_CARD_KZG_BLOB: return (size_t)j->n * ZS_CARD_KZG_OUT;
    }
    return 0;
}

void *zs_card_job_out(const zs_card_job_t *j)
{
    return (j->out ? j->out : j->in)->host;
}

static size_t need(const zs_card_buf_t *b) { return b ? b->bytes : 0; }

static int check_job(const zs_card_job_t *j)
{
    size_t n = j->n;
    switch (j->kernel) {
    case ZS_CARD_POSEIDON:
        return n && need(j->in) >= n * 96 && need(j->out) >= n * 96 ? ZS_OK : ZS_ERR_INVAL;
    case ZS_CARD_MERKLE:
        for (int c = 0; c < 4; c++)
            if (j->arg[c] >= ZS_GL_P) return ZS_ERR_INVAL;
        return n && need(j->in) >= n * 64 && need(j->out) >= n * 32 ? ZS_OK : ZS_ERR_INVAL;
    case ZS_CARD_KECCAK: {
        uint64_t slot = j->arg[0];
        if (!n || !slot || slot > ZS_K_KECCAK_MAX_WORDS || need(j->in) < n * slot * 8 || need(j->aux) < n * 4 ||
            need(j->out) < n * 32)
            return ZS_ERR_INVAL;
        const uint32_t *lens = j->aux->host;
        for (size_t i = 0; i < n; i++)
            if (lens[i] >= slot * 8) return ZS_ERR_INVAL;
        return ZS_OK;
    }
    case ZS_CARD_NTT: {
        uint64_t lg = j->arg[0];
        if (lg < 1 || lg > ZS_K_NTT_MAX_LOG) return ZS_ERR_INVAL;
        return need(j->in) >= ((size_t)8 << lg) && need(j->aux) >= ((size_t)4 << lg) ? ZS_OK : ZS_ERR_INVAL;
    }
    case ZS_CARD_KZG_BLOB:
        return n && j->out && j->out != j->in && need(j->in) >= n * ZS_CARD_KZG_IN && need(j->out) >= n * ZS_CARD_KZG_OUT
                   ? ZS_OK
                   : ZS_ERR_INVAL;
    }
    return ZS_ERR_INVAL;
}

/* ---- Buffers. */

zs_card_buf_t *zs_card_alloc(zs_card_t *c, size_t bytes)
{
    zs_card_buf_t *b = calloc(1, sizeof *b);
    if (!b || !bytes) {
        free(b);
        return NULL;
    }
    size_t align = c->ops->align ? c->ops->align : 64;
    b->bytes = bytes;
    b->alloc_bytes = (bytes + align - 1) & ~(align - 1);
    b->host = aligned_alloc(align, b->alloc_bytes);
    if (!b->host || (c->ops->buf_init && c->ops->buf_init(c->state, b))) {
        free(b->host);
        free(b);
        return NULL;
    }
    memset(b->host, 0, bytes);
    return b;
}

void *zs_card_map(zs_card_buf_t *b) { return b ? b->host : NULL; }
size_t zs_card_size(const zs_card_buf_t *b) { return b ? b->bytes : 0; }

void zs_card_free(zs_card_t *c, zs_card_buf_t *b)
{
    if (!b) return;
    if (c && c->ops->buf_free) c->ops->buf_free(c->state, b);
    free(b->host);
    free(b);
}

/* ---- The queue and its workers. */

/* The oldest queued slot (under mu), or NULL. */
static slot_t *oldest_queued(zs_card_t *c)
{
    slot_t *s = NULL;
    for (size_t i = 0; i < SLOTS; i++)
        if (c->slots[i].state == S_QUEUED && (!s || c->slots[i].ticket < s->ticket)) s = &c->slots[i];
    return s;
}

static void *worker(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-card");
    zs_card_t *c = ((worker_arg_t *)arg)->card;
    unsigned index = ((worker_arg_t *)arg)->index;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        slot_t *s = oldest_queued(c);
        if (!s) {
            if (c->stop) break;
            pthread_cond_wait(&c->work, &c->mu);
            continue;
        }
        s->state = S_RUNNING;
        zs_card_job_t j = s->job;
        pthread_mutex_unlock(&c->mu);
        zs_card_done_t done = {0};
        char why[192] = "";
        c->ops->run(c->state, index, &j, &done, why, sizeof why);
        pthread_mutex_lock(&c->mu);
        if (why[0]) snprintf(c->st.last_error, sizeof c->st.last_error, "%s", why);
        if (done.lost) continue; /* the card never says it finished: the slot stays busy */
        s->status = done.status;
        s->check = s->ticket ^ DONE_MAGIC ^ (done.damaged ? 0x10 : 0);
        s->state = s->abandoned ? S_FREE : S_DONE;
        s->abandoned = 0;
        c->st.bytes_in += zs_card_job_in_bytes(&j);
        c->st.bytes_out += zs_card_job_out_bytes(&j);
        pthread_cond_broadcast(&c->done);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int zs_card_submit(zs_card_t *c, const zs_card_job_t *job, uint64_t *ticket)
{
    if (!c || !job || !job->in || check_job(job)) return ZS_ERR_INVAL;
    int has = job->kernel == ZS_CARD_KZG_BLOB ? c->ops->supports && c->ops->supports(c->state, job->kernel) : 1;
    if (!has) return ZS_ERR_UNSUPPORTED;
    pthread_mutex_lock(&c->mu);
    slot_t *s = NULL;
    for (size_t i = 0; i < SLOTS && !s; i++)
        if (c->slots[i].state == S_FREE) s = &c->slots[i];
    if (!s) {
        pthread_mutex_unlock(&c->mu);
        return ZS_ERR_FULL;
    }
    s->ticket = ++c->next_ticket;
    s->job = *job;
    s->state = S_QUEUED;
    *ticket = s->ticket;
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
    return ZS_OK;
}

int zs_card_wait(zs_card_t *c, uint64_t ticket, int timeout_ms)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) end.tv_sec++, end.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        slot_t *s = NULL;
        for (size_t i = 0; i < SLOTS && !s; i++)
            if (c->slots[i].state != S_FREE && c->slots[i].ticket == ticket) s = &c->slots[i];
        if (!s) {
            pthread_mutex_unlock(&c->mu);
            return ZS_ERR_INVAL; /* unknown, or already reported */
        }
        if (s->state == S_DONE) {
            int rc = s->check != (s->ticket ^ DONE_MAGIC) ? ZS_ERR_CORRUPT : s->status;
            s->state = S_FREE;
            if (rc) c->st.jobs_failed++;
            else c->st.jobs_done++;
            pthread_mutex_unlock(&c->mu);
            return rc;
        }
        if (pthread_cond_timedwait(&c->done, &c->mu, &end)) {
            /* A job the card lost keeps its slot (its buffers may still be
               written); the caller falls back or closes the card. */
            pthread_mutex_unlock(&c->mu);
            return ZS_ERR_TIMEOUT;
        }
    }
}

void zs_card_abandon(zs_card_t *c, uint64_t ticket)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SLOTS; i++) {
        slot_t *s = &c->slots[i];
        if (s->state == S_FREE || s->ticket != ticket) continue;
        if (s->state == S_DONE) s->state = S_FREE;
        else s->abandoned = 1;
        break;
    }
    pthread_mutex_unlock(&c->mu);
}

void zs_card_stats(zs_card_t *c, zs_card_stats_t *s)
{
    pthread_mutex_lock(&c->mu);
    *s = c->st;
    s->backend = c->ops->name;
    snprintf(s->device, sizeof s->device, "%s", c->device);
    s->queue_depth = 0;
    for (size_t i = 0; i < SLOTS; i++) s->queue_depth += c->slots[i].state == S_QUEUED || c->slots[i].state == S_RUNNING;
    pthread_mutex_unlock(&c->mu);
}

const char *zs_card_backend(const zs_card_t *c) { return c->ops->name; }
void *zs_card_backend_state(zs_card_t *c, const zs_card_ops_t *ops) { return c && c->ops == ops ? c->state : NULL; }
int zs_card_offloads(const zs_card_t *c) { return c->ops->offload; }

/* ---- Opening. */

/* The backend asked for, opened: auto is xrt where a card answers, else
   cpu (err keeps why not the card). */
static const zs_card_ops_t *open_backend(const char *backend, const zs_card_opts_t *o, unsigned *workers,
                                         void **state, char *device, char *err, size_t errlen)
{
    int is_auto = !backend || !strcmp(backend, "auto");
    const zs_card_ops_t *ops = find_backend(is_auto ? "xrt" : backend);
    if (!ops) {
        snprintf(err, errlen, "unknown card backend '%s' (auto, cpu or xrt; sim in test builds and tools)", backend);
        return NULL;
    }
    *workers = o->workers ? o->workers : ops->default_workers;
    if ((*state = ops->open(o, *workers, device, 256, err, errlen)) || !is_auto) return *state ? ops : NULL;
    ops = &zs_card_cpu_ops;
    *workers = o->workers ? o->workers : ops->default_workers;
    char e2[128];
    *state = ops->open(o, *workers, device, 256, e2, sizeof e2);
    return *state ? ops : NULL;
}

zs_card_t *zs_card_open(const char *backend, const zs_card_opts_t *o, char *err, size_t errlen)
{
    static const zs_card_opts_t none;
    if (err && errlen) err[0] = 0;
    zs_card_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(c->ops = open_backend(backend, o ? o : &none, &c->nthreads, &c->state, c->device, err, errlen))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->work, NULL);
    pthread_cond_init(&c->done, NULL);
    c->threads = calloc(c->nthreads, sizeof *c->threads);
    c->args = calloc(c->nthreads, sizeof *c->args);
    for (unsigned i = 0; c->threads && c->args && i < c->nthreads; i++)
        if ((c->args[i] = (worker_arg_t){c, i}), pthread_create(&c->threads[i], NULL, worker, &c->args[i])) {
            c->nthreads = i;
            break;
        }
    if (!c->threads || !c->args || !c->nthreads) {
        snprintf(err, errlen, "cannot start the card's worker threads");
        zs_card_close(c);
        return NULL;
    }
    return c;
}

void zs_card_stop(zs_card_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->work);
    pthread_mutex_unlock(&c->mu);
    for (unsigned i = 0; c->threads && i < c->nthreads; i++) pthread_join(c->threads[i], NULL);
    free(c->threads);
    free(c->args);
    c->threads = NULL;
    c->args = NULL;
}

void zs_card_close(zs_card_t *c)
{
    if (!c) return;
    zs_card_stop(c);
    c->ops->close(c->state);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
