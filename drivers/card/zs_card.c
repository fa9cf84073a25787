/* zs_card: the queue, the workers and the cpu and sim backends. */
#include "drivers/card/zs_card.h"
#include "drivers/card/zs_card_xrt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fpga/kernels/zs_kernels.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"

#define SLOTS 1024
#define DONE_MAGIC 0x5a4b534551444f4eull /* "ZKSEQDON" */

enum { B_CPU, B_SIM, B_XRT };

struct zs_card_buf {
    size_t bytes;
    void *host;
    void *dev; /* sim: the card's own memory */
    size_t alloc_bytes;
};

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
    int kind;
    zs_card_opts_t o;
    zs_card_xrt_t *xrt;
    char device[256];
    worker_arg_t *args;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    slot_t slots[SLOTS];
    uint64_t next_ticket, seq;
    int stop;
    pthread_t *threads;
    unsigned nthreads;
    zs_card_stats_t st;
};

/* ---- the kernels on the CPU (lib/) ---- */

static void ntt_cpu(uint64_t *a, uint32_t log_n, const uint64_t *tw)
{
    uint32_t n = 1u << log_n;
    for (uint32_t i = 1, j = 0; i < n; i++) {
        uint32_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j |= bit;
        if (i < j) {
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (uint32_t len = 2, s = 1; len <= n; len <<= 1, s++)
        for (uint32_t i = 0; i < n; i += len)
            for (uint32_t j = 0; j < len / 2; j++) {
                uint64_t u = a[i + j], v = zs_gl_mul(a[i + j + len / 2], tw[j << (log_n - s)]);
                a[i + j] = zs_gl_add(u, v);
                a[i + j + len / 2] = zs_gl_sub(u, v);
            }
}

void zs_card_run_cpu(const zs_card_job_t *job, const void *in, void *out, const void *aux)
{
    uint32_t n = job->n;
    switch (job->kernel) {
    case ZS_CARD_POSEIDON:
        if (out != in) memmove(out, in, (size_t)n * 96);
        zs_poseidon_permute_batch(out, n);
        break;
    case ZS_CARD_MERKLE: {
        const uint64_t(*kids)[8] = in;
        uint64_t(*par)[4] = out, st[64][12];
        for (uint32_t done = 0; done < n;) {
            uint32_t k = n - done < 64 ? n - done : 64;
            for (uint32_t i = 0; i < k; i++) {
                memcpy(st[i], kids[done + i], 64);
                for (int c = 0; c < 4; c++) st[i][8 + c] = job->arg[c];
            }
            zs_poseidon_hash_batch((const uint64_t(*)[12])st, par + done, k);
            done += k;
        }
        break;
    }
    case ZS_CARD_KECCAK: {
        const uint8_t *base = in;
        const uint32_t *lens = aux;
        size_t slot = (size_t)job->arg[0] * 8;
        const uint8_t *ptrs[64];
        size_t l[64];
        for (uint32_t done = 0; done < n;) {
            uint32_t k = n - done < 64 ? n - done : 64;
            for (uint32_t i = 0; i < k; i++) {
                ptrs[i] = base + slot * (done + i);
                l[i] = lens[done + i];
            }
            zs_keccak256_batch(ptrs, l, k, (uint8_t(*)[32])out + done);
            done += k;
        }
        break;
    }
    case ZS_CARD_NTT:
        ntt_cpu((uint64_t *)in, (uint32_t)job->arg[0], aux);
        break;
    }
}

void zs_card_run_kernel(const zs_card_job_t *job, const void *in, void *out, const void *aux)
{
    switch (job->kernel) {
    case ZS_CARD_POSEIDON: poseidon_gl(in, out, job->n); break;
    case ZS_CARD_MERKLE:
        merkle_level(in, out, job->n, job->arg[0], job->arg[1], job->arg[2], job->arg[3]);
        break;
    case ZS_CARD_KECCAK: keccak256_batch(in, aux, out, job->n, (uint32_t)job->arg[0]); break;
    case ZS_CARD_NTT:
        for (uint32_t pass = 0; pass <= job->arg[0]; pass++) ntt_gl((uint64_t *)in, aux, (uint32_t)job->arg[0], pass);
        break;
    }
}

/* ---- buffers ---- */

zs_card_buf_t *zs_card_alloc(zs_card_t *c, size_t bytes)
{
    zs_card_buf_t *b = calloc(1, sizeof *b);
    if (!b || !bytes) {
        free(b);
        return NULL;
    }
    b->bytes = bytes;
    /* XRT makes user-pointer buffer objects over whole pages. */
    size_t align = c->kind == B_XRT ? 4096 : 64;
    b->alloc_bytes = (bytes + align - 1) & ~(align - 1);
    b->host = aligned_alloc(align, b->alloc_bytes);
    if (b->host && c->kind == B_SIM) b->dev = aligned_alloc(64, b->alloc_bytes);
    if (!b->host || (c->kind == B_SIM && !b->dev)) {
        free(b->host);
        free(b->dev);
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
    if (c && c->xrt) zs_card_xrt_forget(c->xrt, b->host);
    free(b->host);
    free(b->dev);
    free(b);
}

/* ---- jobs ---- */

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
    }
    return ZS_ERR_INVAL;
}

static size_t in_bytes(const zs_card_job_t *j)
{
    switch (j->kernel) {
    case ZS_CARD_POSEIDON: return (size_t)j->n * 96;
    case ZS_CARD_MERKLE: return (size_t)j->n * 64;
    case ZS_CARD_KECCAK: return (size_t)j->n * j->arg[0] * 8 + (size_t)j->n * 4;
    case ZS_CARD_NTT: return ((size_t)8 << j->arg[0]) + ((size_t)4 << j->arg[0]);
    }
    return 0;
}

static size_t out_bytes(const zs_card_job_t *j)
{
    switch (j->kernel) {
    case ZS_CARD_POSEIDON: return (size_t)j->n * 96;
    case ZS_CARD_MERKLE: return (size_t)j->n * 32;
    case ZS_CARD_KECCAK: return (size_t)j->n * 32;
    case ZS_CARD_NTT: return (size_t)8 << j->arg[0];
    }
    return 0;
}

static void pcie_delay(const zs_card_t *c, size_t bytes)
{
    double us = c->o.pcie_us + (double)bytes / (c->o.pcie_gbps * 1e3);
    struct timespec ts = {.tv_sec = (time_t)(us / 1e6), .tv_nsec = (long)((us - (double)(time_t)(us / 1e6) * 1e6) * 1e3)};
    nanosleep(&ts, NULL);
}

/* What the card does with one job (sim): DMA in, run, DMA out. */
static void sim_run(zs_card_t *c, const zs_card_job_t *j)
{
    zs_card_buf_t *in = j->in, *out = j->out ? j->out : j->in, *aux = j->aux;
    memcpy(in->dev, in->host, in->bytes);
    if (aux) memcpy(aux->dev, aux->host, aux->bytes);
    pcie_delay(c, in_bytes(j));
    zs_card_run_kernel(j, in->dev, out->dev, aux ? aux->dev : NULL);
    memcpy(out->host, out->dev, out_bytes(j));
    pcie_delay(c, out_bytes(j));
}

/* What the card does with one job (xrt): the buffers' host pointers and
   sizes to the C++ side. */
static int xrt_run(zs_card_t *c, unsigned index, const zs_card_job_t *j, char *err, size_t errlen)
{
    zs_card_buf_t *in = j->in, *out = j->out ? j->out : j->in, *aux = j->aux;
    return zs_card_xrt_run(c->xrt, index, j, in->host, in->alloc_bytes, out->host, out->alloc_bytes,
                           aux ? aux->host : NULL, aux ? aux->alloc_bytes : 0, c->o.run_timeout_ms, err, errlen);
}

static void *worker(void *arg)
{
    zs_card_t *c = ((worker_arg_t *)arg)->card;
    unsigned index = ((worker_arg_t *)arg)->index;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        slot_t *s = NULL;
        uint64_t best = UINT64_MAX;
        for (size_t i = 0; i < SLOTS; i++)
            if (c->slots[i].state == S_QUEUED && c->slots[i].ticket < best) {
                best = c->slots[i].ticket;
                s = &c->slots[i];
            }
        if (!s) {
            if (c->stop) break;
            pthread_cond_wait(&c->work, &c->mu);
            continue;
        }
        s->state = S_RUNNING;
        zs_card_job_t j = s->job;
        uint64_t seq = ++c->seq;
        int hang = c->kind == B_SIM && c->o.hang_every && seq % c->o.hang_every == 0;
        int fail = c->kind == B_SIM && c->o.fail_every && seq % c->o.fail_every == 0;
        int corrupt = c->kind == B_SIM && c->o.corrupt_every && seq % c->o.corrupt_every == 0;
        int wrong = c->kind == B_SIM && c->o.wrong_every && seq % c->o.wrong_every == 0;
        pthread_mutex_unlock(&c->mu);
        int status = ZS_OK;
        char why[192] = "";
        if (hang || fail) {
            snprintf(why, sizeof why, "sim: injected %s on job %llu", hang ? "hang" : "failure",
                     (unsigned long long)seq);
        } else if (c->kind == B_SIM) {
            sim_run(c, &j);
            if (wrong) { /* a broken datapath: every fourth output word off by one bit */
                uint64_t *w = (j.out ? j.out : j.in)->host;
                for (size_t i = 0; i < out_bytes(&j) / 8; i += 4) w[i] ^= 1;
            }
        } else if (c->kind == B_XRT) {
            status = xrt_run(c, index, &j, why, sizeof why);
        } else {
            zs_card_run_cpu(&j, j.in->host, (j.out ? j.out : j.in)->host, j.aux ? j.aux->host : NULL);
        }
        pthread_mutex_lock(&c->mu);
        if (why[0]) snprintf(c->st.last_error, sizeof c->st.last_error, "%s", why);
        if (hang) continue; /* the card never says it finished */
        s->status = fail ? ZS_ERR_IO : status;
        s->check = corrupt ? s->ticket ^ DONE_MAGIC ^ 0x10 : s->ticket ^ DONE_MAGIC;
        s->state = s->abandoned ? S_FREE : S_DONE;
        s->abandoned = 0;
        c->st.bytes_in += in_bytes(&j);
        c->st.bytes_out += out_bytes(&j);
        pthread_cond_broadcast(&c->done);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int zs_card_submit(zs_card_t *c, const zs_card_job_t *job, uint64_t *ticket)
{
    if (!c || !job || !job->in || check_job(job)) return ZS_ERR_INVAL;
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

void zs_card_inject(zs_card_t *c, uint32_t fail_every, uint32_t hang_every, uint32_t corrupt_every,
                    uint32_t wrong_every)
{
    pthread_mutex_lock(&c->mu);
    c->o.fail_every = fail_every;
    c->o.hang_every = hang_every;
    c->o.corrupt_every = corrupt_every;
    c->o.wrong_every = wrong_every;
    c->seq = 0;
    pthread_mutex_unlock(&c->mu);
}

void zs_card_stats(zs_card_t *c, zs_card_stats_t *s)
{
    pthread_mutex_lock(&c->mu);
    *s = c->st;
    s->backend = zs_card_backend(c);
    snprintf(s->device, sizeof s->device, "%s", c->device);
    s->queue_depth = 0;
    for (size_t i = 0; i < SLOTS; i++) s->queue_depth += c->slots[i].state == S_QUEUED || c->slots[i].state == S_RUNNING;
    pthread_mutex_unlock(&c->mu);
}

const char *zs_card_backend(const zs_card_t *c)
{
    static const char *const names[] = {"cpu", "sim", "xrt"};
    return names[c->kind];
}

/* The xrt backend's device and xclbin, or NULL with the reason. */
static zs_card_xrt_t *open_xrt(const zs_card_opts_t *o, char *err, size_t errlen)
{
#ifndef ZS_HAS_XRT
    (void)o;
    snprintf(err, errlen, "card backend xrt: this build has no XRT (libxrt-dev was not installed when it was built)");
    return NULL;
#else
    const char *path = o && o->xclbin && *o->xclbin ? o->xclbin : getenv("ZS_CARD_XCLBIN");
    const void *img = o ? o->xclbin_image : NULL;
    /* The device is opened first: without a card, that is what to say. */
    return zs_card_xrt_open(o ? o->device : 0, path, img, o ? o->xclbin_len : 0, err, errlen);
#endif
}

zs_card_t *zs_card_open(const char *backend, const zs_card_opts_t *o, char *err, size_t errlen)
{
    int kind;
    zs_card_xrt_t *xrt = NULL;
    if (err && errlen) err[0] = 0;
    if (!backend || !strcmp(backend, "auto")) {
        /* A card that answers, else the CPU; err keeps why not the card. */
        xrt = open_xrt(o, err, errlen);
        kind = xrt ? B_XRT : B_CPU;
    } else if (!strcmp(backend, "cpu")) {
        kind = B_CPU;
    } else if (!strcmp(backend, "sim")) {
        kind = B_SIM;
    } else if (!strcmp(backend, "xrt")) {
        if (!(xrt = open_xrt(o, err, errlen))) return NULL;
        kind = B_XRT;
    } else {
        snprintf(err, errlen, "unknown card backend '%s' (auto, cpu, sim or xrt)", backend);
        return NULL;
    }
    zs_card_t *c = calloc(1, sizeof *c);
    if (!c) {
        if (xrt) zs_card_xrt_close(xrt);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->kind = kind;
    c->xrt = xrt;
    if (o) c->o = *o;
    if (c->o.run_timeout_ms <= 0) c->o.run_timeout_ms = 2000;
    if (c->o.pcie_gbps <= 0) c->o.pcie_gbps = 12;
    if (c->o.pcie_us == 0) c->o.pcie_us = 2;
    else if (c->o.pcie_us < 0) c->o.pcie_us = 0;
    c->nthreads = c->o.workers ? c->o.workers : kind == B_XRT ? 4 : 2;
    if (kind == B_XRT) zs_card_xrt_describe(xrt, c->device, sizeof c->device);
    else if (kind == B_SIM)
        snprintf(c->device, sizeof c->device, "model: fpga/kernels' C on %u threads, PCIe %.1f GB/s, %.1f us",
                 c->nthreads, c->o.pcie_gbps, c->o.pcie_us);
    else
        snprintf(c->device, sizeof c->device, "lib/ on %u threads", c->nthreads);
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
    if (!c->threads || !c->nthreads) {
        snprintf(err, errlen, "cannot start the card's worker threads");
        zs_card_close(c);
        return NULL;
    }
    return c;
}

void zs_card_close(zs_card_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->work);
    pthread_mutex_unlock(&c->mu);
    for (unsigned i = 0; c->threads && i < c->nthreads; i++) pthread_join(c->threads[i], NULL);
    free(c->threads);
    free(c->args);
    if (c->xrt) zs_card_xrt_close(c->xrt);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
