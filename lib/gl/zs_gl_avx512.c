/* AVX-512 array operations; called only when zs_cpu_has(ZS_SIMD_AVX512). */
#define ZS_GL_SIMD_AVX512
#define SUFFIX avx512
#include "lib/gl/zs_gl_vec_simd.h"
