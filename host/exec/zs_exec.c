#include "host/exec/zs_exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"

const uint8_t zs_system_address[20] = {0, 0, 0, 0, 0, 0, 0,    0,    0,    0,
                                       0, 0, 0, 0, 0, 0, 0x5c, 0xa1, 0xab, 0x1e};
const uint8_t zs_ger_manager_l2_address[20] = {0xa4, 0x0d, 0x5f, 0x56, 0x74, 0x5a, 0x11,
                                               0x8d, 0x09, 0x06, 0xa3, 0x4e, 0x69, 0xae,
                                               0xc8, 0xc0, 0xdb, 0x1c, 0xb8, 0xfa};

const char *zs_exec_reason_text(zs_exec_reason_t r)
{
    switch (r) {
    case ZS_EXEC_OK:
        return "included";
    case ZS_EXEC_NONCE:
        return "invalid nonce";
    case ZS_EXEC_FUNDS:
        return "insufficient funds for gas * price + value";
    case ZS_EXEC_SENDER_HAS_CODE:
        return "sender has code (EIP-3607)";
    case ZS_EXEC_GAS_LIMIT:
        return "gas limit exceeds the transaction maximum";
    case ZS_EXEC_INTRINSIC_GAS:
        return "intrinsic gas too low";
    case ZS_EXEC_CHAIN_ID:
        return "invalid chain id";
    case ZS_EXEC_OUT_OF_COUNTERS:
        return "out of counters: the batch has no room left for this transaction";
    }
    return "unknown";
}

/* Keys of the block info tree: H([n as 32-bit limbs, 0, type, 0], H(0)). */
/* The state a block info tree key of (index n, type) is the permutation of. */
static void index_key_state(uint64_t n, uint64_t type, uint64_t s[12])
{
    static uint64_t cap[4];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        uint64_t z[12] = {0};
        zs_poseidon_permute(z); /* H(0^8, 0^4) */
        memcpy(cap, z, 32);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    memset(s, 0, 12 * sizeof s[0]);
    s[0] = n & 0xffffffffull;
    s[1] = n >> 32;
    s[6] = type;
    memcpy(s + 8, cap, 32);
}

static zs_smt_key_t index_key(uint64_t n, uint64_t type)
{
    uint64_t s[12];
    index_key_state(n, type, s);
    zs_poseidon_permute(s);
    zs_smt_key_t k;
    memcpy(k.e, s, 32);
    return k;
}

zs_exec_t *zs_exec_new(zs_state_t *st, const zs_exec_cfg_t *cfg)
{
    zs_exec_t *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->st = st;
    x->cfg = *cfg;
    if (!x->cfg.tx_gas_limit)
        x->cfg.tx_gas_limit = ZS_TX_GAS_LIMIT;
    for (int i = 0; i < H_COUNT; i++)
        x->header_keys[i] = index_key((uint64_t)i, KEY_HEADER);
    x->mcp = 32;
    if (!(x->info = exec_info_new(cfg->info_pass)) || !(x->evm = exec_evm_new(x))) {
        exec_info_free(x->info);
        free(x);
        return NULL;
    }
    return x;
}

void zs_exec_free(zs_exec_t *x)
{
    if (!x)
        return;
    exec_info_free(x->info);
    zs_evm_free(x->evm);
    free(x->host.code);
    free(x->host.touched);
    free(x->plogs);
    free(x->plog_buf);
    free(x->tx_keys);
    free(x);
}

