/* Blob transactions (fw_submit_priv.h): sequenceBlobBatches with up to
   max_blobs_per_tx of the firmware's checked blobs (fw_blob), type 3,
   signed here, journaled in their network form before they are sent. */
#include <string.h>

#include "firmware/fw_rollup.h"
#include "firmware/fw_submit_priv.h"
#include "lib/batch/zs_batch.h"
#include "lib/blob/zs_blob.h"
#include "lib/tx/zs_tx_blob.h"

#define BLOB_WAIT_MS 30000   /* the host's KZG work not there after this: calldata */
#define BLOB_BATCHES_MAX 64  /* fw_blob's limit per blob */

/* Scratch in static memory (one submitter per program). */
static uint8_t blob_calldata[64 * 1024];
static uint8_t sigtx[64 * 1024 + 1024];
static uint8_t blob_mem[ZS_TX_BLOB_MAX][FW_BLOB_BYTES];
static uint8_t proofs[ZS_TX_BLOB_MAX * 128][48];
static uint8_t hashes[ZS_TX_BLOB_MAX * BLOB_BATCHES_MAX][32];
static uint8_t oldraw[FW_RAW_MAX];
static zs_tx_blob_wire_t wire;

/* The blob pool's rule for a blob transaction's fees: 2x the blob base fee
   now, at least min_blob_fee_wei, at most the cap. */
static uint64_t blob_fee_for(const fw_submit_t *s)
{
    uint64_t f = 2 * s->l1_blob_fee;
    if (f < s->cfg->min_blob_fee_wei) f = s->cfg->min_blob_fee_wei;
    return f > s->cfg->blob_fee_cap_wei ? s->cfg->blob_fee_cap_wei : f;
}

/* The bytes one blob would carry of the sealed batches from next (at most
   a blob's). */
static uint64_t waiting_bytes(const fw_submit_t *s, uint64_t next)
{
    uint64_t bytes = 0;
    for (uint64_t k = next; k <= s->j->cur.last_sealed && bytes < ZS_BLOB_MAX_DATA; k++) {
        const fw_batch_t *b = fw_journal_find(s->j, k);
        if (!b || b->forced) break;
        bytes += b->l2len + 4;
    }
    return bytes > ZS_BLOB_MAX_DATA ? ZS_BLOB_MAX_DATA : bytes;
}

/* auto: a blob costs its whole blob gas and its execution whatever it
   holds; calldata 16 gas a byte at the base fee (the standard cost: EIP-7623's
   floor only makes calldata dearer).  Compared for the bytes one blob would
   carry of what waits. */
static int blob_cheaper(const fw_submit_t *s, uint64_t next)
{
    uint64_t bytes = waiting_bytes(s, next);
    uint64_t blob = s->l1_blob_fee * ZS_TX_BLOB_GAS_PER_BLOB + s->l1_base_fee * FW_BLOB_EXEC_GAS;
    return blob < s->l1_base_fee * 16 * bytes;
}

/* Blob fill wait (blob_fill_wait_ms, off at 0): a blob costs its whole
   blob gas however little it holds, so at a low rate the batches from next
   are held until they fill 90% of a blob or the first of them has waited
   that long (counted from when this firmware first held it: a reboot starts
   the wait again). */
int fw_blob_fill_hold(uint64_t bytes, uint64_t held_ms, uint32_t wait_ms)
{
    return wait_ms && bytes < ZS_BLOB_MAX_DATA / 10 * 9 && held_ms < wait_ms;
}

/* 1: hold the batches from next now. */
static int hold_to_fill(fw_submit_t *s, uint64_t next)
{
    if (!s->cfg->blob_fill_wait_ms) return 0;
    uint64_t now = fw_submit_now(s);
    if (s->fill_first != next) {
        s->fill_first = next;
        s->fill_since_ms = now;
    }
    uint64_t bytes = waiting_bytes(s, next);
    int hold = fw_blob_fill_hold(bytes, now - s->fill_since_ms, s->cfg->blob_fill_wait_ms);
    s->fill_held = hold;
    s->fill_pct = (int)(bytes * 100 / ZS_BLOB_MAX_DATA);
    return hold;
}

/* Whether the batches from next go in blobs now: 1 yes, 0 calldata, -1
   hold (blob mode with the blob fee above its cap). */
