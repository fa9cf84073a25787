/* zs_builder: the sequencer thread.  It takes executable transactions from
   the pool first come first served, executes them in order (host/exec) in
   the open block, and closes the block when the pool has had nothing more
   to run for block_linger_ms, when the block reaches max_block_txs, when it has been open for the
   block time of the policy in force, or when the open batch is full.  A
   closed block is sealed: its state committed (the tree's new root), its
   header, transactions and receipts recorded, the open batch extended or
   closed (zs_batcher), and the whole handed to the committer as one job;
   while the committer writes it the next block is built.  When the pool is
   idle the builder still closes a batch that is due by age.

   Owner: the sequencer thread owns the state (zs_state), the executor, the
   open batch and its own head (the last block it built, which may still be
   in the committer's hands).  zs_builder_pause/resume/is_paused and
   zs_builder_failed may be called from any thread. */
#ifndef ZS_BUILDER_H
#define ZS_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "host/exec/zs_exec.h"
#include "host/node/zs_batcher.h"
#include "host/node/zs_committer.h"
#include "host/node/zs_ejected.h"
#include "host/node/zs_executed.h"
#include "host/node/zs_policyctl.h"
#include "host/node/zs_replay.h"
#include "host/l1view/zs_l1view.h"
#include "host/node/zs_view.h"
#include "host/pool/zs_pool.h"
#include "host/state/zs_state.h"

typedef struct {
    zs_store_t *store;
    zs_state_t *st;
    zs_exec_t *exec;
    zs_pool_t *pool;
    zs_batcher_t *batcher;
    zs_policyctl_t *policy;
    zs_ejected_t *ejected;
    zs_executed_t *executed;  /* each transaction as it is executed (NULL: not told) */
    zs_committer_t *committer;
    zs_l1view_t *l1view;  /* the L1 info leaf new blocks reference */
    uint8_t coinbase[20];
    uint64_t chain_id;
    int typed_txs;        /* the typed-transaction extension (forced batches decode alike) */
    uint32_t max_block_txs;
    uint32_t block_linger_ms; /* how long an open block waits for more once the pool is dry (0: sealed at once) */
    zs_view_head_t head;  /* the chain's head when the builder starts */
    uint64_t forced_last; /* the last forced batch the chain holds (zs_chain_forced_last) */
    int paused;           /* start paused (transactions are admitted, not sequenced) */
    zs_replay_t *replay;  /* a replica: blocks come from here (the sequencer's stream), not the pool */
    /* Told once when building a block fails; the builder then stops. */
    void (*fail)(void *ctx, const char *what, int rc);
    void *fail_ctx;
} zs_builder_cfg_t;

typedef struct zs_builder zs_builder_t;

/* NULL with a sentence in err. */
zs_builder_t *zs_builder_start(const zs_builder_cfg_t *cfg, char *err, size_t errlen);
/* Ends the thread after the block in progress (handed to the committer and
   written), and frees. */
void zs_builder_stop(zs_builder_t *b);

/* zs_builder_pause returns once the block in progress is handed over and
   the thread is parked (or after 10 s): nothing admitted after it returns
   goes into a block until zs_builder_resume. */
void zs_builder_pause(zs_builder_t *b);
void zs_builder_resume(zs_builder_t *b);
int zs_builder_is_paused(zs_builder_t *b);

/* Building failed (or the node said so): the builder stops for good. */
void zs_builder_set_failed(zs_builder_t *b);
int zs_builder_failed(const zs_builder_t *b);

#endif
