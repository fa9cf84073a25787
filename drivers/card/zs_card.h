/* zs_card: the host's one API to the hashing card.  Open a backend, allocate
   buffers the card can reach and map them, queue jobs (a kernel, its
   buffers and scalars), then wait for or poll their completion.

   Backends, each one file behind a table of functions (zs_card_backend.h),
   so the queue and the workers here never ask which one runs:
     cpu  lib/'s fastest code (AVX-512/AVX2 where the CPU has it) on a worker
          pool; the default where there is no card (zs_card_cpu.c);
     xrt  the card through Xilinx XRT: the xclbin's compute units, one
          worker per unit slot, user-pointer buffer objects over the host
          buffers, every XRT exception caught (zs_card_xrt.c over zs_xrt.cc);
     auto xrt when a card answers (and an xclbin is given), else cpu;
     sim  a model of the card for tests and tools, not linked into zkseqd
          (zs_card_sim.h): the kernel C of fpga/kernels behind separate
          "device" memory, a PCIe model, and injectable faults.
   Every backend gives bit-identical results (test_card); under XRT's noop
   shim the xrt backend runs every call but computes nothing.  This layer
   reports a job's failure as it is; redoing it on the CPU is the caller's
   (host/accel).

   Ownership: buffers belong to the card that allocated them; a job's
   buffers must stay allocated and unwritten by the host until the job
   completes.  Thread safety: every function may be called from any thread;
   jobs from one thread complete in any order (wait by ticket). */
#ifndef ZS_CARD_H
#define ZS_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct zs_card zs_card_t;
typedef struct zs_card_buf zs_card_buf_t;

typedef enum {
    ZS_CARD_POSEIDON = 1, /* in: n x 12 words, out: n x 12 words (permuted states) */
    ZS_CARD_MERKLE = 2,   /* in: n x 8 words (child pairs), out: n x 4 (parents); arg[0..4) capacity */
    ZS_CARD_KECCAK = 3,   /* in: n slots of arg[0] words, aux: n uint32 lengths, out: n x 4 words */
    ZS_CARD_NTT = 4,      /* in: 2^arg[0] words, transformed in place; aux: 2^(arg[0]-1) twiddles */
    ZS_CARD_KZG_BLOB = 5, /* in: n blobs of 131,072 bytes; out: n x (48-byte KZG commitment, then
                             EIP-7594's 128 cell proofs of 48 bytes) = n x ZS_CARD_KZG_OUT bytes */
} zs_card_kernel_t;
#define ZS_CARD_KZG_IN 131072u
#define ZS_CARD_KZG_OUT (48u + 128u * 48u)

typedef struct {
    zs_card_kernel_t kernel;
    zs_card_buf_t *in, *out, *aux;
    uint32_t n;
    uint64_t arg[4];
} zs_card_job_t;

/* The sim backend's model (test builds and tools; see zs_card_sim.h). */
typedef struct {
    double pcie_gbps;     /* default 12 GB/s (Gen3 x16 after overheads) */
    double pcie_us;       /* latency per transfer, default 2 us (negative: none) */
    uint32_t fail_every;  /* every Nth job completes with an error (0: never) */
    uint32_t hang_every;  /* every Nth job never completes */
    uint32_t corrupt_every; /* every Nth job's completion record is damaged */
    uint32_t wrong_every; /* every Nth job completes normally, every 4th output word wrong */
} zs_card_sim_opts_t;

/* The xrt backend: the device, the xclbin (a file, or an image in memory,
   which wins), and how long a run may take before it counts as lost. */
typedef struct {
    unsigned device;
    const char *xclbin;   /* default $ZS_CARD_XCLBIN */
    const void *xclbin_image;
    size_t xclbin_len;
    int run_timeout_ms;   /* default 2000 */
} zs_card_xrt_opts_t;

typedef struct {
    unsigned workers;     /* jobs in flight at once; default 2 (xrt: 4) */
    zs_card_sim_opts_t sim;
    zs_card_xrt_opts_t xrt;
} zs_card_opts_t;

typedef struct {
    const char *backend;
    uint64_t jobs_done, jobs_failed, bytes_in, bytes_out, queue_depth;
    char device[256];     /* what the backend runs on (xrt: device, xclbin, units, shim) */
    char last_error[192]; /* the last job failure's reason, "" if none */
} zs_card_stats_t;

/* zs_card_open: backend "cpu", "xrt", "auto" (xrt when a card answers,
   else cpu: then err holds why xrt was not taken, and the card opens), or
   one a test build registered ("sim", zs_card_sim.h); o may be NULL.  NULL
   with the reason in err; for xrt the reason names XRT and what was
   missing. */
zs_card_t *zs_card_open(const char *backend, const zs_card_opts_t *o, char *err, size_t errlen);
void zs_card_close(zs_card_t *c);
/* Stops the card's workers (jobs in flight end; no new ones run); its
   buffers can still be freed with it, then zs_card_close. */
void zs_card_stop(zs_card_t *c);
const char *zs_card_backend(const zs_card_t *c);
/* 1 when jobs leave the CPU (sim, xrt): worth batching, and checked by
   the caller; 0 for the cpu backend. */
int zs_card_offloads(const zs_card_t *c);

zs_card_buf_t *zs_card_alloc(zs_card_t *c, size_t bytes);
void *zs_card_map(zs_card_buf_t *b);
size_t zs_card_size(const zs_card_buf_t *b);
void zs_card_free(zs_card_t *c, zs_card_buf_t *b);

/* zs_card_submit checks the job (sizes against its buffers) and queues it:
   0 and a ticket, ZS_ERR_INVAL for a bad job, ZS_ERR_UNSUPPORTED for a
   kernel this backend does not have (nothing queued).  Every backend has
   the hashing kernels; the KZG one is the cpu backend's only, until the
   card's MSM and FFT kernels are built. */
ZS_MUST_USE int zs_card_submit(zs_card_t *c, const zs_card_job_t *job, uint64_t *ticket);
/* zs_card_wait: 0 when the job is done and its output is in the mapped
   buffers; ZS_ERR_TIMEOUT (still running or lost: the caller decides),
   ZS_ERR_IO (the job failed), ZS_ERR_CORRUPT (its completion was damaged:
   the output must not be used).  A ticket is reported once. */
ZS_MUST_USE int zs_card_wait(zs_card_t *c, uint64_t ticket, int timeout_ms);

/* zs_card_abandon gives up on a job that timed out: its slot is freed when
   (if ever) the card completes it.  Its buffers must stay allocated until
   the card is closed, since the card may still write them. */
void zs_card_abandon(zs_card_t *c, uint64_t ticket);

void zs_card_stats(zs_card_t *c, zs_card_stats_t *s);

#endif
