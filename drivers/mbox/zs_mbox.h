/* zs_mbox: the host side of the mailbox to the management controller
   (lib/mbox/zs_mbox_hw.h): the register page, the command ring (host writes)
   and the event ring (host reads), the epoch handshake and heartbeats.
   On the appliance the region is the controller's PCIe BAR; with the sim
   board it is the shared-memory file zkseq-fw maps.

   zs_mbox_poll drives the handshake and the host's heartbeat and must be
   called at least every ZS_MBOX_HEARTBEAT_MS; it tells when the firmware
   (re)appeared so the caller can say hello again.

   Thread safety: one thread (host/fwlink/zs_fwlink's). */
#ifndef ZS_MBOX_H
#define ZS_MBOX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "lib/base/zs_err.h"

typedef struct zs_mbox zs_mbox_t;

/* zs_mbox_open maps the mailbox at path (created with the layout's size if
   absent, as the sim board does).  NULL with a sentence in err. */
zs_mbox_t *zs_mbox_open(const char *path, char *err, size_t errlen);
void zs_mbox_close(zs_mbox_t *m);

enum {
    ZS_MBOX_DOWN = 0,    /* no firmware, or its heartbeat stopped */
    ZS_MBOX_UP = 1,      /* serving */
    ZS_MBOX_NEW_EPOCH = 2, /* just came up (boot or reboot): say hello */
};
/* zs_mbox_poll returns one of the above. */
int zs_mbox_poll(zs_mbox_t *m, uint64_t now_ms);

/* zs_mbox_send queues a command: 0, ZS_ERR_FULL (try later), ZS_ERR_STATE
   (firmware not up), ZS_ERR_RANGE (too large for the ring). */
ZS_MUST_USE int zs_mbox_send(zs_mbox_t *m, uint16_t type, const void *a, uint32_t alen, const void *b,
                             uint32_t blen);
/* zs_mbox_recv: 1 with an event (valid until zs_mbox_consume), 0 none,
   ZS_ERR_CORRUPT (the link is then taken down until the next epoch). */
ZS_MUST_USE int zs_mbox_recv(zs_mbox_t *m, uint16_t *type, const uint8_t **payload, uint32_t *len);
void zs_mbox_consume(zs_mbox_t *m);
/* Sleep until an event doorbell or timeout_ms. */
void zs_mbox_wait(zs_mbox_t *m, int timeout_ms);

uint32_t zs_mbox_fw_status(const zs_mbox_t *m);
uint32_t zs_mbox_epoch(const zs_mbox_t *m);
/* The firmware's heartbeat counter (it moves every ~100 ms while it runs). */
uint64_t zs_mbox_fw_heartbeat(const zs_mbox_t *m);

#endif
