/* zs_pool's insides, shared by zs_pool.c (admission, the sequencer's side,
   queries) and zs_pool_write.c (the writer thread).  Not for other rooms. */
#ifndef ZS_POOL_INT_H
#define ZS_POOL_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

#include "host/pool/zs_pool.h"
#include "lib/base/zs_hmap.h"

typedef struct acct acct_t;

typedef struct ptx {
    struct ptx *hnext; /* hash-map chain */
    uint8_t hash[32];
    uint8_t sender[20];
    uint64_t nonce, seq;
    zs_u256_t price; /* what it bids per gas: gas price, or max fee */
    zs_u256_t cost;  /* gas * price + value */
    uint8_t *raw;
    size_t raw_len;
    zs_tx_t tx; /* decoded from raw (points into it) */
    acct_t *acct;
    int durable, in_flight;
    struct ptx *wnext; /* writer queue */
} ptx_t;

struct acct {
    struct acct *hnext;
    uint8_t addr[20];
    uint64_t next_nonce; /* the nonce the sender's next executed transaction must carry */
    ptx_t **txs;         /* by nonce */
    size_t n, cap;
    size_t heap_pos; /* 0: not in the heap, else position + 1 */
    uint64_t last_block; /* the block that last ran one of its transactions */
};

/* A caller waiting for its transaction to be durable: the writer decides
   its answer and posts its own semaphore, so a group commit wakes only the
   callers it concerns and none of them takes the pool's lock again. */
typedef struct waiter {
    struct waiter *next;
    const uint8_t *hash;
    uint64_t seq;
    sem_t sem;
    int ok;
} waiter_t;

struct zs_pool {
    zs_pool_cfg_t cfg;
    zs_store_t *store;
    pthread_mutex_t mu;
    pthread_cond_t ready;   /* an executable transaction appeared */
    pthread_cond_t durable; /* the writer finished a batch (rare waits: a replacement, a drop) */
    waiter_t *waiters;      /* callers waiting for their transaction to be written */
    pthread_cond_t work;    /* the writer has work */
    pthread_t writer;
    int writer_started, stopping, store_failed;
    zs_hmap_t txs, accts;
    acct_t **heap;
    size_t heap_n, heap_cap;
    uint64_t next_seq;
    size_t total, executable;
    ptx_t *wq_head, *wq_tail; /* rows to write */
    uint64_t *wdel;           /* rows to delete (replaced) */
    size_t wdel_n, wdel_cap;
    uint64_t *done_rows; /* rows of transactions done since the last block */
    size_t done_n, done_cap;
    uint64_t refused[ZS_POOL_REASON_COUNT];
    uint64_t epoch; /* bumped when accounts leave (their nonce is the state's again) */
    uint64_t rounds_started, rounds_done; /* the writer's batches */
    int wflush;     /* the next round flushes the store (a drop must outlive a crash) */
    uint64_t by_log, by_store; /* rounds flushed to the log, to the store */
    int log_failed;            /* the log failed a write: it is off */
    int log_direct;            /* the log writes O_DIRECT | O_DSYNC (the writer's copy of zs_plog_direct) */
    uint64_t block; /* the block the sequencer is building */
};

#define TX_KOFF offsetof(ptx_t, hash)
/* Internal: the transaction to replace is not durable yet; wait and retry. */
#define RETRY ZS_POOL_REASON_COUNT
#define ACCT_KOFF offsetof(acct_t, addr)

/* Puts the account in the heap of runnable senders, or takes it out, as
   its head allows.  Under the lock. */
void zs_pool_refresh(zs_pool_t *p, acct_t *a);
/* After a write or at the stop: each waiter whose transaction is decided
   is answered and woken.  Under the lock. */
void zs_pool_answer_waiters(zs_pool_t *p);
/* The writer thread's body (zs_pool_write.c). */
void *zs_pool_writer_main(void *arg);

#endif
