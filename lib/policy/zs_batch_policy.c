#include "lib/policy/zs_batch_policy.h"

#include <stdlib.h>
#include <string.h>

#define KEY(f, w, lo, hi, bounds) {#f, offsetof(zs_batch_policy_t, f), w, lo, hi, bounds}

/* Each key's bounds, with the sentence that refuses a value outside them.
   max_bytes' floor is what one transfer and its block entry need. */
const zs_batch_policy_key_t zs_batch_policy_keys[] = {
    KEY(max_bytes, 8, 1024, ZS_BATCH_POLICY_CONTRACT_MAX_BYTES,
        "max_bytes must be between 1024 and 120000 (below, a batch would not hold a transaction; above, the rollup "
        "contract refuses it)"),
    KEY(max_txs, 8, 1, 1000000, "max_txs must be between 1 and 1000000"),
    KEY(max_gas, 8, 21000, INT64_MAX, "max_gas must be at least 21000"),
    KEY(max_age_ms, 4, 100, 3600000, "max_age_ms must be between 100 and 3600000"),
    KEY(block_min_ms, 4, 5, 60000, "block_min_ms must be between 5 and 60000"),
    KEY(block_max_ms, 4, 5, 60000, "block_max_ms must be between block_min_ms and 60000"),
    KEY(target_block_txs, 4, 1, 100000, "target_block_txs must be between 1 and 100000"),
};
const size_t zs_batch_policy_nkeys = sizeof zs_batch_policy_keys / sizeof zs_batch_policy_keys[0];


const char *zs_batch_close_name(int reason)
{
    static const char *const names[ZS_BATCH_CLOSE_COUNT] = {"", "full", "bytes", "txs", "gas", "age", "firmware",
                                                            "operator", "counters", "forced", "sequencer"};
    return reason > 0 && reason < ZS_BATCH_CLOSE_COUNT ? names[reason] : "?";
}

void zs_batch_policy_defaults(zs_batch_policy_t *p)
{
    p->max_bytes = ZS_BATCH_POLICY_CONTRACT_MAX_BYTES;
    p->max_txs = 5000;
    p->max_gas = 1125899906842624ull; /* Polygon's batch gas limit, 2^50 */
    p->max_age_ms = 3000;
    p->block_min_ms = 20;
    p->block_max_ms = 1000;
    /* Blocks of ~50 transfers: a block's seal and write pause execution
       and share the cores; at 1,000 tx/s, held a minute, 500-transaction
       blocks put the execution confirmation's p99 at 5.8 ms, 100 at 3.4 ms,
       50 at 2.2 ms (zkseq-bench latency and the README's table); the floor
       is block_min_ms. */
    p->target_block_txs = 50;
}

uint64_t zs_batch_policy_get(const zs_batch_policy_t *p, const zs_batch_policy_key_t *k)
{
    const uint8_t *f = (const uint8_t *)p + k->offset;
    if (k->width == 4) {
        uint32_t v;
        memcpy(&v, f, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, f, 8);
    return v;
}

static void put(zs_batch_policy_t *p, const zs_batch_policy_key_t *k, uint64_t value)
{
    uint8_t *f = (uint8_t *)p + k->offset;
    if (k->width == 4) {
        uint32_t v = (uint32_t)value;
        memcpy(f, &v, 4);
    } else {
        memcpy(f, &value, 8);
    }
}

const char *zs_batch_policy_check(const zs_batch_policy_t *p)
{
    for (size_t i = 0; i < zs_batch_policy_nkeys; i++) {
        const zs_batch_policy_key_t *k = &zs_batch_policy_keys[i];
        uint64_t v = zs_batch_policy_get(p, k);
        if (v < k->min || v > k->max) return k->bounds;
    }
    if (p->block_max_ms < p->block_min_ms) return zs_batch_policy_key("block_max_ms")->bounds;
    return NULL;
}

const zs_batch_policy_key_t *zs_batch_policy_key(const char *name)
{
    for (size_t i = 0; name && i < zs_batch_policy_nkeys; i++)
        if (!strcmp(zs_batch_policy_keys[i].name, name)) return &zs_batch_policy_keys[i];
    return NULL;
}

const char *zs_batch_policy_set(zs_batch_policy_t *p, const char *key, uint64_t value)
{
    const zs_batch_policy_key_t *k = zs_batch_policy_key(key);
    if (!k) return "unknown policy key (policy get lists them)";
    if (k->width == 4 && value > UINT32_MAX) return k->bounds;
    zs_batch_policy_t c = *p;
    put(&c, k, value);
    const char *why = zs_batch_policy_check(&c);
    if (why) return why;
    *p = c;
    return NULL;
}

const char *zs_batch_policy_parse_value(const char *text, uint64_t *value)
{
    if (!text || *text < '0' || *text > '9') return "value must be a decimal number";
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end) return "value must be a decimal number";
    *value = v;
    return NULL;
}

zs_batch_close_t zs_batch_policy_due(const zs_batch_policy_t *p, const zs_batch_fill_t *f)
{
    if (!f->bytes) return ZS_BATCH_CLOSE_NONE;
    if (f->bytes >= p->max_bytes) return ZS_BATCH_CLOSE_BYTES;
    if (f->txs >= p->max_txs) return ZS_BATCH_CLOSE_TXS;
    if (f->gas >= p->max_gas) return ZS_BATCH_CLOSE_GAS;
    if (f->age_ms >= p->max_age_ms) return ZS_BATCH_CLOSE_AGE;
    return ZS_BATCH_CLOSE_NONE;
}

int zs_batch_policy_fits(const zs_batch_policy_t *p, const zs_batch_fill_t *f, uint64_t tx_bytes, uint64_t tx_gas)
{
    return f->bytes + tx_bytes <= p->max_bytes && f->txs + 1 <= p->max_txs && f->gas + tx_gas <= p->max_gas;
}
