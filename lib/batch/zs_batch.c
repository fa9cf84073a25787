#include "lib/batch/zs_batch.h"

#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int zs_batch_next(const uint8_t *b, size_t n, size_t *pos, zs_batch_entry_t *ent, zs_perr_t *e)
{
    size_t at = *pos;
    if (at >= n) return 0;
    memset(ent, 0, sizeof *ent);
    ent->offset = at;
    uint8_t first = b[at];
    if (first == ZS_BATCH_CHANGE_L2_BLOCK_TYPE) {
        if (n - at < ZS_BATCH_CHANGE_L2_BLOCK_LEN)
            return zs_perr_set(e, ZS_ERR_PARSE, at, "changeL2Block entry cut short");
        ent->kind = ZS_BATCH_ENTRY_BLOCK;
        ent->delta_timestamp = be32(b + at + 1);
        ent->index_l1_info_tree = be32(b + at + 5);
        ent->len = ZS_BATCH_CHANGE_L2_BLOCK_LEN;
        *pos = at + ent->len;
        return 1;
    }
    size_t skip = 0;
    if (first == ZS_TX_ACCESS_LIST || first == ZS_TX_DYNAMIC_FEE) {
        skip = 1;
        ent->type = first;
    } else if (first < 0xc0) {
        return zs_perr_set(e, ZS_ERR_PARSE, at, "unknown batch entry (neither a transaction nor changeL2Block)");
    }
    zs_rlp_item_t list;
    int err = zs_rlp_decode_item(b + at + skip, n - at - skip, at + skip, &list, e);
    if (err) return err;
    if (list.kind != ZS_RLP_LIST) return zs_perr_set(e, ZS_ERR_PARSE, at, "transaction is not an RLP list");
    size_t body = skip + list.total;
    if (n - at - body < ZS_BATCH_TX_TRAILER)
        return zs_perr_set(e, ZS_ERR_PARSE, at + body, "transaction signature or effectivePercentage cut short");
    ent->kind = ZS_BATCH_ENTRY_TX;
    ent->signing = b + at;
    ent->signing_len = body;
    ent->r = b + at + body;
    ent->s = b + at + body + 32;
    ent->v = b[at + body + 64];
    ent->effective_percentage = b[at + body + 65];
    if (ent->v != 27 && ent->v != 28) return zs_perr_set(e, ZS_ERR_PARSE, at + body + 64, "v is neither 27 nor 28");
    ent->len = body + ZS_BATCH_TX_TRAILER;
    *pos = at + ent->len;
    return 1;
}

/* Writes a 32-byte big-endian number as a minimal RLP integer. */
static void enc_be32_int(zs_rlp_enc_t *enc, const uint8_t *x)
{
    size_t skip = 0;
    while (skip < 32 && !x[skip]) skip++;
    zs_rlp_enc_bytes(enc, x + skip, 32 - skip);
}

