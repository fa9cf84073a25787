/* zs_replica: a read replica's follower.  A thread connects to the
   sequencer's data stream (Polygon's protocol, lib/dstream's client), asks
   for the L2 block after the replica's durable head (StartBookmark; from the
   start for an empty replica), and hands each block and batch end to the
   replica's sequencer thread (zs_replay, zs_builder in replay mode), which
   re-executes and checks it.  A lost connection is retried (1 s apart)
   from the last block handed over; a sequencer that restarted is resumed
   without a gap or a duplicate.  An entry that does not decode, a batch the
   replica cannot replay (forced batches are not replayed yet), or a block
   that does not reproduce stops the following for good, with an alarm:
   the replica keeps serving the blocks it checked.

   A second thread asks the sequencer's JSON-RPC for its head once a
   second (when sequencer_rpc is set), for how far behind the replica is.

   Thread safety: status from any thread; start and stop from one. */
#ifndef ZS_REPLICA_H
#define ZS_REPLICA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "host/node/zs_node.h"
#include "host/node/zs_replay.h"

typedef struct {
    const char *stream;        /* HOST:PORT of the sequencer's data stream */
    const char *sequencer_rpc; /* the sequencer's JSON-RPC URL ("": its head is not asked) */
    uint64_t chain_id;
    int timeout_ms;            /* a stream silent this long in mid-packet is dropped */
} zs_replica_cfg_t;

typedef struct zs_replica zs_replica_t;

/* The node must have been opened with cfg.replay = q.  NULL with a
   sentence in err. */
zs_replica_t *zs_replica_start(zs_node_t *n, zs_replay_t *q, const zs_replica_cfg_t *cfg, char *err, size_t errlen);
void zs_replica_stop(zs_replica_t *r);

typedef struct {
    const char *stream;          /* what it follows */
    int connected;               /* to the stream now */
    uint64_t received;           /* the last block taken from the stream */
    uint64_t head;               /* the replica's durable head */
    uint64_t sequencer_head;     /* the sequencer's, by its JSON-RPC (0: not known) */
    uint64_t behind;             /* blocks the replica is behind the sequencer */
    uint64_t reconnects;         /* connections made after the first */
    uint64_t blocks, batches;    /* replayed since start */
    int diverged;                /* 1: following stopped; why says why */
    char why[256];
} zs_replica_status_t;

void zs_replica_status(zs_replica_t *r, zs_replica_status_t *out);

/* The sequencer's block 0 (its JSON-RPC at url): the timestamp a new
   replica's genesis must have, and the hash it must come to.  Tries for
   about wait_ms while the sequencer does not answer.  0, or an error with
   a sentence in err. */
int zs_replica_genesis(const char *url, int wait_ms, uint64_t *timestamp, uint8_t hash[32], char *err, size_t errlen);

/* The replica's JSON-RPC forward (zs_rpc_cfg_t): method with params (not
   stolen) sent to the sequencer's JSON-RPC at ctx (its URL, a string that
   outlives the server); its whole answer object, or NULL when it cannot be
   reached.  Any thread. */
json_t *zs_replica_forward(void *ctx, const char *method, json_t *params);

#endif
