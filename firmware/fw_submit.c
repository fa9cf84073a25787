/* The L1 submission state machine (fw_submit.h). */
#include "firmware/fw_submit.h"

#include <stdio.h>
#include <string.h>

#include "firmware/fw_rollup.h"
#include "firmware/fw_submit_priv.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

/* Scratch for one transaction at a time, in static memory (the bare-metal
   board allocates nothing); one submitter per program.  rawtx holds any
   journaled transaction, a blob transaction's network form included. */
static uint8_t calldata[FW_CALLDATA_MAX];
uint8_t fw_submit_rawtx[FW_RAW_MAX];
#define rawtx fw_submit_rawtx
static uint8_t databuf[FW_BATCH_MAX];
#define TX_BATCHES_MAX 64

static uint64_t now(const fw_submit_t *s)
{
    return s->hal->now_ms(s->hal->ctx);
}

uint64_t fw_submit_now(const fw_submit_t *s)
{
    return now(s);
}

int fw_submit_init(fw_submit_t *s, const zs_hal_t *hal, const fw_cfg_t *cfg, fw_log_t *log, fw_journal_t *j,
                   char *l1_resp)
{
    memset(s, 0, sizeof *s);
    s->hal = hal;
    s->cfg = cfg;
    s->log = log;
    s->j = j;
    if (hal->key_read(hal->ctx, s->key) == ZS_OK && zs_key_to_address(s->key, s->address) == ZS_OK) s->have_key = 1;
    else fw_alarm(log, "no usable L1 key in the key store: nothing will be posted");
    int rc = fw_l1_init(&s->l1, hal, cfg->l1_url, cfg->l1_ca_pem, l1_resp, (int)cfg->l1_timeout_ms);
    if (rc)
        fw_log(log, "L1 URL %s: %s", cfg->l1_url,
               rc == ZS_ERR_UNSUPPORTED ? "https needs a build with TLS" : "not an http:// or https:// URL");
    return rc;
}

static void tag_of(char *tag, uint64_t block)
{
    snprintf(tag, 24, "0x%llx", (unsigned long long)block);
}

static int l1_fail(fw_submit_t *s, int rc)
{
    if (s->l1_up || !s->status[0]) fw_alarm(s->log, "L1 unreachable: %s", s->l1.err);
    s->l1_up = 0;
    snprintf(s->status, sizeof s->status, "down: %s", s->l1.err);
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 250;
    if (s->backoff_ms > 4000) s->backoff_ms = 4000;
    s->next_poll_ms = now(s) + s->backoff_ms;
    return rc;
}

/* Which version of a submission was mined: fills mined_block/hash.  0
   with *found. */
static int find_receipt(fw_submit_t *s, fw_sub_t *sub, fw_l1_receipt_t *r, int *found)
{
    *found = 0;
    for (int i = (int)sub->nhashes - 1; i >= 0; i--) {
        int rc = fw_l1_receipt(&s->l1, sub->hashes[i], r);
        if (rc) return rc;
        if (r->found) {
            *found = 1;
            memcpy(sub->mined_hash, sub->hashes[i], 32);
            sub->mined_block = r->block;
            return ZS_OK;
        }
    }
    return ZS_OK;
}

static void drop_subs_from(fw_submit_t *s, size_t i)
{
    while (s->j->nsubs > i) fw_journal_drop_sub(s->j, s->j->nsubs - 1);
}

/* Signs the submission's fields with data into rawtx; fills raw_len and
   adds the hash. */
static int sign_version(fw_submit_t *s, fw_sub_t *sub, const uint8_t *data, size_t dlen)
{
    zs_tx_t tx;
    memset(&tx, 0, sizeof tx);
    tx.type = ZS_TX_DYNAMIC_FEE;
    tx.has_chain_id = 1;
    tx.chain_id = s->cfg->l1_chain_id;
    tx.nonce = sub->nonce;
    tx.gas = sub->gas;
    tx.max_fee = zs_u256_from_u64(sub->max_fee);
    tx.max_priority_fee = zs_u256_from_u64(sub->tip);
    tx.gas_price = tx.max_fee;
    tx.has_to = 1;
    memcpy(tx.to, s->cfg->rollup, 20);
    tx.data = data;
    tx.data_len = dlen;
    size_t len;
    int rc = zs_tx_sign(&tx, s->key, rawtx, sizeof rawtx, &len);
    if (rc) return rc;
    sub->raw_len = (uint32_t)len;
    fw_submit_add_hash(sub, tx.hash);
    return ZS_OK;
}

void fw_submit_add_hash(fw_sub_t *sub, const uint8_t hash[32])
{
    if (sub->nhashes == FW_MAX_HASHES) {
        memmove(sub->hashes[0], sub->hashes[1], (FW_MAX_HASHES - 1) * 32);
        sub->nhashes--;
    }
    memcpy(sub->hashes[sub->nhashes++], hash, 32);
}