int zs_batch_entry_to_tx(const zs_batch_entry_t *ent, uint8_t *raw, size_t cap, zs_tx_t *tx, zs_perr_t *e)
{
    if (ent->kind != ZS_BATCH_ENTRY_TX) return zs_perr_set(e, ZS_ERR_INVAL, ent->offset, "not a transaction entry");
    size_t skip = ent->type ? 1 : 0;
    zs_rlp_item_t list;
    int err = zs_rlp_decode_exact(ent->signing + skip, ent->signing_len - skip, &list, e);
    if (err) return err;
    zs_rlp_item_t f[12];
    size_t count;
    if ((err = zs_rlp_list_items(&list, f, 12, &count, e))) return err;
    size_t keep; /* signed fields that stay in the envelope */
    uint64_t chain_id = 0;
    int has_chain_id = 0;
    if (ent->type == ZS_TX_LEGACY) {
        if (count == 9) {
            if (zs_rlp_get_u64(&f[6], &chain_id, NULL) || f[7].len || f[8].len ||
                f[7].kind != ZS_RLP_BYTES || f[8].kind != ZS_RLP_BYTES)
                return zs_perr_set(e, ZS_ERR_PARSE, ent->offset, "legacy transaction must end with chainId, 0, 0");
            has_chain_id = 1;
        } else if (count != 6) {
            return zs_perr_set(e, ZS_ERR_PARSE, ent->offset, "legacy transaction needs 6 or 9 signed fields");
        }
        keep = 6;
    } else {
        keep = count;
    }
    /* Envelope: [type] rlp(signed fields[0..keep) ++ [v, r, s]). */
    const uint8_t *span = f[0].payload - (f[0].total - f[0].len);
    size_t span_len = count ? (size_t)((f[keep - 1].payload + f[keep - 1].len) - span) : 0;
    if (cap < skip) return ZS_ERR_FULL;
    if (skip) raw[0] = ent->type;
    zs_rlp_enc_t enc;
    zs_rlp_enc_init(&enc, raw + skip, cap - skip);
    size_t mark = zs_rlp_enc_list_begin(&enc);
    zs_rlp_enc_raw(&enc, span, span_len);
    unsigned parity = ent->v - 27u;
    if (ent->type != ZS_TX_LEGACY) {
        zs_rlp_enc_u64(&enc, parity);
    } else if (has_chain_id) {
        zs_u256_t v = zs_u256_from_u64(chain_id), two = zs_u256_from_u64(2), add = zs_u256_from_u64(35 + parity);
        if (zs_u256_mul(&v, &v, &two) || zs_u256_add(&v, &v, &add))
            return zs_perr_set(e, ZS_ERR_PARSE, ent->offset, "chain id too large");
        zs_rlp_enc_u256(&enc, &v);
    } else {
        zs_rlp_enc_u64(&enc, 27 + parity);
    }
    enc_be32_int(&enc, ent->r);
    enc_be32_int(&enc, ent->s);
    zs_rlp_enc_list_end(&enc, mark);
    long len = zs_rlp_enc_finish(&enc);
    if (len < 0) return (int)len;
    err = zs_tx_decode(raw, (size_t)len + skip, tx, e);
    if (err && e) e->offset = ent->offset; /* report against the batch */
    return err;
}

long zs_batch_encode_tx(const zs_tx_t *tx, uint8_t effective_percentage, uint8_t *out, size_t cap)
{
    long n = zs_tx_signing_payload(tx, out, cap);
    if (n < 0) return n;
    if (cap - (size_t)n < ZS_BATCH_TX_TRAILER) return ZS_ERR_FULL;
    uint8_t *p = out + n;
    memcpy(p, tx->r, 32);
    memcpy(p + 32, tx->s, 32);
    p[64] = (uint8_t)(27 + tx->y_parity);
    p[65] = effective_percentage;
    return n + ZS_BATCH_TX_TRAILER;
}

long zs_batch_encode_change_l2_block(uint32_t delta_timestamp, uint32_t index_l1_info_tree, uint8_t *out,
                                     size_t cap)
{
    if (cap < ZS_BATCH_CHANGE_L2_BLOCK_LEN) return ZS_ERR_FULL;
    out[0] = ZS_BATCH_CHANGE_L2_BLOCK_TYPE;
    for (int i = 0; i < 4; i++) {
        out[1 + i] = (uint8_t)(delta_timestamp >> (24 - 8 * i));
        out[5 + i] = (uint8_t)(index_l1_info_tree >> (24 - 8 * i));
    }
    return ZS_BATCH_CHANGE_L2_BLOCK_LEN;
}

void zs_batch_acc_input_hash(const uint8_t old[32], const uint8_t batch_hash_data[32], const uint8_t l1_info_root[32],
                             uint64_t timestamp_limit, const uint8_t sequencer[20],
                             const uint8_t forced_block_hash_l1[32], uint8_t out[32])
{
    uint8_t buf[32 + 32 + 32 + 8 + 20 + 32];
    memcpy(buf, old, 32);
    memcpy(buf + 32, batch_hash_data, 32);
    memcpy(buf + 64, l1_info_root, 32);
    for (int i = 0; i < 8; i++) buf[96 + i] = (uint8_t)(timestamp_limit >> (56 - 8 * i));
    memcpy(buf + 104, sequencer, 20);
    memcpy(buf + 124, forced_block_hash_l1, 32);
    zs_keccak256(buf, sizeof buf, out);
}
