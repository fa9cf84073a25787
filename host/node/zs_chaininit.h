/* zs_chaininit: a new chain's first records, and the chain's fixed
   parameters.

   zs_chaininit_create writes, in one fsync'd store write: the genesis state
   (version 0) with the system storage's genesis timestamp, block 0, batch 0
   (closed) and batch 1 (open), the head, and what a replay needs to start
   over: the genesis text and the parameters (chain id, base fee, genesis
   timestamp).  zs_chaininit_params reads the parameters back.

   Called once, from the thread that opens the node (or a verifier). */
#ifndef ZS_CHAININIT_H
#define ZS_CHAININIT_H

#include <stddef.h>
#include <stdint.h>

#include "host/genesis/zs_genesis.h"
#include "host/state/zs_state.h"
#include "host/store/zs_store.h"
#include "lib/u256/zs_u256.h"

/* Fixed when the chain is created, kept in the database. */
typedef struct {
    uint64_t chain_id;
    zs_u256_t base_fee; /* L2's constant base fee (the gas price floor at genesis) */
    uint64_t timestamp; /* of the genesis block, also in the system storage */
} zs_chain_params_t;

/* zs_chaininit_create: 0, or an error with a sentence in err.  st must be
   the store's empty state; p->timestamp is the genesis block's. */
ZS_MUST_USE int zs_chaininit_create(zs_store_t *store, zs_state_t *st, const zs_genesis_t *genesis,
                                    const zs_chain_params_t *p, const uint8_t coinbase[20], char *err, size_t errlen);

/* zs_chaininit_params reads the parameters; when genesis is not NULL, also
   the genesis text (malloc'd, NUL-terminated; the caller frees). */
ZS_MUST_USE int zs_chaininit_params(zs_store_t *store, zs_chain_params_t *out, char **genesis);

#endif
