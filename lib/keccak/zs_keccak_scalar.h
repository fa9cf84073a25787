/* One 64-bit Keccak lane per machine word: the permutation and a one-shot
   sponge, instantiated by zs_keccak.c (portable build) and zs_keccak_bmi.c
   (built with BMI1/BMI2 so chi becomes ANDN and rotations RORX).  Internal.
   The includer defines KFUNC and ONESHOT, the names to give the two. */
#include <stdint.h>
#include <string.h>

#include "lib/keccak/zs_keccak_rc.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lib/keccak assumes a little-endian machine (lanes are loaded with memcpy)"
#endif

#define KT uint64_t
#define KXOR(a, b) ((a) ^ (b))
#define KXOR5(a, b, c, d, e) ((a) ^ (b) ^ (c) ^ (d) ^ (e))
#define KROL(a, n) (((a) << (n)) | ((a) >> (64 - (n))))
#define KCHI(a, b, c) ((a) ^ (~(b) & (c)))
#define KRC(i) zs_keccak_rc[i]
#include "lib/keccak/zs_keccak_round.h"

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ONESHOT absorbs n bytes and squeezes 32: the whole sponge with the state
   in registers' reach of the permutation. */
static void ONESHOT(const uint8_t *p, size_t n, uint8_t out[32])
{
    uint64_t s[25] = {0};
    while (n >= 136) {
        for (int i = 0; i < 17; i++) s[i] ^= load64(p + 8 * i);
        KFUNC(s);
        p += 136;
        n -= 136;
    }
    uint8_t last[136] = {0};
    if (n) memcpy(last, p, n);
    last[n] ^= 0x01;
    last[135] ^= 0x80;
    for (int i = 0; i < 17; i++) s[i] ^= load64(last + 8 * i);
    KFUNC(s);
    memcpy(out, s, 32);
}

#undef KT
#undef KXOR
#undef KXOR5
#undef KROL
#undef KCHI
#undef KRC
