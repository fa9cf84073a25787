/* zs_node: the sequencer node, the one API the ingress paths, JSON-RPC, the
   firmware link and the management port call.  It opens the store, the
   state and the pool, and runs the rooms of host/node:

     zs_builder    the sequencer thread: pool -> execution -> blocks
     zs_committer  the committer thread: fsync'd writes, then publication
     zs_batcher    the open batch (sequencer thread)
     zs_policyctl  the batching policy in force and close requests
     zs_view       the durable head and the accounts' latest values
     zs_ejected    transactions dropped at execution, with why
     zs_chaininit  a new chain's first records and its fixed parameters

   A block closes when the pool has had nothing more to run for the
   linger time, when it reaches
   max_block_txs, or after the block time; closing it writes, in one fsync'd
   store write: the state version (version = block number), the block, its
   transactions and receipts, the removal of its transactions from the
   pool, the batch it belongs to, and the new head.  A batch closes when
   the batching policy (lib/policy) says so.

   Thread safety: every function may be called from any thread. */
#ifndef ZS_NODE_H
#define ZS_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "host/accel/zs_accel.h"
#include "host/chain/zs_chain.h"
#include "host/exec/zs_exec_view.h"
#include "host/genesis/zs_genesis.h"
#include "host/l1view/zs_l1view.h"
#include "host/metrics/zs_metrics.h"
#include "host/node/zs_committer.h"
#include "host/node/zs_executed.h"
#include "host/node/zs_policyctl.h"
#include "host/node/zs_replay.h"
#include "host/pool/zs_pool.h"
#include "host/state/zs_prefetch.h"
#include "lib/policy/zs_batch_policy.h"
#include "lib/u256/zs_u256.h"

typedef struct {
    const char *datadir;
    uint64_t chain_id;
    uint8_t coinbase[20];       /* L2 fees go here; the batches' sequencer address */
    zs_u256_t min_gas_price;    /* the pool's floor, and eth_gasPrice */
    uint32_t block_time_ms;     /* longest a block stays open while the firmware is down */
    uint32_t max_block_txs;
    uint32_t block_linger_ms;   /* an open block waits this long for more once the pool is dry (0: none) */
    uint64_t keep_versions;     /* state versions kept readable */
    size_t prefetch_pages;      /* the state's prefetch cache in pages; 0: no prefetch thread */
    size_t state_memory_mb;     /* the state tree's bound in memory (zs_state_opts_t.memory_bytes); 0: none */
    zs_batch_policy_t batch;    /* the batching policy while the firmware is down */
    zs_pool_order_t order;
    unsigned price_bump;
    size_t pool_max_txs, pool_max_per_sender;
    size_t pool_log_mb; /* the pool's log (DATADIR/pool.log) in MiB; 0: none */
    const char *pool_log_file; /* where that log lives (NULL or "": DATADIR/pool.log) */
    uint64_t nonce_gap;
    size_t cache_mb;
    const zs_genesis_t *genesis; /* used when the database is new; needed only during zs_node_open */
    int paused;                 /* admit and pool, but do not sequence until zs_node_resume */
    zs_accel_t *accel;          /* the hashing card (NULL: the CPU); outlives the node */
    int typed_txs;              /* extension: admit EIP-2930/1559 transactions (Polygon: legacy only) */
    uint64_t genesis_timestamp; /* a new database's block 0 time (0: now); a replica takes the sequencer's */
    zs_replay_t *replay;        /* a replica: blocks come from the sequencer's stream here (outlives the node) */
} zs_node_cfg_t;

typedef struct zs_node zs_node_t;

/* zs_node_open opens (or creates, from cfg->genesis) the node's database
   and starts the sequencer.  NULL with a sentence in err. */
zs_node_t *zs_node_open(const zs_node_cfg_t *cfg, char *err, size_t errlen);
/* zs_node_stop ends the sequencer after the block in progress and wakes
   every waiter; reads and admissions keep working (admitted transactions
   wait in the store for the next start).  zs_node_close stops, then
   closes the database. */
void zs_node_stop(zs_node_t *n);
void zs_node_close(zs_node_t *n);
/* Sequencing on and off (transactions are still admitted while paused);
   zs_node_pause returns once the block in progress is handed over. */
