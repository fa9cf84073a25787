/* eth_sendRawTransactionSync without a thread per waiting call: a call that
   comes alone is admitted on the HTTP thread (recovery, no wait for the
   group commit: a transaction runs only once durable) and then held there
   in a list; the sequencer wakes the thread once after the next execution
   when a call waits for one (zs_executed_notify_once), the committer after
   each block when one waits for its receipt; each pass reads the executed
   transactions it has not seen and answers the calls they confirm, looks
   up the durable ones in the chain after a block, the dropped ones now and
   then, and answers the rest at their deadline.  Calls in a batch wait on
   a worker as before (zs_rpc_eth.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_hmap.h"
#include "lib/base/zs_time.h"

#define CHECK_NS 250000000ull /* dropped transactions: looked for this often */

typedef struct rpc_waiter {
    void *hlink; /* r->sync_map's chain (calls at execution, by hash) */
    struct rpc_waiter *next;
    zs_httpd_req_t *q;
    json_t *id;
    rpc_sync_t w;
    uint64_t deadline_ns;
    int indexed, answered;
} rpc_waiter_t;

#define KOFF offsetof(rpc_waiter_t, w.hash)

static void on_block(void *ctx, uint64_t number, const uint8_t (*hashes)[32], size_t n)
{
    (void)number, (void)hashes, (void)n;
    zs_rpc_t *r = ctx;
    __atomic_store_n(&r->sync_block, 1, __ATOMIC_RELEASE);
    if (__atomic_load_n(&r->sync_durable, __ATOMIC_ACQUIRE)) zs_httpd_wake(r->http);
}

int rpc_sync_open(zs_rpc_t *r)
{
    return zs_node_on_block(r->node, on_block, r);
}

static void answer(zs_rpc_t *r, rpc_waiter_t *wt, json_t *res, rpc_err_t *e)
{
    size_t len;
    char *body = rpc_answer(r, wt->id, res, e, &len);
    zs_httpd_answer(wt->q, 200, "application/json", body, len);
}

/* Takes a call alone of eth_sendRawTransactionSync (1: answered or held;
   0: not one this can hold, for the usual path). */
