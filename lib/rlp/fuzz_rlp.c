/* libFuzzer target: any bytes through the strict decoder and validator; a
   valid input must re-encode to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rlp/zs_rlp.h"

static void reencode(zs_rlp_enc_t *enc, const zs_rlp_item_t *it)
{
    if (it->kind == ZS_RLP_BYTES) {
        zs_rlp_enc_bytes(enc, it->payload, it->len);
        return;
    }
    size_t mark = zs_rlp_enc_list_begin(enc);
    zs_rlp_iter_t iter;
    zs_rlp_iter_init(&iter, it);
    zs_rlp_item_t c;
    while (zs_rlp_iter_next(&iter, &c, NULL) == 1) reencode(enc, &c);
    zs_rlp_enc_list_end(enc, mark);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    zs_perr_t e;
    if (zs_rlp_validate(data, n, 64, &e) != 0) {
        if (e.offset > n || !e.reason) abort();
        return 0;
    }
    zs_rlp_item_t it;
    if (zs_rlp_decode_exact(data, n, &it, NULL)) abort();
    uint8_t *out = malloc(n + 16);
    zs_rlp_enc_t enc;
    zs_rlp_enc_init(&enc, out, n + 16);
    reencode(&enc, &it);
    if (zs_rlp_enc_finish(&enc) != (long)n || memcmp(out, data, n)) abort();
    free(out);
    uint64_t v;
    zs_u256_t u;
    (void)zs_rlp_get_u64(&it, &v, &e);
    (void)zs_rlp_get_u256(&it, &u, &e);
    return 0;
}
