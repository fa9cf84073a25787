/* zs_exec_view: the EVM over a retained state version, for what runs code
   without changing the chain: eth_call, eth_estimateGas, debug_traceCall,
   and the replay of a block's earlier transactions before
   debug_traceTransaction's.

   A view reads the version (zs_state_get_at, the code store) and keeps
   every change in the EVM's overlay: a run either stays (zs_exec_view_keep:
   the next run sees it, as the next transaction of a block would) or is
   dropped.  Nothing reaches the state.  A replay over the state before a
   block first applies the block's changeL2Block step to the system storage
   (zs_exec_view_begin_block), so BLOCKHASH and the system slots read as
   they did when the block ran.

   Thread safety: one thread per view; any number of views over one state. */
#ifndef ZS_EXEC_VIEW_H
#define ZS_EXEC_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "host/state/zs_state.h"
#include "lib/evm/zs_evm.h"
#include "lib/tx/zs_tx.h"

typedef struct zs_exec_view zs_exec_view_t;

/* zs_exec_view_new: a view of the version at root, running in blk (its
   number, timestamp, coinbase, chain id, GASLIMIT).  NULL when out of
   memory. */
zs_exec_view_t *zs_exec_view_new(zs_state_t *st, const zs_smt_ref_t *root, const zs_evm_block_t *blk);
void zs_exec_view_free(zs_exec_view_t *v);

/* The block blk begins over this version (whose state root is
   parent_root, big-endian): the system storage gets blk's number, its
   timestamp and the parent's root under keccak(number - 1, 1). */
ZS_MUST_USE int zs_exec_view_begin_block(zs_exec_view_t *v, const uint8_t parent_root[32]);

/* Tracing of the following runs (NULL stops). */
void zs_exec_view_set_tracer(zs_exec_view_t *v, const zs_evm_tracer_t *t);

/* zs_exec_view_run runs tx; the result's buffers stay valid until the next
   run.  Without keep the changes are dropped at once.  Returns 0 or a read
   error (r->status is ZS_EVM_FATAL then). */
ZS_MUST_USE int zs_exec_view_run(zs_exec_view_t *v, const zs_evm_tx_t *tx, const zs_evm_opts_t *opts, int keep,
                                 zs_evm_result_t *r);

#endif
