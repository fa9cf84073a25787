/* Four Poseidon permutations at once; only called when
   zs_cpu_has(ZS_SIMD_AVX2). */
#define ZS_GL_SIMD_AVX2
#define PERMUTE_LANES zs_poseidon_permute_x4_avx2
#include <stdint.h>
void zs_poseidon_permute_x4_avx2(uint64_t (*states)[12]);
#include "lib/poseidon/zs_poseidon_simd.h"