static const tx_keys_t *keys_for(zs_exec_t *x, uint32_t index)
{
    if (index >= x->n_tx_keys) {
        size_t n = x->n_tx_keys ? x->n_tx_keys : 256;
        while (n <= index)
            n *= 2;
        tx_keys_t *k = realloc(x->tx_keys, n * sizeof *k);
        if (!k)
            return NULL;
        /* Four keys per index, in lane-parallel batches. */
        static const uint64_t types[4] = {KEY_TX_HASH, KEY_TX_STATUS, KEY_TX_CUMULATIVE_GAS, KEY_TX_EFFECTIVE_PCT};
        uint64_t st[64][12];
        for (size_t i = x->n_tx_keys; i < n;) {
            size_t m = n - i < 16 ? n - i : 16;
            for (size_t j = 0; j < m; j++)
                for (int t = 0; t < 4; t++) index_key_state(i + j, types[t], st[4 * j + (size_t)t]);
            zs_poseidon_permute_batch(st, 4 * m);
            for (size_t j = 0; j < m; j++) {
                memcpy(k[i + j].hash.e, st[4 * j], 32);
                memcpy(k[i + j].status.e, st[4 * j + 1], 32);
                memcpy(k[i + j].cumulative.e, st[4 * j + 2], 32);
                memcpy(k[i + j].pct.e, st[4 * j + 3], 32);
            }
            i += m;
        }
        x->tx_keys = k;
        x->n_tx_keys = n;
    }
    return &x->tx_keys[index];
}

void zs_exec_mapping_slot(const zs_u256_t *a, const zs_u256_t *b, zs_u256_t *out)
{
    uint8_t buf[64], h[32];
    zs_u256_to_be32(a, buf);
    zs_u256_to_be32(b, buf + 32);
    zs_keccak256(buf, 64, h);
    *out = zs_u256_from_be32(h);
}

static zs_u256_t num(uint64_t v)
{
    return zs_u256_from_u64(v);
}

static zs_u256_t bytes_num(const uint8_t *p, size_t n)
{
    uint8_t be[32] = {0};
    memcpy(be + 32 - n, p, n);
    return zs_u256_from_be32(be);
}

static int info_set(zs_exec_t *x, const zs_smt_key_t *k, const zs_u256_t *v)
{
    return exec_info_set(x->info, &k, v, 1);
}

int zs_exec_genesis_timestamp(zs_state_t *st, uint64_t timestamp)
{
    zs_u256_t slot = num(SLOT_TIMESTAMP), ts = num(timestamp);
    return zs_state_set_storage(st, zs_system_address, &slot, &ts);
}

