/* l1gas: L1 gas per L2 transaction and L1 transactions per hour at 100,
   1,000 and 10,000 L2 transfers per second, against the calldata lower
   bound (the calldata gas of the batchL2Data bytes alone), measured on
   anvil with the rollup contract (tools/bench/run starts one devnet per
   hardfork and passes their address files with --l1).

   What is real and what is a model:
   - the L2 transactions are real signed EIP-155 transfers (1,000 senders,
     each with its own nonces), in batchL2Data form with a changeL2Block
     entry per L2 block, as the host encodes them;
   - the L2 time is simulated: transfers arrive at the rate; a batch closes
     when the next transfer would pass the firmware's default size or count
     limits (the host applies them per transaction) or when the firmware's
     policy (fw_policy_close_due) says its age is up; the block time follows
     the load (fw_policy_observe);
   - the batches go into L1 transactions as the firmware packs them: at each
     of its L1 polls, the sealed unsent batches, consecutive, up to
     max_l1_tx_bytes and max_batches_per_tx;
   - every L1 transaction is the firmware's own sequenceBatches calldata
     (fw_rollup_calldata) with the firmware's gas limit (fw_gas_limit), sent to
     anvil and mined; the gas is the receipt's gasUsed.
   The bound is the batchL2Data bytes priced at EIP-2028's 16/4 gas per
   non-zero/zero byte, or on Prague at EIP-7623's floor of 40/10 (what data-
   heavy transactions pay there). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/fw.h"
#include "firmware/fw_rollup.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"

#include "tools/bench/bench_l1.h"

/* ---- the L1 side, on anvil ---- */

typedef struct {
    uint64_t l1_txs, gas, gas_limit_total, reverted;
    double bound_2028, bound_7623;
    size_t max_batches_in_tx;
    size_t backlog_end;  /* sealed, not yet sent at the end of the L2 window */
    double last_send_ms; /* when the last batch went out */
} l1_result_t;

static void calldata_bounds(const uint8_t *p, size_t n, double *b2028, double *b7623)
{
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++) zeros += !p[i];
    *b2028 += 16.0 * (double)(n - zeros) + 4.0 * (double)zeros;
    *b7623 += 40.0 * (double)(n - zeros) + 10.0 * (double)zeros;
}

/* Long because it is one simulation loop: it replays the firmware's pacing (poll interval,
 * in-flight cap, journal depth) over the sealed batches and posts each sequenceBatches call
 * it would send; splitting the loop body would pass its six running counters around. */
