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
/* The format before it, which zkseqd upgrades in place (host/state's
   zs_statedb_upgrade: one row per tree node, rewritten as pages). */
#define ZS_SCHEMA_FORMAT_PREV "zkseq-db-2"

extern const zs_cf_desc_t zs_schema_cfs[ZS_CF_COUNT];

/* zs_schema_open opens (creating when o->create) the database at path and
   checks or writes its format marker.  NULL with a sentence in err when the
   directory is not a zkseq database, has another format, is locked or
   corrupted. */
zs_store_t *zs_schema_open(const char *path, const zs_store_opts_t *o, char *err, size_t errlen);

/* An in-place upgrade from an earlier format, given by the room that owns
   what changed (the schema only knows the marker).  run adds to batch
   whatever turns the rows of format `from` into this format's (the marker
   is added by the schema, and the batch is written at once, synced: a crash
   leaves the old format or the new one, never a mix); it may read store.
   0, or an error with a sentence in err.  It may leave a line for the log
   in up->note.  begin (may be NULL) is called first, to say that an
   upgrade starts. */
typedef struct zs_schema_upgrade zs_schema_upgrade_t;
struct zs_schema_upgrade {
    const char *from;
    void (*begin)(zs_schema_upgrade_t *up, const char *path);
    int (*run)(zs_schema_upgrade_t *up, zs_store_t *store, zs_store_batch_t *batch, char *err, size_t errlen);
    void *ctx;
    char note[256];
};

/* zs_schema_open_upgrading is zs_schema_open that upgrades a database of
   format up->from in place (not when o->read_only) and then compacts it
   (what the upgrade removed leaves the disk). */
zs_store_t *zs_schema_open_upgrading(const char *path, const zs_store_opts_t *o, zs_schema_upgrade_t *up,
                                     char *err, size_t errlen);

#endif
