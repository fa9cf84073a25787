/* Polygon's linear Poseidon over bytes (commonjs linearPoseidon, the
   executor's hashContractBytecode): moved here from host/state so that
   lib/blob can hash batches and blobs with it. */
#include <string.h>

#include "lib/poseidon/zs_poseidon.h"

/* One 56-byte chunk of the padded message as 8 elements. */
static void bytecode_chunk(const uint8_t *code, size_t n, size_t padded, size_t chunk,
                           uint64_t s[8])
{
    for (int e = 0; e < 8; e++) {
        uint64_t v = 0;
        for (int b = 0; b < 7; b++) {
            size_t pos = chunk + 7 * (size_t)e + (size_t)b;
            uint8_t byte = pos < n ? code[pos] : pos == n ? 0x01 : 0;
            if (pos == padded - 1)
                byte |= 0x80;
            v |= (uint64_t)byte << (8 * b);
        }
        s[e] = v;
    }
}

void zs_poseidon_hash_bytes_many(const uint8_t *const *msgs, const size_t *lens, size_t n,
                               uint64_t (*out)[4])
{
    /* Lock step: the j-th chunk of every message that has one, in one
       batch of permutations. */
    uint64_t st[32][12];
    size_t idx[32];
    for (size_t base = 0; base < n; base += 32) {
        size_t m = n - base < 32 ? n - base : 32;
        size_t most = 0;
        for (size_t i = 0; i < m; i++) {
            size_t padded = (lens[base + i] + 1 + 55) / 56 * 56;
            if (padded > most)
                most = padded;
            memset(out[base + i], 0, 32);
        }
        for (size_t chunk = 0; chunk < most; chunk += 56) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++) {
                size_t len = lens[base + i], padded = (len + 1 + 55) / 56 * 56;
                if (chunk >= padded)
                    continue;
                bytecode_chunk(msgs[base + i], len, padded, chunk, st[k]);
                memcpy(st[k] + 8, out[base + i], 32);
                idx[k++] = base + i;
            }
            zs_poseidon_permute_batch(st, k);
            for (size_t i = 0; i < k; i++)
                memcpy(out[idx[i]], st[i], 32);
        }
    }
}

void zs_poseidon_hash_bytes(const uint8_t *code, size_t n, uint64_t out[4])
{
    /* Padding: 0x01 after the code, zeros to a multiple of 56 bytes, and the
       top bit of the last byte set. */
    size_t padded = (n + 1 + 55) / 56 * 56;
    uint64_t h[4] = {0};
    for (size_t chunk = 0; chunk < padded; chunk += 56) {
        uint64_t s[12];
        bytecode_chunk(code, n, padded, chunk, s);
        memcpy(s + 8, h, 32);
        zs_poseidon_permute(s);
        memcpy(h, s, 32);
    }
    memcpy(out, h, 32);
}

