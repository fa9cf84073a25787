/* zs_keccak: Keccak-256 as Ethereum uses it (Keccak[r=1088, c=512] with the
   original 0x01 padding, not SHA3-256's 0x06).

   Three ways in:
   - one-shot:  zs_keccak256(data, n, out)
   - streaming: zs_keccak256_init / _update / _final on a caller-owned context
   - batch:     zs_keccak256_batch hashes many independent messages at once,
                8 lanes at a time with AVX-512, 4 with AVX2, chosen at run time
                (zs_cpu); the digests are bit-identical to the one-shot path.

   Thread safety: every function is pure or works only on caller-owned memory;
   a context must not be used by two threads at once.  Nothing allocates. */
#ifndef ZS_KECCAK_H
#define ZS_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_cpu.h"

#define ZS_KECCAK256_RATE 136 /* bytes absorbed per permutation */

typedef struct {
    uint64_t state[25];
    uint8_t buf[ZS_KECCAK256_RATE];
    size_t buffered; /* bytes in buf, < RATE */
} zs_keccak256_t;

/* zs_keccak_f1600 applies the 24-round permutation to state in place. */
void zs_keccak_f1600(uint64_t state[25]);

/* zs_keccak256 hashes n bytes at data (data may be NULL when n is 0) into
   out[32]. */
void zs_keccak256(const void *data, size_t n, uint8_t out[32]);

void zs_keccak256_init(zs_keccak256_t *ctx);
void zs_keccak256_update(zs_keccak256_t *ctx, const void *data, size_t n);
/* zs_keccak256_final writes the digest; the context must be re-initialised
   before further use. */
void zs_keccak256_final(zs_keccak256_t *ctx, uint8_t out[32]);

/* zs_keccak256_batch hashes n messages: msgs[i] points at lens[i] bytes, the
   digest goes to out[i].  Messages may have different lengths (lanes with
   equal lengths run best).  out may not overlap the inputs. */
void zs_keccak256_batch(const uint8_t *const *msgs, const size_t *lens, size_t n,
                        uint8_t (*out)[32]);

/* zs_keccak256_batch_fixed hashes n messages of msg_len bytes each, stored
   back to back at data (message i at data + i*msg_len). */
void zs_keccak256_batch_fixed(const uint8_t *data, size_t msg_len, size_t n, uint8_t (*out)[32]);

/* Variants, for tests and benchmarks.  The batch variants hash up to their
   lane count per call and must only be called when zs_cpu_has() says so. */
void zs_keccak_f1600_portable(uint64_t state[25]);
void zs_keccak_f1600_bmi(uint64_t state[25]);    /* BMI1/2 build; needs ZS_SIMD_AVX2 */
void zs_keccak256_x4_avx2(const uint8_t *const msgs[4], const size_t lens[4], uint8_t (*out[4])[32]);
void zs_keccak256_x8_avx512(const uint8_t *const msgs[8], const size_t lens[8], uint8_t (*out[8])[32]);
/* zs_keccak256_batch_with forces one implementation level. */
void zs_keccak256_batch_with(zs_simd_t level, const uint8_t *const *msgs, const size_t *lens,
                             size_t n, uint8_t (*out)[32]);

#endif
