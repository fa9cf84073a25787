/* ntt_gl: the prover's number-theoretic transform over Goldilocks, one pass
   per call: the bit-reversal permutation (pass 0) or one radix-2
   Cooley-Tukey stage (pass s: butterflies of span 2^(s-1)).  One butterfly
   (a multiply, an add, a subtract) per cycle at II=1; the host (or a
   sequencer kernel later) runs passes 0..log_n.  Larger radices and an
   on-chip buffer for the first stages are the next steps (fpga/README.md). */
#include "fpga/kernels/zs_kernels.h"

#include "fpga/kernels/zs_hls_gl.h"

static uint32_t bitrev(uint32_t v, uint32_t bits)
{
#pragma HLS INLINE
    uint32_t r = 0;
    for (int i = 0; i < ZS_K_NTT_MAX_LOG; i++) {
#pragma HLS UNROLL
        if ((uint32_t)i < bits) r |= ((v >> i) & 1u) << (bits - 1 - (uint32_t)i);
    }
    return r;
}

void ntt_gl(uint64_t *a, const uint64_t *tw, uint32_t log_n, uint32_t pass)
{
#pragma HLS INTERFACE m_axi port = a offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = tw offset = slave bundle = gmem1
#pragma HLS INTERFACE s_axilite port = log_n
#pragma HLS INTERFACE s_axilite port = pass
#pragma HLS INTERFACE s_axilite port = return
    if (log_n > ZS_K_NTT_MAX_LOG || pass > log_n) return;
    uint32_t n = 1u << log_n;
    if (pass == 0) {
        for (uint32_t i = 0; i < (1u << ZS_K_NTT_MAX_LOG); i++) {
#pragma HLS PIPELINE II = 2
            if (i >= n) break;
            uint32_t j = bitrev(i, log_n);
            if (i < j) {
                uint64_t t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }
        return;
    }
    uint32_t half = 1u << (pass - 1), shift = log_n - pass;
    for (uint32_t b = 0; b < (1u << (ZS_K_NTT_MAX_LOG - 1)); b++) {
#pragma HLS PIPELINE II = 1
#pragma HLS DEPENDENCE variable = a inter false
        if (b >= n / 2) break;
        uint32_t j = b & (half - 1), group = b >> (pass - 1);
        uint32_t i0 = (group << pass) + j, i1 = i0 + half;
        uint64_t w = tw[j << shift];
        uint64_t u = a[i0], t = hgl_mul(w, a[i1]);
        a[i0] = hgl_add(u, t);
        a[i1] = hgl_sub(u, t);
    }
}
