/* zs_prefetch: reads the pages the state tree is about to ask for, ahead
   of it, on a thread of its own.

   The tree's owner hands it where keys' paths leave the nodes in memory
   (zs_smt_cold: the transactions' accounts, before they run); the thread
   reads that page and those below it on each key's path through a loader
   (RocksDB reads, safe on any thread), 16 paths at a time a level of all
   of them per batched read (the loader's load_many: RocksDB's MultiGet),
   hashes their pages together and checks each against the hash its parent
   names (as zs_smt_page_read_path does for the tree), and keeps them by
   reference in a cache of max_pages pages.
   The tree's loader takes a page from the cache, marked hashed, before it
   reads one itself: the read, the parse and the hashing left the tree's
   thread.  A page in the cache has been checked as the tree checks a page
   it reads, so a damaged row still never reaches the tree; a prefetch that
   fails (a missing or damaged row) is dropped and counted, and the tree's
   own read then fails as it did.  Pages nobody takes leave the cache
   oldest first; a full queue drops its oldest path (a prefetch is
   advice: the tree reads what it lacks).  The thread reads the paths
   handed over last first, so that it and the tree, which meets them in
   the order they were handed over, meet once instead of reading the same
   pages one after the other; a page the tree reads itself drops the
   queued paths that start there.

   Thread safety: zs_prefetch_add, _take, _wait and _stats from any thread;
   zs_prefetch_free once nothing else calls in. */
#ifndef ZS_PREFETCH_H
#define ZS_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#include "host/state/zs_smt.h"

typedef struct zs_prefetch zs_prefetch_t;

typedef struct {
    uint64_t asked;   /* paths handed over */
    uint64_t dropped; /* paths dropped: the oldest of a full queue, or the
                         tree read their first page itself meanwhile */
    uint64_t failed;  /* paths whose read or check failed */
    uint64_t read;    /* pages read, hashed and kept */
    uint64_t taken;   /* pages the tree took */
    uint64_t missed;  /* pages the tree asked for and read itself */
    uint64_t evicted; /* pages that left the cache untaken */
} zs_prefetch_stats_t;

/* zs_prefetch_new starts the thread, reading through loader (a plain
   reader: zs_statedb_loader) into a cache of max_pages pages (at least
   one).  NULL when out of memory or no thread can start. */
zs_prefetch_t *zs_prefetch_new(const zs_smt_loader_t *loader, size_t max_pages);
/* Stops the thread (after the path it is reading) and frees everything. */
void zs_prefetch_free(zs_prefetch_t *pf);

/* zs_prefetch_add queues paths to read (zs_smt_cold's output). */
void zs_prefetch_add(zs_prefetch_t *pf, const zs_smt_cold_t *paths, size_t n);

/* zs_prefetch_take moves the page at ref out of the cache into out
   (hashed, checked): 1, or 0 when the cache does not hold it. */
int zs_prefetch_take(zs_prefetch_t *pf, const zs_smt_ref_t *ref, zs_smt_page_t *out);

/* zs_prefetch_wait returns once every path queued so far has been read. */
void zs_prefetch_wait(zs_prefetch_t *pf);

void zs_prefetch_stats(zs_prefetch_t *pf, zs_prefetch_stats_t *out);

#endif
