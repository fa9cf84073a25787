/* zs_execinput: Polygon's executor input (the JSON of zkevm-testvectors'
   inputs-executor and of the prover's input: oldStateRoot, db,
   contractsBytecode, batchL2Data, chainID, sequencerAddr, timestampLimit,
   l1InfoTree or l1InfoRoot, forcedBlockHashL1, oldAccInputHash) turned
   into a state held in memory and a zs_exec_batch input.

   The state tree comes from `db`: its nodes are walked from oldStateRoot
   (a missing or malformed node is refused), every leaf is set again in a
   fresh tree, and the root that gives must be oldStateRoot.  Contract code
   comes from contractsBytecode by its hash.

   Thread safety: one thread per loaded input.  jansson stays here, at the
   edge. */
#ifndef ZS_EXECINPUT_H
#define ZS_EXECINPUT_H

#include <jansson.h>

#include "host/exec/zs_exec_batch.h"
#include "host/state/zs_state.h"

typedef struct {
    zs_state_t *st;            /* the state at oldStateRoot (memory only, version 0) */
    zs_exec_batch_in_t in;     /* points into this object */
    uint8_t old_root[32];
    uint8_t old_acc[32];
    uint8_t *data;             /* batchL2Data */
    json_t *l1_info;           /* the l1InfoTree object (borrowed from the input) */
    size_t leaves;             /* leaves the db held */
} zs_execinput_t;

/* zs_execinput_load reads j; 0, or -1 with a sentence in err.  hasher
   may be NULL (the CPU). */
int zs_execinput_load(json_t *j, const zs_smt_hasher_t *hasher, zs_execinput_t *out, char *err, size_t errlen);
void zs_execinput_free(zs_execinput_t *x);

/* One L1 info leaf object ({globalExitRoot, blockHash, timestamp[,
   smtProof]}); its proof is taken when verify is set and it has one. */
int zs_execinput_l1_leaf(json_t *leaf, int verify, zs_l1_info_t *out, uint8_t (*proof)[32], int *has_proof);
/* Reads a 32-byte hex value (with or without 0x; missing: zero). */
int zs_execinput_hex32(json_t *v, uint8_t out[32]);
/* Reads a number given as a JSON integer or a decimal/0x string. */
int zs_execinput_u64(json_t *v, uint64_t *out);

#endif
