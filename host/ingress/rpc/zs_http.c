/* The HTTP side of zs_rpc, on zs_httpd (one epoll thread): each round of
   requests it completes is sorted here.  Requests made only of
   eth_sendRawTransaction calls, from every connection and pipelined ones
   alike, go to a worker as one job: recovered and admitted together, one
   wait for their group commit, in the order read.  Calls that answer from
   memory or one read (eth_chainId, eth_blockNumber, eth_getTransactionCount,
   a receipt...) are answered on the server's thread, and an
   eth_sendRawTransactionSync alone is admitted there and held until its
   confirmation (zs_rpc_sync.c).  The rest (batches of other calls, calls
   that compute, such as eth_call) go to workers one request a job; workers
   are started as jobs find none idle, up to one per allowed connection, so
   a slow call never holds up another connection.  GET /executed is a
   stream on the server's thread (zs_rpc_feed.c). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_grow.h"
#include "lib/base/zs_time.h"

#define INLINE_MAX_BODY 65536 /* larger bodies are parsed on a worker */

typedef struct job {
    struct job *next;
    size_t n, cap;
    zs_httpd_req_t **reqs;
    json_t **parsed; /* NULL: the body is parsed by the worker */
    uint64_t *arrival;
    uint64_t ticket; /* UINT64_MAX: none (admits whenever it runs) */
} job_t;

zs_rpc_t *zs_rpc_new(zs_node_t *node, const zs_rpc_cfg_t *cfg)
{
    zs_rpc_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->node = node;
    r->cfg = *cfg;
    if (!r->cfg.host) r->cfg.host = "127.0.0.1";
    if (!r->cfg.max_body) r->cfg.max_body = 5u << 20;
    if (!r->cfg.max_batch) r->cfg.max_batch = 1000;
    if (!r->cfg.max_conns) r->cfg.max_conns = 256;
    if (!r->cfg.timeout_s) r->cfg.timeout_s = 30;
    if (!r->cfg.sync_timeout_ms) r->cfg.sync_timeout_ms = 10000;
    if (!r->cfg.max_sync_timeout_ms) r->cfg.max_sync_timeout_ms = 60000;
    if (r->cfg.sync_timeout_ms > r->cfg.max_sync_timeout_ms) r->cfg.sync_timeout_ms = r->cfg.max_sync_timeout_ms;
    if (!r->cfg.max_log_blocks) r->cfg.max_log_blocks = 10000;
    if (!r->cfg.max_logs) r->cfg.max_logs = 10000;
    if (!r->cfg.max_filters) r->cfg.max_filters = 1024;
    if (!(r->filters = rpc_filters_new(r->cfg.max_filters))) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->jmu, NULL);
    pthread_cond_init(&r->jcv, NULL);
    pthread_cond_init(&r->turn_cv, NULL);
    return r;
}

uint16_t zs_rpc_port(const zs_rpc_t *r)
{
    return r->port;
}

static void answer_text(zs_httpd_req_t *q, unsigned status, const char *text, int json)
{
    char *s = strdup(text);
    zs_httpd_answer(q, status, json ? "application/json" : "text/plain; charset=utf-8", s, s ? strlen(s) : 0);
}

/* A JSON-RPC answer: its body, or none (204) for notifications only. */
static void answer_json(zs_httpd_req_t *q, char *out, size_t len)
{
    if (!out) {
        zs_httpd_answer(q, 204, "application/json", NULL, 0);
        return;
    }
    zs_httpd_answer(q, 200, "application/json", out, len);
}

/* ---- Workers */

static void job_free(job_t *j)
{
    for (size_t i = 0; i < j->n; i++) json_decref(j->parsed[i]);
    free(j->reqs);
    free(j->parsed);
    free(j->arrival);
    free(j);
}

static void run_job(zs_rpc_t *r, job_t *j)
{
    size_t k = 0;
    char **outs = calloc(j->n, sizeof *outs);
    size_t *lens = calloc(j->n, sizeof *lens);
    if (!outs || !lens) {
        for (size_t i = 0; i < j->n; i++) answer_text(j->reqs[i], 503, "out of memory\n", 0);
        if (j->ticket != UINT64_MAX) zs_rpc_handle_many_in_turn(r, NULL, NULL, 0, NULL, NULL, j->ticket); /* pass it on */
        free(outs);
        free(lens);
        return;
    }
    /* Bodies parsed here answer at once when they do not parse. */
    for (size_t i = 0; i < j->n; i++) {
        if (!j->parsed[i]) {
            size_t len;
            const char *body = zs_httpd_body(j->reqs[i], &len);
            j->parsed[i] = zs_rpc_parse(r, body, len, &outs[0], &lens[0]);
            if (!j->parsed[i]) {
                answer_json(j->reqs[i], outs[0], lens[0]);
                continue;
            }
        }
        j->reqs[k] = j->reqs[i];
        j->parsed[k] = j->parsed[i];
        j->arrival[k++] = j->arrival[i];
    }
    j->n = k;
    zs_rpc_handle_many_in_turn(r, j->parsed, j->arrival, k, outs, lens, j->ticket);
    for (size_t i = 0; i < k; i++) answer_json(j->reqs[i], outs[i], lens[i]);
    free(outs);
    free(lens);
}

