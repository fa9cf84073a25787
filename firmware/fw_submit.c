/* The L1 submission state machine.  Every tick (poll_ms) it reconciles
   with L1 first, then submits:

   reconcile: the L1 head and base fee; the contract's lastBatchSequenced
     at the head (virtual) and at head - confirm_depth (confirmed); a drop of
     either is an L1 reorg (or a lost chain): mined submissions above it go
     back to pending, and batches whose data was already dropped are asked
     from the host again.  Each journaled submission is then checked:
     covered by the contract's last batch -> mined (dropped once confirmed);
     a receipt that reverted -> dropped with everything after it (their
     accInputHash chain started from it); unknown to the node -> sent again
     from the journal (after a crash or an L1 restart: zkevm-node #1067), or
     dropped when its nonce is already used; pending for stuck_ms -> the fees
     go up by 12.5% (tip and cap, as geth's replacement rule wants) under the
     configured fee cap, and the new version is journaled before it is sent.
   submit: sealed batches after the last one covered go out in new L1
     transactions, several batches per transaction up to max_l1_tx_bytes,
     with the accInputHash chain computed here and sent as
     expectedFinalAccInputHash, so a transaction built on a wrong view
     reverts on chain instead of sequencing wrong data.

   Nothing is sent before it is journaled; a crash at any point leaves a
   journal from which the next boot's reconcile continues. */
#include <stdio.h>
#include <string.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "firmware/fw.h"
#include "firmware/fw_rollup.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

#define CALLDATA_MAX (FW_BATCH_MAX + 64 * 1024)
static uint8_t calldata[CALLDATA_MAX];
static uint8_t rawtx[CALLDATA_MAX + 512];
static uint8_t databuf[FW_BATCH_MAX];
#define TX_BATCHES_MAX 64

uint64_t fw_backlog(const fw_t *fw)
{
    return fw->cur.last_sealed > fw->cur.virtual_ ? fw->cur.last_sealed - fw->cur.virtual_ : 0;
}

static void tag_of(char *tag, uint64_t block)
{
    snprintf(tag, 24, "0x%llx", (unsigned long long)block);
}

static int l1_fail(fw_t *fw, int rc)
{
    uint64_t now = fw->hal->now_ms(fw->hal->ctx);
    if (fw->l1_up || !fw->l1_status[0])
        fw_alarm(fw, "L1 unreachable: %s", fw->l1.err);
    fw->l1_up = 0;
    snprintf(fw->l1_status, sizeof fw->l1_status, "down: %s", fw->l1.err);
    fw->l1_backoff_ms = fw->l1_backoff_ms ? fw->l1_backoff_ms * 2 : 250;
    if (fw->l1_backoff_ms > 4000) fw->l1_backoff_ms = 4000;
    fw->l1_next_poll_ms = now + fw->l1_backoff_ms;
    return rc;
}

/* Which version of a submission was mined: fills mined_block/hash and the
   fee accounting.  0 with *found. */
static int find_receipt(fw_t *fw, fw_sub_t *s, fw_l1_receipt_t *r, int *found)
{
    *found = 0;
    for (int i = (int)s->nhashes - 1; i >= 0; i--) {
        int rc = fw_l1_receipt(&fw->l1, s->hashes[i], r);
        if (rc) return rc;
        if (r->found) {
            *found = 1;
            memcpy(s->mined_hash, s->hashes[i], 32);
            s->mined_block = r->block;
            return ZS_OK;
        }
    }
    return ZS_OK;
}

static void drop_subs_from(fw_t *fw, size_t i)
{
    while (fw->nsubs > i) fw_journal_drop_sub(fw, fw->nsubs - 1);
}

