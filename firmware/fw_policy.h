/* fw_policy: the firmware's side of the batching policy
   (lib/policy/zs_batch_policy: the limits, their bounds and the due test,
   shared with the host).  What only the firmware decides lives here: the
   block time follows the load, shorter when transactions per second rise
   (a block of about target_block_txs), longer when they fall, between
   block_min_ms and block_max_ms; and it asks the host to close the open
   batch when the policy says it is due, once per batch.  The size, gas and
   count limits are handed to the host, which applies them at each
   transaction (they cannot wait for a round trip).  Pure functions over
   the state: unit-testable, no HAL. */
#ifndef FW_POLICY_H
#define FW_POLICY_H

#include <stdint.h>

#include "lib/policy/zs_batch_policy.h"

typedef struct {
    zs_batch_policy_t cfg;
    double tps;              /* smoothed transactions per second */
    uint64_t last_txs, last_ms;
    int have_sample;
    uint32_t block_time_ms;  /* the current decision */
    uint64_t close_sent_for; /* the batch number last asked to close */
    uint64_t close_sent_ms;
} fw_policy_t;

void fw_policy_init(fw_policy_t *p, const zs_batch_policy_t *c);

/* fw_policy_observe takes the host's running count of sequenced
   transactions at now_ms and updates the rate and the block time.
   Returns 1 when the block time changed enough to tell the host. */
int fw_policy_observe(fw_policy_t *p, uint64_t txs_total, uint64_t now_ms);

/* fw_policy_close_due: 1 when the open batch (number, age, bytes, txs,
   gas) should close now; *reason gets ZS_MBOX_CLOSE_*.  Asks once per batch
   (again after 1 s if the host did not act). */
int fw_policy_close_due(fw_policy_t *p, uint64_t number, uint64_t age_ms, uint64_t bytes, uint64_t txs, uint64_t gas,
                        uint64_t now_ms, uint32_t *reason);

/* fw_policy_set sets a key (zs_batch_policy_keys' names) from its decimal
   text: NULL, or the static sentence that refuses it (nothing changed). */
const char *fw_policy_set(fw_policy_t *p, const char *key, const char *value);

#endif
