/* poseidon_gl and merkle_level: the Poseidon-Goldilocks permutation
   (width 12, x^7, 8 full + 22 partial rounds) in Polygon's optimized form,
   the one lib/poseidon computes: constants C (118), the MDS M, the
   pre-matrix P, the sparse partial-round constants S (22 x 23), from
   lib/poseidon/zs_poseidon_constants.c (compiled into the kernel: ROMs).

   Hardware shape: one permutation is a straight pipeline of 30 rounds with
   the 12 lanes fully unrolled (ARRAY_PARTITION complete), so a new state
   enters every cycle (II=1) once the pipeline is full; see fpga/README.md
   for its depth and resources. */
#include "fpga/kernels/zs_kernels.h"

#include "fpga/kernels/zs_hls_gl.h"
#include "lib/poseidon/zs_poseidon_constants.h"

static uint64_t pow7(uint64_t x)
{
#pragma HLS INLINE
    uint64_t x2 = hgl_mul(x, x), x3 = hgl_mul(x2, x), x4 = hgl_mul(x2, x2);
    return hgl_mul(x3, x4);
}

/* s'[i] = sum_j A[12j+i] * s[j]. */
static void matmul12(uint64_t s[12], const uint64_t *A)
{
#pragma HLS INLINE
    uint64_t o[12];
#pragma HLS ARRAY_PARTITION variable = o complete
    for (int i = 0; i < 12; i++) {
#pragma HLS UNROLL
        uint64_t acc = 0;
        for (int j = 0; j < 12; j++) {
#pragma HLS UNROLL
            acc = hgl_add(acc, hgl_mul(s[j], A[12 * j + i]));
        }
        o[i] = acc;
    }
    for (int i = 0; i < 12; i++) {
#pragma HLS UNROLL
        s[i] = o[i];
    }
}

static void full_round(uint64_t s[12], const uint64_t *c)
{
#pragma HLS INLINE
    for (int i = 0; i < 12; i++) {
#pragma HLS UNROLL
        s[i] = hgl_add(pow7(s[i]), c[i]);
    }
}

static void permute(uint64_t s[12])
{
#pragma HLS INLINE
    const uint64_t *C = zs_poseidon_C;
    for (int i = 0; i < 12; i++) {
#pragma HLS UNROLL
        s[i] = hgl_add(s[i], C[i]);
    }
    for (int r = 0; r < 3; r++) {
#pragma HLS UNROLL
        full_round(s, C + 12 * (r + 1));
        matmul12(s, zs_poseidon_M);
    }
    full_round(s, C + 48);
    matmul12(s, zs_poseidon_P);
    for (int r = 0; r < 22; r++) {
#pragma HLS UNROLL
        const uint64_t *S = zs_poseidon_S + 23 * r;
        s[0] = hgl_add(pow7(s[0]), C[60 + r]);
        uint64_t s0 = 0;
        for (int j = 0; j < 12; j++) {
#pragma HLS UNROLL
            s0 = hgl_add(s0, hgl_mul(s[j], S[j]));
        }
        for (int i = 1; i < 12; i++) {
#pragma HLS UNROLL
            s[i] = hgl_add(s[i], hgl_mul(s[0], S[11 + i]));
        }
        s[0] = s0;
    }
    for (int r = 0; r < 3; r++) {
#pragma HLS UNROLL
        full_round(s, C + 82 + 12 * r);
        matmul12(s, zs_poseidon_M);
    }
    for (int i = 0; i < 12; i++) {
#pragma HLS UNROLL
        s[i] = pow7(s[i]);
    }
    matmul12(s, zs_poseidon_M);
}

void poseidon_gl(const uint64_t *in, uint64_t *out, uint32_t n)
{
#pragma HLS INTERFACE m_axi port = in offset = slave bundle = gmem0 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = out offset = slave bundle = gmem1 max_write_burst_length = 64
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = return
    for (uint32_t k = 0; k < ZS_K_MAX_JOBS; k++) {
#pragma HLS PIPELINE II = 12
        if (k >= n) break;
        uint64_t s[12];
#pragma HLS ARRAY_PARTITION variable = s complete
        for (int i = 0; i < 12; i++) s[i] = in[12 * (uint64_t)k + i];
        permute(s);
        for (int i = 0; i < 12; i++) out[12 * (uint64_t)k + i] = s[i];
    }
}

void merkle_level(const uint64_t *children, uint64_t *parents, uint32_t n, uint64_t cap0, uint64_t cap1,
                  uint64_t cap2, uint64_t cap3)
{
#pragma HLS INTERFACE m_axi port = children offset = slave bundle = gmem0 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = parents offset = slave bundle = gmem1 max_write_burst_length = 64
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = cap0
#pragma HLS INTERFACE s_axilite port = cap1
#pragma HLS INTERFACE s_axilite port = cap2
#pragma HLS INTERFACE s_axilite port = cap3
#pragma HLS INTERFACE s_axilite port = return
    for (uint32_t k = 0; k < ZS_K_MAX_JOBS; k++) {
#pragma HLS PIPELINE II = 12
        if (k >= n) break;
        uint64_t s[12];
#pragma HLS ARRAY_PARTITION variable = s complete
        for (int i = 0; i < 8; i++) s[i] = children[8 * (uint64_t)k + i];
        s[8] = cap0, s[9] = cap1, s[10] = cap2, s[11] = cap3;
        permute(s);
        for (int i = 0; i < 4; i++) parents[4 * (uint64_t)k + i] = s[i];
    }
}
