/* zs_committer: the committer thread.  It writes the job the sequencer
   hands it (one fsync'd store write: the block, its transactions and
   receipts, the state version, the batch records, the head), and once the
   write is durable publishes it: the touched accounts and the head to the
   view, the pool rows of the block's transactions deleted and the block's
   hold on the pool released, the batch numbers, the statistics, and then
   the block listeners (the ingress engines' soft confirmations).  Up to
   ZS_JOBS - 1 jobs are in flight, written in order, so the sequencer builds
   block N+1 while block N and up to two before it are written (a write the
   device holds up does not stop execution: a session-27 measurement at
   10,000 tx/s found the sequencer waiting 1.5 ms a block for the one slot
   there was, up to 20 ms).

   A write that fails stops all later writes and calls the configured fail
   function once (the node then stops sequencing).

   Owner: the committer thread owns the jobs in flight, the statistics and
   the listeners' calls; zs_committer_submit and zs_committer_wait_idle are
   the sequencer's, zs_committer_on_block/off_block and zs_committer_stats
   any thread's. */
#ifndef ZS_COMMITTER_H
#define ZS_COMMITTER_H

#include <stddef.h>
#include <stdint.h>

#include "host/metrics/zs_metrics.h"
#include "host/node/zs_job.h"
#include "host/node/zs_view.h"
#include "host/pool/zs_pool.h"
#include "host/store/zs_store.h"
#include "lib/policy/zs_batch_policy.h"

typedef struct {
    zs_store_t *store;
    zs_view_t *view;
    zs_pool_t *pool;
    /* Told once when a write fails (what: "writing a block" or "writing a batch"). */
    void (*fail)(void *ctx, const char *what, int rc);
    void *fail_ctx;
} zs_committer_cfg_t;

typedef struct {
    uint64_t blocks, txs_included;
    uint64_t batches_closed[ZS_BATCH_CLOSE_COUNT]; /* by zs_batch_close_t */
    uint64_t batch_bytes;      /* batchL2Data of the closed batches, summed */
    uint64_t last_batch_bytes;
    zs_hist_t block_build;     /* the sequencer's time on a block (executing to handing it over) */
    zs_hist_t block_seal;      /* sealing it (block info tree, state root, records) and handing it over: nothing executes meanwhile */
    zs_hist_t block_write;     /* its fsync'd write */
    uint64_t ns_exec, ns_block, ns_end, ns_commit, ns_records, ns_handover, ns_finish, ns_write, ns_publish;
} zs_commit_stats_t;

typedef struct zs_committer zs_committer_t;

/* NULL with a sentence in err. */
zs_committer_t *zs_committer_start(const zs_committer_cfg_t *cfg, char *err, size_t errlen);
/* zs_committer_stop waits for the job in flight and ends the thread; the
   listeners and statistics stay readable until zs_committer_free. */
void zs_committer_stop(zs_committer_t *c);
void zs_committer_free(zs_committer_t *c);

/* zs_committer_submit waits while ZS_JOBS - 1 jobs are in flight (until
   the first of them is durable and published), then hands job over. */
void zs_committer_submit(zs_committer_t *c, zs_job_t *job);
/* Waits until no job is in flight. */
void zs_committer_wait_idle(zs_committer_t *c);
/* No further job is written (the sequencer failed). */
void zs_committer_refuse(zs_committer_t *c);

/* zs_committer_on_block registers fn to be told of every published block:
   its number and its transactions' hashes in block order (called on the
   committer thread: be quick).  At most 4 listeners.  off_block removes
   one, waiting for a call in progress. */
typedef void (*zs_block_fn)(void *ctx, uint64_t number, const uint8_t (*hashes)[32], size_t n);
ZS_MUST_USE int zs_committer_on_block(zs_committer_t *c, zs_block_fn fn, void *ctx);
void zs_committer_off_block(zs_committer_t *c, zs_block_fn fn, void *ctx);

void zs_committer_stats(zs_committer_t *c, zs_commit_stats_t *out);

#endif
