/* Fuzzes the submit-frame parser and the answer parser: any bytes, no
   crash, no read outside the input; a parsed submit's pieces lie inside it. */
#include <stdlib.h>

#include "lib/frame/zs_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zs_submit_frame_t f;
    if (zs_frame_parse_submit(data, size, &f) == ZS_FRAME_OK) {
        for (uint16_t i = 0; i < f.n; i++)
            if (f.tx[i] < data || f.tx[i] + f.len[i] > data + size) abort();
        if (f.flags & ZS_FRAME_FLAG_HMAC) (void)zs_frame_check_mac((const uint8_t *)"k", 1, data, f.mac_off);
    }
    zs_answer_entry_t e[ZS_FRAME_MAX_TXS];
    int kind;
    uint64_t c, s;
    uint16_t n, r;
    (void)zs_frame_parse_answer(data, size, NULL, 0, &kind, &c, &s, e, &n, &r);
    (void)zs_frame_parse_answer(data, size, (const uint8_t *)"key", 3, &kind, &c, &s, e, &n, &r);
    return 0;
}
