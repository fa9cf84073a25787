/* The scalar permutation, the sponges built on it, and the batch dispatch.

   Optimized form (as Polygon's goldilocks library): add C[0..12); three full
   rounds (x^7, add 12 constants, multiply by M); a fourth full round
   multiplied by the pre-matrix P; 22 partial rounds, each x^7 on state[0],
   one constant, then the sparse step with 23 constants S[23r..23r+23): the
   new state[0] is the dot product of the state with S[23r..23r+12), and
   state[i] += state[0] * S[23r+11+i] for i >= 1; three full rounds; a last
   x^7 and M.  Matrix products are state'[i] = sum_j A[j][i] * state[j]. */
#include "lib/poseidon/zs_poseidon.h"

#include <string.h>

#include "lib/gl/zs_gl.h"
#include "lib/poseidon/zs_poseidon_constants.h"

static inline zs_gl_t pow7(zs_gl_t x)
{
    zs_gl_t x2 = zs_gl_sqr(x), x3 = zs_gl_mul(x2, x), x4 = zs_gl_sqr(x2);
    return zs_gl_mul(x3, x4);
}

/* M has entries below 2^6: sum the 12 products in 128 bits, reduce once. */
static inline void mds_small(uint64_t s[12])
{
    uint64_t out[12];
    for (int i = 0; i < 12; i++) {
        unsigned __int128 acc = 0;
        for (int j = 0; j < 12; j++) acc += (unsigned __int128)s[j] * zs_poseidon_M[12 * j + i];
        out[i] = zs_gl_reduce128((uint64_t)(acc >> 64), (uint64_t)acc);
    }
    memcpy(s, out, sizeof out);
}

/* Sum of 12 full products in three words; 2^128 = -2^32 (mod p). */
static inline zs_gl_t dot12(const uint64_t *s, const uint64_t *c)
{
    unsigned __int128 acc = 0;
    uint64_t top = 0;
    for (int i = 0; i < 12; i++) {
        unsigned __int128 p = (unsigned __int128)s[i] * c[i];
        acc += p;
        top += acc < p;
    }
    zs_gl_t r = zs_gl_reduce128((uint64_t)(acc >> 64), (uint64_t)acc);
    return zs_gl_sub(r, top << 32); /* top <= 11, so top << 32 < p */
}

static inline void matrix_full(uint64_t s[12], const uint64_t *a)
{
    uint64_t col[12], out[12];
    for (int i = 0; i < 12; i++) {
        for (int j = 0; j < 12; j++) col[j] = a[12 * j + i];
        out[i] = dot12(s, col);
    }
    memcpy(s, out, sizeof out);
}

static inline void full_round(uint64_t s[12], const uint64_t *c)
{
    for (int i = 0; i < 12; i++) s[i] = zs_gl_add(pow7(s[i]), c[i]);
}

void zs_poseidon_permute_portable(uint64_t s[12])
{
    const uint64_t *C = zs_poseidon_C;
    for (int i = 0; i < 12; i++) s[i] = zs_gl_add(s[i], C[i]);
    for (int r = 0; r < 3; r++) {
        full_round(s, C + 12 * (r + 1));
        mds_small(s);
    }
    full_round(s, C + 48);
    matrix_full(s, zs_poseidon_P);
    for (int r = 0; r < 22; r++) {
        const uint64_t *S = zs_poseidon_S + 23 * r;
        s[0] = zs_gl_add(pow7(s[0]), C[60 + r]);
        zs_gl_t s0 = dot12(s, S);
        for (int i = 1; i < 12; i++) s[i] = zs_gl_add(s[i], zs_gl_mul(s[0], S[11 + i]));
        s[0] = s0;
    }
    for (int r = 0; r < 3; r++) {
        full_round(s, C + 82 + 12 * r);
        mds_small(s);
    }
    for (int i = 0; i < 12; i++) s[i] = pow7(s[i]);
    mds_small(s);
}

