/* zs_l1abi: what the L1 follower reads out of L1's bytes, without I/O: the
   events of the rollup contract and the global exit root manager
   (tools/l1/contracts, after Polygon's fork-12 contracts), the
   sequenceBatches and sequenceForceBatches calldata, and the accumulated
   input hash chain over a sequence.

   Every decoder checks the ABI encoding strictly (offsets inside the data,
   lengths that fit, padding zero where the type is narrower than a word)
   and returns 0 or ZS_ERR_PARSE; the decoded bytes point into the input.
   Any thread. */
#ifndef ZS_L1ABI_H
#define ZS_L1ABI_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

/* The events' topic0, filled by zs_l1abi_init (idempotent, thread-safe). */
enum {
    ZS_EV_UPDATE_L1_INFO_TREE,    /* UpdateL1InfoTree(bytes32 indexed mainnet, bytes32 indexed rollup) */
    ZS_EV_UPDATE_L1_INFO_TREE_V2, /* UpdateL1InfoTreeV2(bytes32 root, uint32 indexed leafCount, uint256 blockhash, uint64 minTimestamp) */
    ZS_EV_SEQUENCE_BATCHES,       /* SequenceBatches(uint64 indexed numBatch, bytes32 l1InfoRoot) */
    ZS_EV_SEQUENCE_FORCE_BATCHES, /* SequenceForceBatches(uint64 indexed numBatch) */
    ZS_EV_FORCE_BATCH,            /* ForceBatch(uint64 indexed num, bytes32 ger, address sequencer, bytes txs) */
    ZS_EV_VERIFY_BATCHES,         /* VerifyBatchesTrustedAggregator(uint64 indexed numBatch, bytes32 stateRoot, address indexed aggregator) */
    ZS_EV_COUNT
};
extern uint8_t zs_l1abi_topics[ZS_EV_COUNT][32];
void zs_l1abi_init(void);

/* The selector of a function signature. */
void zs_l1abi_selector(const char *sig, uint8_t out[4]);

/* One batch of a sequence, as BatchData; or one of a sequenceBlobBatches
   blob: its data is in the blob, the calldata states its hash. */
typedef struct {
    const uint8_t *transactions;
    size_t len;
    uint8_t forced_ger[32];
    uint64_t forced_timestamp; /* 0: a sequencer's batch */
    uint8_t forced_block_hash[32];
    /* A blob's batch: the stated keccak256 of its data (NULL: hash the
       transactions), its blob's timestampLimit and versioned hash. */
    const uint8_t *hash;
    uint64_t blob_timestamp;
    uint8_t blob_hash[32];
} zs_l1_batchdata_t;

typedef struct {
    int forced_only;           /* sequenceForceBatches: no head values below */
    int blobs;                 /* sequenceBlobBatches: index_l1_info_root and max_timestamp are the last blob's */
    uint32_t index_l1_info_root;
    uint64_t max_timestamp;
    uint8_t expected_acc[32];
    uint8_t coinbase[20];      /* sequenceForceBatches: the caller, set by the caller */
    zs_l1_batchdata_t *batches; /* malloc'd; zs_l1abi_sequence_free */
    size_t n;
} zs_l1_sequence_t;

/* zs_l1abi_sequence decodes sequenceBatches, sequenceForceBatches or
   sequenceBlobBatches calldata (selector included); the blobs of one
   sequenceBlobBatches must name one L1 info leaf count (zkseq's firmware
   sends them so; the SequenceBatches event carries one root). */
ZS_MUST_USE int zs_l1abi_sequence(const uint8_t *data, size_t len, zs_l1_sequence_t *out);
void zs_l1abi_sequence_free(zs_l1_sequence_t *s);

/* One step of the accumulated input hash (ZkseqRollup, Polygon's etrog
   rule): a sequencer's batch hashes (l1InfoRoot, maxSequenceTimestamp, 0)
   (a blob's batch: its blob's timestampLimit and stated hash), a forced
   one (forcedGER, forcedTimestamp, forcedBlockHashL1).  The hash
   of the batch's data goes to batch_hash when not NULL. */
void zs_l1abi_acc_step(const uint8_t prev[32], const zs_l1_batchdata_t *b, const uint8_t l1_info_root[32],
                       uint64_t max_timestamp, const uint8_t coinbase[20], uint8_t out[32], uint8_t batch_hash[32]);

/* ForceBatch's data: the global exit root, the sender, the transactions
   (pointing into data; empty when the sender was an EOA: they are in the
   transaction's calldata then). */
ZS_MUST_USE int zs_l1abi_force_batch_data(const uint8_t *data, size_t len, uint8_t ger[32], uint8_t sender[20],
                                          const uint8_t **txs, size_t *txlen);

/* forceBatch(bytes) calldata: its transactions (pointing into data). */
ZS_MUST_USE int zs_l1abi_force_batch_call(const uint8_t *data, size_t len, const uint8_t **txs, size_t *txlen);

#endif