int zs_exec_block_begin(zs_exec_t *x, const uint64_t parent_root[4], uint32_t delta_timestamp,
                        const zs_l1_info_t *l1, zs_exec_block_t *out)
{
    if (x->in_block)
        return ZS_ERR_STATE;
    zs_evm_forget(x->evm); /* the state moves under it from here */
    zs_state_t *st = x->st;
    zs_u256_t slot, old_number, old_ts;
    int rc;
    /* stateRootMap[oldBlockNumber] = the root before this block. */
    slot = num(SLOT_LAST_BLOCK);
    if ((rc = zs_state_storage(st, zs_system_address, &slot, &old_number)))
        return rc;
    zs_u256_t root = zs_smt_h4_to_u256(parent_root), pos = num(SLOT_STATE_ROOT), key;
    zs_exec_mapping_slot(&old_number, &pos, &key);
    if ((rc = zs_state_set_storage(st, zs_system_address, &key, &root)))
        return rc;
    /* The block number. */
    zs_u256_t one = num(1), number;
    zs_u256_add(&number, &old_number, &one);
    if ((rc = zs_state_set_storage(st, zs_system_address, &slot, &number)))
        return rc;
    /* The timestamp: the previous one plus the delta. */
    slot = num(SLOT_TIMESTAMP);
    if ((rc = zs_state_storage(st, zs_system_address, &slot, &old_ts)))
        return rc;
    zs_u256_t delta = num(delta_timestamp), ts;
    zs_u256_add(&ts, &old_ts, &delta);
    if ((rc = zs_state_set_storage(st, zs_system_address, &slot, &ts)))
        return rc;
    /* A new global exit root is recorded once, with its L1 block hash. */
    memset(out, 0, sizeof *out);
    if (l1) {
        zs_u256_t ger = bytes_num(l1->global_exit_root, 32), gpos = num(SLOT_GLOBAL_EXIT_ROOT),
                  gkey, cur;
        if (!zs_u256_is_zero(&ger)) {
            zs_exec_mapping_slot(&ger, &gpos, &gkey);
            if ((rc = zs_state_storage(st, zs_ger_manager_l2_address, &gkey, &cur)))
                return rc;
            if (zs_u256_is_zero(&cur)) {
                zs_u256_t bh = bytes_num(l1->block_hash, 32);
                if ((rc = zs_state_set_storage(st, zs_ger_manager_l2_address, &gkey, &bh)))
                    return rc;
            }
        }
        memcpy(out->ger, l1->global_exit_root, 32);
        memcpy(out->block_hash_l1, l1->block_hash, 32);
    }
    /* A fresh block info tree with the header. */
    if ((rc = exec_info_begin(x->info, zs_state_hasher(st)))) /* the card's, where the state tree's go */
        return rc;
    zs_u256_t coinbase = bytes_num(x->cfg.coinbase, 20), gas_limit = num(ZS_BLOCK_GAS_LIMIT);
    zs_u256_t ger = bytes_num(out->ger, 32), bh = bytes_num(out->block_hash_l1, 32);
    const zs_smt_key_t *hk[] = {&x->header_keys[H_BLOCK_HASH], &x->header_keys[H_COINBASE],
                                &x->header_keys[H_NUMBER],     &x->header_keys[H_GAS_LIMIT],
                                &x->header_keys[H_TIMESTAMP],  &x->header_keys[H_GER],
                                &x->header_keys[H_BLOCK_HASH_L1]};
    const zs_u256_t hv[] = {root, coinbase, number, gas_limit, ts, ger, bh};
    if ((rc = exec_info_set(x->info, hk, hv, 7)))
        return rc;
    x->tx_index = 0;
    x->log_index = 0;
    x->cumulative_gas = 0;
    x->in_block = 1;
    if (!zs_u256_fits_u64(&number) || !zs_u256_fits_u64(&ts))
        return ZS_ERR_RANGE;
    out->number = number.w[0];
    out->timestamp = ts.w[0];
    zs_smt_h4_to_be(parent_root, out->parent_root);
    x->blk = *out;
    return ZS_OK;
}

zs_u256_t zs_exec_effective_gas_price(const zs_u256_t *gas_price, uint8_t pct)
{
    zs_u256_t r;
    if (zs_u256_mul_u64(&r, gas_price, (uint64_t)pct + 1)) {
        /* Above 2^248 wei per gas: divide first (exact when it matters). */
        zs_u256_divmod_u64(&r, gas_price, 256);
        zs_u256_mul_u64(&r, &r, (uint64_t)pct + 1);
        return r;
    }
    zs_u256_divmod_u64(&r, &r, 256);
    return r;
}

/* The price a transaction pays before the effective percentage: its gas
   price, or for EIP-1559 min(maxFee, baseFee + maxPriorityFee) with L2's
   constant base fee (which goes to the coinbase too: nothing is burnt). */
zs_u256_t zs_exec_tx_price(const zs_tx_t *tx, const zs_u256_t *base_fee)
{
    if (tx->type != ZS_TX_DYNAMIC_FEE)
        return tx->gas_price;
    zs_u256_t p;
    if (zs_u256_add(&p, base_fee, &tx->max_priority_fee) || zs_u256_cmp(&p, &tx->max_fee) > 0)
        return tx->max_fee;
    return p;
}

static zs_u256_t tx_price(const zs_exec_t *x, const zs_tx_t *tx)
{
    return zs_exec_tx_price(tx, &x->cfg.base_fee);
}

