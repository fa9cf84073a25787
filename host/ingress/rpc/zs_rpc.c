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

char *rpc_answer(zs_rpc_t *r, json_t *id, json_t *res, rpc_err_t *e, size_t *len)
{
    json_t *o;
    if (res) {
        o = json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", res);
    } else {
        __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
        o = error_response(id, e->code, e->msg, e->data);
    }
    char *s = dump(o, len);
    json_decref(o);
    return s;
}

/* The transactions among many calls (eth_sendRawTransaction with an id),
   decoded, recovered and admitted together, with one wait for their group
   commit; each such call then gets the answer it already has when it runs
   (handle_pre, in the same order). */
typedef struct {
    json_t **calls;
    const uint8_t **raws;
    size_t *lens;
    zs_submit_t *subs;
    size_t n, next;
} presub_t;

static int presub_init(presub_t *ps, size_t cap)
{
    memset(ps, 0, sizeof *ps);
    if (!cap) return 0;
    ps->calls = calloc(cap, sizeof *ps->calls);
    ps->raws = calloc(cap, sizeof *ps->raws);
    ps->lens = calloc(cap, sizeof *ps->lens);
    ps->subs = calloc(cap, sizeof *ps->subs);
    return ps->calls && ps->raws && ps->lens && ps->subs ? 0 : -1;
}

static void presub_add(zs_rpc_t *r, presub_t *ps, json_t *c)
{
    json_t *params = json_object_get(c, "params");
    const char *m = json_string_value(json_object_get(c, "method"));
    const char *hex = json_string_value(json_array_get(params, 0));
    /* A replica forwards each call: nothing is admitted here. */
    if (r->cfg.read_only || !ps->calls || !m || strcmp(m, "eth_sendRawTransaction") || !hex || strncmp(hex, "0x", 2) ||
        json_array_size(params) != 1 || !json_object_get(c, "id"))
        return;
    size_t sl = strlen(hex);
    uint8_t *raw = malloc(sl / 2 + 1);
    if (!raw || zs_hex_decode(raw, sl / 2 + 1, &ps->lens[ps->n], hex, sl)) {
        free(raw);
        return;
    }
    ps->raws[ps->n] = raw;
    ps->calls[ps->n++] = c;
}

static void presub_free(presub_t *ps)
{
    for (size_t i = 0; i < ps->n; i++) free((void *)ps->raws[i]);
    free(ps->calls);
    free(ps->raws);
    free(ps->lens);
    free(ps->subs);
}

static json_t *handle_pre(zs_rpc_t *r, presub_t *ps, json_t *call)
{
    rpc_presubmitted = ps && ps->next < ps->n && ps->calls[ps->next] == call ? &ps->subs[ps->next++] : NULL;
    json_t *one = handle_call(r, call);
    rpc_presubmitted = NULL;
    return one;
}

/* A request's answer (a call, or a batch array), or NULL for none. */
static json_t *handle_req(zs_rpc_t *r, presub_t *ps, json_t *req)
{
    if (!json_is_array(req)) return handle_pre(r, ps, req);
    size_t n = json_array_size(req);
    if (n == 0) return error_response(NULL, -32600, "invalid request: empty batch", NULL);
    if (n > r->cfg.max_batch) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid request: batch of %zu calls is above the limit of %zu", n, r->cfg.max_batch);
        return error_response(NULL, -32600, msg, NULL);
    }
    json_t *resp = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *one = handle_pre(r, ps, json_array_get(req, i));
        if (one) json_array_append_new(resp, one);
    }
    if (!json_array_size(resp)) {
        json_decref(resp);
        resp = NULL;
    }
    return resp;
}

static size_t calls_in(zs_rpc_t *r, json_t *req)
{
    size_t n = json_is_array(req) ? json_array_size(req) : 1;
    return n <= r->cfg.max_batch ? n : 0;
}

static void presub_collect(zs_rpc_t *r, presub_t *ps, json_t *req)
{
    if (!json_is_array(req)) {
        presub_add(r, ps, req);
    } else if (json_array_size(req) <= r->cfg.max_batch) {
        for (size_t i = 0; i < json_array_size(req); i++) presub_add(r, ps, json_array_get(req, i));
    }
}

