/* fw_journal: every sealed batch and every L1 submission step, as store
   records written (atomically, durably) before they are acted on, mirrored
   in RAM.

   b/<number>  a sealed batch's header (fw_batch_t)
   d/<number>  its batchL2Data; written before b/, so a b/ record with
               has_data always has its data
   t/<nonce>   an L1 transaction: batches, fees, every hash sent (and for a
               blob transaction its blob count, blob fee and blob chain)
   r/<nonce>   the signed bytes of its newest version (a blob transaction's
               in its network form, the blobs and proofs included); written
               before t/
   cursor      last sealed / virtual / confirmed batch and counters

   Records are little-endian with a version byte first.  A record that does
   not decode stops the boot with an alarm rather than being guessed at.
   The host link adds batches, the submitter everything else; the console
   reads.  Single thread (the firmware core's). */
#ifndef FW_JOURNAL_H
#define FW_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_log.h"
#include "firmware/hal.h"
#include "lib/base/zs_err.h"

#define FW_MAX_BATCHES 4096 /* sealed batches kept until confirmed on L1 */
#define FW_MAX_SUBS 64      /* L1 transactions journaled (sent, not yet confirmed) */
#define FW_MAX_HASHES 6     /* versions (fee bumps) of one L1 transaction remembered */
#define FW_BATCH_MAX 131072 /* largest batchL2Data accepted from the host */

typedef struct {
    uint64_t number, timestamp, first_block, last_block;
    uint8_t state_root[32], batch_hash[32], coinbase[20];
    uint32_t l2len;
    uint8_t has_data; /* d/ record present (dropped after confirmation) */
    /* A forced batch: L1's forceBatchNum and the fields sequenceBatches
       carries for it (zero for a sequencer's batch). */
    uint8_t invalid;  /* Polygon's processor throws it away */
    uint64_t forced, forced_timestamp;
    uint8_t forced_ger[32], forced_block_hash[32];
} fw_batch_t;

enum { FW_SUB_PENDING = 0, FW_SUB_MINED = 1 };

typedef struct {
    uint64_t nonce, first, last; /* batches first..last */
    uint8_t final_acc[32];
    uint64_t max_fee, tip, gas;
    uint32_t raw_len, nhashes;
    uint8_t hashes[FW_MAX_HASHES][32]; /* every version sent, newest last */
    uint8_t state;
    uint64_t mined_block;
    uint8_t mined_hash[32]; /* the version that was mined */
    uint64_t sent_ms;       /* monotonic; reset to boot time after a restart */
    uint64_t bumps;
    uint32_t vanished;      /* re-sent and gone again (RAM only) */
    uint32_t unheld;        /* checks in a row whose receipt L1's nonce did not hold (RAM only) */
    /* A blob transaction (sequenceBlobBatches): its blobs, maxFeePerBlobGas,
       and the blob chain's accInputHash after it (nblobs 0: calldata). */
    uint32_t nblobs;
    uint64_t blob_fee;
    uint8_t final_blob_acc[32];
} fw_sub_t;

typedef struct {
    uint64_t last_sealed;  /* highest batch journaled */
    uint64_t virtual_;     /* last batch sequenced on L1 (latest) */
    uint64_t confirmed;    /* ... at confirmation depth */
    uint8_t virtual_acc[32];
    uint64_t virtual_l1_block;
    uint8_t virtual_tx[32];
    uint64_t reorgs, l1_txs_sent, bumps, fees_gwei;
} fw_cursor_t;

typedef struct {
    const zs_hal_t *hal;
    fw_log_t *log;
    fw_cursor_t cur;
    fw_batch_t *batches; /* FW_MAX_BATCHES, sorted by number: the unconfirmed ones */
    size_t nbatches;
    fw_sub_t subs[FW_MAX_SUBS]; /* by nonce, ascending */
    size_t nsubs;
} fw_journal_t;

/* fw_journal_load reads the store into j: 0, or an error (with an alarm
   for a record that does not decode). */
ZS_MUST_USE int fw_journal_load(fw_journal_t *j, const zs_hal_t *hal, fw_log_t *log);
ZS_MUST_USE int fw_journal_put_cursor(fw_journal_t *j);

/* fw_journal_add_batch journals a sealed batch and its data: 0; ZS_ERR_FULL
   (the journal holds FW_MAX_BATCHES); ZS_ERR_INVAL (still confirmed on L1:
   nothing to hold); or the store's error. */
ZS_MUST_USE int fw_journal_add_batch(fw_journal_t *j, const fw_batch_t *b, const uint8_t *data);
ZS_MUST_USE int fw_journal_batch_data(fw_journal_t *j, uint64_t number, uint8_t *buf, size_t cap, size_t *len);
fw_batch_t *fw_journal_find(fw_journal_t *j, uint64_t number);
/* Drops batches (and their data) at or below number. */
void fw_journal_drop_confirmed(fw_journal_t *j, uint64_t number);

/* A submission (and, when raw is not NULL, its signed bytes first). */
ZS_MUST_USE int fw_journal_put_sub(fw_journal_t *j, const fw_sub_t *s, const uint8_t *raw);
ZS_MUST_USE int fw_journal_sub_raw(fw_journal_t *j, uint64_t nonce, uint8_t *buf, size_t cap, size_t *len);
void fw_journal_drop_sub(fw_journal_t *j, size_t index);

/* Sealed batches not yet virtual; submissions not yet mined; the newest L1
   transaction sent (the newest version of the newest submission, else the
   one that sequenced the last virtual batch). */
uint64_t fw_journal_backlog(const fw_journal_t *j);
size_t fw_journal_pending(const fw_journal_t *j);
const uint8_t *fw_journal_last_tx(const fw_journal_t *j);

#endif
