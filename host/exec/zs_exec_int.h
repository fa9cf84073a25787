/* zs_exec's insides, shared by zs_exec.c (blocks, checks, transfers, the
   block info tree) and zs_exec_evm.c (the EVM's host over the state and
   the EVM path of a transaction). */
#ifndef ZS_EXEC_INT_H
#define ZS_EXEC_INT_H

#include "host/exec/zs_exec.h"

/* Storage slots of the system contract. */
enum { SLOT_LAST_BLOCK = 0, SLOT_STATE_ROOT = 1, SLOT_TIMESTAMP = 2, SLOT_BLOCK_INFO_ROOT = 3 };
/* Slot of the global exit root map in the L2 global exit root manager. */
enum { SLOT_GLOBAL_EXIT_ROOT = 0, SLOT_LOCAL_EXIT_ROOT = 1 };
/* Block info tree: leaf types, and the header fields (type 7). */
enum {
    KEY_HEADER = 7,
    KEY_TX_HASH = 8,
    KEY_TX_STATUS = 9,
    KEY_TX_CUMULATIVE_GAS = 10,
    KEY_TX_LOG = 11,
    KEY_TX_EFFECTIVE_PCT = 12
};
enum { H_BLOCK_HASH = 0, H_COINBASE, H_NUMBER, H_GAS_LIMIT, H_TIMESTAMP, H_GER, H_BLOCK_HASH_L1, H_GAS_USED, H_COUNT };

typedef struct {
    zs_smt_key_t hash, status, cumulative, pct;
} tx_keys_t;

/* zs_exec_info.c: the open block's info tree.  pass 0: its leaves hashed
   at the block's end on the caller's thread; n: queued to a helper thread
   that hashes what it has each n leaves.  One caller thread. */
typedef struct exec_info exec_info_t;
exec_info_t *exec_info_new(size_t pass);
void exec_info_free(exec_info_t *in);
/* A fresh tree (what the previous block left unhashed is dropped). */
ZS_MUST_USE int exec_info_begin(exec_info_t *in, const zs_smt_hasher_t *hasher);
/* Leaves k[i] := v[i], i < n (one lock for a receipt's or a header's). */
ZS_MUST_USE int exec_info_set(exec_info_t *in, const zs_smt_key_t *const *k, const zs_u256_t *v, size_t n);
/* Every leaf set: the tree's root. */
ZS_MUST_USE int exec_info_root(exec_info_t *in, uint64_t root[4]);

/* What the EVM's host reads through (zs_exec_evm.c). */
typedef struct {
    zs_state_t *st;
    uint8_t *code; /* the last code handed out */
    uint8_t (*touched)[20]; /* accounts whose balance or nonce the last EVM transaction wrote */
    size_t nt, capt;
} exec_host_t;

struct zs_exec {
    zs_state_t *st;
    zs_exec_cfg_t cfg;
    exec_info_t *info; /* the block info tree of the open block */
    zs_smt_key_t header_keys[H_COUNT];
    tx_keys_t *tx_keys; /* keys by index in the block, derived once */
    size_t n_tx_keys;
    uint32_t tx_index;
    uint32_t log_index; /* logs so far in the block */
    uint64_t cumulative_gas;
    int in_block;
    zs_exec_block_t blk; /* the open block */
    zs_evm_t *evm;
    exec_host_t host;
    uint32_t mcp;
    /* The block's log leaves, hashed together at its end (lane-parallel):
       each log's transaction and block-wide index, and its data then
       topics at buf + off. */
    struct pending_log {
        uint32_t tx, index;
        size_t off, len;
    } *plogs;
    size_t nplogs, capplogs;
    uint8_t *plog_buf;
    size_t plog_len, plog_cap;
};

/* zs_exec_evm.c */
zs_evm_t *exec_evm_new(zs_exec_t *x);
/* 1 when tx must run in the EVM (a creation, or a callee with code or a precompile). */
ZS_MUST_USE int exec_needs_evm(zs_exec_t *x, const zs_tx_t *tx, int *needs);
/* Runs tx in the EVM within room; fills r (reason, status, gas, logs,
   counters).  The state holds its changes when r->reason is ZS_EXEC_OK. */
ZS_MUST_USE int exec_evm_tx(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], const zs_vcount_t *room,
                            zs_exec_result_t *r);

/* zs_exec.c: the receipt of an included transaction into the block info tree. */
ZS_MUST_USE int exec_receipt(zs_exec_t *x, const zs_tx_t *tx, const uint8_t sender[20], uint8_t pct,
                             const uint8_t l2_hash[32], zs_exec_result_t *r);

#endif
