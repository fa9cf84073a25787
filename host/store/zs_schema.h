/* zs_schema: the column families of zkseqd's database, in one place, and
   the format marker that says a directory holds a zkseq database.

   Every module that stores something names its family here, so a change of
   layout is visible in one file and bumps ZS_SCHEMA_FORMAT. */
#ifndef ZS_SCHEMA_H
#define ZS_SCHEMA_H

#include "host/store/zs_store.h"

enum {
    ZS_CF_META = 0,      /* small records: format, latest versions, counters */
    ZS_CF_SMT_NODES = 1, /* state tree pages: (row, hash) -> page of four levels; each row written once */
    ZS_CF_SMT_ROOTS = 2, /* state version (u64 BE) -> root */
    ZS_CF_SMT_GC = 3,    /* state version -> the pages that left the tree at it */
    ZS_CF_CHAIN = 4,     /* blocks, batches, receipts, transaction index (host/chain, written by host/node) */
    ZS_CF_POOL = 5,      /* acknowledged transactions not yet in a block (host/pool) */
    ZS_CF_L1 = 6,        /* what L1 says: info tree leaves, virtual, verified and forced batches (host/l1view) */
    ZS_CF_COUNT
};

#define ZS_SCHEMA_FORMAT "zkseq-db-3" /* 3: the state tree stored in pages of four levels */

extern const zs_cf_desc_t zs_schema_cfs[ZS_CF_COUNT];

/* zs_schema_open opens (creating when o->create) the database at path and
   checks or writes its format marker.  NULL with a sentence in err when the
   directory is not a zkseq database, has another format, is locked or
   corrupted. */
zs_store_t *zs_schema_open(const char *path, const zs_store_opts_t *o, char *err, size_t errlen);

#endif
