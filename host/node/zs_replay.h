/* zs_replay: what a replica replays, handed from the thread that follows
   the sequencer's data stream (host/replica) to the sequencer thread, which
   in a replica runs these blocks instead of the pool's transactions
   (zs_builder, cfg.replay): each block with the sequencer's header fields,
   its transactions in order and what the sequencer computed (block hash,
   state root), checked after the replica executed it; and the batches' ends.

   The queue is bounded: the follower waits when the sequencer thread is
   behind.  Once a block does not reproduce (a state root, a block hash, a
   transaction that does not execute the same), the queue is marked
   diverged with the reason: the block is not written, nothing more is
   replayed, and the follower stops.

   Thread safety: any thread. */
#ifndef ZS_REPLAY_H
#define ZS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    uint64_t number, batch, timestamp;
    uint32_t l1_index;      /* the L1 info leaf its changeL2Block names (0: none) */
    uint64_t min_timestamp; /* ... and that leaf's fields */
    uint8_t ger[32], block_hash_l1[32];
    uint8_t coinbase[20];
    uint8_t hash[32], state_root[32]; /* the sequencer's: checked */
    uint8_t info_root[32];            /* ... and its block info root (zero: not said) */
    size_t ntx;
    uint8_t **raws; /* malloc'd each */
    size_t *lens;
    uint8_t *pcts;  /* effective percentage bytes */
} zs_replay_block_t;

typedef enum { ZS_REPLAY_BLOCK = 1, ZS_REPLAY_BATCH_END } zs_replay_kind_t;

typedef struct {
    zs_replay_kind_t kind;
    zs_replay_block_t blk;  /* BLOCK */
    uint64_t batch;         /* BATCH_END: the batch, the state root it ends with */
    uint8_t state_root[32];
    uint8_t local_exit_root[32]; /* ... and its local exit root (zero: not said) */
} zs_replay_item_t;

typedef struct zs_replay zs_replay_t;

zs_replay_t *zs_replay_new(size_t cap);
void zs_replay_free(zs_replay_t *q);

/* Adds a transaction to a block item (copying raw). */
ZS_MUST_USE int zs_replay_add_tx(zs_replay_block_t *b, const uint8_t *raw, size_t len, uint8_t pct);
void zs_replay_item_clear(zs_replay_item_t *it);

/* Takes *it (cleared on return either way).  0; ZS_ERR_TIMEOUT when the
   queue stayed full; ZS_ERR_STATE once the replica diverged or the queue
   is closed. */
ZS_MUST_USE int zs_replay_push(zs_replay_t *q, zs_replay_item_t *it, int timeout_ms);
/* The next item into *out (the caller clears it): 0, or ZS_ERR_TIMEOUT. */
ZS_MUST_USE int zs_replay_pop(zs_replay_t *q, int timeout_ms, zs_replay_item_t *out);

/* The sequencer thread: a block did not reproduce (the first reason is
   kept); the queue is emptied and takes nothing more. */
void zs_replay_diverge(zs_replay_t *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The reason into buf (and 1), or 0 while the replica agrees. */
int zs_replay_diverged(zs_replay_t *q, char *buf, size_t n);
/* The follower ends: push refuses from now on, pop still drains. */
void zs_replay_close(zs_replay_t *q);

/* The sequencer thread replayed one more block (and handed it to the
   committer); how many since the queue was made. */
void zs_replay_replayed(zs_replay_t *q);
uint64_t zs_replay_count(zs_replay_t *q);

#endif
