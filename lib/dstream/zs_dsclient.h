/* zs_dsclient: a blocking client of the data stream's TCP protocol
   (zs_dstream.h), for `zkseq stream dump HOST:PORT` and a replica's
   follower: connect, send a command and read its result, read packets.
   Every read waits at most the client's timeout; a server that goes quiet
   longer is ZS_ERR_TIMEOUT, one that closes or sends a malformed packet
   ZS_ERR_IO or ZS_ERR_PARSE, and one that answers an error ZS_ERR_REFUSED;
   the client's err says which.

   Thread safety: one client per thread. */
#ifndef ZS_DSCLIENT_H
#define ZS_DSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/dstream/zs_dstream.h"

typedef struct {
    int fd;
    int timeout_ms;
    char err[200];
    uint8_t in[65536]; /* what was received and not yet taken: in[pos..have) */
    size_t pos, have;
} zs_dsclient_t;

/* HOST:PORT (IPv4 or a name).  0, or ZS_ERR_IO with err set. */
ZS_MUST_USE int zs_dsclient_connect(zs_dsclient_t *c, const char *hostport, int timeout_ms);
void zs_dsclient_close(zs_dsclient_t *c);

/* Bytes received and not yet taken (a caller that polls the socket polls
   only when there are none). */
size_t zs_dsclient_buffered(const zs_dsclient_t *c);
/* The next packet's bytes (malloc'd, *len of them). */
ZS_MUST_USE int zs_dsclient_packet(zs_dsclient_t *c, uint8_t **p, uint32_t *len);
/* Sends command cmd with its argument bytes and reads its result packet. */
ZS_MUST_USE int zs_dsclient_command(zs_dsclient_t *c, uint64_t cmd, const uint8_t *arg, size_t n);

/* Header: the command and the header entry that follows its result. */
ZS_MUST_USE int zs_dsclient_header(zs_dsclient_t *c, zs_ds_header_t *h);
/* Start from entry `from`; StartBookmark from a batch or L2 block
   bookmark (ZS_DS_BOOKMARK_*): the entries then follow as packets. */
ZS_MUST_USE int zs_dsclient_start(zs_dsclient_t *c, uint64_t from);
ZS_MUST_USE int zs_dsclient_start_bookmark(zs_dsclient_t *c, uint32_t type, uint64_t value);

#endif
