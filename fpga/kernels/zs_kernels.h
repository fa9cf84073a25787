/* The card's kernels, as the host (drivers/card) and the C simulation
   (fpga/tb) call them.  Each is synthesizable Vitis HLS C: fixed-bound
   loops, `#pragma HLS` lines a normal compiler ignores, AXI4 master ports
   for the buffers (one bundle each, so they burst independently) and an
   AXI4-Lite control port for the scalars.  The same C runs on the CPU in
   the `sim` backend and in the test benches, bit for bit as in hardware.

   Buffers are arrays of 64-bit little-endian words, as they sit in the
   card's DDR after a host-to-card DMA.  Design notes: fpga/README.md. */
#ifndef ZS_KERNELS_H
#define ZS_KERNELS_H

#include <stdint.h>

/* Largest batch one call takes (the loop bound synthesis sees). */
#define ZS_K_MAX_JOBS (1u << 24)

/* poseidon_gl: out[12i..12i+12) = Poseidon-Goldilocks permutation of
   in[12i..12i+12), for i < n.  in and out may be the same buffer. */
void poseidon_gl(const uint64_t *in, uint64_t *out, uint32_t n);

/* merkle_level: one level of a 4-element-node tree: parents[4i..4i+4) =
   the first 4 elements of permute(children[8i..8i+8) ++ cap), i < n (the
   node hash of Polygon's sparse Merkle tree with capacity cap). */
void merkle_level(const uint64_t *children, uint64_t *parents, uint32_t n, uint64_t cap0, uint64_t cap1,
                  uint64_t cap2, uint64_t cap3);

/* keccak256_batch: message i is lens[i] bytes in words
   data[slot_words*i ..), little-endian; its Keccak-256 digest goes to
   out[4i..4i+4) (the digest's bytes in order, little-endian words).
   lens[i] < 8 * slot_words is required; slot_words <= ZS_K_KECCAK_MAX_WORDS. */
#define ZS_K_KECCAK_MAX_WORDS 17408 /* 139,264 bytes: 1,024 blocks */
void keccak256_batch(const uint64_t *data, const uint32_t *lens, uint64_t *out, uint32_t n, uint32_t slot_words);

/* ntt_gl: one pass of a radix-2 number-theoretic transform over Goldilocks
   on a[0 .. 2^log_n), in place.  pass 0 is the bit-reversal permutation;
   pass s (1..log_n) is the s-th Cooley-Tukey butterfly stage, with
   twiddles tw[k] = w^k for k < 2^(log_n-1), w a primitive 2^log_n-th root
   of unity (its inverse for the inverse transform).  A full transform is
   passes 0, 1, .., log_n; log_n <= ZS_K_NTT_MAX_LOG. */
#define ZS_K_NTT_MAX_LOG 24
void ntt_gl(uint64_t *a, const uint64_t *tw, uint32_t log_n, uint32_t pass);

/* msm_g1: out = sum_i scalars[i] * bases[i] over BLS12-381's G1: bases
   are affine points (x then y, each 6 words: twelve 32-bit limbs in
   Montgomery form, R = 2^384), scalars 4 words each (little-endian, below
   2^256), out the Jacobian sum (X, Y, Z: 18 words; Z = 0 for infinity).
   n <= ZS_K_MSM_MAX_POINTS (a blob: 4,096); wbits 8 (many points) or 4
   (few: FK20's 64). */
#define ZS_K_MSM_MAX_POINTS 8192
void msm_g1(const uint64_t *bases, const uint64_t *scalars, uint64_t *out, uint32_t n, uint32_t wbits);

/* fft_g1: the FFT of 2^log_n Jacobian points (18 words each, as msm_g1's
   out) in place, out[k] = sum_j in[j] * w^(jk), twiddles[j] = w^j for
   j < 2^(log_n - 1) (4 words each, canonical little-endian scalars); then
   every point times `scale` (4 words) unless scale is NULL or 1: the inverse
   transform is the forward one with w^-1 and scale 1/n.  FK20's cell proofs
   are two of them (size 128) around 128 small MSMs.  log_n <=
   ZS_K_FFT_G1_MAX_LOG. */
#define ZS_K_FFT_G1_MAX_LOG 8
void fft_g1(uint64_t *points, const uint64_t *twiddles, uint32_t log_n, const uint64_t *scale);

#endif
