/* The JSON-RPC envelope: one call or a batch in, the methods found in the
   tables of zs_rpc_eth.c and zs_rpc_zkevm.c, the answers out.  The HTTP
   side is zs_http.c. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"

static json_t *error_response(json_t *id, int code, const char *msg, json_t *data)
{
    json_t *err = json_pack("{s:i,s:s}", "code", code, "message", msg);
    if (data) json_object_set_new(err, "data", data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", err);
}

static rpc_method_fn find_method(const char *name)
{
    static const zs_rpc_method_t *const tables[] = {zs_rpc_eth_methods, zs_rpc_evm_methods, zs_rpc_logs_methods,
                                                    zs_rpc_trace_methods, zs_rpc_zkevm_methods, zs_rpc_l1_methods,
                                                    zs_rpc_zkevm_blocks_methods};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const zs_rpc_method_t *m = tables[t]; m->name; m++)
            if (!strcmp(m->name, name)) return m->fn;
    return NULL;
}

/* One call; NULL for a notification. */
static json_t *handle_call(zs_rpc_t *r, json_t *req)
{
    __atomic_fetch_add(&r->stats.calls, 1, __ATOMIC_RELAXED);
    if (!json_is_object(req)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(NULL, -32600, "invalid request: want a JSON object", NULL);
    }
    json_t *id = json_object_get(req, "id");
    int notification = id == NULL;
    if (id && !json_is_null(id) && !json_is_string(id) && !json_is_integer(id) && !json_is_real(id)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(NULL, -32600, "invalid request: id must be a number, a string or null", NULL);
    }
    json_t *ver = json_object_get(req, "jsonrpc");
    const char *method = json_string_value(json_object_get(req, "method"));
    json_t *params = json_object_get(req, "params");
    if ((ver && (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0"))) || !method) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(id, -32600, "invalid request: want jsonrpc \"2.0\" and a method name", NULL);
    }
    if (params && json_is_null(params)) params = NULL;
    if (params && !json_is_array(params)) {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        return error_response(id, -32602, "invalid params: want an array", NULL);
    }
    rpc_method_fn fn = find_method(method);
    json_t *res = NULL;
    rpc_err_t e = {0};
    if (!fn) {
        char msg[200];
        snprintf(msg, sizeof msg, "the method %.100s does not exist/is not available", method);
        e.code = -32601;
        snprintf(e.msg, sizeof e.msg, "%s", msg);
    } else {
        res = fn(r, params, &e);
    }
    if (!res && !e.code) rpc_fail(&e, -32603, "internal error");
    if (!res) __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
    if (notification) {
        json_decref(res);
        json_decref(e.data);
        return NULL;
    }
    if (!res) return error_response(id, e.code, e.msg, e.data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", res);
}

static char *dump(json_t *j, size_t *len)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    *len = s ? strlen(s) : 0;
    return s;
}

/* A batch of n calls: its transactions (eth_sendRawTransaction with an id)
   decoded, recovered and admitted together first, with one wait for their
   group commit; then every call in order, each transaction's answer the
   one it already has. */
static json_t *handle_batch(zs_rpc_t *r, json_t *req, size_t n)
{
    const uint8_t **raws = calloc(n, sizeof *raws);
    size_t *lens = calloc(n, sizeof *lens), *where = calloc(n, sizeof *where), k = 0;
    zs_submit_t *subs = calloc(n, sizeof *subs);
    /* A replica forwards each call: nothing is admitted here. */
    for (size_t i = 0; !r->cfg.read_only && raws && lens && where && subs && i < n; i++) {
        json_t *c = json_array_get(req, i), *params = json_object_get(c, "params");
        const char *m = json_string_value(json_object_get(c, "method"));
        const char *hex = json_string_value(json_array_get(params, 0));
        if (!m || strcmp(m, "eth_sendRawTransaction") || !hex || strncmp(hex, "0x", 2) ||
            json_array_size(params) != 1 || !json_object_get(c, "id"))
            continue;
        size_t sl = strlen(hex);
        uint8_t *raw = malloc(sl / 2 + 1);
        if (!raw || zs_hex_decode(raw, sl / 2 + 1, &lens[k], hex, sl)) {
            free(raw);
            continue;
        }
        raws[k] = raw;
        where[k++] = i;
    }
    if (k) zs_node_submit_many(r->node, raws, lens, k, subs);
    json_t *resp = json_array();
    for (size_t i = 0, j = 0; i < n; i++) {
        rpc_presubmitted = j < k && where[j] == i ? &subs[j++] : NULL;
        json_t *one = handle_call(r, json_array_get(req, i));
        if (one) json_array_append_new(resp, one);
    }
    rpc_presubmitted = NULL;
    for (size_t i = 0; i < k; i++) free((void *)raws[i]);
    free(raws);
    free(lens);
    free(where);
    free(subs);
    return resp;
}

void zs_rpc_handle(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen)
{
    rpc_request_ns = zs_mono_ns();
    *out = NULL;
    *outlen = 0;
    json_error_t je;
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    json_t *resp;
    if (!req) {
        char msg[256];
        snprintf(msg, sizeof msg, "parse error: %s at byte %d", je.text, je.position);
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        resp = error_response(NULL, -32700, msg, NULL);
    } else if (json_is_array(req)) {
        size_t n = json_array_size(req);
        if (n == 0) {
            resp = error_response(NULL, -32600, "invalid request: empty batch", NULL);
        } else if (n > r->cfg.max_batch) {
            char msg[128];
            snprintf(msg, sizeof msg, "invalid request: batch of %zu calls is above the limit of %zu", n,
                     r->cfg.max_batch);
            resp = error_response(NULL, -32600, msg, NULL);
        } else {
            resp = handle_batch(r, req, n);
            if (!json_array_size(resp)) {
                json_decref(resp);
                resp = NULL;
            }
        }
    } else {
        resp = handle_call(r, req);
    }
    json_decref(req);
    if (resp) {
        *out = dump(resp, outlen);
        json_decref(resp);
    }
}

void zs_rpc_stats(zs_rpc_t *r, zs_rpc_stats_t *out)
{
    out->http_requests = __atomic_load_n(&r->stats.http_requests, __ATOMIC_RELAXED);
    out->calls = __atomic_load_n(&r->stats.calls, __ATOMIC_RELAXED);
    out->errors = __atomic_load_n(&r->stats.errors, __ATOMIC_RELAXED);
    out->too_large = __atomic_load_n(&r->stats.too_large, __ATOMIC_RELAXED);
}
