/* zs_blob: Polygon's blob layout and hashes (the "Feijoa" design, as
   0xPolygonHermez/zkevm-commonjs develop-feijoa src/blob-inner computes
   them; ../shared/BLOBS.md): a list of sealed batches into blob data and
   back, the versioned hash, the evaluation point z, the blob's
   accInputHash and the chain of its batches.

   Blob data: one compression byte (0: none), a 4-byte big-endian body
   length, then per batch a 4-byte big-endian length and its batchL2Data.
   For an EIP-4844 blob those bytes are laid 31 to a field element (a zero
   byte before every 31) and padded with zeros to 131,072 bytes; calldata
   and forced blobs keep them compact.

   Pure functions of their inputs; any thread. */
#ifndef ZS_BLOB_H
#define ZS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

enum { ZS_BLOB_CALLDATA = 0, ZS_BLOB_EIP4844 = 1, ZS_BLOB_FORCED = 2 };

#define ZS_BLOB_BYTES 131072     /* an EIP-4844 blob */
#define ZS_BLOB_MAX_DATA 126976  /* compact bytes one blob holds: 4,096 x 31 */
#define ZS_BLOB_HEADER 5         /* compression byte and body length */
#define ZS_BLOB_ZKGAS_BATCH 100000000ull /* zkGasLimit a blob needs per batch */

/* zs_blob_data_len: the compact length of n batches (header included). */
size_t zs_blob_data_len(const size_t *lens, size_t n);

/* zs_blob_encode writes the blob data of n batches of `type` into out;
   returns its length, ZS_ERR_RANGE when the batches do not fit one blob
   (more than ZS_BLOB_MAX_DATA compact bytes), ZS_ERR_FULL when cap is too
   small, ZS_ERR_INVAL for another type. */
long zs_blob_encode(const uint8_t *const *batches, const size_t *lens, size_t n, int type, uint8_t *out, size_t cap);

typedef struct {
    const uint8_t *data;
    size_t len;
} zs_blob_batch_t;

/* zs_blob_decode reads blob data of `type` back into its batches (empty
   ones are left out, as the processor leaves them): 0 with *n, or
   ZS_ERR_PARSE with Polygon's reason in *why (error_invalid_msb_byte,
   error_invalid_compression_type, error_invalid_parsing,
   error_invalid_totalbody_len).  For an EIP-4844 blob the batches point
   into scratch (ZS_BLOB_MAX_DATA bytes), otherwise into blob. */
ZS_MUST_USE int zs_blob_decode(const uint8_t *blob, size_t len, int type, uint8_t *scratch, zs_blob_batch_t *out,
                               size_t max, size_t *n, const char **why);

/* 0x01 ++ sha256(commitment)[1..32). */
void zs_blob_versioned_hash(const uint8_t commitment[48], uint8_t out[32]);

/* z: linear Poseidon over commitment ++ blob, reduced modulo BLS12-381's
   scalar field (big-endian).  0 or ZS_ERR_NOMEM. */
ZS_MUST_USE int zs_blob_point_z(const uint8_t commitment[48], const uint8_t *blob, size_t len, uint8_t z[32]);

/* The blob's accumulated input hash: keccak256(oldAcc . uint32 l1InfoIndex
   . l1InfoRoot . uint64 timestampLimit . sequencer . uint64 zkGasLimit .
   uint8 type . versionedHash . blobL2HashData . forcedHashData).  An
   EIP-4844 blob has its versioned hash and blobL2HashData 0; the others
   versionedHash 0 and blobL2HashData = keccak256(blob data). */
typedef struct {
    uint8_t old_acc[32];
    uint32_t l1_info_index;
    uint8_t l1_info_root[32];
    uint64_t timestamp_limit;
    uint8_t sequencer[20];
    uint64_t zk_gas_limit;
    uint8_t type;
    uint8_t versioned_hash[32];
    uint8_t blob_l2_hash_data[32];
    uint8_t forced_hash_data[32];
} zs_blob_acc_t;
void zs_blob_acc_input_hash(const zs_blob_acc_t *in, uint8_t out[32]);

/* One step of the chain of a blob's batches (finalAccBatchHashData):
   linear Poseidon over acc ++ linearPoseidon(batch) ++ sequencer ++ forced
   (forced: the forced hash data for a forced blob, else zero). */
void zs_blob_batch_acc(const uint8_t acc[32], const uint8_t *batch, size_t len, const uint8_t sequencer[20],
                       const uint8_t forced[32], uint8_t out[32]);

#endif
