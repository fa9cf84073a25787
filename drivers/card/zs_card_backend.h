/* zs_card_backend: what a card backend gives the queue (zs_card.c), as
   DPDK's drivers give eth_dev_ops: a table of functions.  The queue owns the
   slots, the workers and the completion records; a backend opens its
   device, prepares buffers it needs on its side, and runs one job on one
   worker, saying how the job ended.  Backend code only (cpu, xrt, sim). */
#ifndef ZS_CARD_BACKEND_H
#define ZS_CARD_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/card/zs_card.h"

struct zs_card_buf {
    size_t bytes, alloc_bytes;
    void *host; /* what zs_card_map gives */
    void *dev;  /* the backend's own copy, if it keeps one (sim) */
};

/* How a job ended. */
typedef struct {
    int status;  /* 0, or ZS_ERR_IO / ZS_ERR_TIMEOUT with the reason in why */
    int lost;    /* the card never reports it (the slot stays busy) */
    int damaged; /* its completion record comes back damaged */
} zs_card_done_t;

typedef struct {
    const char *name;
    int offload;             /* 1: jobs leave the CPU */
    size_t align;            /* host buffers' alignment (xrt maps whole pages) */
    unsigned default_workers;
    /* The backend's state, or NULL with the reason in err; device gets a
       line for the statistics. */
    void *(*open)(const zs_card_opts_t *o, unsigned workers, char *device, size_t devlen, char *err, size_t errlen);
    void (*close)(void *state);
    /* Optional: a new buffer's device side (0 or ZS_ERR_NOMEM), and its end. */
    int (*buf_init)(void *state, zs_card_buf_t *b);
    void (*buf_free)(void *state, zs_card_buf_t *b);
    /* Optional: whether it has kernel k (NULL: the hashing kernels only). */
    int (*supports)(void *state, zs_card_kernel_t k);
    /* Runs a checked job on worker (0..workers-1), from several workers at
       once. */
    void (*run)(void *state, unsigned worker, const zs_card_job_t *j, zs_card_done_t *done, char *why, size_t whylen);
} zs_card_ops_t;

extern const zs_card_ops_t zs_card_cpu_ops;
extern const zs_card_ops_t zs_card_xrt_ops;

/* zs_card_register adds a backend that zs_card_open finds by name (test
   builds register the sim); at most 4.  0 or ZS_ERR_FULL. */
int zs_card_register(const zs_card_ops_t *ops);

/* The backend state of card c when it runs ops, else NULL (a test
   backend's own controls, such as the sim's fault injection). */
void *zs_card_backend_state(zs_card_t *c, const zs_card_ops_t *ops);

/* The bytes a job moves each way (the PCIe model and the statistics). */
size_t zs_card_job_in_bytes(const zs_card_job_t *j);
size_t zs_card_job_out_bytes(const zs_card_job_t *j);

/* The job's input, output and aux host pointers (out defaults to in). */
void *zs_card_job_out(const zs_card_job_t *j);

#endif
