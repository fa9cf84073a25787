/* fw_policy: the batching policy.  Decides when the open batch closes (its
   batchL2Data size, gas, transaction count, or age) and how long an L2 block
   stays open: the block time follows the load, shorter when transactions
   per second rise (a block of about target_block_txs), longer when they
   fall, between block_min_ms and block_max_ms.  The size, gas and count
   limits are handed to the host, which applies them at each transaction
   (they cannot wait for a round trip); the age and the block time are
   decided here.  Pure functions over the state: unit-testable, no HAL. */
#ifndef FW_POLICY_H
#define FW_POLICY_H

#include <stdint.h>

typedef struct {
    uint64_t max_bytes, max_txs, max_gas;
    uint32_t max_age_ms;
    uint32_t block_min_ms, block_max_ms;
    uint32_t target_block_txs;
} fw_policy_cfg_t;

typedef struct {
    fw_policy_cfg_t cfg;
    double tps;              /* smoothed transactions per second */
    uint64_t last_txs, last_ms;
    int have_sample;
    uint32_t block_time_ms;  /* the current decision */
    uint64_t close_sent_for; /* the batch number last asked to close */
    uint64_t close_sent_ms;
} fw_policy_t;

/* The defaults of a new box, and a check of a configuration: 0, or a
   static sentence saying what is wrong. */
void fw_policy_defaults(fw_policy_cfg_t *c);
const char *fw_policy_check(const fw_policy_cfg_t *c);

void fw_policy_init(fw_policy_t *p, const fw_policy_cfg_t *c);

/* fw_policy_observe takes the host's running count of sequenced
   transactions at now_ms and updates the rate and the block time.
   Returns 1 when the block time changed enough to tell the host. */
int fw_policy_observe(fw_policy_t *p, uint64_t txs_total, uint64_t now_ms);

/* fw_policy_close_due: 1 when the open batch (number, age, bytes, txs,
   gas) should close now; *reason gets ZS_MBOX_CLOSE_*.  Asks once per batch
   (again after 1 s if the host did not act). */
int fw_policy_close_due(fw_policy_t *p, uint64_t number, uint64_t age_ms, uint64_t bytes, uint64_t txs, uint64_t gas,
                        uint64_t now_ms, uint32_t *reason);

/* Named settings for the console: get/set by name.  set returns 0 or a
   static sentence (unknown key, bad value, inconsistent limits). */
const char *fw_policy_set(fw_policy_t *p, const char *key, const char *value);
int fw_policy_get(const fw_policy_t *p, const char *key, uint64_t *value);
extern const char *const fw_policy_keys[];

#endif
