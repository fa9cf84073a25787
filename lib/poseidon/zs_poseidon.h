/* zs_poseidon: the Poseidon permutation over Goldilocks exactly as Polygon
   zkEVM computes it (width 12, rate 8, capacity 4, 8 full + 22 partial
   rounds, x^7), in the optimized form of Polygon's goldilocks library.

   The state is 12 canonical field elements (each < p).  Polygon's hash of
   8 inputs with a 4-element capacity is the permutation of
   [in0..in7, cap0..cap3], keeping elements 0..3.  Inputs that are not
   canonical are a caller bug (the tools check them first).

   The batch calls run many independent permutations: 8 at a time with
   AVX-512, 4 with AVX2, chosen at run time, bit-identical to the scalar
   code.  This is the unit of work the card takes.

   Thread safety: pure functions on caller-owned memory; any thread. */
#ifndef ZS_POSEIDON_H
#define ZS_POSEIDON_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_cpu.h"

#define ZS_POSEIDON_WIDTH 12
#define ZS_POSEIDON_RATE 8
#define ZS_POSEIDON_CAPACITY 4

/* zs_poseidon_permute permutes state in place. */
void zs_poseidon_permute(uint64_t state[12]);

/* zs_poseidon_hash: out = first 4 elements of permute(in[0..8) ++ cap[0..4)).
   out may alias in or cap. */
void zs_poseidon_hash(const uint64_t in[8], const uint64_t cap[4], uint64_t out[4]);

/* zs_poseidon_linear_hash is Polygon's linear hash of n elements (goldilocks
   linear_hash): n <= 4 copies the input and pads with zeros; otherwise a
   sponge over chunks of 8 whose capacity carries the previous output. */
void zs_poseidon_linear_hash(const uint64_t *in, size_t n, uint64_t out[4]);

/* zs_poseidon_permute_batch permutes n independent states in place. */
void zs_poseidon_permute_batch(uint64_t (*states)[12], size_t n);

/* zs_poseidon_hash_batch: out[i] = first 4 elements of permute(in[i]) for n
   full 12-element inputs (8 inputs then 4 capacity); in is not modified. */
void zs_poseidon_hash_batch(const uint64_t (*in)[12], uint64_t (*out)[4], size_t n);

/* Variants for tests and benchmarks: level must be supported. */
void zs_poseidon_permute_batch_with(zs_simd_t level, uint64_t (*states)[12], size_t n);
void zs_poseidon_permute_portable(uint64_t state[12]);
/* Permutations run so far by zs_poseidon_permute and the batch functions
   (all threads): benchmarks count the hashing a piece of work needs. */
uint64_t zs_poseidon_count(void);

/* zs_poseidon_hash_bytes: Polygon's linear Poseidon over bytes (commonjs
   linearPoseidon, hashContractBytecode): the bytes, 0x01, zeros to a
   multiple of 56 with the top bit of the last byte set, absorbed 56 bytes
   (8 elements of 7 little-endian bytes) per permutation with the previous
   output as capacity.  _many hashes n messages in lock step (batched
   permutations). */
void zs_poseidon_hash_bytes(const uint8_t *data, size_t n, uint64_t out[4]);
void zs_poseidon_hash_bytes_many(const uint8_t *const *msgs, const size_t *lens, size_t n, uint64_t (*out)[4]);

#endif