static void put_be(uint8_t *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The bytes Polygon's L2 transaction hash covers: has-chain-id flag, nonce
   u64, gasPrice u256, gas u64, deploy flag, [to], value u256, data length
   u24, data, [chainId u64], from.  Into a malloc'd buffer (or buf when it
   fits in cap); NULL when out of memory. */
static uint8_t *l2_message(const zs_tx_t *tx, const zs_u256_t *price, const uint8_t sender[20],
                           uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 1 + 8 + 32 + 8 + 1 + (tx->has_to ? 20 : 0) + 32 + 3 + tx->data_len +
               (tx->has_chain_id ? 8 : 0) + 20;
    if (n > cap && !(buf = malloc(n)))
        return NULL;
    uint8_t *p = buf;
    *p++ = tx->has_chain_id ? 1 : 0;
    put_be(p, tx->nonce, 8);
    p += 8;
    zs_u256_to_be32(price, p);
    p += 32;
    put_be(p, tx->gas, 8);
    p += 8;
    *p++ = tx->has_to ? 0 : 1;
    if (tx->has_to) {
        memcpy(p, tx->to, 20);
        p += 20;
    }
    zs_u256_to_be32(&tx->value, p);
    p += 32;
    put_be(p, tx->data_len, 3);
    p += 3;
    if (tx->data_len)
        memcpy(p, tx->data, tx->data_len);
    p += tx->data_len;
    if (tx->has_chain_id) {
        put_be(p, tx->chain_id, 8);
        p += 8;
    }
    memcpy(p, sender, 20);
    *len = n;
    return buf;
}

void zs_exec_l2_tx_hash(const zs_tx_t *tx, const zs_u256_t *price, const uint8_t sender[20],
                        uint8_t out[32])
{
    uint8_t stackbuf[512];
    size_t n;
    uint8_t *buf = l2_message(tx, price, sender, stackbuf, sizeof stackbuf, &n);
    if (!buf) {
        memset(out, 0, 32);
        return;
    }
    uint64_t h[4];
    zs_smt_hash_bytecode(buf, n, h);
    zs_smt_h4_to_be(h, out);
    if (buf != stackbuf)
        free(buf);
}

int zs_exec_prepare(zs_exec_t *x, const zs_tx_t *const *txs, const uint8_t (*senders)[20], size_t n,
                    uint8_t (*l2_hashes)[32])
{
    enum { CHUNK = 32 };
    uint8_t addrs[2 * CHUNK + 1][20], small[CHUNK][256];
    const uint8_t *msgs[CHUNK];
    size_t lens[CHUNK];
    uint64_t h[CHUNK][4];
    int rc = ZS_OK;
    for (size_t base = 0; base < n && !rc; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK, k = 0;
        memcpy(addrs[k++], x->cfg.coinbase, 20);
        for (size_t i = 0; i < m; i++) {
            const zs_tx_t *tx = txs[base + i];
            memcpy(addrs[k++], senders[base + i], 20);
            if (tx->has_to)
                memcpy(addrs[k++], tx->to, 20);
            zs_u256_t price = tx_price(x, tx);
            msgs[i] =
                l2_message(tx, &price, senders[base + i], small[i], sizeof small[i], &lens[i]);
            if (!msgs[i])
                rc = ZS_ERR_NOMEM;
        }
        if (!rc)
            rc = zs_state_prefetch_keys(x->st, (const uint8_t(*)[20])addrs, k);
        if (!rc)
            zs_smt_hash_bytecode_many(msgs, lens, m, h);
        for (size_t i = 0; i < m; i++) {
            if (!rc)
                zs_smt_h4_to_be(h[i], l2_hashes[base + i]);
            if (msgs[i] && msgs[i] != small[i])
                free((void *)msgs[i]);
        }
    }
    return rc;
}

