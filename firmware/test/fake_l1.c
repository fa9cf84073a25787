#include "firmware/test/fake_l1.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/blob/zs_blob.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/tx/zs_tx.h"
#include "lib/tx/zs_tx_blob.h"

static uint8_t sel_seq[4], sel_last[4], sel_acc[4], sel_ts[4], sel_count[4], sel_root[4], sel_blob[4], sel_blob_acc[4];
static zs_tx_blob_wire_t wire; /* one blob transaction read at a time */

static void selector(const char *sig, uint8_t out[4])
{
    uint8_t h[32];
    zs_keccak256((const uint8_t *)sig, strlen(sig), h);
    memcpy(out, h, 4);
}

void fake_l1_init(fake_l1_t *l1, const uint8_t rollup[20], const uint8_t ger[20], const uint8_t sequencer[20])
{
    memset(l1, 0, sizeof *l1);
    l1->chain_id = 31337;
    l1->base_fee = 1000000000;
    l1->tip = 1000000;
    memcpy(l1->rollup, rollup, 20);
    memcpy(l1->ger, ger, 20);
    memcpy(l1->sequencer, sequencer, 20);
    memset(l1->l1_info_root, 0x11, 32);
    l1->l1_info_count = 1;
    l1->now_s = 1700000000;
    l1->blocks[0].timestamp = l1->now_s;
    l1->blob_base_fee = 1;
    selector("sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)", sel_seq);
    selector("lastBatchSequenced()", sel_last);
    selector("sequencedBatches(uint64)", sel_acc);
    selector("trustedSequencer()", sel_ts);
    selector("depositCount()", sel_count);
    selector("l1InfoRootMap(uint32)", sel_root);
    selector("sequenceBlobBatches((bytes,bytes32[])[],address,bytes32,bytes32)", sel_blob);
    selector("lastBlobAccInputHash()", sel_blob_acc);
}

size_t fake_l1_pending(const fake_l1_t *l1)
{
    size_t n = 0;
    for (size_t i = 0; i < l1->ntxs; i++) n += !l1->txs[i].mined && !l1->txs[i].dropped;
    return n;
}

static uint64_t word_u64(const uint8_t *w)
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | w[i];
    return v;
}

static void put_u64(uint8_t w[32], uint64_t v)
{
    for (int i = 31; i >= 24; i--, v >>= 8) w[i] = (uint8_t)v;
}

/* Runs sequenceBatches as the contract does; 1 if it succeeds. */
static int run_sequence(fake_l1_t *l1, const uint8_t *d, size_t len)
{
    if (len < 4 + 5 * 32 || memcmp(d, sel_seq, 4)) return 0;
    const uint8_t *h = d + 4;
    size_t hl = len - 4;
    uint64_t arr = word_u64(h), index = word_u64(h + 32), max_ts = word_u64(h + 64);
    const uint8_t *expected = h + 96, *coinbase = h + 128 + 12;
    if (index != l1->l1_info_count) return 0; /* only one root in this model */
    if (max_ts > l1->blocks[l1->head].timestamp + 12 + 36) return 0;
    if (arr + 32 > hl) return 0;
    uint64_t n = word_u64(h + arr);
    const uint8_t *offs = h + arr + 32;
    if (!n || arr + 32 + 32 * n > hl) return 0;
    uint8_t acc[32], zero[32] = {0};
    memcpy(acc, l1->accs[l1->blocks[l1->head].last_batch], 32);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t t = arr + 32 + word_u64(offs + 32 * i);
        if (t + 128 > hl) return 0;
        uint64_t bo = t + word_u64(h + t);
        if (bo + 32 > hl) return 0;
        uint64_t bl = word_u64(h + bo);
        if (bo + 32 + bl > hl || bl > 120000) return 0;
        uint8_t th[32];
        zs_keccak256(h + bo + 32, bl, th);
        zs_batch_acc_input_hash(acc, th, l1->l1_info_root, max_ts, coinbase, zero, acc);
    }
    if (memcmp(acc, expected, 32)) return 0;
    uint64_t last = l1->blocks[l1->head].last_batch;
    for (uint64_t b = last + 1; b <= last + n; b++) l1->batch_seq_count[b]++;
    memcpy(l1->accs[last + n], acc, 32);
    l1->acc_ts[last + n] = l1->blocks[l1->head].timestamp;
    l1->blocks[l1->head].last_batch = last + n;
    return 1;
}

