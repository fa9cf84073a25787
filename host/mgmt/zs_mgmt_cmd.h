/* zs_mgmt_cmd: the management commands.  Each takes its arguments as an
   array of strings and answers a JSON value; a bad argument or a refusal
   changes nothing and says why (code "bad_args", "refused",
   "unknown_command" or "internal").  Commands that change anything log who
   asked.  Any thread (each connection's). */
#ifndef ZS_MGMT_CMD_H
#define ZS_MGMT_CMD_H

#include <jansson.h>

#include "host/mgmt/zs_mgmt_ctx.h"

/* Runs one command: the result, or NULL with *code and err set. */
json_t *zs_mgmt_exec(const zs_mgmt_ctx_t *c, const char *cmd, json_t *args, const char *who, const char **code,
                     char *err, size_t errlen);

#endif
