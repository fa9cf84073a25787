#include "lib/tx/zs_tx_blob.h"

#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/tx/zs_tx.h"

#define BLOB_BYTES 131072
#define CELLS_PER_BLOB 128

/* The fields before the signature, into an open list. */
static void fields(zs_rlp_enc_t *e, const zs_tx_blob_t *tx)
{
    static const uint8_t empty_list = 0xc0;
    zs_rlp_enc_u64(e, tx->chain_id);
    zs_rlp_enc_u64(e, tx->nonce);
    zs_rlp_enc_u256(e, &tx->max_priority_fee);
    zs_rlp_enc_u256(e, &tx->max_fee);
    zs_rlp_enc_u64(e, tx->gas);
    zs_rlp_enc_bytes(e, tx->to, 20);
    zs_rlp_enc_u256(e, &tx->value);
    zs_rlp_enc_bytes(e, tx->data, tx->data_len);
    zs_rlp_enc_raw(e, &empty_list, 1); /* no access list */
    zs_rlp_enc_u256(e, &tx->max_fee_per_blob_gas);
    size_t h = zs_rlp_enc_list_begin(e);
    for (size_t i = 0; i < tx->nblobs; i++) zs_rlp_enc_bytes(e, tx->blob_hashes[i], 32);
    zs_rlp_enc_list_end(e, h);
}

/* Integers in signatures are minimal big-endian byte strings. */
static void sig_int(zs_rlp_enc_t *e, const uint8_t v[32])
{
    size_t k = 0;
    while (k < 32 && !v[k]) k++;
    zs_rlp_enc_bytes(e, v + k, 32 - k);
}

int zs_tx_blob_sign(const zs_tx_blob_t *tx, const uint8_t key[32], uint8_t *out, size_t cap, size_t *len,
                    uint8_t hash[32])
{
    if (!tx->nblobs || cap < 1) return tx->nblobs ? ZS_ERR_FULL : ZS_ERR_INVAL;
    zs_rlp_enc_t e;
    out[0] = ZS_TX_BLOB_TYPE;
    zs_rlp_enc_init(&e, out + 1, cap - 1);
    size_t m = zs_rlp_enc_list_begin(&e);
    fields(&e, tx);
    zs_rlp_enc_list_end(&e, m);
    long n = zs_rlp_enc_finish(&e);
    if (n < 0) return (int)n;
    uint8_t digest[32], r[32], s[32];
    zs_keccak256(out, (size_t)n + 1, digest);
    int parity, rc = zs_sign_digest(digest, key, r, s, &parity);
    if (rc) return rc;
    zs_rlp_enc_init(&e, out + 1, cap - 1);
    m = zs_rlp_enc_list_begin(&e);
    fields(&e, tx);
    zs_rlp_enc_u64(&e, (uint64_t)parity);
    sig_int(&e, r);
    sig_int(&e, s);
    zs_rlp_enc_list_end(&e, m);
    if ((n = zs_rlp_enc_finish(&e)) < 0) return (int)n;
    *len = (size_t)n + 1;
    zs_keccak256(out, *len, hash);
    return ZS_OK;
}

long zs_tx_blob_wrap(const uint8_t *signed_tx, size_t len, size_t nblobs, const uint8_t *const *blobs,
                     const uint8_t (*commitments)[48], const uint8_t (*proofs)[48], int cell_proofs, uint8_t *out,
                     size_t cap)
{
    if (len < 2 || signed_tx[0] != ZS_TX_BLOB_TYPE || !nblobs || cap < 1) return cap < 1 ? ZS_ERR_FULL : ZS_ERR_INVAL;
    zs_rlp_enc_t e;
    out[0] = ZS_TX_BLOB_TYPE;
    zs_rlp_enc_init(&e, out + 1, cap - 1);
    size_t m = zs_rlp_enc_list_begin(&e);
    zs_rlp_enc_raw(&e, signed_tx + 1, len - 1); /* the transaction's own list */
    if (cell_proofs) zs_rlp_enc_u64(&e, 1);   /* EIP-7594's wrapper version */
    size_t l = zs_rlp_enc_list_begin(&e);
    for (size_t i = 0; i < nblobs; i++) zs_rlp_enc_bytes(&e, blobs[i], BLOB_BYTES);
    zs_rlp_enc_list_end(&e, l);
    l = zs_rlp_enc_list_begin(&e);
    for (size_t i = 0; i < nblobs; i++) zs_rlp_enc_bytes(&e, commitments[i], 48);
    zs_rlp_enc_list_end(&e, l);
    l = zs_rlp_enc_list_begin(&e);
    size_t np = cell_proofs ? nblobs * CELLS_PER_BLOB : nblobs;
    for (size_t i = 0; i < np; i++) zs_rlp_enc_bytes(&e, proofs[i], 48);
    zs_rlp_enc_list_end(&e, l);
    zs_rlp_enc_list_end(&e, m);
    long n = zs_rlp_enc_finish(&e);
    return n < 0 ? n : n + 1;
}
