/* zs_l1sync: the host's L1 follower.  A thread of its own that reads L1
   through a read-only JSON-RPC connection (no key; the firmware alone
   writes to L1) and records what L1 says about the rollup (zs_l1rec.h):

   - every L1 info tree leaf, in order, from the global exit root
     manager's UpdateL1InfoTree / UpdateL1InfoTreeV2 events;
   - every batch L1 holds, from SequenceBatches / SequenceForceBatches and
     the sequencing transaction's calldata: the accInputHash chain
     recomputed batch by batch (and the sequence's last one checked
     against the contract's sequencedBatches), the L1 info root, the L1
     transaction;
   - every verified batch (VerifyBatchesTrustedAggregator) and every
     forced batch queued on L1 (ForceBatch, with the transactions from the
     event or from the forceBatch calldata).

   Reorgs: each poll checks the block it stopped at; when L1 no longer has
   it, records are dropped newest first until the newest remaining one is
   in a block L1 still has, and reading starts again from there.  The
   snapshot it publishes in host/l1view names the newest leaf that is
   `info_confirmations` blocks deep, which is the one new L2 blocks
   reference, and the batches that are virtual at L1's safe block and
   verified at its finalized block.

   Thread safety: start and stop from one thread; the follower's thread
   is the records' only writer. */
#ifndef ZS_L1SYNC_H
#define ZS_L1SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "host/l1view/zs_l1view.h"
#include "host/store/zs_store.h"

typedef struct {
    const char *url;             /* L1 JSON-RPC (http:// or https://) */
    uint8_t rollup[20];          /* the rollup contract; the manager is read from it */
    uint64_t start_block;        /* the first L1 block to read (the contracts' deployment) */
    uint32_t poll_ms;            /* between polls (0: 1000) */
    uint32_t timeout_ms;         /* per call (0: 5000) */
    uint32_t info_confirmations; /* L1 blocks over a leaf before L2 blocks reference it */
    uint32_t max_range;          /* L1 blocks per eth_getLogs (0: 1000) */
} zs_l1sync_cfg_t;

typedef struct zs_l1sync zs_l1sync_t;

/* zs_l1sync_new prepares the follower (nothing is read yet); NULL with a
   sentence in err when out of memory.  store and view outlive it. */
zs_l1sync_t *zs_l1sync_new(const zs_l1sync_cfg_t *cfg, zs_store_t *store, zs_l1view_t *view, char *err,
                           size_t errlen);
/* zs_l1sync_start runs polls on a thread of its own until zs_l1sync_free. */
ZS_MUST_USE int zs_l1sync_start(zs_l1sync_t *s);
void zs_l1sync_free(zs_l1sync_t *s);

/* zs_l1sync_poll reads what is new once (tests; the thread calls it).
   0, or why this poll failed (also in the snapshot's error). */
ZS_MUST_USE int zs_l1sync_poll(zs_l1sync_t *s);

#endif
