#include "lib/tx/zs_tx.h"

/* A single-threaded bare-metal build (the firmware on its board) has no
   threads to guard against. */
#ifndef ZS_SINGLE_THREAD
#include <pthread.h>
#endif
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/tx/zs_addr.h"

/* secp256k1 group order n and n/2, big-endian. */
static const uint8_t secp_n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                   0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t secp_half_n[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
                                        0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

/* Field checks with their stable reasons. */
static int field_u64(const zs_rlp_item_t *it, uint64_t *v, const char *why, zs_perr_t *e)
{
    if (zs_rlp_get_u64(it, v, NULL)) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, why);
    return ZS_OK;
}

static int field_u256(const zs_rlp_item_t *it, zs_u256_t *v, const char *why, zs_perr_t *e)
{
    if (zs_rlp_get_u256(it, v, NULL)) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, why);
    return ZS_OK;
}

/* r and s: canonical integers, 0 < x < n. */
static int field_sig(const zs_rlp_item_t *it, uint8_t out[32], const char *why, zs_perr_t *e)
{
    zs_u256_t x;
    if (zs_rlp_get_u256(it, &x, NULL) || zs_u256_is_zero(&x))
        return zs_perr_set(e, ZS_ERR_PARSE, it->offset, why);
    zs_u256_to_be32(&x, out);
    if (memcmp(out, secp_n, 32) >= 0) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, why);
    return ZS_OK;
}

static int field_to(const zs_rlp_item_t *it, zs_tx_t *tx, zs_perr_t *e)
{
    if (it->kind != ZS_RLP_BYTES || (it->len != 0 && it->len != 20))
        return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "to: not a 20-byte address or empty");
    tx->has_to = it->len == 20;
    if (tx->has_to) memcpy(tx->to, it->payload, 20);
    return ZS_OK;
}

/* accessList: [[address(20), [key(32), ...]], ...] */
static int field_access_list(const zs_rlp_item_t *it, zs_tx_t *tx, zs_perr_t *e)
{
    if (it->kind != ZS_RLP_LIST) return zs_perr_set(e, ZS_ERR_PARSE, it->offset, "accessList: not a list");
    zs_rlp_iter_t outer;
    zs_rlp_iter_init(&outer, it);
    zs_rlp_item_t entry;
    int r;
    uint32_t addrs = 0, keys = 0;
    while ((r = zs_rlp_iter_next(&outer, &entry, e)) == 1) {
        zs_rlp_item_t parts[2];
        size_t k;
        if (zs_rlp_list_items(&entry, parts, 2, &k, NULL) || k != 2)
            return zs_perr_set(e, ZS_ERR_PARSE, entry.offset, "accessList: entry is not [address, keys]");
        if (parts[0].kind != ZS_RLP_BYTES || parts[0].len != 20)
            return zs_perr_set(e, ZS_ERR_PARSE, parts[0].offset, "accessList: address is not 20 bytes");
        if (parts[1].kind != ZS_RLP_LIST)
            return zs_perr_set(e, ZS_ERR_PARSE, parts[1].offset, "accessList: storage keys are not a list");
        zs_rlp_iter_t ki;
        zs_rlp_iter_init(&ki, &parts[1]);
        zs_rlp_item_t key;
        int kr;
        while ((kr = zs_rlp_iter_next(&ki, &key, e)) == 1) {
            if (key.kind != ZS_RLP_BYTES || key.len != 32)
                return zs_perr_set(e, ZS_ERR_PARSE, key.offset, "accessList: storage key is not 32 bytes");
            keys++;
        }
        if (kr < 0) return kr;
        addrs++;
    }
    if (r < 0) return r;
    tx->access_list = it->payload - (it->total - it->len);
    tx->access_list_len = it->total;
    tx->access_addresses = addrs;
    tx->access_keys = keys;
    return ZS_OK;
}

