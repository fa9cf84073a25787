/* The xrt backend: the card through Xilinx XRT (zs_xrt.cc holds the C++
   and catches every exception).  Built without XRT's headers, it opens
   nothing and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "drivers/card/zs_card_backend.h"
#include "drivers/card/zs_xrt.h"
#include "lib/kzg/zs_kzg_fk20.h"

typedef struct {
    zs_xrt_t *x;
    int run_timeout_ms;
    /* The KZG job: the setup and the tables the card holds, on the first job. */
    pthread_mutex_t mu;
    zs_kzg_card_t kzg;  /* the setup and the tables the card holds in DDR, loaded on the first KZG job */
} xrt_t;

static void *open_xrt(const zs_card_opts_t *o, unsigned workers, char *device, size_t devlen, char *err, size_t errlen)
{
    (void)workers;
#ifndef ZS_HAS_XRT
    (void)o, (void)device, (void)devlen;
    snprintf(err, errlen, "card backend xrt: this build has no XRT (libxrt-dev was not installed when it was built)");
    return NULL;
#else
    const char *path = o->xrt.xclbin && *o->xrt.xclbin ? o->xrt.xclbin : getenv("ZS_CARD_XCLBIN");
    /* The device is opened first: without a card, that is what to say. */
    zs_xrt_t *x = zs_xrt_open(o->xrt.device, path, o->xrt.xclbin_image, o->xrt.xclbin_len, err, errlen);
    xrt_t *s = x ? calloc(1, sizeof *s) : NULL;
    if (!s) {
        if (x) snprintf(err, errlen, "out of memory");
        if (x) zs_xrt_close(x);
        return NULL;
    }
    s->x = x;
    s->run_timeout_ms = o->xrt.run_timeout_ms > 0 ? o->xrt.run_timeout_ms : 2000;
    pthread_mutex_init(&s->mu, NULL);
    zs_xrt_describe(x, device, devlen);
    return s;
#endif
}

/* Without XRT nothing opens, so nothing below is ever called. */
static void close_xrt(void *state)
{
    xrt_t *s = state;
    if (!s) return;
#ifdef ZS_HAS_XRT
    zs_xrt_close(s->x);
    zs_kzg_card_free(&s->kzg);
    pthread_mutex_destroy(&s->mu);
#endif
    free(s);
}

/* XRT made buffer objects over this host memory: they go with it. */
static void buf_free(void *state, zs_card_buf_t *b)
{
#ifdef ZS_HAS_XRT
    zs_xrt_forget(((xrt_t *)state)->x, b->host);
#else
    (void)state, (void)b;
#endif
}

#ifdef ZS_HAS_XRT
/* The KZG job's group work on the card: msm_g1 and fft_g1 runs; the first
   failure is kept and the rest of the job skips its calls. */
typedef struct {
    xrt_t *s;
    unsigned worker;
    int rc;
    char *why;
    size_t whylen;
} kzg_ctx_t;

static void x_msm(void *ctx, const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n, uint32_t w)
{
    kzg_ctx_t *c = ctx;
    if (!c->rc)
        c->rc = zs_xrt_msm(c->s->x, c->worker, bases, (size_t)n * 96, scalars, n, w, out, c->s->run_timeout_ms, c->why,
                           c->whylen);
}

static void x_fft(void *ctx, uint64_t *points, const uint64_t *tw, uint32_t log_n, const uint64_t *scale)
{
    kzg_ctx_t *c = ctx;
    if (!c->rc) c->rc = zs_xrt_fft(c->s->x, c->worker, points, tw, log_n, scale, c->s->run_timeout_ms, c->why, c->whylen);
}

/* Per blob: FK20's host steps here (lib/kzg/zs_kzg_fk20), the group work
   on the card's msm_g1 and fft_g1 units. */
static int run_kzg(xrt_t *s, unsigned worker, const zs_card_job_t *j, char *why, size_t whylen)
{
    pthread_mutex_lock(&s->mu);
    int ready = zs_kzg_card_ready(&s->kzg);
    pthread_mutex_unlock(&s->mu);
    if (!ready) {
        snprintf(why, whylen, "%s", s->kzg.err);
        return ZS_ERR_IO;
    }
    kzg_ctx_t c = {s, worker, ZS_OK, why, whylen};
    zs_kzg_g1_ops_t ops = {&c, x_msm, x_fft};
    const uint8_t *in = j->in->host;
    uint8_t *out = j->out->host;
    for (uint32_t i = 0; i < j->n && !c.rc; i++) {
        uint8_t *o = out + (size_t)i * ZS_CARD_KZG_OUT;
        int rc = zs_kzg_fk20(&s->kzg.tables, &ops, in + (size_t)i * ZS_CARD_KZG_IN, o, (uint8_t(*)[48])(o + 48));
        if (rc && !c.rc) {
            snprintf(why, whylen, "blob %u: %s", i, rc == ZS_ERR_PARSE ? "a field element is not below the modulus"
                                                                       : zs_strerror(rc));
            c.rc = ZS_ERR_IO;
        }
    }
    return c.rc;
}
#endif

static int supports(void *state, zs_card_kernel_t k)
{
#ifdef ZS_HAS_XRT
    return k != ZS_CARD_KZG_BLOB || zs_xrt_has_kzg(((xrt_t *)state)->x);
#else
    (void)state, (void)k;
    return 0;
#endif
}

/* The buffers' host pointers and sizes to the C++ side. */
static void run(void *state, unsigned worker, const zs_card_job_t *j, zs_card_done_t *done, char *why, size_t whylen)
{
#ifdef ZS_HAS_XRT
    xrt_t *s = state;
    if (j->kernel == ZS_CARD_KZG_BLOB) {
        done->status = run_kzg(s, worker, j, why, whylen);
        return;
    }
    zs_card_buf_t *in = j->in, *out = j->out ? j->out : j->in, *aux = j->aux;
    done->status = zs_xrt_run(s->x, worker, j, in->host, in->alloc_bytes, out->host, out->alloc_bytes,
                              aux ? aux->host : NULL, aux ? aux->alloc_bytes : 0, s->run_timeout_ms, why, whylen);
#else
    (void)state, (void)worker, (void)j, (void)why, (void)whylen;
    done->status = ZS_ERR_UNSUPPORTED;
#endif
}

const zs_card_ops_t zs_card_xrt_ops = {
    .name = "xrt",
    .offload = 1,
    .align = 4096, /* XRT makes user-pointer buffer objects over whole pages */
    .default_workers = 4,
    .open = open_xrt,
    .close = close_xrt,
    .buf_free = buf_free,
    .run = run,
    .supports = supports,
};