static int post(const devnet_t *d, const sim_t *s, uint8_t acc[32], const uint8_t l1_info_root[32], uint32_t l1_index,
                uint64_t max_ts, l1_result_t *r, char *why, size_t whylen)
{
    fw_cfg_t cfg;
    fw_cfg_defaults(&cfg);
    static uint8_t calldata[FW_BATCH_MAX * 2 + 65536];
    static char hex[sizeof calldata * 2 + 3];
    static const uint8_t zero32[32];
    /* The firmware's limits on a 12 s chain: at most max_inflight sent and
       not yet mined (mined at the next slot), at most FW_MAX_SUBS journaled
       until their confirmation depth. */
    double poll_ms = cfg.poll_ms, slot_ms = L1_SLOT_S * 1000.0, window_ms = s->sealed_ms[s->n - 1];
    double mined_at[FW_MAX_SUBS], leaves_at[FW_MAX_SUBS];
    size_t nj = 0, next = 0;
    int window_seen = 0;
    for (double t = poll_ms; next < s->n; t += poll_ms) {
        size_t keep = 0, pending = 0;
        for (size_t j = 0; j < nj; j++)
            if (leaves_at[j] > t) {
                mined_at[keep] = mined_at[j];
                leaves_at[keep++] = leaves_at[j];
                pending += mined_at[j] > t;
            }
        nj = keep;
        if (!window_seen && t >= window_ms) {
            window_seen = 1;
            for (size_t k = next; k < s->n && s->sealed_ms[k] <= t; k++) r->backlog_end++;
        }
        while (pending < cfg.max_inflight && nj < FW_MAX_SUBS && next < s->n && s->sealed_ms[next] <= t) {
            fw_seq_batch_t sb[64];
            size_t nb = 0, total = 0;
            while (next + nb < s->n && s->sealed_ms[next + nb] <= t && nb < cfg.max_batches_per_tx && nb < 64 &&
                   total + s->blen[next + nb] <= cfg.max_l1_tx_bytes) {
                sb[nb] = (fw_seq_batch_t){.data = s->data + s->off[next + nb], .len = s->blen[next + nb]};
                total += sb[nb].len;
                calldata_bounds(sb[nb].data, sb[nb].len, &r->bound_2028, &r->bound_7623);
                nb++;
            }
            if (!nb) {
                snprintf(why, whylen, "a batch larger than an L1 transaction");
                return -1;
            }
            for (size_t i = 0; i < nb; i++) {
                uint8_t h[32];
                zs_keccak256(sb[i].data, sb[i].len, h);
                zs_batch_acc_input_hash(acc, h, l1_info_root, max_ts, d->sequencer, zero32, acc);
            }
            long cl = fw_rollup_calldata(sb, nb, l1_index, max_ts, acc, d->sequencer, calldata, sizeof calldata);
            if (cl < 0) {
                snprintf(why, whylen, "calldata does not fit");
                return -1;
            }
            uint64_t gas = fw_gas_limit(calldata, (size_t)cl, nb);
            zs_hex_encode_0x(hex, calldata, (size_t)cl);
            char from[43], to[43];
            zs_hex_encode_0x(from, d->sequencer, 20);
            zs_hex_encode_0x(to, d->rollup, 20);
            size_t plen = strlen(hex) + 256;
            char *params = malloc(plen);
            if (!params) return -1;
            snprintf(params, plen, "[{\"from\":\"%s\",\"to\":\"%s\",\"gas\":\"0x%llx\",\"data\":\"%s\"}]", from, to,
                     (unsigned long long)gas, hex);
            json_t *h = l1_rpc(d, "eth_sendTransaction", params, why, whylen);
            free(params);
            if (!h) return -1;
            char p2[128];
            snprintf(p2, sizeof p2, "[\"%s\"]", json_string_value(h));
            json_decref(h);
            /* anvil mines at once; its receipt may trail the answer a little. */
            json_t *rc = NULL;
            for (int tries = 0; !rc && tries < 200; tries++) {
                if (tries) usleep(10000);
                rc = l1_rpc(d, "eth_getTransactionReceipt", p2, why, whylen);
            }
            if (!rc) return -1;
            uint64_t used = l1_hex_u64(json_object_get(rc, "gasUsed"));
            if (l1_hex_u64(json_object_get(rc, "status")) != 1) r->reverted++;
            json_decref(rc);
            r->gas += used;
            r->gas_limit_total += gas;
            r->l1_txs++;
            if (nb > r->max_batches_in_tx) r->max_batches_in_tx = nb;
            next += nb;
            mined_at[nj] = (double)((uint64_t)(t / slot_ms) + 1) * slot_ms;
            leaves_at[nj] = mined_at[nj] + cfg.confirm_depth * slot_ms;
            nj++;
            pending++;
            r->last_send_ms = t;
        }
    }
    return 0;
}

static int run_rate(const devnet_t *d, const sim_t *s, l1_result_t *r, char *why, size_t whylen)
{
    memset(r, 0, sizeof *r);
    uint8_t acc[32], root[32], cnt[32];
    if (l1_call32(d, d->rollup, "lastAccInputHash()", NULL, 0, acc, why, whylen)) return -1;
    if (l1_call32(d, d->ger, "depositCount()", NULL, 0, cnt, why, whylen)) return -1;
    uint64_t count = 0;
    for (int b = 24; b < 32; b++) count = count << 8 | cnt[b];
    if (l1_call32(d, d->ger, "l1InfoRootMap(uint32)", &count, 1, root, why, whylen)) return -1;
    json_t *blk = l1_rpc(d, "eth_getBlockByNumber", "[\"latest\",false]", why, whylen);
    if (!blk) return -1;
    uint64_t ts = l1_hex_u64(json_object_get(blk, "timestamp"));
    json_decref(blk);
    return post(d, s, acc, root, (uint32_t)count, ts, r, why, whylen);
}

/* Long because it runs the whole L1 gas experiment in its stated order: load the devnets,
 * derive the senders, then for each rate and devnet post the batches and report its three
 * figures (gas per transfer, L1 transactions per hour, gas per second). */
