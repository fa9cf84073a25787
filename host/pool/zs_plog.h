/* zs_plog: the pool's write-ahead log, a ring in one file written in place.

   Why: acknowledged means durable, so every group commit of the pool waits
   for a flush.  Appending to a file (RocksDB's own log) changes its size,
   and a journaled ext4 commits its journal for that on every fdatasync; a
   file whose blocks were all written when it was made keeps its size and
   extents, so its fdatasync flushes the data alone.  Measured on the
   development VM's disk: on a journaled ext4 p50 0.23-0.62 against
   0.68-1.68 ms; on its root ext4, which has no journal (only the inode's
   write is saved), 0.12 against 0.18 ms, p99.9 0.35 against 1.4 ms.
   The pool writes its rows to RocksDB without a flush beside this log, and
   flushes RocksDB (with a checkpoint: "every round before position P is in
   the database") once a quarter of the ring has been written since the
   last one, so the ring never overwrites a round the database lacks.

   The file: a 4 KiB header (magic, format, size, a random id, checksum),
   then the ring.  Positions are logical (bytes written since the id was
   made); a position's place in the file is 4096 + pos % ring.  A round is
   a 32-byte header (magic, kind, its own position, payload length, row
   count, checksum) and its rows (seq u64, length u32, raw), padded to 8
   bytes; the checksum is keccak-256 of the id, the header and the payload,
   so a torn round, a round of an earlier lap or of another file's id ends
   a replay.  A round that does not fit before the ring's end goes to its
   start behind a pad record.

   Thread safety: one thread writes (the pool's writer); replay before it
   starts.  Errors: ZS_ERR_IO once a write or flush failed (the log is then
   off: every later round says ZS_ERR_AGAIN, and the caller flushes the
   database itself). */
#ifndef ZS_PLOG_H
#define ZS_PLOG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_PLOG_HEADER 4096u
#define ZS_PLOG_ID 16u

typedef struct zs_plog zs_plog_t;

/* zs_plog_create writes a new log of size bytes at path (zeros past the
   header; a temporary file renamed into place, the folder flushed). */
ZS_MUST_USE int zs_plog_create(const char *path, size_t size, char *err, size_t errlen);
/* zs_plog_open opens an existing log (NULL with the reason: missing,
   not a pool log, damaged header, size not the header's). */
zs_plog_t *zs_plog_open(const char *path, char *err, size_t errlen);
void zs_plog_close(zs_plog_t *l);

size_t zs_plog_size(const zs_plog_t *l);
const uint8_t *zs_plog_id(const zs_plog_t *l);
/* zs_plog_renew gives the log a new id and starts it at position 0: what the
   ring held is no longer read. */
ZS_MUST_USE int zs_plog_renew(zs_plog_t *l);

/* zs_plog_replay reads the rounds from position from on, in order, until
   the first that is not there whole, calling fn for each row (a nonzero
   return stops it with that code); afterwards the log writes after the
   last round read and its checkpoint is from.  *rows counts the rows. */
typedef int (*zs_plog_row_fn)(void *ctx, uint64_t seq, const uint8_t *raw, size_t len);
ZS_MUST_USE int zs_plog_replay(zs_plog_t *l, uint64_t from, zs_plog_row_fn fn, void *ctx, size_t *rows);

/* A round: begin, add rows (copied), write: ZS_OK once it is durable,
   ZS_ERR_AGAIN when the ring has no room for it before the checkpoint (or
   the log is off; nothing was written: put the rows elsewhere durably),
   ZS_ERR_IO when the write or flush failed (the log is off from now on). */
void zs_plog_round_begin(zs_plog_t *l);
ZS_MUST_USE int zs_plog_round_add(zs_plog_t *l, uint64_t seq, const uint8_t *raw, size_t len);
ZS_MUST_USE int zs_plog_round_write(zs_plog_t *l);

/* Where the file system takes O_DIRECT, rounds are written with O_DIRECT |
   O_DSYNC in whole 4 KiB blocks (the first led by the round before it, as
   the page cache wrote it): no page cache, no writeback, the write itself
   durable.  Measured on the development VM, a 600-byte write alone: p50
   0.13-0.15 against 0.16-0.17 ms with fdatasync, 34-46 against 50-58 us of
   CPU; in zkseqd at 1,000 tx/s over UDP, one transaction a frame, three
   alternating pairs in a quiet spell: the round's write 291-346 against
   317-570 us on average, the pool writer's CPU 118-129 against 132-148 us
   a transaction, the answer's p99 2.9-4.1 against 3.6-10.2 ms (a fourth
   pair, in a slow minute of the disk, alike: 773 against 796 us).
   zs_plog_direct says which way the log writes; zs_plog_buffered goes back
   to the page cache and fdatasync (tests of that path). */
int zs_plog_direct(const zs_plog_t *l);
void zs_plog_buffered(zs_plog_t *l);

/* 1 once a write or flush failed (the log is off), with why (strerror's
   sentence) in zs_plog_failure. */
int zs_plog_failed(const zs_plog_t *l);
const char *zs_plog_failure(const zs_plog_t *l);
/* The position the next round is written at. */
uint64_t zs_plog_pos(const zs_plog_t *l);
/* 1 once a quarter of the ring was written since the checkpoint. */
int zs_plog_want_checkpoint(const zs_plog_t *l);
/* Every round before pos is durable elsewhere: the ring may reuse it. */
void zs_plog_checkpointed(zs_plog_t *l, uint64_t pos);

#endif