static int is_msg(const fw_submit_t *s, const char *needle)
{
    return strstr(s->l1.rpc_msg, needle) != NULL;
}

/* Sends the journaled raw bytes of sub.  0 sent (or already known),
   ZS_ERR_STATE when the nonce is used, another code otherwise. */
int fw_submit_send(fw_submit_t *s, const fw_sub_t *sub, const uint8_t *raw, size_t len)
{
    int rc = fw_l1_send_raw(&s->l1, raw, len);
    if (rc == ZS_ERR_REFUSED) {
        if (is_msg(s, "already known") || is_msg(s, "AlreadyKnown") || is_msg(s, "already imported")) return ZS_OK;
        if (is_msg(s, "nonce too low") || is_msg(s, "NonceTooLow") || is_msg(s, "nonce is too low"))
            return ZS_ERR_STATE;
        fw_alarm(s->log, "L1 refused transaction nonce %llu: %s", (unsigned long long)sub->nonce, s->l1.rpc_msg);
    }
    return rc;
}

/* The gas limit: the larger of the standard cost (21000, calldata at 16
   per non-zero and 4 per zero byte, the contract's work: a keccak per
   batch, storage writes, an event) and EIP-7623's calldata floor (21000 +
   10 per token, a token being a zero byte or a quarter of a non-zero one;
   Prague and later), with a tenth on top.  A limit below the floor is
   accepted by some nodes' pools and then dropped unmined, so this must
   never be short.  Checked against eth_estimateGas when the transaction is
   the only one in flight. */
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

uint64_t fw_blob_gas_limit(const uint8_t *data, size_t len, size_t nbatches, size_t nblobs)
{
    return fw_gas_limit(data, len, nbatches) + FW_BLOB_EXEC_GAS * nblobs;
}

/* The fees of a new version of sub: 12.5% up (geth's replacement rule),
   at least the market, at most the cap.  0, or 1 when the cap leaves no
   room (an alarm: the transaction stays as it is). */
static int bumped_fees(fw_submit_t *s, const fw_sub_t *sub, int more_gas, uint64_t *tip_out, uint64_t *fee_out)
{
    uint64_t tip = sub->tip + sub->tip / 8 + 1, fee = sub->max_fee + sub->max_fee / 8 + 1, cap = s->cfg->fee_cap_wei;
    if (tip < s->cfg->min_tip_wei) tip = s->cfg->min_tip_wei;
    uint64_t market = 2 * s->l1_base_fee + tip;
    if (fee < market) fee = market;
    if (fee > cap && more_gas) {
        /* Not a replacement (the node forgot the old one): same fees. */
        fee = sub->max_fee;
        tip = sub->tip;
    } else if (fee > cap) {
        if (sub->max_fee + sub->max_fee / 10 > cap) {
            if (!s->fee_alarm)
                fw_alarm(s->log, "L1 transaction nonce %llu stuck and its fee is at the cap (%llu wei)",
                         (unsigned long long)sub->nonce, (unsigned long long)cap);
            s->fee_alarm = 1;
            return 1;
        }
        fee = cap;
    }
    *tip_out = tip > fee ? fee : tip;
    *fee_out = fee;
    return 0;
}

/* A new version of sub with higher fees (and half as much gas again when
   more_gas), journaled, then sent. */
static int bump_gas(fw_submit_t *s, fw_sub_t *sub, int more_gas)
{
    if (sub->nblobs) return fw_submit_blob_bump(s, sub, more_gas);
    uint64_t tip, fee;
    if (bumped_fees(s, sub, more_gas, &tip, &fee)) return ZS_OK;
    size_t rlen;
    int rc = fw_journal_sub_raw(s->j, sub->nonce, rawtx, sizeof rawtx, &rlen);
    if (rc) return rc;
    zs_tx_t old;
    zs_perr_t pe;
    if (zs_tx_decode(rawtx, rlen, &old, &pe)) {
        fw_alarm(s->log, "journaled L1 transaction nonce %llu does not decode", (unsigned long long)sub->nonce);
        return ZS_ERR_CORRUPT;
    }
    if (old.data_len > sizeof calldata) return ZS_ERR_CORRUPT;
    memcpy(calldata, old.data, old.data_len);
    fw_sub_t n = *sub;
    n.tip = tip;
    n.max_fee = fee;
    n.bumps++;
    if (more_gas) n.gas += n.gas / 2;
    if ((rc = sign_version(s, &n, calldata, old.data_len)) || (rc = fw_journal_put_sub(s->j, &n, rawtx))) return rc;
    s->j->cur.bumps++;
    fw_log(s->log, "L1 nonce %llu: fees bumped to tip %llu, cap %llu wei", (unsigned long long)n.nonce,
           (unsigned long long)tip, (unsigned long long)fee);
    *sub = n;
    sub->sent_ms = now(s);
    rc = fw_submit_send(s, sub, rawtx, sub->raw_len);
    return rc == ZS_ERR_STATE ? ZS_OK : rc; /* the old version was mined: the next check sees it */
}

