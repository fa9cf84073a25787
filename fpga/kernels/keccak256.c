/* keccak256_batch: Keccak-256 (Ethereum's: pad 0x01 .. 0x80, rate 136
   bytes = 17 lanes) of many messages.  One Keccak-f[1600] round per cycle:
   the 24 rounds of a block take 24 cycles (the round loop pipelined at
   II=1 with the state in registers), blocks of a message are serial, and
   messages are independent (several compute units run side by side). */
#include "fpga/kernels/zs_kernels.h"

#include "lib/keccak/zs_keccak_rc.h"

#define RATE_WORDS 17

/* The round constants: lib/keccak's table (a ROM in hardware). */
#define RC zs_keccak_rc

/* Rotation offsets and the pi permutation, by lane index x + 5y. */
static const uint8_t ROT[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

static uint64_t rotl(uint64_t v, unsigned r)
{
#pragma HLS INLINE
    return r ? (v << r) | (v >> (64 - r)) : v;
}

static void keccak_f1600(uint64_t a[25])
{
#pragma HLS INLINE off
    for (int round = 0; round < 24; round++) {
#pragma HLS PIPELINE II = 1
        uint64_t c[5], d[5], b[25];
#pragma HLS ARRAY_PARTITION variable = c complete
#pragma HLS ARRAY_PARTITION variable = d complete
#pragma HLS ARRAY_PARTITION variable = b complete
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        /* theta, rho and pi: lane (x, y) goes to (y, 2x + 3y). */
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y] ^ d[x], ROT[x + 5 * y]);
        /* chi and iota. */
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= RC[round];
    }
}

void keccak256_batch(const uint64_t *data, const uint32_t *lens, uint64_t *out, uint32_t n, uint32_t slot_words)
{
#pragma HLS INTERFACE m_axi port = data offset = slave bundle = gmem0 max_read_burst_length = 32
#pragma HLS INTERFACE m_axi port = lens offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = out offset = slave bundle = gmem2
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = slot_words
#pragma HLS INTERFACE s_axilite port = return
    for (uint32_t k = 0; k < ZS_K_MAX_JOBS; k++) {
        if (k >= n) break;
        const uint64_t *msg = data + (uint64_t)slot_words * k;
        uint32_t len = lens[k];
        uint64_t a[25];
#pragma HLS ARRAY_PARTITION variable = a complete
        for (int i = 0; i < 25; i++) a[i] = 0;
        /* Whole blocks, then the padded last one (always present). */
        uint32_t blocks = len / (8 * RATE_WORDS) + 1;
        for (uint32_t blk = 0; blk < ZS_K_KECCAK_MAX_WORDS / RATE_WORDS; blk++) {
            if (blk >= blocks) break;
            for (int w = 0; w < RATE_WORDS; w++) {
#pragma HLS PIPELINE II = 1
                uint32_t at = (blk * RATE_WORDS + (uint32_t)w) * 8; /* first byte of this word */
                uint64_t v = 0;
                if (at + 8 <= len) {
                    v = msg[blk * RATE_WORDS + (uint32_t)w];
                } else if (at < len) { /* the message's last bytes, then the pad byte */
                    uint64_t m = msg[blk * RATE_WORDS + (uint32_t)w];
                    uint32_t keep = len - at;
                    v = (m & ((1ull << (8 * keep)) - 1)) | (0x01ull << (8 * keep));
                } else if (at == len) {
                    v = 0x01;
                }
                if (blk == blocks - 1 && w == RATE_WORDS - 1) v ^= 0x80ull << 56;
                a[w] ^= v;
            }
            keccak_f1600(a);
        }
        for (int i = 0; i < 4; i++) out[4 * (uint64_t)k + i] = a[i];
    }
}
