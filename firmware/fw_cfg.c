#include "firmware/fw_cfg.h"

#include <string.h>

void fw_cfg_defaults(fw_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->l2_chain_id = 1001;
    c->confirm_depth = 2;
    c->fee_cap_wei = 500ull * 1000000000ull;
    c->min_tip_wei = 1000000;
    c->max_l1_tx_bytes = 120000;
    c->max_batches_per_tx = 32;
    c->max_inflight = 16;
    c->stuck_ms = 15000;
    c->poll_ms = 500;
    c->l1_timeout_ms = 3000;
    c->backlog_limit = 128;
    zs_batch_policy_defaults(&c->policy);
}
