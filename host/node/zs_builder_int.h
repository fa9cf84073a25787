/* zs_builder_int.h: what the sequencer thread's files share: the thread
   and its blocks from the pool (zs_builder.c) calls on forced batches from
   L1 (zs_builder_forced.c) and a replica's blocks from the sequencer's
   stream (zs_builder_replay.c); all three build on the block machinery
   (zs_builder_block.c).  Internal to host/node. */
#ifndef ZS_BUILDER_INT_H
#define ZS_BUILDER_INT_H

#include <pthread.h>

#include "host/node/zs_builder.h"

/* The pool hands over up to CHUNK transactions at a time (one per sender),
   their keys and L2 hashes are derived in lane-parallel batches, then they
   run in order. */
#define CHUNK 128

/* What the block being built has gathered (buffers reused block to block). */
typedef struct {
    zs_txrec_t *recs;
    size_t n, cap;
    uint8_t (*touched)[20]; /* accounts whose committed values change */
    size_t nt, capt;
    uint8_t bloom[256];     /* the OR of its logs' blooms */
} block_work_t;

/* The block being built. */
typedef struct {
    zs_exec_block_t blk;
    uint32_t l1_index;        /* the L1 info leaf its changeL2Block names (0: none) */
    uint64_t start_ms;        /* wall clock */
    uint64_t t_begin, t_exec, t_wait; /* monotonic ns: the block's start, time executing, lingering for more */
    uint64_t t_end;           /* ns ending it (its logs and block info tree hashed) */
    zs_policy_now_t pn;       /* the policy at the block's start */
    int full;                 /* the open batch took no more */
    uint8_t coinbase[20];     /* the node's; a replica's: the sequencer's */
    uint64_t info_root[4];    /* its block info tree's root, once it ends */
    /* A replica's: what the sequencer computed.  Sealing refuses a block
       that differs (ZS_ERR_CORRUPT, builder.mismatch) before it changes
       anything.  want_info_root: zero when the stream did not say (a
       sequencer before session 23). */
    const uint8_t *want_root, *want_hash, *want_info_root;
} block_t;

struct zs_builder {
    zs_builder_cfg_t cfg;
    pthread_t thread;

    pthread_mutex_t mu; /* guards the control flags; cv wakes a parked thread */
    pthread_cond_t cv;
    int paused, parked, stopping;
    int failed;         /* atomic */

    /* The sequencer thread's own. */
    zs_view_head_t head; /* the last block built (perhaps still being written; its hash: tip) */
    /* The last block's hash: moved on by the committer as it makes the
       records of the blocks handed to it (zs_job_t.finish), by the
       sequencer thread (while the committer is idle) for a replica's. */
    uint8_t tip[32];
    int tip_later; /* a job handed over may still move it */
    uint64_t forced_last; /* the last forced batch (L1's number) the chain holds */
    uint64_t forced_held; /* an empty forced batch it cannot run (alarmed once) */
    zs_job_t jobs[ZS_JOBS]; /* one being built, the others written by the committer or free */
    int cur;
    block_work_t w;
    const char *mismatch;     /* a replica: what differed ("state root", "block hash") */
    uint8_t mismatch_got[32]; /* ... and the replica's value */
};

/* Wall-clock milliseconds. */
uint64_t builder_now_ms(void);
/* Notes an account whose committed values change in the block. */
int builder_touch(block_work_t *w, const uint8_t a[20]);
/* The open batch's published copy, and close requests it answered. */
void builder_publish_open(zs_builder_t *b);
/* Begins block k (its coinbase, start time and l1_index set) on the
   builder's head: delta seconds after it, naming l1 (NULL: no new L1 info
   leaf); the block's gathered work reset. */
int builder_begin(zs_builder_t *b, block_t *k, uint32_t delta, const zs_l1_info_t *l1);
/* zs_builder_replay.c: the next item from the sequencer's stream replayed
   (a replica); an error stops the builder, a divergence only the replay. */
int builder_replay_step(zs_builder_t *b);
/* An executed transaction recorded in the block. */
int builder_record_tx(zs_builder_t *b, const block_t *k, const zs_pool_item_t *it, const zs_exec_result_t *r);
/* Ends the block's execution (zs_exec_block_end: its logs and block info
   tree hashed, the tree's root into k->info_root), timed into k->t_end. */
int builder_end_block(zs_builder_t *b, block_t *k, uint64_t *gas_used);
/* The executed block k committed, recorded and handed to job (forced: it
   seals that forced batch); the builder's head moves to it. */
int builder_seal_block(zs_builder_t *b, const block_t *k, zs_job_t *job, uint64_t gas_used,
                       const zs_batcher_forced_t *forced);
/* The block's records dropped (a block thrown away). */
void builder_drop_recs(zs_builder_t *b);
/* Records recs[0..*n) freed, *n = 0. */
void builder_clear_recs(zs_txrec_t *recs, size_t *n);
/* Hands job to the committer; the other job is built next. */
void builder_submit(zs_builder_t *b, zs_job_t *job);

/* zs_builder_forced.c: the next forced batch, when L1 queued one deep
   enough: 1 when it ran (*rc: an error that stops the builder). */
int builder_forced_due(zs_builder_t *b, int *rc);

#endif
