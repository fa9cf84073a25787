/* zs_config: zkseqd's configuration: one schema table (every key with its
   type, bounds, default, whether it changes live, and a line of
   documentation) and the effective configuration built from it.

   Everything that reads or shows configuration goes through the table:
   zkseqd's defaults, its configuration file and flags, --print-config and
   --config-doc (host/config/CONFIG.md is that output), and the management
   port's config get / config set.  A value is checked once, here, against
   its key's bounds; the batching policy's keys take lib/policy's bounds and
   its whole-policy check, in the same words the firmware uses.

   Keys are dotted ("rpc.port"); a file is a JSON object of sections.
   JSON stays inside this module (the file format is its edge): callers get
   typed values.

   Thread safety: one zs_config_t may be read and set from any thread (a
   mutex inside); strings returned by zs_config_str stay valid until that
   key is set again. */
#ifndef ZS_CONFIG_H
#define ZS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef enum {
    ZS_CFG_UINT,    /* an integer in [min, max] */
    ZS_CFG_BOOL,
    ZS_CFG_STRING,
    ZS_CFG_CHOICE,  /* one of choices ("fcfs|fee") */
    ZS_CFG_POLICY,  /* a batching-policy limit: lib/policy's key of the same name, its bounds and default */
    ZS_CFG_U256,    /* a decimal or 0x number, in a string */
    ZS_CFG_ADDRESS, /* a 0x address, or null */
    ZS_CFG_GENESIS, /* null, a file path, or the genesis object itself */
    ZS_CFG_MAP,     /* an object: client id -> hex key */
} zs_config_type_t;

typedef enum {
    ZS_CFG_RESTART,  /* read when zkseqd starts */
    ZS_CFG_LIVE,     /* config set applies it at once */
    ZS_CFG_FIRMWARE, /* the firmware's: set through zkseqctl while it is up, never in the file */
} zs_config_when_t;

typedef struct {
    const char *key;
    zs_config_type_t type;
    uint64_t min, max;  /* ZS_CFG_UINT */
    const char *def;    /* the default as JSON text (NULL for ZS_CFG_POLICY keys: lib/policy's; a ZS_CFG_FIRMWARE key's is the firmware's, for the documentation) */
    const char *choices; /* ZS_CFG_CHOICE */
    zs_config_when_t when;
    int secret;         /* config get shows "(secret)" */
    const char *doc;
} zs_config_key_t;

extern const zs_config_key_t zs_config_keys[];
extern const size_t zs_config_nkeys;

/* The key's schema entry, or NULL. */
const zs_config_key_t *zs_config_key(const char *key);

typedef struct zs_config zs_config_t;

/* zs_config_new: every key at its default (NULL when out of memory). */
zs_config_t *zs_config_new(void);
void zs_config_free(zs_config_t *c);

/* zs_config_merge_file reads a JSON object of sections; an unknown key, a
   value of the wrong kind or out of bounds refuses the whole file (nothing
   changes) with the key named in err. */
ZS_MUST_USE int zs_config_merge_file(zs_config_t *c, const char *path, char *err, size_t errlen);

/* zs_config_set sets key from text as a flag or zkseqctl gives it: a
   number, true or false, or a string, by the key's type; out of bounds or
   unknown: ZS_ERR_INVAL (or ZS_ERR_NOTFOUND) with the reason in err and
   nothing changed.  A batching-policy key is also checked with the other
   policy keys. */
ZS_MUST_USE int zs_config_set(zs_config_t *c, const char *key, const char *text, char *err, size_t errlen);

/* Typed reads of a key the schema has (a wrong type or key aborts: a
   programming error). */
uint64_t zs_config_uint(zs_config_t *c, const char *key);
int zs_config_bool(zs_config_t *c, const char *key);
const char *zs_config_str(zs_config_t *c, const char *key); /* NULL for a JSON null */

/* The effective configuration as JSON text (malloc'd), indented; with
   redact, secrets show as "(secret)".  key NULL: all of it; otherwise
   {"key": value}, or NULL when the key is unknown. */
char *zs_config_text(zs_config_t *c, const char *key, int redact);
/* The same as a JSON value (a new jansson reference), for the management
   port's answers. */
struct json_t;
struct json_t *zs_config_json(zs_config_t *c, const char *key, int redact);

/* The schema as a Markdown table (malloc'd): host/config/CONFIG.md. */
char *zs_config_doc(void);

#endif
