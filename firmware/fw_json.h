/* fw_json: a small strict JSON reader for the firmware's L1 answers
   (JSON-RPC responses).  No allocation: a value is a slice of the input
   text; members are found by key in one object.  Nesting is limited to 32
   levels; anything malformed is ZS_ERR_PARSE.  Any thread (pure). */
#ifndef FW_JSON_H
#define FW_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    const char *p; /* first character of the value */
    size_t n;      /* its length; 0 for "absent" */
} fw_jval_t;

/* fw_json_value checks that text[0..n) is one JSON value (with surrounding
   whitespace) and returns it.  0 or ZS_ERR_PARSE. */
ZS_MUST_USE int fw_json_value(const char *text, size_t n, fw_jval_t *out);
/* fw_json_member finds key in the object obj: 0, ZS_ERR_NOTFOUND, or
   ZS_ERR_PARSE (obj is not an object). */
ZS_MUST_USE int fw_json_member(fw_jval_t obj, const char *key, fw_jval_t *out);

int fw_json_is_null(fw_jval_t v);
/* The string's contents unescaped into out (NUL-terminated); ZS_ERR_PARSE
   when v is not a string, ZS_ERR_FULL when it does not fit.  \u escapes
   outside ASCII become '?'. */
ZS_MUST_USE int fw_json_string(fw_jval_t v, char *out, size_t cap);
/* A "0x..." quantity into a u64: ZS_ERR_PARSE, ZS_ERR_RANGE above 2^64-1. */
ZS_MUST_USE int fw_json_quantity(fw_jval_t v, uint64_t *out);
/* "0x..." data of exactly n bytes. */
ZS_MUST_USE int fw_json_bytes(fw_jval_t v, uint8_t *out, size_t n);
/* A JSON integer (for error codes). */
ZS_MUST_USE int fw_json_int(fw_jval_t v, int64_t *out);

#endif
