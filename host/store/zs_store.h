/* zs_store: the daemon's durable storage, one embedded RocksDB with named
   column families.

   Writes go through batches that are applied atomically (all or nothing),
   with an fsync of the write-ahead log when asked, so a crash at any point
   leaves the store before or after the whole batch.  Keys that are written
   exactly once and never overwritten (the state tree's node rows) are
   removed with zs_store_single_del, which RocksDB retires much more cheaply
   than an ordinary delete.

   Thread safety: all functions may be called from any thread; a batch
   belongs to one thread at a time.  Errors: ZS_ERR_NOTFOUND, ZS_ERR_FULL
   (caller's buffer too small; *len says how much is needed), ZS_ERR_CORRUPT
   (RocksDB found a bad checksum), ZS_ERR_IO (anything else RocksDB
   reports; zs_store_last_error has its text). */
#ifndef ZS_STORE_H
#define ZS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    const char *name;
    int point_lookups; /* bloom filter; no compression (random-looking values) */
} zs_cf_desc_t;

typedef struct {
    size_t cache_mb;     /* block cache shared by all families (default 256) */
    int create;          /* create the database if missing */
    int read_only;       /* open for reading only (tools, while zkseqd runs) */
} zs_store_opts_t;

typedef struct zs_store zs_store_t;
typedef struct zs_store_batch zs_store_batch_t;

/* zs_store_open opens (or creates) the database at path with exactly these
   column families.  On failure returns NULL and writes a sentence into
   err[0..errlen) saying what is wrong (missing, locked by another process,
   corrupted, not a directory...). */
zs_store_t *zs_store_open(const char *path, const zs_cf_desc_t *cfs, int ncf, const zs_store_opts_t *o,
                          char *err, size_t errlen);
void zs_store_close(zs_store_t *s);

/* zs_store_get copies the value of key in family cf into out[0..cap) and
   its length into *len. */
ZS_MUST_USE int zs_store_get(zs_store_t *s, int cf, const void *key, size_t klen, void *out, size_t cap,
                             size_t *len);

/* zs_store_get_many reads n keys of family cf in one batched lookup
   (RocksDB's MultiGet: the lookups share their walk through the memtables
   and files): key i's value into outs[i][0..cap), its length into lens[i]
   and its result (as zs_store_get's) into rcs[i].  Returns 0, or
   ZS_ERR_INVAL for a family that is not there. */
ZS_MUST_USE int zs_store_get_many(zs_store_t *s, int cf, size_t n, const void *const *keys, const size_t *klens,
                                  void *const *outs, size_t cap, size_t *lens, int *rcs);

/* A batch is bound to the store it will be written to. */
zs_store_batch_t *zs_store_batch_new(zs_store_t *s);
void zs_store_batch_free(zs_store_batch_t *b);
void zs_store_batch_clear(zs_store_batch_t *b);
size_t zs_store_batch_count(const zs_store_batch_t *b);
void zs_store_put(zs_store_batch_t *b, int cf, const void *key, size_t klen, const void *val, size_t vlen);
void zs_store_del(zs_store_batch_t *b, int cf, const void *key, size_t klen);
/* Only for a key put exactly once and never overwritten since. */
void zs_store_single_del(zs_store_batch_t *b, int cf, const void *key, size_t klen);

/* zs_store_del_family removes every row of family cf (keys shorter than 256
   bytes) that was there before this point of the batch; puts later in the
   same batch stay. */
void zs_store_del_family(zs_store_batch_t *b, int cf);

/* zs_store_write applies the batch atomically; sync makes it durable
   before returning. */
ZS_MUST_USE int zs_store_write(zs_store_t *s, zs_store_batch_t *b, int sync);

/* Iteration over one family in key order, from the first key >= start
   (NULL: from the beginning). */
typedef struct zs_store_iter zs_store_iter_t;
zs_store_iter_t *zs_store_iter_new(zs_store_t *s, int cf, const void *start, size_t slen);
/* Returns 1 with key/value pointers valid until the next call, 0 at the
   end, or an error. */
int zs_store_iter_next(zs_store_iter_t *it, const uint8_t **key, size_t *klen, const uint8_t **val, size_t *vlen);
void zs_store_iter_free(zs_store_iter_t *it);

/* zs_store_verify reads every row of every family with checksums on; 0 or
   ZS_ERR_CORRUPT with the reason in err. */
ZS_MUST_USE int zs_store_verify(zs_store_t *s, char *err, size_t errlen);

/* zs_store_flush writes every memtable to table files (clean shutdown,
   tests); the log already makes writes durable without it. */
ZS_MUST_USE int zs_store_flush(zs_store_t *s);

/* zs_store_compact compacts every family whole, every file rewritten, and
   returns when done (a bulk load's compaction work out of the way before
   measuring; a database made ready for an upgrade's reads). */
ZS_MUST_USE int zs_store_compact(zs_store_t *s);

/* Bytes the database occupies on disk (SST files and logs). */
uint64_t zs_store_disk_bytes(zs_store_t *s);

/* The text of the last RocksDB error this store saw. */
const char *zs_store_last_error(zs_store_t *s);

#endif
