/* zs_batcher: the open batch.  It grows by a changeL2Block entry per block
   and a batch-form entry per transaction (lib/batch), is closed when the
   policy says so (lib/policy's due test, a close request, or a transaction
   that would not fit), and is then sealed: its batchHashData (through the
   card) and accInputHash chained onto the batch before it, written with the
   block that closed it; the next batch opens at once.

   While a batch is open its data is not stored: zs_batcher_open rebuilds
   it from its blocks after a restart (its age starts again then).

   Owner: the sequencer thread calls everything but zs_batcher_info, which
   any thread may call (it reads the copy zs_batcher_publish made). */
#ifndef ZS_BATCHER_H
#define ZS_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "host/accel/zs_accel.h"
#include "host/chain/zs_chain.h"
#include "host/node/zs_policyctl.h"
#include "host/store/zs_store.h"
#include "lib/tx/zs_tx.h"

typedef struct zs_batcher zs_batcher_t;

/* zs_batcher_open takes up the open batch the store records; NULL with a
   sentence in err.  accel may be NULL (the CPU hashes). */
zs_batcher_t *zs_batcher_open(zs_store_t *store, const uint8_t coinbase[20], zs_accel_t *accel, char *err,
                              size_t errlen);
void zs_batcher_free(zs_batcher_t *b);

/* zs_batcher_genesis writes a new chain's batches into sb: batch 0 (the
   genesis block, closed) and batch 1, open, taking block 1 on; both with
   the genesis state's local exit root. */
void zs_batcher_genesis(zs_store_batch_t *sb, const uint8_t state_root[32], const uint8_t local_exit_root[32],
                        const uint8_t coinbase[20]);

/* The open batch's number, and its local exit root so far. */
uint64_t zs_batcher_number(const zs_batcher_t *b);
const uint8_t *zs_batcher_local_exit_root(const zs_batcher_t *b);

/* A block starts (its changeL2Block entry); the batch's age starts with its
   first block.  max_level is the state tree's deepest leaf level
   (zs_smt_max_level): the counters of this block's steps and transactions
   assume it.  0 or ZS_ERR_NOMEM. */
ZS_MUST_USE int zs_batcher_begin_block(zs_batcher_t *b, uint32_t delta_timestamp, uint32_t l1_index, uint64_t now_ms,
                                       int max_level);

/* zs_batcher_fits: 1 when a transaction of raw_len bytes and gas limit gas
   keeps the batch within p (a batch without a transaction takes any, or
   it could never go anywhere); 0 marks the batch full: it closes at the end
   of this block. */
int zs_batcher_fits(zs_batcher_t *b, const zs_batch_policy_t *p, size_t raw_len, uint64_t gas);

/* zs_batcher_room gives the virtual counters left for tx's execution:
   fork 12's budgets less what the batch has used, less what the batch's
   own steps (over its data with tx in it) and tx's RLP parsing will cost;
   *empty says the batch holds no transaction yet (one that does not fit
   then fits no batch).  tx's sender was recovered (a pool transaction):
   the RLP parsing's ecrecover is counted as a successful one.  0,
   ZS_ERR_NOMEM, or the encoder's error. */
ZS_MUST_USE int zs_batcher_room(zs_batcher_t *b, const zs_tx_t *tx, zs_vcount_t *room, int *empty);

/* The open batch is full by its counters: it closes at the end of this
   block (reason "counters"). */
void zs_batcher_counters_full(zs_batcher_t *b);

/* zs_batcher_add_tx appends an executed transaction in batch form with
   the counters its execution used: 0, ZS_ERR_NOMEM, or the encoder's error. */
ZS_MUST_USE int zs_batcher_add_tx(zs_batcher_t *b, const zs_tx_t *tx, size_t raw_len, uint64_t gas_used,
                                  const zs_vcount_t *counters);

/* The block that was begun is built: the batch's last block so far, the
   state root and local exit root after it. */
void zs_batcher_end_block(zs_batcher_t *b, uint64_t number, uint64_t timestamp, const uint8_t state_root[32],
                          const uint8_t local_exit_root[32]);

/* Why the open batch should close now (ZS_BATCH_CLOSE_*), or NONE. */
zs_batch_close_t zs_batcher_due(const zs_batcher_t *b, const zs_policy_now_t *now, uint64_t now_ms);

/* What closing a batch did, for the committer to publish once durable. */
typedef struct {
    zs_batch_close_t reason;
    uint64_t number, bytes;   /* the batch closed */
    uint64_t trusted, open;   /* the batch numbers after it */
} zs_batcher_closed_t;

/* zs_batcher_close seals the open batch into sb and opens the next. */
void zs_batcher_close(zs_batcher_t *b, zs_store_batch_t *sb, zs_batch_close_t reason, zs_batcher_closed_t *out);

/* A forced batch as the sequencer ran it. */
typedef struct {
    uint64_t number, timestamp;      /* L1's forceBatchNum and forced timestamp */
    uint8_t ger[32], block_hash[32]; /* the forced global exit root and L1 block hash */
    const uint8_t *data;             /* L1's transactions, whole: the batch's data */
    size_t len;
    int invalid;                     /* Polygon's processor throws it away: no block */
    uint8_t state_root[32];          /* when invalid: the state root it leaves (the previous one) */
} zs_batcher_forced_t;

/* zs_batcher_close_forced seals the open batch, which holds the forced
   batch's one block (or none when it is invalid), as forced batch f: L1's
   data and the forced accInputHash step; then opens the next. */
void zs_batcher_close_forced(zs_batcher_t *b, zs_store_batch_t *sb, const zs_batcher_forced_t *f,
                             zs_batcher_closed_t *out);

/* 1 when the open batch holds a block. */
int zs_batcher_has_blocks(const zs_batcher_t *b);
/* zs_batcher_put records the open batch (still open) in sb. */
void zs_batcher_put(const zs_batcher_t *b, zs_store_batch_t *sb);

/* The open batch as others see it (after the last zs_batcher_publish). */
typedef struct {
    uint64_t number, bytes, txs, gas;
    uint64_t started_ms; /* wall clock of its first block, 0 when it holds none */
    zs_vcount_t counters; /* used so far (the batch's own steps over its data included) */
} zs_batcher_info_t;
void zs_batcher_publish(zs_batcher_t *b);
void zs_batcher_info(zs_batcher_t *b, zs_batcher_info_t *out);

#endif
