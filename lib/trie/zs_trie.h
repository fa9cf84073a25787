/* zs_trie: the root of an Ethereum Merkle Patricia trie built from a set of
   (key, value) pairs at once, as block headers need it for their
   transactions and receipts roots (keys: RLP of the index).

   Pure function over caller memory; allocates scratch space.  Any thread. */
#ifndef ZS_TRIE_H
#define ZS_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value; /* non-empty */
    size_t value_len;
} zs_trie_item_t;

/* zs_trie_root computes the root of n items with distinct keys (any order;
   items is reordered).  The empty trie's root is keccak256(0x80).  Returns 0,
   ZS_ERR_INVAL for duplicate keys or empty values, or ZS_ERR_NOMEM. */
ZS_MUST_USE int zs_trie_root(zs_trie_item_t *items, size_t n, uint8_t root[32]);

/* zs_trie_list_root: the root of an ordered list (key i = RLP(i)), as
   Ethereum's transactionsRoot and receiptsRoot. */
ZS_MUST_USE int zs_trie_list_root(const uint8_t *const *values, const size_t *lens, size_t n, uint8_t root[32]);

#endif
