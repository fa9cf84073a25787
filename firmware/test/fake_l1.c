#include "firmware/test/fake_l1.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

static uint8_t sel_seq[4], sel_last[4], sel_acc[4], sel_ts[4], sel_count[4], sel_root[4];

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
    selector("sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)", sel_seq);
    selector("lastBatchSequenced()", sel_last);
    selector("sequencedBatches(uint64)", sel_acc);
    selector("trustedSequencer()", sel_ts);
    selector("depositCount()", sel_count);
    selector("l1InfoRootMap(uint32)", sel_root);
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
    l1->blocks[l1->head].last_batch = last + n;
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
        if (zs_tx_decode(best->raw, best->raw_len, &tx, &e)) abort();
        /* As anvil (Prague): a gas limit below EIP-7623's calldata floor is
           taken into the pool, then dropped unmined. */
        uint64_t tokens = 0;
        for (size_t k = 0; k < tx.data_len; k++) tokens += tx.data[k] ? 4 : 1;
        uint64_t floor = 21000 + 10 * tokens;
        if (tx.gas < floor + floor * l1->gas_extra_pct / 100) {
            best->dropped = 1;
            l1->dropped_at_mining++;
            continue;
        }
        best->mined = 1;
        best->block = l1->head;
        best->status = run_sequence(l1, tx.data, tx.data_len);
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
    if (!s || !strcmp(s, "latest") || !strcmp(s, "pending")) return l1->head;
    uint64_t v = strtoull(s, NULL, 16);
    return v > l1->head ? l1->head : v;
}

static fake_tx_t *find_tx(fake_l1_t *l1, const uint8_t h[32])
{
    for (size_t i = 0; i < l1->ntxs; i++)
        if (!memcmp(l1->txs[i].hash, h, 32)) return &l1->txs[i];
    return NULL;
}

static json_t *call(fake_l1_t *l1, const char *m, json_t *params, const char **err)
{
    *err = NULL;
    if (!strcmp(m, "eth_chainId")) return qty(l1->chain_id);
    if (!strcmp(m, "eth_getBlockByNumber")) {
        uint64_t b = tag_block(l1, json_array_get(params, 0));
        uint8_t h[32] = {0};
        memcpy(h, &b, 8);
        return json_pack("{s:o,s:o,s:o,s:o}", "number", qty(b), "timestamp", qty(l1->blocks[b].timestamp),
                         "hash", hexj(h, 32), "baseFeePerGas", qty(l1->base_fee));
    }
    if (!strcmp(m, "eth_getTransactionCount")) {
        const char *tag = json_string_value(json_array_get(params, 1));
        uint64_t n = l1->nonce_mined;
        if (tag && !strcmp(tag, "pending"))
            for (size_t i = 0; i < l1->ntxs; i++)
                if (!l1->txs[i].mined && !l1->txs[i].dropped && l1->txs[i].nonce >= n) n = l1->txs[i].nonce + 1;
        return qty(n);
    }
    if (!strcmp(m, "eth_getBalance")) return json_string("0x3635c9adc5dea00000");
    if (!strcmp(m, "eth_maxPriorityFeePerGas")) return qty(l1->tip);
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
            w[0][31] = (uint8_t)l1->blocks[b].last_batch;
            w[0][30] = (uint8_t)(l1->blocks[b].last_batch >> 8);
        } else if (!memcmp(d, sel_acc, 4) && n >= 36) {
            uint64_t k = word_u64(d + 4);
            if (k <= l1->blocks[b].last_batch && k < FAKE_MAX_BLOCKS * 4) memcpy(w[0], l1->accs[k], 32);
            nw = 3;
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
        if (!raw || rl < 4 || zs_hex_decode(r, rl / 2 + 1, &n, raw + 2, rl - 2) || zs_tx_decode(r, n, &tx, &e)) {
            free(r);
            *err = "invalid transaction";
            return NULL;
        }
        if (l1->reject_sends) { free(r); *err = l1->next_error_msg; return NULL; }
        fake_tx_t *old = find_tx(l1, tx.hash);
        if (old && !old->dropped) { free(r); *err = "already known"; return NULL; }
        if (tx.nonce < l1->nonce_mined) { free(r); *err = "nonce too low"; return NULL; }
        uint64_t fee = tx.max_fee.w[0], tip = tx.max_priority_fee.w[0];
        for (size_t i = 0; i < l1->ntxs; i++) {
            fake_tx_t *t = &l1->txs[i];
            if (t->mined || t->dropped || t->nonce != tx.nonce) continue;
            if (fee < t->max_fee + t->max_fee / 10 || tip < t->tip + t->tip / 10) {
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
            return t && !t->dropped ? json_pack("{s:o}", "hash", hexj(h, 32)) : json_null();
        if (!t || !t->mined) return json_null();
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
