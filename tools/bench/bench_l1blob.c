/* l1gas with blobs: the same simulated L2 load the calldata suite posts
   (bench_l1gas.c), posted as the firmware posts it by default: at each of
   its L1 polls, the sealed unsent batches laid into Polygon's blobs
   (lib/blob: up to 64 batches, 126,976 bytes each) and up to six blobs a
   transaction, in sequenceBlobBatches calldata (fw_rollup_blob_calldata)
   with the firmware's gas limit (fw_blob_gas_limit), signed as a type-3
   transaction (lib/tx) and mined by anvil.  Measured: the receipts' gasUsed
   and blobGasUsed.

   The sidecar is EIP-4844's (one blob proof per blob), which a Cancun
   devnet needs and a Prague one takes; the firmware sends EIP-7594's cell
   proofs on Osaka and later.  Gas and blob gas do not depend on the form.

   The bound is the blob gas of the batchL2Data bytes alone in full blobs
   (131,072 blob gas per 126,976 bytes).  The rate that fits is the measured
   transfers per blob times BPO1's blobs per 12 s slot (target 10, max 15):
   all of Ethereum's blob space, shared with every other rollup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/fw_rollup.h"
#include "firmware/fw_submit.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/tx/zs_tx_blob.h"
#include "tools/bench/bench.h"
#include "tools/bench/bench_l1.h"

#define BLOBS_PER_TX 6
#define BLOB_BATCHES 64
#define BPO1_TARGET 10.0
#define BPO1_MAX 15.0

/* The chains and counters of one rate's posting. */
typedef struct {
    uint8_t acc[32], blob_acc[32], root[32];
    uint32_t index;
    uint64_t ts, nonce, base_fee, blob_fee;
    uint64_t l1_txs, blobs, gas, blob_gas, reverted;
    double data_bytes;
} run_t;

/* One blob of the transaction being built: its batches and KZG work. */
typedef struct {
    size_t first, n;
    uint8_t com[48], z[32], y[32], proof[48], blob_proof[48], vh[32];
    uint8_t hashes[BLOB_BATCHES][32];
} blob_t;

static zs_kzg_t *kzg;
static uint8_t blob_mem[BLOBS_PER_TX][ZS_BLOB_BYTES];
static uint8_t blob_calldata[64 * 1024], sigtx[68 * 1024], wire[BLOBS_PER_TX * (ZS_BLOB_BYTES + 64) + 4096];

/* The sealed batches from `next` (by time t) that one blob takes: their count. */
static size_t pack(const sim_t *s, size_t next, double t)
{
    size_t lens[BLOB_BATCHES], n = 0;
    while (next + n < s->n && s->sealed_ms[next + n] <= t && n < BLOB_BATCHES) {
        lens[n] = s->blen[next + n];
        if (zs_blob_data_len(lens, n + 1) > ZS_BLOB_MAX_DATA) break;
        n++;
    }
    return n;
}

/* The blob's bytes and its KZG work (EIP-4844's blob proof, and the point
   evaluation at z the contract checks). */
static int build(const sim_t *s, blob_t *b, uint8_t *mem, run_t *r)
{
    const uint8_t *ptrs[BLOB_BATCHES];
    size_t lens[BLOB_BATCHES];
    for (size_t i = 0; i < b->n; i++) {
        ptrs[i] = s->data + s->off[b->first + i];
        lens[i] = s->blen[b->first + i];
        zs_keccak256(ptrs[i], lens[i], b->hashes[i]);
        r->data_bytes += (double)lens[i];
    }
    if (zs_blob_encode(ptrs, lens, b->n, ZS_BLOB_EIP4844, mem, ZS_BLOB_BYTES) < 0 || zs_kzg_commit(kzg, mem, b->com) ||
        zs_blob_point_z(b->com, mem, ZS_BLOB_BYTES, b->z) || zs_kzg_proof_at(kzg, mem, b->z, b->proof, b->y) ||
        zs_kzg_blob_proof(kzg, mem, b->com, b->blob_proof))
        return -1;
    zs_blob_versioned_hash(b->com, b->vh);
    return 0;
}