/* Hashes type byte (if any) + a list header for len bytes + raw[a, b) + tail. */
static void hash_list(uint8_t type, const uint8_t *span, size_t span_len, const uint8_t *tail,
                      size_t tail_len, uint8_t out[32])
{
    uint8_t hdr[9];
    size_t payload = span_len + tail_len;
    size_t h = zs_rlp_header_len(payload);
    if (payload <= 55) {
        hdr[0] = (uint8_t)(0xc0 + payload);
    } else {
        hdr[0] = (uint8_t)(0xf7 + h - 1);
        for (size_t i = 0; i < h - 1; i++) hdr[1 + i] = (uint8_t)(payload >> (8 * (h - 2 - i)));
    }
    zs_keccak256_t ctx;
    zs_keccak256_init(&ctx);
    if (type) zs_keccak256_update(&ctx, &type, 1);
    zs_keccak256_update(&ctx, hdr, h);
    zs_keccak256_update(&ctx, span, span_len);
    if (tail_len) zs_keccak256_update(&ctx, tail, tail_len);
    zs_keccak256_final(&ctx, out);
}

static int decode_legacy(const zs_rlp_item_t *f, zs_tx_t *tx, zs_perr_t *e)
{
    int err;
    tx->type = ZS_TX_LEGACY;
    if ((err = field_u64(&f[0], &tx->nonce, "nonce: not a canonical integer below 2^64", e))) return err;
    if ((err = field_u256(&f[1], &tx->gas_price, "gasPrice: not a canonical 256-bit integer", e))) return err;
    if ((err = field_u64(&f[2], &tx->gas, "gas: not a canonical integer below 2^64", e))) return err;
    if ((err = field_to(&f[3], tx, e))) return err;
    if ((err = field_u256(&f[4], &tx->value, "value: not a canonical 256-bit integer", e))) return err;
    if (f[5].kind != ZS_RLP_BYTES) return zs_perr_set(e, ZS_ERR_PARSE, f[5].offset, "data: not a byte string");
    if ((err = field_u256(&f[6], &tx->v, "v: not a canonical integer", e))) return err;
    if ((err = field_sig(&f[7], tx->r, "r: not a valid signature value", e))) return err;
    if ((err = field_sig(&f[8], tx->s, "s: not a valid signature value", e))) return err;
    tx->max_fee = tx->max_priority_fee = tx->gas_price;
    tx->data = f[5].payload;
    tx->data_len = f[5].len;
    if (!zs_u256_fits_u64(&tx->v)) return zs_perr_set(e, ZS_ERR_PARSE, f[6].offset, "v: chain id too large");
    uint64_t v = tx->v.w[0];
    if (v == 27 || v == 28) {
        tx->has_chain_id = 0;
        tx->y_parity = (uint8_t)(v - 27);
    } else if (v >= 35) {
        tx->has_chain_id = 1;
        tx->chain_id = (v - 35) / 2;
        tx->y_parity = (uint8_t)((v - 35) % 2);
    } else {
        return zs_perr_set(e, ZS_ERR_PARSE, f[6].offset, "v: neither 27/28 nor 35 + 2 * chainId + parity");
    }
    /* Signing payload: the first six fields, then chainId, 0, 0 for EIP-155. */
    const uint8_t *span = f[0].payload - (f[0].total - f[0].len);
    size_t span_len = (size_t)((f[5].payload + f[5].len) - span);
    uint8_t tail[12];
    size_t tail_len = 0;
    if (tx->has_chain_id) {
        zs_rlp_enc_t enc;
        zs_rlp_enc_init(&enc, tail, sizeof tail);
        zs_rlp_enc_u64(&enc, tx->chain_id);
        zs_rlp_enc_u64(&enc, 0);
        zs_rlp_enc_u64(&enc, 0);
        tail_len = (size_t)zs_rlp_enc_finish(&enc);
    }
    hash_list(0, span, span_len, tail, tail_len, tx->sighash);
    return ZS_OK;
}

