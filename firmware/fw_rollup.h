/* fw_rollup: what the firmware says to ZkseqRollup and ZkseqGlobalExitRoot
   (tools/l1/contracts): sequenceBatches calldata (Solidity ABI encoding of
   (BatchData[], uint32, uint64, bytes32, address)) and the contract's
   getters; the accInputHash step is lib/batch's zs_batch_acc_input_hash.
   Single thread. */
#ifndef FW_ROLLUP_H
#define FW_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_l1.h"

typedef struct {
    const uint8_t *data; /* batchL2Data */
    size_t len;
    /* A forced batch: its forced timestamp (0: a sequencer's batch), GER
       and L1 block hash. */
    uint64_t forced_timestamp;
    const uint8_t *forced_ger, *forced_block_hash;
} fw_seq_batch_t;

/* fw_rollup_forced_hash: what the contract holds for forced batch n,
   keccak256(keccak256(transactions) ++ ger ++ uint64 timestamp ++ block
   hash) (zero once it is sequenced), and the same computed from a
   journaled batch. */
ZS_MUST_USE int fw_rollup_forced_hash(fw_l1_t *l1, const uint8_t rollup[20], uint64_t n, uint8_t out[32]);
void fw_rollup_forced_data_hash(const fw_seq_batch_t *b, uint8_t out[32]);

/* fw_rollup_calldata writes sequenceBatches(batches (forced ones with their fields),
   index_l1_info_root, max_timestamp, expected_acc, coinbase) into out;
   returns its length or ZS_ERR_FULL. */
long fw_rollup_calldata(const fw_seq_batch_t *b, size_t n, uint32_t index_l1_info_root, uint64_t max_timestamp,
                        const uint8_t expected_acc[32], const uint8_t coinbase[20], uint8_t *out, size_t cap);

/* One EIP-4844 blob of a sequenceBlobBatches transaction (blob index i
   of the transaction): Feijoa's type-1 parameters and its batches' hashes. */
typedef struct {
    uint64_t max_timestamp, zk_gas_limit;
    uint32_t l1_info_index;
    const uint8_t *z, *y, *commitment, *proof; /* 32, 32, 48, 48 bytes */
    const uint8_t (*batch_hashes)[32];
    size_t nbatches;
} fw_seq_blob_t;

/* fw_rollup_blob_calldata writes sequenceBlobBatches(blobs, coinbase,
   expected blob acc, expected batch acc); returns its length or
   ZS_ERR_FULL. */
long fw_rollup_blob_calldata(const fw_seq_blob_t *b, size_t n, const uint8_t coinbase[20],
                             const uint8_t expected_blob_acc[32], const uint8_t expected_acc[32], uint8_t *out,
                             size_t cap);

/* Getters; tag is "latest" or a block number as "0x..". */
ZS_MUST_USE int fw_rollup_last_batch(fw_l1_t *l1, const uint8_t rollup[20], const char *tag, uint64_t *out);
/* fw_rollup_acc: batch's accInputHash and the timestamp of the L1 block
   that sequenced it (sequencedBatches(batch)). */
ZS_MUST_USE int fw_rollup_acc(fw_l1_t *l1, const uint8_t rollup[20], uint64_t batch, const char *tag,
                              uint8_t acc[32], uint64_t *sequenced_ts);
ZS_MUST_USE int fw_rollup_last_blob_acc(fw_l1_t *l1, const uint8_t rollup[20], uint8_t acc[32]);
ZS_MUST_USE int fw_rollup_trusted_sequencer(fw_l1_t *l1, const uint8_t rollup[20], uint8_t addr[20]);
/* The L1 info tree's leaf count and its root (l1InfoRootMap(count)). */
ZS_MUST_USE int fw_ger_l1_info(fw_l1_t *l1, const uint8_t ger[20], uint32_t *count, uint8_t root[32]);

#endif
