/* zs_fuzz_node: the real node the fuzz targets of the daemon's front ends
   (JSON-RPC, the management port) drive: a fresh temporary data directory,
   chain id 1001, one funded development account.  Fuzzing code: aborts
   when the node cannot be opened. */
#ifndef ZS_FUZZ_NODE_H
#define ZS_FUZZ_NODE_H

#include "host/node/zs_node.h"

/* name goes into the directory's name (/tmp/zkseq-fuzz-NAME-XXXXXX). */
zs_node_t *zs_fuzz_node_open(const char *name);
/* The same on another genesis (its JSON text). */
zs_node_t *zs_fuzz_node_open_genesis(const char *name, const char *genesis);
/* Closes the node and removes its directory. */
void zs_fuzz_node_close(zs_node_t *n);

#endif
