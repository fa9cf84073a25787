#include "host/l1sync/zs_l1abi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"

uint8_t zs_l1abi_topics[ZS_EV_COUNT][32];

static const char *const event_sigs[ZS_EV_COUNT] = {
    [ZS_EV_UPDATE_L1_INFO_TREE] = "UpdateL1InfoTree(bytes32,bytes32)",
    [ZS_EV_UPDATE_L1_INFO_TREE_V2] = "UpdateL1InfoTreeV2(bytes32,uint32,uint256,uint64)",
    [ZS_EV_SEQUENCE_BATCHES] = "SequenceBatches(uint64,bytes32)",
    [ZS_EV_SEQUENCE_FORCE_BATCHES] = "SequenceForceBatches(uint64)",
    [ZS_EV_FORCE_BATCH] = "ForceBatch(uint64,bytes32,address,bytes)",
    [ZS_EV_VERIFY_BATCHES] = "VerifyBatchesTrustedAggregator(uint64,bytes32,address)",
};

#define SIG_SEQUENCE "sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)"
#define SIG_SEQUENCE_FORCED "sequenceForceBatches((bytes,bytes32,uint64,bytes32)[])"
#define SIG_FORCE "forceBatch(bytes)"
#define SIG_SEQUENCE_BLOBS "sequenceBlobBatches((bytes,bytes32[])[],address,bytes32,bytes32)"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_topics(void)
{
    for (int i = 0; i < ZS_EV_COUNT; i++) zs_keccak256(event_sigs[i], strlen(event_sigs[i]), zs_l1abi_topics[i]);
}

void zs_l1abi_init(void)
{
    pthread_once(&once, init_topics);
}

void zs_l1abi_selector(const char *sig, uint8_t out[4])
{
    uint8_t h[32];
    zs_keccak256(sig, strlen(sig), h);
    memcpy(out, h, 4);
}

/* ---- Words. */

typedef struct {
    const uint8_t *p;
    size_t len;
} abi_t;

/* The word at byte offset off, or NULL past the end. */
static const uint8_t *word(const abi_t *a, size_t off)
{
    return off <= a->len && a->len - off >= 32 ? a->p + off : NULL;
}

static int zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* An unsigned value of at most 8 bytes in the word at off. */
static int u64_at(const abi_t *a, size_t off, uint64_t *v)
{
    const uint8_t *w = word(a, off);
    if (!w || !zero(w, 24)) return ZS_ERR_PARSE;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++) x = x << 8 | w[i];
    *v = x;
    return ZS_OK;
}

static int b32_at(const abi_t *a, size_t off, uint8_t out[32])
{
    const uint8_t *w = word(a, off);
    if (!w) return ZS_ERR_PARSE;
    memcpy(out, w, 32);
    return ZS_OK;
}

static int addr_at(const abi_t *a, size_t off, uint8_t out[20])
{
    const uint8_t *w = word(a, off);
    if (!w || !zero(w, 12)) return ZS_ERR_PARSE;
    memcpy(out, w + 12, 20);
    return ZS_OK;
}

/* `bytes` whose offset (relative to base) is in the word at off. */
static int bytes_at(const abi_t *a, size_t base, size_t off, const uint8_t **p, size_t *n)
{
    uint64_t rel, len;
    if (u64_at(a, off, &rel) || rel > a->len || base > a->len - rel) return ZS_ERR_PARSE;
    size_t start = base + (size_t)rel;
    if (u64_at(a, start, &len) || len > a->len - start - 32) return ZS_ERR_PARSE;
    size_t padded = ((size_t)len + 31) / 32 * 32;
    if (padded > a->len - start - 32 || !zero(a->p + start + 32 + len, padded - (size_t)len)) return ZS_ERR_PARSE;
    *p = a->p + start + 32;
    *n = (size_t)len;
    return ZS_OK;
}

/* ---- Calldata. */

