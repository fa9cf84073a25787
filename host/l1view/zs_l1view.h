/* zs_l1view: what zkseqd knows of L1 and of the firmware that posts to it,
   as named fields: which batches L1 holds (virtual, confirmed, the
   contract's accInputHash, the L1 transaction), the firmware's backlog
   and alarms, and its L1 account.  Two writers: the firmware link
   (host/fwlink) reports the firmware (zs_l1_status_t), and the L1
   follower (host/l1sync), which reads L1 itself, reports where it is
   (zs_l1_follower_t) and keeps L1's records (zs_l1rec.h).  Admission (the
   backpressure flag), the sequencer (the L1 info leaf its blocks
   reference), JSON-RPC, the management port and the metrics read
   snapshots, the one model they all render.

   What L1 holds is also kept in the node's store, so that a restart shows
   the last known L1 state before the firmware speaks again (the firmware's
   journal is the authority).

   Thread safety: zs_l1view_update from one thread (the firmware link's);
   every other function from any thread. */
#ifndef ZS_L1VIEW_H
#define ZS_L1VIEW_H

#include <stdint.h>

#include "host/l1view/zs_l1rec.h"
#include "host/store/zs_store.h"
#include "lib/u256/zs_u256.h"

typedef struct {
    /* The firmware link. */
    int fw_up;             /* the firmware's heartbeat moves and it said hello */
    uint64_t fw_heartbeat; /* the firmware's heartbeat register */
    uint32_t fw_epoch;     /* bumped by the firmware at every boot */

    /* What L1 holds (VIRTUAL events; kept in the store). */
    uint64_t virtual_;     /* last batch sequenced on L1 (at L1's latest block) */
    uint64_t confirmed;    /* ... at the firmware's confirmation depth */
    uint64_t l1_block;     /* where virtual_ last changed */
    uint64_t l1_head;      /* the L1 block virtual_ and confirmed were read at */
    uint8_t acc_input_hash[32]; /* the contract's, for batch virtual_ */
    uint8_t l1_tx[32];     /* the L1 transaction that sequenced it (zero if unknown) */

    /* The firmware's submitter (STATE and ACK events). */
    uint64_t backlog;        /* sealed batches not yet virtual */
    uint64_t pending_l1_txs; /* L1 transactions sent and not yet mined */
    uint64_t handed_over;    /* the last sealed batch the firmware journaled */
    int backpressure;        /* the firmware asks admission to refuse (l1_backlog) */
    int l1_down;             /* the firmware cannot reach L1 */
    int fee_alarm;           /* L1 fees are above the firmware's cap */

    /* The L1 account and the firmware itself (L1INFO events, every second). */
    int have_info;           /* an L1INFO arrived since the link came up */
    int have_key;            /* the firmware holds an L1 key */
    uint8_t sequencer[20];   /* the L1 sequencer address (the key stays in the firmware) */
    zs_u256_t balance_wei;
    int l1_up;
    uint64_t l1_txs_sent, fee_bumps, reorgs, fees_gwei, base_fee_wei;
    uint64_t l1_gas_used;    /* by the submissions mined since the firmware booted */
    uint8_t last_l1_tx[32];  /* the newest L1 transaction sent (zero if none yet) */
    uint64_t fw_uptime_ms;
    uint64_t fw_alarms;      /* alarms raised since the firmware booted */
    /* How batch data goes to L1 (the firmware's l1_data). */
    int l1_data;             /* ZS_L1_DATA_* */
    int blobs_available;     /* the firmware can check KZG work */
    uint64_t blob_txs;       /* blob transactions sent since the firmware booted */
    uint64_t blob_base_fee_wei; /* 0: unknown (an L1 before Cancun) */
    uint64_t blobs_checked, blobs_refused; /* the host's KZG work, as the firmware found it */
    uint64_t kzg_answered, kzg_failed; /* the host's side: blobs computed for the firmware, failed */
} zs_l1_status_t;

enum { ZS_L1_DATA_CALLDATA = 0, ZS_L1_DATA_BLOB = 1, ZS_L1_DATA_AUTO = 2 };
/* "calldata", "blob", "auto"; the value of a name, or -1. */
const char *zs_l1_data_name(int mode);
int zs_l1_data_parse(const char *name);

/* The L1 follower's view (host/l1sync). */
typedef struct {
    int enabled;             /* an L1 node is followed */
    int up;                  /* the last poll reached it */
    uint64_t head, safe, finalized; /* L1 block numbers */
    zs_l1_cursor_t cursor;   /* what is recorded, up to which block */
    uint64_t safe_batch;     /* the last batch virtual in an L1 block at or below `safe` */
    uint64_t finalized_batch; /* the last batch verified in an L1 block at or below `finalized` */
    int have_leaf;           /* leaf: the newest L1 info leaf deep enough for L2 blocks */
    zs_l1_leaf_t leaf;
    uint64_t forced_deep;    /* the last forced batch deep enough for the sequencer to take */
    uint64_t polls, errors, reorgs;
    uint64_t acc_mismatches; /* sequences whose computed accInputHash the contract does not hold */
    char error[200];         /* the last failure */
} zs_l1_follower_t;

typedef struct zs_l1view zs_l1view_t;

/* zs_l1view_open loads what the store last recorded (nothing: all zero).
   NULL when out of memory.  The store must outlive the view. */
zs_l1view_t *zs_l1view_open(zs_store_t *store);
void zs_l1view_close(zs_l1view_t *v);

/* A consistent copy of everything. */
void zs_l1view_read(zs_l1view_t *v, zs_l1_status_t *out);

/* The two fields others ask on hot paths, without a lock. */
int zs_l1view_backpressure(const zs_l1view_t *v);
uint64_t zs_l1view_virtual(const zs_l1view_t *v);

/* zs_l1view_update replaces the status with *s; when what L1 holds moved,
   it is written to the store too (not fsync'd: the firmware's journal is
   the authority).  0, or the store's error (the view is updated anyway). */
int zs_l1view_update(zs_l1view_t *v, const zs_l1_status_t *s);

/* The follower's snapshot: replaced by it, read by anyone.  While the
   follower is enabled, its virtual batch is the one others see
   (zs_l1view_virtual); the firmware's stays in zs_l1_status_t. */
void zs_l1view_follower_update(zs_l1view_t *v, const zs_l1_follower_t *s);
void zs_l1view_follower(zs_l1view_t *v, zs_l1_follower_t *out);

/* zs_l1view_leaf_for_block: the L1 info leaf a new L2 block with this
   timestamp should reference: the follower's newest deep-enough leaf, if
   its index is above `after` (the last one referenced) and its timestamp
   is not above the block's (index 0 cannot be named: changeL2Block's 0
   means "no new leaf").  1 and *out, or 0 (reference nothing new). */
int zs_l1view_leaf_for_block(zs_l1view_t *v, uint64_t timestamp, uint32_t after, int have_after, zs_l1_leaf_t *out);

/* The last forced batch L1 queued that is deep enough to sequence (0:
   none, or no follower). */
uint64_t zs_l1view_forced_deep(zs_l1view_t *v);

#endif
