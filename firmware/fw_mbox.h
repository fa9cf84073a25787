/* fw_mbox: the host link, firmware side (lib/mbox/zs_mbox_hw.h): the boot
   handshake and heartbeats; sealed batches in (checked against their hash,
   journaled, then acknowledged; a gap asks the host again); the host's
   open-batch statistics in (the policy's input: block time, close
   requests); policy changes from the host (the same rules as the
   console's); the host's KZG answers (kept for the core); and events out.  Every event carries the whole current value
   (not a delta) and is sent again every second, so an event lost to a full
   ring or a host restart costs nothing.  What it reports of L1 and the
   submitter comes from the core's snapshot (fw_status_t).

   Single thread (the firmware core's). */
#ifndef FW_MBOX_H
#define FW_MBOX_H

#include <stdint.h>

#include "firmware/fw_journal.h"
#include "firmware/fw_log.h"
#include "firmware/fw_policy.h"
#include "firmware/fw_status.h"
#include "firmware/hal.h"
#include "lib/mbox/zs_mbox_hw.h"
#include "lib/ring/zs_ring.h"

#define FW_MBOX_KZG_INBOX 4

typedef struct {
    const zs_hal_t *hal;
    fw_log_t *log;
    fw_journal_t *j;
    fw_policy_t *policy;
    uint64_t l2_chain_id;
    zs_ring_t cmd, evt;
    uint32_t epoch;
    int ready;            /* rings initialized */
    int host_hello;       /* the host said hello in this epoch */
    uint64_t start_ms;    /* of this epoch's handshake */
    uint64_t host_last_hb, host_hb_seen_ms;
    uint64_t next_hb_ms, refresh_ms;
    uint64_t host_open_batch, host_last_sealed, host_txs_total, host_pool;
    uint64_t acked;       /* last ACK sent */
    uint64_t resend_from, resend_ms; /* asked the host to hand over again from here (0: no) */
    /* The host's KZG answers, for the core to hand to the blobs room (a
       full inbox leaves the next answer in the ring). */
    zs_mbox_kzg_t kzg_in[FW_MBOX_KZG_INBOX];
    size_t nkzg;
    int l1_data_request; /* l1_data the host asked for, for the core (-1: none) */
} fw_mbox_t;

void fw_mbox_init(fw_mbox_t *m, const zs_hal_t *hal, fw_log_t *log, fw_journal_t *j, fw_policy_t *policy,
                  uint64_t l2_chain_id);
/* One turn: heartbeats, the handshake, commands in, the periodic events. */
void fw_mbox_poll(fw_mbox_t *m, const fw_status_t *st);
/* 1 while the host's heartbeat moves. */
int fw_mbox_host_up(const fw_mbox_t *m);

/* Events out. */
void fw_mbox_send_virtual(fw_mbox_t *m, const fw_status_t *st);
void fw_mbox_send_state(fw_mbox_t *m, const fw_status_t *st);
void fw_mbox_send_policy(fw_mbox_t *m);
/* Ask the host for a blob's KZG work. */
/* 1 when the request went to the host, 0 when the link cannot take it now. */
int fw_mbox_send_kzg_req(fw_mbox_t *m, const zs_mbox_kzg_req_t *req);
/* Ask the host to hand over sealed batches again from `from` (at most
   every 2 s for the same batch). */
void fw_mbox_request_resend(fw_mbox_t *m, uint64_t from);

#endif