/* ---- Reconcile. */

/* What L1 says now: its head, the contract's last batch at the head (*L)
   and at the confirmation depth (*Lc), our nonces.  *L is read at
   "latest" and taken only when the head has not moved meanwhile (read
   again up to three times): a head of block N with the last batch of block
   N + 1 would report a batch virtual at a block without it, and ask for its
   accInputHash at N. */
static int read_l1(fw_submit_t *s, fw_l1_block_t *head, uint64_t *L, uint64_t *Lc)
{
    int rc;
    uint64_t head_after = 0;
    for (int reads = 0; reads < 3; reads++) {
        if ((rc = fw_l1_block(&s->l1, UINT64_MAX, head)) ||
            (rc = fw_rollup_last_batch(&s->l1, s->cfg->rollup, "latest", L)) ||
            (rc = fw_l1_block_number(&s->l1, &head_after)))
            return rc;
        if (head_after == head->number) break;
    }
    s->l1_head = head->number;
    s->l1_head_ts = head->timestamp;
    s->l1_base_fee = head->base_fee;
    *Lc = 0;
    if (head->number >= s->cfg->confirm_depth) {
        char tag[24];
        tag_of(tag, head->number - s->cfg->confirm_depth);
        if ((rc = fw_rollup_last_batch(&s->l1, s->cfg->rollup, tag, Lc))) return rc;
    }
    if ((rc = fw_l1_nonce(&s->l1, s->address, "latest", &s->nonce_latest)) ||
        (rc = fw_l1_nonce(&s->l1, s->address, "pending", &s->nonce_pending)))
        return rc;
    s->blob_fee_known = 0;
    if (s->cfg->l1_data != FW_L1_DATA_CALLDATA) {
        rc = fw_l1_blob_base_fee(&s->l1, &s->l1_blob_fee);
        if (rc == ZS_OK) s->blob_fee_known = 1;
        else if (rc != ZS_ERR_REFUSED) return rc; /* refused: an L1 before Cancun, calldata only */
    }
    return ZS_OK;
}

/* take_drops' and take_virtual's answer when what L1 said is to be read
   again at the next reconcile: nothing new is taken from it. */
#define READ_AGAIN 1

/* The contract's batches went back (a reorg, or a lost chain): mined
   submissions above it are pending again, confirmed ones are resubmitted.
   A drop is taken when the next reconcile reads it too (READ_AGAIN the
   first time: nothing changes, nothing new is posted until then): anvil,
   mining, has answered a call from a state without the sequences it had
   just reported, and a balancer's backends may differ. */
static int take_drops(fw_submit_t *s, uint64_t L, uint64_t Lc, int *changed)
{
    fw_journal_t *j = s->j;
    if (L >= j->cur.virtual_ && Lc >= j->cur.confirmed) {
        s->drop_reads = 0;
        return ZS_OK;
    }
    if (!s->drop_reads++) {
        fw_log(s->log, "L1 answers batch %llu as the rollup's last (%llu confirmed), below %llu (%llu): reading it again",
               (unsigned long long)L, (unsigned long long)Lc, (unsigned long long)j->cur.virtual_,
               (unsigned long long)j->cur.confirmed);
        s->acc_stale = 1;
        return READ_AGAIN;
    }
    if (L < j->cur.virtual_) {
        j->cur.reorgs++;
        fw_alarm(s->log, "L1 reorg: the rollup's last sequenced batch went back from %llu to %llu",
                 (unsigned long long)j->cur.virtual_, (unsigned long long)L);
        for (size_t i = 0; i < j->nsubs; i++)
            if (j->subs[i].last > L && j->subs[i].state == FW_SUB_MINED) {
                j->subs[i].state = FW_SUB_PENDING;
                j->subs[i].sent_ms = now(s);
                int rc = fw_journal_put_sub(j, &j->subs[i], NULL);
                if (rc) return rc;
            }
    }
    if (Lc < j->cur.confirmed) {
        fw_alarm(s->log, "L1 lost confirmed batches %llu..%llu (deep reorg or a new chain); resubmitting",
                 (unsigned long long)Lc + 1, (unsigned long long)j->cur.confirmed);
        j->cur.confirmed = Lc;
        *changed = 1;
    }
    return ZS_OK;
}

static int is_none(const uint8_t acc[32])
{
    static const uint8_t none[32];
    return !memcmp(acc, none, 32);
}

/* An answer for batch L's accInputHash that is none (L > 0: the contract
   stores a hash for every sequence it takes) or not what the firmware
   computed for its own submission ending at L. */
static int odd_acc(const fw_submit_t *s, uint64_t L, const uint8_t acc[32])
{
    if (L > 0 && is_none(acc)) return 1;
    for (size_t i = 0; i < s->j->nsubs; i++)
        if (s->j->subs[i].last == L && memcmp(s->j->subs[i].final_acc, acc, 32)) return 1;
    return 0;
}

