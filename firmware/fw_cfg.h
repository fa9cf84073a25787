/* fw_cfg: the firmware's configuration, as a board hands it over (from its
   own configuration source: a file on the sim board, built in on zcu102).
   Read-only once the firmware runs; every module reads the part it needs. */
#ifndef FW_CFG_H
#define FW_CFG_H

#include <stdint.h>

#include "lib/policy/zs_batch_policy.h"

/* How batch data goes to L1: EIP-4844 blobs (sequenceBlobBatches), calldata
   (sequenceBatches), or whichever costs less per byte now. */
enum { FW_L1_DATA_CALLDATA = 0, FW_L1_DATA_BLOB = 1, FW_L1_DATA_AUTO = 2 };
const char *fw_l1_data_name(int mode);
int fw_l1_data_parse(const char *name); /* -1 when unknown */

typedef struct {
    char l1_url[160];
    const char *l1_ca_pem;     /* for https L1 URLs */
    uint64_t l1_chain_id;      /* refused to post if the node says otherwise */
    uint8_t rollup[20];        /* ZkseqRollup */
    uint8_t ger[20];           /* ZkseqGlobalExitRoot */
    uint64_t l2_chain_id;
    uint32_t confirm_depth;    /* L1 blocks on top before a batch counts as confirmed */
    uint64_t fee_cap_wei;      /* highest maxFeePerGas the firmware pays */
    uint64_t min_tip_wei;
    uint32_t max_l1_tx_bytes;  /* batchL2Data bytes per L1 transaction */
    uint32_t max_batches_per_tx;
    uint32_t max_inflight;     /* L1 transactions sent and not yet mined, at once */
    uint32_t stuck_ms;         /* pending this long: bump the fees */
    uint32_t poll_ms;          /* L1 reconcile period */
    uint32_t l1_timeout_ms;
    uint32_t backlog_limit;
    int l1_data;               /* FW_L1_DATA_*; live (console, host) */
    int blob_cell_proofs;      /* 1: EIP-7594's sidecar (Osaka and later); 0: EIP-4844's (a Cancun L1) */
    uint32_t max_blobs_per_tx; /* 1..6 */
    uint64_t blob_fee_cap_wei; /* highest maxFeePerBlobGas the firmware pays */
    uint64_t min_blob_fee_wei; /* lowest maxFeePerBlobGas it offers */
    uint32_t blob_fill_wait_ms; /* hold sealed batches up to this long for a fuller blob (0: post at once) */    /* sealed-not-virtual batches above which the host is told to refuse */
    uint8_t console_salt[16];
    uint8_t console_hash[32];  /* keccak256(salt ++ password) */
    int console_open;          /* no password configured: changes allowed (development only) */
    zs_batch_policy_t policy;
} fw_cfg_t;

/* fw_cfg_defaults fills the defaults of a new box (everything but the L1
   endpoint, addresses and chain ids); board/README.md lists them. */
void fw_cfg_defaults(fw_cfg_t *c);

#endif