/* Sign tx fields with data into rawtx; fills s->raw_len and adds the hash. */
static int sign_version(fw_t *fw, fw_sub_t *s, const uint8_t *data, size_t dlen)
{
    zs_tx_t tx;
    memset(&tx, 0, sizeof tx);
    tx.type = ZS_TX_DYNAMIC_FEE;
    tx.has_chain_id = 1;
    tx.chain_id = fw->cfg.l1_chain_id;
    tx.nonce = s->nonce;
    tx.gas = s->gas;
    tx.max_fee = zs_u256_from_u64(s->max_fee);
    tx.max_priority_fee = zs_u256_from_u64(s->tip);
    tx.gas_price = tx.max_fee;
    tx.has_to = 1;
    memcpy(tx.to, fw->cfg.rollup, 20);
    tx.data = data;
    tx.data_len = dlen;
    size_t len;
    int rc = zs_tx_sign(&tx, fw->key, rawtx, sizeof rawtx, &len);
    if (rc) return rc;
    s->raw_len = (uint32_t)len;
    if (s->nhashes == FW_MAX_HASHES) {
        memmove(s->hashes[0], s->hashes[1], (FW_MAX_HASHES - 1) * 32);
        s->nhashes--;
    }
    memcpy(s->hashes[s->nhashes++], tx.hash, 32);
    return ZS_OK;
}

static int is_msg(const fw_t *fw, const char *needle)
{
    return strstr(fw->l1.rpc_msg, needle) != NULL;
}

/* Sends the journaled raw bytes of s.  0 sent (or already known),
   ZS_ERR_STATE when the nonce is used, another code otherwise. */
static int send_sub(fw_t *fw, const fw_sub_t *s, const uint8_t *raw, size_t len)
{
    int rc = fw_l1_send_raw(&fw->l1, raw, len);
    if (rc == ZS_ERR_REFUSED) {
        if (is_msg(fw, "already known") || is_msg(fw, "AlreadyKnown") || is_msg(fw, "already imported"))
            return ZS_OK;
        if (is_msg(fw, "nonce too low") || is_msg(fw, "NonceTooLow") || is_msg(fw, "nonce is too low"))
            return ZS_ERR_STATE;
        fw_alarm(fw, "L1 refused transaction nonce %llu: %s", (unsigned long long)s->nonce, fw->l1.rpc_msg);
    }
    return rc;
}

/* The gas limit of a sequenceBatches transaction: the larger of the
   standard cost (21000, calldata at 16 per non-zero and 4 per zero byte,
   the contract's work: a keccak per batch, storage writes, an event) and
   EIP-7623's calldata floor (21000 + 10 per token, a token being a zero
   byte or a quarter of a non-zero one; Prague and later), with a tenth on
   top.  A limit below the floor is accepted by some nodes' pools and then
   dropped unmined, so this must never be short.  Checked against
   eth_estimateGas when the transaction is the only one in flight. */
uint64_t fw_gas_limit(const uint8_t *data, size_t len, size_t nbatches)
{
    uint64_t zeros = 0, nonzeros = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i]) nonzeros++;
        else zeros++;
    }
    uint64_t exec = 120000 + 30000 * (uint64_t)nbatches + (uint64_t)len / 32 * 6;
    uint64_t standard = 21000 + 4 * zeros + 16 * nonzeros + exec;
    uint64_t floor = 21000 + 10 * (zeros + 4 * nonzeros);
    uint64_t g = standard > floor ? standard : floor;
    return g + g / 10;
}