/* The BatchData[] whose offset (relative to base) is in the word at off. */
static int batches_at(const abi_t *a, size_t base, size_t off, zs_l1_sequence_t *out)
{
    uint64_t rel, n;
    if (u64_at(a, off, &rel) || rel > a->len || base > a->len - rel) return ZS_ERR_PARSE;
    size_t arr = base + (size_t)rel, elems = arr + 32;
    if (u64_at(a, arr, &n) || n == 0 || n > (a->len - elems) / 32) return ZS_ERR_PARSE;
    out->batches = calloc((size_t)n, sizeof *out->batches);
    if (!out->batches) return ZS_ERR_NOMEM;
    out->n = (size_t)n;
    for (size_t i = 0; i < out->n; i++) {
        uint64_t trel;
        zs_l1_batchdata_t *b = &out->batches[i];
        if (u64_at(a, elems + 32 * i, &trel) || trel > a->len - elems) return ZS_ERR_PARSE;
        size_t t = elems + (size_t)trel;
        if (bytes_at(a, t, t, &b->transactions, &b->len) || b32_at(a, t + 32, b->forced_ger) ||
            u64_at(a, t + 64, &b->forced_timestamp) || b32_at(a, t + 96, b->forced_block_hash))
            return ZS_ERR_PARSE;
    }
    return ZS_OK;
}

/* A dynamic member whose offset (relative to base) is in the word at off:
   where it starts. */
static int dyn_at(const abi_t *a, size_t base, size_t off, size_t *start)
{
    uint64_t rel;
    if (u64_at(a, off, &rel) || rel > a->len || base > a->len - rel) return ZS_ERR_PARSE;
    *start = base + (size_t)rel;
    return ZS_OK;
}

/* One blob's type-1 parameters: its timestamp limit, leaf count and
   versioned hash (of the commitment the contract checked against blobhash). */
static int blob_params(const uint8_t *p, size_t len, uint64_t *ts, uint32_t *index, uint8_t vh[32])
{
    abi_t a = {p, len};
    uint64_t zk, idx, bi;
    const uint8_t *cp;
    size_t cpl;
    if (u64_at(&a, 0, ts) || u64_at(&a, 32, &zk) || u64_at(&a, 64, &idx) || idx > UINT32_MAX ||
        u64_at(&a, 96, &bi) || bytes_at(&a, 0, 192, &cp, &cpl) || cpl != 96)
        return ZS_ERR_PARSE;
    *index = (uint32_t)idx;
    zs_blob_versioned_hash(cp, vh);
    return ZS_OK;
}

/* The (bytes, bytes32[]) tuples at the array whose offset is in word 0:
   every blob's batches, in order. */
static int blob_batches(const abi_t *a, zs_l1_sequence_t *out)
{
    size_t arr, t, hs;
    uint64_t n, m, total = 0;
    if (dyn_at(a, 0, 0, &arr) || u64_at(a, arr, &n) || n == 0 || n > 6) return ZS_ERR_PARSE;
    size_t elems = arr + 32;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *params;
            size_t plen;
            uint64_t ts;
            uint32_t index;
            uint8_t vh[32];
            if (dyn_at(a, elems, elems + 32 * i, &t) || bytes_at(a, t, t, &params, &plen) ||
                dyn_at(a, t, t + 32, &hs) || u64_at(a, hs, &m) || m == 0 || m > (a->len - hs - 32) / 32 ||
                blob_params(params, plen, &ts, &index, vh))
                return ZS_ERR_PARSE;
            if (i && index != out->index_l1_info_root) return ZS_ERR_PARSE;
            out->index_l1_info_root = index;
            out->max_timestamp = ts;
            if (!pass) {
                total += m;
                continue;
            }
            for (uint64_t j = 0; j < m; j++, k++) {
                zs_l1_batchdata_t *b = &out->batches[k];
                b->hash = a->p + hs + 32 + 32 * j;
                b->blob_timestamp = ts;
                memcpy(b->blob_hash, vh, 32);
            }
        }
        if (!pass) {
            if (!(out->batches = calloc((size_t)total, sizeof *out->batches))) return ZS_ERR_NOMEM;
            out->n = (size_t)total;
        }
    }
    return ZS_OK;
}