/* Both chains stepped over the blobs, into the calldata: its length. */
static long chain(const blob_t *bl, size_t nb, const devnet_t *d, run_t *r)
{
    static const uint8_t zero[32];
    fw_seq_blob_t sb[BLOBS_PER_TX];
    for (size_t i = 0; i < nb; i++) {
        zs_blob_acc_t in = {.l1_info_index = r->index, .timestamp_limit = r->ts,
                            .zk_gas_limit = ZS_BLOB_ZKGAS_BATCH * bl[i].n, .type = ZS_BLOB_EIP4844};
        memcpy(in.old_acc, r->blob_acc, 32);
        memcpy(in.l1_info_root, r->root, 32);
        memcpy(in.sequencer, d->sequencer, 20);
        memcpy(in.versioned_hash, bl[i].vh, 32);
        zs_blob_acc_input_hash(&in, r->blob_acc);
        for (size_t k = 0; k < bl[i].n; k++)
            zs_batch_acc_input_hash(r->acc, bl[i].hashes[k], r->root, r->ts, d->sequencer, zero, r->acc);
        sb[i] = (fw_seq_blob_t){.max_timestamp = r->ts, .zk_gas_limit = in.zk_gas_limit, .l1_info_index = r->index,
                                .z = bl[i].z, .y = bl[i].y, .commitment = bl[i].com, .proof = bl[i].proof,
                                .batch_hashes = (const uint8_t(*)[32])bl[i].hashes, .nbatches = bl[i].n};
    }
    return fw_rollup_blob_calldata(sb, nb, d->sequencer, r->blob_acc, r->acc, blob_calldata, sizeof blob_calldata);
}

/* Signs, sends and waits for the receipt of a transaction of nb blobs. */
static int send(const devnet_t *d, const blob_t *bl, size_t nb, size_t cl, size_t nbatches, run_t *r, char *why,
                size_t whylen)
{
    uint8_t vh[BLOBS_PER_TX][32], coms[BLOBS_PER_TX][48], prf[BLOBS_PER_TX][48], h[32];
    const uint8_t *blobs[BLOBS_PER_TX];
    for (size_t i = 0; i < nb; i++) {
        memcpy(vh[i], bl[i].vh, 32);
        memcpy(coms[i], bl[i].com, 48);
        memcpy(prf[i], bl[i].blob_proof, 48);
        blobs[i] = blob_mem[i];
    }
    zs_tx_blob_t tx = {.chain_id = 31337, .nonce = r->nonce, .data = blob_calldata, .data_len = cl,
                       .gas = fw_blob_gas_limit(blob_calldata, cl, nbatches, nb), .blob_hashes = (const uint8_t(*)[32])vh,
                       .nblobs = nb};
    tx.max_priority_fee = zs_u256_from_u64(1000000000);
    tx.max_fee = zs_u256_from_u64(2 * r->base_fee + 1000000000);
    tx.max_fee_per_blob_gas = zs_u256_from_u64(2 * r->blob_fee + 1000000000);
    memcpy(tx.to, d->rollup, 20);
    size_t len;
    if (zs_tx_blob_sign(&tx, d->sequencer_key, sigtx, sizeof sigtx, &len, h)) return -1;
    long wl = zs_tx_blob_wrap(sigtx, len, nb, blobs, (const uint8_t(*)[48])coms, (const uint8_t(*)[48])prf, 0, wire,
                              sizeof wire);
    if (wl < 0) return -1;
    size_t plen = 2 * (size_t)wl + 16;
    char *params = malloc(plen), hx[67], p2[80];
    if (!params) return -1;
    params[0] = '[', params[1] = '"';
    zs_hex_encode_0x(params + 2, wire, (size_t)wl);
    strcat(params, "\"]");
    json_t *sent = l1_rpc(d, "eth_sendRawTransaction", params, why, whylen);
    free(params);
    if (!sent) return -1;
    json_decref(sent);
    zs_hex_encode_0x(hx, h, 32);
    snprintf(p2, sizeof p2, "[\"%s\"]", hx);
    json_t *rc = NULL;
    for (int tries = 0; !rc && tries < 300; tries++) {
        if (tries) usleep(10000); /* anvil mines at once; its receipt may trail the answer a little */
        rc = l1_rpc(d, "eth_getTransactionReceipt", p2, why, whylen);
    }
    if (!rc) return -1;
    r->gas += l1_hex_u64(json_object_get(rc, "gasUsed"));
    r->blob_gas += l1_hex_u64(json_object_get(rc, "blobGasUsed"));
    r->reverted += l1_hex_u64(json_object_get(rc, "status")) != 1;
    json_decref(rc);
    r->nonce++;
    r->l1_txs++;
    r->blobs += nb;
    return 0;
}