static int want_blobs(fw_submit_t *s, uint64_t next)
{
    const fw_cfg_t *c = s->cfg;
    const fw_batch_t *b = fw_journal_find(s->j, next);
    if (c->l1_data == FW_L1_DATA_CALLDATA || !s->blobs || !b || b->forced) return 0;
    if (!fw_blob_available(s->blobs) || !s->blob_fee_known) {
        if (!s->blob_alarm)
            fw_alarm(s->log, "L1 data is %s but blobs are unavailable (%s); posting calldata",
                     fw_l1_data_name(c->l1_data),
                     fw_blob_available(s->blobs) ? "L1 has no blob base fee: before Cancun" : s->blobs->why);
        s->blob_alarm = 1;
        return 0;
    }
    s->blob_alarm = 0;
    if (s->l1_blob_fee > c->blob_fee_cap_wei) {
        if (c->l1_data == FW_L1_DATA_AUTO) return 0;
        if (!s->fee_alarm)
            fw_alarm(s->log, "L1 blob base fee %llu wei is above the cap of %llu wei; holding batches",
                     (unsigned long long)s->l1_blob_fee, (unsigned long long)c->blob_fee_cap_wei);
        s->fee_alarm = 1;
        return -1;
    }
    return c->l1_data == FW_L1_DATA_BLOB || blob_cheaper(s, next);
}

/* sub's fields signed as a type-3 transaction, wrapped with its sidecar
   into fw_submit_rawtx (raw_len and the hash into sub). */
static int sign_wrap(fw_submit_t *s, fw_sub_t *sub, const uint8_t *data, size_t dlen, const uint8_t (*vh)[32],
                     size_t nb, const uint8_t *const *blobs, const uint8_t (*coms)[48], const uint8_t (*prfs)[48],
                     int cell)
{
    zs_tx_blob_t tx = {.chain_id = s->cfg->l1_chain_id, .nonce = sub->nonce, .gas = sub->gas, .data = data,
                       .data_len = dlen, .blob_hashes = vh, .nblobs = nb};
    tx.max_fee = zs_u256_from_u64(sub->max_fee);
    tx.max_priority_fee = zs_u256_from_u64(sub->tip);
    tx.max_fee_per_blob_gas = zs_u256_from_u64(sub->blob_fee);
    memcpy(tx.to, s->cfg->rollup, 20);
    size_t len;
    uint8_t h[32];
    int rc = zs_tx_blob_sign(&tx, s->key, sigtx, sizeof sigtx, &len, h);
    if (rc) return rc;
    long n = zs_tx_blob_wrap(sigtx, len, nb, blobs, coms, prfs, cell, fw_submit_rawtx, FW_RAW_MAX);
    if (n < 0) return (int)n;
    sub->raw_len = (uint32_t)n;
    fw_submit_add_hash(sub, h);
    return ZS_OK;
}

/* The ready blobs from *next on that one transaction carries (one
   coinbase, within L1's time); 0 when the first is not ready. */
static size_t ready_blobs(fw_submit_t *s, uint64_t next, fw_blob_t **bl)
{
    size_t nb = 0, max = s->cfg->max_blobs_per_tx;
    uint64_t last = s->j->cur.last_sealed, k = next;
    if (max > ZS_TX_BLOB_MAX) max = ZS_TX_BLOB_MAX;
    while (nb < max && k <= last) {
        const fw_batch_t *b = fw_journal_find(s->j, k);
        fw_blob_t *x = b && !b->forced ? fw_blob_get(s->blobs, k, last) : NULL;
        if (!x || (nb && memcmp(x->coinbase, bl[0]->coinbase, 20)) || x->max_ts > s->l1_head_ts + 36) break;
        bl[nb++] = x;
        k = x->last + 1;
    }
    /* The next blob is asked of the host now, while these go. */
    if (nb && k <= last) (void)fw_blob_get(s->blobs, k, last);
    return nb;
}

/* The blob chain before this transaction: the newest journaled blob
   transaction's, else the contract's. */
static int blob_chain_base(fw_submit_t *s, uint8_t acc[32])
{
    for (size_t i = s->j->nsubs; i-- > 0;)
        if (s->j->subs[i].nblobs) {
            memcpy(acc, s->j->subs[i].final_blob_acc, 32);
            return ZS_OK;
        }
    return fw_rollup_last_blob_acc(&s->l1, s->cfg->rollup, acc);
}

/* Both chains over the blobs: sb (the calldata's blobs), the batch acc in
   a, the blob acc in blob_acc.  Returns the number of batches. */
