/* The many-lane Keccak-256 sponge, written once for any vector of LANES
   64-bit lanes.  Internal; the includer defines the KT operations (see
   zs_keccak_round.h) plus:
     LANES               lanes per vector
     KZERO()             an all-zero KT
     KLOAD(ptrs, off)    a KT whose lane l is the 64-bit word at ptrs[l] + off
     KSTORE_U(p, v)      store v's LANES words to p
     MULTI               the name of the function to define
   Each lane hashes its own message; lanes that finish early keep being
   permuted (harmlessly) until the longest message is done, and their digest
   is taken right after their own last block. */
#include "lib/keccak/zs_keccak_internal.h"
#include "lib/keccak/zs_keccak_rc.h"

static const uint8_t zs_keccak_zero_block[136];

void MULTI(const uint8_t *const msgs[LANES], const size_t lens[LANES], uint8_t (*out[LANES])[32])
{
    KT s[25];
    for (int i = 0; i < 25; i++) s[i] = KZERO();
    size_t nb[LANES], maxb = 0;
    for (int l = 0; l < LANES; l++) {
        nb[l] = zs_keccak_blocks(lens[l]);
        if (nb[l] > maxb) maxb = nb[l];
    }
    uint8_t pad[LANES][136];
    for (size_t k = 0; k < maxb; k++) {
        const uint8_t *blk[LANES];
        int any_last = 0;
        for (int l = 0; l < LANES; l++) {
            if (k < nb[l])
                any_last |= zs_keccak_lane_block(msgs[l], lens[l], k, &blk[l], pad[l]);
            else
                blk[l] = zs_keccak_zero_block;
        }
        for (int w = 0; w < 17; w++) s[w] = KXOR(s[w], KLOAD(blk, 8 * w));
        keccak_multi_permute(s);
        if (any_last) {
            uint64_t words[4][LANES];
            for (int w = 0; w < 4; w++) KSTORE_U(words[w], s[w]);
            for (int l = 0; l < LANES; l++) {
                if (k + 1 != nb[l]) continue;
                for (int w = 0; w < 4; w++) memcpy(*out[l] + 8 * w, &words[w][l], 8);
            }
        }
    }
}
