/* Fuzzes the firmware's JSON reader, which reads what the L1 node answers
   (a node the operator names, not one we control), against jansson (the
   host's JSON library) as the oracle: any bytes, no crash, no read outside
   the input; every text jansson takes as one JSON value (nested less than
   the reader's limit) the reader takes too, finds each of an object's keys
   in it, and reads a string to the same characters.  The typed readers
   (string, quantity, bytes, integer) are run on whatever the members hold. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/fw_json.h"
#include "tests/support/zs_fuzz_check.h"

/* How deep containers nest in j (a scalar: 0). */
static int depth(json_t *j)
{
    int d = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach (j, k, v) {
            int x = depth(v);
            if (x > d) d = x;
        }
        return d + 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach (j, i, v) {
            int x = depth(v);
            if (x > d) d = x;
        }
        return d + 1;
    }
    return 0;
}

/* The typed readers on a value the reader returned: no crash, and the
   value is itself one JSON value. */
static void typed(fw_jval_t v, const uint8_t *data, size_t size)
{
    ZS_FUZZ_CHECK((const uint8_t *)v.p >= data && (const uint8_t *)v.p + v.n <= data + size);
    fw_jval_t again;
    ZS_FUZZ_CHECK(fw_json_value(v.p, v.n, &again) == ZS_OK && again.p == v.p && again.n == v.n);
    char s[64];
    uint64_t q;
    uint8_t b[32];
    int64_t i;
    (void)fw_json_string(v, s, sizeof s);
    (void)fw_json_quantity(v, &q);
    (void)fw_json_bytes(v, b, 32);
    (void)fw_json_bytes(v, b, 1);
    (void)fw_json_int(v, &i);
    (void)fw_json_is_null(v);
}

static int ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || !s[i]) return 0;
    return 1;
}

/* Where jansson read an object: each of its keys (plain ASCII, as
   JSON-RPC's are) is found. */
static void keys(fw_jval_t top, json_t *j, const uint8_t *data, size_t size)
{
    const char *k;
    json_t *v;
    json_object_foreach (j, k, v) {
        fw_jval_t m;
        if (!ascii(k, strlen(k)) || strpbrk(k, "\\\"")) continue;
        int rc = fw_json_member(top, k, &m);
        /* A key written with escapes is not matched by the reader: found
           only when the input spells it plainly. */
        if (rc == ZS_ERR_NOTFOUND) continue;
        ZS_FUZZ_CHECK(rc == ZS_OK);
        typed(m, data, size);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    fw_jval_t top;
    int ok = fw_json_value(text, size, &top) == ZS_OK;
    json_error_t e;
    json_t *j = json_loadb(text, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    /* jansson takes a raw NUL byte after a number as the number's end (its
       lexer's quirk, not JSON), so the oracle is asked only about texts
       without one. */
    if (j && depth(j) < 30 && !memchr(data, 0, size)) ZS_FUZZ_CHECK(ok);
    if (ok) {
        typed(top, data, size);
        static const char *const names[] = {"result", "error", "code", "message", "number", "hash", ""};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            fw_jval_t m;
            if (fw_json_member(top, names[i], &m) == ZS_OK) typed(m, data, size);
        }
        if (j && json_is_object(j)) keys(top, j, data, size);
        char s[4096];
        if (j && json_is_string(j) && ascii(json_string_value(j), json_string_length(j)) &&
            fw_json_string(top, s, sizeof s) == ZS_OK)
            ZS_FUZZ_CHECK(!strcmp(s, json_string_value(j)));
    }
    json_decref(j);
    return 0;
}
