/* txgen_confirm: zkseq-txgen --confirm's watchers.  While the load runs,
   one thread reads zkseqd's feed of executed transactions (GET /executed,
   server-sent events) and one follows its new blocks over JSON-RPC
   (eth_blockNumber, eth_getBlockByNumber), timing when each of the load's
   transactions is executed and when its block is durable. */
#ifndef TXGEN_CONFIRM_H
#define TXGEN_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

typedef struct txgen_confirm txgen_confirm_t;

/* Starts watching zkseqd's JSON-RPC port for the n transactions of hashes
   (copied).  NULL when the feed cannot be opened. */
txgen_confirm_t *txgen_confirm_start(uint16_t port, const uint8_t (*hashes)[32], size_t n);
/* Waits up to ms for every transaction's block, stops the watchers and
   frees; exec_t[i] and durable_t[i] get when hashes[i] was seen executed
   and durable (monotonic seconds; 0: not seen). */
void txgen_confirm_finish(txgen_confirm_t *c, int ms, double *exec_t, double *durable_t);

#endif
