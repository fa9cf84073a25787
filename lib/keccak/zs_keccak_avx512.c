/* Eight Keccak-256 messages at once, one per 64-bit lane of a zmm register.
   Chi and the five-way xor of theta are single VPTERNLOGQ instructions and
   rotations are VPROLQ.  Built with AVX-512 flags (Local.mk); called only
   when zs_cpu_has(ZS_SIMD_AVX512). */
#include <immintrin.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/keccak/zs_keccak_rc.h"

#define KT __m512i
#define KXOR(a, b) _mm512_xor_si512((a), (b))
#define KXOR5(a, b, c, d, e) \
    _mm512_ternarylogic_epi64(_mm512_ternarylogic_epi64((a), (b), (c), 0x96), (d), (e), 0x96)
#define KROL(a, n) _mm512_rol_epi64((a), (n))
#define KCHI(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xD2) /* a ^ (~b & c) */
#define KRC(i) _mm512_set1_epi64((long long)zs_keccak_rc[i])
#define KFUNC keccak_multi_permute
#include "lib/keccak/zs_keccak_round.h"

static inline uint64_t ld(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#define LANES 8
#define KZERO() _mm512_setzero_si512()
#define KLOAD(b, off)                                                                    \
    _mm512_set_epi64((long long)ld(b[7] + off), (long long)ld(b[6] + off),                \
                     (long long)ld(b[5] + off), (long long)ld(b[4] + off),                \
                     (long long)ld(b[3] + off), (long long)ld(b[2] + off),                \
                     (long long)ld(b[1] + off), (long long)ld(b[0] + off))
#define KSTORE_U(p, v) _mm512_storeu_si512((void *)(p), (v))
#define MULTI zs_keccak256_x8_avx512
#include "lib/keccak/zs_keccak_multi.h"
