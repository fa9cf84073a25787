/* The sim backend (zs_card_sim.h). */
#include "drivers/card/zs_card_sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/card/zs_card_backend.h"
#include "fpga/kernels/zs_kernels.h"
#include "lib/kzg/zs_kzg_fk20.h"

typedef struct {
    zs_card_sim_opts_t o;
    pthread_mutex_t mu; /* guards the faults, the job count and the KZG tables' loading */
    uint64_t seq;
    zs_kzg_card_t kzg;  /* the setup and the tables the card holds in DDR, loaded on the first KZG job */
} sim_t;

static void pcie_delay(const sim_t *s, size_t bytes)
{
    double us = s->o.pcie_us + (double)bytes / (s->o.pcie_gbps * 1e3);
    struct timespec ts = {.tv_sec = (time_t)(us / 1e6), .tv_nsec = (long)((us - (double)(time_t)(us / 1e6) * 1e6) * 1e3)};
    nanosleep(&ts, NULL);
}

/* The kernels as fpga/kernels' C has them. */
static void run_kernel(const zs_card_job_t *job, const void *in, void *out, const void *aux)
{
    switch (job->kernel) {
    case ZS_CARD_POSEIDON: poseidon_gl(in, out, job->n); break;
    case ZS_CARD_MERKLE: merkle_level(in, out, job->n, job->arg[0], job->arg[1], job->arg[2], job->arg[3]); break;
    case ZS_CARD_KECCAK: keccak256_batch(in, aux, out, job->n, (uint32_t)job->arg[0]); break;
    case ZS_CARD_NTT:
        for (uint32_t pass = 0; pass <= job->arg[0]; pass++) ntt_gl((uint64_t *)in, aux, (uint32_t)job->arg[0], pass);
        break;
    case ZS_CARD_KZG_BLOB: break; /* run_kzg */
    }
}

static void k_msm(void *ctx, const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n, uint32_t w)
{
    (void)ctx;
    msm_g1(bases, scalars, out, n, w);
}

static void k_fft(void *ctx, uint64_t *points, const uint64_t *tw, uint32_t log_n, const uint64_t *scale)
{
    (void)ctx;
    fft_g1(points, tw, log_n, scale);
}

/* The KZG job: per blob, the commitment and FK20's cell proofs with the
   group work in the kernels (msm_g1, fft_g1) and the scalar field's steps
   where the card's host driver would do them (lib/kzg/zs_kzg_fk20).  The
   tables are built on the first KZG job (the card's DDR image). */
static int run_kzg(sim_t *s, const zs_card_job_t *j, const uint8_t *in, uint8_t *out, char *why, size_t whylen)
{
    static const zs_kzg_g1_ops_t kernels = {NULL, k_msm, k_fft};
    pthread_mutex_lock(&s->mu);
    int ready = zs_kzg_card_ready(&s->kzg);
    pthread_mutex_unlock(&s->mu);
    if (!ready) {
        snprintf(why, whylen, "sim: %s", s->kzg.err);
        return ZS_ERR_IO;
    }
    for (uint32_t i = 0; i < j->n; i++) {
        uint8_t *o = out + (size_t)i * ZS_CARD_KZG_OUT;
        int rc = zs_kzg_fk20(&s->kzg.tables, &kernels, in + (size_t)i * ZS_CARD_KZG_IN, o, (uint8_t(*)[48])(o + 48));
        if (rc) {
            snprintf(why, whylen, "sim: blob %u: %s", i,
                     rc == ZS_ERR_PARSE ? "a field element is not below the modulus" : zs_strerror(rc));
            return ZS_ERR_IO;
        }
    }
    return ZS_OK;
}

static int every(uint32_t n, uint64_t seq)
{
    return n && seq % n == 0;
}

/* What the card does with one job: DMA in, run, DMA out (or a fault). */
static void run(void *state, unsigned worker, const zs_card_job_t *j, zs_card_done_t *done, char *why, size_t whylen)
{
    (void)worker;
    sim_t *s = state;
    pthread_mutex_lock(&s->mu);
    uint64_t seq = ++s->seq;
    zs_card_sim_opts_t f = s->o;
    pthread_mutex_unlock(&s->mu);
    if (every(f.hang_every, seq) || every(f.fail_every, seq)) {
        done->lost = every(f.hang_every, seq);
        done->status = ZS_ERR_IO;
        snprintf(why, whylen, "sim: injected %s on job %llu", done->lost ? "hang" : "failure", (unsigned long long)seq);
        return;
    }
    zs_card_buf_t *in = j->in, *out = j->out ? j->out : j->in, *aux = j->aux;
    memcpy(in->dev, in->host, in->bytes);
    if (aux) memcpy(aux->dev, aux->host, aux->bytes);
    pcie_delay(s, zs_card_job_in_bytes(j));
    if (j->kernel == ZS_CARD_KZG_BLOB) {
        if ((done->status = run_kzg(s, j, in->dev, out->dev, why, whylen))) return;
    } else {
        run_kernel(j, in->dev, out->dev, aux ? aux->dev : NULL);
    }
    memcpy(out->host, out->dev, zs_card_job_out_bytes(j));
    pcie_delay(s, zs_card_job_out_bytes(j));
    if (every(f.wrong_every, seq)) { /* a broken datapath: every fourth output word off by one bit */
        uint64_t *w = out->host;
        for (size_t i = 0; i < zs_card_job_out_bytes(j) / 8; i += 4) w[i] ^= 1;
    }
    done->damaged = every(f.corrupt_every, seq);
}

static int buf_init(void *state, zs_card_buf_t *b)
{
    (void)state;
    return (b->dev = aligned_alloc(64, b->alloc_bytes)) ? ZS_OK : ZS_ERR_NOMEM;
}

static void buf_free(void *state, zs_card_buf_t *b)
{
    (void)state;
    free(b->dev);
}

static void *open_sim(const zs_card_opts_t *o, unsigned workers, char *device, size_t devlen, char *err,
                      size_t errlen)
{
    sim_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = o->sim;
    if (s->o.pcie_gbps <= 0) s->o.pcie_gbps = 12;
    if (s->o.pcie_us == 0) s->o.pcie_us = 2;
    else if (s->o.pcie_us < 0) s->o.pcie_us = 0;
    pthread_mutex_init(&s->mu, NULL);
    snprintf(device, devlen, "model: fpga/kernels' C on %u threads, PCIe %.1f GB/s, %.1f us", workers, s->o.pcie_gbps,
             s->o.pcie_us);
    return s;
}

static int sim_supports(void *state, zs_card_kernel_t k)
{
    (void)state, (void)k;
    return 1;
}

static void close_sim(void *state)
{
    sim_t *s = state;
    zs_kzg_card_free(&s->kzg);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const zs_card_ops_t sim_ops = {
    .name = "sim",
    .offload = 1,
    .align = 64,
    .default_workers = 2,
    .open = open_sim,
    .close = close_sim,
    .buf_init = buf_init,
    .buf_free = buf_free,
    .run = run,
    .supports = sim_supports,
};

void zs_card_sim_register(void)
{
    (void)zs_card_register(&sim_ops);
}

void zs_card_sim_inject(zs_card_t *c, uint32_t fail_every, uint32_t hang_every, uint32_t corrupt_every,
                        uint32_t wrong_every)
{
    sim_t *s = zs_card_backend_state(c, &sim_ops);
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->o.fail_every = fail_every;
    s->o.hang_every = hang_every;
    s->o.corrupt_every = corrupt_every;
    s->o.wrong_every = wrong_every;
    s->seq = 0;
    pthread_mutex_unlock(&s->mu);
}
