/* zs_exec_batch: one whole batch as Polygon's executor processes it
   (commonjs processor.js, fork 12), on top of zs_exec: the entries of
   batchL2Data in order, which transactions are skipped and why, when the
   whole batch is invalid (its state stays the old one), and the batch's
   virtual counters.  The `zkseq batch` tool and the tests run executor
   inputs through it.

   Rules (processor.js): a transaction that does not decode makes the batch
   invalid; one with another chain id, a bad signature, a wrong nonce, too
   little balance, a sender with code, a gas limit above the maximum or gas
   below its intrinsic cost is skipped; the first entry must open a block
   (unless the batch is forced); a block whose timestamp passes
   timestampLimit, or falls below its L1 info leaf's, makes the batch
   invalid.  A forced batch (forcedBlockHashL1 set) may hold no block entry:
   one block is opened for it with timestamp max(limit, previous), the L1
   info root as its global exit root and the forced block hash.

   Thread safety: as zs_exec (one thread owns the state). */
#ifndef ZS_EXEC_BATCH_H
#define ZS_EXEC_BATCH_H

#include "host/exec/zs_exec.h"
#include "lib/batch/zs_batch.h"

typedef struct {
    uint64_t chain_id;
    uint8_t sequencer[20];
    uint64_t timestamp_limit;
    const uint8_t *data; /* batchL2Data */
    size_t len;
    uint8_t l1_info_root[32];
    uint8_t forced_block_hash[32]; /* zero unless forced */
    /* The L1 info leaf a block entry names: 0, or ZS_ERR_NOTFOUND.  When
       its Merkle proof is given (*has_proof set, 32 siblings), the leaf is
       checked against l1_info_root and an empty leaf invalidates the batch;
       without one (skipVerifyL1InfoRoot) the leaf is taken as it is. */
    int (*l1_info)(void *ctx, uint32_t index, zs_l1_info_t *out, uint8_t (*proof)[32], int *has_proof);
    void *ctx;
    uint32_t max_level; /* the state tree's deepest leaf, for the counters' MCP */
    uint64_t gas_limit; /* Polygon's newBlockGasLimit option: the transaction cap and GASLIMIT (0: fork 12's) */
    size_t info_pass;   /* zs_exec_cfg_t's: 0, the block info tree hashed at each block's end */
} zs_exec_batch_in_t;

/* What happened to one transaction entry. */
typedef struct {
    const zs_tx_t *tx;       /* NULL when the entry did not decode */
    int recovered;
    uint8_t sender[20];
    int included;
    const char *why;         /* when skipped: Polygon's reason */
    const zs_exec_result_t *r; /* when it ran */
} zs_exec_batch_tx_t;

typedef struct {
    void *ctx;
    void (*block)(void *ctx, const zs_exec_block_t *b);
    void (*tx)(void *ctx, const zs_exec_batch_tx_t *t);
} zs_exec_batch_sink_t;

typedef struct {
    const char *invalid;   /* NULL, or why the whole batch is invalid */
    zs_vcount_t counters;  /* the batch's virtual counters */
    uint64_t version;      /* the state version the batch ended at */
} zs_exec_batch_out_t;

/* zs_exec_batch runs the batch on st, whose latest committed version is
   `version` (each block commits the next one).  Returns 0 (out says how the
   batch went) or a state error.  After an invalid batch st holds whatever
   the batch did before it failed: the batch's result is the old root, and
   the caller discards st. */
ZS_MUST_USE int zs_exec_batch(zs_state_t *st, uint64_t version, const zs_exec_batch_in_t *in,
                              const zs_exec_batch_sink_t *sink, zs_exec_batch_out_t *out);

/* The processor's first pass, for who runs a batch's entries itself (the
   sequencer's forced batches): every entry decoded, each transaction's
   sender recovered or why it will be skipped before execution (a bad
   signature, another chain).  NULL, or why the whole batch is invalid;
   *out is the caller's to free with zs_exec_entries_free either way. */
typedef struct {
    zs_batch_entry_t ent;
    uint8_t *raw;            /* the standard signed envelope (tx points into it) */
    zs_tx_t tx;
    int decoded, sig_ok, chain_mismatch;
    const char *why;         /* skipped before execution */
    uint8_t sender[20];
} zs_exec_entry_t;
const char *zs_exec_batch_decode(const uint8_t *data, size_t len, uint64_t chain_id, zs_exec_entry_t **out,
                                 size_t *n);
void zs_exec_entries_free(zs_exec_entry_t *v, size_t n);
/* The counters the processor spends before it runs anything (the batch's
   data, each entry's decoding), added to *out; NULL, or why the batch is
   invalid (a forced batch may hold no changeL2Block). */
const char *zs_exec_batch_precount(size_t len, const zs_exec_entry_t *v, size_t n, int forced, uint32_t max_level,
                                   zs_vcount_t *out);

/* An L1 info tree leaf's value: keccak256(ger ++ blockHash ++ uint64
   timestamp), zero for the all-zero leaf; and the root its proof gives. */
void zs_exec_l1_leaf_value(const zs_l1_info_t *l, uint8_t out[32]);
void zs_exec_l1_proof_root(const uint8_t leaf[32], const uint8_t (*proof)[32], uint32_t index, uint8_t out[32]);

/* The counters' view of a transaction entry (zs_vcount_rlp_parsing);
   chain_mismatch: the transaction is of another chain; recovered: its
   sender was recovered from the signature. */
void zs_exec_batch_rlp(const zs_batch_entry_t *ent, const zs_tx_t *tx, int chain_mismatch, int recovered,
                       zs_vcount_rlp_t *out);

#endif