/* Where both chains, the L1 info tree, fees and the nonce stand now. */
static int begin_run(const devnet_t *d, run_t *r, char *why, size_t whylen)
{
    uint8_t cnt[32];
    memset(r, 0, sizeof *r);
    if (l1_call32(d, d->rollup, "lastAccInputHash()", NULL, 0, r->acc, why, whylen) ||
        l1_call32(d, d->rollup, "lastBlobAccInputHash()", NULL, 0, r->blob_acc, why, whylen) ||
        l1_call32(d, d->ger, "depositCount()", NULL, 0, cnt, why, whylen))
        return -1;
    uint64_t count = 0;
    for (int b = 24; b < 32; b++) count = count << 8 | cnt[b];
    r->index = (uint32_t)count;
    if (l1_call32(d, d->ger, "l1InfoRootMap(uint32)", &count, 1, r->root, why, whylen)) return -1;
    char a[43], p[80];
    zs_hex_encode_0x(a, d->sequencer, 20);
    snprintf(p, sizeof p, "[\"%s\",\"pending\"]", a);
    json_t *blk = l1_rpc(d, "eth_getBlockByNumber", "[\"latest\",false]", why, whylen), *n = NULL, *bf = NULL;
    if (blk) n = l1_rpc(d, "eth_getTransactionCount", p, why, whylen);
    if (n) bf = l1_rpc(d, "eth_blobBaseFee", "[]", why, whylen);
    if (bf) {
        r->ts = l1_hex_u64(json_object_get(blk, "timestamp"));
        r->base_fee = l1_hex_u64(json_object_get(blk, "baseFeePerGas"));
        r->nonce = l1_hex_u64(n);
        r->blob_fee = l1_hex_u64(bf);
    }
    json_decref(blk);
    json_decref(n);
    json_decref(bf);
    return bf ? 0 : -1;
}

/* The bytes one blob would carry of the batches from next sealed by t. */
static uint64_t waiting(const sim_t *s, size_t next, double t)
{
    uint64_t bytes = 0;
    for (size_t k = next; k < s->n && s->sealed_ms[k] <= t && bytes < ZS_BLOB_MAX_DATA; k++) bytes += s->blen[k] + 4;
    return bytes > ZS_BLOB_MAX_DATA ? ZS_BLOB_MAX_DATA : bytes;
}

/* At each of the firmware's polls, what is sealed goes out in transactions
   of up to six blobs; with fill_wait_ms, held as the firmware's
   blob_fill_wait_ms holds it (fw_blob_fill_hold; the last batches go when
   the load ends). */
static int post(const devnet_t *d, const sim_t *s, uint32_t fill_wait_ms, run_t *r, char *why, size_t whylen)
{
    static blob_t bl[BLOBS_PER_TX];
    fw_cfg_t cfg;
    fw_cfg_defaults(&cfg);
    size_t next = 0, held = (size_t)-1;
    double since = 0;
    for (double t = cfg.poll_ms; next < s->n; t += cfg.poll_ms) {
        if (fill_wait_ms && s->sealed_ms[next] <= t && s->sealed_ms[s->n - 1] > t) {
            if (held != next) {
                held = next;
                since = t;
            }
            if (fw_blob_fill_hold(waiting(s, next, t), (uint64_t)(t - since), fill_wait_ms)) continue;
        }
        for (;;) {
            size_t nb = 0, nbatches = 0, k = next, n;
            while (nb < BLOBS_PER_TX && (n = pack(s, k, t))) {
                bl[nb] = (blob_t){.first = k, .n = n};
                if (build(s, &bl[nb], blob_mem[nb], r)) {
                    snprintf(why, whylen, "a blob could not be built (KZG)");
                    return -1;
                }
                nbatches += n;
                k += n;
                nb++;
            }
            if (!nb) break;
            long cl = chain(bl, nb, d, r);
            if (cl < 0 || send(d, bl, nb, (size_t)cl, nbatches, r, why, whylen)) return -1;
            next = k;
        }
    }
    return 0;
}