static int bump_gas(fw_t *fw, fw_sub_t *s, int more_gas)
{
    uint64_t tip = s->tip + s->tip / 8 + 1, fee = s->max_fee + s->max_fee / 8 + 1;
    if (tip < fw->cfg.min_tip_wei) tip = fw->cfg.min_tip_wei;
    uint64_t market = 2 * fw->l1_base_fee + tip;
    if (fee < market) fee = market;
    if (fee > fw->cfg.fee_cap_wei && more_gas) {
        /* Not a replacement (the node forgot the old one): same fees. */
        fee = s->max_fee;
        tip = s->tip;
    } else if (fee > fw->cfg.fee_cap_wei) {
        if (s->max_fee + s->max_fee / 10 > fw->cfg.fee_cap_wei) {
            if (!fw->fee_alarm)
                fw_alarm(fw, "L1 transaction nonce %llu stuck and its fee is at the cap (%llu wei)",
                         (unsigned long long)s->nonce, (unsigned long long)fw->cfg.fee_cap_wei);
            fw->fee_alarm = 1;
            return ZS_OK;
        }
        fee = fw->cfg.fee_cap_wei;
    }
    if (tip > fee) tip = fee;
    size_t rlen;
    int rc = fw_journal_sub_raw(fw, s->nonce, rawtx, sizeof rawtx, &rlen);
    if (rc) return rc;
    zs_tx_t old;
    zs_perr_t pe;
    if (zs_tx_decode(rawtx, rlen, &old, &pe)) {
        fw_alarm(fw, "journaled L1 transaction nonce %llu does not decode", (unsigned long long)s->nonce);
        return ZS_ERR_CORRUPT;
    }
    if (old.data_len > sizeof calldata) return ZS_ERR_CORRUPT;
    memcpy(calldata, old.data, old.data_len);
    fw_sub_t n = *s;
    n.tip = tip;
    n.max_fee = fee;
    n.bumps++;
    if (more_gas) n.gas += n.gas / 2;
    if ((rc = sign_version(fw, &n, calldata, old.data_len))) return rc;
    if ((rc = fw_journal_put_sub(fw, &n, rawtx))) return rc;
    fw->cur.bumps++;
    fw_log(fw, "L1 nonce %llu: fees bumped to tip %llu, cap %llu wei", (unsigned long long)n.nonce,
           (unsigned long long)tip, (unsigned long long)fee);
    *s = n;
    s->sent_ms = fw->hal->now_ms(fw->hal->ctx);
    rc = send_sub(fw, s, rawtx, s->raw_len);
    return rc == ZS_ERR_STATE ? ZS_OK : rc; /* the old version was mined: the next check sees it */
}

