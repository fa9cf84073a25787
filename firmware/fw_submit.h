/* fw_submit: the L1 submission state machine, holding the L1 key.  Every
   tick (poll_ms) it reconciles with L1 first, then submits:

   reconcile: the L1 head and base fee; the contract's lastBatchSequenced
     at the head (virtual) and at head - confirm_depth (confirmed); a drop of
     either is an L1 reorg (or a lost chain): mined submissions above it go
     back to pending, and batches whose data was already dropped are asked
     from the host again.  Each journaled submission is then checked:
     covered by the contract's last batch -> mined (dropped once confirmed);
     a receipt that reverted -> dropped with everything after it (their
     accInputHash chain started from it); unknown to the node -> sent again
     from the journal (after a crash or an L1 restart: zkevm-node #1067), or
     dropped when its nonce is already used; pending for stuck_ms -> the fees
     go up by 12.5% (tip and cap, as geth's replacement rule wants) under the
     configured fee cap, and the new version is journaled before it is sent.
   submit: sealed batches after the last one covered go out in new L1
     transactions: as EIP-4844 blobs (sequenceBlobBatches, fw_submit_blob.c:
     up to max_blobs_per_tx blobs each, their KZG work from the host checked
     by fw_blob) when l1_data says so (auto: when a blob costs less per byte
     than calldata now), else as calldata (sequenceBatches), and forced
     batches always as calldata; several batches per transaction up to max_l1_tx_bytes,
     with the accInputHash chain computed here and sent as
     expectedFinalAccInputHash, so a transaction built on a wrong view
     reverts on chain instead of sequencing wrong data.

   Nothing is sent before it is journaled; a crash at any point leaves a
   journal from which the next boot's reconcile continues.  What the host
   must hear of (what L1 holds moved, batch data to hand over again) is
   left in the flags below for the core to pass on.  Single thread. */
#ifndef FW_SUBMIT_H
#define FW_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_blob.h"
#include "firmware/fw_cfg.h"
#include "firmware/fw_journal.h"
#include "firmware/fw_l1.h"
#include "firmware/fw_log.h"
#include "firmware/hal.h"

typedef struct {
    const zs_hal_t *hal;
    const fw_cfg_t *cfg;
    fw_log_t *log;
    fw_journal_t *j;
    uint8_t key[32], address[20];
    int have_key;

    fw_l1_t l1;
    uint64_t next_poll_ms, backoff_ms;
    int l1_up;
    uint64_t l1_head, l1_head_ts, l1_base_fee;
    uint64_t virtual_head; /* the head the last whole reconcile read what L1 holds at */
    uint64_t l1_blob_fee; /* eth_blobBaseFee, when blob_fee_known */
    int blob_fee_known;
    fw_blobs_t *blobs;    /* the blobs room (set by the core; NULL: calldata only) */
    uint64_t blob_txs;    /* blob transactions sent since boot */
    int blob_alarm;       /* blobs wanted but unavailable: said once */
    uint64_t fill_first, fill_since_ms; /* blob_fill_wait_ms: the batch held from, since when */
    int fill_held, fill_pct;            /* ... held this turn, filling that much of a blob */
    uint64_t l1_gas_used; /* by this boot's mined submissions (a counter since boot, not journaled) */
    zs_u256_t l1_balance; /* wei */
    uint64_t nonce_latest, nonce_pending;
    uint32_t info_index;
    uint8_t info_root[32];
    int fee_alarm, backpressure;
    int acc_stale; /* re-read the contract's accInputHash (after a revert, or an odd answer) */
    uint64_t odd_batch;  /* an answer for this batch's accInputHash that was not taken yet (0: none) */
    uint8_t odd_acc[32]; /* what it said */
    uint64_t odd_reads;  /* how often in a row */
    uint64_t drop_reads; /* reads in a row of the rollup's batches below the firmware's (taken on the second) */
    int nonce_gap; /* our pending transactions sit above a nonce nobody will use: number from L1's */
    char status[200];

    /* For the host, taken and cleared by the core. */
    int virtual_moved;   /* a reconcile read L1 (what it holds, or the head it was read at) */
    uint64_t resend_from; /* batch data missing from here: ask the host (0: none) */
} fw_submit_t;

/* fw_submit_init reads the key store; a missing key is an alarm, not an
   error (nothing is posted).  0, or fw_l1_init's error. */
ZS_MUST_USE int fw_submit_init(fw_submit_t *s, const zs_hal_t *hal, const fw_cfg_t *cfg, fw_log_t *log,
                               fw_journal_t *j, char *l1_resp);

/* One turn: reconcile and submit when poll_ms has passed. */
void fw_submit_tick(fw_submit_t *s);
/* Backpressure with hysteresis (on at backlog_limit, off below half):
   1 when it changed. */
int fw_submit_update_backpressure(fw_submit_t *s);

/* The gas limit of a sequenceBatches transaction of calldata for nbatches
   batches (also the L1 gas benchmark's). */
uint64_t fw_gas_limit(const uint8_t *calldata, size_t len, size_t nbatches);
/* ... and of a sequenceBlobBatches transaction: the same, plus per blob the
   point evaluation (50,000), blobhash and the blob step. */
#define FW_BLOB_EXEC_GAS 90000
uint64_t fw_blob_gas_limit(const uint8_t *calldata, size_t len, size_t nbatches, size_t nblobs);

/* blob_fill_wait_ms's rule (also the L1 gas benchmark's): hold the
   batches waiting (bytes of them one blob would carry) for a fuller blob
   while they fill less than 90% of one and the first has been held less
   than wait_ms (0: never hold). */
int fw_blob_fill_hold(uint64_t bytes, uint64_t held_ms, uint32_t wait_ms);

#endif
