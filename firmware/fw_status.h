/* fw_status: a snapshot of what the submitter, the host link and the log
   hold, which the core copies once per turn for the host link's events and
   the console's answers.  Those two read this instead of calling the
   submitter or each other, so the firmware's modules call in one direction
   only: core -> console, link, submitter -> journal, policy, log. */
#ifndef FW_STATUS_H
#define FW_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/u256/zs_u256.h"

typedef struct {
    uint64_t now_ms, boot_ms;
    /* The submitter. */
    int have_key;
    uint8_t address[20];     /* the L1 sequencer address */
    int l1_up, fee_alarm, backpressure;
    uint64_t l1_head, l1_base_fee, l1_gas_used;
    uint64_t virtual_head;   /* the head the journal's virtual and confirmed batches were read at */
    zs_u256_t l1_balance;
    const char *l1_status;   /* a sentence; valid until the next turn */
    int l1_data, blob_cell_proofs, blobs_available; /* how batch data goes to L1 */
    uint64_t blob_txs, l1_blob_fee; /* l1_blob_fee: 0 when unknown */
    uint64_t blobs_checked, blobs_refused;
    const char *blobs_why;   /* why blobs are unavailable ("" when they are) */
    /* The host link. */
    uint32_t epoch;
    int host_up, host_hello;
    uint64_t host_open_batch, host_txs_total, host_pool;
    /* The log. */
    size_t nalarms;
} fw_status_t;

#endif
