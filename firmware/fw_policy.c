#include "firmware/fw_policy.h"

#include <string.h>

#include "lib/mbox/zs_mbox_hw.h"

void fw_policy_init(fw_policy_t *p, const zs_batch_policy_t *c)
{
    memset(p, 0, sizeof *p);
    p->cfg = *c;
    p->block_time_ms = c->block_max_ms;
}

static uint32_t block_time_for(const zs_batch_policy_t *c, double tps)
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
    zs_batch_fill_t f = {.bytes = bytes, .txs = txs, .gas = gas, .age_ms = age_ms};
    zs_batch_close_t why = zs_batch_policy_due(&p->cfg, &f);
    if (!why)
        return 0;
    if (p->close_sent_for == number && now_ms - p->close_sent_ms < 1000)
        return 0;
    p->close_sent_for = number;
    p->close_sent_ms = now_ms;
    *reason = why == ZS_BATCH_CLOSE_AGE ? ZS_MBOX_CLOSE_AGE : ZS_MBOX_CLOSE_SIZE;
    return 1;
}

const char *fw_policy_set(fw_policy_t *p, const char *key, const char *value)
{
    uint64_t v = 0;
    const char *why;
    if (!zs_batch_policy_key(key))
        return "unknown policy key (policy get lists them)";
    if ((why = zs_batch_policy_parse_value(value, &v)) || (why = zs_batch_policy_set(&p->cfg, key, v)))
        return why;
    p->block_time_ms = block_time_for(&p->cfg, p->tps);
    return NULL;
}
