/* zs_evm: the EVM of Polygon zkEVM fork 12, as an interpreter in C.

   What it executes: Berlin (EIP-2929 warm and cold access, EIP-2200
   SSTORE with Berlin's refunds, the refund capped at gasUsed / 2) plus
   EIP-3607, EIP-3541 and EIP-3855 (PUSH0), with fork 12's differences from
   Ethereum (../shared/EVM.md): BASEFEE, BLOBHASH, BLOBBASEFEE, TLOAD,
   TSTORE and MCOPY are invalid; 0xFF is SENDALL; BLOCKHASH reads the system
   storage; EXTCODEHASH is the Poseidon code-hash leaf; a jump is valid when
   the byte at its target is 0x5B; memory stops at 0x3fffe0 bytes;
   ripemd160, modexp and blake2f are "revert precompiled".

   It reaches the world through a small host interface (zs_evm_host_t):
   accounts, storage and code are read through it, once each, into a
   journaled overlay that the EVM owns.  Changes stay in the overlay: a
   reverted frame undoes exactly its own, and after a transaction the caller
   either commits it (zs_evm_commit: the changed balances, nonces, code and
   storage slots go out through the host's sink, once each) or discards it
   (zs_evm_discard: as if it never ran).  The overlay caches what it read
   for the next transactions of the block; zs_evm_forget drops it when the
   state changed underneath (another block, a rollback).

   The EVM also counts what Polygon's prover will spend on each transaction
   (virtual counters, zs_vcount.h) and can trace (zs_evm_tracer_t).

   Thread safety: one thread owns a zs_evm_t.  The host's functions are
   called on that thread.  No I/O, no global state. */
#ifndef ZS_EVM_H
#define ZS_EVM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/evm/zs_vcount.h"
#include "lib/u256/zs_u256.h"

#define ZS_EVM_MAX_DEPTH 1024
#define ZS_EVM_STACK_LIMIT 1024
#define ZS_EVM_MAX_MEMORY 0x3fffe0u  /* growing past this is out of gas (fork 12) */
#define ZS_EVM_MAX_CODE_SIZE 0x6000u /* EIP-170 */

/* An account as the host's state holds it. */
typedef struct {
    zs_u256_t balance;
    uint64_t nonce;
    uint64_t code_len;
    uint8_t code_hash[32]; /* the code-hash leaf (Poseidon, big-endian); zero without code */
} zs_evm_account_t;

/* The host: reads of the state before the block's changes the overlay
   holds, and the sink the committed changes go to.  Each returns 0 or a
   ZS_ERR_* code; an error stops the transaction (ZS_EVM_FATAL) and the
   overlay must then be discarded. */
typedef struct {
    void *ctx;
    int (*account)(void *ctx, const uint8_t addr[20], zs_evm_account_t *out);
    int (*storage)(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out);
    /* The code of addr (acct is what account() returned): a pointer the
       host keeps valid until zs_evm_forget or zs_evm_free. */
    int (*code)(void *ctx, const uint8_t addr[20], const zs_evm_account_t *acct, const uint8_t **code,
                size_t *len);
    /* Polygon's code hash (linear Poseidon), big-endian. */
    void (*hash_code)(void *ctx, const uint8_t *code, size_t len, uint8_t out[32]);
    /* The sink: one call per changed item at zs_evm_commit.  set_code gets
       the code and its hash; set_storage gets 0 for a cleared slot. */
    int (*set_balance)(void *ctx, const uint8_t addr[20], const zs_u256_t *v);
    int (*set_nonce)(void *ctx, const uint8_t addr[20], uint64_t v);
    int (*set_code)(void *ctx, const uint8_t addr[20], const uint8_t *code, size_t len, const uint8_t hash[32]);
    int (*set_storage)(void *ctx, const uint8_t addr[20], const zs_u256_t *slot, const zs_u256_t *v);
} zs_evm_host_t;