static int reconcile(fw_t *fw)
{
    int rc;
    fw_l1_block_t head;
    if ((rc = fw_l1_block(&fw->l1, UINT64_MAX, &head))) return rc;
    fw->l1_head = head.number;
    fw->l1_head_ts = head.timestamp;
    fw->l1_base_fee = head.base_fee;
    uint64_t L, Lc = 0;
    if ((rc = fw_rollup_last_batch(&fw->l1, fw->cfg.rollup, "latest", &L))) return rc;
    if (head.number >= fw->cfg.confirm_depth) {
        char tag[24];
        tag_of(tag, head.number - fw->cfg.confirm_depth);
        if ((rc = fw_rollup_last_batch(&fw->l1, fw->cfg.rollup, tag, &Lc))) return rc;
    }
    if ((rc = fw_l1_nonce(&fw->l1, fw->address, "latest", &fw->l1_nonce_latest)) ||
        (rc = fw_l1_nonce(&fw->l1, fw->address, "pending", &fw->l1_nonce_pending)))
        return rc;
    int changed = 0;
    if (L < fw->cur.virtual_) {
        fw->cur.reorgs++;
        fw_alarm(fw, "L1 reorg: the rollup's last sequenced batch went back from %llu to %llu",
                 (unsigned long long)fw->cur.virtual_, (unsigned long long)L);
        for (size_t i = 0; i < fw->nsubs; i++)
            if (fw->subs[i].last > L && fw->subs[i].state == FW_SUB_MINED) {
                fw->subs[i].state = FW_SUB_PENDING;
                fw->subs[i].sent_ms = fw->hal->now_ms(fw->hal->ctx);
                if ((rc = fw_journal_put_sub(fw, &fw->subs[i], NULL))) return rc;
            }
    }
    if (Lc < fw->cur.confirmed) {
        fw_alarm(fw, "L1 lost confirmed batches %llu..%llu (deep reorg or a new chain); resubmitting",
                 (unsigned long long)Lc + 1, (unsigned long long)fw->cur.confirmed);
        fw->cur.confirmed = Lc;
        changed = 1;
    }
    if (L != fw->cur.virtual_ || changed || fw->acc_stale) {
        fw->acc_stale = 0;
        uint8_t acc[32];
        if ((rc = fw_rollup_acc(&fw->l1, fw->cfg.rollup, L, "latest", acc))) return rc;
        for (size_t i = 0; i < fw->nsubs; i++)
            if (fw->subs[i].last == L && memcmp(fw->subs[i].final_acc, acc, 32))
                fw_alarm(fw, "the rollup's accInputHash for batch %llu is not the firmware's", (unsigned long long)L);
        fw->cur.virtual_ = L;
        memcpy(fw->cur.virtual_acc, acc, 32);
        fw->cur.virtual_l1_block = head.number;
        memset(fw->cur.virtual_tx, 0, 32);
        changed = 1;
    }
    /* Every transaction we send is journaled first, so a pending one whose
       nonce is above L1's next nonce, with none of ours at that nonce, can
       never be mined (a new chain, or a reorg that took the ones before it):
       build those batches anew from L1's nonce and the contract's state. */
    for (size_t i = 0; i < fw->nsubs; i++) {
        if (fw->subs[i].state != FW_SUB_PENDING) continue;
        int have = 0;
        for (size_t k = 0; k < fw->nsubs; k++) have |= fw->subs[k].nonce == fw->l1_nonce_latest;
        if (fw->subs[i].nonce > fw->l1_nonce_latest && !have) {
            fw_alarm(fw, "L1 transactions from nonce %llu wait behind nonce %llu that none of ours holds; rebuilding",
                     (unsigned long long)fw->subs[i].nonce, (unsigned long long)fw->l1_nonce_latest);
            drop_subs_from(fw, i);
            fw->nonce_gap = 1;
            fw->acc_stale = 1;
        }
        break;
    }
    /* Journaled submissions against what L1 says. */
    for (size_t i = 0; i < fw->nsubs;) {
        fw_sub_t *s = &fw->subs[i];
        fw_l1_receipt_t r;
        int found;
        if (s->last <= L) {
            if (s->state != FW_SUB_MINED) {
                if ((rc = find_receipt(fw, s, &r, &found))) return rc;
                s->state = FW_SUB_MINED;
                if (found) {
                    fw->cur.fees_gwei += r.gas_used * r.effective_gas_price / 1000000000u;
                    fw->l1_gas_used += r.gas_used;
                }
                if ((rc = fw_journal_put_sub(fw, s, NULL))) return rc;
            }
            if (s->last == L) {
                memcpy(fw->cur.virtual_tx, s->mined_hash, 32);
                changed = 1;
            }
            if (s->last <= Lc) {
                fw_journal_drop_sub(fw, i);
                continue;
            }
            i++;
            continue;
        }
        if ((rc = find_receipt(fw, s, &r, &found))) return rc;
        if (found && !r.status) {
            fw_alarm(fw, "L1 transaction nonce %llu (batches %llu..%llu) reverted; resubmitting",
                     (unsigned long long)s->nonce, (unsigned long long)s->first, (unsigned long long)s->last);
            drop_subs_from(fw, i);
            fw->acc_stale = 1;
            break;
        }
        if (found) { /* mined after our read of the contract: next tick */
            i++;
            continue;
        }
        int known = fw_l1_tx_known(&fw->l1, s->hashes[s->nhashes - 1]);
        if (known < 0) return known;
        if (!known) {
            if (s->nonce < fw->l1_nonce_latest) {
                /* Its nonce went to another version that is no longer
                   there either (a reorg) or L1 forgot it: build anew. */
                fw_log(fw, "L1 nonce %llu used without our transaction; resubmitting its batches",
                       (unsigned long long)s->nonce);
                drop_subs_from(fw, i);
                break;
            }
            /* A node that keeps forgetting a transaction it accepted finds
               it invalid at mining (a gas limit below what it wants, a fee
               below its floor): after three tries, a new version with
               half as much gas again and higher fees. */
            if (++s->vanished >= 3) {
                fw_alarm(fw, "L1 keeps dropping transaction nonce %llu; signing it again with more gas",
                         (unsigned long long)s->nonce);
                s->vanished = 0;
                if ((rc = bump_gas(fw, s, 1))) return rc;
                i++;
                continue;
            }
            size_t rlen;
            if ((rc = fw_journal_sub_raw(fw, s->nonce, rawtx, sizeof rawtx, &rlen))) return rc;
            rc = send_sub(fw, s, rawtx, rlen);
            if (rc == ZS_ERR_STATE) {
                drop_subs_from(fw, i);
                break;
            }
            if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT) return rc;
            fw_log(fw, "L1 nonce %llu sent again from the journal", (unsigned long long)s->nonce);
            s->sent_ms = fw->hal->now_ms(fw->hal->ctx);
        } else if (fw->hal->now_ms(fw->hal->ctx) - s->sent_ms > fw->cfg.stuck_ms) {
            if ((rc = bump_gas(fw, s, 0))) return rc;
        } else {
            s->vanished = 0;
        }
        i++;
    }
    if (Lc > fw->cur.confirmed) {
        fw->cur.confirmed = Lc;
        fw_journal_drop_confirmed(fw, Lc);
        changed = 1;
    }
    if (changed && (rc = fw_journal_put_cursor(fw))) return rc;
    fw_mbox_send_virtual(fw); /* every reconcile: the head it was read at moves */
    return ZS_OK;
}

