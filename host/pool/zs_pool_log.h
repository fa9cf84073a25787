/* zs_pool_log: the pool's log (zs_plog) tied to the pool's database.

   The database's meta family holds the checkpoint ("pool-log": the log's
   id, the position before which every round is in the database, and
   whether the pool stopped cleanly).  Opening brings the rounds a crash
   left past the checkpoint into the database (flushed), then starts the
   log: the same file when it is the one the checkpoint names and has the
   wanted size; a new one otherwise (made when missing, renewed when it is
   another log's, remade at a new size).

   Refused, with a sentence saying what to do: a log that is missing,
   damaged or another log's while the checkpoint says the pool did not stop
   cleanly (acknowledged transactions may be in it). */
#ifndef ZS_POOL_LOG_H
#define ZS_POOL_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "host/pool/zs_plog.h"
#include "host/store/zs_store.h"

/* zs_pool_log_open returns the log to give the pool (zs_pool_cfg_t.log),
   with *replayed the rows brought back into the database; NULL with the
   reason. */
zs_plog_t *zs_pool_log_open(zs_store_t *store, const char *path, size_t size, size_t *replayed, char *err,
                            size_t errlen);

/* zs_pool_log_mark puts the checkpoint at the log's position into b (the
   caller writes b with a flush, then calls zs_plog_checkpointed). */
void zs_pool_log_mark(zs_store_batch_t *b, const zs_plog_t *l, int clean);

/* zs_pool_log_checkpoint reads the checkpoint: 1 with the position before
   which every round is in the database and whether the pool stopped
   cleanly, 0 when there is none, or an error. */
int zs_pool_log_checkpoint(zs_store_t *store, uint64_t *pos, int *clean);

/* The pool family's row key: the arrival number, 8 bytes big-endian. */
void zs_pool_row_key(uint8_t k[8], uint64_t seq);

#endif