static void *worker_main(void *arg)
{
    zs_rpc_t *r = arg;
    pthread_mutex_lock(&r->jmu);
    for (;;) {
        while (!r->jhead && !r->jstop) {
            r->idle++;
            pthread_cond_wait(&r->jcv, &r->jmu);
            r->idle--;
        }
        if (r->jstop) break;
        job_t *j = r->jhead;
        r->jhead = j->next;
        if (!r->jhead) r->jtail = NULL;
        pthread_mutex_unlock(&r->jmu);
        run_job(r, j);
        job_free(j);
        pthread_mutex_lock(&r->jmu);
    }
    pthread_mutex_unlock(&r->jmu);
    return NULL;
}

/* Queues j for a worker, starting one when none is idle. */
static void submit(zs_rpc_t *r, job_t *j)
{
    pthread_mutex_lock(&r->jmu);
    j->next = NULL;
    if (r->jtail)
        r->jtail->next = j;
    else
        r->jhead = j;
    r->jtail = j;
    if (!r->idle && r->nworkers < r->cfg.max_conns) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 512 * 1024);
        if (!pthread_create(&r->workers[r->nworkers], &a, worker_main, r)) {
            pthread_setname_np(r->workers[r->nworkers], "zs-rpc");
            r->nworkers++;
        }
        pthread_attr_destroy(&a);
    }
    pthread_cond_signal(&r->jcv);
    pthread_mutex_unlock(&r->jmu);
}

static int job_add(job_t **jp, zs_httpd_req_t *q, json_t *parsed)
{
    job_t *j = *jp;
    if (!j) {
        if (!(j = *jp = calloc(1, sizeof *j))) return -1;
        j->ticket = UINT64_MAX;
    }
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        zs_httpd_req_t **rq = realloc(j->reqs, cap * sizeof *rq);
        if (rq) j->reqs = rq;
        json_t **pj = realloc(j->parsed, cap * sizeof *pj);
        if (pj) j->parsed = pj;
        uint64_t *ar = realloc(j->arrival, cap * sizeof *ar);
        if (ar) j->arrival = ar;
        if (!rq || !pj || !ar) return -1;
        j->cap = cap;
    }
    j->reqs[j->n] = q;
    j->parsed[j->n] = parsed;
    j->arrival[j->n++] = zs_httpd_arrival_ns(q);
    return 0;
}

/* ---- Sorting a round */

/* Calls answered on the server's thread: from memory or a read or two. */
static int is_quick(const char *m)
{
    static const char *const quick[] = {"eth_chainId",      "net_version",       "eth_blockNumber",
                                        "eth_gasPrice",     "web3_clientVersion", "eth_maxPriorityFeePerGas",
                                        "net_listening",    "eth_syncing",       "eth_getTransactionCount",
                                        "eth_getTransactionReceipt", "eth_getTransactionByHash"};
    for (size_t i = 0; m && i < sizeof quick / sizeof quick[0]; i++)
        if (!strcmp(m, quick[i])) return 1;
    return 0;
}

enum { WORK, QUICK, SEND };

static int call_kind(zs_rpc_t *r, json_t *c)
{
    const char *m = json_string_value(json_object_get(c, "method"));
    if (!m) return QUICK; /* refused without work */
    if (!strcmp(m, "eth_sendRawTransaction") && json_object_get(c, "id") && !r->cfg.read_only) return SEND;
    return is_quick(m) ? QUICK : WORK;
}

/* A request of sends only is a SEND; of quick calls only, QUICK. */
static int request_kind(zs_rpc_t *r, json_t *req)
{
    if (!json_is_array(req)) return json_is_object(req) ? call_kind(r, req) : QUICK;
    size_t n = json_array_size(req);
    if (n == 0 || n > r->cfg.max_batch) return QUICK;
    int k0 = call_kind(r, json_array_get(req, 0));
    for (size_t i = 1; i < n; i++)
        if (call_kind(r, json_array_get(req, i)) != k0) return WORK;
    return k0;
}

static void post(zs_rpc_t *r, zs_httpd_req_t *q, job_t **sends)
{
    size_t len;
    const char *body = zs_httpd_body(q, &len);
    job_t *one = NULL;
    if (len > INLINE_MAX_BODY) {
        if (job_add(&one, q, NULL)) goto oom;
        submit(r, one);
        return;
    }
    char *out;
    size_t outlen;
    json_t *req = zs_rpc_parse(r, body, len, &out, &outlen);
    if (!req) {
        answer_json(q, out, outlen);
        return;
    }
    if (rpc_sync_start(r, q, req)) {
        json_decref(req);
        return;
    }
    int kind = request_kind(r, req);
    if (kind == SEND) {
        if (job_add(sends, q, req)) goto oom_req;
    } else if (kind == QUICK) {
        uint64_t t = zs_httpd_arrival_ns(q);
        zs_rpc_handle_many(r, &req, &t, 1, &out, &outlen);
        json_decref(req);
        answer_json(q, out, outlen);
    } else {
        if (job_add(&one, q, req)) goto oom_req;
        submit(r, one);
    }
    return;
oom_req:
    json_decref(req);
oom:
    if (one) job_free(one);
    answer_text(q, 503, "out of memory\n", 0);
}