static int decode_typed(uint8_t type, const zs_rlp_item_t *f, zs_tx_t *tx, zs_perr_t *e)
{
    int err, i = 0;
    tx->type = type;
    tx->has_chain_id = 1;
    if ((err = field_u64(&f[i++], &tx->chain_id, "chainId: not a canonical integer below 2^64", e))) return err;
    if ((err = field_u64(&f[i++], &tx->nonce, "nonce: not a canonical integer below 2^64", e))) return err;
    if (type == ZS_TX_DYNAMIC_FEE) {
        if ((err = field_u256(&f[i++], &tx->max_priority_fee, "maxPriorityFeePerGas: not a canonical 256-bit integer", e)))
            return err;
        if ((err = field_u256(&f[i++], &tx->max_fee, "maxFeePerGas: not a canonical 256-bit integer", e))) return err;
        tx->gas_price = tx->max_fee;
    } else {
        if ((err = field_u256(&f[i++], &tx->gas_price, "gasPrice: not a canonical 256-bit integer", e))) return err;
        tx->max_fee = tx->max_priority_fee = tx->gas_price;
    }
    if ((err = field_u64(&f[i++], &tx->gas, "gas: not a canonical integer below 2^64", e))) return err;
    if ((err = field_to(&f[i++], tx, e))) return err;
    if ((err = field_u256(&f[i++], &tx->value, "value: not a canonical 256-bit integer", e))) return err;
    if (f[i].kind != ZS_RLP_BYTES) return zs_perr_set(e, ZS_ERR_PARSE, f[i].offset, "data: not a byte string");
    tx->data = f[i].payload;
    tx->data_len = f[i].len;
    i++;
    if ((err = field_access_list(&f[i++], tx, e))) return err;
    int last_signed = i - 1;
    if ((err = field_u256(&f[i], &tx->v, "yParity: not 0 or 1", e))) return err;
    if (!zs_u256_fits_u64(&tx->v) || tx->v.w[0] > 1)
        return zs_perr_set(e, ZS_ERR_PARSE, f[i].offset, "yParity: not 0 or 1");
    tx->y_parity = (uint8_t)tx->v.w[0];
    i++;
    if ((err = field_sig(&f[i], tx->r, "r: not a valid signature value", e))) return err;
    i++;
    if ((err = field_sig(&f[i], tx->s, "s: not a valid signature value", e))) return err;
    const uint8_t *span = f[0].payload - (f[0].total - f[0].len);
    size_t span_len = (size_t)((f[last_signed].payload + f[last_signed].len) - span);
    hash_list(type, span, span_len, NULL, 0, tx->sighash);
    return ZS_OK;
}

int zs_tx_decode(const uint8_t *raw, size_t n, zs_tx_t *tx, zs_perr_t *e)
{
    return zs_tx_decode_flags(raw, n, tx, e, 0);
}

int zs_tx_decode_flags(const uint8_t *raw, size_t n, zs_tx_t *tx, zs_perr_t *e, unsigned flags)
{
    memset(tx, 0, sizeof *tx);
    if (n == 0) return zs_perr_set(e, ZS_ERR_PARSE, 0, "empty transaction");
    uint8_t type = ZS_TX_LEGACY;
    size_t skip = 0;
    if (raw[0] < 0xc0) {
        if (raw[0] >= 0x80) return zs_perr_set(e, ZS_ERR_PARSE, 0, "not a transaction: an RLP string, not a list or a typed envelope");
        if (raw[0] != ZS_TX_ACCESS_LIST && raw[0] != ZS_TX_DYNAMIC_FEE)
            return zs_perr_set(e, ZS_ERR_UNSUPPORTED, 0, "unsupported transaction type");
        type = raw[0];
        skip = 1;
    }
    zs_rlp_item_t list;
    int err = zs_rlp_decode_item(raw + skip, n - skip, skip, &list, e);
    if (err) return err;
    if (list.total != n - skip) return zs_perr_set(e, ZS_ERR_PARSE, skip + list.total, "trailing bytes after the transaction");
    if (list.kind != ZS_RLP_LIST) return zs_perr_set(e, ZS_ERR_PARSE, skip, "transaction is not an RLP list");
    zs_rlp_item_t f[12];
    size_t count;
    if ((err = zs_rlp_list_items(&list, f, 12, &count, e))) return err;
    size_t want = type == ZS_TX_LEGACY ? 9 : type == ZS_TX_ACCESS_LIST ? 11 : 12;
    if (count != want)
        return zs_perr_set(e, ZS_ERR_PARSE, skip, count < want ? "too few fields for the transaction type" : "too many fields for the transaction type");
    err = type == ZS_TX_LEGACY ? decode_legacy(f, tx, e) : decode_typed(type, f, tx, e);
    if (err) return err;
    /* EIP-2 (Homestead): s must be in the lower half of the order. */
    if (memcmp(tx->s, secp_half_n, 32) > 0) return zs_perr_set(e, ZS_ERR_PARSE, skip, "s: above n/2 (EIP-2 malleable signature)");
    tx->raw = raw;
    tx->raw_len = n;
    if (!(flags & ZS_TX_DEFER_HASH)) zs_keccak256(raw, n, tx->hash);
    return ZS_OK;
}

