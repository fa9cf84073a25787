/* zs_fwlink: zkseqd's link to the firmware over the mailbox
   (drivers/mbox, lib/mbox): the host asks, the firmware decides.

   - Hands over every sealed (closed) batch, in order, from the one after
     the firmware's last journaled batch (its HELLO says which), again
     from wherever the firmware asks (RESEND); the host's store is the
     archive, the firmware's journal holds what is not yet confirmed.
   - Sends the open batch's statistics every 100 ms (the policy's input).
   - Applies the firmware's POLICY (limits, block time) and CLOSE requests
     to the node (zs_policyctl, zs_node_request_close); turns VIRTUAL, STATE,
     ACK and L1INFO into named fields of the node's L1 view (zs_l1view), so
     nothing past this module sees the mailbox's words or status bits.
   - Answers the firmware's requests for its blobs' KZG work (zs_fwkzg: a
     worker thread, the card through zs_accel).
   - When the firmware's heartbeat stops, the node goes back to the
     configuration's policy and keeps sequencing (the trusted state does
     not wait for L1 or the firmware); backpressure is lifted, since the
     firmware that asked for it is not there to lift it.

   Thread safety: start and stop from one thread; the link runs its own
   thread, the only writer of the L1 view; zs_fwlink_policy_set from any
   thread. */
#ifndef ZS_FWLINK_H
#define ZS_FWLINK_H

#include <stddef.h>
#include <stdint.h>

#include "host/node/zs_node.h"

typedef struct zs_fwlink zs_fwlink_t;

/* NULL with a sentence in err. */
zs_fwlink_t *zs_fwlink_start(zs_node_t *n, const char *mbox_path, char *err, size_t errlen);
void zs_fwlink_stop(zs_fwlink_t *l);

/* The mailbox protocol version this build speaks (lib/mbox). */
uint32_t zs_fwlink_mailbox_version(void);

/* zs_fwlink_policy_set asks the firmware to set a policy key
   (zs_batch_policy_keys' names) to value, for `who` (its log says who
   asked), and waits for the answer: 0; ZS_ERR_REFUSED with the firmware's
   reason in why; ZS_ERR_STATE when the link is down; ZS_ERR_TIMEOUT. */
ZS_MUST_USE int zs_fwlink_policy_set(zs_fwlink_t *l, const char *key, uint64_t value, const char *who, char *why,
                                     size_t whylen, int timeout_ms);

#endif
