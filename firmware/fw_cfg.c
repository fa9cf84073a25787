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
    c->l1_data = FW_L1_DATA_BLOB;
    c->blob_cell_proofs = 1;
    c->max_blobs_per_tx = 6;
    c->blob_fee_cap_wei = 1000ull * 1000000000ull;
    c->min_blob_fee_wei = 1000000000ull;
    zs_batch_policy_defaults(&c->policy);
}

static const char *const data_names[] = {"calldata", "blob", "auto"};

const char *fw_l1_data_name(int mode)
{
    return mode >= 0 && mode <= FW_L1_DATA_AUTO ? data_names[mode] : "?";
}

int fw_l1_data_parse(const char *name)
{
    for (int i = 0; i <= FW_L1_DATA_AUTO; i++)
        if (!strcmp(name, data_names[i])) return i;
    return -1;
}
