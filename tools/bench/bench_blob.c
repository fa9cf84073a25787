/* Blobs: the KZG work of one blob (its commitment and EIP-7594's 128 cell
   proofs) on one core through c-kzg-4844, against what the chain needs:
   the blobs per second that 1,000 transfers per second fill, from the bytes
   a signed transfer takes in batchL2Data (a block entry per 100 transfers)
   and the bytes a blob carries in Polygon's layout.  The ratio says whether
   one core keeps up.  The blob is made of real batches (Polygon's layout of
   signed transfers), as the firmware will post them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/card/zs_card.h"
#include "lib/batch/zs_batch.h"
#include "lib/blob/zs_blob.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

#define TX_PER_BLOCK 100

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A batch of signed transfers as the sequencer encodes it; its length. */
static size_t transfer_batch(uint8_t *out, size_t cap, size_t ntx)
{
    size_t len = 0;
    uint8_t key[32], to[20], raw[256];
    memset(to, 0x42, 20);
    for (size_t i = 0; i < ntx && len + 300 < cap; i++) {
        if (i % TX_PER_BLOCK == 0) {
            long k = zs_batch_encode_change_l2_block(1, 0, out + len, cap - len);
            if (k < 0) break;
            len += (size_t)k;
        }
        for (int b = 0; b < 32; b++) key[b] = (uint8_t)(i * 31 + (size_t)b + 1);
        zs_tx_t tx;
        size_t rl;
        zs_u256_t v = zs_u256_from_u64(1000000000000000ull + i);
        if (zs_tx_sign_transfer(&tx, key, 1001, i, to, &v, 1000000000, raw, sizeof raw, &rl)) break;
        long k = zs_batch_encode_tx(&tx, 0xff, out + len, cap - len);
        if (k < 0) break;
        len += (size_t)k;
    }
    return len;
}

/* Median seconds of `runs` calls of the blob's commitment + cells. */
static double kzg_seconds(const zs_kzg_t *k, const uint8_t *blob, int runs, double *commit_s)
{
    uint8_t c[48], (*proofs)[48] = malloc(ZS_KZG_CELLS * 48);
    double t[16], tc[16];
    if (!proofs) return 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        if (zs_kzg_commit(k, blob, c)) break;
        double t1 = now_s();
        if (zs_kzg_cells(k, blob, NULL, proofs)) break;
        t[r] = now_s() - t0;
        tc[r] = t1 - t0;
    }
    free(proofs);
    for (int i = 0; i < runs; i++) /* sort both for the medians */
        for (int j = i + 1; j < runs; j++) {
            if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
            if (tc[j] < tc[i]) { double x = tc[i]; tc[i] = tc[j]; tc[j] = x; }
        }
    *commit_s = tc[runs / 2];
    return t[runs / 2];
}

/* Blobs per second through the card's cpu backend: `n` one-blob jobs in
   flight on its worker pool (the trusted setup loaded by a first job). */
static double card_rate(const uint8_t *blob, int n)
{
    char err[200];
    zs_card_t *c = zs_card_open("cpu", NULL, err, sizeof err);
    if (!c) return 0;
    zs_card_buf_t *in[16], *out[16];
    uint64_t t[16];
    double rate = 0;
    for (int i = 0; i < n; i++) {
        in[i] = zs_card_alloc(c, ZS_CARD_KZG_IN);
        out[i] = zs_card_alloc(c, ZS_CARD_KZG_OUT);
        if (!in[i] || !out[i]) goto out;
        memcpy(zs_card_map(in[i]), blob, ZS_CARD_KZG_IN);
    }
    zs_card_job_t warm = {.kernel = ZS_CARD_KZG_BLOB, .in = in[0], .out = out[0], .n = 1};
    if (zs_card_submit(c, &warm, &t[0]) || zs_card_wait(c, t[0], 60000)) goto out;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        zs_card_job_t j = {.kernel = ZS_CARD_KZG_BLOB, .in = in[i], .out = out[i], .n = 1};
        if (zs_card_submit(c, &j, &t[i])) goto out;
    }
    for (int i = 0; i < n; i++)
        if (zs_card_wait(c, t[i], 60000)) goto out;
    rate = n / (now_s() - t0);
out:
    zs_card_close(c);
    return rate;
}

/* ---- The card's KZG work as designed (fpga/README.md's model: operation
   counts of the kernels' own loops, not a measurement). */

/* Fp multiplications (squares counted as multiplications) of zs_hls_bls.h's
   G1 formulas: mixed addition, Jacobian addition, doubling. */
#define M_MADD 11.0
#define M_ADD 16.0
#define M_DBL 7.0
#define MODEL_MULTIPLIERS 7.0 /* pipelined 381-bit Montgomery units, ~1,150 DSP48E2 each, on a U250 */
#define MODEL_HZ 300e6
#define MODEL_UTILIZATION 0.7 /* bucket read-after-write stalls */

/* msm_g1 over n points with w-bit windows. */
static double msm_muls(double n, double w)
{
    double windows = 256.0 / w, buckets = pow(2.0, w) - 1.0;
    return 256.0 * M_DBL + windows * (n * buckets / (buckets + 1.0) * M_MADD + (2.0 * buckets + 1.0) * M_ADD);
}

