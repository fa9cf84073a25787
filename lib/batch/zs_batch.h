/* zs_batch: Polygon zkEVM's batchL2Data (fork 12, "etrog" format).

   A batch is a sequence of entries:
   - changeL2Block: 0x0b, deltaTimestamp (uint32, big-endian),
     indexL1InfoTree (uint32, big-endian): opens a new L2 block;
   - a transaction: its signing payload (RLP as signed; for EIP-155 legacy
     the list ends with chainId, 0, 0), then r (32 bytes), s (32 bytes), v (1
     byte: 27 + y parity) and the effectivePercentage byte.
   Polygon's executor takes legacy transactions only.  zkseq also carries
   EIP-2930 and EIP-1559 transactions the same way, with the type byte in
   front of the signed list; a batch holding one is zkseq's extension and is
   documented in the README.

   Decoding is zero-copy and strict; nothing allocates.  Any thread. */
#ifndef ZS_BATCH_H
#define ZS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/tx/zs_tx.h"

#define ZS_BATCH_CHANGE_L2_BLOCK_TYPE 0x0b
#define ZS_BATCH_CHANGE_L2_BLOCK_LEN 9
#define ZS_BATCH_TX_TRAILER 66 /* r, s, v, effectivePercentage */

typedef enum { ZS_BATCH_ENTRY_BLOCK = 1, ZS_BATCH_ENTRY_TX = 2 } zs_batch_entry_kind_t;

typedef struct {
    zs_batch_entry_kind_t kind;
    size_t offset, len; /* where the entry sits in the batch */
    /* changeL2Block */
    uint32_t delta_timestamp;
    uint32_t index_l1_info_tree;
    /* transaction */
    uint8_t type;            /* 0 legacy, 1 or 2 for zkseq's typed extension */
    const uint8_t *signing;  /* the signing payload (type byte included) */
    size_t signing_len;
    const uint8_t *r, *s;    /* 32 bytes each */
    uint8_t v;               /* 27 or 28 */
    uint8_t effective_percentage;
} zs_batch_entry_t;

/* zs_batch_next reads the entry at batch[*pos]; returns 1 and advances
   *pos, 0 at the end, or ZS_ERR_PARSE with where and why. */
int zs_batch_next(const uint8_t *batch, size_t n, size_t *pos, zs_batch_entry_t *ent, zs_perr_t *e);

/* zs_batch_entry_to_tx rebuilds the standard signed envelope of a
   transaction entry into raw[0..cap) and decodes it into *tx (which then
   points into raw).  Returns 0, ZS_ERR_FULL, or the decoder's error. */
ZS_MUST_USE int zs_batch_entry_to_tx(const zs_batch_entry_t *ent, uint8_t *raw, size_t cap,
                                     zs_tx_t *tx, zs_perr_t *e);

/* zs_batch_encode_tx appends a decoded transaction in batch form; returns
   the bytes written or ZS_ERR_FULL. */
long zs_batch_encode_tx(const zs_tx_t *tx, uint8_t effective_percentage, uint8_t *out, size_t cap);

/* zs_batch_acc_input_hash chains a batch into the accumulated input hash
   as fork 12's PolygonRollupEtrog computes it on L1:
   keccak256(old ++ batchHashData ++ l1InfoRoot ++ uint64 timestampLimit ++
             sequencer ++ forcedBlockHashL1). */
void zs_batch_acc_input_hash(const uint8_t old[32], const uint8_t batch_hash_data[32], const uint8_t l1_info_root[32],
                             uint64_t timestamp_limit, const uint8_t sequencer[20],
                             const uint8_t forced_block_hash_l1[32], uint8_t out[32]);

/* zs_batch_encode_change_l2_block writes the 9-byte block entry. */
long zs_batch_encode_change_l2_block(uint32_t delta_timestamp, uint32_t index_l1_info_tree,
                                     uint8_t *out, size_t cap);

#endif