static size_t chain(fw_submit_t *s, fw_blob_t **bl, size_t nb, fw_seq_blob_t *sb, uint8_t a[32],
                    uint8_t blob_acc[32])
{
    static const uint8_t zero[32];
    size_t hi = 0;
    for (size_t i = 0; i < nb; i++) {
        const fw_blob_t *x = bl[i];
        size_t n = (size_t)(x->last - x->first + 1);
        zs_blob_acc_t in = {.l1_info_index = s->info_index, .timestamp_limit = x->max_ts,
                            .zk_gas_limit = ZS_BLOB_ZKGAS_BATCH * n, .type = ZS_BLOB_EIP4844};
        memcpy(in.old_acc, blob_acc, 32);
        memcpy(in.l1_info_root, s->info_root, 32);
        memcpy(in.sequencer, x->coinbase, 20);
        memcpy(in.versioned_hash, x->versioned, 32);
        zs_blob_acc_input_hash(&in, blob_acc);
        sb[i] = (fw_seq_blob_t){.max_timestamp = x->max_ts, .zk_gas_limit = in.zk_gas_limit,
                                .l1_info_index = s->info_index, .z = x->z, .y = x->y, .commitment = x->commitment,
                                .proof = x->proof, .batch_hashes = (const uint8_t(*)[32])hashes[hi], .nbatches = n};
        for (uint64_t k = x->first; k <= x->last; k++) {
            const uint8_t *bh = fw_journal_find(s->j, k)->batch_hash;
            memcpy(hashes[hi++], bh, 32);
            zs_batch_acc_input_hash(a, bh, s->info_root, x->max_ts, x->coinbase, zero, a);
        }
    }
    return hi;
}

/* The sidecar of bl: blobs rebuilt from the journal into blob_mem, the
   proofs of the configured form into proofs. */
static int sidecar(fw_submit_t *s, fw_blob_t **bl, size_t nb, const uint8_t **blobs, uint8_t (*vh)[32],
                   uint8_t (*coms)[48])
{
    for (size_t i = 0; i < nb; i++) {
        int rc = fw_blob_bytes(s->blobs, bl[i], blob_mem[i]);
        if (rc) return rc;
        blobs[i] = blob_mem[i];
        memcpy(vh[i], bl[i]->versioned, 32);
        memcpy(coms[i], bl[i]->commitment, 48);
        if (s->cfg->blob_cell_proofs) memcpy(proofs[128 * i], bl[i]->cell_proofs, sizeof bl[i]->cell_proofs);
        else memcpy(proofs[i], bl[i]->blob_proof, 48);
    }
    return ZS_OK;
}

int fw_submit_blob_tx(fw_submit_t *s, uint64_t *next, uint8_t acc[32], uint64_t tip)
{
    int w = want_blobs(s, *next);
    if (w <= 0) return w < 0 ? FW_SUBMIT_STOP : FW_SUBMIT_CALLDATA;
    if (hold_to_fill(s, *next)) return FW_SUBMIT_STOP;
    fw_blob_t *bl[ZS_TX_BLOB_MAX];
    size_t nb = ready_blobs(s, *next, bl);
    if (!nb) {
        uint64_t asked = fw_blob_asked_ms(s->blobs, *next);
        if (!asked || fw_submit_now(s) - asked < BLOB_WAIT_MS) return FW_SUBMIT_STOP;
        fw_alarm(s->log, "no checked KZG work from the host for batch %llu after %d s; posting it as calldata",
                 (unsigned long long)*next, BLOB_WAIT_MS / 1000);
        return FW_SUBMIT_CALLDATA;
    }
    fw_sub_t sub;
    memset(&sub, 0, sizeof sub);
    int rc = blob_chain_base(s, sub.final_blob_acc);
    if (rc) return rc;
    fw_seq_blob_t sb[ZS_TX_BLOB_MAX];
    memcpy(sub.final_acc, acc, 32);
    size_t nbatches = chain(s, bl, nb, sb, sub.final_acc, sub.final_blob_acc);
    long cl = fw_rollup_blob_calldata(sb, nb, bl[0]->coinbase, sub.final_blob_acc, sub.final_acc, blob_calldata,
                                      sizeof blob_calldata);
    if (cl < 0) return (int)cl;
    const uint8_t *blobs[ZS_TX_BLOB_MAX];
    uint8_t vh[ZS_TX_BLOB_MAX][32], coms[ZS_TX_BLOB_MAX][48];
    if ((rc = sidecar(s, bl, nb, blobs, vh, coms))) return FW_SUBMIT_STOP; /* data asked of the host again */
    sub.first = *next;
    sub.last = bl[nb - 1]->last;
    sub.nblobs = (uint32_t)nb;
    if (fw_submit_price(s, tip, &sub)) return FW_SUBMIT_STOP;
    sub.blob_fee = blob_fee_for(s);
    sub.gas = fw_blob_gas_limit(blob_calldata, (size_t)cl, nbatches, nb);
    if ((rc = sign_wrap(s, &sub, blob_calldata, (size_t)cl, (const uint8_t(*)[32])vh, nb, blobs,
                        (const uint8_t(*)[48])coms, (const uint8_t(*)[48])proofs, s->cfg->blob_cell_proofs))) {
        fw_alarm(s->log, "signing an L1 blob transaction failed: %s", zs_strerror(rc));
        return rc;
    }
    fw_log(s->log, "L1 nonce %llu: sequenceBlobBatches %llu..%llu in %zu blob%s (blob fee %llu wei, gas %llu)",
           (unsigned long long)sub.nonce, (unsigned long long)sub.first, (unsigned long long)sub.last, nb,
           nb == 1 ? "" : "s", (unsigned long long)sub.blob_fee, (unsigned long long)sub.gas);
    if ((rc = fw_submit_journal_send(s, &sub, fw_submit_rawtx))) return rc;
    memcpy(acc, sub.final_acc, 32);
    *next = sub.last + 1;
    s->nonce_gap = 0;
    s->blob_txs++;
    return ZS_OK;
}

