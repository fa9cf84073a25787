/* zs_exec: executes L2 blocks with Polygon zkEVM fork 12 (etrog)
   semantics against the state (host/state).

   A block starts with the changeL2Block step (zs_exec_block_begin): the
   system contract 0x...5ca1ab1e records the previous block's state root
   under keccak256(oldBlockNumber, 1), the new block number in slot 0 and the
   new timestamp in slot 2; an L1 info leaf with a new global exit root is
   written to the L2 global exit root manager; and a fresh block info tree
   (a Poseidon SMT of header fields and per-transaction receipts and logs) is
   begun.  Each transaction (zs_exec_tx) is checked as Polygon's executor
   checks it (nonce, upfront cost at the effective gas price, sender without
   code, gas limit) and executed: a transfer to an account without code
   directly, anything else (a creation, a call to code or to a precompile)
   in the EVM (lib/evm) over this state.  A transaction that reverts or runs
   out of gas is included with status 0, as on Polygon.  The receipt and its
   logs go into the block info tree.  A block ends (zs_exec_block_end) by
   writing the block info root into slot 3.

   Each transaction's virtual counters (what the prover will spend on it,
   lib/evm/zs_vcount.h) come back in its result; given the room left in
   the open batch, a transaction that does not fit is not executed
   (ZS_EXEC_OUT_OF_COUNTERS) and changes nothing.

   Thread safety: one thread owns a zs_exec and its state. */
#ifndef ZS_EXEC_H
#define ZS_EXEC_H

#include <stdint.h>

#include "host/state/zs_state.h"
#include "lib/evm/zs_evm.h"
#include "lib/tx/zs_tx.h"
#include "lib/u256/zs_u256.h"

#define ZS_BLOCK_GAS_LIMIT 1125899906842624ull /* fork 12's per-block limit */
#define ZS_TX_GAS_LIMIT 30000000ull              /* fork 12's per-transaction limit */

extern const uint8_t zs_system_address[20];         /* 0x000000000000000000000000000000005ca1ab1e */
extern const uint8_t zs_ger_manager_l2_address[20]; /* 0xa40D5f56745a118D0906a34E69aeC8C0Db1cB8fA */

/* Why a transaction was not included (stable codes, shared with the pool). */
typedef enum {
    ZS_EXEC_OK = 0,
    ZS_EXEC_NONCE,           /* nonce differs from the account's */
    ZS_EXEC_FUNDS,           /* gas * effective price + value above the balance */
    ZS_EXEC_SENDER_HAS_CODE, /* EIP-3607 */
    ZS_EXEC_GAS_LIMIT,       /* above the transaction gas limit */
    ZS_EXEC_INTRINSIC_GAS,   /* gas below the intrinsic cost */
    ZS_EXEC_CHAIN_ID,        /* another chain's transaction */
    ZS_EXEC_OUT_OF_COUNTERS, /* it does not fit the room left in the batch's counters */
} zs_exec_reason_t;

const char *zs_exec_reason_text(zs_exec_reason_t r);

typedef struct {
    uint64_t chain_id;
    uint8_t coinbase[20]; /* the sequencer address: receives the fees */
    uint64_t tx_gas_limit;    /* 0: fork 12's 30,000,000 */
    uint64_t block_gas_limit; /* what GASLIMIT reads; 0: fork 12's 2^50 */
    zs_u256_t base_fee; /* L2's constant base fee for EIP-1559 transactions (0 in Polygon's vectors) */
    /* 0: the block info tree is hashed when the block ends, on the caller's
       thread.  n: a helper thread takes its leaves in and hashes what it
       has each n leaves, so that the block's end is short (the sequencer:
       its pause while a block seals).  The roots are the same. */
    size_t info_pass;
} zs_exec_cfg_t;

/* An L1 info tree leaf a block refers to (indexL1InfoTree != 0). */
typedef struct {
    uint8_t global_exit_root[32];
    uint8_t block_hash[32];
    uint64_t timestamp;
} zs_l1_info_t;

typedef struct {
    uint64_t number;
    uint64_t timestamp;
    uint8_t parent_root[32];   /* the state root before the block (its "previous block hash") */
    uint8_t ger[32];
    uint8_t block_hash_l1[32];
} zs_exec_block_t;

