/* Eight Poseidon permutations at once; only called when
   zs_cpu_has(ZS_SIMD_AVX512). */
#define ZS_GL_SIMD_AVX512
#define PERMUTE_LANES zs_poseidon_permute_x8_avx512
#include <stdint.h>
void zs_poseidon_permute_x8_avx512(uint64_t (*states)[12]);
#include "lib/poseidon/zs_poseidon_simd.h"