/* What a prover would find: the blob's batches hash to the stated hashes. */
static void check_blob_data(fake_l1_t *l1, const uint8_t *blob, const uint8_t *hashes, uint64_t m)
{
    static uint8_t scratch[ZS_BLOB_MAX_DATA];
    zs_blob_batch_t b[64];
    size_t n;
    const char *why;
    int bad = zs_blob_decode(blob, ZS_BLOB_BYTES, ZS_BLOB_EIP4844, scratch, b, 64, &n, &why) || n != m;
    for (size_t k = 0; !bad && k < n; k++) {
        uint8_t h[32];
        zs_keccak256(b[k].data, b[k].len, h);
        bad = memcmp(h, hashes + 32 * k, 32) != 0;
    }
    l1->blob_data_mismatches += (uint64_t)bad;
}

/* One BlobBatches tuple at h + t: the blob step into bacc and the batch
   steps into acc, as the contract does; the number of batches, or 0. */
static uint64_t blob_tuple(fake_l1_t *l1, const uint8_t *h, size_t hl, uint64_t t, const uint8_t *coinbase,
                           uint8_t bacc[32], uint8_t acc[32])
{
    static const uint8_t zero[32];
    if (t + 64 > hl) return 0;
    uint64_t po = t + word_u64(h + t), ho = t + word_u64(h + t + 32);
    if (po + 32 + 352 > hl || word_u64(h + po) != 352 || ho + 32 > hl) return 0;
    const uint8_t *p = h + po + 32, *cp = p + 256;
    uint64_t ts = word_u64(p), zk = word_u64(p + 32), idx = word_u64(p + 64), bi = word_u64(p + 96);
    uint64_t m = word_u64(h + ho);
    if (idx != l1->l1_info_count || ts > l1->blocks[l1->head].timestamp + 12 + 36 || bi >= wire.tx.nblobs || !m ||
        ho + 32 + 32 * m > hl)
        return 0;
    zs_blob_acc_t in = {.l1_info_index = (uint32_t)idx, .timestamp_limit = ts, .zk_gas_limit = zk, .type = 1};
    zs_blob_versioned_hash(cp, in.versioned_hash);
    if (memcmp(in.versioned_hash, wire.hashes[bi], 32)) return 0; /* blobhash(blobIndex) */
    int ok = 1;
    if (l1->kzg && (zs_kzg_verify_proof(l1->kzg, cp, p + 128, p + 160, cp + 48, &ok) || !ok)) return 0;
    memcpy(in.old_acc, bacc, 32);
    memcpy(in.l1_info_root, l1->l1_info_root, 32);
    memcpy(in.sequencer, coinbase, 20);
    zs_blob_acc_input_hash(&in, bacc);
    for (uint64_t k = 0; k < m; k++)
        zs_batch_acc_input_hash(acc, h + ho + 32 + 32 * k, l1->l1_info_root, ts, coinbase, zero, acc);
    if (l1->kzg) check_blob_data(l1, wire.blobs[bi], h + ho + 32, m);
    return m;
}

/* Runs sequenceBlobBatches (the transaction in `wire`); 1 if it succeeds. */
static int run_blob_sequence(fake_l1_t *l1)
{
    const uint8_t *d = wire.tx.data;
    size_t len = wire.tx.data_len;
    if (len < 4 + 5 * 32 || memcmp(d, sel_blob, 4)) return 0;
    const uint8_t *h = d + 4;
    size_t hl = len - 4;
    uint64_t arr = word_u64(h);
    if (arr + 32 > hl) return 0;
    uint64_t n = word_u64(h + arr), total = 0;
    if (!n || arr + 32 + 32 * n > hl) return 0;
    fake_block_t *top = &l1->blocks[l1->head];
    uint8_t acc[32], bacc[32];
    memcpy(acc, l1->accs[top->last_batch], 32);
    memcpy(bacc, top->blob_acc, 32);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t m = blob_tuple(l1, h, hl, arr + 32 + word_u64(h + arr + 32 + 32 * i), h + 32 + 12, bacc, acc);
        if (!m) return 0;
        total += m;
    }
    if (memcmp(acc, h + 96, 32) || memcmp(bacc, h + 64, 32)) return 0;
    uint64_t last = top->last_batch;
    for (uint64_t b = last + 1; b <= last + total; b++) l1->batch_seq_count[b]++;
    memcpy(l1->accs[last + total], acc, 32);
    l1->acc_ts[last + total] = top->timestamp;
    top->last_batch = last + total;
    memcpy(top->blob_acc, bacc, 32);
    l1->blob_txs_mined++;
    l1->blobs_mined += n;
    return 1;
}