typedef struct {
    zs_exec_reason_t reason; /* ZS_EXEC_OK: included */
    uint32_t index;          /* position in the block */
    int status;              /* 1 success, 0 failed (reverted, out of gas...): included either way */
    zs_evm_status_t evm_status; /* how it ended (ZS_EVM_SUCCESS for a transfer) */
    uint64_t gas_used;
    uint64_t cumulative_gas;
    zs_u256_t effective_gas_price;
    zs_u256_t fee;
    uint8_t l2_tx_hash[32];
    int created;             /* a creation: the address it made (even when it failed) */
    uint8_t contract[20];
    const uint8_t *output;   /* return or revert data; valid until the next transaction */
    size_t output_len;
    const zs_evm_log_t *logs; /* valid until the next transaction */
    size_t nlogs;
    uint32_t first_log;      /* the block-wide index of logs[0] */
    /* Accounts whose balance or nonce an EVM transaction wrote (beyond a
       transfer's sender, recipient and coinbase); valid until the next
       transaction. */
    const uint8_t (*touched)[20];
    size_t ntouched;
    zs_vcount_t counters;    /* processTx and the EVM's steps, as Polygon counts them */
} zs_exec_result_t;

typedef struct zs_exec zs_exec_t;

zs_exec_t *zs_exec_new(zs_state_t *st, const zs_exec_cfg_t *cfg);
void zs_exec_free(zs_exec_t *x);

/* zs_exec_block_begin opens a block.  parent_root is the state root of
   everything staged so far (the caller commits before calling);
   delta_timestamp is added to the previous block's timestamp; l1 is the
   referenced L1 info leaf or NULL.  Returns 0 or a state error. */
ZS_MUST_USE int zs_exec_block_begin(zs_exec_t *x, const uint64_t parent_root[4], uint32_t delta_timestamp,
                                    const zs_l1_info_t *l1, zs_exec_block_t *out);

/* zs_exec_tx executes tx (sender already recovered) with the effective
   percentage byte; r says whether it was included and why not.  Returns 0
   (whatever r says) or a state error, after which the state is unusable. */
ZS_MUST_USE int zs_exec_tx(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t effective_percentage,
                           zs_exec_result_t *r);

/* zs_exec_prepare readies n transactions about to run (in this order, in
   this block): derives the state keys of their senders, recipients and the
   coinbase, and their L2 hashes, in lane-parallel batches; l2_hashes[i]
   then goes to zs_exec_tx_prepared.  Only saves time: zs_exec_tx gives the
   same results without it. */
ZS_MUST_USE int zs_exec_prepare(zs_exec_t *x, const zs_tx_t *const *txs, const uint8_t (*senders)[20], size_t n,
                                uint8_t (*l2_hashes)[32]);
ZS_MUST_USE int zs_exec_tx_prepared(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                                    const uint8_t l2_hash[32], zs_exec_result_t *r);
/* The same within room: the counters the open batch has left (NULL: no
   limit).  A transaction whose counters exceed it is undone and comes back
   with ZS_EXEC_OUT_OF_COUNTERS (r->counters says what it needed). */
ZS_MUST_USE int zs_exec_tx_fit(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                               const uint8_t l2_hash[32], const zs_vcount_t *room, zs_exec_result_t *r);

/* The MCP the counters of the following transactions assume (default 32,
   zs_vcount_mcp). */
void zs_exec_set_mcp(zs_exec_t *x, uint32_t mcp);

/* Tracing: the following transactions run through t (NULL stops). */
void zs_exec_set_tracer(zs_exec_t *x, const zs_evm_tracer_t *t);

/* zs_exec_block_end closes the block; gas_used is its total. */
ZS_MUST_USE int zs_exec_block_end(zs_exec_t *x, uint64_t *gas_used, uint64_t block_info_root[4]);

/* The local exit root in st: the L2 global exit root manager's
   lastRollupExitRoot (its slot 1, which the L2 bridge updates), as
   Polygon's processor reads a batch's newLocalExitRoot. */
ZS_MUST_USE int zs_exec_local_exit_root(zs_state_t *st, uint8_t out[32]);

/* zs_exec_genesis_timestamp stages the timestamp the first block's
   deltaTimestamp counts from (the system storage's timestamp slot). */
ZS_MUST_USE int zs_exec_genesis_timestamp(zs_state_t *st, uint64_t timestamp);

/* Pure helpers (also for RPC and tests). */
/* The price per gas a transaction offers: its gas price, or for EIP-1559
   min(maxFee, base_fee + tip). */
zs_u256_t zs_exec_tx_price(const zs_tx_t *tx, const zs_u256_t *base_fee);
/* effective gas price: gasPrice * (pct + 1) / 256 */
zs_u256_t zs_exec_effective_gas_price(const zs_u256_t *gas_price, uint8_t pct);
/* Polygon's L2 transaction hash (linear Poseidon over the fields). */
void zs_exec_l2_tx_hash(const zs_tx_t *tx, const zs_u256_t *price, const uint8_t sender[20], uint8_t out[32]);
/* keccak256(uint256 a ++ uint256 b): Solidity's mapping slot of key a at
   position b. */
void zs_exec_mapping_slot(const zs_u256_t *a, const zs_u256_t *b, zs_u256_t *out);

#endif