static int submit_new(fw_t *fw)
{
    if (fw->acc_stale) /* the next reconcile reads the contract's chain again first */
        return ZS_OK;
    uint64_t next = fw->cur.virtual_;
    const uint8_t *acc0 = fw->cur.virtual_acc;
    if (fw->nsubs && fw->subs[fw->nsubs - 1].last > next) {
        next = fw->subs[fw->nsubs - 1].last;
        acc0 = fw->subs[fw->nsubs - 1].final_acc;
    }
    next++;
    if (next > fw->cur.last_sealed)
        return ZS_OK;
    int rc;
    if ((rc = fw_ger_l1_info(&fw->l1, fw->cfg.ger, &fw->l1_info_index, fw->l1_info_root))) return rc;
    if (!fw->l1_info_index) {
        fw_alarm(fw, "the L1 info tree is empty: nothing to name in sequenceBatches");
        return ZS_OK;
    }
    uint64_t tip = fw->cfg.min_tip_wei, t;
    if (fw_l1_tip(&fw->l1, &t) == ZS_OK && t > tip) tip = t;
    uint8_t acc[32];
    memcpy(acc, acc0, 32);
    /* max_inflight bounds the transactions not yet mined (what a fee bump or
       a reorg may have to replace); mined ones waiting for their
       confirmation depth only take journal room. */
    size_t pending = 0;
    for (size_t i = 0; i < fw->nsubs; i++) pending += fw->subs[i].state == FW_SUB_PENDING;
    while (pending < fw->cfg.max_inflight && fw->nsubs < FW_MAX_SUBS && next <= fw->cur.last_sealed) {
        /* The batches for one transaction. */
        fw_seq_batch_t sb[TX_BATCHES_MAX];
        size_t nb = 0, total = 0, used = 0;
        uint64_t max_ts = 0;
        const uint8_t *coinbase = NULL;
        for (uint64_t k = next; k <= fw->cur.last_sealed && nb < fw->cfg.max_batches_per_tx && nb < TX_BATCHES_MAX;
             k++) {
            fw_batch_t *b = fw_journal_find(fw, k);
            if (!b || !b->has_data) {
                fw_mbox_request_resend(fw, k);
                break;
            }
            if (coinbase && memcmp(coinbase, b->coinbase, 20)) break;
            if (total + b->l2len > fw->cfg.max_l1_tx_bytes || used + b->l2len > sizeof databuf) {
                if (!nb)
                    fw_alarm(fw, "batch %llu (%u bytes) is larger than an L1 transaction may carry",
                             (unsigned long long)k, b->l2len);
                break;
            }
            size_t len;
            if ((rc = fw_journal_batch_data(fw, k, databuf + used, sizeof databuf - used, &len))) {
                fw_mbox_request_resend(fw, k);
                break;
            }
            uint8_t h[32];
            zs_keccak256(databuf + used, len, h);
            if (len != b->l2len || memcmp(h, b->batch_hash, 32)) {
                fw_alarm(fw, "journaled data of batch %llu does not match its hash; asking the host again",
                         (unsigned long long)k);
                b->has_data = 0;
                fw_mbox_request_resend(fw, k);
                break;
            }
            sb[nb].data = databuf + used;
            sb[nb].len = len;
            coinbase = b->coinbase;
            if (b->timestamp > max_ts) max_ts = b->timestamp;
            used += len;
            total += len;
            nb++;
        }
        if (!nb) break;
        if (max_ts > fw->l1_head_ts + 36) /* the contract's TIMESTAMP_RANGE: wait for L1 time */
            break;
        uint8_t a[32];
        memcpy(a, acc, 32);
        for (size_t i = 0; i < nb; i++) {
            fw_batch_t *b = fw_journal_find(fw, next + i);
            static const uint8_t no_forced_block[32];
            zs_batch_acc_input_hash(a, b->batch_hash, fw->l1_info_root, max_ts, coinbase, no_forced_block, a);
        }
        long cl = fw_rollup_calldata(sb, nb, fw->l1_info_index, max_ts, a, coinbase, calldata, sizeof calldata);
        if (cl < 0) return (int)cl;
        fw_sub_t s;
        memset(&s, 0, sizeof s);
        /* The node's pending count, which also skips transactions of ours
           dropped from the journal but still in its pool (after a revert);
           after a nonce gap, L1's own next nonce. */
        s.nonce = fw->nonce_gap ? fw->l1_nonce_latest : fw->l1_nonce_pending;
        if (fw->nsubs && fw->subs[fw->nsubs - 1].nonce + 1 > s.nonce) s.nonce = fw->subs[fw->nsubs - 1].nonce + 1;
        s.first = next;
        s.last = next + nb - 1;
        memcpy(s.final_acc, a, 32);
        s.tip = tip;
        s.max_fee = 2 * fw->l1_base_fee + tip;
        if (fw->l1_base_fee + tip > fw->cfg.fee_cap_wei) {
            if (!fw->fee_alarm)
                fw_alarm(fw, "L1 fees (base %llu + tip %llu wei) are above the cap of %llu wei; holding batches",
                         (unsigned long long)fw->l1_base_fee, (unsigned long long)tip,
                         (unsigned long long)fw->cfg.fee_cap_wei);
            fw->fee_alarm = 1;
            break;
        }
        fw->fee_alarm = 0;
        if (s.max_fee > fw->cfg.fee_cap_wei) s.max_fee = fw->cfg.fee_cap_wei;
        uint64_t gas = fw_gas_limit(calldata, (size_t)cl, nb);
        if (!fw->nsubs) {
            uint64_t est;
            rc = fw_l1_estimate_gas(&fw->l1, fw->address, fw->cfg.rollup, calldata, (size_t)cl, &est);
            if (rc == ZS_ERR_REFUSED) {
                fw_alarm(fw, "sequenceBatches %llu..%llu would revert: %s", (unsigned long long)s.first,
                         (unsigned long long)s.last, fw->l1.rpc_msg);
                break;
            }
            if (rc) return rc;
            if (est + est / 4 > gas) gas = est + est / 4;
        }
        s.gas = gas;
        if ((rc = sign_version(fw, &s, calldata, (size_t)cl))) {
            fw_alarm(fw, "signing an L1 transaction failed: %s", zs_strerror(rc));
            return rc;
        }
        s.sent_ms = fw->hal->now_ms(fw->hal->ctx);
        if ((rc = fw_journal_put_sub(fw, &s, rawtx))) {
            fw_alarm(fw, "journal write failed: %s; not sending", zs_strerror(rc));
            return rc;
        }
        fw->cur.l1_txs_sent++;
        fw_log(fw, "L1 nonce %llu: sequenceBatches %llu..%llu (%zu bytes of batch data, gas %llu)",
               (unsigned long long)s.nonce, (unsigned long long)s.first, (unsigned long long)s.last, total,
               (unsigned long long)gas);
        rc = send_sub(fw, &s, rawtx, s.raw_len);
        if (rc == ZS_ERR_STATE) { /* nonce taken: the next reconcile rebuilds */
            for (size_t i = 0; i < fw->nsubs; i++)
                if (fw->subs[i].nonce == s.nonce) fw_journal_drop_sub(fw, i);
            break;
        }
        if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT) return rc; /* kept: sent again once L1 answers */
        if (rc) break;
        memcpy(acc, a, 32);
        next = s.last + 1;
        fw->nonce_gap = 0;
        pending++;
    }
    return ZS_OK;
}