/* What L1 holds moved (or must be read again): the contract's accInputHash
   for batch L (at "latest", as L was read).  An odd answer is taken only when the next
   read says the same (a hash; never none): anvil, mining, has answered a
   call from a state without the sequence it had just reported, and a
   balancer's backends may differ.  Until then nothing new is built on it.
   A batch sequenced after the head block read with it is read again
   (READ_AGAIN): anvil, mining, answers calls at "latest" from the new
   block's state while its block number is still the one before, and the
   batch would be reported virtual at a block without it. */
static int take_virtual(fw_submit_t *s, uint64_t L, const fw_l1_block_t *head, int *changed)
{
    fw_journal_t *j = s->j;
    if (L == j->cur.virtual_ && !*changed && !s->acc_stale) return ZS_OK;
    uint8_t acc[32];
    uint64_t ts;
    int rc = fw_rollup_acc(&s->l1, s->cfg->rollup, L, "latest", acc, &ts);
    if (rc) return rc;
    if (ts > head->timestamp) {
        fw_log(s->log, "L1 answers batch %llu sequenced at %llu, after its head block %llu (%llu): reading it again",
               (unsigned long long)L, (unsigned long long)ts, (unsigned long long)head->number,
               (unsigned long long)head->timestamp);
        return READ_AGAIN;
    }
    if (odd_acc(s, L, acc)) {
        char hex[67];
        zs_hex_encode_0x(hex, acc, 32);
        if (s->odd_batch != L || memcmp(s->odd_acc, acc, 32)) {
            fw_log(s->log, "L1 answers %s as the accInputHash of batch %llu (block %llu): reading it again", hex,
                   (unsigned long long)L, (unsigned long long)head->number);
            s->odd_batch = L;
            memcpy(s->odd_acc, acc, 32);
            s->odd_reads = 1;
            s->acc_stale = 1;
            return ZS_OK;
        }
        if (is_none(acc)) { /* never built on: said once, read again each reconcile */
            if (s->odd_reads++ == 1)
                fw_alarm(s->log, "L1 answers no accInputHash for batch %llu: nothing is posted until it does",
                         (unsigned long long)L);
            return ZS_OK;
        }
        fw_alarm(s->log, "the rollup's accInputHash for batch %llu is %s, not the firmware's", (unsigned long long)L, hex);
    }
    s->acc_stale = 0;
    s->odd_batch = 0;
    j->cur.virtual_ = L;
    memcpy(j->cur.virtual_acc, acc, 32);
    j->cur.virtual_l1_block = head->number;
    memset(j->cur.virtual_tx, 0, 32);
    *changed = 1;
    return ZS_OK;
}

/* Every transaction we send is journaled first, so a pending one whose
   nonce is above L1's next nonce, with none of ours at that nonce, can
   never be mined (a new chain, or a reorg that took the ones before it):
   those batches are built anew from L1's nonce and the contract's state. */
static void rebuild_after_gap(fw_submit_t *s)
{
    fw_journal_t *j = s->j;
    for (size_t i = 0; i < j->nsubs; i++) {
        if (j->subs[i].state != FW_SUB_PENDING) continue;
        int have = 0;
        for (size_t k = 0; k < j->nsubs; k++) have |= j->subs[k].nonce == s->nonce_latest;
        if (j->subs[i].nonce > s->nonce_latest && !have) {
            fw_alarm(s->log, "L1 transactions from nonce %llu wait behind nonce %llu that none of ours holds; rebuilding",
                     (unsigned long long)j->subs[i].nonce, (unsigned long long)s->nonce_latest);
            drop_subs_from(s, i);
            s->nonce_gap = 1;
            s->acc_stale = 1;
        }
        break;
    }
}

/* Submission i, which the contract covers: mined (its receipt read once),
   dropped when confirmed.  1 when it was dropped. */
static int check_covered(fw_submit_t *s, size_t i, uint64_t L, uint64_t Lc, int *changed, int *rc)
{
    fw_sub_t *sub = &s->j->subs[i];
    *rc = ZS_OK;
    if (sub->state != FW_SUB_MINED) {
        fw_l1_receipt_t r;
        int found;
        if ((*rc = find_receipt(s, sub, &r, &found))) return 0;
        sub->state = FW_SUB_MINED;
        if (found) {
            s->j->cur.fees_gwei += r.gas_used * r.effective_gas_price / 1000000000u;
            s->l1_gas_used += r.gas_used;
        }
        if ((*rc = fw_journal_put_sub(s->j, sub, NULL))) return 0;
    }
    if (sub->last == L) {
        memcpy(s->j->cur.virtual_tx, sub->mined_hash, 32);
        *changed = 1;
    }
    if (sub->last > Lc) return 0;
    fw_journal_drop_sub(s->j, i);
    return 1;
}

enum { NEXT = 0, STOP = 1 };

