/* zs_accel: the host's hashing through the card, with the CPU behind it.

   The state tree's commits hand their level-by-level Poseidon work here
   (zs_accel_smt_hasher), and the sequencer and ingress their Keccak batches
   (transaction hashes of a frame, the batch hash of batchL2Data).  Each
   batch goes to the card (drivers/card: xrt, sim; or the cpu backend, which
   here means lib/ inline on the caller's thread and the hash helpers) or
   stays on the CPU when it is too small to pay for the trip.

   A card result is used only after its completion checks out (the card
   reports an error, a time-out or a damaged completion record as such) and
   a sample of its outputs equals the CPU's (one in verify_every, at least
   one per job).  Any failure: the batch is hashed again on the CPU, so the
   caller always gets the right answer; after max_failures failures the card
   is set aside (fallback: everything on the CPU) with an alarm, rather than
   stopping the sequencer.  zs_accel_selftest runs every kernel through the
   card against the CPU and, passing, takes the card back.

   Thread safety: every function may be called from any thread at once. */
#ifndef ZS_ACCEL_H
#define ZS_ACCEL_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/card/zs_card.h"
#include "host/state/zs_smt.h"
#include "lib/kzg/zs_kzg.h"

typedef struct {
    const char *backend;   /* auto, cpu, sim, xrt (NULL: auto) */
    zs_card_opts_t card;   /* the card's options (sim model and faults, xrt's xclbin) */
    uint32_t min_poseidon; /* smaller batches stay on the CPU; default 2048 (sim, xrt) */
    uint32_t min_keccak;   /* messages per batch below which Keccak stays on the CPU; default 32 */
    uint32_t min_keccak_bytes; /* ... unless the batch holds this many bytes; default 65536 */
    uint32_t verify_every; /* outputs per spot-check; default 64 (1 checks every output) */
    int timeout_ms;        /* a job not done by then counts as lost; default 1000 */
    uint32_t max_failures; /* failures before the card is set aside; default 3 */
    /* Small Keccak batches (below min_keccak) of messages up to 255 bytes
       from concurrent callers share card jobs, each round open this long
       (drivers/card/zs_card_batch); 0 keeps them on the CPU. */
    uint32_t coalesce_us;
    /* Told once when the card is set aside (and when it is taken back). */
    void (*alarm)(void *ctx, const char *message);
    void *alarm_ctx;
} zs_accel_opts_t;

enum { ZS_ACCEL_F_IO, ZS_ACCEL_F_TIMEOUT, ZS_ACCEL_F_CORRUPT, ZS_ACCEL_F_WRONG, ZS_ACCEL_F_SUBMIT, ZS_ACCEL_F_COUNT };

typedef struct {
    char requested[8];     /* what was asked: auto, cpu, sim, xrt */
    const char *backend;   /* the card backend open: cpu, sim, xrt */
    int fallback;          /* 1: the card was set aside; hashing on the CPU */
    char alarm[320];       /* why, while fallback; "" otherwise */
    char note[320];        /* auto: why not xrt */
    char device[256];
    uint64_t jobs;         /* card jobs whose result was used */
    uint64_t permutations, keccak_msgs, bytes_in, bytes_out; /* through the card */
    uint64_t cpu_permutations, cpu_keccak_msgs; /* on the CPU (small, fallback or retried) */
    uint64_t failures[ZS_ACCEL_F_COUNT];
    uint64_t verified;     /* outputs compared with the CPU */
    uint64_t coalesced_calls, coalesced_jobs; /* small batches shared in card jobs */
    uint64_t kzg_blobs, cpu_kzg_blobs; /* blobs' KZG work through the card, on the CPU */
    uint64_t queue_depth;  /* card jobs in flight now */
    double jobs_per_s, bytes_per_s; /* over the last second or more between zs_accel_stats calls */
} zs_accel_stats_t;

typedef struct zs_accel zs_accel_t;

/* zs_accel_open opens the card backend o->backend; NULL with a sentence in
   err (for xrt: naming XRT and what was missing).  `auto` opens the CPU
   where no card answers, keeping the reason in the stats' note. */
zs_accel_t *zs_accel_open(const zs_accel_opts_t *o, char *err, size_t errlen);
/* zs_accel_close waits for nothing: jobs in flight belong to callers, who
   are gone by then. */
void zs_accel_close(zs_accel_t *a);

/* out[i] = the first four elements of Poseidon's permutation of in[i]. */
void zs_accel_poseidon(zs_accel_t *a, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n);
/* out[i] = keccak256(msgs[i][0 .. lens[i])). */
void zs_accel_keccak(zs_accel_t *a, const uint8_t *const *msgs, const size_t *lens, size_t n, uint8_t (*out)[32]);

/* zs_accel_kzg_blob: a blob's KZG commitment and EIP-7594's 128 cell
   proofs, through the card when its backend has the KZG kernel (the cpu
   backend: c-kzg on the card's workers; sim and xrt refuse it until the
   MSM and FFT kernels run there), else with k on the caller's thread.  A
   card result is used once a sample of its cell proofs verifies on the CPU
   against the blob's own cells (which also checks its commitment); any
   failure is redone on the CPU and counts toward setting the card aside.
   a may be NULL (the CPU).  0, or lib/kzg's error. */
ZS_MUST_USE int zs_accel_kzg_blob(zs_accel_t *a, const zs_kzg_t *k, const uint8_t *blob,
                                  uint8_t commitment[48], uint8_t (*cell_proofs)[48]);

/* A hasher for zs_smt / zs_state that sends commits through a. */
void zs_accel_smt_hasher(zs_accel_t *a, zs_smt_hasher_t *out);

void zs_accel_stats(zs_accel_t *a, zs_accel_stats_t *out);

/* zs_accel_selftest runs each kernel once through the card on fresh inputs
   and compares every output with the CPU's: 0 (and the card taken back if
   it had been set aside), or an error with the first difference in report. */
ZS_MUST_USE int zs_accel_selftest(zs_accel_t *a, char *report, size_t reportlen);

/* The card under the service (tests inject faults through it). */
zs_card_t *zs_accel_card(zs_accel_t *a);

/* The stats as a JSON object (a jansson reference; NULL a means the CPU). */
struct json_t;
struct json_t *zs_accel_json(zs_accel_t *a);

/* A NULL accel means the CPU: these wrap the two calls for callers that
   may not have one. */
void zs_accel_keccak_or_cpu(zs_accel_t *a, const uint8_t *const *msgs, const size_t *lens, size_t n,
                            uint8_t (*out)[32]);

#endif