void fake_l1_mine(fake_l1_t *l1)
{
    if (l1->head + 1 >= FAKE_MAX_BLOCKS) return;
    l1->head++;
    l1->now_s += 12;
    l1->blocks[l1->head] = l1->blocks[l1->head - 1];
    l1->blocks[l1->head].timestamp = l1->now_s;
    for (;;) {
        fake_tx_t *best = NULL;
        for (size_t i = 0; i < l1->ntxs; i++) {
            fake_tx_t *t = &l1->txs[i];
            if (t->mined || t->dropped || t->nonce != l1->nonce_mined) continue;
            if (t->max_fee < l1->base_fee) continue;
            best = t;
        }
        if (!best) break;
        zs_tx_t tx;
        zs_perr_t e;
        if (best->blob ? zs_tx_blob_unwrap(best->raw, best->raw_len, &wire) : zs_tx_decode(best->raw, best->raw_len, &tx, &e))
            abort();
        if (best->blob) {
            tx.data = wire.tx.data;
            tx.data_len = wire.tx.data_len;
            tx.gas = wire.tx.gas;
        }
        /* As anvil (Prague): a gas limit below EIP-7623's calldata floor is
           taken into the pool, then dropped unmined. */
        uint64_t tokens = 0;
        for (size_t k = 0; k < tx.data_len; k++) tokens += tx.data[k] ? 4 : 1;
        uint64_t floor = 21000 + 10 * tokens;
        if (tx.gas < floor + floor * l1->gas_extra_pct / 100 ||
            (best->blob && best->blob_fee < l1->blob_base_fee)) {
            best->dropped = 1;
            l1->dropped_at_mining++;
            continue;
        }
        best->mined = 1;
        best->block = l1->head;
        best->status = best->blob ? run_blob_sequence(l1) : run_sequence(l1, tx.data, tx.data_len);
        if (!best->status) l1->reverts++;
        l1->nonce_mined++;
    }
}

void fake_l1_reorg(fake_l1_t *l1, uint64_t depth)
{
    if (depth > l1->head) depth = l1->head;
    uint64_t keep = l1->head - depth;
    for (size_t i = 0; i < l1->ntxs; i++) {
        fake_tx_t *t = &l1->txs[i];
        if (t->mined && t->block > keep) {
            t->mined = 0;
            t->dropped = 1;
            t->ghost = l1->ghost_reorg;
            l1->nonce_mined--;
        }
    }
    /* Batches sequenced in the removed blocks no longer count. */
    for (uint64_t b = l1->blocks[keep].last_batch + 1; b <= l1->blocks[l1->head].last_batch; b++)
        l1->batch_seq_count[b]--;
    l1->head = keep;
}

static void hex0x(char *out, const uint8_t *p, size_t n)
{
    zs_hex_encode_0x(out, p, n);
}

static json_t *qty(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return json_string(b);
}

static json_t *hexj(const uint8_t *p, size_t n)
{
    char *b = malloc(2 * n + 3);
    hex0x(b, p, n);
    json_t *j = json_string(b);
    free(b);
    return j;
}

static uint64_t tag_block(const fake_l1_t *l1, json_t *tag)
{
    const char *s = json_string_value(tag);
    if (!s || !strcmp(s, "latest")) return l1->lag_latest && l1->head ? l1->head - 1 : l1->head;
    if (!strcmp(s, "pending")) return l1->head;
    uint64_t v = strtoull(s, NULL, 16);
    return v > l1->head ? l1->head : v;
}

