#include "lib/gl/zs_gl.h"

zs_gl_t zs_gl_pow(zs_gl_t a, uint64_t e)
{
    zs_gl_t r = 1;
    while (e) {
        if (e & 1) r = zs_gl_mul(r, a);
        a = zs_gl_sqr(a);
        e >>= 1;
    }
    return r;
}

zs_gl_t zs_gl_inv(zs_gl_t a)
{
    /* Fermat: a^(p-2).  0 maps to 0. */
    return zs_gl_pow(a, ZS_GL_P - 2);
}

void zs_gl_batch_inv(zs_gl_t *out, const zs_gl_t *in, size_t n, zs_gl_t *scratch)
{
    /* scratch[i] = product of the non-zero in[0..i]. */
    zs_gl_t acc = 1;
    for (size_t i = 0; i < n; i++) {
        if (in[i]) acc = zs_gl_mul(acc, in[i]);
        scratch[i] = acc;
    }
    zs_gl_t inv = zs_gl_inv(acc);
    for (size_t i = n; i-- > 0;) {
        zs_gl_t x = in[i];
        if (!x) {
            out[i] = 0;
            continue;
        }
        zs_gl_t before = i ? scratch[i - 1] : 1;
        out[i] = zs_gl_mul(inv, before);
        inv = zs_gl_mul(inv, x);
    }
}

/* Implemented in zs_gl_avx2.c and zs_gl_avx512.c. */
void zs_gl_vec_add_avx2(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_sub_avx2(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_mul_avx2(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_add_avx512(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_sub_avx512(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);
void zs_gl_vec_mul_avx512(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n);

#define PORTABLE(name, op)                                                                     \
    static void name##_portable(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n)   \
    {                                                                                          \
        for (size_t i = 0; i < n; i++) out[i] = op(a[i], b[i]);                                \
    }                                                                                          \
    void name##_with(zs_simd_t level, zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b,       \
                     size_t n)                                                                 \
    {                                                                                          \
        if (level >= ZS_SIMD_AVX512)                                                           \
            name##_avx512(out, a, b, n);                                                       \
        else if (level >= ZS_SIMD_AVX2)                                                        \
            name##_avx2(out, a, b, n);                                                         \
        else                                                                                   \
            name##_portable(out, a, b, n);                                                     \
    }                                                                                          \
    void name(zs_gl_t *out, const zs_gl_t *a, const zs_gl_t *b, size_t n)                     \
    {                                                                                          \
        name##_with(zs_cpu_simd(), out, a, b, n);                                              \
    }

PORTABLE(zs_gl_vec_add, zs_gl_add)
PORTABLE(zs_gl_vec_sub, zs_gl_sub)
PORTABLE(zs_gl_vec_mul, zs_gl_mul)