static secp256k1_context *sign_ctx;

static void sign_ctx_init(void)
{
    sign_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
}

static void sign_ctx_once(void)
{
#ifdef ZS_SINGLE_THREAD
    if (!sign_ctx) sign_ctx_init();
#else
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sign_ctx_init);
#endif
}

static int recover_digest(const uint8_t digest[32], const uint8_t r[32], const uint8_t s[32], int parity,
                          uint8_t out[20])
{
    uint8_t rs[64];
    memcpy(rs, r, 32);
    memcpy(rs + 32, s, 32);
    secp256k1_ecdsa_recoverable_signature sig;
    const secp256k1_context *ctx = secp256k1_context_static;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, rs, parity)) return ZS_ERR_CRYPTO;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recover(ctx, &pub, &sig, digest)) return ZS_ERR_CRYPTO;
    uint8_t ser[65];
    size_t len = sizeof ser;
    secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    zs_addr_from_pubkey(ser + 1, out);
    return ZS_OK;
}

int zs_tx_recover(const zs_tx_t *tx, uint8_t sender[20])
{
    return recover_digest(tx->sighash, tx->r, tx->s, tx->y_parity, sender);
}

int zs_ecrecover(const uint8_t digest[32], int parity, const uint8_t r[32], const uint8_t s[32],
                 uint8_t signer[20])
{
    static const uint8_t zero[32];
    if (parity < 0 || parity > 1 || !memcmp(r, zero, 32) || !memcmp(s, zero, 32)) return ZS_ERR_CRYPTO;
    return recover_digest(digest, r, s, parity, signer);
}

uint64_t zs_tx_intrinsic_gas(const zs_tx_t *tx, const zs_tx_rules_t *rules)
{
    unsigned __int128 g = tx->has_to ? 21000 : 53000;
    size_t zeros = 0;
    for (size_t i = 0; i < tx->data_len; i++) zeros += tx->data[i] == 0;
    g += (unsigned __int128)zeros * 4 + (unsigned __int128)(tx->data_len - zeros) * 16;
    g += (unsigned __int128)tx->access_addresses * 2400 + (unsigned __int128)tx->access_keys * 1900;
    if (rules && rules->shanghai && !tx->has_to) g += (unsigned __int128)((tx->data_len + 31) / 32) * 2;
    return g > UINT64_MAX ? UINT64_MAX : (uint64_t)g;
}

