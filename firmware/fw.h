/* fw: the zkseq-fw core.  The management controller's firmware: it owns
   the batching policy, the L1 sequencer key and L1 submission, with a
   journal so that no sealed batch is lost or posted twice across crashes of
   either side or trouble on L1, and a serial console.

   The core is one thread, a bare-metal style main loop (fw_step), and sees
   the hardware only through zs_hal_t (hal.h).  A board fills an fw_cfg_t
   (from its own configuration source), calls fw_init, then fw_step forever.

   The rooms, each with its own state and header; calls go one way, from
   the core down:
     fw_core.c     this: start-up, the main loop, the status snapshot
     fw_console.c  the serial console
     fw_mbox.c     the host link: hello, sealed batches in, events out
     fw_submit.c   the L1 submission state machine (reconcile, submit, bump);
                   fw_submit_blob.c its blob transactions
     fw_blob.c     blobs: batches laid out, the host's KZG work checked
     fw_rollup.c   sequenceBatches calldata and the contract's getters
     fw_l1.c       L1 JSON-RPC (fw_http.c, fw_json.c below it)
     fw_journal.c  sealed batches and L1 submissions as store records
     fw_policy.c   the block time from the load, close requests (lib/policy)
     fw_log.c      log lines and alarms
     fw_cfg.c      the configuration and its defaults
   The console and the host link read a snapshot (fw_status.h) the core
   copies each turn; the submitter leaves what the host must hear of in
   flags the core passes on. */
#ifndef ZS_FW_H
#define ZS_FW_H

#include "firmware/fw_blob.h"
#include "firmware/fw_cfg.h"
#include "firmware/fw_console.h"
#include "firmware/fw_journal.h"
#include "firmware/fw_log.h"
#include "firmware/fw_mbox.h"
#include "firmware/fw_policy.h"
#include "firmware/fw_status.h"
#include "firmware/fw_submit.h"
#include "firmware/hal.h"

typedef struct fw {
    const zs_hal_t *hal;
    fw_cfg_t cfg;
    uint64_t boot_ms;
    fw_log_t log;
    fw_journal_t journal;
    fw_policy_t policy;
    fw_blobs_t blobs;
    fw_submit_t submit;
    fw_mbox_t mbox;
    fw_console_t console;
    fw_status_t status; /* the snapshot of this turn */
} fw_t;

/* fw_init takes the configuration, reads the key store and the journal,
   and prepares the mailbox.  0, or a negative code with the reason logged
   through the HAL. */
ZS_MUST_USE int fw_init(fw_t *fw, const zs_hal_t *hal, const fw_cfg_t *cfg);
/* fw_step does one turn of the main loop: the mailbox, the console, the
   L1 submitter (when due) and what it has for the host; waits at most
   wait_ms. */
void fw_step(fw_t *fw, int wait_ms);

#endif