/* fft_g1 of 2^log_n points: the butterflies whose twiddle is not one
   multiply by a 255-bit scalar (256 doublings, ~128 additions). */
static double fft_muls(int log_n, int scaled)
{
    double n = pow(2.0, log_n), butterflies = n / 2.0 * log_n, trivial = n - 1.0;
    double mul = 256.0 * M_DBL + 128.0 * M_ADD;
    return (butterflies - trivial) * mul + butterflies * 2.0 * M_ADD + (scaled ? n * mul : 0.0);
}

static void card_model(void)
{
    double commit = msm_muls(4096, 8), cells = 128.0 * msm_muls(64, 4) + fft_muls(7, 1) + fft_muls(7, 0);
    double rate = MODEL_MULTIPLIERS * MODEL_HZ * MODEL_UTILIZATION;
    bench_record("blob", "the card as designed: the commitment (model)", commit / rate * 1e3, "ms", NULL, 0, 0, 0);
    bench_record("blob", "the card as designed: commitment + 128 cell proofs (model)", (commit + cells) / rate * 1e3,
                 "ms", "goal", 5.0, 5.0, 2);
    char note[400];
    snprintf(note, sizeof note,
             "card model: %.2fM Fp multiplications per blob (commitment %.2fM, FK20's 128 MSMs %.2fM, two G1 FFTs "
             "%.2fM) on %.0f multipliers at %.0f MHz, %.0f%% busy",
             (commit + cells) / 1e6, commit / 1e6, 128.0 * msm_muls(64, 4) / 1e6,
             (fft_muls(7, 1) + fft_muls(7, 0)) / 1e6, MODEL_MULTIPLIERS, MODEL_HZ / 1e6, MODEL_UTILIZATION * 100);
    bench_note("blob", note);
}

void bench_blob(const bench_opts_t *o)
{
    /* Transfers per blob: the blob's bytes over a transfer's bytes. */
    size_t ntx = 1000, cap = 400 * ntx;
    uint8_t *batch = malloc(cap), *blob = malloc(ZS_BLOB_BYTES);
    if (!batch || !blob) return;
    size_t blen = transfer_batch(batch, cap, ntx);
    double per_tx = (double)blen / (double)ntx;
    double tx_per_blob = (double)(ZS_BLOB_MAX_DATA - ZS_BLOB_HEADER - 4) / per_tx;
    double need = 1000.0 / tx_per_blob; /* blobs per second at 1,000 transfers/s */
    /* The blob: the batch of transfers (1,000 of them fit one). */
    size_t room = ZS_BLOB_MAX_DATA - ZS_BLOB_HEADER - 4;
    const uint8_t *bs[1] = {batch};
    size_t ls[1] = {blen < room ? blen : room};
    if (zs_blob_encode(bs, ls, 1, ZS_BLOB_EIP4844, blob, ZS_BLOB_BYTES) < 0) {
        bench_note("blob", "could not lay out the blob");
        goto out;
    }
    const unsigned pre[2] = {0, 8};
    double one_core0 = 0;
    for (int p = 0; p < (o->quick ? 1 : 2); p++) {
        char err[256], name[160];
        double t0 = now_s();
        zs_kzg_t *k = zs_kzg_open(NULL, pre[p], err, sizeof err);
        if (!k) {
            bench_note("blob", err);
            goto out;
        }
        double setup = now_s() - t0, commit_s = 0;
        double s = kzg_seconds(k, blob, o->quick ? 3 : 7, &commit_s);
        zs_kzg_close(k);
        snprintf(name, sizeof name, "blob commitment + 128 cell proofs, one core (c-kzg, precompute %u)", pre[p]);
        bench_record("blob", name, s * 1e3, "ms", NULL, 0, 0, 0);
        snprintf(name, sizeof name, "of which the commitment (precompute %u)", pre[p]);
        bench_record("blob", name, commit_s * 1e3, "ms", NULL, 0, 0, 0);
        if (p == 0) one_core0 = 1.0 / s;
        snprintf(name, sizeof name, "blobs/s one core computes (precompute %u)", pre[p]);
        bench_record("blob", name, 1.0 / s, "blob/s", "blobs/s 1,000 transfers/s fill", need, 1.0, 0);
        char note[200];
        snprintf(note, sizeof note, "trusted setup load with precompute %u: %.2f s", pre[p], setup);
        bench_note("blob", note);
    }
    card_model();
    double cr = card_rate(blob, o->quick ? 4 : 8);
    if (cr > 0)
        bench_record("blob", "blobs/s through the card's cpu backend (its worker pool, precompute 0)", cr, "blob/s",
                     "c-kzg called plainly, one core", one_core0, 0, 0);
    char note[240];
    snprintf(note, sizeof note,
             "a signed transfer takes %.1f bytes of batchL2Data (a block entry per %d); a blob carries %.0f of them, "
             "so 1,000 transfers/s fill %.3f blobs/s",
             per_tx, TX_PER_BLOCK, tx_per_blob, need);
    bench_note("blob", note);
out:
    free(batch);
    free(blob);
}
