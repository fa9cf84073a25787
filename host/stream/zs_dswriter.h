/* zs_dswriter: the chain into the data stream, as Polygon's sequencer
   writes it: per batch a batch bookmark and BatchStart, per L2 block a block
   bookmark, L2Block, its Transactions and L2BlockEnd, and BatchEnd once the
   batch is closed; one atomic operation per block (and per batch end), each
   committed durable before any client sees it.  It follows the node's
   durable blocks (a block listener wakes its thread; it reads the blocks
   back from the store), and resumes where the stream file ends after a
   restart.  A batch Polygon's processor threw away (an invalid forced batch)
   is a BatchStart of type invalid and its BatchEnd.

   Transaction's im_state_root is zero, as cdk-erigon writes it from fork
   7 (etrog) on; L2Block's block_info_root (blocks recorded before session
   23: zero) and BatchEnd's local_exit_root come from the chain's records.

   Thread safety: start and stop from one thread. */
#ifndef ZS_DSWRITER_H
#define ZS_DSWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "host/node/zs_node.h"
#include "host/stream/zs_dsfile.h"

typedef struct zs_dswriter zs_dswriter_t;

/* NULL with a sentence in err. */
zs_dswriter_t *zs_dswriter_start(zs_node_t *n, zs_dsfile_t *f, uint64_t chain_id, char *err, size_t errlen);
void zs_dswriter_stop(zs_dswriter_t *w);
/* For tests: the writer reads the node's head from head(ctx) (NULL: the
   node), and catches up at once; as it would when the head it read is
   older than the store. */
void zs_dswriter_head_from(zs_dswriter_t *w, uint64_t (*head)(void *ctx), void *ctx);
/* The last L2 block in the stream (0: none). */
uint64_t zs_dswriter_last_block(zs_dswriter_t *w);

#endif
