/* The xrt backend: the card through Xilinx XRT (zs_xrt.cc holds the C++
   and catches every exception).  Built without XRT's headers, it opens
   nothing and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/card/zs_card_backend.h"
#include "drivers/card/zs_xrt.h"

typedef struct {
    zs_xrt_t *x;
    int run_timeout_ms;
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

/* The buffers' host pointers and sizes to the C++ side. */
static void run(void *state, unsigned worker, const zs_card_job_t *j, zs_card_done_t *done, char *why, size_t whylen)
{
#ifdef ZS_HAS_XRT
    xrt_t *s = state;
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
};
