#include "firmware/fw_policy.h"

#include <stdlib.h>
#include <string.h>

#include "board/zs_mbox_hw.h"

const char *const fw_policy_keys[] = {"max_bytes", "max_txs", "max_gas", "max_age_ms", "block_min_ms",
                                      "block_max_ms", "target_block_txs", NULL};

void fw_policy_defaults(fw_policy_cfg_t *c)
{
    c->max_bytes = 120000; /* the contract's _MAX_TRANSACTIONS_BYTE_LENGTH */
    c->max_txs = 5000;
    c->max_gas = 1125899906842624ull; /* Polygon's batch gas limit (2^50) */
    c->max_age_ms = 3000;
    c->block_min_ms = 20;
    c->block_max_ms = 1000;
    c->target_block_txs = 500;
}

const char *fw_policy_check(const fw_policy_cfg_t *c)
{
    if (c->max_bytes < 1024 || c->max_bytes > 120000)
        return "max_bytes must be between 1024 and 120000 (the rollup contract's limit)";
    if (!c->max_txs || c->max_txs > 1000000) return "max_txs must be between 1 and 1000000";
    if (c->max_gas < 21000) return "max_gas must be at least 21000";
    if (c->max_age_ms < 100 || c->max_age_ms > 3600000) return "max_age_ms must be between 100 and 3600000";
    if (c->block_min_ms < 5 || c->block_min_ms > 60000) return "block_min_ms must be between 5 and 60000";
    if (c->block_max_ms < c->block_min_ms || c->block_max_ms > 60000)
        return "block_max_ms must be between block_min_ms and 60000";
    if (!c->target_block_txs || c->target_block_txs > 100000) return "target_block_txs must be between 1 and 100000";
    return NULL;
}

void fw_policy_init(fw_policy_t *p, const fw_policy_cfg_t *c)
{
    memset(p, 0, sizeof *p);
    p->cfg = *c;
    p->block_time_ms = c->block_max_ms;
}

static uint32_t block_time_for(const fw_policy_cfg_t *c, double tps)
{
    double ms = tps > 0 ? 1000.0 * c->target_block_txs / tps : c->block_max_ms;
    if (ms < c->block_min_ms) ms = c->block_min_ms;
    if (ms > c->block_max_ms) ms = c->block_max_ms;
    return (uint32_t)ms;
}

int fw_policy_observe(fw_policy_t *p, uint64_t txs_total, uint64_t now_ms)
{
    if (!p->have_sample || txs_total < p->last_txs) { /* first sample, or the host restarted */
        p->have_sample = 1;
        p->last_txs = txs_total;
        p->last_ms = now_ms;
        return 0;
    }
    uint64_t dt = now_ms - p->last_ms;
    if (dt < 200)
        return 0;
    double rate = (double)(txs_total - p->last_txs) * 1000.0 / (double)dt;
    /* Rising load is followed at once (latency matters when it arrives),
       falling load slowly (a lull does not lengthen blocks right away). */
    p->tps = rate > p->tps ? rate : 0.8 * p->tps + 0.2 * rate;
    p->last_txs = txs_total;
    p->last_ms = now_ms;
    uint32_t bt = block_time_for(&p->cfg, p->tps);
    /* Tell the host only about changes of more than 10% (or to a bound). */
    uint32_t old = p->block_time_ms;
    uint32_t diff = bt > old ? bt - old : old - bt;
    if (diff * 10 > old || ((bt == p->cfg.block_min_ms || bt == p->cfg.block_max_ms) && bt != old)) {
        p->block_time_ms = bt;
        return 1;
    }
    return 0;
}

int fw_policy_close_due(fw_policy_t *p, uint64_t number, uint64_t age_ms, uint64_t bytes, uint64_t txs, uint64_t gas,
                        uint64_t now_ms, uint32_t *reason)
{
    if (!bytes)
        return 0;
    uint32_t why = 0;
    if (age_ms >= p->cfg.max_age_ms) why = ZS_MBOX_CLOSE_AGE;
    else if (bytes >= p->cfg.max_bytes || txs >= p->cfg.max_txs || gas >= p->cfg.max_gas) why = ZS_MBOX_CLOSE_SIZE;
    if (!why)
        return 0;
    if (p->close_sent_for == number && now_ms - p->close_sent_ms < 1000)
        return 0;
    p->close_sent_for = number;
    p->close_sent_ms = now_ms;
    *reason = why;
    return 1;
}

static uint64_t *field(fw_policy_cfg_t *c, const char *key, uint32_t **f32)
{
    *f32 = NULL;
    if (!strcmp(key, "max_bytes")) return &c->max_bytes;
    if (!strcmp(key, "max_txs")) return &c->max_txs;
    if (!strcmp(key, "max_gas")) return &c->max_gas;
    if (!strcmp(key, "max_age_ms")) *f32 = &c->max_age_ms;
    else if (!strcmp(key, "block_min_ms")) *f32 = &c->block_min_ms;
    else if (!strcmp(key, "block_max_ms")) *f32 = &c->block_max_ms;
    else if (!strcmp(key, "target_block_txs")) *f32 = &c->target_block_txs;
    return NULL;
}

const char *fw_policy_set(fw_policy_t *p, const char *key, const char *value)
{
    fw_policy_cfg_t c = p->cfg;
    uint32_t *f32;
    uint64_t *f64 = field(&c, key, &f32);
    if (!f64 && !f32)
        return "unknown policy key (policy get lists them)";
    char *end;
    if (!*value || *value == '-')
        return "value must be a decimal number";
    unsigned long long v = strtoull(value, &end, 10);
    if (*end)
        return "value must be a decimal number";
    if (f32) {
        if (v > UINT32_MAX) return "value too large";
        *f32 = (uint32_t)v;
    } else {
        *f64 = v;
    }
    const char *why = fw_policy_check(&c);
    if (why)
        return why;
    p->cfg = c;
    p->block_time_ms = block_time_for(&p->cfg, p->tps);
    return NULL;
}

int fw_policy_get(const fw_policy_t *p, const char *key, uint64_t *value)
{
    fw_policy_cfg_t c = p->cfg;
    uint32_t *f32;
    uint64_t *f64 = field(&c, key, &f32);
    if (f64) { *value = *f64; return 0; }
    if (f32) { *value = *f32; return 0; }
    return -1;
}