/* Long because it states one rate's figures in full: blob gas against its
   bound, execution gas, blobs per slot against BPO1's, and the rate a
   slot's blob space carries at this fill. */
void bench_l1blob_rate(const devnet_t *d, const sim_t *s, double rate, double window_s, uint32_t fill_wait_ms)
{
    char why[512], name[128], msg[900], mode[40] = "blobs";
    if (fill_wait_ms) snprintf(mode, sizeof mode, "blobs, fill wait %.0f s", fill_wait_ms / 1000.0);
    if (!d->have_key) {
        bench_note("l1gas", "blobs: the devnet file has no sequencerKey (tools/bench/l1-devnets.mjs writes it)");
        return;
    }
    if (!kzg && !(kzg = zs_kzg_open(NULL, 0, why, sizeof why))) {
        bench_note("l1gas", why);
        return;
    }
    run_t r;
    if (begin_run(d, &r, why, sizeof why) || post(d, s, fill_wait_ms, &r, why, sizeof why)) {
        snprintf(msg, sizeof msg, "%.16s at %.0f tx/s with %s: %.400s", d->hardfork, rate, mode, why);
        bench_note("l1gas", msg);
        return;
    }
    double txs = (double)s->txs, bound = r.data_bytes * ZS_BLOB_BYTES / ZS_BLOB_MAX_DATA / txs;
    snprintf(name, sizeof name, "%.16s %5.0f tx/s %s: blob gas per L2 transfer", d->hardfork, rate, mode);
    bench_record("l1gas", name, (double)r.blob_gas / txs, "blob gas", "its bytes in full blobs", bound,
                 rate >= 1000 ? 1.2 : 0, 3);
    snprintf(name, sizeof name, "%.16s %5.0f tx/s %s: L1 gas per L2 transfer", d->hardfork, rate, mode);
    bench_record("l1gas", name, (double)r.gas / txs, "gas", NULL, 0, 0, 0);
    double per_slot = (double)r.blobs / window_s * L1_SLOT_S, per_blob = txs / (double)r.blobs;
    snprintf(name, sizeof name, "%.16s %5.0f tx/s %s: blobs per 12 s slot", d->hardfork, rate, mode);
    bench_record("l1gas", name, per_slot, "blobs", "BPO1 target (10 per slot)", BPO1_TARGET, 0, 0);
    snprintf(name, sizeof name, "%.16s %5.0f tx/s %s: transfers/s a slot's BPO1 target carries", d->hardfork, rate,
             mode);
    bench_record("l1gas", name, per_blob * BPO1_TARGET / L1_SLOT_S, "tx/s", NULL, 0, 0, 0);
    snprintf(msg, sizeof msg,
             "%.16s at %.0f tx/s with %s: %llu L1 transactions, %llu blobs (%.0f transfers a blob, %.1f%% full), "
             "gasUsed %llu, blobGasUsed %llu, %llu reverted; %.2f blobs per slot, BPO1's target 10 and max 15 per "
             "slot carry %.0f and %.0f transfers/s at this fill (all of Ethereum's blob space)",
             d->hardfork, rate, mode, (unsigned long long)r.l1_txs, (unsigned long long)r.blobs, per_blob,
             100.0 * r.data_bytes / ((double)r.blobs * ZS_BLOB_MAX_DATA), (unsigned long long)r.gas,
             (unsigned long long)r.blob_gas, (unsigned long long)r.reverted, per_slot,
             per_blob * BPO1_TARGET / L1_SLOT_S, per_blob * BPO1_MAX / L1_SLOT_S);
    bench_note("l1gas", msg);
    fprintf(stderr, "zkseq-bench: %s\n", msg);
    if (r.reverted) bench_note("l1gas", "some sequenceBlobBatches transactions reverted: the figures are wrong");
}