void fw_submit_tick(fw_t *fw)
{
    uint64_t now = fw->hal->now_ms(fw->hal->ctx);
    if (now < fw->l1_next_poll_ms || !fw->have_key)
        return;
    fw->l1_next_poll_ms = now + fw->cfg.poll_ms;
    int rc;
    if (!fw->l1_up) {
        uint64_t id;
        if ((rc = fw_l1_chain_id(&fw->l1, &id))) { l1_fail(fw, rc); return; }
        if (id != fw->cfg.l1_chain_id) {
            snprintf(fw->l1.err, sizeof fw->l1.err, "L1 chain id is %llu, configured %llu", (unsigned long long)id,
                     (unsigned long long)fw->cfg.l1_chain_id);
            l1_fail(fw, ZS_ERR_STATE);
            return;
        }
        uint8_t seq[20];
        if ((rc = fw_rollup_trusted_sequencer(&fw->l1, fw->cfg.rollup, seq))) { l1_fail(fw, rc); return; }
        if (memcmp(seq, fw->address, 20))
            fw_alarm(fw, "the rollup's trusted sequencer is not this firmware's key");
    }
    if ((rc = reconcile(fw)) || (rc = submit_new(fw))) {
        if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT || rc == ZS_ERR_PARSE || rc == ZS_ERR_REFUSED) {
            l1_fail(fw, rc);
            return;
        }
    }
    if (!fw->l1_up) fw_log(fw, "L1 reachable at %s", fw->cfg.l1_url);
    fw->l1_up = 1;
    fw->l1_backoff_ms = 0;
    snprintf(fw->l1_status, sizeof fw->l1_status, "up: head %llu, base fee %llu wei",
             (unsigned long long)fw->l1_head, (unsigned long long)fw->l1_base_fee);
    zs_u256_t bal;
    if (fw_l1_balance(&fw->l1, fw->address, &bal) == ZS_OK) fw->l1_balance = bal;
}


void fw_update_backpressure(fw_t *fw)
{
    /* With hysteresis: on at the limit, off below half of it. */
    uint64_t backlog = fw_backlog(fw);
    int bp = fw->backpressure ? backlog * 2 > fw->cfg.backlog_limit : backlog >= fw->cfg.backlog_limit;
    if (bp == fw->backpressure)
        return;
    fw->backpressure = bp;
    if (bp) fw_alarm(fw, "backpressure on: %llu sealed batches not yet on L1", (unsigned long long)backlog);
    else fw_log(fw, "backpressure off: backlog %llu", (unsigned long long)backlog);
    fw_mbox_send_state(fw);
}
