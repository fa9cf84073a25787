/* zs_dsfile: a data stream file as zkevm-data-streamer lays it out
   (lib/dstream/zs_dstream.h): the header page, 1 MiB data pages, entries
   that never cross a page.  One writer appends entries inside an atomic
   operation; commit makes them durable (the data fsync'd, then the header
   that counts them written and fsync'd), so after a crash the file holds
   exactly the committed entries (anything past the header's total length
   is ignored and overwritten).  Readers (any thread) read committed entries
   by number and find bookmarks; an index of entry offsets and bookmarks is
   built by scanning the file at open.

   Thread safety: begin/add/commit/rollback from one writer thread; the
   readers from any thread at once with it. */
#ifndef ZS_DSFILE_H
#define ZS_DSFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/dstream/zs_dstream.h"

typedef struct zs_dsfile zs_dsfile_t;

/* Opens path (creating it with system_id when absent): NULL with a sentence
   in err (not a stream file, another chain's, a cut page, a damaged
   entry). */
zs_dsfile_t *zs_dsfile_open(const char *path, uint64_t system_id, char *err, size_t errlen);
void zs_dsfile_close(zs_dsfile_t *f);

/* ---- The writer. */
void zs_dsfile_begin(zs_dsfile_t *f);
/* Appends an entry (a bookmark: type ZS_DS_ET_BOOKMARK, data the BookMark
   message); its number in *number.  0 or an I/O error. */
ZS_MUST_USE int zs_dsfile_add(zs_dsfile_t *f, uint32_t type, const uint8_t *data, uint32_t len, uint64_t *number);
/* 0 when the operation's entries are durable and visible to readers. */
ZS_MUST_USE int zs_dsfile_commit(zs_dsfile_t *f);
void zs_dsfile_rollback(zs_dsfile_t *f);

/* ---- Readers. */
/* The committed header. */
zs_ds_header_t zs_dsfile_header(zs_dsfile_t *f);
/* Committed entry `number` as its whole data packet (17 + data bytes,
   malloc'd): 0, ZS_ERR_NOTFOUND, or an I/O error. */
ZS_MUST_USE int zs_dsfile_entry(zs_dsfile_t *f, uint64_t number, uint8_t **packet, size_t *len);
/* Committed entries from `from` on, as many as lie back to back on one page
   within cap bytes (at least one): their packets' bytes (malloc'd) and how
   many; for a server that sends a client's backlog in few writes. */
ZS_MUST_USE int zs_dsfile_run(zs_dsfile_t *f, uint64_t from, size_t cap, uint8_t **bytes, size_t *len,
                              uint64_t *count);
/* The entry number of a bookmark (the BookMark message's bytes). */
ZS_MUST_USE int zs_dsfile_bookmark(zs_dsfile_t *f, const uint8_t *bookmark, size_t len, uint64_t *number);
/* Waits until more than `have` entries are committed or timeout_ms passes;
   returns the committed count. */
uint64_t zs_dsfile_wait(zs_dsfile_t *f, uint64_t have, int timeout_ms);

#endif
