/* zs_node: the sequencer node: one store, the state, the pool, the chain,
   and the sequencer thread that turns pooled transactions into L2 blocks and
   batches.  The RPC and other ingress call only this API.

   The sequencer thread takes executable transactions first come first
   served, executes them (host/exec), and closes a block when the pool has
   nothing more to run, when the block reaches its transaction limit, or
   when it has been open for block_time_ms.  Closing a block writes, in one
   fsync'd store batch: the state version (version = block number), the
   block, its transactions and receipts, the removal of its transactions
   from the pool, the batch it belongs to, and the new head.  A batch closes
   when the batch policy says so (size, transactions, gas, age).

   Thread safety: every function may be called from any thread. */
#ifndef ZS_NODE_H
#define ZS_NODE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "host/accel/zs_accel.h"
#include "host/chain/zs_chain.h"
#include "host/metrics/zs_metrics.h"
#include "host/pool/zs_pool.h"
#include "lib/u256/zs_u256.h"

/* When the open batch is closed (the firmware will own this decision; until
   then the host applies it). */
typedef struct {
    size_t max_bytes;      /* batchL2Data size */
    uint32_t max_txs;
    uint64_t max_gas;
    uint32_t max_age_ms;   /* from the batch's first block */
} zs_batch_policy_t;

typedef struct {
    const char *datadir;
    uint64_t chain_id;
    uint8_t coinbase[20];       /* L2 fees go here; also the batch sequencer address for now */
    zs_u256_t min_gas_price;    /* the pool's floor, and eth_gasPrice */
    uint32_t block_time_ms;     /* longest a block stays open */
    uint32_t max_block_txs;
    uint64_t keep_versions;     /* state versions kept readable */
    zs_batch_policy_t batch;
    zs_pool_order_t order;
    unsigned price_bump;
    size_t pool_max_txs, pool_max_per_sender;
    uint64_t nonce_gap;
    size_t cache_mb;
    json_t *genesis;            /* used when the database is new */
    int paused;                 /* admit and pool, but do not sequence until zs_node_resume */
    zs_accel_t *accel;          /* the hashing card (NULL: the CPU); outlives the node */
} zs_node_cfg_t;

typedef struct zs_node zs_node_t;

/* Fixed when the chain is created, kept in the database. */
typedef struct {
    uint64_t chain_id;
    zs_u256_t base_fee; /* L2's constant base fee (the gas price floor at genesis) */
    uint64_t timestamp; /* of the genesis block, also in the system storage */
} zs_node_params_t;

/* zs_node_read_params reads them, and the genesis (a new reference) if
   genesis is not NULL. */
ZS_MUST_USE int zs_node_read_params(zs_store_t *s, zs_node_params_t *out, json_t **genesis);

/* zs_node_replay re-executes every block of the database at path (not open
   elsewhere) from its genesis in memory, and checks each block's state
   root, header hash, transaction and receipt roots and receipts, that no
   transaction is in two blocks, and every closed batch's data hash and
   accInputHash chain.  0, or a sentence in err about the first mismatch. */
typedef struct {
    uint64_t blocks, txs, batches;
    uint8_t state_root[32];
} zs_replay_report_t;
ZS_MUST_USE int zs_node_replay(const char *path, zs_replay_report_t *out, char *err, size_t errlen);

/* zs_node_open opens (or creates, from cfg->genesis) the node's database
   and starts the sequencer.  NULL with a sentence in err. */
zs_node_t *zs_node_open(const zs_node_cfg_t *cfg, char *err, size_t errlen);
/* zs_node_stop ends the sequencer after the block in progress and wakes
   every waiter; reads and admissions keep working (admitted transactions
   wait in the store for the next start).  zs_node_close stops, then
   closes the database. */
void zs_node_stop(zs_node_t *n);
/* Sequencing on and off (transactions are still admitted while paused). */
void zs_node_pause(zs_node_t *n);
void zs_node_resume(zs_node_t *n);
int zs_node_is_paused(zs_node_t *n);
void zs_node_close(zs_node_t *n);

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

/* zs_node_on_block registers fn to be told of every published block: its
   number and its transactions' hashes in block order (called on the
   committer thread: be quick).  At most 4 listeners.  zs_node_off_block
   removes one, waiting for a call in progress. */
typedef void (*zs_node_block_fn)(void *ctx, uint64_t number, const uint8_t (*hashes)[32], size_t n);
ZS_MUST_USE int zs_node_on_block(zs_node_t *n, zs_node_block_fn fn, void *ctx);
void zs_node_off_block(zs_node_t *n, zs_node_block_fn fn, void *ctx);

/* ---- Reads. */

uint64_t zs_node_head(zs_node_t *n);
zs_store_t *zs_node_store(zs_node_t *n);
zs_pool_t *zs_node_pool(zs_node_t *n);

/* Account at the latest block (block = UINT64_MAX) or at a retained block. */
ZS_MUST_USE int zs_node_account(zs_node_t *n, uint64_t block, const uint8_t addr[20], uint64_t *nonce,
                                zs_u256_t *balance);
