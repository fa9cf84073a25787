/* Declarations shared between lib/keccak's files.  Internal. */
#ifndef ZS_KECCAK_INTERNAL_H
#define ZS_KECCAK_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

void zs_keccak256_oneshot_portable(const uint8_t *p, size_t n, uint8_t out[32]);
void zs_keccak256_oneshot_bmi(const uint8_t *p, size_t n, uint8_t out[32]);
void zs_keccak256_oneshot_avx512(const uint8_t *p, size_t n, uint8_t out[32]);

/* zs_keccak_lane_block points *blk at message bytes [136k, 136k+136) when the
   block is whole and not the last, else builds the padded final block in
   pad[136].  Returns 1 when block k is the message's last. */
static inline int zs_keccak_lane_block(const uint8_t *msg, size_t len, size_t k,
                                       const uint8_t **blk, uint8_t pad[136])
{
    size_t nfull = len / 136; /* whole blocks before the padded one */
    if (k < nfull) {
        *blk = msg + 136 * k;
        return 0;
    }
    size_t rem = len - 136 * nfull;
    for (size_t i = 0; i < 136; i++) pad[i] = 0;
    for (size_t i = 0; i < rem; i++) pad[i] = msg[136 * nfull + i];
    pad[rem] ^= 0x01;
    pad[135] ^= 0x80;
    *blk = pad;
    return 1;
}

/* Number of permutations a message of len bytes needs. */
static inline size_t zs_keccak_blocks(size_t len)
{
    return len / 136 + 1;
}
#endif
