/* Sender recovery: zkseq's decode + hash + recover per transaction against a
   bare libsecp256k1 recovery loop over the same signatures. */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

#define NTX 512

typedef struct {
    uint8_t raw[NTX][128];
    size_t len[NTX];
    uint8_t digest[NTX][32];
    uint8_t rs[NTX][64];
    int recid[NTX];
    uint8_t sink;
} rctx_t;

static void run_bare(void *a, uint64_t iters)
{
    rctx_t *r = a;
    const secp256k1_context *ctx = secp256k1_context_static;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % NTX;
        secp256k1_ecdsa_recoverable_signature sig;
        secp256k1_pubkey pub;
        if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, r->rs[k], r->recid[k]) &&
            secp256k1_ecdsa_recover(ctx, &pub, &sig, r->digest[k]))
            r->sink ^= pub.data[0];
    }
}

static void run_zkseq(void *a, uint64_t iters)
{
    rctx_t *r = a;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % NTX;
        zs_tx_t tx;
        zs_perr_t e;
        uint8_t sender[20];
        if (zs_tx_decode(r->raw[k], r->len[k], &tx, &e) == 0 && zs_tx_recover(&tx, sender) == 0) r->sink ^= sender[0];
    }
}

void bench_recover(const bench_opts_t *o)
{
    rctx_t *r = calloc(1, sizeof *r);
    for (int i = 0; i < NTX; i++) {
        uint8_t key[32];
        for (int b = 0; b < 32; b++) key[b] = (uint8_t)(i * 7 + b * 13 + 1);
        zs_tx_t tx = {0};
        tx.type = ZS_TX_LEGACY;
        tx.has_chain_id = 1;
        tx.chain_id = 1001;
        tx.nonce = (uint64_t)i;
        tx.gas = 21000;
        tx.gas_price = zs_u256_from_u64(1000000000);
        tx.has_to = 1;
        memset(tx.to, i, 20);
        tx.value = zs_u256_from_u64(1000000000000000ull + (uint64_t)i);
        if (zs_tx_sign(&tx, key, r->raw[i], sizeof r->raw[i], &r->len[i])) {
            bench_note("recover", "could not sign the test transactions");
            free(r);
            return;
        }
        memcpy(r->digest[i], tx.sighash, 32);
        memcpy(r->rs[i], tx.r, 32);
        memcpy(r->rs[i] + 32, tx.s, 32);
        r->recid[i] = tx.y_parity;
    }
    double bare, ours;
    bench_compare(o, run_zkseq, r, 1, run_bare, r, 1, &ours, &bare);
    bench_record("recover", "decode + hash + recover (EIP-155 transfer)", ours, "tx/s",
                 "bare libsecp256k1 ecdsa_recover loop", bare, 0.95, 0);
    free(r);
}
