/* msm_g1: the multi-scalar multiplications of a blob's KZG work over
   BLS12-381's G1 (Pippenger: 8-bit windows, 32 windows of 255 buckets, for
   the commitment's 4,096 points; 4-bit windows, 64 of 15 buckets, for
   FK20's 128 sums of 64 points).  On the card the bases are the trusted
   setup's tables, loaded once into DDR (the Lagrange points, FK20's
   columns); the host streams the scalars.  The same C is the sim backend
   and the test benches' model (fpga/tb/test_msm.c, test_fk20.c check it
   against c-kzg). */
#include "fpga/kernels/zs_hls_bls.h"
#include "fpga/kernels/zs_kernels.h"

#define MAX_BUCKETS 255 /* 8-bit windows */

static hb_fp load_fp(const uint64_t *w)
{
    hb_fp a;
    for (int i = 0; i < HB_N / 2; i++) {
        a.l[2 * i] = (uint32_t)w[i];
        a.l[2 * i + 1] = (uint32_t)(w[i] >> 32);
    }
    return a;
}

static void store_fp(hb_fp a, uint64_t *w)
{
    for (int i = 0; i < HB_N / 2; i++) w[i] = (uint64_t)a.l[2 * i] | (uint64_t)a.l[2 * i + 1] << 32;
}

void msm_g1(const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n, uint32_t wbits)
{
#pragma HLS INTERFACE m_axi port = bases offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = scalars offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = out offset = slave bundle = gmem2
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = wbits
#pragma HLS INTERFACE s_axilite port = return
    static hb_g1 bucket[MAX_BUCKETS];
    const unsigned window = wbits == 4 ? 4 : 8, nbuckets = (1u << window) - 1;
    hb_g1 acc = hb_g1_inf();
    for (int w = (int)(256 / window) - 1; w >= 0; w--) {
        for (unsigned d = 0; d < window; d++) acc = hb_g1_dbl(acc);
        for (uint32_t b = 0; b < nbuckets; b++) bucket[b] = hb_g1_inf();
        for (uint32_t i = 0; i < n && i < ZS_K_MSM_MAX_POINTS; i++) {
            unsigned bit = (unsigned)w * window;
            unsigned digit = (unsigned)(scalars[4 * i + bit / 64] >> (bit % 64)) & nbuckets;
            if (!digit) continue;
            hb_g1a q = {load_fp(bases + 12 * i), load_fp(bases + 12 * i + 6)};
            bucket[digit - 1] = hb_g1_madd(bucket[digit - 1], &q);
        }
        /* sum_k k * bucket[k-1] as running sums from the top */
        hb_g1 run = hb_g1_inf(), sum = hb_g1_inf();
        for (int k = (int)nbuckets; k >= 1; k--) {
            run = hb_g1_add(run, bucket[k - 1]);
            sum = hb_g1_add(sum, run);
        }
        acc = hb_g1_add(acc, sum);
    }
    store_fp(acc.x, out);
    store_fp(acc.y, out + 6);
    store_fp(acc.z, out + 12);
}
