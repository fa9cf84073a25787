/* zs_executed: the transactions the sequencer has executed in its open
   block, the last 16384 of them, each with where it landed (block, index)
   and what it did (status, gas used, how many logs): the confirmation at
   execution ("preconfirmation") that eth_sendRawTransactionSync gives when
   asked, before the block is sealed and made durable.  What it says holds:
   the transaction stays where it is once executed (blocks are not
   reordered); only a crash before the block is written can lose it, and
   then the durable confirmation never comes.

   Owner: the sequencer thread adds; any thread finds and waits. */
#ifndef ZS_EXECUTED_H
#define ZS_EXECUTED_H

#include <stdint.h>
#include <time.h>

#include "lib/base/zs_err.h"

typedef struct {
    uint8_t hash[32];
    uint64_t block, gas_used;
    uint32_t index, logs;
    uint8_t status;
} zs_executed_info_t;

typedef struct zs_executed zs_executed_t;

/* NULL when out of memory. */
zs_executed_t *zs_executed_new(void);
void zs_executed_free(zs_executed_t *e);

void zs_executed_add(zs_executed_t *e, const zs_executed_info_t *info);
/* 0 with *out, or ZS_ERR_NOTFOUND (not among the last ones). */
ZS_MUST_USE int zs_executed_find(zs_executed_t *e, const uint8_t hash[32], zs_executed_info_t *out);
/* Waits until a transaction is added or the deadline passes: 0, or
   ZS_ERR_TIMEOUT. */
int zs_executed_wait(zs_executed_t *e, uint64_t seen, const struct timespec *deadline);
/* Calls fn(ctx) once, on the sequencer's thread, after the next addition
   (fn must be quick: a wake-up).  A waiter that does not hold a thread
   arms it, then reads what it has not seen, so nothing falls between;
   NULL disarms. */
typedef void (*zs_executed_notify_fn)(void *ctx);
void zs_executed_notify_once(zs_executed_t *e, zs_executed_notify_fn fn, void *ctx);
/* How many were executed since the node started (for zs_executed_wait). */
uint64_t zs_executed_count(zs_executed_t *e);
/* A feed's read: the transactions executed from sequence number *cursor on
   (the first since start is 0), at most max of them into out; *cursor
   moves past them.  *lost: how many a reader this far behind missed (the
   ring keeps the last 16384). */
size_t zs_executed_since(zs_executed_t *e, uint64_t *cursor, zs_executed_info_t *out, size_t max, uint64_t *lost);

#endif