static int add_balance(zs_state_t *st, const uint8_t a[20], const zs_u256_t *v, int subtract)
{
    zs_u256_t b;
    int rc = zs_state_balance(st, a, &b);
    if (rc)
        return rc;
    if (subtract ? zs_u256_sub(&b, &b, v) : zs_u256_add(&b, &b, v))
        return ZS_ERR_OVERFLOW;
    return zs_state_set_balance(st, a, &b);
}

int zs_exec_tx(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
               zs_exec_result_t *r)
{
    return zs_exec_tx_fit(x, tx, sender, pct, NULL, NULL, r);
}

int zs_exec_tx_prepared(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                        const uint8_t l2_hash[32], zs_exec_result_t *r)
{
    return zs_exec_tx_fit(x, tx, sender, pct, l2_hash, NULL, r);
}

void zs_exec_set_mcp(zs_exec_t *x, uint32_t mcp)
{
    x->mcp = mcp;
    zs_evm_set_mcp(x->evm, mcp);
}

void zs_exec_set_tracer(zs_exec_t *x, const zs_evm_tracer_t *t)
{
    zs_evm_set_tracer(x->evm, t);
}

/* Polygon's executor checks, in its order: chain id, nonce, upfront cost
   at the effective price, sender without code (EIP-3607), gas limit.
   ZS_OK with r->reason set. */
static int precheck(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                    zs_exec_result_t *r)
{
    zs_state_t *st = x->st;
    int rc;
    if (tx->has_chain_id && tx->chain_id != x->cfg.chain_id) {
        r->reason = ZS_EXEC_CHAIN_ID;
        return ZS_OK;
    }
    uint64_t nonce, code_len;
    zs_u256_t balance;
    if ((rc = zs_state_nonce(st, sender, &nonce)) || (rc = zs_state_balance(st, sender, &balance)))
        return rc;
    if (nonce != tx->nonce) {
        r->reason = ZS_EXEC_NONCE;
        return ZS_OK;
    }
    r->effective_gas_price = zs_exec_effective_gas_price((zs_u256_t[]){tx_price(x, tx)}, pct);
    zs_u256_t upfront, gas = zs_u256_from_u64(tx->gas);
    if (zs_u256_mul(&upfront, &gas, &r->effective_gas_price) ||
        zs_u256_add(&upfront, &upfront, &tx->value) || zs_u256_cmp(&upfront, &balance) > 0) {
        r->reason = ZS_EXEC_FUNDS;
        return ZS_OK;
    }
    if ((rc = zs_state_code_length(st, sender, &code_len)))
        return rc;
    if (code_len) {
        r->reason = ZS_EXEC_SENDER_HAS_CODE;
        return ZS_OK;
    }
    if (tx->gas > x->cfg.tx_gas_limit) {
        r->reason = ZS_EXEC_GAS_LIMIT;
        return ZS_OK;
    }
    r->reason = ZS_EXEC_OK;
    return ZS_OK;
}

/* A transfer to an account without code: exactly its intrinsic gas, the
   value and fee moved directly. */
static int transfer(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], const zs_vcount_t *room,
                    zs_exec_result_t *r)
{
    zs_state_t *st = x->st;
    uint64_t intrinsic = zs_tx_intrinsic_gas(tx, NULL), nonce;
    if (tx->gas < intrinsic) {
        r->reason = ZS_EXEC_INTRINSIC_GAS;
        return ZS_OK;
    }
    zs_vacc_t acc = {0};
    zs_vcount_process_tx(&acc, 0, 0);
    zs_vcount_add(&r->counters, &acc, x->mcp);
    if (room && !zs_vcount_fits(&r->counters, room)) {
        r->reason = ZS_EXEC_OUT_OF_COUNTERS;
        return ZS_OK;
    }
    int rc = zs_state_nonce(st, sender, &nonce);
    if (rc)
        return rc;
    r->gas_used = intrinsic;
    r->status = 1;
    zs_u256_t used = zs_u256_from_u64(intrinsic), cost;
    zs_u256_mul(&r->fee, &used, &r->effective_gas_price); /* <= upfront: no overflow */
    zs_u256_add(&cost, &r->fee, &tx->value);
    if ((rc = add_balance(st, sender, &cost, 1)) || (rc = zs_state_set_nonce(st, sender, nonce + 1)) ||
        (rc = add_balance(st, tx->to, &tx->value, 0)) || (rc = add_balance(st, x->cfg.coinbase, &r->fee, 0)))
        return rc;
    /* the EVM's overlay may hold these three: it reads them again */
    zs_evm_refresh(x->evm, sender);
    zs_evm_refresh(x->evm, tx->to);
    zs_evm_refresh(x->evm, x->cfg.coinbase);
    return ZS_OK;
}

