/* Receipts' logs: their RLP as Ethereum encodes it in a receipt, the
   2048-bit bloom, and a walk over an encoded list for the RPC. */
#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"

int zs_logs_encode(const zs_evm_log_t *logs, size_t n, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!n) return ZS_OK;
    size_t cap = 16;
    for (size_t i = 0; i < n; i++) cap += 64 + 33 * (size_t)logs[i].ntopics + logs[i].len + 16;
    uint8_t *buf = malloc(cap);
    if (!buf) return ZS_ERR_NOMEM;
    zs_rlp_enc_t e;
    zs_rlp_enc_init(&e, buf, cap);
    size_t m = zs_rlp_enc_list_begin(&e);
    for (size_t i = 0; i < n; i++) {
        size_t l = zs_rlp_enc_list_begin(&e);
        zs_rlp_enc_bytes(&e, logs[i].address, 20);
        size_t t = zs_rlp_enc_list_begin(&e);
        for (int k = 0; k < logs[i].ntopics; k++) zs_rlp_enc_bytes(&e, logs[i].topics[k], 32);
        zs_rlp_enc_list_end(&e, t);
        zs_rlp_enc_bytes(&e, logs[i].data, logs[i].len);
        zs_rlp_enc_list_end(&e, l);
    }
    zs_rlp_enc_list_end(&e, m);
    long k = zs_rlp_enc_finish(&e);
    if (k < 0) {
        free(buf);
        return (int)k;
    }
    *out = buf;
    *len = (size_t)k;
    return ZS_OK;
}

void zs_bloom_add(uint8_t bloom[256], const uint8_t *data, size_t len)
{
    uint8_t h[32];
    zs_keccak256(data, len, h);
    for (int i = 0; i < 6; i += 2) {
        unsigned bit = ((unsigned)h[i] << 8 | h[i + 1]) & 2047;
        bloom[255 - bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
}

int zs_bloom_test(const uint8_t bloom[256], const uint8_t *data, size_t len)
{
    uint8_t h[32];
    zs_keccak256(data, len, h);
    for (int i = 0; i < 6; i += 2) {
        unsigned bit = ((unsigned)h[i] << 8 | h[i + 1]) & 2047;
        if (!(bloom[255 - bit / 8] & (1u << (bit % 8)))) return 0;
    }
    return 1;
}

int zs_logs_next(const uint8_t *logs, size_t len, zs_logs_iter_t *it, zs_evm_log_t *out)
{
    zs_rlp_item_t list, entry, parts[3], topic;
    if (!len) return 0;
    if (zs_rlp_decode_exact(logs, len, &list, NULL) || list.kind != ZS_RLP_LIST) return ZS_ERR_CORRUPT;
    /* it->pos: offset of the next entry within the list's payload */
    if (it->pos >= list.len) return 0;
    if (zs_rlp_decode_item(list.payload + it->pos, list.len - it->pos, 0, &entry, NULL) || entry.kind != ZS_RLP_LIST)
        return ZS_ERR_CORRUPT;
    it->pos += entry.total;
    size_t count;
    if (zs_rlp_list_items(&entry, parts, 3, &count, NULL) || count != 3 || parts[0].kind != ZS_RLP_BYTES ||
        parts[0].len != 20 || parts[1].kind != ZS_RLP_LIST || parts[2].kind != ZS_RLP_BYTES)
        return ZS_ERR_CORRUPT;
    memset(out, 0, sizeof *out);
    memcpy(out->address, parts[0].payload, 20);
    zs_rlp_iter_t ti;
    zs_rlp_iter_init(&ti, &parts[1]);
    int r;
    while ((r = zs_rlp_iter_next(&ti, &topic, NULL)) == 1) {
        if (out->ntopics == 4 || topic.kind != ZS_RLP_BYTES || topic.len != 32) return ZS_ERR_CORRUPT;
        memcpy(out->topics[out->ntopics++], topic.payload, 32);
    }
    if (r) return ZS_ERR_CORRUPT;
    out->data = parts[2].payload;
    out->len = parts[2].len;
    return 1;
}

void zs_logs_bloom(const uint8_t *logs, size_t len, uint8_t bloom[256])
{
    zs_logs_iter_t it = {0};
    zs_evm_log_t l;
    while (zs_logs_next(logs, len, &it, &l) == 1) {
        zs_bloom_add(bloom, l.address, 20);
        for (int i = 0; i < l.ntopics; i++) zs_bloom_add(bloom, l.topics[i], 32);
    }
}
