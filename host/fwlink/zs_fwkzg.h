/* zs_fwkzg: the KZG work the firmware asks of the host for its blobs
   (lib/mbox's KZG_REQ and KZG).  A worker thread builds the blob of the
   asked batches from zkseqd's own store in Polygon's layout (lib/blob),
   checks it is the firmware's (keccak of its 131,072 bytes), and computes
   the commitment and EIP-7594's 128 cell proofs through the card
   (zs_accel_kzg_blob: checked, redone on the CPU on any failure), z, the
   proof of y = p(z) and EIP-4844's blob proof (lib/kzg).  The firmware
   checks all of it again before it signs.

   The trusted setup is loaded by the worker when a firmware first comes up
   (about 2 s), or at the first request.  Requests beyond a small queue are dropped: the firmware asks again.

   Thread safety: start and stop from one thread; ask, peek and pop from
   the link thread. */
#ifndef ZS_FWKZG_H
#define ZS_FWKZG_H

#include <stdint.h>

#include "host/node/zs_node.h"
#include "lib/mbox/zs_mbox_hw.h"

typedef struct zs_fwkzg zs_fwkzg_t;

/* NULL when out of memory or no thread. */
zs_fwkzg_t *zs_fwkzg_start(zs_node_t *n);
void zs_fwkzg_stop(zs_fwkzg_t *k);

/* Queue a request (ignored when the same one is queued or the queue is full). */
void zs_fwkzg_ask(zs_fwkzg_t *k, const zs_mbox_kzg_req_t *req);
/* The oldest answer ready (NULL: none); pop it once it went out. */
const zs_mbox_kzg_t *zs_fwkzg_peek(zs_fwkzg_t *k);
void zs_fwkzg_pop(zs_fwkzg_t *k);

/* A firmware (re)started: forgets the queued requests (not the one being
   computed), since it asks again for what it needs, and loads the trusted setup now if it is not loaded, so that the
   first blob does not wait for it. */
void zs_fwkzg_reset(zs_fwkzg_t *k);

/* Blobs answered since start, and how many failed. */
void zs_fwkzg_counts(zs_fwkzg_t *k, uint64_t *answered, uint64_t *failed);

#endif