int zs_exec_tx_fit(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                   const uint8_t l2_hash[32], const zs_vcount_t *room, zs_exec_result_t *r)
{
    memset(r, 0, sizeof *r);
    if (!x->in_block)
        return ZS_ERR_STATE;
    int rc = precheck(x, tx, sender, pct, r), evm = 0;
    if (rc || r->reason != ZS_EXEC_OK)
        return rc;
    if ((rc = exec_needs_evm(x, tx, &evm)))
        return rc;
    rc = evm ? exec_evm_tx(x, tx, sender, room, r) : transfer(x, tx, sender, room, r);
    if (rc || r->reason != ZS_EXEC_OK)
        return rc;
    return exec_receipt(x, tx, sender, pct, l2_hash, r);
}

/* A log waits for the block's end: its leaf's key and value are hashed
   with the others'. */
static int defer_log(zs_exec_t *x, uint32_t tx, uint32_t index, const zs_evm_log_t *l)
{
    size_t n = l->len + 32 * (size_t)l->ntopics;
    if (x->nplogs == x->capplogs) {
        size_t c = x->capplogs ? 2 * x->capplogs : 64;
        struct pending_log *p = realloc(x->plogs, c * sizeof *p);
        if (!p)
            return ZS_ERR_NOMEM;
        x->plogs = p;
        x->capplogs = c;
    }
    if (x->plog_len + n > x->plog_cap) {
        size_t c = x->plog_cap ? 2 * x->plog_cap : 4096;
        while (c < x->plog_len + n)
            c *= 2;
        uint8_t *b = realloc(x->plog_buf, c);
        if (!b)
            return ZS_ERR_NOMEM;
        x->plog_buf = b;
        x->plog_cap = c;
    }
    uint8_t *d = x->plog_buf + x->plog_len;
    if (l->len)
        memcpy(d, l->data, l->len);
    for (int i = 0; i < l->ntopics; i++)
        memcpy(d + l->len + 32 * (size_t)i, l->topics[i], 32);
    x->plogs[x->nplogs++] = (struct pending_log){tx, index, x->plog_len, n};
    x->plog_len += n;
    return ZS_OK;
}

/* The block's log leaves, in batches: the key of log `index` of
   transaction `tx` is the index key of type 11 with H(index as eight
   32-bit limbs) as its capacity; the value is the linear Poseidon hash of
   the log's data then topics. */
