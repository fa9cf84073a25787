/* zs_bn254: the BN254 (alt_bn128) curve as Ethereum's precompiles 6, 7
   and 8 use it (EIP-196, EIP-197): G1 addition and scalar multiplication,
   and the optimal ate pairing check over G1 x G2.

   Encodings are Ethereum's: big-endian 32-byte field elements; a G1 point
   is x || y, (0, 0) is the point at infinity; a G2 point is
   x_imaginary || x_real || y_imaginary || y_real.  Coordinates must be below
   the field modulus and points on their curve; G2 points must also lie in
   the order-r subgroup.  Any other input is refused (nonzero return).

   There is no Debian library for this curve, so it is written here:
   Montgomery arithmetic in Fp (four 64-bit limbs), the tower Fp2 = Fp[u] /
   (u^2 + 1), Fp6 = Fp2[v] / (v^3 - (9 + u)), Fp12 = Fp6[w] / (w^2 - v),
   Jacobian G1 and G2, a Miller loop over 6x + 2 with affine line functions,
   and the final exponentiation.  None of it is constant time: every input
   here is public (transaction data), no secret ever reaches it.

   Pure functions; any thread (constants are computed once, thread-safely). */
#ifndef ZS_BN254_H
#define ZS_BN254_H

#include <stddef.h>
#include <stdint.h>

/* ecAdd: in = two G1 points (128 bytes), out = their sum (64 bytes). */
int zs_bn254_add(const uint8_t in[128], uint8_t out[64]);
/* ecMul: in = a G1 point and a 32-byte scalar (96 bytes), out = 64 bytes. */
int zs_bn254_mul(const uint8_t in[96], uint8_t out[64]);
/* ecPairing: in = n pairs of (G1 64 bytes, G2 128 bytes); *ok = 1 when the
   product of the pairings is one (0 pairs: 1). */
int zs_bn254_pairing(const uint8_t *in, size_t n, int *ok);

#endif
