/* zs_genesis: a chain's first state in Polygon's genesis format, read from
   JSON text:

     {"addresses": [{"address": "0x..", "balance": "..", "nonce": "..",
                     "bytecode": "0x..", "storage": {"0xslot": "0xvalue"}}]}

   A node's genesis file (zkevm-node's and cdk's genesis.json) names the
   same list "genesis", each entry with a contractName too; either name is
   read, other keys are ignored.  balance, nonce and storage values are
   decimal or 0x strings (or JSON integers); bytecode and storage are optional.  The parser checks every
   entry before it returns anything, so a bad file names its first bad
   entry and yields nothing.  A key given twice in an object, a storage
   slot given twice (0x2 and 0x02) and an address given by two entries are
   refused: which value won would depend on the order they were applied
   in.  An account's storage is kept in slot order.  The canonical text (compact, keys sorted) is
   kept beside the parsed accounts: the node stores it, and a replay parses
   it again.

   This is the only place that reads the format; the state (zs_state) and
   the node take the parsed struct.  Any thread; the object is immutable
   once parsed. */
#ifndef ZS_GENESIS_H
#define ZS_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/u256/zs_u256.h"

typedef struct {
    zs_u256_t slot, value;
} zs_genesis_slot_t;

typedef struct {
    uint8_t address[20];
    zs_u256_t balance;
    uint64_t nonce;
    uint8_t *code;   /* NULL when the account has none */
    size_t code_len;
    zs_genesis_slot_t *storage;
    size_t nstorage;
} zs_genesis_account_t;

typedef struct {
    zs_genesis_account_t *accounts;
    size_t naccounts;
    char *text; /* the canonical JSON (compact, keys sorted), NUL-terminated */
} zs_genesis_t;

/* zs_genesis_parse reads len bytes of JSON text: the genesis, or NULL with
   a sentence in err (the first bad entry and why, or out of memory). */
zs_genesis_t *zs_genesis_parse(const char *text, size_t len, char *err, size_t errlen);
/* zs_genesis_load reads a file the same way. */
zs_genesis_t *zs_genesis_load(const char *path, char *err, size_t errlen);
void zs_genesis_free(zs_genesis_t *g);

#endif
