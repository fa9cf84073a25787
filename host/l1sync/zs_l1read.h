/* zs_l1read: one L1 log at a time into records: the manager's leaves, the
   rollup's sequences (the calldata read back and the accInputHash chain
   recomputed, the contract asked for the sequence's last one), its
   verifications and its forced batches.  The L1 follower (zs_l1sync.c)
   feeds it the logs of each range it reads, in L1's order.

   Thread safety: the follower's thread. */
#ifndef ZS_L1READ_H
#define ZS_L1READ_H

#include <jansson.h>

#include "host/l1sync/zs_l1rpc.h"
#include "host/l1view/zs_l1rec.h"

typedef struct {
    zs_l1rpc_t *rpc;
    zs_store_t *store;
    uint8_t rollup[20];
    uint8_t manager[20];    /* the global exit root manager */
    zs_l1_cursor_t cursor;  /* what the store holds, plus what this poll added */
    uint64_t acc_mismatches; /* sequences whose computed accInputHash the contract does not hold */
    char error[200];        /* why the last call failed */
    /* The mainnet and rollup exit roots of the transaction's last
       UpdateL1InfoTree, for the UpdateL1InfoTreeV2 that follows it. */
    uint8_t pair_tx[32], pair_mainnet[32], pair_rollup[32];
    int have_pair;
    /* The accInputHash of the last batch read (sequences read in one poll
       are not in the store yet). */
    uint8_t last_acc[32];
    uint64_t last_acc_batch;
    int have_last_acc;
    /* One L1 block's header, for the forced batches' timestamps. */
    zs_l1_block_t blk;
    int have_blk;
} zs_l1read_t;

/* zs_l1read_log records one log into b (and r->cursor).  0, or an error
   that ends this poll (the caller then writes nothing of it). */
int zs_l1read_log(zs_l1read_t *r, zs_store_batch_t *b, json_t *log);

/* Forgets what it carried between logs (after a failed poll or a reorg). */
void zs_l1read_forget(zs_l1read_t *r);

/* Sets r->error (printf-style) and returns rc. */
int zs_l1read_fail(zs_l1read_t *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