void zs_node_pause(zs_node_t *n);
void zs_node_resume(zs_node_t *n);
int zs_node_is_paused(zs_node_t *n);

const zs_node_cfg_t *zs_node_cfg(const zs_node_t *n);

/* ---- Transactions in. */

typedef struct {
    zs_pool_reason_t reason; /* ZS_POOL_OK: accepted */
    const char *detail;      /* for ZS_POOL_INVALID: why it does not decode */
    uint8_t hash[32];
    uint64_t seq;            /* arrival number */
} zs_submit_t;

/* zs_node_submit decodes, recovers and admits a raw transaction; returns
   after it is durable (or refused). */
void zs_node_submit(zs_node_t *n, const uint8_t *raw, size_t len, zs_submit_t *out);
/* Many at once: all admitted first, then one wait for their group commit. */
void zs_node_submit_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count,
                         zs_submit_t *outs);
/* Decodes, recovers and admits without waiting: not acknowledged yet (it
   runs once durable; zs_node_wait_executed and the like tell when). */
void zs_node_submit_nowait(zs_node_t *n, const uint8_t *raw, size_t len, zs_submit_t *out);
/* The same, admitted in the caller's turn: decoding and recovery run first
   (in parallel with other callers), then turn(ctx, 1), the admissions in
   order, turn(ctx, 0), and the wait.  So callers that take turns in the
   order their transactions arrived admit them in that order. */
typedef void (*zs_turn_fn)(void *ctx, int begin);
void zs_node_submit_many_in_turn(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count,
                                 zs_submit_t *outs, zs_turn_fn turn, void *ctx);

/* zs_node_decode_many decodes count raw transactions into txs (rcs[i]: 0,
   or zs_tx_decode's error with perrs[i]), their envelope hashes in one
   Keccak batch through the node's card. */
void zs_node_decode_many(zs_node_t *n, const uint8_t *const *raws, const size_t *lens, size_t count, zs_tx_t *txs,
                         zs_perr_t *perrs, int *rcs);

/* The node's hashing card (NULL: the CPU). */
zs_accel_t *zs_node_accel(zs_node_t *n);

/* For ingress paths that decode and recover themselves (on many cores) and
   admit in their own arrival order: admit a decoded transaction with its
   recovered sender (out->hash must be set; out->seq receives the arrival
   number), then, for an admitted one, wait until it is durable (only then
   is it acknowledged). */
void zs_node_admit_nowait(zs_node_t *n, const uint8_t *raw, size_t len, const zs_tx_t *tx, const uint8_t sender[20],
                          zs_submit_t *out);
void zs_node_wait_durable(zs_node_t *n, zs_submit_t *s);

/* zs_node_wait_included waits (at most timeout_ms) until the transaction is
   in a block; 0 with its record, ZS_ERR_TIMEOUT, or ZS_ERR_REFUSED when the
   sequencer ejected it (reason in *why). */
int zs_node_wait_included(zs_node_t *n, const uint8_t hash[32], int timeout_ms, zs_txrec_t *out, const char **why);
/* The same at execution: 0 once the sequencer has executed the
   transaction in its open block (or it is durable already), with where it
   landed and what it did; ZS_ERR_REFUSED (why) when it was dropped at
   execution; ZS_ERR_TIMEOUT. */
/* The executed transactions' table (feeds read it; zs_executed.h). */
zs_executed_t *zs_node_executed(zs_node_t *n);
int zs_node_wait_executed(zs_node_t *n, const uint8_t hash[32], int timeout_ms, zs_executed_info_t *out,
                          const char **why);

/* zs_node_on_block registers fn to be told of every published block (see
   zs_committer_on_block: on the committer thread, at most 4 listeners). */
ZS_MUST_USE int zs_node_on_block(zs_node_t *n, zs_block_fn fn, void *ctx);
void zs_node_off_block(zs_node_t *n, zs_block_fn fn, void *ctx);

/* ---- Reads. */

uint64_t zs_node_head(zs_node_t *n);
zs_store_t *zs_node_store(zs_node_t *n);
zs_pool_t *zs_node_pool(zs_node_t *n);

/* Account at the latest block (block = UINT64_MAX) or at a retained block. */
ZS_MUST_USE int zs_node_account(zs_node_t *n, uint64_t block, const uint8_t addr[20], uint64_t *nonce,
                                zs_u256_t *balance);