/* A receipt counts only when L1's nonce at latest, read after it, has
   passed the transaction's.  anvil, when a reorg races a send, can go on
   answering the receipt (and the transaction, and "already known") of a
   block whose effects the reorg took: the contract never saw it and the
   nonce is free again.  Such a version is forgotten and the submission
   signed anew (more gas, so a new hash), once two checks in a row saw it
   (a node behind a balancer may answer "latest" from a backend a block
   behind).  1 when the receipt is not taken this time. */
static int ghost_receipt(fw_submit_t *s, fw_sub_t *sub, int *rc)
{
    uint64_t n;
    if ((*rc = fw_l1_nonce(&s->l1, s->address, "latest", &n)) || n > sub->nonce) {
        sub->unheld = 0;
        return 0;
    }
    if (++sub->unheld < 2) return 1;
    sub->unheld = 0;
    fw_alarm(s->log, "L1 answers a receipt (block %llu) for nonce %llu that its state does not hold (nonce %llu); "
             "signing it again", (unsigned long long)sub->mined_block, (unsigned long long)sub->nonce,
             (unsigned long long)n);
    size_t k = 0;
    for (size_t i = 0; i < sub->nhashes; i++)
        if (memcmp(sub->hashes[i], sub->mined_hash, 32)) memmove(sub->hashes[k++], sub->hashes[i], 32);
    sub->nhashes = (uint32_t)k;
    sub->mined_block = 0;
    memset(sub->mined_hash, 0, 32);
    *rc = bump_gas(s, sub, 1);
    return 1;
}

/* Submission i, not yet covered by the contract: NEXT, STOP (the journal
   from i on was rebuilt), or an error. */
static int check_pending(fw_submit_t *s, size_t i)
{
    fw_sub_t *sub = &s->j->subs[i];
    fw_l1_receipt_t r;
    int found, rc = find_receipt(s, sub, &r, &found);
    if (rc) return rc;
    if (found && ghost_receipt(s, sub, &rc)) return rc;
    if (rc) return rc;
    if (found && !r.status) {
        fw_alarm(s->log, "L1 transaction nonce %llu (batches %llu..%llu) reverted; resubmitting",
                 (unsigned long long)sub->nonce, (unsigned long long)sub->first, (unsigned long long)sub->last);
        drop_subs_from(s, i);
        s->acc_stale = 1;
        return STOP;
    }
    if (found) return NEXT; /* mined after our read of the contract: next tick */
    int known = fw_l1_tx_known(&s->l1, sub->hashes[sub->nhashes - 1]);
    if (known < 0) return known;
    if (known) {
        if (now(s) - sub->sent_ms > s->cfg->stuck_ms) return bump_gas(s, sub, 0);
        sub->vanished = 0;
        return NEXT;
    }
    if (sub->nonce < s->nonce_latest) {
        /* Its nonce went to another version that is no longer there either
           (a reorg) or L1 forgot it: build anew. */
        fw_log(s->log, "L1 nonce %llu used without our transaction; resubmitting its batches",
               (unsigned long long)sub->nonce);
        drop_subs_from(s, i);
        return STOP;
    }
    /* A node that keeps forgetting a transaction it accepted finds it
       invalid at mining (a gas limit below what it wants, a fee below its
       floor): after three tries, a new version with half as much gas again
       and higher fees. */
    if (++sub->vanished >= 3) {
        fw_alarm(s->log, "L1 keeps dropping transaction nonce %llu; signing it again with more gas",
                 (unsigned long long)sub->nonce);
        sub->vanished = 0;
        return bump_gas(s, sub, 1);
    }
    size_t rlen;
    if ((rc = fw_journal_sub_raw(s->j, sub->nonce, rawtx, sizeof rawtx, &rlen))) return rc;
    rc = fw_submit_send(s, sub, rawtx, rlen);
    if (rc == ZS_ERR_STATE) {
        drop_subs_from(s, i);
        return STOP;
    }
    if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT) return rc;
    fw_log(s->log, "L1 nonce %llu sent again from the journal", (unsigned long long)sub->nonce);
    sub->sent_ms = now(s);
    return NEXT;
}

/* Journaled submissions against what L1 says. */
static int check_subs(fw_submit_t *s, uint64_t L, uint64_t Lc, int *changed)
{
    for (size_t i = 0; i < s->j->nsubs;) {
        int rc;
        if (s->j->subs[i].last <= L) {
            if (!check_covered(s, i, L, Lc, changed, &rc)) i++;
            if (rc) return rc;
            continue;
        }
        rc = check_pending(s, i);
        if (rc < 0) return rc;
        if (rc == STOP) break;
        i++;
    }
    return ZS_OK;
}

