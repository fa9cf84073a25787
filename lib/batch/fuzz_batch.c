/* libFuzzer target: any bytes as batchL2Data; every entry that parses is
   turned back into a transaction and, when that decodes, re-encoded to the
   same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/batch/zs_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    size_t pos = 0;
    zs_batch_entry_t ent;
    zs_perr_t e;
    int r;
    uint8_t *raw = malloc(n + 256), *again = malloc(n + 256);
    while ((r = zs_batch_next(data, n, &pos, &ent, &e)) == 1) {
        if (ent.offset + ent.len > n) abort();
        if (ent.kind != ZS_BATCH_ENTRY_TX) continue;
        zs_tx_t tx;
        if (zs_batch_entry_to_tx(&ent, raw, n + 256, &tx, &e)) continue;
        long k = zs_batch_encode_tx(&tx, ent.effective_percentage, again, n + 256);
        if (k < 0 || (size_t)k != ent.len || memcmp(again, data + ent.offset, ent.len)) abort();
    }
    if (r < 0 && (!e.reason || e.offset > n)) abort();
    free(raw);
    free(again);
    return 0;
}
