/* zs_kzg: KZG polynomial commitments over BLS12-381 for EIP-4844 blobs, and
   EIP-7594's cells with their proofs, through c-kzg-4844 (the Ethereum
   Foundation's library over supranational's blst, as every Ethereum client
   uses it).  A blob is 4,096 field elements of 32 bytes (big-endian, each
   below the scalar field's modulus).

   zs_kzg_open loads the trusted setup once (2-3 s from its text, tens of
   milliseconds from its prepared form); everything else is
   a pure function of its inputs and the setup, and may be called from any
   thread at once.  Errors: ZS_ERR_PARSE (a blob element, commitment or
   proof that is not valid), ZS_ERR_NOMEM, ZS_ERR_CRYPTO (anything else the
   library reports). */
#ifndef ZS_KZG_H
#define ZS_KZG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_KZG_BLOB_BYTES 131072
#define ZS_KZG_FIELD_ELEMENTS 4096
#define ZS_KZG_CELLS 128
#define ZS_KZG_CELL_BYTES 2048

typedef struct zs_kzg zs_kzg_t;

/* zs_kzg_open: the trusted setup from path, or (NULL) from $ZS_KZG_SETUP,
   then share/zkseq/kzg_trusted_setup.txt beside the program's folder, then
   the c-kzg package's copy under node_modules; precompute 0..15 trades
   memory for speed in the cell proofs (8: ~1.7x faster, more memory).
   NULL with a sentence in err. */
zs_kzg_t *zs_kzg_open(const char *path, unsigned precompute, char *err, size_t errlen);
void zs_kzg_close(zs_kzg_t *k);
/* The setup in prepared form: what loading the text computes (2-3 s on a
   2-core x86 host: every point decompressed and checked, FK20's columns),
   written to out so that zs_kzg_open (precompute 0) reads it in tens of
   milliseconds from "PATH.prepared" beside the text PATH.  The file names
   the text's hash, the library and the memory layout, and hashes its
   contents: one that does not match is passed over for the text.  `make`
   writes share/zkseq/kzg_trusted_setup.txt.prepared beside the programs. */
ZS_MUST_USE int zs_kzg_prepare(const char *path, const char *out, char *err, size_t errlen);
/* A sentence: "the prepared form PATH", or "the text PATH (why not the
   prepared form)". */
const char *zs_kzg_loaded_from(const zs_kzg_t *k);

ZS_MUST_USE int zs_kzg_commit(const zs_kzg_t *k, const uint8_t *blob, uint8_t commitment[48]);
/* The EIP-4844 blob proof, and its check. */
ZS_MUST_USE int zs_kzg_blob_proof(const zs_kzg_t *k, const uint8_t *blob, const uint8_t commitment[48],
                                  uint8_t proof[48]);
ZS_MUST_USE int zs_kzg_verify_blob_proof(const zs_kzg_t *k, const uint8_t *blob, const uint8_t commitment[48],
                                         const uint8_t proof[48], int *ok);
/* The value y = p(z) and its proof (the point evaluation precompile's
   input), and its check. */
ZS_MUST_USE int zs_kzg_proof_at(const zs_kzg_t *k, const uint8_t *blob, const uint8_t z[32], uint8_t proof[48],
                                uint8_t y[32]);
ZS_MUST_USE int zs_kzg_verify_proof(const zs_kzg_t *k, const uint8_t commitment[48], const uint8_t z[32],
                                    const uint8_t y[32], const uint8_t proof[48], int *ok);
/* EIP-7594: the 128 cells (cells may be NULL) and their proofs (FK20). */
ZS_MUST_USE int zs_kzg_cells(const zs_kzg_t *k, const uint8_t *blob, uint8_t (*cells)[ZS_KZG_CELL_BYTES],
                             uint8_t (*proofs)[48]);
/* n cells of one blob (commitment) with their indices and proofs. */
ZS_MUST_USE int zs_kzg_verify_cells(const zs_kzg_t *k, const uint8_t commitment[48], size_t n, const uint64_t *indices,
                                    const uint8_t (*cells)[ZS_KZG_CELL_BYTES], const uint8_t (*proofs)[48], int *ok);

#endif