#define LOG_BATCH 256
static int flush_logs(zs_exec_t *x)
{
    static __thread uint64_t st[LOG_BATCH][12], vals[LOG_BATCH][4];
    static __thread zs_smt_key_t keys[LOG_BATCH];
    static __thread zs_u256_t values[LOG_BATCH];
    const zs_smt_key_t *kp[LOG_BATCH];
    const uint8_t *msgs[LOG_BATCH];
    size_t lens[LOG_BATCH];
    int rc = ZS_OK;
    for (size_t b = 0; b < x->nplogs && !rc; b += LOG_BATCH) {
        size_t n = x->nplogs - b < LOG_BATCH ? x->nplogs - b : LOG_BATCH;
        const struct pending_log *p = x->plogs + b;
        memset(st, 0, n * sizeof st[0]);
        for (size_t i = 0; i < n; i++)
            st[i][0] = p[i].index;
        zs_poseidon_permute_batch(st, n);
        for (size_t i = 0; i < n; i++) {
            memcpy(st[i] + 8, st[i], 32);
            memset(st[i], 0, 64);
            st[i][0] = p[i].tx;
            st[i][6] = KEY_TX_LOG;
            msgs[i] = x->plog_buf + p[i].off;
            lens[i] = p[i].len;
        }
        zs_poseidon_permute_batch(st, n);
        zs_smt_hash_bytecode_many(msgs, lens, n, vals);
        for (size_t i = 0; i < n; i++) {
            memcpy(keys[i].e, st[i], 32);
            kp[i] = &keys[i];
            values[i] = zs_smt_h4_to_u256(vals[i]);
        }
        rc = exec_info_set(x->info, kp, values, n);
    }
    x->nplogs = x->plog_len = 0;
    return rc;
}

int exec_receipt(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct, const uint8_t l2_hash[32],
                 zs_exec_result_t *r)
{
    const tx_keys_t *k = keys_for(x, x->tx_index);
    if (!k)
        return ZS_ERR_NOMEM;
    x->cumulative_gas += r->gas_used;
    if (l2_hash)
        memcpy(r->l2_tx_hash, l2_hash, 32);
    else
        zs_exec_l2_tx_hash(tx, (zs_u256_t[]){tx_price(x, tx)}, sender, r->l2_tx_hash);
    zs_u256_t h = zs_u256_from_be32(r->l2_tx_hash), status = num((uint64_t)r->status),
              cum = num(x->cumulative_gas), p = num(pct);
    const zs_smt_key_t *keys[] = {&k->hash, &k->status, &k->cumulative, &k->pct};
    const zs_u256_t vals[] = {h, status, cum, p};
    int rc = exec_info_set(x->info, keys, vals, 4);
    if (rc)
        return rc;
    r->first_log = x->log_index;
    for (size_t i = 0; i < r->nlogs; i++)
        if ((rc = defer_log(x, x->tx_index, x->log_index++, &r->logs[i])))
            return rc;
    /* With the info tree hashed ahead, its log leaves go each `info_pass`
       logs: the block's end is then short for contracts' blocks too. */
    if (x->cfg.info_pass && x->nplogs >= x->cfg.info_pass && (rc = flush_logs(x)))
        return rc;
    r->index = x->tx_index++;
    r->cumulative_gas = x->cumulative_gas;
    r->reason = ZS_EXEC_OK;
    return ZS_OK;
}

int zs_exec_local_exit_root(zs_state_t *st, uint8_t out[32])
{
    zs_u256_t slot = num(SLOT_LOCAL_EXIT_ROOT), v;
    int rc = zs_state_storage(st, zs_ger_manager_l2_address, &slot, &v);
    if (!rc)
        zs_u256_to_be32(&v, out);
    return rc;
}

int zs_exec_block_end(zs_exec_t *x, uint64_t *gas_used, uint64_t block_info_root[4])
{
    if (!x->in_block)
        return ZS_ERR_STATE;
    zs_u256_t g = num(x->cumulative_gas);
    int rc = flush_logs(x);
    if (!rc)
        rc = info_set(x, &x->header_keys[H_GAS_USED], &g);
    if (rc)
        return rc;
    uint64_t h[4];
    if ((rc = exec_info_root(x->info, h)))
        return rc;
    zs_u256_t root = zs_smt_h4_to_u256(h), slot = num(SLOT_BLOCK_INFO_ROOT);
    if ((rc = zs_state_set_storage(x->st, zs_system_address, &slot, &root)))
        return rc;
    if (gas_used)
        *gas_used = x->cumulative_gas;
    if (block_info_root)
        memcpy(block_info_root, h, 32);
    x->in_block = 0;
    return ZS_OK;
}
