/* The interpreter: the static gas of each opcode, memory growth, and the
   loop (zs_evm_loop.h) compiled twice, plain and traced. */
#include <stdlib.h>

#include "lib/evm/zs_evm_int.h"
#include "lib/keccak/zs_keccak.h"

/* Gas charged when an opcode is dispatched (Berlin); what depends on
   operands or on warm/cold access is charged by the handler. */
static const uint16_t ev_static_gas[256] = {
    [0x00] = 0,     [0x01] = 3,  [0x02] = 5,  [0x03] = 3,  [0x04] = 5,  [0x05] = 5,  [0x06] = 5,  [0x07] = 5,
    [0x08] = 8,     [0x09] = 8,  [0x0a] = 10, [0x0b] = 5,  [0x10] = 3,  [0x11] = 3,  [0x12] = 3,  [0x13] = 3,
    [0x14] = 3,     [0x15] = 3,  [0x16] = 3,  [0x17] = 3,  [0x18] = 3,  [0x19] = 3,  [0x1a] = 3,  [0x1b] = 3,
    [0x1c] = 3,     [0x1d] = 3,  [0x20] = 30, [0x30] = 2,  [0x32] = 2,  [0x33] = 2,  [0x34] = 2,  [0x35] = 3,
    [0x36] = 2,     [0x37] = 3,  [0x38] = 2,  [0x39] = 3,  [0x3a] = 2,  [0x3d] = 2,  [0x3e] = 3,  [0x40] = 20,
    [0x41] = 2,     [0x42] = 2,  [0x43] = 2,  [0x44] = 2,  [0x45] = 2,  [0x46] = 2,  [0x47] = 5,  [0x50] = 2,
    [0x51] = 3,     [0x52] = 3,  [0x53] = 3,  [0x56] = 8,  [0x57] = 10, [0x58] = 2,  [0x59] = 2,  [0x5a] = 2,
    [0x5b] = 1,     [0x5f] = 2,  [0x60 ... 0x9f] = 3,     [0xa0] = 375, [0xa1] = 750, [0xa2] = 1125,
    [0xa3] = 1500,  [0xa4] = 1875, [0xf0] = 32000, [0xf5] = 32000, [0xff] = 5000,
};

int64_t ev_mem_cost(size_t cur_words, uint64_t words)
{
    uint64_t a = 3 * (uint64_t)cur_words + (uint64_t)cur_words * cur_words / 512;
    uint64_t b = 3 * words + words * words / 512;
    return (int64_t)(b - a);
}

int ev_mem_expand(ev_frame_t *f, uint64_t off, uint64_t len)
{
    uint64_t end = off + len; /* both below 2^32: no overflow */
    if (end > f->e->mem_limit) return -1;
    uint64_t words = (end + 31) / 32;
    size_t cur = f->mem_len / 32;
    if (words <= cur) return 0;
    f->gas -= ev_mem_cost(cur, words);
    if (f->gas < 0) return -1;
    ev_depth_t *d = &f->e->depth[f->depth];
    size_t need = (size_t)words * 32;
    if (need > d->mem_cap) {
        size_t c = d->mem_cap ? d->mem_cap : 1024;
        while (c < need) c *= 2;
        uint8_t *m = realloc(d->mem, c);
        if (!m) {
            f->gas = -1; /* treated as out of gas: the host is out of memory */
            return -1;
        }
        d->mem = m;
        d->mem_cap = c;
    }
    f->mem = d->mem;
    memset(f->mem + f->mem_len, 0, need - f->mem_len);
    f->mem_len = need;
    return 0;
}

#define LOOP_FN ev_run
#define LOOP_TRACED 0
#include "lib/evm/zs_evm_loop.h"
#undef LOOP_FN
#undef LOOP_TRACED

#define LOOP_FN ev_run_traced
#define LOOP_TRACED 1
#include "lib/evm/zs_evm_loop.h"
#undef LOOP_FN
#undef LOOP_TRACED
