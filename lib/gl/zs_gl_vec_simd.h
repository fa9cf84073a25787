/* Element-wise array operations over gv_t, for zs_gl_avx2.c and
   zs_gl_avx512.c (which define SUFFIX first).  Internal. */
#include "lib/gl/zs_gl_simd.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#define VEC_OP(name, vop, sop)                                                                  \
    void CAT(name, SUFFIX)(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n)          \
    {                                                                                           \
        size_t i = 0;                                                                           \
        for (; i + GV_LANES <= n; i += GV_LANES) gv_store(out + i, vop(gv_load(a + i), gv_load(b + i))); \
        for (; i < n; i++) out[i] = sop(a[i], b[i]);                                            \
    }

VEC_OP(zs_gl_vec_add_, gv_add, zs_gl_add)
VEC_OP(zs_gl_vec_sub_, gv_sub, zs_gl_sub)
VEC_OP(zs_gl_vec_mul_, gv_mul, zs_gl_mul)
