/* fw_blob: the firmware's EIP-4844 blobs.  Sealed batches from the journal
   laid out as Polygon's blob (lib/blob: compression byte, body length,
   length-prefixed batchL2Data, 31 bytes to a field element); the KZG work
   asked of the host (whose card computes it), and the host's answer checked
   against the firmware's own bytes before anything is signed:

   - all 128 EIP-7594 cell proofs verify against the commitment for the
     cells of this blob (computed here), which binds the commitment to
     these bytes;
   - z is recomputed here (linear Poseidon over commitment and blob) and
     must be the host's;
   - the proof of y = p(z), which the contract's point evaluation checks,
     verifies, and so does EIP-4844's blob proof (a Cancun L1's sidecar).

   A checked blob is kept in RAM until its batches are sequenced; after a
   reboot the host is asked again (a blob transaction already journaled
   carries its whole sidecar in its signed bytes).  A board built without
   KZG links fw_blob_none.c instead (board/zcu102 for now): no blob is ever
   available, and `why` says so.  Single thread (the firmware core's). */
#ifndef FW_BLOB_H
#define FW_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_journal.h"
#include "firmware/fw_log.h"
#include "firmware/hal.h"
#include "lib/mbox/zs_mbox_hw.h"

#define FW_BLOB_SLOTS 16
#define FW_BLOB_BYTES 131072
#define FW_BLOB_ASK_AGAIN_MS 10000 /* no answer from the host: ask again */

enum { FW_BLOB_FREE = 0, FW_BLOB_ASKED, FW_BLOB_READY };

typedef struct {
    int state;
    int sent;              /* the request went to the host */
    uint64_t first, last;  /* the batches it carries */
    uint64_t max_ts;       /* the newest batch's timestamp */
    size_t data_len;       /* compact bytes, header included */
    uint8_t coinbase[20];
    uint8_t data_hash[32]; /* keccak256 of the 131,072 bytes */
    uint8_t commitment[48], versioned[32], z[32], y[32], proof[48], blob_proof[48];
    uint8_t cell_proofs[128][48];
    uint64_t asked_ms;       /* the request's last sending */
    uint64_t first_asked_ms; /* ... and its first */
} fw_blob_t;

typedef struct {
    const zs_hal_t *hal;
    fw_log_t *log;
    fw_journal_t *j;
    void *kzg;           /* zs_kzg_t, once loaded */
    char why[120];       /* why blobs are not available ("" when they are) */
    fw_blob_t slots[FW_BLOB_SLOTS];
    uint64_t checked, refused; /* host answers that verified, that did not */
    uint64_t resend_from;      /* batch data missing from here: for the host (0: none) */
} fw_blobs_t;

void fw_blob_init(fw_blobs_t *b, const zs_hal_t *hal, fw_log_t *log, fw_journal_t *j);
/* fw_blob_available loads the KZG trusted setup the first time (about 2 s,
   once per program; the sim board finds it beside the program, as lib/kzg
   says): 1, or 0 with the reason in why and an alarm (the submitter then
   posts calldata). */
int fw_blob_available(fw_blobs_t *b);

/* The blob that starts at batch `first`: as many sealed batches (up to
   last_sealed, of one coinbase, none forced) as one blob holds.  Returns
   the slot when its KZG work is checked; NULL while it is asked of the
   host (or cannot be built yet: missing batch data is left in
   resend_from). */
fw_blob_t *fw_blob_get(fw_blobs_t *b, uint64_t first, uint64_t last_sealed);

/* The 131,072 bytes of a slot's blob, rebuilt from the journal: 0, or an
   error (the batch data is gone or damaged: resend_from is set). */
ZS_MUST_USE int fw_blob_bytes(fw_blobs_t *b, const fw_blob_t *s, uint8_t *out);

/* A request for the host that should go out now (1 with *req), else 0. */
int fw_blob_next_request(fw_blobs_t *b, uint64_t now_ms, zs_mbox_kzg_req_t *req);
/* The request could not go out: it is due again at once. */
void fw_blob_not_asked(fw_blobs_t *b, const zs_mbox_kzg_req_t *req);
/* The host's answer: checked, and the slot made ready (0), or refused with
   an alarm (the request goes out again later). */
int fw_blob_answer(fw_blobs_t *b, const zs_mbox_kzg_t *a);

/* When the blob starting at `first` was first asked of the host (0: it is
   not waiting for the host). */
uint64_t fw_blob_asked_ms(const fw_blobs_t *b, uint64_t first);

/* Forget blobs whose batches are all at or below `batch` (sequenced). */
void fw_blob_forget_upto(fw_blobs_t *b, uint64_t batch);

#endif
