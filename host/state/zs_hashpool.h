/* zs_hashpool: the CPU hasher for big batches, spread over the cores.
   A level of the tree in a block's commit holds thousands of independent
   permutations; one helper thread per extra core takes a share of each
   large batch while the caller does its own.  Small batches, and callers
   that find the helpers busy with another batch, hash on their own thread.
   Thread safety: any thread; the helpers start on first use. */
#ifndef ZS_HASHPOOL_H
#define ZS_HASHPOOL_H

#include <stddef.h>
#include <stdint.h>

/* out[i] = first four elements of Poseidon(in[i]), as zs_poseidon_hash_batch. */
void zs_hashpool_hash(const uint64_t (*in)[12], uint64_t (*out)[4], size_t n);

/* Helpers in use (0 on a single core). */
unsigned zs_hashpool_helpers(void);

#endif
