/* zs_tx_blob: EIP-4844 blob-carrying transactions (type 3), to sign and
   send, for the firmware's L1 submissions: the signed transaction, and the
   network form that carries the blobs with their commitments and proofs,
   EIP-7594's (wrapper version 1, 128 cell proofs per blob) or EIP-4844's
   (one blob proof per blob).  L2 never takes one (lib/tx's decoder refuses
   type 3).  Any thread. */
#ifndef ZS_TX_BLOB_H
#define ZS_TX_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/u256/zs_u256.h"

#define ZS_TX_BLOB_TYPE 3
#define ZS_TX_BLOB_GAS_PER_BLOB 131072u

typedef struct {
    uint64_t chain_id, nonce, gas;
    zs_u256_t max_priority_fee, max_fee, value, max_fee_per_blob_gas;
    uint8_t to[20]; /* a blob transaction always has a recipient */
    const uint8_t *data;
    size_t data_len;
    const uint8_t (*blob_hashes)[32]; /* the versioned hashes, in blob order */
    size_t nblobs;
} zs_tx_blob_t;

/* zs_tx_blob_sign writes 0x03 ++ rlp([chainId, nonce, maxPriorityFeePerGas,
   maxFeePerGas, gasLimit, to, value, data, [], maxFeePerBlobGas,
   blobVersionedHashes, yParity, r, s]) into out, its length into *len and
   its transaction hash into hash.  ZS_ERR_FULL, ZS_ERR_INVAL (no blob),
   ZS_ERR_CRYPTO (a bad key). */
ZS_MUST_USE int zs_tx_blob_sign(const zs_tx_blob_t *tx, const uint8_t key[32], uint8_t *out, size_t cap, size_t *len,
                                uint8_t hash[32]);

/* zs_tx_blob_wrap writes the network form of the signed transaction:
   cell_proofs: 0x03 ++ rlp([tx, 1, blobs, commitments, nblobs x 128 cell
   proofs]) (EIP-7594); otherwise 0x03 ++ rlp([tx, blobs, commitments,
   proofs]) with one proof per blob (EIP-4844).  Returns its length or
   ZS_ERR_FULL / ZS_ERR_INVAL. */
ZS_MUST_USE long zs_tx_blob_wrap(const uint8_t *signed_tx, size_t len, size_t nblobs, const uint8_t *const *blobs,
                                 const uint8_t (*commitments)[48], const uint8_t (*proofs)[48], int cell_proofs,
                                 uint8_t *out, size_t cap);

/* The network form read back (for a fee bump of a journaled transaction):
   its fields (data pointing into the input), versioned hashes, and sidecar
   (blobs pointing into the input; commitments and proofs copied). */
#define ZS_TX_BLOB_MAX 6 /* blobs per transaction (EIP-7594's limit) */
typedef struct {
    zs_tx_blob_t tx;
    uint8_t hash[32]; /* the transaction's hash (of the signed transaction, not the wrapper) */
    uint8_t hashes[ZS_TX_BLOB_MAX][32];
    const uint8_t *blobs[ZS_TX_BLOB_MAX];
    uint8_t commitments[ZS_TX_BLOB_MAX][48];
    uint8_t proofs[ZS_TX_BLOB_MAX * 128][48];
    int cell_proofs; /* EIP-7594's form (128 per blob), else EIP-4844's (one per blob) */
} zs_tx_blob_wire_t;

/* zs_tx_blob_unwrap: 0, or ZS_ERR_PARSE (not a type-3 network form this
   module writes: more than ZS_TX_BLOB_MAX blobs, counts that disagree). */
ZS_MUST_USE int zs_tx_blob_unwrap(const uint8_t *raw, size_t len, zs_tx_blob_wire_t *out);

#endif
