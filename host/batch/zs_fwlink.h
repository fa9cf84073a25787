/* zs_fwlink: zkseqd's link to the firmware over the mailbox
   (drivers/mbox): the host asks, the firmware decides.

   - Hands over every sealed (closed) batch, in order, from the one after
     the firmware's last journaled batch (its HELLO says which), again
     from wherever the firmware asks (RESEND); the host's store is the
     archive, the firmware's journal holds what is not yet confirmed.
   - Sends the open batch's statistics every 100 ms (the policy's input).
   - Applies the firmware's POLICY (limits, block time) and CLOSE requests
     to the sequencer; records VIRTUAL (what L1 holds) and STATE (backlog,
     backpressure) in the node, where admission and JSON-RPC see them.
   - When the firmware's heartbeat stops, the node goes back to the
     configuration's policy and keeps sequencing (the trusted state does
     not wait for L1 or the firmware); backpressure is lifted, since the
     firmware that asked for it is not there to lift it.

   Thread safety: start and stop from one thread; the link runs its own. */
#ifndef ZS_FWLINK_H
#define ZS_FWLINK_H

#include <stddef.h>

#include "board/zs_mbox_hw.h"
#include "host/seq/zs_node.h"

typedef struct zs_fwlink zs_fwlink_t;

/* NULL with a sentence in err. */
zs_fwlink_t *zs_fwlink_start(zs_node_t *n, const char *mbox_path, char *err, size_t errlen);
void zs_fwlink_stop(zs_fwlink_t *l);

/* What the firmware last said of L1 and itself (zs_mbox_l1info_t), and
   whether the link is up. */
typedef struct {
    int up;
    int have_info;          /* an L1INFO event arrived since the link came up */
    zs_mbox_l1info_t info;
    uint64_t heartbeat;     /* the firmware's heartbeat register */
    uint32_t epoch;
} zs_fwlink_info_t;
void zs_fwlink_info(zs_fwlink_t *l, zs_fwlink_info_t *out);

/* zs_fwlink_policy_set asks the firmware to set a policy key (its console's
   names) to value, for `who` (its log says who asked), and waits for the
   answer: 0; ZS_ERR_REFUSED with the firmware's reason in why;
   ZS_ERR_STATE when the link is down; ZS_ERR_TIMEOUT. */
ZS_MUST_USE int zs_fwlink_policy_set(zs_fwlink_t *l, const char *key, uint64_t value, const char *who, char *why,
                                     size_t whylen, int timeout_ms);

#endif