int rpc_sync_start(zs_rpc_t *r, zs_httpd_req_t *q, json_t *call)
{
    json_t *id = json_object_get(call, "id"), *ver = json_object_get(call, "jsonrpc"),
           *params = json_object_get(call, "params");
    const char *m = json_string_value(json_object_get(call, "method"));
    if (r->cfg.read_only || !json_is_object(call) || !m || strcmp(m, "eth_sendRawTransactionSync") ||
        !(json_is_string(id) || json_is_integer(id)) || !json_is_array(params) ||
        (ver && (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0"))))
        return 0;
    __atomic_fetch_add(&r->stats.calls, 1, __ATOMIC_RELAXED);
    rpc_waiter_t *wt = calloc(1, sizeof *wt);
    rpc_err_t e = {0};
    uint64_t count = zs_executed_count(zs_node_executed(r->node));
    rpc_request_ns = zs_httpd_arrival_ns(q);
    if (!wt) {
        rpc_waiter_t tmp = {.q = q, .id = id};
        rpc_fail(&e, -32603, "out of memory");
        answer(r, &tmp, NULL, &e);
        return 1;
    }
    wt->q = q;
    wt->id = json_incref(id);
    if (rpc_sync_begin(r, params, 0, &wt->w, &e)) {
        answer(r, wt, NULL, &e);
        json_decref(wt->id);
        free(wt);
        return 1;
    }
    /* Its execution comes after the count read before it was admitted. */
    if (!r->waiters) r->sync_cursor = count;
    wt->deadline_ns = zs_mono_ns() + wt->w.timeout_ms * 1000000ull;
    if (!r->waiters || wt->deadline_ns < r->sync_next_ns) r->sync_next_ns = wt->deadline_ns;
    wt->next = r->waiters;
    r->waiters = wt;
    /* The same hash twice (not admitted twice, but to be safe): the second is found by its look-ups. */
    if (wt->w.at_exec && !zs_hmap_get(&r->sync_map, wt->w.hash, 32, KOFF))
        wt->indexed = !zs_hmap_put(&r->sync_map, wt, KOFF);
    if (!wt->w.at_exec) __atomic_add_fetch(&r->sync_durable, 1, __ATOMIC_RELEASE);
    return 1;
}

/* Looks once (nothing waits): 1 with the answer given, else 0. */
static int look(zs_rpc_t *r, rpc_waiter_t *wt, int last)
{
    zs_txrec_t rec;
    zs_executed_info_t x;
    const char *why = NULL;
    int rc = wt->w.at_exec ? zs_node_wait_executed(r->node, wt->w.hash, 0, &x, &why)
                           : zs_node_wait_included(r->node, wt->w.hash, 0, &rec, &why);
    if (rc == ZS_ERR_TIMEOUT && !last) return 0;
    rpc_err_t e = {0};
    answer(r, wt, rpc_sync_outcome(&wt->w, rc, &x, &rec, why, &e), &e);
    return 1;
}

/* Answers the waiters the executed transactions since the cursor confirm
   (marked answered, counted in *answered); 1 when the ring moved past some
   unseen (each must be looked up). */
static int read_executed(zs_rpc_t *r, size_t *answered)
{
    zs_executed_t *ex = zs_node_executed(r->node);
    zs_executed_info_t x[64];
    uint64_t lost = 0;
    size_t n;
    int gap = 0;
    do {
        n = zs_executed_since(ex, &r->sync_cursor, x, 64, &lost);
        gap |= lost > 0;
        for (size_t i = 0; i < n; i++) {
            rpc_waiter_t *wt = zs_hmap_get(&r->sync_map, x[i].hash, 32, KOFF);
            if (!wt) continue;
            rpc_err_t e = {0};
            answer(r, wt, rpc_sync_outcome(&wt->w, 0, &x[i], NULL, NULL, &e), &e);
            zs_hmap_del(&r->sync_map, wt, KOFF);
            wt->indexed = 0;
            wt->answered = 1;
            (*answered)++;
        }
    } while (n == 64 || lost);
    return gap;
}

/* The list is walked only when something happened: answers to collect,
   a block, the periodic look, a deadline reached. */
uint64_t rpc_sync_wake(zs_rpc_t *r)
{
    if (!r->waiters) return 0;
    /* (The wake-up after the next execution is armed by the caller while
       calls at execution are in the map.  One left out of it, a second of
       the same hash, is found by the periodic look.) */
    size_t answered = 0;
    int gap = r->sync_map.count ? read_executed(r, &answered) : 0;
    int block = __atomic_exchange_n(&r->sync_block, 0, __ATOMIC_ACQ_REL);
    uint64_t now = zs_mono_ns(), next = 0;
    int check = now - r->sync_checked_ns >= CHECK_NS;
    if (!answered && !gap && !block && !check && now < r->sync_next_ns) return r->sync_next_ns;
    if (check) r->sync_checked_ns = now;
    rpc_waiter_t *done = NULL;
    for (rpc_waiter_t **p = &r->waiters; *p;) {
        rpc_waiter_t *wt = *p;
        int last = now >= wt->deadline_ns;
        if (wt->answered || ((last || check || gap || (block && !wt->w.at_exec)) && look(r, wt, last))) {
            if (wt->indexed) zs_hmap_del(&r->sync_map, wt, KOFF);
            *p = wt->next;
            wt->next = done;
            done = wt;
            continue;
        }
        if (!next || wt->deadline_ns < next) next = wt->deadline_ns;
        p = &wt->next;
    }
    for (rpc_waiter_t *wt = done, *nx; wt; wt = nx) {
        nx = wt->next;
        if (!wt->w.at_exec) __atomic_sub_fetch(&r->sync_durable, 1, __ATOMIC_RELEASE);
        json_decref(wt->id);
        free(wt);
    }
    r->sync_next_ns = next;
    return next;
}

void rpc_sync_close(zs_rpc_t *r)
{
    zs_executed_notify_once(zs_node_executed(r->node), NULL, NULL);
    zs_node_off_block(r->node, on_block, r);
}

void rpc_sync_free(zs_rpc_t *r)
{
    for (rpc_waiter_t *wt = r->waiters, *nx; wt; wt = nx) { /* their connections are gone with the server */
        nx = wt->next;
        json_decref(wt->id);
        free(wt);
    }
    r->waiters = NULL;
    free(r->sync_map.b);
    memset(&r->sync_map, 0, sizeof r->sync_map);
}
