/* zs_l1rec: what L1 says about the rollup, as records in the store's `l1`
   column family, written by the L1 follower (host/l1sync) and read by the
   sequencer (the L1 info leaves its blocks reference) and JSON-RPC
   (virtual and verified batches, exit roots).

   Keys: 'i' + leaf index (u32 BE) -> an L1 info tree leaf; 'g' + global
   exit root -> its first leaf's index; 'v' + batch (u64 BE) -> how L1
   sequenced it; 'f' + batch -> how L1 verified it; 'F' + forced batch
   number (u64 BE) -> a forced batch as L1 queued it; meta "l1/cursor" ->
   where the follower is.  Every record names the L1 block it came from
   (number and hash), so a reorg drops exactly the records of the blocks L1
   no longer has (zs_l1rec_truncate).  Records are fixed binary layouts
   (big-endian integers) with a format byte first.

   Thread safety: readers on any thread; one writer (the follower). */
#ifndef ZS_L1REC_H
#define ZS_L1REC_H

#include <stddef.h>
#include <stdint.h>

#include "host/store/zs_store.h"

/* Where a record came from on L1. */
typedef struct {
    uint64_t number;
    uint8_t hash[32];
} zs_l1_at_t;

/* An L1 info tree leaf (index = the manager's leafCount - 1). */
typedef struct {
    uint32_t index;
    uint8_t ger[32];        /* keccak256(mainnet ++ rollup) */
    uint8_t block_hash[32]; /* the leaf's block hash: L1's parent block of the update */
    uint64_t min_timestamp; /* the update's L1 timestamp */
    uint8_t mainnet[32], rollup[32];
    uint8_t root[32];       /* the L1 info root after this leaf */
    uint8_t tx[32];         /* the L1 transaction */
    zs_l1_at_t at;
} zs_l1_leaf_t;

/* A batch as L1 sequenced it. */
typedef struct {
    uint64_t batch;
    uint8_t acc_input_hash[32]; /* computed from the sequence's calldata, checked against the contract's */
    uint8_t l1_info_root[32];   /* what the sequence used (forced: the forced global exit root) */
    uint8_t batch_hash[32];     /* keccak256(batchL2Data) as posted */
    uint8_t coinbase[20];       /* l2Coinbase */
    uint64_t timestamp;         /* maxSequenceTimestamp (forced: the forced timestamp) */
    uint64_t sequence_last;     /* the last batch of its sequence (the contract stores that one's hash) */
    uint8_t forced;             /* 1: a forced batch */
    uint8_t tx[32];             /* sendSequencesTxHash */
    zs_l1_at_t at;
    uint8_t via_blob;           /* 1: its data went in an EIP-4844 blob (sequenceBlobBatches) */
    uint8_t blob_hash[32];      /* that blob's versioned hash (zero for calldata) */
} zs_l1_virtual_t;

/* A batch as L1 verified it. */
typedef struct {
    uint64_t batch;
    uint64_t final_batch;    /* the last batch of the verification */
    uint8_t state_root[32];  /* of final_batch, as the aggregator proved it */
    uint8_t tx[32];          /* verifyBatchTxHash */
    zs_l1_at_t at;
} zs_l1_verified_t;

/* A forced batch as L1 queued it (ForceBatch). */
typedef struct {
    uint64_t number;         /* forceBatchNum */
    uint8_t ger[32];         /* the manager's last global exit root then */
    uint8_t block_hash[32];  /* the parent block's hash */
    uint64_t timestamp;      /* its L1 block's timestamp */
    uint8_t sender[20];
    uint8_t tx[32];
    uint8_t *data;           /* the transactions (malloc'd; zs_l1_forced_clear) */
    size_t len;
    zs_l1_at_t at;
} zs_l1_forced_t;

/* Where the follower is: everything up to block `at` is recorded. */
typedef struct {
    zs_l1_at_t at;
    uint32_t leaves;         /* leaves recorded (the next leaf's index) */
    uint64_t virtual_;       /* last batch recorded virtual */
    uint64_t verified;       /* last batch recorded verified */
    uint64_t forced;         /* last forced batch recorded */
} zs_l1_cursor_t;

void zs_l1_forced_clear(zs_l1_forced_t *f);

/* Writes (into a batch). */
void zs_l1rec_put_leaf(zs_store_batch_t *b, const zs_l1_leaf_t *l);
void zs_l1rec_put_virtual(zs_store_batch_t *b, const zs_l1_virtual_t *v);
void zs_l1rec_put_verified(zs_store_batch_t *b, const zs_l1_verified_t *v);
void zs_l1rec_put_forced(zs_store_batch_t *b, const zs_l1_forced_t *f);
void zs_l1rec_put_cursor(zs_store_batch_t *b, const zs_l1_cursor_t *c);

/* Reads: 0, ZS_ERR_NOTFOUND, ZS_ERR_CORRUPT or a store error. */
ZS_MUST_USE int zs_l1rec_leaf(zs_store_t *s, uint32_t index, zs_l1_leaf_t *out);
ZS_MUST_USE int zs_l1rec_leaf_by_ger(zs_store_t *s, const uint8_t ger[32], zs_l1_leaf_t *out);
ZS_MUST_USE int zs_l1rec_virtual(zs_store_t *s, uint64_t batch, zs_l1_virtual_t *out);
ZS_MUST_USE int zs_l1rec_verified(zs_store_t *s, uint64_t batch, zs_l1_verified_t *out);
ZS_MUST_USE int zs_l1rec_forced(zs_store_t *s, uint64_t number, zs_l1_forced_t *out);
/* A database the follower never wrote gives an all-zero cursor and 0. */
ZS_MUST_USE int zs_l1rec_cursor(zs_store_t *s, zs_l1_cursor_t *out);

/* zs_l1rec_truncate removes every record from an L1 block after `keep`
   (a reorg dropped them) and moves *c back to match (its `at` is left to
   the caller).  Removes from the newest down, so it stops at the first
   record at or below keep in each kind.  0 or a store error. */
ZS_MUST_USE int zs_l1rec_truncate(zs_store_t *s, zs_store_batch_t *b, zs_l1_cursor_t *c, uint64_t keep);

/* zs_l1rec_newest_block: the L1 block of the newest record of any kind
   (0 when there is none), and that record's block hash, for finding where
   a reorg forked: the caller checks it against L1, truncates below it when
   it no longer matches, and asks again. */
ZS_MUST_USE int zs_l1rec_newest_block(zs_store_t *s, const zs_l1_cursor_t *c, zs_l1_at_t *out);

#endif
