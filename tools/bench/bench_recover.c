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

/* NTX signed EIP-155 transfers from NTX keys, with what the bare loop needs. */
static rctx_t *make_txs(void)
{
    rctx_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    for (int i = 0; i < NTX; i++) {
        uint8_t key[32], to[20];
        for (int b = 0; b < 32; b++) key[b] = (uint8_t)(i * 7 + b * 13 + 1);
        memset(to, i, 20);
        zs_tx_t tx;
        if (zs_tx_sign_transfer(&tx, key, 1001, (uint64_t)i, to,
                                (zs_u256_t[]){zs_u256_from_u64(1000000000000000ull + (uint64_t)i)}, 1000000000,
                                r->raw[i], sizeof r->raw[i], &r->len[i])) {
            free(r);
            return NULL;
        }
        memcpy(r->digest[i], tx.sighash, 32);
        memcpy(r->rs[i], tx.r, 32);
        memcpy(r->rs[i] + 32, tx.s, 32);
        r->recid[i] = tx.y_parity;
    }
    return r;
}

double bench_recovery_rate(const bench_opts_t *o)
{
    rctx_t *r = make_txs();
    double rate = r ? bench_rate(o, run_zkseq, r, 1) : 0;
    free(r);
    return rate;
}

void bench_recover(const bench_opts_t *o)
{
    rctx_t *r = make_txs();
    if (!r) {
        bench_note("recover", "could not sign the test transactions");
        return;
    }
    double bare, ours;
    bench_compare(o, run_zkseq, r, 1, run_bare, r, 1, &ours, &bare);
    bench_record("recover", "decode + hash + recover (EIP-155 transfer)", ours, "tx/s",
                 "bare libsecp256k1 ecdsa_recover loop", bare, 0.95, 0);
    free(r);
}
