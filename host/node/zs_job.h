/* zs_job: a built block (or a batch closed while the sequencer was idle)
   on its way from the sequencer thread to the committer: the store batch
   to write, and what to publish once it is durable.  The sequencer fills a
   job, hands it to the committer (zs_committer_submit) and does not touch
   it again until the committer is done with it; ZS_JOBS jobs go round, so
   the next block is built while up to ZS_JOBS - 1 earlier ones are written
   (a slow write, an fsync the device holds, does not stop execution). */
#ifndef ZS_JOB_H
#define ZS_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "host/chain/zs_chain.h"
#include "host/node/zs_batcher.h"
#include "host/node/zs_view.h"
#include "host/store/zs_store.h"

#define ZS_JOBS 4

typedef struct zs_job {
    zs_store_batch_t *b;

    /* The block, when the job has one. */
    int has_block;
    zs_view_head_t head;
    uint64_t ntx;
    uint8_t (*hashes)[32];       /* its transactions, for the block listeners */
    size_t nhashes, caphashes;
    zs_view_account_t *fresh;    /* the touched accounts' values after it */
    size_t nfresh, capfresh;
    uint64_t *done_rows;         /* pool rows to delete once durable (malloc'd) */
    size_t ndone;

    /* Work the committer does first, before the write (NULL: none): the
       block's header roots, hash and records (zs_builder_block.c), off the
       sequencer's pause.  block: the header less its parent, roots and
       hash; recs: its transactions' records (cleared by finish); tip: the
       chain's last block hash, which finish takes as the parent and moves
       on (the builder's, read by it only while the committer is idle). */
    int (*finish)(struct zs_job *job);
    zs_block_t block;
    zs_txrec_t *recs;
    size_t nrecs, caprecs;
    uint8_t *tip;

    /* A batch closed in this job (closed.reason 0: none). */
    zs_batcher_closed_t closed;

    /* Where the sequencer's time on the block went (ns); ns_handover: its
       wait to hand the job over (the committer's queue full); ns_finish:
       the committer's, in finish. */
    uint64_t ns_exec, ns_block, ns_end, ns_commit, ns_records, ns_handover, ns_finish;
} zs_job_t;

/* Empty for the next use (buffers kept). */
static inline void zs_job_reset(zs_job_t *j)
{
    zs_store_batch_clear(j->b);
    j->has_block = 0;
    j->finish = NULL;
    j->ntx = j->nhashes = j->nfresh = 0;
    j->closed.reason = ZS_BATCH_CLOSE_NONE;
}

#endif