/* Permutations run in this process (relaxed: a figure for benchmarks). */
static uint64_t perm_count;

uint64_t zs_poseidon_count(void)
{
    return __atomic_load_n(&perm_count, __ATOMIC_RELAXED);
}

void zs_poseidon_permute(uint64_t state[12])
{
    __atomic_fetch_add(&perm_count, 1, __ATOMIC_RELAXED);
    zs_poseidon_permute_portable(state);
}

void zs_poseidon_hash(const uint64_t in[8], const uint64_t cap[4], uint64_t out[4])
{
    uint64_t s[12];
    memcpy(s, in, 64);
    memcpy(s + 8, cap, 32);
    zs_poseidon_permute(s);
    memcpy(out, s, 32);
}

void zs_poseidon_linear_hash(const uint64_t *in, size_t n, uint64_t out[4])
{
    if (n <= 4) {
        uint64_t tmp[4] = {0};
        memcpy(tmp, in, n * 8);
        memcpy(out, tmp, 32);
        return;
    }
    uint64_t s[12] = {0};
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 8 ? n - done : 8;
        if (done) memcpy(s + 8, s, 32); /* capacity carries the last output */
        memset(s, 0, 64);
        memcpy(s, in + done, k * 8);
        zs_poseidon_permute(s);
        done += k;
    }
    memcpy(out, s, 32);
}

/* Lane-parallel permutations, zs_poseidon_avx2.c / zs_poseidon_avx512.c. */
void zs_poseidon_permute_x4_avx2(uint64_t (*states)[12]);
void zs_poseidon_permute_x8_avx512(uint64_t (*states)[12]);

/* Runs the r < lanes states through a kernel of that many lanes on a
   padded copy. */
static void padded(void (*kernel)(uint64_t (*)[12]), uint64_t (*states)[12], size_t r)
{
    uint64_t pad[8][12] = {{0}};
    memcpy(pad, states, r * sizeof pad[0]);
    kernel(pad);
    memcpy(states, pad, r * sizeof pad[0]);
}

/* Full calls of the widest kernel, then the tail (fewer than its lanes) the
   cheapest way: on this machine's measure a portable permutation costs
   about 3.2 us, an AVX2 call (4 lanes) 5.1 us and an AVX-512 call (8 lanes)
   6.6 us, so one state goes portable, 2-4 take one AVX2 call and 5-7 one
   AVX-512 call. */
void zs_poseidon_permute_batch_with(zs_simd_t level, uint64_t (*states)[12], size_t n)
{
    __atomic_fetch_add(&perm_count, n, __ATOMIC_RELAXED);
    size_t i = 0;
    if (level >= ZS_SIMD_AVX512) {
        for (; i + 8 <= n; i += 8) zs_poseidon_permute_x8_avx512(states + i);
        if (n - i >= 5) {
            padded(zs_poseidon_permute_x8_avx512, states + i, n - i);
            return;
        }
    }
    if (level >= ZS_SIMD_AVX2) {
        for (; i + 4 <= n; i += 4) zs_poseidon_permute_x4_avx2(states + i);
        if (n - i >= 2) {
            padded(zs_poseidon_permute_x4_avx2, states + i, n - i);
            return;
        }
    }
    for (; i < n; i++) zs_poseidon_permute_portable(states[i]);
}

void zs_poseidon_permute_batch(uint64_t (*states)[12], size_t n)
{
    zs_poseidon_permute_batch_with(zs_cpu_simd(), states, n);
}

void zs_poseidon_hash_batch(const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    /* Work in chunks of 32 states on the stack. */
    uint64_t tmp[32][12];
    zs_simd_t level = zs_cpu_simd();
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 32 ? n - done : 32;
        memcpy(tmp, in + done, k * sizeof tmp[0]);
        zs_poseidon_permute_batch_with(level, tmp, k);
        for (size_t i = 0; i < k; i++) memcpy(out[done + i], tmp[i], 32);
        done += k;
    }
}