static int reconcile(fw_submit_t *s)
{
    fw_l1_block_t head;
    uint64_t L, Lc;
    int changed = 0, rc;
    if ((rc = read_l1(s, &head, &L, &Lc))) return rc;
    if ((rc = take_drops(s, L, Lc, &changed))) return rc == READ_AGAIN ? ZS_OK : rc;
    rc = take_virtual(s, L, &head, &changed);
    if (rc == READ_AGAIN) return changed ? fw_journal_put_cursor(s->j) : ZS_OK;
    if (rc) return rc;
    rebuild_after_gap(s);
    if ((rc = check_subs(s, L, Lc, &changed))) return rc;
    if (s->blobs) fw_blob_forget_upto(s->blobs, L);
    if (Lc > s->j->cur.confirmed) {
        s->j->cur.confirmed = Lc;
        fw_journal_drop_confirmed(s->j, Lc);
        changed = 1;
    }
    if (changed && (rc = fw_journal_put_cursor(s->j))) return rc;
    s->virtual_head = head.number; /* what the host hears is read at one head, not half of two */
    s->virtual_moved = 1; /* every reconcile: the head it was read at moves */
    return ZS_OK;
}

/* ---- Submit. */

/* The batches of one transaction. */
typedef struct {
    fw_seq_batch_t sb[TX_BATCHES_MAX];
    size_t nb, total;
    uint64_t max_ts;
    const uint8_t *coinbase;
} tx_batches_t;

static void ask_host(fw_submit_t *s, uint64_t from)
{
    if (!s->resend_from || from < s->resend_from) s->resend_from = from;
}

/* Journaled batches from next on, as many as one transaction carries (one
   coinbase, max_l1_tx_bytes, max_batches_per_tx), each checked against its
   hash; a missing or damaged one is asked from the host again. */
static void gather(fw_submit_t *s, uint64_t next, tx_batches_t *t)
{
    size_t used = 0;
    memset(t, 0, sizeof *t);
    for (uint64_t k = next; k <= s->j->cur.last_sealed && t->nb < s->cfg->max_batches_per_tx && t->nb < TX_BATCHES_MAX;
         k++) {
        fw_batch_t *b = fw_journal_find(s->j, k);
        if (!b || !b->has_data) {
            ask_host(s, k);
            break;
        }
        if (t->coinbase && memcmp(t->coinbase, b->coinbase, 20)) break;
        if (t->total + b->l2len > s->cfg->max_l1_tx_bytes || used + b->l2len > sizeof databuf) {
            if (!t->nb)
                fw_alarm(s->log, "batch %llu (%u bytes) is larger than an L1 transaction may carry",
                         (unsigned long long)k, b->l2len);
            break;
        }
        size_t len;
        if (fw_journal_batch_data(s->j, k, databuf + used, sizeof databuf - used, &len)) {
            ask_host(s, k);
            break;
        }
        uint8_t h[32];
        zs_keccak256(databuf + used, len, h);
        if (len != b->l2len || memcmp(h, b->batch_hash, 32)) {
            fw_alarm(s->log, "journaled data of batch %llu does not match its hash; asking the host again",
                     (unsigned long long)k);
            b->has_data = 0;
            ask_host(s, k);
            break;
        }
        t->sb[t->nb].data = databuf + used;
        t->sb[t->nb].len = len;
        t->sb[t->nb].forced_timestamp = b->forced ? b->forced_timestamp : 0;
        t->sb[t->nb].forced_ger = b->forced_ger;
        t->sb[t->nb].forced_block_hash = b->forced_block_hash;
        t->coinbase = b->coinbase;
        if (!b->forced && b->timestamp > t->max_ts) t->max_ts = b->timestamp;
        used += len;
        t->total += len;
        t->nb++;
    }
}

/* The new submission's nonce and fees: 0, or 1 when L1's fees are above
   the cap (batches are held, with an alarm). */
int fw_submit_price(fw_submit_t *s, uint64_t tip, fw_sub_t *sub)
{
    /* The node's pending count, which also skips transactions of ours
       dropped from the journal but still in its pool (after a revert);
       after a nonce gap, L1's own next nonce. */
    fw_journal_t *j = s->j;
    sub->nonce = s->nonce_gap ? s->nonce_latest : s->nonce_pending;
    if (j->nsubs && j->subs[j->nsubs - 1].nonce + 1 > sub->nonce) sub->nonce = j->subs[j->nsubs - 1].nonce + 1;
    sub->tip = tip;
    sub->max_fee = 2 * s->l1_base_fee + tip;
    if (s->l1_base_fee + tip > s->cfg->fee_cap_wei) {
        if (!s->fee_alarm)
            fw_alarm(s->log, "L1 fees (base %llu + tip %llu wei) are above the cap of %llu wei; holding batches",
                     (unsigned long long)s->l1_base_fee, (unsigned long long)tip,
                     (unsigned long long)s->cfg->fee_cap_wei);
        s->fee_alarm = 1;
        return 1;
    }
    s->fee_alarm = 0;
    if (sub->max_fee > s->cfg->fee_cap_wei) sub->max_fee = s->cfg->fee_cap_wei;
    return 0;
}

