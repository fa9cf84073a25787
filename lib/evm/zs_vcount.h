/* zs_vcount: Polygon's virtual counters, what a batch will cost the prover.

   Polygon's prover runs a batch on a ROM with fixed budgets of steps,
   arithmetic, binary, memory-align, Keccak-f, padding, Poseidon and SHA-256
   rows; a batch over any budget is thrown away whole.  The sequencer counts
   ahead with the model Polygon's commonjs uses (virtual-counters-manager.js):
   a worst-case cost per ROM routine, summed per batch step, transaction
   and opcode.  This is that model; the executor vectors carry its figures
   (../shared/vectors/polygon/executor, `virtualCounters`), and test_vcount
   plus the executor tests check them.

   The routine costs are those of the model the vectors were made with
   (zkevm-testvectors of 2024-03, fork 9); fork 12 changed the budgets (steps
   2^25 less a 1/80 margin), which zs_vcount_limits gives, not the costs.

   MCP is the number of tree levels a state-tree access is assumed to walk:
   Polygon takes the bit length of 2^maxLevel + 50000 (maxLevel: the
   deepest leaf of the state tree), and at least 32 inside transactions.

   Pure functions; any thread. */
#ifndef ZS_VCOUNT_H
#define ZS_VCOUNT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t steps, arith, binary, mem_align, keccaks, padding, poseidon, sha256;
} zs_vcount_t;

/* A running count: poseidon rows that scale with MCP are kept apart until
   the MCP of the transaction is known. */
typedef struct {
    zs_vcount_t c;
    uint64_t poseidon_mcp; /* multiples of MCP */
} zs_vacc_t;

#define ZS_VCOUNT_MCPL 23 /* levels of the small trees (block info, touched) */

/* The names as the vectors spell them, in zs_vcount_t's order. */
extern const char *const zs_vcount_names[8];

/* Budgets of fork 12 (and of fork 9, for the vectors that depend on it). */
void zs_vcount_limits(int fork, zs_vcount_t *out);

/* MCP for a tree whose deepest leaf is at max_level (0 for an empty tree);
   in_tx applies the floor of 32. */
uint32_t zs_vcount_mcp(uint32_t max_level, int in_tx);

/* acc into c with the given MCP (c += acc). */
void zs_vcount_add(zs_vcount_t *c, const zs_vacc_t *acc, uint32_t mcp);
/* 1 when any counter of c is above (or at) its budget. */
int zs_vcount_over(const zs_vcount_t *c, const zs_vcount_t *limits);
/* 1 when every counter of need is within room. */
int zs_vcount_fits(const zs_vcount_t *need, const zs_vcount_t *room);
/* a += b. */
void zs_vcount_sum(zs_vcount_t *a, const zs_vcount_t *b);

/* ---- Batch-level steps (processor.js). */
void zs_vcount_batch(zs_vacc_t *a, size_t batch_l2_data_len);
void zs_vcount_change_l2_block(zs_vacc_t *a, int verify_merkle_proof);
void zs_vcount_decode_change_l2_block(zs_vacc_t *a);
/* One transaction's RLP parsing: lengths as the decoder saw them (bytes
   of the RLP, of data, of gasPrice, gas limit, value, chain id, nonce) and
   the signature (v as 27/28, r and s big-endian). */
typedef struct {
    size_t rlp_len, data_len, gas_price_len, gas_limit_len, value_len, chain_id_len, nonce_len;
    uint8_t v;
    uint8_t r[32], s[32];
    int recovered; /* the signature was recovered to a sender (with parity 0 or 1): r is then
                      the x-coordinate of a curve point, which spares the square-root test */
} zs_vcount_rlp_t;
void zs_vcount_rlp_parsing(zs_vacc_t *a, const zs_vcount_rlp_t *t);
/* After a transaction ran: the code length of its target (for a creation,
   the length of the code it deployed). */
void zs_vcount_process_tx(zs_vacc_t *a, size_t bytecode_len, int is_deploy);

/* ---- Per opcode (the EVM calls these).  ctx: ZS_VC_CREATE when the
   frame runs init code of CREATE/CREATE2, ZS_VC_DEPLOY for the
   transaction's own init code. */
enum { ZS_VC_DEPLOY = 1, ZS_VC_CREATE = 2 };

/* The cost of executing opcode op once when its cost depends only on ctx;
   0 when op needs its own call (or never counts). */
int zs_vcount_op_static(zs_vacc_t *a, uint8_t op, int ctx);
void zs_vcount_op_exp(zs_vacc_t *a, int ctx, size_t exponent_bytes);
void zs_vcount_op_sha3(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_calldatacopy(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_codecopy(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_extcodecopy(zs_vacc_t *a, int ctx, size_t len, size_t code_len);
void zs_vcount_op_returndatacopy(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_log(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_return(zs_vacc_t *a, int ctx, size_t len);
void zs_vcount_op_revert(zs_vacc_t *a, int ctx, size_t len);
/* CREATE/CREATE2 (create2 set): the caller's nonce + 1 length in bytes, the
   init code length. */
void zs_vcount_op_create(zs_vacc_t *a, int ctx, int create2, size_t nonce_bytes, size_t init_len);
/* CALL, CALLCODE, DELEGATECALL, STATICCALL (op), with the callee's code length. */
void zs_vcount_op_call(zs_vacc_t *a, int ctx, uint8_t op, size_t in_len, size_t out_len, size_t code_len);
/* A creation that passed its depth, balance and nonce checks: the init
   code's length (a call counts its own in zs_vcount_op_call). */
void zs_vcount_contract_call(zs_vacc_t *a, size_t code_len, int create, int create2);

/* ---- Precompiles. */
void zs_vcount_pre_ecrecover(zs_vacc_t *a, uint8_t v, const uint8_t r[32], const uint8_t s[32]);
void zs_vcount_pre_identity(zs_vacc_t *a, size_t in_len, size_t out_len);
void zs_vcount_pre_sha256(zs_vacc_t *a, size_t in_len);
void zs_vcount_pre_ecadd(zs_vacc_t *a);
void zs_vcount_pre_ecmul(zs_vacc_t *a);
void zs_vcount_pre_ecpairing(zs_vacc_t *a, size_t pairs);

#endif