void bench_l1gas(const bench_opts_t *o)
{
    if (!o->l1 || !*o->l1) {
        bench_note("l1gas", "skipped: no devnet given (--l1 FILE[,FILE]; `make bench` starts them through tools/bench/run)");
        return;
    }
    char why[512];
    devnet_t nets[4];
    size_t nnets = 0;
    char *list = strdup(o->l1), *save = NULL;
    for (char *f = strtok_r(list, ",", &save); f && nnets < 4; f = strtok_r(NULL, ",", &save)) {
        if (l1_load_devnet(f, &nets[nnets], why, sizeof why)) {
            bench_note("l1gas", why);
            continue;
        }
        nnets++;
    }
    free(list);

    static const double rates[] = {100, 1000, 10000};
    /* L2 seconds simulated per rate: about 12,000 / 60,000 / 120,000 transfers. */
    double windows[] = {120, 60, 12};
    if (o->quick) windows[0] = 30, windows[1] = 10, windows[2] = 2;
    uint8_t(*keys)[32] = malloc(SENDERS * 32);
    uint64_t *nonces = calloc(SENDERS, sizeof *nonces);
    if (!keys || !nonces) return;
    for (size_t a = 0; a < SENDERS; a++) {
        char seed[32];
        snprintf(seed, sizeof seed, "zkseq l1gas sender %zu", a);
        zs_keccak256(seed, strlen(seed), keys[a]);
    }
    fw_cfg_t cfg;
    fw_cfg_defaults(&cfg);
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        sim_t s;
        memset(&s, 0, sizeof s);
        if (l1_simulate(&s, rates[k], windows[k], nonces, (const uint8_t(*)[32])keys)) {
            bench_note("l1gas", "simulation failed (out of memory or signing)");
            break;
        }
        for (size_t n = 0; n < nnets; n++) {
            const devnet_t *d = &nets[n];
            l1_result_t r;
            if (run_rate(d, &s, &r, why, sizeof why)) {
                char msg[700];
                snprintf(msg, sizeof msg, "%.16s at %.0f tx/s: %.400s", d->hardfork, rates[k], why);
                bench_note("l1gas", msg);
                continue;
            }
            int prague = !strcmp(d->hardfork, "prague");
            double bound = prague ? r.bound_7623 : r.bound_2028;
            double per_tx = (double)r.gas / (double)s.txs, bound_tx = bound / (double)s.txs;
            char name[96], ref[64], msg[800];
            snprintf(name, sizeof name, "%.16s %5.0f tx/s: L1 gas per L2 transfer", d->hardfork, rates[k]);
            snprintf(ref, sizeof ref, "calldata bound (%s)", prague ? "EIP-7623 floor" : "EIP-2028");
            bench_record("l1gas", name, per_tx, "gas", ref, bound_tx, rates[k] >= 1000 ? 1.2 : 0, 3);
            /* Over the time the firmware took to send it all (longer than
               the L2 window when L1 cannot keep up). */
            double span_s = r.last_send_ms / 1000.0 > windows[k] ? r.last_send_ms / 1000.0 : windows[k];
            snprintf(name, sizeof name, "%.16s %5.0f tx/s: L1 transactions per hour", d->hardfork, rates[k]);
            bench_record("l1gas", name, (double)r.l1_txs / span_s * 3600.0, "tx/h", NULL, 0, 0, 0);
            double gas_per_s = (double)r.gas / windows[k], l1_cap = L1_BLOCK_GAS / L1_SLOT_S;
            snprintf(name, sizeof name, "%.16s %5.0f tx/s: L1 gas per second needed", d->hardfork, rates[k]);
            bench_record("l1gas", name, gas_per_s, "gas/s", "all of L1 (36M gas / 12 s)", l1_cap, 0, 0);
            snprintf(msg, sizeof msg,
                     "%.16s at %.0f tx/s: %llu transfers in %zu batches (%llu L2 blocks, %zu bytes of batchL2Data) over "
                     "%.0f s of L2 time; %llu L1 transactions, up to %zu batches each, gasUsed %llu (gas limits "
                     "%llu), %llu reverted; on a 12 s chain with %u in flight the last went out at %.0f s, %zu "
                     "batches waiting when the load stopped%s",
                     d->hardfork, rates[k], (unsigned long long)s.txs, s.n, (unsigned long long)s.blocks, s.len,
                     windows[k], (unsigned long long)r.l1_txs, r.max_batches_in_tx, (unsigned long long)r.gas,
                     (unsigned long long)r.gas_limit_total, (unsigned long long)r.reverted, cfg.max_inflight,
                     r.last_send_ms / 1000.0, r.backlog_end,
                     gas_per_s > l1_cap ? "; more calldata than all of L1 carries: the backlog would grow and "
                                          "backpressure refuse transfers"
                                        : "");
            bench_note("l1gas", msg);
            fprintf(stderr, "zkseq-bench: %s\n", msg);
            if (r.reverted) bench_note("l1gas", "some sequenceBatches transactions reverted: the figures are wrong");
            bench_l1blob_rate(d, &s, rates[k], windows[k], 0);
            /* At 100 tx/s a 3 s batch fills a quarter of a blob: held 8 s, three share one. */
            if (rates[k] < 1000) bench_l1blob_rate(d, &s, rates[k], windows[k], 8000);
        }
        free(s.data);
        free(s.off);
        free(s.blen);
        free(s.sealed_ms);
    }
    free(keys);
    free(nonces);
}