/* sub (nonce, fees, batches) with cl bytes of calldata for nb batches:
   gas, signed, journaled, sent.  0 sent, STOP, or an error. */
static int send_new(fw_submit_t *s, fw_sub_t *sub, size_t cl, size_t nb, size_t total)
{
    uint64_t gas = fw_gas_limit(calldata, cl, nb);
    int rc;
    if (!s->j->nsubs) {
        uint64_t est;
        rc = fw_l1_estimate_gas(&s->l1, s->address, s->cfg->rollup, calldata, cl, &est);
        if (rc == ZS_ERR_REFUSED) {
            fw_alarm(s->log, "sequenceBatches %llu..%llu would revert: %s", (unsigned long long)sub->first,
                     (unsigned long long)sub->last, s->l1.rpc_msg);
            return STOP;
        }
        if (rc) return rc;
        if (est + est / 4 > gas) gas = est + est / 4;
    }
    sub->gas = gas;
    if ((rc = sign_version(s, sub, calldata, cl))) {
        fw_alarm(s->log, "signing an L1 transaction failed: %s", zs_strerror(rc));
        return rc;
    }
    fw_log(s->log, "L1 nonce %llu: sequenceBatches %llu..%llu (%zu bytes of batch data, gas %llu)",
           (unsigned long long)sub->nonce, (unsigned long long)sub->first, (unsigned long long)sub->last, total,
           (unsigned long long)gas);
    return fw_submit_journal_send(s, sub, rawtx);
}

int fw_submit_journal_send(fw_submit_t *s, fw_sub_t *sub, const uint8_t *raw)
{
    sub->sent_ms = now(s);
    int rc = fw_journal_put_sub(s->j, sub, raw);
    if (rc) {
        fw_alarm(s->log, "journal write failed: %s; not sending", zs_strerror(rc));
        return rc;
    }
    s->j->cur.l1_txs_sent++;
    rc = fw_submit_send(s, sub, raw, sub->raw_len);
    if (rc == ZS_ERR_STATE) { /* nonce taken: the next reconcile rebuilds */
        for (size_t i = 0; i < s->j->nsubs; i++)
            if (s->j->subs[i].nonce == sub->nonce) fw_journal_drop_sub(s->j, i);
        return STOP;
    }
    if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT) return rc; /* kept: sent again once L1 answers */
    return rc ? STOP : ZS_OK;
}

/* Before it signs: every forced batch of the transaction is the one the
   contract queued (its forcedBatches entry), or nothing is sent (1). */
static int forced_unmatched(fw_submit_t *s, uint64_t first, const tx_batches_t *t)
{
    for (size_t i = 0; i < t->nb; i++) {
        if (!t->sb[i].forced_timestamp) continue;
        const fw_batch_t *b = fw_journal_find(s->j, first + i);
        uint8_t want[32], have[32];
        fw_rollup_forced_data_hash(&t->sb[i], want);
        if (fw_rollup_forced_hash(&s->l1, s->cfg->rollup, b->forced, have)) return 1; /* L1 unreachable: later */
        if (memcmp(want, have, 32)) {
            fw_alarm(s->log, "batch %llu: forced batch %llu is not what the contract queued; holding it",
                     (unsigned long long)b->number, (unsigned long long)b->forced);
            return 1;
        }
    }
    return 0;
}

/* One transaction for the batches from *next on, chained from acc: 0 (sent:
   *next and acc move on), STOP, or an error. */
static int submit_one(fw_submit_t *s, uint64_t *next, uint8_t acc[32], uint64_t tip)
{
    int rc = fw_submit_blob_tx(s, next, acc, tip);
    if (rc != FW_SUBMIT_CALLDATA) return rc;
    tx_batches_t t;
    gather(s, *next, &t);
    if (!t.nb) return STOP;
    if (t.max_ts > s->l1_head_ts + 36) return STOP; /* the contract's TIMESTAMP_RANGE: wait for L1 time */
    if (forced_unmatched(s, *next, &t)) return STOP;
    uint8_t a[32];
    memcpy(a, acc, 32);
    static const uint8_t no_forced_block[32];
    for (size_t i = 0; i < t.nb; i++) {
        const fw_seq_batch_t *sb = &t.sb[i];
        const uint8_t *bh = fw_journal_find(s->j, *next + i)->batch_hash;
        if (sb->forced_timestamp)
            zs_batch_acc_input_hash(a, bh, sb->forced_ger, sb->forced_timestamp, t.coinbase, sb->forced_block_hash, a);
        else
            zs_batch_acc_input_hash(a, bh, s->info_root, t.max_ts, t.coinbase, no_forced_block, a);
    }
    long cl = fw_rollup_calldata(t.sb, t.nb, s->info_index, t.max_ts, a, t.coinbase, calldata, sizeof calldata);
    if (cl < 0) return (int)cl;
    fw_sub_t sub;
    memset(&sub, 0, sizeof sub);
    sub.first = *next;
    sub.last = *next + t.nb - 1;
    memcpy(sub.final_acc, a, 32);
    if (fw_submit_price(s, tip, &sub)) return STOP;
    rc = send_new(s, &sub, (size_t)cl, t.nb, t.total);
    if (rc) return rc;
    memcpy(acc, a, 32);
    *next = sub.last + 1;
    s->nonce_gap = 0;
    return ZS_OK;
}

