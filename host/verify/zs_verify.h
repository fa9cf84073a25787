/* zs_verify: the chain verifier.  zs_verify_chain re-executes every block
   of a stored chain from its genesis, in memory, and checks each block's
   state root, header hash, transaction and receipt roots and receipts,
   that no transaction is in two blocks, and every closed batch's data,
   data hash and accInputHash chain.  Used after crashes (the crash tests)
   and by operators (`zkseq chain verify`).

   The database must not be open elsewhere.  Any thread; no shared state. */
#ifndef ZS_VERIFY_H
#define ZS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    uint64_t blocks, txs, batches;
    uint8_t state_root[32];
} zs_verify_report_t;

/* zs_verify_chain: 0 with the report; ZS_ERR_CORRUPT with a sentence in
   err about the first mismatch; another error when the database cannot be
   read. */
ZS_MUST_USE int zs_verify_chain(const char *path, zs_verify_report_t *out, char *err, size_t errlen);

#endif
