/* zs_pool: transactions waiting for a block.

   Admission (zs_pool_add) checks a decoded transaction whose sender was
   already recovered: known hash, chain rules (zs_tx_check), gas price floor,
   gas limit, size, nonce against the account (too low; beyond the gap
   limit), balance for the worst case, replacement of the same sender and
   nonce (needs the configured price bump), and the global and per-sender
   limits.  Each refusal has a stable code and geth's message.

   Acknowledged means durable: an admitted transaction is written to the
   pool family of the store by a writer thread that groups every admission
   waiting at that moment into one flushed round; zs_pool_add returns only
   after its transaction is on disk.  With a log (zs_pool_log), the round is
   flushed there and written to the store unflushed, the store flushed with
   a checkpoint now and then (zs_plog.h says why).  Rows leave the store once
   the block that includes the transaction is durable (zs_pool_forget_rows),
   so a crash never loses an acknowledged transaction; a row it keeps of an
   included one is dropped at the reload.

   Order: every admitted transaction gets an arrival number.  A sender's
   transactions run in nonce order; among the senders whose next
   transaction is executable, the sequencer takes the earliest arrival
   (first come, first served) or, with ZS_POOL_ORDER_FEE, the highest price.
   Transactions with future nonces wait until the gap closes.

   Thread safety: zs_pool_add from any number of threads; zs_pool_next,
   _done and the staging calls from the sequencer thread; reads from any
   thread.  One mutex guards the pool; recovery and decoding happen before
   it is taken. */
#ifndef ZS_POOL_H
#define ZS_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "host/pool/zs_plog.h"
#include "host/store/zs_store.h"
#include "lib/tx/zs_tx.h"
#include "lib/u256/zs_u256.h"

typedef enum {
    ZS_POOL_OK = 0,
    ZS_POOL_ALREADY_KNOWN,
    ZS_POOL_NONCE_TOO_LOW,
    ZS_POOL_NONCE_TOO_HIGH,
    ZS_POOL_UNDERPRICED,
    ZS_POOL_REPLACEMENT_UNDERPRICED,
    ZS_POOL_INSUFFICIENT_FUNDS,
    ZS_POOL_INTRINSIC_GAS,
    ZS_POOL_GAS_LIMIT,
    ZS_POOL_OVERSIZED,
    ZS_POOL_FULL,
    ZS_POOL_ACCOUNT_LIMIT,
    ZS_POOL_CHAIN_ID,
    ZS_POOL_FEE_CAP,
    ZS_POOL_NONCE_MAX,
    ZS_POOL_UNSUPPORTED,  /* a transaction type zkseq does not take */
    ZS_POOL_INIT_CODE,    /* a creation's init code above 49,152 bytes */
    ZS_POOL_INVALID,      /* does not decode, or bad signature */
    ZS_POOL_UNAVAILABLE,  /* the store failed or the pool is shutting down */
    ZS_POOL_BACKPRESSURE, /* sealed batches are waiting for L1 past the firmware's limit */
    ZS_POOL_REASON_COUNT
} zs_pool_reason_t;

/* geth's wording where geth has one. */
const char *zs_pool_reason_text(zs_pool_reason_t r);
/* A short stable identifier ("nonce_too_low"), for metrics and the UDP protocol. */
const char *zs_pool_reason_id(zs_pool_reason_t r);

typedef enum { ZS_POOL_ORDER_FCFS = 0, ZS_POOL_ORDER_FEE = 1 } zs_pool_order_t;

/* The latest committed state of an account, from the node. */
typedef int (*zs_pool_account_fn)(void *ctx, const uint8_t addr[20], uint64_t *nonce, zs_u256_t *balance);

typedef struct {
    zs_tx_rules_t rules;
    zs_u256_t min_gas_price;   /* below: "transaction underpriced" */
    uint64_t max_gas;          /* per transaction */
    size_t max_size;           /* bytes of the raw transaction */
    unsigned price_bump;       /* percent a replacement must add (10) */
    uint64_t nonce_gap;        /* how far ahead of the account a nonce may be */
    size_t max_txs;            /* global */
    size_t max_per_sender;
    zs_pool_order_t order;
    zs_pool_account_fn account;
    void *account_ctx;
    /* The log each group commit flushes instead of the store (from
       zs_pool_log_open; NULL: the store is flushed each time).  The caller
       closes it after zs_pool_free. */
    zs_plog_t *log;
    /* Called once, from the writer, when the log fails a write (why:
       strerror's sentence); every answer then waits for the store's flush. */
    void (*log_failed)(void *ctx, const char *why);
    void *log_failed_ctx;
} zs_pool_cfg_t;

typedef struct zs_pool zs_pool_t;

/* zs_pool_new starts the pool's writer thread.  store may be NULL (no
   durability: tests and tools).  NULL on failure. */
zs_pool_t *zs_pool_new(zs_store_t *store, const zs_pool_cfg_t *cfg);
/* Stops the writer (pending admissions fail with ZS_POOL_UNAVAILABLE). */
void zs_pool_free(zs_pool_t *p);

/* zs_pool_load re-admits the transactions the store holds (after a restart),
   in their arrival order, dropping the ones the state has overtaken.
   Returns how many came back. */
size_t zs_pool_load(zs_pool_t *p);

/* zs_pool_add admits raw[0..n), decoded into *tx with sender recovered, and
   returns once it is durable.  On success *seq is its arrival number. */
