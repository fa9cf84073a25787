/* fft_g1: an FFT over BLS12-381's G1 (zs_kernels.h), the part of FK20's
   cell proofs an FFT over the scalar field cannot do: radix-2, decimation
   in time, inputs in bit-reversed order, each butterfly a scalar
   multiplication by its twiddle (double-and-add over the 255 bits; 1 skips
   it) and a full Jacobian addition and subtraction.  On the card the
   points stay in on-chip memory across the log_n stages (128 points x 144
   bytes).  The same C is the sim backend and the test bench's model
   (fpga/tb/test_fk20.c checks the cell proofs against c-kzg). */
#include "fpga/kernels/zs_hls_bls.h"
#include "fpga/kernels/zs_kernels.h"

#define MAXN (1u << ZS_K_FFT_G1_MAX_LOG)

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

static int is_one(const uint64_t *s)
{
    return s[0] == 1 && !s[1] && !s[2] && !s[3];
}

/* k * p, the scalar's bits from the top. */
static hb_g1 mul(hb_g1 p, const uint64_t *k)
{
    hb_g1 acc = hb_g1_inf();
    for (int bit = 255; bit >= 0; bit--) {
        acc = hb_g1_dbl(acc);
        if ((k[bit / 64] >> (bit % 64)) & 1) acc = hb_g1_add(acc, p);
    }
    return acc;
}

static hb_g1 neg(hb_g1 p)
{
    p.y = hb_sub((hb_fp){{0}}, p.y);
    return p;
}

void fft_g1(uint64_t *points, const uint64_t *twiddles, uint32_t log_n, const uint64_t *scale)
{
#pragma HLS INTERFACE m_axi port = points offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = twiddles offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = scale offset = slave bundle = gmem2
#pragma HLS INTERFACE s_axilite port = log_n
#pragma HLS INTERFACE s_axilite port = return
    static hb_g1 a[MAXN];
    if (log_n > ZS_K_FFT_G1_MAX_LOG) return;
    uint32_t n = 1u << log_n;
    for (uint32_t i = 0; i < n; i++) { /* in bit-reversed order */
        uint32_t r = 0;
        for (uint32_t b = 0; b < log_n; b++) r |= ((i >> b) & 1u) << (log_n - 1 - b);
        const uint64_t *w = points + 18 * r;
        a[i] = (hb_g1){load_fp(w), load_fp(w + 6), load_fp(w + 12)};
    }
    for (uint32_t len = 2; len <= n; len <<= 1) {
        uint32_t half = len / 2, step = n / len;
        for (uint32_t i = 0; i < n; i += len)
            for (uint32_t j = 0; j < half; j++) {
                const uint64_t *tw = twiddles + 4 * (j * step);
                hb_g1 t = is_one(tw) ? a[i + j + half] : mul(a[i + j + half], tw), u = a[i + j];
                a[i + j] = hb_g1_add(u, t);
                a[i + j + half] = hb_g1_add(u, neg(t));
            }
    }
    for (uint32_t i = 0; i < n; i++) {
        hb_g1 p = scale && !is_one(scale) ? mul(a[i], scale) : a[i];
        store_fp(p.x, points + 18 * i);
        store_fp(p.y, points + 18 * i + 6);
        store_fp(p.z, points + 18 * i + 12);
    }
}
