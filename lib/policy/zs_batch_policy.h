/* zs_batch_policy: when the open batch closes and how long an L2 block
   stays open.  One type, one set of bounds, one validity check and one due
   test, used by the host (zkseqd applies the limits at every transaction),
   the firmware (it owns the policy while it is up, decides the batch age
   and the block time) and zkseqctl (it checks a value before it asks), so
   that a setting one side refuses is refused by all of them, in the same
   words.

   The limits:
     max_bytes         batchL2Data bytes (at most the rollup contract's
                       _MAX_TRANSACTIONS_BYTE_LENGTH, 120,000)
     max_txs, max_gas  transactions and gas in one batch
     max_age_ms        from the batch's first block
     block_min_ms,     the block time the firmware chooses from the load
     block_max_ms,     (blocks of about target_block_txs transactions),
     target_block_txs  between these bounds

   The struct is laid out with every field naturally aligned and no
   padding: the mailbox carries it as it is (lib/mbox).

   Pure code: no allocation, no I/O, no global state; any thread. */
#ifndef ZS_BATCH_POLICY_H
#define ZS_BATCH_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t max_bytes;
    uint64_t max_txs;
    uint64_t max_gas;
    uint32_t max_age_ms;
    uint32_t block_min_ms;
    uint32_t block_max_ms;
    uint32_t target_block_txs;
} zs_batch_policy_t;

/* The rollup contract's limit on one batch's data. */
#define ZS_BATCH_POLICY_CONTRACT_MAX_BYTES 120000u

/* Why a batch closed (or should close).  0 means it should not. */
typedef enum {
    ZS_BATCH_CLOSE_NONE = 0,
    ZS_BATCH_CLOSE_FULL,     /* the next transaction would have passed a limit */
    ZS_BATCH_CLOSE_BYTES,
    ZS_BATCH_CLOSE_TXS,
    ZS_BATCH_CLOSE_GAS,
    ZS_BATCH_CLOSE_AGE,
    ZS_BATCH_CLOSE_FIRMWARE, /* the firmware asked */
    ZS_BATCH_CLOSE_OPERATOR, /* an operator asked (zkseqctl batch close) */
    ZS_BATCH_CLOSE_COUNTERS, /* the next transaction would pass the prover's counters (fork 12 budgets) */
    ZS_BATCH_CLOSE_FORCED,   /* a forced batch from L1 comes next (and a forced batch itself) */
    ZS_BATCH_CLOSE_SEQUENCER, /* a replica: where the sequencer's data stream ends the batch */
    ZS_BATCH_CLOSE_COUNT
} zs_batch_close_t;

/* "full", "bytes", ... ("?" for a value outside the enum). */
const char *zs_batch_close_name(int reason);

/* What the open batch holds so far. */
typedef struct {
    uint64_t bytes, txs, gas;
    uint64_t age_ms; /* since its first block; 0 when it holds none */
} zs_batch_fill_t;

/* zs_batch_policy_defaults fills the values a new box starts with. */
void zs_batch_policy_defaults(zs_batch_policy_t *p);

/* zs_batch_policy_check: NULL when p is a policy every side accepts, or a
   static sentence naming the first key that is out of bounds and its
   bounds (the same sentence wherever it is checked). */
const char *zs_batch_policy_check(const zs_batch_policy_t *p);

/* zs_batch_policy_due: why a batch filled as f should close now under p
   (BYTES, TXS, GAS or AGE), or ZS_BATCH_CLOSE_NONE; an empty batch (no
   bytes) is never due. */
zs_batch_close_t zs_batch_policy_due(const zs_batch_policy_t *p, const zs_batch_fill_t *f);

/* zs_batch_policy_fits: 1 when one more transaction of tx_bytes bytes in
   batch form and at most tx_gas gas keeps a batch filled as f within p's
   size, count and gas limits, 0 when it would pass one.  (A batch with no
   transaction takes any transaction: the caller decides that.) */
int zs_batch_policy_fits(const zs_batch_policy_t *p, const zs_batch_fill_t *f, uint64_t tx_bytes, uint64_t tx_gas);

/* ---- The keys by name, as the firmware's console, the mailbox's
   POLICY_SET and zkseqctl name them ("max_bytes", ..., "target_block_txs"). */

typedef struct {
    const char *name;
    size_t offset;  /* into zs_batch_policy_t */
    uint8_t width;  /* 4 or 8 bytes */
    uint64_t min, max; /* each key's own bounds; zs_batch_policy_check adds the ones between keys */
    const char *bounds; /* the sentence that refuses a value outside them */
} zs_batch_policy_key_t;

extern const zs_batch_policy_key_t zs_batch_policy_keys[];
extern const size_t zs_batch_policy_nkeys;

/* The key named name, or NULL. */
const zs_batch_policy_key_t *zs_batch_policy_key(const char *name);
uint64_t zs_batch_policy_get(const zs_batch_policy_t *p, const zs_batch_policy_key_t *k);

/* zs_batch_policy_set sets key to value in a copy of *p, checks the whole
   policy, and only then writes it back: NULL, or a static sentence (an
   unknown key, a value out of bounds, limits that disagree) with *p as it
   was. */
const char *zs_batch_policy_set(zs_batch_policy_t *p, const char *key, uint64_t value);

/* zs_batch_policy_parse_value reads a decimal value as the console and
   zkseqctl take it: NULL, or "value must be a decimal number". */
const char *zs_batch_policy_parse_value(const char *text, uint64_t *value);

#endif
