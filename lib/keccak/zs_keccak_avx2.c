/* Four Keccak-256 messages at once, one per 64-bit lane of a ymm register.
   AVX2 has no 64-bit rotate: shifts and an or, except by 8 and 56, which are
   byte shuffles.  Built with AVX2 flags (Local.mk); called only when
   zs_cpu_has(ZS_SIMD_AVX2). */
#include <immintrin.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/keccak/zs_keccak_rc.h"

static inline __attribute__((always_inline)) __m256i rol256(__m256i a, int n)
{
    if (n == 8)
        return _mm256_shuffle_epi8(a, _mm256_setr_epi8(7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12,
                                                       13, 14, 7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9,
                                                       10, 11, 12, 13, 14));
    if (n == 56)
        return _mm256_shuffle_epi8(a, _mm256_setr_epi8(1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13,
                                                       14, 15, 8, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10,
                                                       11, 12, 13, 14, 15, 8));
    return _mm256_or_si256(_mm256_slli_epi64(a, n), _mm256_srli_epi64(a, 64 - n));
}

#define KT __m256i
#define KXOR(a, b) _mm256_xor_si256((a), (b))
#define KXOR5(a, b, c, d, e) \
    _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256((a), (b)), _mm256_xor_si256((c), (d))), (e))
#define KROL(a, n) rol256((a), (n))
#define KCHI(a, b, c) _mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))
#define KRC(i) _mm256_set1_epi64x((long long)zs_keccak_rc[i])
#define KFUNC keccak_multi_permute
#include "lib/keccak/zs_keccak_round.h"

static inline uint64_t ld(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#define LANES 4
#define KZERO() _mm256_setzero_si256()
#define KLOAD(b, off)                                                                    \
    _mm256_set_epi64x((long long)ld(b[3] + off), (long long)ld(b[2] + off),               \
                      (long long)ld(b[1] + off), (long long)ld(b[0] + off))
#define KSTORE_U(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define MULTI zs_keccak256_x4_avx2
#include "lib/keccak/zs_keccak_multi.h"