/* The block number and block a node answers for tag (state_ahead: "latest"
   is the block before the head). */
static uint64_t head_block(const fake_l1_t *l1, json_t *tag)
{
    uint64_t b = tag_block(l1, tag);
    const char *s = json_string_value(tag);
    return l1->state_ahead && b && (!s || !strcmp(s, "latest")) ? b - 1 : b;
}

static fake_tx_t *find_tx(fake_l1_t *l1, const uint8_t h[32])
{
    for (size_t i = 0; i < l1->ntxs; i++)
        if (!memcmp(l1->txs[i].hash, h, 32)) return &l1->txs[i];
    return NULL;
}

/* A type-3 network form as anvil takes it: its fields into tx (hash,
   nonce, fees, gas, data), versioned hashes of its commitments, and with a
   KZG setup every cell proof (or blob proof) checked.  NULL, or the error. */
static const char *check_blob_tx(fake_l1_t *l1, const uint8_t *r, size_t n, zs_tx_t *tx)
{
    static uint8_t cells[128][ZS_KZG_CELL_BYTES];
    static uint64_t idx[128];
    if (zs_tx_blob_unwrap(r, n, &wire)) return "invalid transaction";
    memset(tx, 0, sizeof *tx);
    memcpy(tx->hash, wire.hash, 32);
    tx->nonce = wire.tx.nonce;
    tx->gas = wire.tx.gas;
    tx->max_fee = wire.tx.max_fee;
    tx->max_priority_fee = wire.tx.max_priority_fee;
    for (size_t i = 0; i < wire.tx.nblobs; i++) {
        uint8_t vh[32];
        int ok = 1;
        zs_blob_versioned_hash(wire.commitments[i], vh);
        if (memcmp(vh, wire.hashes[i], 32)) return "blob versioned hash mismatch";
        if (!l1->kzg) continue;
        if (wire.cell_proofs) {
            for (uint64_t k = 0; k < 128; k++) idx[k] = k;
            if (zs_kzg_cells(l1->kzg, wire.blobs[i], cells, NULL) ||
                zs_kzg_verify_cells(l1->kzg, wire.commitments[i], 128, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cells,
                                    (const uint8_t(*)[48])wire.proofs[128 * i], &ok))
                ok = 0;
        } else if (zs_kzg_verify_blob_proof(l1->kzg, wire.blobs[i], wire.commitments[i], wire.proofs[i], &ok)) {
            ok = 0;
        }
        if (!ok) {
            l1->bad_kzg_sends++;
            return "invalid KZG proof";
        }
    }
    return NULL;
}