/* The block a transaction runs in. */
typedef struct {
    uint64_t number;
    uint64_t timestamp;
    uint64_t gas_limit; /* GASLIMIT: 2^50 on Polygon */
    uint64_t chain_id;
    uint8_t coinbase[20]; /* the sequencer: COINBASE, and where fees go */
} zs_evm_block_t;

/* A transaction, already checked by the caller (nonce, funds, EIP-3607,
   the gas limit cap); intrinsic gas is checked here. */
typedef struct {
    uint8_t from[20];
    int is_create;
    uint8_t to[20];
    zs_u256_t value;
    const uint8_t *data;
    size_t data_len;
    uint64_t gas;          /* gas limit */
    zs_u256_t gas_price;   /* the effective gas price (GASPRICE; what gas costs) */
    uint64_t nonce;        /* the sender's nonce, for a creation's address */
} zs_evm_tx_t;

typedef enum {
    ZS_EVM_SUCCESS = 0,
    ZS_EVM_REVERT,              /* REVERT: the data says why */
    ZS_EVM_OUT_OF_GAS,
    ZS_EVM_INVALID_OPCODE,
    ZS_EVM_STACK_UNDERFLOW,
    ZS_EVM_STACK_OVERFLOW,
    ZS_EVM_BAD_JUMP,
    ZS_EVM_STATIC_CHANGE,       /* a state change inside STATICCALL */
    ZS_EVM_RETURNDATA_OOB,      /* RETURNDATACOPY beyond the return data */
    ZS_EVM_CREATE_COLLISION,
    ZS_EVM_CODE_SIZE,           /* EIP-170 */
    ZS_EVM_CODE_EF,             /* EIP-3541 */
    ZS_EVM_DEPTH,               /* call depth above 1024 (the call fails, the caller goes on) */
    ZS_EVM_INSUFFICIENT_BALANCE,/* a value transfer without the funds (likewise) */
    ZS_EVM_PRECOMPILE_FAILED,   /* bad precompile input, or a fork-12 "revert precompiled" */
    ZS_EVM_INTRINSIC_GAS,       /* the transaction's gas is below its intrinsic cost: not run */
    ZS_EVM_FATAL,               /* the host failed (rc says how): discard the overlay */
    ZS_EVM_STATUS_COUNT
} zs_evm_status_t;

/* geth's words for each status ("execution reverted", "out of gas", ...). */
const char *zs_evm_status_text(zs_evm_status_t s);

typedef struct {
    uint8_t address[20];
    uint8_t ntopics;
    uint8_t topics[4][32];
    const uint8_t *data; /* valid until the next transaction */
    size_t len;
} zs_evm_log_t;

typedef struct {
    zs_evm_status_t status;
    int rc;                  /* with ZS_EVM_FATAL: the host's error */
    uint64_t gas_used;       /* after refunds: what the sender pays */
    uint64_t gas_refund;     /* the refund applied */
    const uint8_t *output;   /* return or revert data; valid until the next transaction */
    size_t output_len;
    uint8_t created[20];     /* for a creation: the new contract's address */
    size_t code_len;         /* for a successful creation: the length of the code it deployed */
    const zs_evm_log_t *logs;
    size_t nlogs;
    zs_vcount_t counters;    /* what the transaction costs the prover (zs_vcount.h) */
} zs_evm_result_t;

/* A tracer sees each step and each call frame (debug_trace*).  NULL
   members are skipped.  Tracing runs a slower copy of the interpreter. */
typedef struct zs_evm_step {
    uint64_t pc;
    uint8_t op;
    int64_t gas;        /* before the step */
    int depth;          /* 1 for the transaction's frame */
    const zs_u256_t *stack; /* bottom first */
    size_t stack_len;
    const uint8_t *memory;
    size_t memory_len;
    int64_t refund;
    zs_evm_status_t error; /* ZS_EVM_SUCCESS, or why this step failed */
} zs_evm_step_t;

typedef enum { ZS_EVM_CALL, ZS_EVM_CALLCODE, ZS_EVM_DELEGATECALL, ZS_EVM_STATICCALL, ZS_EVM_CREATE, ZS_EVM_CREATE2,
               ZS_EVM_SENDALL } zs_evm_call_kind_t;

