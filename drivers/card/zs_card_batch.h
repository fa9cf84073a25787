/* zs_card_batch: small jobs from many threads made into large card jobs.

   A card job costs a doorbell, two DMA transfers and a completion whatever
   its size, so eight Keccak messages from one UDP frame are not worth a
   trip alone; eight frames' worth are.  A batcher collects the items of
   concurrent callers into one buffer: the first caller of a round waits up
   to max_wait_us (or until max_items are in), submits the round as one job,
   and every caller of the round waits for it and takes its own slice of
   the output.  While a round is on the card the next one fills.

   Kinds: ZS_CARD_POSEIDON (12-word states in, 12-word states out) and
   ZS_CARD_KECCAK (messages shorter than slot_words * 8 bytes, digests out).

   Thread safety: any number of threads may call zs_card_batch_* on one
   batcher at once; zs_card_batch_free only when no call is in progress. */
#ifndef ZS_CARD_BATCH_H
#define ZS_CARD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/card/zs_card.h"

typedef struct zs_card_batch zs_card_batch_t;

typedef struct {
    zs_card_kernel_t kernel;  /* ZS_CARD_POSEIDON or ZS_CARD_KECCAK */
    uint32_t max_items;       /* per card job; default 4096 */
    uint32_t max_wait_us;     /* the longest a round stays open; default 50 */
    uint32_t slot_words;      /* Keccak: the slot of one message; default 32 (255-byte messages) */
    int timeout_ms;           /* a round not done by then is abandoned; default 1000 */
} zs_card_batch_opts_t;

typedef struct {
    uint64_t rounds, items, calls; /* card jobs, items in them, calls that joined */
} zs_card_batch_stats_t;

/* zs_card_batch_new: NULL on a bad kind or out of memory.  The card must
   outlive the batcher. */
zs_card_batch_t *zs_card_batch_new(zs_card_t *c, const zs_card_batch_opts_t *o);
void zs_card_batch_free(zs_card_batch_t *b);

/* zs_card_batch_poseidon permutes n states (n <= max_items) through the
   card with other callers' states; out may equal in.  0, ZS_ERR_INVAL,
   or the round's job error (zs_card_wait's codes): then out is unusable and
   the caller hashes on the CPU. */
ZS_MUST_USE int zs_card_batch_poseidon(zs_card_batch_t *b, const uint64_t (*in)[12], uint64_t (*out)[12], size_t n);

/* zs_card_batch_keccak hashes n messages (each shorter than slot_words * 8
   bytes, else ZS_ERR_RANGE and nothing done) the same way. */
ZS_MUST_USE int zs_card_batch_keccak(zs_card_batch_t *b, const uint8_t *const *msgs, const size_t *lens, size_t n,
                                     uint8_t (*out)[32]);

void zs_card_batch_stats(zs_card_batch_t *b, zs_card_batch_stats_t *out);

#endif