zs_pool_reason_t zs_pool_add(zs_pool_t *p, const uint8_t *raw, size_t n, const zs_tx_t *tx, const uint8_t sender[20],
                             uint64_t *seq);
/* The same in two steps, so a caller with many transactions (a JSON-RPC
   batch) waits for one group commit instead of one each: admit, then wait
   until the admitted transaction is durable.  Not acknowledged before
   zs_pool_wait_durable returns ZS_POOL_OK. */
zs_pool_reason_t zs_pool_add_nowait(zs_pool_t *p, const uint8_t *raw, size_t n, const zs_tx_t *tx,
                                    const uint8_t sender[20], uint64_t *seq);
zs_pool_reason_t zs_pool_wait_durable(zs_pool_t *p, const uint8_t hash[32], uint64_t seq);

/* A transaction handed to the sequencer: valid until zs_pool_done. */
typedef struct {
    const zs_tx_t *tx; /* points into raw */
    const uint8_t *raw;
    size_t raw_len;
    uint8_t sender[20];
    uint64_t seq;
} zs_pool_item_t;

/* zs_pool_next gives the next executable transaction (0) or ZS_ERR_NOTFOUND,
   waiting at most timeout_ms for one to arrive. */
int zs_pool_next(zs_pool_t *p, int timeout_ms, zs_pool_item_t *item);

/* zs_pool_done reports what became of an item: included (the sender's next
   nonce may now run) or ejected (removed with a reason).  An item that was
   not run (the block filled up) goes back with zs_pool_requeue. */
void zs_pool_done(zs_pool_t *p, const zs_pool_item_t *item, int included);
void zs_pool_requeue(zs_pool_t *p, const zs_pool_item_t *item);

/* The sequencer's side of a block's life.  zs_pool_set_block names the
   block whose transactions zs_pool_done reports next.  zs_pool_take_done
   hands over the store rows of every transaction done since the last call
   (a malloc'd array, the caller frees).  zs_pool_forget_rows has the writer
   delete rows: call it only once the block that included them is durable
   (a row that outlives a crash is harmless, the reload drops what the
   state has overtaken; a row lost early is not).  zs_pool_release forgets
   senders with nothing pooled whose last transaction ran in a block up to
   upto_block, once that block is published (the account callback returns
   their new nonce); until then the pool keeps their next nonce itself. */
void zs_pool_set_block(zs_pool_t *p, uint64_t number);
void zs_pool_take_done(zs_pool_t *p, uint64_t **rows, size_t *n);
void zs_pool_forget_rows(zs_pool_t *p, const uint64_t *rows, size_t n);
void zs_pool_release(zs_pool_t *p, uint64_t upto_block);

/* Queries (any thread). */
size_t zs_pool_size(zs_pool_t *p, size_t *executable, size_t *queued);
/* 1 when the sequencer is behind one of the senders addrs[i] whose bit i
   is set in mask (i < 64; one lock for all): at least half its
   max_per_sender transactions are pooled and executable now (a sender
   whose pooled ones wait for a missing nonce is not behind). */
int zs_pool_senders_behind(zs_pool_t *p, const uint8_t (*addrs)[20], size_t n, uint64_t mask);
/* The next nonce a sender should use: the account's, plus its consecutive
   pooled transactions. */
int zs_pool_pending_nonce(zs_pool_t *p, const uint8_t addr[20], uint64_t *nonce);
/* 1 if the hash is pooled (copies the raw transaction into a malloc'd buffer). */
int zs_pool_get(zs_pool_t *p, const uint8_t hash[32], uint8_t **raw, size_t *len, uint8_t sender[20]);
/* A pooled transaction, for operators (zkseqctl pool ls). */
typedef struct {
    uint8_t hash[32], sender[20];
    uint64_t nonce, seq, gas;
    zs_u256_t price;   /* its bid per gas */
    int executable;    /* its nonce is next for its sender (or follows executable ones) */
    int in_flight;     /* the sequencer has it now */
} zs_pool_entry_t;
/* zs_pool_list copies up to max entries in arrival order into out and
   returns how many transactions the pool holds. */
size_t zs_pool_list(zs_pool_t *p, zs_pool_entry_t *out, size_t max);
/* zs_pool_drop removes a pooled transaction for good (its row deleted,
   durably, before it returns): 0, ZS_ERR_NOTFOUND, or ZS_ERR_AGAIN when
   the sequencer holds it right now or it is not yet durable.  Its sender's
   later transactions wait for the nonce again. */
ZS_MUST_USE int zs_pool_drop(zs_pool_t *p, const uint8_t hash[32]);

/* The writer's group commits since start, by what they flushed: the log
   (the usual way with one) or the store (without a log; with one, its
   checkpoints, drops, rounds the log had no room for, and every round
   after the log failed a write: log_ok 0). */
typedef struct {
    uint64_t by_log, by_store;
    int log_ok; /* a log takes the commits: configured and not failed */
    int log_direct; /* that log writes O_DIRECT | O_DSYNC (else the page cache and fdatasync) */
} zs_pool_writes_t;
void zs_pool_writes(zs_pool_t *p, zs_pool_writes_t *w);

/* Counts of refusals by reason since start. */
void zs_pool_refusals(zs_pool_t *p, uint64_t counts[ZS_POOL_REASON_COUNT]);

#endif
