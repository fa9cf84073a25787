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

#include "host/seq/zs_node.h"

typedef struct zs_fwlink zs_fwlink_t;

/* NULL with a sentence in err. */
zs_fwlink_t *zs_fwlink_start(zs_node_t *n, const char *mbox_path, char *err, size_t errlen);
void zs_fwlink_stop(zs_fwlink_t *l);

#endif