ZS_MUST_USE int zs_node_code(zs_node_t *n, uint64_t block, const uint8_t addr[20], uint8_t **code, size_t *len);
ZS_MUST_USE int zs_node_storage(zs_node_t *n, uint64_t block, const uint8_t addr[20], const zs_u256_t *slot,
                                zs_u256_t *out);
/* zs_node_view opens an EVM view (host/exec/zs_exec_view.h) for code to
   run without changing the chain.  after_block: the state after that
   block (UINT64_MAX: the head), in that block's context (eth_call);
   otherwise the state before it, its changeL2Block applied, ready to
   replay its transactions (debug_traceTransaction).  Errors:
   ZS_ERR_NOTFOUND when the block or its state is not kept. */
ZS_MUST_USE int zs_node_view(zs_node_t *n, uint64_t block, int after_block, zs_exec_view_t **out);
/* The next nonce counting pooled transactions. */
ZS_MUST_USE int zs_node_pending_nonce(zs_node_t *n, const uint8_t addr[20], uint64_t *nonce);
/* Why a transaction was ejected from the pool (NULL if it was not). */
const char *zs_node_ejected(zs_node_t *n, const uint8_t hash[32]);

typedef struct {
    uint64_t trusted;      /* last closed batch */
    uint64_t open;         /* the batch blocks are going into */
    uint64_t virtual_;     /* sequenced on L1 (as the L1 follower reads it; else as the firmware reports it) */
    uint64_t consolidated; /* verified on L1 (the L1 follower; without it 0) */
    uint64_t safe;         /* virtual at L1's safe block (without the follower: virtual_) */
    uint64_t finalized;    /* verified at L1's finalized block (without the follower: consolidated) */
} zs_batch_numbers_t;
void zs_node_batches(zs_node_t *n, zs_batch_numbers_t *out);

typedef struct {
    uint64_t blocks, txs_included, txs_ejected;
    uint64_t batches_closed[ZS_BATCH_CLOSE_COUNT]; /* by zs_batch_close_t */
    uint64_t batch_bytes;     /* batchL2Data of the closed batches, summed */
    uint64_t last_batch_bytes;
    zs_hist_t block_build;    /* the sequencer's time on a block (executing to handing it over) */
    zs_hist_t block_seal;     /* sealing it (block info tree, state root, records) and handing it over: nothing executes meanwhile */
    zs_hist_t block_write;    /* its fsync'd write */
    uint64_t started_at;      /* unix seconds */
    /* Where the sequencer's time went (nanoseconds, since start). */
    uint64_t ns_exec;    /* executing transactions (state reads and staged writes) */
    uint64_t ns_block;   /* opening blocks (system storage), pool hand-over */
    uint64_t ns_end;     /* ending blocks: their logs and block info tree hashed */
    uint64_t ns_commit;  /* hashing the tree and building the store batch */
    uint64_t ns_records; /* block, receipt and batch records (on the sequencer thread) */
    uint64_t ns_handover; /* waiting to hand a block to the committer (its queue full) */
    uint64_t ns_finish;  /* header roots and hash, block and receipt records (the committer's, before the write) */
    uint64_t ns_write;   /* the fsync'd RocksDB write */
    uint64_t ns_publish; /* account view and head update */
    zs_prefetch_stats_t prefetch; /* the state's prefetch thread (state.prefetch_pages) */
    zs_state_evictions_t evictions; /* the tree's memory bound (state.memory_mb) */
} zs_node_stats_t;
void zs_node_stats(zs_node_t *n, zs_node_stats_t *out);

/* ---- The batching policy and L1 (the firmware link and the management
   port).  The policy in force and the local one are zs_policyctl's; what
   L1 holds is zs_l1view's (kept in the node's store). */

zs_policyctl_t *zs_node_policy(zs_node_t *n);
zs_l1view_t *zs_node_l1view(zs_node_t *n);

/* Close the open batch at its next block boundary if it is still number
   (the firmware's request, or an operator's). */
void zs_node_request_close(zs_node_t *n, uint64_t number, int by_operator);

typedef struct {
    uint64_t number, bytes, txs, gas, age_ms, txs_total, pool_pending, last_sealed;
} zs_node_open_batch_t;
void zs_node_open_batch(zs_node_t *n, zs_node_open_batch_t *out);

#endif