typedef struct {
    zs_rpc_t *r;
    uint64_t ticket;
} turn_t;

/* Waits for the ticket's turn (or the server's stop), and passes it on. */
static void take_turn(void *ctx, int begin)
{
    turn_t *t = ctx;
    zs_rpc_t *r = t->r;
    pthread_mutex_lock(&r->jmu);
    if (begin) {
        while (r->admit_turn != t->ticket && !r->jstop) pthread_cond_wait(&r->turn_cv, &r->jmu);
    } else {
        r->admit_turn = t->ticket + 1;
        pthread_cond_broadcast(&r->turn_cv);
    }
    pthread_mutex_unlock(&r->jmu);
}

void zs_rpc_handle_many(zs_rpc_t *r, json_t *const *reqs, const uint64_t *arrival_ns, size_t n, char **outs,
                        size_t *outlens)
{
    zs_rpc_handle_many_in_turn(r, reqs, arrival_ns, n, outs, outlens, UINT64_MAX);
}

void zs_rpc_handle_many_in_turn(zs_rpc_t *r, json_t *const *reqs, const uint64_t *arrival_ns, size_t n, char **outs,
                                size_t *outlens, uint64_t ticket)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) cap += calls_in(r, reqs[i]);
    presub_t ps;
    if (presub_init(&ps, cap)) presub_free(&ps), memset(&ps, 0, sizeof ps);
    for (size_t i = 0; i < n; i++) presub_collect(r, &ps, reqs[i]);
    turn_t turn = {r, ticket};
    if (ticket != UINT64_MAX) {
        /* Every ticket is passed on, with or without transactions. */
        zs_node_submit_many_in_turn(r->node, ps.raws, ps.lens, ps.n, ps.subs, take_turn, &turn);
    } else if (ps.n) {
        zs_node_submit_many(r->node, ps.raws, ps.lens, ps.n, ps.subs);
    }
    for (size_t i = 0; i < n; i++) {
        rpc_request_ns = arrival_ns[i];
        json_t *resp = handle_req(r, &ps, reqs[i]);
        outs[i] = NULL;
        outlens[i] = 0;
        if (resp) outs[i] = dump(resp, &outlens[i]);
        json_decref(resp);
    }
    presub_free(&ps);
}

json_t *zs_rpc_parse(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    json_error_t je;
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (req) return req;
    char msg[256];
    snprintf(msg, sizeof msg, "parse error: %s at byte %d", je.text, je.position);
    __atomic_fetch_add(&r->stats.errors, 1, __ATOMIC_RELAXED);
    json_t *resp = error_response(NULL, -32700, msg, NULL);
    *out = dump(resp, outlen);
    json_decref(resp);
    return NULL;
}

void zs_rpc_handle(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen)
{
    uint64_t t = zs_mono_ns();
    json_t *req = zs_rpc_parse(r, body, len, out, outlen);
    if (!req) return;
    zs_rpc_handle_many(r, &req, &t, 1, out, outlen);
    json_decref(req);
}

void zs_rpc_stats(zs_rpc_t *r, zs_rpc_stats_t *out)
{
    out->http_requests = __atomic_load_n(&r->stats.http_requests, __ATOMIC_RELAXED);
    out->calls = __atomic_load_n(&r->stats.calls, __ATOMIC_RELAXED);
    out->errors = __atomic_load_n(&r->stats.errors, __ATOMIC_RELAXED);
    out->too_large = __atomic_load_n(&r->stats.too_large, __ATOMIC_RELAXED);
    out->feed_readers = __atomic_load_n(&r->stats.feed_readers, __ATOMIC_RELAXED);
    out->feed_gaps = __atomic_load_n(&r->stats.feed_gaps, __ATOMIC_RELAXED);
    out->feed_closed = __atomic_load_n(&r->stats.feed_closed, __ATOMIC_RELAXED);
}