zs_txchk_t zs_tx_check(const zs_tx_t *tx, const zs_tx_rules_t *rules, const char **msg)
{
    const char *m = NULL;
    zs_txchk_t r = ZS_TXCHK_OK;
    zs_u256_t gas = zs_u256_from_u64(tx->gas), cost;
    if (rules->legacy_only && tx->type != ZS_TX_LEGACY) {
        r = ZS_TXCHK_TYPE;
        m = "transaction type not supported";
    } else if (!tx->has_chain_id && !rules->allow_unprotected) {
        r = ZS_TXCHK_CHAIN_ID;
        m = "only replay-protected (EIP-155) transactions allowed over RPC";
    } else if (tx->has_chain_id && rules->chain_id && tx->chain_id != rules->chain_id) {
        r = ZS_TXCHK_CHAIN_ID;
        m = "invalid chain id for signer";
    } else if (tx->nonce == UINT64_MAX) {
        r = ZS_TXCHK_NONCE_MAX;
        m = "nonce has max value";
    } else if (zs_u256_cmp(&tx->max_priority_fee, &tx->max_fee) > 0) {
        r = ZS_TXCHK_FEE_CAP_TOO_LOW;
        m = "max priority fee per gas higher than max fee per gas";
    } else if (zs_u256_mul(&cost, &gas, &tx->max_fee)) {
        r = ZS_TXCHK_FEE_OVERFLOW;
        m = "gas * gasPrice exceeds 256 bits";
    } else if ((rules->shanghai || rules->limit_init_code) && !tx->has_to && tx->data_len > rules->max_init_code) {
        r = ZS_TXCHK_INIT_CODE_TOO_BIG;
        m = "max initcode size exceeded";
    } else if (tx->gas < zs_tx_intrinsic_gas(tx, rules)) {
        r = ZS_TXCHK_INTRINSIC_GAS;
        m = "intrinsic gas too low";
    }
    if (msg) *msg = m;
    return r;
}

/* Encodes the fields of tx; with_sig adds v, r, s, otherwise the signing
   tail (chainId, 0, 0 for EIP-155 legacy). */
static void encode_fields(zs_rlp_enc_t *enc, const zs_tx_t *tx, int with_sig)
{
    static const uint8_t empty_list = 0xc0;
    size_t mark = zs_rlp_enc_list_begin(enc);
    if (tx->type != ZS_TX_LEGACY) zs_rlp_enc_u64(enc, tx->chain_id);
    zs_rlp_enc_u64(enc, tx->nonce);
    if (tx->type == ZS_TX_DYNAMIC_FEE) {
        zs_rlp_enc_u256(enc, &tx->max_priority_fee);
        zs_rlp_enc_u256(enc, &tx->max_fee);
    } else {
        zs_rlp_enc_u256(enc, &tx->gas_price);
    }
    zs_rlp_enc_u64(enc, tx->gas);
    zs_rlp_enc_bytes(enc, tx->to, tx->has_to ? 20 : 0);
    zs_rlp_enc_u256(enc, &tx->value);
    zs_rlp_enc_bytes(enc, tx->data, tx->data_len);
    if (tx->type != ZS_TX_LEGACY) {
        if (tx->access_list_len)
            zs_rlp_enc_raw(enc, tx->access_list, tx->access_list_len);
        else
            zs_rlp_enc_raw(enc, &empty_list, 1);
    }
    if (with_sig) {
        zs_u256_t r = zs_u256_from_be32(tx->r), s = zs_u256_from_be32(tx->s);
        zs_rlp_enc_u256(enc, &tx->v);
        zs_rlp_enc_u256(enc, &r);
        zs_rlp_enc_u256(enc, &s);
    } else if (tx->type == ZS_TX_LEGACY && tx->has_chain_id) {
        zs_rlp_enc_u64(enc, tx->chain_id);
        zs_rlp_enc_u64(enc, 0);
        zs_rlp_enc_u64(enc, 0);
    }
    zs_rlp_enc_list_end(enc, mark);
}

static long encode_envelope(const zs_tx_t *tx, int with_sig, uint8_t *out, size_t cap)
{
    size_t skip = tx->type == ZS_TX_LEGACY ? 0 : 1;
    if (cap < skip) return ZS_ERR_FULL;
    if (skip) out[0] = tx->type;
    zs_rlp_enc_t enc;
    zs_rlp_enc_init(&enc, out + skip, cap - skip);
    encode_fields(&enc, tx, with_sig);
    long n = zs_rlp_enc_finish(&enc);
    return n < 0 ? n : n + (long)skip;
}

long zs_tx_signing_payload(const zs_tx_t *tx, uint8_t *out, size_t cap)
{
    return encode_envelope(tx, 0, out, cap);
}