typedef struct {
    void *ctx;
    /* Before each step (its cost is not known yet), then after it: what
       it charged and how it ended. */
    void (*step)(void *ctx, const zs_evm_step_t *s);
    void (*step_end)(void *ctx, int64_t cost, zs_evm_status_t status);
    void (*enter)(void *ctx, zs_evm_call_kind_t kind, const uint8_t from[20], const uint8_t to[20],
                  const uint8_t *input, size_t len, uint64_t gas, const zs_u256_t *value);
    void (*leave)(void *ctx, zs_evm_status_t status, const uint8_t *output, size_t len, uint64_t gas_used,
                  const uint8_t created[20]);
} zs_evm_tracer_t;

typedef struct zs_evm zs_evm_t;

/* zs_evm_new: an EVM over host (copied).  NULL when out of memory. */
zs_evm_t *zs_evm_new(const zs_evm_host_t *host);
void zs_evm_free(zs_evm_t *e);

/* zs_evm_set_tracer: trace the following transactions (NULL stops). */
void zs_evm_set_tracer(zs_evm_t *e, const zs_evm_tracer_t *t);

/* zs_evm_set_memory_limit: memory a frame may grow to (fork 12:
   ZS_EVM_MAX_MEMORY).  Only benchmarks that compare with Ethereum's
   interpreters lift it (at most 4 GiB); anything that must agree with
   Polygon's prover keeps the default. */
void zs_evm_set_memory_limit(zs_evm_t *e, uint64_t bytes);

/* zs_evm_set_mcp: the tree depth the poseidon counters assume for the
   state tree (Polygon's MCP; see zs_vcount.h). */
void zs_evm_set_mcp(zs_evm_t *e, uint32_t mcp);

/* Options of one run. */
typedef struct {
    int no_fee;          /* eth_call: no gas is bought or paid for, nothing goes to the coinbase */
    int no_nonce;        /* eth_call: the sender's nonce is not bumped */
} zs_evm_opts_t;

/* zs_evm_transact runs tx in blk into the overlay: intrinsic gas, nonce,
   gas bought at the effective price, the message, refunds, the fee to the
   coinbase.  r says how it went; the overlay holds the changes until
   zs_evm_commit or zs_evm_discard.  Returns 0, or ZS_ERR_STATE when a
   transaction is already pending.  opts may be NULL. */
ZS_MUST_USE int zs_evm_transact(zs_evm_t *e, const zs_evm_block_t *blk, const zs_evm_tx_t *tx,
                                const zs_evm_opts_t *opts, zs_evm_result_t *r);

/* zs_evm_commit sends the pending transaction's changes to the host's
   sink; zs_evm_discard forgets them.  Either ends the transaction. */
ZS_MUST_USE int zs_evm_commit(zs_evm_t *e);
void zs_evm_discard(zs_evm_t *e);

/* zs_evm_forget drops everything the overlay read (nothing may be pending). */
void zs_evm_forget(zs_evm_t *e);
/* zs_evm_refresh: the balance, nonce or code of addr changed outside the
   EVM; it is read again on next use (nothing may be pending). */
void zs_evm_refresh(zs_evm_t *e, const uint8_t addr[20]);

/* Pure helpers. */
/* Intrinsic gas of a transaction: 21000 (+32000 creating) + 16 per
   non-zero and 4 per zero byte of data (Berlin: no init-code word cost). */
uint64_t zs_evm_intrinsic_gas(int is_create, const uint8_t *data, size_t len);
/* The address CREATE gives: keccak256(rlp([sender, nonce]))[12:]. */
void zs_evm_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t out[20]);
/* The address CREATE2 gives: keccak256(0xff ++ sender ++ salt ++ keccak256(init))[12:]. */
void zs_evm_create2_address(const uint8_t sender[20], const uint8_t salt[32], const uint8_t init_hash[32],
                            uint8_t out[20]);

#endif
