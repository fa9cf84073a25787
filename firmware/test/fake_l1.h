/* A fake L1 node for the firmware's unit tests: answers the JSON-RPC calls
   the firmware makes, holds a mempool, mines on request, and models
   ZkseqRollup.sequenceBatches and sequenceBlobBatches (its own ABI decoding; the accInputHash
   step is lib/batch's, as in the firmware: the independent checks of that
   formula are the contract on anvil and the JavaScript recomputation in
   the end-to-end tests) and its getters, with
   faults to inject: an unreachable node, timeouts, RPC errors, lost
   transactions, reorgs.  Test code; single thread. */
#ifndef FAKE_L1_H
#define FAKE_L1_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_TXS 4096
#define FAKE_MAX_BLOCKS 4096

typedef struct {
    uint8_t hash[32];
    uint64_t nonce, tip, max_fee, gas;
    uint8_t *raw;
    size_t raw_len;
    int mined;            /* in a block */
    uint64_t block;
    int status;           /* receipt status */
    int dropped;          /* gone from the node (lost, replaced, reorged out) */
    int ghost;            /* reorged out, yet its receipt is still answered (ghost_reorg) */
    int blob;             /* a type-3 transaction (sequenceBlobBatches) */
    uint64_t blob_fee;    /* its maxFeePerBlobGas */
} fake_tx_t;

typedef struct {
    uint64_t last_batch;  /* lastBatchSequenced() after this block */
    uint64_t timestamp;
    uint8_t blob_acc[32]; /* lastBlobAccInputHash() after this block */
} fake_block_t;

typedef struct {
    uint64_t chain_id, base_fee, tip;
    uint8_t rollup[20], ger[20], sequencer[20];
    uint8_t l1_info_root[32];
    uint32_t l1_info_count;
    /* Chain. */
    fake_block_t blocks[FAKE_MAX_BLOCKS];
    uint64_t head; /* blocks[0..head] exist */
    uint8_t accs[FAKE_MAX_BLOCKS * 4][32]; /* accInputHash by batch number (latest view) */
    uint64_t acc_ts[FAKE_MAX_BLOCKS * 4]; /* sequencedTimestamp by batch number: its block's */
    uint64_t batch_seq_count[FAKE_MAX_BLOCKS * 4]; /* how often each batch was sequenced (must stay <= 1) */
    uint64_t nonce_mined;  /* next nonce of the sequencer on chain */
    fake_tx_t txs[FAKE_MAX_TXS];
    size_t ntxs;
    uint64_t reverts, sends, calls;
    /* Faults. */
    int down;              /* connect fails */
    int timeout;           /* connections accept requests and never answer */
    char next_error_method[64];
    char next_error_msg[128];
    int drop_next_send;    /* accept the next raw transaction, then lose it */
    int reject_sends;      /* refuse every eth_sendRawTransaction with next_error_msg */
    int ghost_reorg;       /* as anvil when a reorg races a send: a reorged-out transaction keeps
                              answering its receipt and by hash, and is "already known" */
    int lag_latest;        /* "latest" (block, calls, nonce) answered as the block before the head, as
                              a balancer's backend a block behind; receipts stay current */
    uint64_t acc_reads_none; /* the next this many sequencedBatches() calls answer no accInputHash */
    uint64_t last_reads_low; /* the next this many lastBatchSequenced() calls answer 0 (a state
                                without the sequences, as anvil has answered while mining) */
    int state_ahead;       /* as anvil while it mines: calls at "latest" see the head's state, while
                              the block number, the latest block and receipts are still the one before */
    uint64_t mine_after_head_reads; /* the next this many reads of the latest block mine one right
                                       after answering (a block mined while the firmware reads L1) */
    uint64_t gas_extra_pct; /* mining drops transactions whose gas is below (floor + this %) */
    uint64_t dropped_at_mining;
    uint64_t now_s;        /* block timestamps */
    /* Blobs: the blob base fee, and what was checked of blob transactions
       (as anvil does at send: versioned hashes and cell proofs; at mining,
       the contract's point evaluation, and what a prover would find: each
       batch's bytes in the blob hash to the stated hash). */
    uint64_t blob_base_fee;
    const void *kzg;       /* zs_kzg_t, set by the test */
    uint64_t blob_txs_mined, blobs_mined, bad_kzg_sends, blob_data_mismatches;
} fake_l1_t;

void fake_l1_init(fake_l1_t *l1, const uint8_t rollup[20], const uint8_t ger[20], const uint8_t sequencer[20]);
/* Answers one JSON-RPC request body; returns the response body in out. */
void fake_l1_handle(fake_l1_t *l1, const char *body, size_t len, char *out, size_t cap);
/* Mines one block with the pending transactions (in nonce order). */
void fake_l1_mine(fake_l1_t *l1);
/* Removes the last depth blocks; their transactions are gone (not pending). */
void fake_l1_reorg(fake_l1_t *l1, uint64_t depth);
size_t fake_l1_pending(const fake_l1_t *l1);

#endif