int zs_l1abi_sequence(const uint8_t *data, size_t len, zs_l1_sequence_t *out)
{
    uint8_t seq[4], forced[4], blobs[4];
    memset(out, 0, sizeof *out);
    zs_l1abi_selector(SIG_SEQUENCE, seq);
    zs_l1abi_selector(SIG_SEQUENCE_FORCED, forced);
    zs_l1abi_selector(SIG_SEQUENCE_BLOBS, blobs);
    if (len < 4) return ZS_ERR_PARSE;
    abi_t a = {data + 4, len - 4};
    int rc;
    if (!memcmp(data, seq, 4)) {
        uint64_t idx;
        rc = u64_at(&a, 32, &idx);
        if (!rc && idx > UINT32_MAX) rc = ZS_ERR_PARSE;
        out->index_l1_info_root = (uint32_t)idx;
        if (!rc) rc = u64_at(&a, 64, &out->max_timestamp);
        if (!rc) rc = b32_at(&a, 96, out->expected_acc);
        if (!rc) rc = addr_at(&a, 128, out->coinbase);
        if (!rc) rc = batches_at(&a, 0, 0, out);
    } else if (!memcmp(data, forced, 4)) {
        out->forced_only = 1;
        rc = batches_at(&a, 0, 0, out);
    } else if (!memcmp(data, blobs, 4)) {
        out->blobs = 1;
        rc = addr_at(&a, 32, out->coinbase);
        if (!rc) rc = b32_at(&a, 96, out->expected_acc);
        if (!rc) rc = blob_batches(&a, out);
    } else {
        rc = ZS_ERR_PARSE;
    }
    if (rc) zs_l1abi_sequence_free(out);
    return rc;
}

void zs_l1abi_sequence_free(zs_l1_sequence_t *s)
{
    free(s->batches);
    s->batches = NULL;
    s->n = 0;
}

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}

void zs_l1abi_acc_step(const uint8_t prev[32], const zs_l1_batchdata_t *b, const uint8_t l1_info_root[32],
                       uint64_t max_timestamp, const uint8_t coinbase[20], uint8_t out[32], uint8_t batch_hash[32])
{
    /* acc ++ keccak(txs) ++ (root | forcedGER) ++ u64 ts ++ coinbase ++ (0 | forcedBlockHash) */
    uint8_t m[32 + 32 + 32 + 8 + 20 + 32], h[32];
    if (b->hash) memcpy(h, b->hash, 32);
    else zs_keccak256(b->transactions, b->len, h);
    if (b->hash && b->blob_timestamp) max_timestamp = b->blob_timestamp;
    if (batch_hash) memcpy(batch_hash, h, 32);
    memcpy(m, prev, 32);
    memcpy(m + 32, h, 32);
    int forced = b->forced_timestamp > 0;
    memcpy(m + 64, forced ? b->forced_ger : l1_info_root, 32);
    be64(m + 96, forced ? b->forced_timestamp : max_timestamp);
    memcpy(m + 104, coinbase, 20);
    if (forced)
        memcpy(m + 124, b->forced_block_hash, 32);
    else
        memset(m + 124, 0, 32);
    zs_keccak256(m, sizeof m, out);
}

int zs_l1abi_force_batch_data(const uint8_t *data, size_t len, uint8_t ger[32], uint8_t sender[20],
                              const uint8_t **txs, size_t *txlen)
{
    abi_t a = {data, len};
    if (b32_at(&a, 0, ger) || addr_at(&a, 32, sender) || bytes_at(&a, 0, 64, txs, txlen)) return ZS_ERR_PARSE;
    return ZS_OK;
}

int zs_l1abi_force_batch_call(const uint8_t *data, size_t len, const uint8_t **txs, size_t *txlen)
{
    uint8_t sel[4];
    zs_l1abi_selector(SIG_FORCE, sel);
    if (len < 4 || memcmp(data, sel, 4)) return ZS_ERR_PARSE;
    abi_t a = {data + 4, len - 4};
    return bytes_at(&a, 0, 0, txs, txlen);
}
