/* zs_xrt: the card through Xilinx XRT, behind a C interface.

   XRT's API is C++ and reports every failure by throwing; an exception
   that crosses into C aborts the process.  zs_card_xrt.cc therefore catches
   everything at this boundary and turns it into a status code and a
   sentence.  drivers/card/zs_card.c is the only caller: its worker threads
   run jobs through zs_xrt_run, one worker per compute-unit slot.

   Built only where XRT's headers are (ZS_HAS_XRT); elsewhere the functions
   below say "built without XRT".

   Thread safety: zs_xrt_run may be called from several threads at
   once, each with its own worker index; open, close and forget are called
   by one thread while no run is in flight for the buffers concerned. */
#ifndef ZS_XRT_H
#define ZS_XRT_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/card/zs_card.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zs_xrt zs_xrt_t;

/* zs_xrt_open opens device `device` and loads the xclbin: the image
   in memory when image is not NULL, else the file at path.  NULL with a
   sentence naming XRT and what was missing in err. */
zs_xrt_t *zs_xrt_open(unsigned device, const char *path, const void *image, size_t image_len, char *err,
                                size_t errlen);
void zs_xrt_close(zs_xrt_t *x);

/* A line for the status: device name, xclbin, compute units, and whether
   XRT runs a shim that does not compute (noop, emulation). */
void zs_xrt_describe(zs_xrt_t *x, char *out, size_t outlen);

/* zs_xrt_run runs one checked job on the card: host-to-card syncs of
   its inputs, the kernel (every pass, for the NTT), card-to-host sync of its
   output; buffers are the host pointers of zs_card buffers (4 KiB aligned)
   with their sizes.  0, ZS_ERR_TIMEOUT (the run did not complete within
   timeout_ms), or ZS_ERR_IO with the reason in err. */
int zs_xrt_run(zs_xrt_t *x, unsigned worker, const zs_card_job_t *job, void *in, size_t in_len, void *out,
                    size_t out_len, void *aux, size_t aux_len, int timeout_ms, char *err, size_t errlen);

/* The KZG job's kernels (fpga/kernels' msm_g1 and fft_g1), present when
   the xclbin has compute units of both.  msm: bases a constant table
   (copied to the card once per host address), scalars n x 4 words, out 18
   words; fft: 2^log_n points of 18 words in place, twiddles, scale (NULL:
   none).  0, ZS_ERR_TIMEOUT or ZS_ERR_IO with the reason in err. */
int zs_xrt_has_kzg(zs_xrt_t *x);
int zs_xrt_msm(zs_xrt_t *x, unsigned worker, const uint64_t *bases, size_t bases_bytes, const uint64_t *scalars,
               uint32_t n, uint32_t wbits, uint64_t out[18], int timeout_ms, char *err, size_t errlen);
int zs_xrt_fft(zs_xrt_t *x, unsigned worker, uint64_t *points, const uint64_t *twiddles, uint32_t log_n,
               const uint64_t *scale, int timeout_ms, char *err, size_t errlen);

/* zs_xrt_forget drops the buffer objects XRT made for host memory p
   (called when its zs_card buffer is freed). */
void zs_xrt_forget(zs_xrt_t *x, void *p);

#ifdef __cplusplus
}
#endif

#endif
