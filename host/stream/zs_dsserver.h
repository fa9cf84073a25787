/* zs_dsserver: the data stream's TCP server, zkevm-data-streamer's protocol
   (lib/dstream/zs_dstream.h): Start, Stop, Header, StartBookmark, Entry and
   Bookmark, each answered with a result; a started client gets every
   committed entry from the one it asked for, then each new one as it is
   committed.  Every client has its own thread reading the stream file at
   its own pace, so a slow client never slows the writer (or the
   sequencer); one that does not take what it is sent for write_timeout_ms
   is cut off, with the reason in the log.  Only committed (durable) entries
   go out.

   Thread safety: start and stop from one thread; stats from any. */
#ifndef ZS_DSSERVER_H
#define ZS_DSSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "host/stream/zs_dsfile.h"

typedef struct {
    const char *host;      /* listening address; NULL: 127.0.0.1 */
    uint16_t port;         /* 0: a free one (zs_dsserver_port) */
    int write_timeout_ms;  /* a client that does not read for this long is cut off; default 3000 */
    unsigned max_clients;  /* default 100 */
} zs_dsserver_opts_t;

typedef struct {
    uint64_t clients, accepted, cut_off, refused, entries_sent;
} zs_dsserver_stats_t;

typedef struct zs_dsserver zs_dsserver_t;

/* NULL with a sentence in err (the port taken, ...). */
zs_dsserver_t *zs_dsserver_start(zs_dsfile_t *f, const zs_dsserver_opts_t *o, char *err, size_t errlen);
uint16_t zs_dsserver_port(const zs_dsserver_t *s);
void zs_dsserver_stats(zs_dsserver_t *s, zs_dsserver_stats_t *out);
/* Closes the listener and every client, and waits for their threads. */
void zs_dsserver_stop(zs_dsserver_t *s);

#endif
