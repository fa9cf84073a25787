/* zs_view: what readers of the chain see: the last durable block (number,
   hash, timestamp, state root), the batch numbers that went with it, and
   the latest committed balance and nonce of accounts that were asked about
   or touched, so admission and eth_getBalance do not walk the tree.

   Entries are never stale: the committer rewrites every account a block
   touched before it moves the head (zs_view_publish), and a reader that
   read an account from the state while a newer block was being published
   does not cache it (zs_view_remember with the generation it started at).

   Owner: the committer thread is the only writer (zs_view_publish,
   zs_view_close_waiters); any thread reads. */
#ifndef ZS_VIEW_H
#define ZS_VIEW_H

#include <stdint.h>
#include <time.h>

#include "host/state/zs_smt.h"
#include "lib/u256/zs_u256.h"

typedef struct {
    uint64_t number, timestamp;
    uint8_t hash[32];
    zs_smt_ref_t root;
    uint32_t l1_last; /* the highest L1 info leaf a block has named */
} zs_view_head_t;

/* Batch numbers as the durable chain has them. */
typedef struct {
    uint64_t trusted;      /* last closed batch */
    uint64_t open;         /* the batch blocks are going into */
} zs_view_batches_t;

typedef struct {
    uint8_t addr[20];
    uint64_t nonce;
    zs_u256_t balance;
} zs_view_account_t;

typedef struct zs_view zs_view_t;

/* NULL when out of memory. */
zs_view_t *zs_view_new(const zs_view_head_t *head, const zs_view_batches_t *batches);
void zs_view_free(zs_view_t *v);

void zs_view_head(zs_view_t *v, zs_view_head_t *out);
uint64_t zs_view_head_number(zs_view_t *v);
void zs_view_batches(zs_view_t *v, zs_view_batches_t *out);

/* zs_view_account: 1 with the account's committed values when the view
   holds it; 0 otherwise, with the head it must be read at and the
   generation to hand back to zs_view_remember. */
int zs_view_account(zs_view_t *v, const uint8_t addr[20], uint64_t *nonce, zs_u256_t *balance,
                    zs_view_head_t *head, uint64_t *gen);
/* Keeps an account read from the state at the head of generation gen,
   unless a newer block was published meanwhile (or the view is full). */
void zs_view_remember(zs_view_t *v, uint64_t gen, const zs_view_account_t *a);

/* zs_view_publish (the committer): the touched accounts first, then the
   head and batch numbers (batches may be NULL: unchanged), then wakes the
   waiters. */
void zs_view_publish(zs_view_t *v, const zs_view_head_t *head, const zs_view_batches_t *batches,
                     const zs_view_account_t *fresh, size_t nfresh);

/* zs_view_wait_head waits until the head is past seen: 0; ZS_ERR_TIMEOUT
   at deadline (CLOCK_REALTIME); ZS_ERR_STATE once the waiters are closed
   (the node stops or failed). */
int zs_view_wait_head(zs_view_t *v, uint64_t seen, const struct timespec *deadline);
void zs_view_close_waiters(zs_view_t *v);

#endif