static void on_round(void *ctx, zs_httpd_req_t *const *reqs, size_t n)
{
    zs_rpc_t *r = ctx;
    job_t *sends = NULL;
    for (size_t i = 0; i < n; i++) {
        zs_httpd_req_t *q = reqs[i];
        const char *method = zs_httpd_method(q), *url = zs_httpd_url(q);
        __atomic_fetch_add(&r->stats.http_requests, 1, __ATOMIC_RELAXED);
        if (zs_httpd_too_large(q)) {
            char msg[200];
            __atomic_fetch_add(&r->stats.too_large, 1, __ATOMIC_RELAXED);
            snprintf(msg, sizeof msg,
                     "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"request body too large "
                     "(limit %zu bytes)\"}}",
                     r->cfg.max_body);
            char *s = strdup(msg);
            zs_httpd_answer(q, 413, "application/json", s, s ? strlen(s) : 0);
        } else if (!strcmp(method, "OPTIONS")) {
            zs_httpd_answer(q, 204, "text/plain; charset=utf-8", NULL, 0);
        } else if (!strcmp(method, "GET") && !strcmp(url, "/health")) {
            char s[64];
            snprintf(s, sizeof s, "ok %llu\n", (unsigned long long)zs_node_head(r->node));
            answer_text(q, 200, s, 0);
        } else if (!strcmp(method, "GET") && !strcmp(url, "/executed")) {
            rpc_feed_open(r, q);
        } else if (strcmp(method, "POST")) {
            answer_text(q, 405,
                        "JSON-RPC wants POST (GET /health for a liveness check, GET /executed for the feed of "
                        "executed transactions)\n",
                        0);
        } else {
            post(r, q, &sends);
        }
    }
    if (sends) {
        sends->ticket = r->next_ticket++;
        submit(r, sends);
    }
}

static void wake_http(void *ctx)
{
    zs_httpd_wake(((zs_rpc_t *)ctx)->http);
}

/* The server thread's pass over what waits on the sequencer.  While feeds
   or Sync calls at execution read the executed table, the sequencer wakes
   this thread once after its next execution: armed before they read, so an
   execution between the two wakes it again. */
static uint64_t on_wake(void *ctx)
{
    zs_rpc_t *r = ctx;
    zs_executed_t *ex = zs_node_executed(r->node);
    int armed = r->feeds || r->sync_map.count;
    if (armed) zs_executed_notify_once(ex, wake_http, r);
    uint64_t a = rpc_feed_wake(r), b = rpc_sync_wake(r);
    if (armed && !r->feeds && !r->sync_map.count) zs_executed_notify_once(ex, NULL, NULL);
    return !a || (b && b < a) ? b : a;
}

int zs_rpc_listen(zs_rpc_t *r, char *err, size_t errlen)
{
    r->workers = calloc(r->cfg.max_conns, sizeof *r->workers);
    if (!r->workers) {
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    zs_httpd_cfg_t hc = {.host = r->cfg.host, .port = r->cfg.port, .max_conns = r->cfg.max_conns,
                         .max_body = r->cfg.max_body, .timeout_s = r->cfg.timeout_s, .on_round = on_round, .on_wake = on_wake, .ctx = r};
    if (!(r->http = zs_httpd_start(&hc, err, errlen))) return ZS_ERR_IO;
    if (rpc_sync_open(r)) {
        snprintf(err, errlen, "too many block listeners");
        return ZS_ERR_FULL;
    }
    r->port = zs_httpd_port(r->http);
    return ZS_OK;
}

void zs_rpc_free(zs_rpc_t *r)
{
    if (!r) return;
    if (r->http) rpc_sync_close(r);
    zs_httpd_stop(r->http);
    pthread_mutex_lock(&r->jmu);
    r->jstop = 1;
    pthread_cond_broadcast(&r->jcv);
    pthread_cond_broadcast(&r->turn_cv);
    pthread_mutex_unlock(&r->jmu);
    for (unsigned i = 0; i < r->nworkers; i++) pthread_join(r->workers[i], NULL);
    for (job_t *j = r->jhead, *next; j; j = next) { /* not run: their connections are gone */
        next = j->next;
        job_free(j);
    }
    rpc_sync_free(r);
    rpc_feed_free(r);
    zs_httpd_free(r->http);
    free(r->workers);
    rpc_filters_free(r->filters);
    pthread_mutex_destroy(&r->jmu);
    pthread_cond_destroy(&r->jcv);
    pthread_cond_destroy(&r->turn_cv);
    free(r);
}
