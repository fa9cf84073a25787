/* bench_l1: what the L1 suites share (bench_l1gas.c, bench_l1blob.c): the
   anvil devnets tools/bench/run starts, JSON-RPC to them, and the L2 load
   simulated in L2 time and batched by the firmware's default policy. */
#ifndef BENCH_L1_H
#define BENCH_L1_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SENDERS 1000
#define L1_SLOT_S 12.0          /* an Ethereum slot */
#define L1_BLOCK_GAS 36000000.0 /* mainnet's block gas limit in 2025 */

typedef struct {
    char hardfork[32], rpc[128];
    uint16_t port;
    uint8_t rollup[20], ger[20], sequencer[20];
    uint8_t sequencer_key[32]; /* anvil's dev key (public), to sign blob transactions */
    int have_key;
} devnet_t;

typedef struct {
    uint8_t *data; /* all batches, back to back */
    size_t len, cap;
    size_t *off, *blen; /* per batch */
    double *sealed_ms;
    size_t n, ncap;
    uint64_t txs, blocks;
} sim_t;

/* A devnet's address file (tools/bench/l1-devnets.mjs): 0, or -1 with why. */
int l1_load_devnet(const char *path, devnet_t *d, char *why, size_t whylen);
/* One JSON-RPC call: its result (a reference), or NULL with why. */
json_t *l1_rpc(const devnet_t *d, const char *method, const char *params, char *why, size_t whylen);
uint64_t l1_hex_u64(json_t *v);
/* eth_call to `to` with 4+32*nargs bytes; the first 32 bytes of the answer. */
int l1_call32(const devnet_t *d, const uint8_t to[20], const char *sig, const uint64_t *args, size_t nargs,
              uint8_t out[32], char *why, size_t whylen);
/* Transfers at `rate` for `window_s` seconds of L2 time, batched by the
   firmware's default policy. */
int l1_simulate(sim_t *s, double rate, double window_s, uint64_t *nonces, const uint8_t (*keys)[32]);

/* The blob suite at one rate on one devnet (bench_l1blob.c), on the same
   simulated load the calldata suite posted; fill_wait_ms: held as the
   firmware's blob_fill_wait_ms holds it (0: off). */
void bench_l1blob_rate(const devnet_t *d, const sim_t *s, double rate, double window_s, uint32_t fill_wait_ms);

#endif
