/* zs_ejected: the transactions the sequencer dropped at execution (a nonce
   taken meanwhile, a balance spent meanwhile), with why: the last 4096 of
   them, for eth_sendRawTransactionSync and eth_getTransactionReceipt to
   say what happened to a transaction that will never be in a block.

   Owner: the sequencer thread adds; any thread looks up. */
#ifndef ZS_EJECTED_H
#define ZS_EJECTED_H

#include <stdint.h>

typedef struct zs_ejected zs_ejected_t;

/* NULL when out of memory. */
zs_ejected_t *zs_ejected_new(void);
void zs_ejected_free(zs_ejected_t *e);

/* why must be a static string. */
void zs_ejected_add(zs_ejected_t *e, const uint8_t hash[32], const char *why);
/* Why the transaction was ejected, or NULL if it is not among the last ones. */
const char *zs_ejected_find(zs_ejected_t *e, const uint8_t hash[32]);
/* How many were ejected since the node started. */
uint64_t zs_ejected_count(zs_ejected_t *e);

#endif
