/* fw_submit_priv: what the submit room's two files share (fw_submit.c, the
   state machine and calldata; fw_submit_blob.c, blob transactions).  Not
   for other rooms. */
#ifndef FW_SUBMIT_PRIV_H
#define FW_SUBMIT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_submit.h"

#define FW_CALLDATA_MAX (FW_BATCH_MAX + 64 * 1024)
#define FW_RAW_MAX (1u << 20) /* a journaled transaction: six blobs with their cell proofs fit */

/* Results of a submission step besides 0 and errors. */
enum { FW_SUBMIT_STOP = 1, FW_SUBMIT_CALLDATA = 2 };

/* The scratch every journaled transaction is read into and signed in. */
extern uint8_t fw_submit_rawtx[FW_RAW_MAX];

uint64_t fw_submit_now(const fw_submit_t *s);
/* A new version's hash into sub (the oldest forgotten past FW_MAX_HASHES). */
void fw_submit_add_hash(fw_sub_t *sub, const uint8_t hash[32]);
/* The nonce and fees of a new submission: 0, or 1 when L1's fees are above
   the cap (held, with an alarm). */
int fw_submit_price(fw_submit_t *s, uint64_t tip, fw_sub_t *sub);
/* Journal sub with its signed bytes raw (sub->raw_len), then send it: 0,
   FW_SUBMIT_STOP, or an error. */
int fw_submit_journal_send(fw_submit_t *s, fw_sub_t *sub, const uint8_t *raw);
/* Sends journaled bytes: 0 (or already known), ZS_ERR_STATE when the nonce
   is used, another code otherwise. */
int fw_submit_send(fw_submit_t *s, const fw_sub_t *sub, const uint8_t *raw, size_t len);

/* fw_submit_blob_tx: one blob transaction for the batches from *next on,
   chained from acc (*next and acc move on when it is sent): 0,
   FW_SUBMIT_STOP (wait: the host's KZG work, L1 time, fees), 
   FW_SUBMIT_CALLDATA (these batches go as calldata), or an error. */
int fw_submit_blob_tx(fw_submit_t *s, uint64_t *next, uint8_t acc[32], uint64_t tip);
/* A new version of a journaled blob transaction with every fee doubled
   (the blob pool's replacement rule), or more gas when more_gas. */
int fw_submit_blob_bump(fw_submit_t *s, fw_sub_t *sub, int more_gas);

#endif
