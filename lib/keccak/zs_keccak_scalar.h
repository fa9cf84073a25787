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
   in registers' reach of the permutation.  The last (partial) block is
   xored in word by word with its padding, without a padded copy. */
static void ONESHOT(const uint8_t *p, size_t n, uint8_t out[32])
{
    uint64_t s[25] = {0};
    while (n >= 136) {
        for (int i = 0; i < 17; i++) s[i] ^= load64(p + 8 * i);
        KFUNC(s);
        p += 136;
        n -= 136;
    }
    size_t words = n / 8, rest = n % 8;
    for (size_t i = 0; i < words; i++) s[i] ^= load64(p + 8 * i);
    uint64_t last = 0;
    if (rest) memcpy(&last, p + 8 * words, rest);
    s[words] ^= last ^ (0x01ull << (8 * rest));
    s[16] ^= 0x8000000000000000ull;
    KFUNC(s);
    memcpy(out, s, 32);
}

#undef KT
#undef KXOR
#undef KXOR5
#undef KROL
#undef KCHI
#undef KRC