ZS_MUST_USE int zs_node_code(zs_node_t *n, uint64_t block, const uint8_t addr[20], uint8_t **code, size_t *len);
/* The next nonce counting pooled transactions. */
ZS_MUST_USE int zs_node_pending_nonce(zs_node_t *n, const uint8_t addr[20], uint64_t *nonce);
/* Why a transaction was ejected from the pool (NULL if it was not). */
const char *zs_node_ejected(zs_node_t *n, const uint8_t hash[32]);

typedef struct {
    uint64_t trusted;      /* last closed batch */
    uint64_t open;         /* the batch blocks are going into */
    uint64_t virtual_;     /* posted to L1 (0 until L1 submission exists) */
    uint64_t consolidated; /* verified on L1 (0 until then) */
} zs_batch_numbers_t;
void zs_node_batches(zs_node_t *n, zs_batch_numbers_t *out);

/* Why a batch closed. */
typedef enum {
    ZS_BATCH_CLOSE_FULL = 1, /* the next transaction would have passed a limit */
    ZS_BATCH_CLOSE_BYTES,
    ZS_BATCH_CLOSE_TXS,
    ZS_BATCH_CLOSE_GAS,
    ZS_BATCH_CLOSE_AGE,
    ZS_BATCH_CLOSE_FIRMWARE, /* the firmware asked */
    ZS_BATCH_CLOSE_OPERATOR, /* zs_node_request_close from the management port */
    ZS_BATCH_CLOSE_COUNT
} zs_batch_close_t;
const char *zs_batch_close_name(int reason);

typedef struct {
    uint64_t blocks, txs_included, txs_ejected;
    uint64_t batches_closed[ZS_BATCH_CLOSE_COUNT]; /* by zs_batch_close_t */
    uint64_t batch_bytes;     /* batchL2Data of the closed batches, summed */
    uint64_t last_batch_bytes;
    zs_hist_t block_build;    /* the sequencer's time on a block (executing to handing it over) */
    zs_hist_t block_write;    /* its fsync'd write */
    uint64_t started_at; /* unix seconds */
    /* Where the sequencer's time went (nanoseconds, since start). */
    uint64_t ns_exec;    /* executing transactions (state reads and staged writes) */
    uint64_t ns_block;   /* opening and closing blocks (system storage, block info tree) */
    uint64_t ns_commit;  /* hashing the tree and building the store batch */
    uint64_t ns_records; /* block, receipt and batch records, header roots */
    uint64_t ns_write;   /* the fsync'd RocksDB write */
    uint64_t ns_publish; /* account view and head update */
} zs_node_stats_t;
void zs_node_stats(zs_node_t *n, zs_node_stats_t *out);

/* ---- The firmware's side (host/batch/zs_fwlink).

   While the firmware is up it owns the batching policy: zs_node_set_policy
   replaces the size/count/gas limits (applied at every transaction: a
   block ends before the open batch would pass them) and the block time;
   the batch age is then the firmware's decision (zs_node_request_close),
   with the host's own max_age_ms x 2 as a safety net.  zs_node_set_policy
   with NULL returns to the configuration's policy (firmware down). */
void zs_node_set_policy(zs_node_t *n, const zs_batch_policy_t *p, uint32_t block_time_ms);
/* zs_node_set_local_policy changes the configuration's policy (the one in
   force while the firmware is down), live. */
void zs_node_set_local_policy(zs_node_t *n, const zs_batch_policy_t *p, uint32_t block_time_ms);
void zs_node_local_policy(zs_node_t *n, zs_batch_policy_t *p, uint32_t *block_time_ms);
/* The policy in force (the firmware's while it is up): 1 if the firmware's. */
int zs_node_policy(zs_node_t *n, zs_batch_policy_t *p, uint32_t *block_time_ms);
/* Close the open batch if it is still number and holds a block (the
   firmware's request; zs_node_operator_close says an operator asked). */
void zs_node_request_close(zs_node_t *n, uint64_t number);
void zs_node_operator_close(zs_node_t *n, uint64_t number);

typedef struct {
    uint64_t number, bytes, txs, gas, age_ms, txs_total, pool_pending, last_sealed;
} zs_node_open_batch_t;
void zs_node_open_batch(zs_node_t *n, zs_node_open_batch_t *out);

/* What L1 holds, as the firmware reports it: kept in the store, shown by
   zkevm_virtualBatchNumber and zkseq_l1Status. */
typedef struct {
    uint64_t virtual_, confirmed, l1_block, l1_head;
    uint8_t acc_input_hash[32], l1_tx[32];
    uint64_t backlog, pending_l1_txs;
    uint32_t fw_flags;  /* ZS_MBOX_ST_* */
    int fw_up;
    int backpressure;
    uint64_t handed_over; /* last sealed batch the firmware journaled */
} zs_node_l1_t;
void zs_node_set_l1(zs_node_t *n, const zs_node_l1_t *l1);
void zs_node_l1(zs_node_t *n, zs_node_l1_t *out);

#endif
