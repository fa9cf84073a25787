/* Fuzzes the submit-frame parser and the answer and confirmation parsers: any bytes, no
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
    zs_confirm_entry_t ce[ZS_FRAME_MAX_TXS];
    zs_frame_head_t h;
    uint16_t r;
    (void)zs_frame_parse_answer(data, size, NULL, 0, &h, e, &r);
    (void)zs_frame_parse_answer(data, size, (const uint8_t *)"key", 3, &h, e, &r);
    (void)zs_frame_parse_confirm(data, size, NULL, 0, &h, ce);
    return 0;
}