/* The fees of a replacement: every one doubled (geth's blob pool wants a
   100% bump of the tip, the fee cap and the blob fee cap), at least the
   market; 1 when a cap leaves no room (an alarm: it stays as it is). */
static int doubled_fees(fw_submit_t *s, fw_sub_t *n)
{
    uint64_t tip = 2 * n->tip, fee = 2 * n->max_fee, bfee = 2 * n->blob_fee;
    if (fee < 2 * s->l1_base_fee + tip) fee = 2 * s->l1_base_fee + tip;
    if (s->blob_fee_known && bfee < 2 * s->l1_blob_fee) bfee = 2 * s->l1_blob_fee;
    if (fee > s->cfg->fee_cap_wei || bfee > s->cfg->blob_fee_cap_wei) {
        if (!s->fee_alarm)
            fw_alarm(s->log, "L1 blob transaction nonce %llu stuck and doubling its fees passes a cap",
                     (unsigned long long)n->nonce);
        s->fee_alarm = 1;
        return 1;
    }
    n->tip = tip;
    n->max_fee = fee;
    n->blob_fee = bfee;
    return 0;
}

int fw_submit_blob_bump(fw_submit_t *s, fw_sub_t *sub, int more_gas)
{
    size_t rlen;
    int rc = fw_journal_sub_raw(s->j, sub->nonce, oldraw, sizeof oldraw, &rlen);
    if (rc) return rc;
    if (zs_tx_blob_unwrap(oldraw, rlen, &wire)) {
        fw_alarm(s->log, "journaled L1 blob transaction nonce %llu does not decode", (unsigned long long)sub->nonce);
        return ZS_ERR_CORRUPT;
    }
    fw_sub_t n = *sub;
    if (more_gas) n.gas += n.gas / 2; /* not a replacement (the node forgot the old one): same fees */
    else if (doubled_fees(s, &n)) return ZS_OK;
    n.bumps++;
    if ((rc = sign_wrap(s, &n, wire.tx.data, wire.tx.data_len, (const uint8_t(*)[32])wire.hashes, wire.tx.nblobs,
                        wire.blobs, (const uint8_t(*)[48])wire.commitments, (const uint8_t(*)[48])wire.proofs,
                        wire.cell_proofs)) ||
        (rc = fw_journal_put_sub(s->j, &n, fw_submit_rawtx)))
        return rc;
    s->j->cur.bumps++;
    fw_log(s->log, "L1 nonce %llu: blob transaction fees %s (tip %llu, cap %llu, blob fee %llu wei)",
           (unsigned long long)n.nonce, more_gas ? "kept, more gas" : "doubled", (unsigned long long)n.tip,
           (unsigned long long)n.max_fee, (unsigned long long)n.blob_fee);
    *sub = n;
    sub->sent_ms = fw_submit_now(s);
    rc = fw_submit_send(s, sub, fw_submit_rawtx, sub->raw_len);
    return rc == ZS_ERR_STATE ? ZS_OK : rc;
}