int zs_key_to_address(const uint8_t key[32], uint8_t addr[20])
{
    sign_ctx_once();
    secp256k1_pubkey pub;
    if (!sign_ctx || !secp256k1_ec_pubkey_create(sign_ctx, &pub, key)) return ZS_ERR_CRYPTO;
    uint8_t ser[65];
    size_t len = sizeof ser;
    secp256k1_ec_pubkey_serialize(sign_ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    zs_addr_from_pubkey(ser + 1, addr);
    return ZS_OK;
}

int zs_sign_digest(const uint8_t digest[32], const uint8_t key[32], uint8_t r[32], uint8_t s[32], int *parity)
{
    sign_ctx_once();
    if (!sign_ctx) return ZS_ERR_NOMEM;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_sign_recoverable(sign_ctx, &sig, digest, key, NULL, NULL)) return ZS_ERR_CRYPTO;
    uint8_t rs[64];
    secp256k1_ecdsa_recoverable_signature_serialize_compact(sign_ctx, rs, parity, &sig);
    memcpy(r, rs, 32);
    memcpy(s, rs + 32, 32); /* libsecp256k1 signs with low s */
    return ZS_OK;
}

int zs_tx_sign(zs_tx_t *tx, const uint8_t key[32], uint8_t *out, size_t cap, size_t *len)
{
    if (tx->type > ZS_TX_DYNAMIC_FEE) return ZS_ERR_UNSUPPORTED;
    if (tx->type == ZS_TX_LEGACY && tx->access_list_len) return ZS_ERR_INVAL;
    if (tx->type != ZS_TX_LEGACY && !tx->has_chain_id) return ZS_ERR_INVAL;
    if (tx->type == ZS_TX_LEGACY) tx->max_fee = tx->max_priority_fee = tx->gas_price;
    if (tx->type == ZS_TX_ACCESS_LIST) tx->max_fee = tx->max_priority_fee = tx->gas_price;
    if (tx->type == ZS_TX_DYNAMIC_FEE) tx->gas_price = tx->max_fee;
    /* The payload goes to out first; the signed envelope overwrites it. */
    long n = zs_tx_signing_payload(tx, out, cap);
    if (n < 0) return (int)n;
    uint8_t digest[32];
    zs_keccak256(out, (size_t)n, digest);
    int recid, rc = zs_sign_digest(digest, key, tx->r, tx->s, &recid);
    if (rc) return rc;
    tx->y_parity = (uint8_t)recid;
    unsigned __int128 v = tx->type != ZS_TX_LEGACY ? (unsigned)recid
                          : tx->has_chain_id      ? 35 + 2 * (unsigned __int128)tx->chain_id + (unsigned)recid
                                                  : 27 + (unsigned)recid;
    tx->v = zs_u256_from_u64((uint64_t)v);
    tx->v.w[1] = (uint64_t)(v >> 64);
    /* The signed envelope is written over the payload, so the fields must not
       point into out. */
    if ((tx->data_len && tx->data < out + cap && tx->data + tx->data_len > out) ||
        (tx->access_list_len && tx->access_list < out + cap && tx->access_list + tx->access_list_len > out))
        return ZS_ERR_INVAL;
    zs_tx_t fields = *tx;
    n = encode_envelope(&fields, 1, out, cap);
    if (n < 0) return (int)n;
    *len = (size_t)n;
    zs_perr_t e;
    return zs_tx_decode(out, (size_t)n, tx, &e);
}

int zs_tx_sign_transfer(zs_tx_t *tx, const uint8_t key[32], uint64_t chain_id, uint64_t nonce, const uint8_t to[20],
                        const zs_u256_t *value, uint64_t gas_price, uint8_t *out, size_t cap, size_t *len)
{
    memset(tx, 0, sizeof *tx);
    tx->type = ZS_TX_LEGACY;
    tx->has_chain_id = 1;
    tx->chain_id = chain_id;
    tx->nonce = nonce;
    tx->gas = 21000;
    tx->gas_price = tx->max_fee = tx->max_priority_fee = zs_u256_from_u64(gas_price);
    tx->has_to = 1;
    memcpy(tx->to, to, 20);
    tx->value = *value;
    return zs_tx_sign(tx, key, out, cap, len);
}

const char *const zs_dev_keys[10] = {
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
};
