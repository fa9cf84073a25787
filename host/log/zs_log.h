/* zs_log: zkseqd's log: one event per line, as key=value pairs or as a
   JSON object (chosen at start), with a level that can change while the
   daemon runs, to stderr or to a file that SIGHUP reopens (for rotation).

   Every event has ts (UTC, milliseconds), level, comp (the module) and msg;
   zs_log_kv adds fields.  An event is written with one write(2), so lines
   from threads never interleave.  Thread safety: every function may be
   called from any thread. */
#ifndef ZS_LOG_H
#define ZS_LOG_H

#include <stddef.h>

#include "lib/base/zs_err.h"

typedef enum { ZS_LOG_DEBUG, ZS_LOG_INFO, ZS_LOG_WARN, ZS_LOG_ERROR, ZS_LOG_LEVELS } zs_log_level_t;
typedef enum { ZS_LOG_KV, ZS_LOG_JSON } zs_log_format_t;

/* zs_log_open sends events to path (appended; NULL or "" for stderr).
   0, or ZS_ERR_IO with the reason in err. */
ZS_MUST_USE int zs_log_open(const char *path, zs_log_format_t format, zs_log_level_t level, char *err, size_t errlen);
/* zs_log_reopen reopens the file (after a rotation moved it); 0 or ZS_ERR_IO. */
int zs_log_reopen(void);
void zs_log_close(void);

void zs_log_set_level(zs_log_level_t level);
zs_log_level_t zs_log_level(void);
/* Level and format names ("debug", "info", "warn", "error"; "kv", "json"):
   0 and the value, or ZS_ERR_INVAL. */
int zs_log_parse_level(const char *name, zs_log_level_t *out);
int zs_log_parse_format(const char *name, zs_log_format_t *out);
const char *zs_log_level_name(zs_log_level_t level);

/* zs_log writes an event with a printf-formatted message. */
void zs_log(zs_log_level_t level, const char *comp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* zs_log_kv writes an event with msg and extra string fields: key, value
   pairs ending with NULL. */
void zs_log_kv(zs_log_level_t level, const char *comp, const char *msg, ...) __attribute__((sentinel));

#endif