static int submit_new(fw_submit_t *s)
{
    fw_journal_t *j = s->j;
    s->fill_held = 0;
    if (s->acc_stale) /* the next reconcile reads the contract's chain again first */
        return ZS_OK;
    uint64_t next = j->cur.virtual_;
    uint8_t acc[32];
    memcpy(acc, j->cur.virtual_acc, 32);
    if (j->nsubs && j->subs[j->nsubs - 1].last > next) {
        next = j->subs[j->nsubs - 1].last;
        memcpy(acc, j->subs[j->nsubs - 1].final_acc, 32);
    }
    if (++next > j->cur.last_sealed) return ZS_OK;
    int rc;
    if ((rc = fw_ger_l1_info(&s->l1, s->cfg->ger, &s->info_index, s->info_root))) return rc;
    if (!s->info_index) {
        fw_alarm(s->log, "the L1 info tree is empty: nothing to name in sequenceBatches");
        return ZS_OK;
    }
    uint64_t tip = s->cfg->min_tip_wei, t;
    if (fw_l1_tip(&s->l1, &t) == ZS_OK && t > tip) tip = t;
    /* max_inflight bounds the transactions not yet mined (what a fee bump or
       a reorg may have to replace); mined ones waiting for their
       confirmation depth only take journal room. */
    size_t pending = fw_journal_pending(j);
    while (pending < s->cfg->max_inflight && j->nsubs < FW_MAX_SUBS && next <= j->cur.last_sealed) {
        rc = submit_one(s, &next, acc, tip);
        if (rc == STOP) break;
        if (rc) return rc;
        pending++;
    }
    return ZS_OK;
}

/* ---- A turn. */

/* L1 came back: is it the chain and contract configured? */
static int check_l1(fw_submit_t *s)
{
    uint64_t id;
    int rc = fw_l1_chain_id(&s->l1, &id);
    if (rc) return rc;
    if (id != s->cfg->l1_chain_id) {
        snprintf(s->l1.err, sizeof s->l1.err, "L1 chain id is %llu, configured %llu", (unsigned long long)id,
                 (unsigned long long)s->cfg->l1_chain_id);
        return ZS_ERR_STATE;
    }
    uint8_t seq[20];
    if ((rc = fw_rollup_trusted_sequencer(&s->l1, s->cfg->rollup, seq))) return rc;
    if (memcmp(seq, s->address, 20)) fw_alarm(s->log, "the rollup's trusted sequencer is not this firmware's key");
    return ZS_OK;
}

void fw_submit_tick(fw_submit_t *s)
{
    uint64_t t = now(s);
    if (t < s->next_poll_ms || !s->have_key) return;
    s->next_poll_ms = t + s->cfg->poll_ms;
    int rc;
    if (!s->l1_up && (rc = check_l1(s))) {
        l1_fail(s, rc);
        return;
    }
    if ((rc = reconcile(s)) || (rc = submit_new(s))) {
        if (rc == ZS_ERR_IO || rc == ZS_ERR_TIMEOUT || rc == ZS_ERR_PARSE || rc == ZS_ERR_REFUSED) {
            l1_fail(s, rc);
            return;
        }
    }
    if (!s->l1_up) fw_log(s->log, "L1 reachable at %s", s->cfg->l1_url);
    s->l1_up = 1;
    s->backoff_ms = 0;
    int n = snprintf(s->status, sizeof s->status, "up: head %llu, base fee %llu wei", (unsigned long long)s->l1_head,
                     (unsigned long long)s->l1_base_fee);
    if (s->fill_held && n > 0 && (size_t)n < sizeof s->status)
        snprintf(s->status + n, sizeof s->status - (size_t)n, "; batches from %llu held for a fuller blob (%d%% of one)",
                 (unsigned long long)s->fill_first, s->fill_pct);
    zs_u256_t bal;
    if (fw_l1_balance(&s->l1, s->address, &bal) == ZS_OK) s->l1_balance = bal;
}

int fw_submit_update_backpressure(fw_submit_t *s)
{
    uint64_t backlog = fw_journal_backlog(s->j);
    int bp = s->backpressure ? backlog * 2 > s->cfg->backlog_limit : backlog >= s->cfg->backlog_limit;
    if (bp == s->backpressure) return 0;
    s->backpressure = bp;
    if (bp) fw_alarm(s->log, "backpressure on: %llu sealed batches not yet on L1", (unsigned long long)backlog);
    else fw_log(s->log, "backpressure off: backlog %llu", (unsigned long long)backlog);
    return 1;
}
