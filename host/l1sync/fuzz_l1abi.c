/* Fuzzes what the L1 follower decodes out of L1's bytes, some of which
   anyone can write (forceBatch's calldata and its event): the sequence
   calls, ForceBatch's data and forceBatch's calldata, behind the selector
   the first byte chooses, and each blob data type's decoding.  Any bytes:
   no crash, no leak, and every decoded piece lies inside the input. */
#include <stdlib.h>
#include <string.h>

#include "host/l1sync/zs_l1abi.h"
#include "lib/blob/zs_blob.h"
#include "tests/support/zs_fuzz_check.h"

static const uint8_t *lo, *hi;

static void inside(const uint8_t *p, size_t n)
{
    ZS_FUZZ_CHECK(!n || (p >= lo && p <= hi && n <= (size_t)(hi - p)));
}

static void sequence(const uint8_t *data, size_t size)
{
    zs_l1_sequence_t s;
    if (zs_l1abi_sequence(data, size, &s)) return;
    ZS_FUZZ_CHECK(s.n == 0 || s.batches);
    for (size_t i = 0; i < s.n; i++) {
        inside(s.batches[i].transactions, s.batches[i].len);
        if (s.batches[i].hash) inside(s.batches[i].hash, 32);
    }
    zs_l1abi_sequence_free(&s);
}

static void blob(const uint8_t *data, size_t size)
{
    static uint8_t scratch[ZS_BLOB_MAX_DATA];
    zs_blob_batch_t out[64];
    for (int type = ZS_BLOB_CALLDATA; type <= ZS_BLOB_FORCED; type++) {
        size_t n = 0;
        const char *why = NULL;
        int rc = zs_blob_decode(data, size, type, scratch, out, 64, &n, &why);
        if (rc) {
            ZS_FUZZ_CHECK(rc == ZS_ERR_FULL || (rc == ZS_ERR_PARSE && why && *why));
            continue;
        }
        ZS_FUZZ_CHECK(n <= 64);
        for (size_t i = 0; i < n; i++) {
            if (type == ZS_BLOB_EIP4844)
                ZS_FUZZ_CHECK(out[i].data >= scratch && out[i].len <= (size_t)(scratch + sizeof scratch - out[i].data));
            else
                inside(out[i].data, out[i].len);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sigs[] = {
        "sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)",
        "sequenceForceBatches((bytes,bytes32,uint64,bytes32)[])",
        "sequenceBlobBatches((bytes,bytes32[])[],address,bytes32,bytes32)", "forceBatch(bytes)"};
    if (!size) return 0;
    uint8_t *call = malloc(size + 3);
    ZS_FUZZ_CHECK(call);
    zs_l1abi_selector(sigs[data[0] % 4], call);
    memcpy(call + 4, data + 1, size - 1);
    size_t n = size + 3;
    lo = call, hi = call + n;
    sequence(call, n);
    const uint8_t *txs;
    size_t txlen;
    if (!zs_l1abi_force_batch_call(call, n, &txs, &txlen)) inside(txs, txlen);
    free(call);
    lo = data, hi = data + size;
    uint8_t ger[32], sender[20];
    if (!zs_l1abi_force_batch_data(data, size, ger, sender, &txs, &txlen)) inside(txs, txlen);
    sequence(data, size);
    blob(data, size);
    return 0;
}
