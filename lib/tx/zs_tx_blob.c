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

/* ---- Reading the network form back. */

static int fixed(const zs_rlp_item_t *it, uint8_t *out, size_t n)
{
    if (it->kind != ZS_RLP_BYTES || it->len != n) return ZS_ERR_PARSE;
    memcpy(out, it->payload, n);
    return ZS_OK;
}

/* The signed transaction's own list: the fields back into w->tx. */
static int unwrap_fields(const zs_rlp_item_t *list, zs_tx_blob_wire_t *w)
{
    zs_rlp_item_t f[14], h[ZS_TX_BLOB_MAX];
    size_t n, nh;
    zs_perr_t pe;
    zs_tx_blob_t *t = &w->tx;
    if (list->kind != ZS_RLP_LIST || zs_rlp_list_items(list, f, 14, &n, &pe) || n != 14) return ZS_ERR_PARSE;
    if (zs_rlp_get_u64(&f[0], &t->chain_id, &pe) || zs_rlp_get_u64(&f[1], &t->nonce, &pe) ||
        zs_rlp_get_u256(&f[2], &t->max_priority_fee, &pe) || zs_rlp_get_u256(&f[3], &t->max_fee, &pe) ||
        zs_rlp_get_u64(&f[4], &t->gas, &pe) || fixed(&f[5], t->to, 20) || zs_rlp_get_u256(&f[6], &t->value, &pe) ||
        f[7].kind != ZS_RLP_BYTES || zs_rlp_get_u256(&f[9], &t->max_fee_per_blob_gas, &pe) ||
        f[10].kind != ZS_RLP_LIST || zs_rlp_list_items(&f[10], h, ZS_TX_BLOB_MAX, &nh, &pe) || !nh)
        return ZS_ERR_PARSE;
    t->data = f[7].payload;
    t->data_len = f[7].len;
    for (size_t i = 0; i < nh; i++)
        if (fixed(&h[i], w->hashes[i], 32)) return ZS_ERR_PARSE;
    t->blob_hashes = (const uint8_t(*)[32])w->hashes;
    t->nblobs = nh;
    return ZS_OK;
}

int zs_tx_blob_unwrap(const uint8_t *raw, size_t len, zs_tx_blob_wire_t *w)
{
    zs_rlp_item_t outer, it[5], b[ZS_TX_BLOB_MAX], c[ZS_TX_BLOB_MAX];
    size_t n, nb, nc, np = 0;
    zs_perr_t pe;
    memset(w, 0, sizeof *w);
    if (len < 2 || raw[0] != ZS_TX_BLOB_TYPE || zs_rlp_decode_exact(raw + 1, len - 1, &outer, &pe) ||
        outer.kind != ZS_RLP_LIST || zs_rlp_list_items(&outer, it, 5, &n, &pe) || n < 4)
        return ZS_ERR_PARSE;
    w->cell_proofs = n == 5;
    size_t k = w->cell_proofs ? 2 : 1;
    uint64_t version = 0;
    if (w->cell_proofs && (zs_rlp_get_u64(&it[1], &version, &pe) || version != 1)) return ZS_ERR_PARSE;
    zs_keccak256_t kc;
    zs_keccak256_init(&kc);
    zs_keccak256_update(&kc, raw, 1);
    zs_keccak256_update(&kc, raw + 1 + it[0].offset, it[0].total);
    zs_keccak256_final(&kc, w->hash);
    if (unwrap_fields(&it[0], w) || it[k].kind != ZS_RLP_LIST || it[k + 1].kind != ZS_RLP_LIST ||
        it[k + 2].kind != ZS_RLP_LIST || zs_rlp_list_items(&it[k], b, ZS_TX_BLOB_MAX, &nb, &pe) ||
        zs_rlp_list_items(&it[k + 1], c, ZS_TX_BLOB_MAX, &nc, &pe) || nb != w->tx.nblobs || nc != nb)
        return ZS_ERR_PARSE;
    for (size_t i = 0; i < nb; i++) {
        if (b[i].kind != ZS_RLP_BYTES || b[i].len != BLOB_BYTES || fixed(&c[i], w->commitments[i], 48))
            return ZS_ERR_PARSE;
        w->blobs[i] = b[i].payload;
    }
    zs_rlp_iter_t iter;
    zs_rlp_item_t p;
    zs_rlp_iter_init(&iter, &it[k + 2]);
    size_t want = w->cell_proofs ? nb * CELLS_PER_BLOB : nb;
    int r;
    while ((r = zs_rlp_iter_next(&iter, &p, &pe)) == 1) {
        if (np == want || fixed(&p, w->proofs[np], 48)) return ZS_ERR_PARSE;
        np++;
    }
    return r < 0 || np != want ? ZS_ERR_PARSE : ZS_OK;
}
