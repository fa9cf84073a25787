/* zs_policyctl: the batching policy in force, and requests to close the
   open batch.

   While the firmware is up, its policy applies: the sequencer applies its
   size, count and gas limits at every transaction (a block ends before the
   open batch would pass them) and its block time; the batch age is the
   firmware's call (it asks for the close), and the host's own check at
   twice the firmware's max_age_ms is only a safety net.  While the firmware
   is down, the configuration's policy applies (the local one, which an
   operator may change live).

   Writers: the firmware link (set_firmware, request_close), the management
   port (set_local, request_close); reader: the sequencer thread
   (zs_policyctl_now), once per block.  Any thread may call anything. */
#ifndef ZS_POLICYCTL_H
#define ZS_POLICYCTL_H

#include <stdint.h>

#include "lib/policy/zs_batch_policy.h"

typedef struct {
    zs_batch_policy_t policy;  /* the limits to apply now */
    uint32_t block_time_ms;
    uint64_t close_request;    /* the batch someone asked to close, 0 for none */
    int close_by_operator;     /* ... an operator, not the firmware */
    int from_firmware;
} zs_policy_now_t;

typedef struct zs_policyctl zs_policyctl_t;

/* NULL when out of memory. */
zs_policyctl_t *zs_policyctl_new(const zs_batch_policy_t *local, uint32_t block_time_ms);
void zs_policyctl_free(zs_policyctl_t *c);

/* What the sequencer applies now. */
void zs_policyctl_now(zs_policyctl_t *c, zs_policy_now_t *out);

/* The firmware's policy while it is up; NULL when it goes down. */
void zs_policyctl_set_firmware(zs_policyctl_t *c, const zs_batch_policy_t *p, uint32_t block_time_ms);
/* The configuration's policy, in force while the firmware is down. */
void zs_policyctl_set_local(zs_policyctl_t *c, const zs_batch_policy_t *p, uint32_t block_time_ms);
void zs_policyctl_local(zs_policyctl_t *c, zs_batch_policy_t *p, uint32_t *block_time_ms);
/* The policy in force as it was set (no safety net): 1 if the firmware's. */
int zs_policyctl_in_force(zs_policyctl_t *c, zs_batch_policy_t *p, uint32_t *block_time_ms);

/* Close batch number at its next block boundary (the caller checked that
   it is the open one); zs_policyctl_forget_close drops a request for a
   batch before open (it closed). */
void zs_policyctl_request_close(zs_policyctl_t *c, uint64_t number, int by_operator);
void zs_policyctl_forget_close(zs_policyctl_t *c, uint64_t open);

#endif
