#include "firmware/fw_rollup.h"

#include <stdio.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"

static void selector(const char *sig, uint8_t out[4])
{
    uint8_t h[32];
    zs_keccak256((const uint8_t *)sig, strlen(sig), h);
    memcpy(out, h, 4);
}

static void word_u64(uint8_t *w, uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t word_to_u64(const uint8_t *w, int *fits)
{
    *fits = 1;
    for (int i = 0; i < 24; i++)
        if (w[i]) *fits = 0;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | w[i];
    return v;
}

long fw_rollup_calldata(const fw_seq_batch_t *b, size_t n, uint32_t index_l1_info_root, uint64_t max_timestamp,
                        const uint8_t expected_acc[32], const uint8_t coinbase[20], uint8_t *out, size_t cap)
{
    /* Size: selector, 5 head words, array length, n offsets, per batch a
       4-word tuple head, the bytes length and the padded bytes. */
    size_t need = 4 + 32 * 6 + 32 * n;
    for (size_t i = 0; i < n; i++) need += 32 * 5 + (b[i].len + 31) / 32 * 32;
    if (need > cap)
        return ZS_ERR_FULL;
    memset(out, 0, need);
    selector("sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)", out);
    uint8_t *h = out + 4;
    word_u64(h, 5 * 32); /* the array starts after the five head words */
    word_u64(h + 32, index_l1_info_root);
    word_u64(h + 64, max_timestamp);
    memcpy(h + 96, expected_acc, 32);
    memcpy(h + 128 + 12, coinbase, 20);
    uint8_t *arr = h + 160;
    word_u64(arr, n);
    uint8_t *offs = arr + 32, *tail = offs + 32 * n;
    for (size_t i = 0; i < n; i++) {
        word_u64(offs + 32 * i, (uint64_t)(tail - offs));
        /* (bytes transactions, bytes32 forcedGlobalExitRoot, uint64
           forcedTimestamp, bytes32 forcedBlockHashL1): zero but for a forced batch */
        word_u64(tail, 4 * 32);
        if (b[i].forced_timestamp) {
            memcpy(tail + 32, b[i].forced_ger, 32);
            word_u64(tail + 64, b[i].forced_timestamp);
            memcpy(tail + 96, b[i].forced_block_hash, 32);
        }
        word_u64(tail + 128, b[i].len);
        if (b[i].len) memcpy(tail + 160, b[i].data, b[i].len);
        tail += 160 + (b[i].len + 31) / 32 * 32;
    }
    return (long)(tail - out);
}

/* The tail of one BlobBatches tuple (bytes blobTypeParams, bytes32[]
   batchHashes) at t; returns its length. */
static size_t blob_tuple(const fw_seq_blob_t *b, uint64_t index, uint8_t *t)
{
    /* params = abi.encode(uint64, uint64, uint32, uint256 blobIndex, bytes32 z,
       bytes32 y, bytes commitmentAndProof): 7 head words, then 96 bytes. */
    const size_t params = 7 * 32 + 32 + 96;
    word_u64(t, 64);
    word_u64(t + 32, 64 + 32 + params);
    uint8_t *p = t + 64;
    word_u64(p, params);
    p += 32;
    word_u64(p, b->max_timestamp);
    word_u64(p + 32, b->zk_gas_limit);
    word_u64(p + 64, b->l1_info_index);
    word_u64(p + 96, index);
    memcpy(p + 128, b->z, 32);
    memcpy(p + 160, b->y, 32);
    word_u64(p + 192, 7 * 32);
    word_u64(p + 224, 96);
    memcpy(p + 256, b->commitment, 48);
    memcpy(p + 304, b->proof, 48);
    p += params;
    word_u64(p, b->nbatches);
    for (size_t k = 0; k < b->nbatches; k++) memcpy(p + 32 + 32 * k, b->batch_hashes[k], 32);
    return (size_t)(p + 32 + 32 * b->nbatches - t);
}

long fw_rollup_blob_calldata(const fw_seq_blob_t *b, size_t n, const uint8_t coinbase[20],
                             const uint8_t expected_blob_acc[32], const uint8_t expected_acc[32], uint8_t *out,
                             size_t cap)
{
    size_t need = 4 + 32 * 5 + 32 * n;
    for (size_t i = 0; i < n; i++) need += 64 + 32 + 352 + 32 + 32 * b[i].nbatches;
    if (need > cap) return ZS_ERR_FULL;
    memset(out, 0, need);
    selector("sequenceBlobBatches((bytes,bytes32[])[],address,bytes32,bytes32)", out);
    uint8_t *h = out + 4;
    word_u64(h, 4 * 32);
    memcpy(h + 32 + 12, coinbase, 20);
    memcpy(h + 64, expected_blob_acc, 32);
    memcpy(h + 96, expected_acc, 32);
    uint8_t *arr = h + 128;
    word_u64(arr, n);
    uint8_t *offs = arr + 32, *tail = offs + 32 * n;
    for (size_t i = 0; i < n; i++) {
        word_u64(offs + 32 * i, (uint64_t)(tail - offs));
        tail += blob_tuple(&b[i], i, tail);
    }
    return (long)(tail - out);
}

static int call_words(fw_l1_t *l1, const uint8_t to[20], const char *sig, const uint64_t *args, size_t nargs,
                      const char *tag, uint8_t (*out)[32], size_t nwords)
{
    uint8_t data[4 + 32 * 2];
    selector(sig, data);
    for (size_t i = 0; i < nargs; i++) word_u64(data + 4 + 32 * i, args[i]);
    return fw_l1_eth_call(l1, to, data, 4 + 32 * nargs, tag, out, nwords);
}

int fw_rollup_last_batch(fw_l1_t *l1, const uint8_t rollup[20], const char *tag, uint64_t *out)
{
    uint8_t w[1][32];
    int rc = call_words(l1, rollup, "lastBatchSequenced()", NULL, 0, tag, w, 1);
    if (rc) return rc;
    int fits;
    *out = word_to_u64(w[0], &fits);
    return fits ? ZS_OK : ZS_ERR_PARSE;
}

int fw_rollup_acc(fw_l1_t *l1, const uint8_t rollup[20], uint64_t batch, const char *tag, uint8_t acc[32],
                  uint64_t *sequenced_ts)
{
    uint8_t w[3][32];
    int rc = call_words(l1, rollup, "sequencedBatches(uint64)", &batch, 1, tag, w, 3);
    if (rc) return rc;
    int fits;
    *sequenced_ts = word_to_u64(w[1], &fits);
    if (!fits) return ZS_ERR_PARSE;
    memcpy(acc, w[0], 32);
    return ZS_OK;
}

int fw_rollup_last_blob_acc(fw_l1_t *l1, const uint8_t rollup[20], uint8_t acc[32])
{
    uint8_t w[1][32];
    int rc = call_words(l1, rollup, "lastBlobAccInputHash()", NULL, 0, "latest", w, 1);
    if (!rc) memcpy(acc, w[0], 32);
    return rc;
}

int fw_rollup_trusted_sequencer(fw_l1_t *l1, const uint8_t rollup[20], uint8_t addr[20])
{
    uint8_t w[1][32];
    int rc = call_words(l1, rollup, "trustedSequencer()", NULL, 0, "latest", w, 1);
    if (rc) return rc;
    memcpy(addr, w[0] + 12, 20);
    return ZS_OK;
}

int fw_ger_l1_info(fw_l1_t *l1, const uint8_t ger[20], uint32_t *count, uint8_t root[32])
{
    uint8_t w[1][32];
    int rc = call_words(l1, ger, "depositCount()", NULL, 0, "latest", w, 1);
    if (rc) return rc;
    int fits;
    uint64_t c = word_to_u64(w[0], &fits);
    if (!fits || c > UINT32_MAX) return ZS_ERR_PARSE;
    *count = (uint32_t)c;
    if ((rc = call_words(l1, ger, "l1InfoRootMap(uint32)", &c, 1, "latest", w, 1))) return rc;
    memcpy(root, w[0], 32);
    return ZS_OK;
}

int fw_rollup_forced_hash(fw_l1_t *l1, const uint8_t rollup[20], uint64_t n, uint8_t out[32])
{
    uint8_t w[1][32];
    const uint64_t args[1] = {n};
    int rc = call_words(l1, rollup, "forcedBatches(uint64)", args, 1, "latest", w, 1);
    if (!rc) memcpy(out, w[0], 32);
    return rc;
}

void fw_rollup_forced_data_hash(const fw_seq_batch_t *b, uint8_t out[32])
{
    uint8_t m[32 + 32 + 8 + 32];
    zs_keccak256(b->data, b->len, m);
    memcpy(m + 32, b->forced_ger, 32);
    for (int i = 0; i < 8; i++) m[64 + i] = (uint8_t)(b->forced_timestamp >> (56 - 8 * i));
    memcpy(m + 72, b->forced_block_hash, 32);
    zs_keccak256(m, sizeof m, out);
}
