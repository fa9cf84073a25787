/* AVX2 array operations; called only when zs_cpu_has(ZS_SIMD_AVX2). */
#define ZS_GL_SIMD_AVX2
#define SUFFIX avx2
#include "lib/gl/zs_gl_vec_simd.h"
