/* The cpu backend: the kernels on the CPU with lib/'s fastest code, on the
   card's worker threads; the KZG kernel through c-kzg-4844 (lib/kzg), its
   trusted setup loaded on the first KZG job. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/card/zs_card_backend.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/poseidon/zs_poseidon.h"

static void ntt(uint64_t *a, uint32_t log_n, const uint64_t *tw)
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

static void merkle(const zs_card_job_t *job, const uint64_t (*kids)[8], uint64_t (*par)[4])
{
    uint64_t st[64][12];
    for (uint32_t done = 0; done < job->n;) {
        uint32_t k = job->n - done < 64 ? job->n - done : 64;
        for (uint32_t i = 0; i < k; i++) {
            memcpy(st[i], kids[done + i], 64);
            for (int c = 0; c < 4; c++) st[i][8 + c] = job->arg[c];
        }
        zs_poseidon_hash_batch((const uint64_t(*)[12])st, par + done, k);
        done += k;
    }
}

static void keccak(const zs_card_job_t *job, const uint8_t *base, const uint32_t *lens, uint8_t (*out)[32])
{
    size_t slot = (size_t)job->arg[0] * 8;
    const uint8_t *ptrs[64];
    size_t l[64];
    for (uint32_t done = 0; done < job->n;) {
        uint32_t k = job->n - done < 64 ? job->n - done : 64;
        for (uint32_t i = 0; i < k; i++) {
            ptrs[i] = base + slot * (done + i);
            l[i] = lens[done + i];
        }
        zs_keccak256_batch(ptrs, l, k, out + done);
        done += k;
    }
}

typedef struct {
    pthread_mutex_t mu;
    int tried;     /* mu: the KZG setup was loaded (or failed to) */
    zs_kzg_t *kzg; /* NULL after a try: it would not load (kzg_err) */
    char kzg_err[256];
} cpu_t;

/* Each blob's commitment, then its 128 cell proofs. */
static void kzg_blobs(cpu_t *c, const zs_card_job_t *job, const uint8_t *in, uint8_t *out, zs_card_done_t *done,
                      char *why, size_t whylen)
{
    pthread_mutex_lock(&c->mu);
    if (!c->tried) c->kzg = zs_kzg_open(NULL, 0, c->kzg_err, sizeof c->kzg_err);
    c->tried = 1;
    pthread_mutex_unlock(&c->mu);
    if (!c->kzg) {
        done->status = ZS_ERR_IO;
        snprintf(why, whylen, "%s", c->kzg_err);
        return;
    }
    for (uint32_t i = 0; i < job->n; i++) {
        const uint8_t *blob = in + (size_t)i * ZS_CARD_KZG_IN;
        uint8_t *o = out + (size_t)i * ZS_CARD_KZG_OUT;
        int rc = zs_kzg_commit(c->kzg, blob, o);
        if (!rc) rc = zs_kzg_cells(c->kzg, blob, NULL, (uint8_t(*)[48])(o + 48));
        if (rc) {
            done->status = ZS_ERR_IO;
            snprintf(why, whylen, "blob %u: %s", i, rc == ZS_ERR_PARSE ? "a field element is not below the modulus" : zs_strerror(rc));
            return;
        }
    }
}

static int supports(void *state, zs_card_kernel_t k)
{
    (void)state, (void)k;
    return 1;
}

static void run(void *state, unsigned worker, const zs_card_job_t *job, zs_card_done_t *done, char *why, size_t whylen)
{
    (void)worker;
    void *in = job->in->host, *out = zs_card_job_out(job), *aux = job->aux ? job->aux->host : NULL;
    switch (job->kernel) {
    case ZS_CARD_POSEIDON:
        if (out != in) memmove(out, in, (size_t)job->n * 96);
        zs_poseidon_permute_batch(out, job->n);
        break;
    case ZS_CARD_MERKLE: merkle(job, in, out); break;
    case ZS_CARD_KECCAK: keccak(job, in, aux, out); break;
    case ZS_CARD_NTT: ntt(in, (uint32_t)job->arg[0], aux); break;
    case ZS_CARD_KZG_BLOB: kzg_blobs(state, job, in, out, done, why, whylen); break;
    }
}

static void *open_cpu(const zs_card_opts_t *o, unsigned workers, char *device, size_t devlen, char *err,
                      size_t errlen)
{
    (void)o;
    cpu_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    snprintf(device, devlen, "lib/ on %u threads", workers);
    return c;
}

static void close_cpu(void *state)
{
    cpu_t *c = state;
    zs_kzg_close(c->kzg);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const zs_card_ops_t zs_card_cpu_ops = {
    .name = "cpu",
    .offload = 0,
    .align = 64,
    .default_workers = 2,
    .open = open_cpu,
    .close = close_cpu,
    .supports = supports,
    .run = run,
};