static json_t *call(fake_l1_t *l1, const char *m, json_t *params, const char **err)
{
    *err = NULL;
    if (!strcmp(m, "eth_chainId")) return qty(l1->chain_id);
    if (!strcmp(m, "eth_blockNumber")) return qty(head_block(l1, NULL));
    if (!strcmp(m, "eth_getBlockByNumber")) {
        uint64_t b = head_block(l1, json_array_get(params, 0));
        uint8_t h[32] = {0};
        memcpy(h, &b, 8);
        json_t *blk = json_pack("{s:o,s:o,s:o,s:o}", "number", qty(b), "timestamp", qty(l1->blocks[b].timestamp),
                                "hash", hexj(h, 32), "baseFeePerGas", qty(l1->base_fee));
        const char *tag = json_string_value(json_array_get(params, 0));
        if (l1->mine_after_head_reads && tag && !strcmp(tag, "latest")) {
            l1->mine_after_head_reads--;
            fake_l1_mine(l1);
        }
        return blk;
    }
    if (!strcmp(m, "eth_getTransactionCount")) {
        const char *tag = json_string_value(json_array_get(params, 1));
        uint64_t n = l1->nonce_mined;
        if (l1->lag_latest && tag && !strcmp(tag, "latest"))
            for (size_t i = 0; i < l1->ntxs; i++)
                if (l1->txs[i].mined && l1->txs[i].block == l1->head) n--;
        if (tag && !strcmp(tag, "pending"))
            for (size_t i = 0; i < l1->ntxs; i++)
                if (!l1->txs[i].mined && !l1->txs[i].dropped && l1->txs[i].nonce >= n) n = l1->txs[i].nonce + 1;
        return qty(n);
    }
    if (!strcmp(m, "eth_getBalance")) return json_string("0x3635c9adc5dea00000");
    if (!strcmp(m, "eth_maxPriorityFeePerGas")) return qty(l1->tip);
    if (!strcmp(m, "eth_blobBaseFee")) return qty(l1->blob_base_fee);
    if (!strcmp(m, "eth_call") || !strcmp(m, "eth_estimateGas")) {
        json_t *o = json_array_get(params, 0);
        const char *data = json_string_value(json_object_get(o, "data"));
        size_t dl = data ? strlen(data) : 0;
        uint8_t *d = malloc(dl / 2 + 1);
        size_t n = 0;
        if (!data || dl < 10 || zs_hex_decode(d, dl / 2 + 1, &n, data + 2, dl - 2)) {
            free(d);
            *err = "bad call data";
            return NULL;
        }
        uint8_t w[3][32];
        memset(w, 0, sizeof w);
        size_t nw = 1;
        uint64_t b = tag_block(l1, json_array_get(params, 1));
        json_t *res = NULL;
        if (!strcmp(m, "eth_estimateGas")) {
            /* Would it succeed on the latest state? */
            fake_block_t save = l1->blocks[l1->head];
            uint64_t cnt[64];
            uint64_t last = save.last_batch;
            memcpy(cnt, &l1->batch_seq_count[last + 1], sizeof cnt);
            int ok = run_sequence(l1, d, n);
            memcpy(&l1->batch_seq_count[last + 1], cnt, sizeof cnt);
            l1->blocks[l1->head] = save;
            free(d);
            if (!ok) { *err = "execution reverted: FinalAccInputHashDoesNotMatch"; return NULL; }
            return qty(100000 + n * 16);
        }
        if (!memcmp(d, sel_last, 4)) {
            if (l1->last_reads_low) {
                l1->last_reads_low--;
            } else {
                w[0][31] = (uint8_t)l1->blocks[b].last_batch;
                w[0][30] = (uint8_t)(l1->blocks[b].last_batch >> 8);
            }
        } else if (!memcmp(d, sel_acc, 4) && n >= 36) {
            uint64_t k = word_u64(d + 4);
            if (k <= l1->blocks[b].last_batch && k < FAKE_MAX_BLOCKS * 4) {
                memcpy(w[0], l1->accs[k], 32);
                put_u64(w[1], l1->acc_ts[k]);
            }
            if (l1->acc_reads_none) { /* as anvil once answered while mining */
                l1->acc_reads_none--;
                memset(w[0], 0, 32);
            }
            nw = 3;
        } else if (!memcmp(d, sel_blob_acc, 4)) {
            memcpy(w[0], l1->blocks[b].blob_acc, 32);
        } else if (!memcmp(d, sel_ts, 4)) {
            memcpy(w[0] + 12, l1->sequencer, 20);
        } else if (!memcmp(d, sel_count, 4)) {
            w[0][31] = (uint8_t)l1->l1_info_count;
        } else if (!memcmp(d, sel_root, 4)) {
            if (n >= 36 && word_u64(d + 4) == l1->l1_info_count) memcpy(w[0], l1->l1_info_root, 32);
        } else {
            free(d);
            *err = "execution reverted";
            return NULL;
        }
        free(d);
        res = hexj(w[0], 32 * nw);
        return res;
    }
    if (!strcmp(m, "eth_sendRawTransaction")) {
        l1->sends++;
        const char *raw = json_string_value(json_array_get(params, 0));
        size_t rl = raw ? strlen(raw) : 0, n = 0;
        uint8_t *r = malloc(rl / 2 + 1);
        zs_tx_t tx;
        zs_perr_t e;
        int blob = 0;
        const char *why = NULL;
        if (!raw || rl < 4 || zs_hex_decode(r, rl / 2 + 1, &n, raw + 2, rl - 2) ||
            (n && r[0] == ZS_TX_BLOB_TYPE ? (blob = 1, (why = check_blob_tx(l1, r, n, &tx)) != NULL)
                                           : zs_tx_decode(r, n, &tx, &e) != 0)) {
            free(r);
            *err = why ? why : "invalid transaction";
            return NULL;
        }
        if (l1->reject_sends) { free(r); *err = l1->next_error_msg; return NULL; }
        fake_tx_t *old = find_tx(l1, tx.hash);
        if (old && (!old->dropped || old->ghost)) { free(r); *err = "already known"; return NULL; }
        if (tx.nonce < l1->nonce_mined) { free(r); *err = "nonce too low"; return NULL; }
        uint64_t fee = tx.max_fee.w[0], tip = tx.max_priority_fee.w[0];
        for (size_t i = 0; i < l1->ntxs; i++) {
            fake_tx_t *t = &l1->txs[i];
            if (t->mined || t->dropped || t->nonce != tx.nonce) continue;
            /* geth's rules: 10% more for a replacement, 100% (every fee) for a blob transaction */
            int bump = blob ? 100 : 10;
            if (fee < t->max_fee + t->max_fee * bump / 100 || tip < t->tip + t->tip * bump / 100 ||
                (blob && wire.tx.max_fee_per_blob_gas.w[0] < 2 * t->blob_fee)) {
                free(r);
                *err = "replacement transaction underpriced";
                return NULL;
            }
            t->dropped = 1; /* replaced */
        }
        if (l1->ntxs == FAKE_MAX_TXS) abort();
        fake_tx_t *t = old ? old : &l1->txs[l1->ntxs++];
        if (old) free(old->raw); /* sent again after it was dropped */
        memset(t, 0, sizeof *t);
        memcpy(t->hash, tx.hash, 32);
        t->nonce = tx.nonce;
        t->tip = tip;
        t->max_fee = fee;
        t->gas = tx.gas;
        t->raw = r;
        t->raw_len = n;
        t->blob = blob;
        t->blob_fee = blob ? wire.tx.max_fee_per_blob_gas.w[0] : 0;
        if (l1->drop_next_send) {
            l1->drop_next_send = 0;
            t->dropped = 1;
        }
        return hexj(tx.hash, 32);
    }
    if (!strcmp(m, "eth_getTransactionReceipt") || !strcmp(m, "eth_getTransactionByHash")) {
        const char *hs = json_string_value(json_array_get(params, 0));
        uint8_t h[32];
        if (!hs || zs_hex_decode_exact(h, 32, hs + 2)) { *err = "bad hash"; return NULL; }
        fake_tx_t *t = find_tx(l1, h);
        if (!strcmp(m, "eth_getTransactionByHash"))
            return t && (!t->dropped || t->ghost) ? json_pack("{s:o}", "hash", hexj(h, 32)) : json_null();
        if (!t || !(t->mined || t->ghost) || (l1->state_ahead && t->block == l1->head)) return json_null();
        uint8_t bh[32] = {0};
        memcpy(bh, &t->block, 8);
        return json_pack("{s:o,s:o,s:o,s:o,s:o}", "status", qty((uint64_t)t->status), "blockNumber", qty(t->block),
                         "blockHash", hexj(bh, 32), "gasUsed", qty(150000), "effectiveGasPrice",
                         qty(l1->base_fee + t->tip));
    }
    *err = "method not found";
    return NULL;
}

void fake_l1_handle(fake_l1_t *l1, const char *body, size_t len, char *out, size_t cap)
{
    l1->calls++;
    json_error_t je;
    json_t *req = json_loadb(body, len, 0, &je);
    const char *m = json_string_value(json_object_get(req, "method"));
    json_t *id = json_object_get(req, "id");
    json_t *resp;
    const char *err = NULL;
    json_t *res = NULL;
    if (!m) err = "bad request";
    else if (l1->next_error_method[0] && !strcmp(m, l1->next_error_method)) {
        l1->next_error_method[0] = 0;
        err = l1->next_error_msg;
    } else res = call(l1, m, json_object_get(req, "params"), &err);
    if (err)
        resp = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", "code",
                         -32000, "message", err);
    else
        resp = json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result", res);
    char *s = json_dumps(resp, JSON_COMPACT);
    snprintf(out, cap, "%s", s);
    free(s);
    json_decref(resp);
    json_decref(req);
}
