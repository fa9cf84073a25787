/* Polygon zkEVM's Poseidon-Goldilocks constants in optimized form.  Internal
   to lib/poseidon (and fpga/ kernels, which share them).  Canonical values. */
#ifndef ZS_POSEIDON_CONSTANTS_H
#define ZS_POSEIDON_CONSTANTS_H
#include <stdint.h>

extern const uint64_t zs_poseidon_C[118];
extern const uint64_t zs_poseidon_M[144];
extern const uint64_t zs_poseidon_P[144];
extern const uint64_t zs_poseidon_S[506];

#endif
