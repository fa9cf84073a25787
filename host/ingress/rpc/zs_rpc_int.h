/* What the JSON-RPC layer's files share: the server object, a method's
   signature and the method tables, errors, and the value helpers
   (zs_rpc_values.c).  Internal to host/ingress/rpc. */
#ifndef ZS_RPC_INT_H
#define ZS_RPC_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "host/ingress/rpc/zs_httpd.h"
#include "host/ingress/rpc/zs_rpc.h"
#include "lib/base/zs_hmap.h"

typedef struct rpc_filters rpc_filters_t;
rpc_filters_t *rpc_filters_new(unsigned max);
void rpc_filters_free(rpc_filters_t *f);

struct zs_rpc {
    zs_node_t *node;
    rpc_filters_t *filters; /* eth_newFilter's (zs_rpc_logs.c) */
    zs_rpc_cfg_t cfg;
    zs_httpd_t *http;
    uint16_t port;
    zs_rpc_stats_t stats; /* updated atomically */
    /* zs_http.c's workers and their queue of jobs */
    pthread_mutex_t jmu;
    pthread_cond_t jcv;
    struct job *jhead, *jtail;
    pthread_t *workers; /* max_conns of them at most */
    unsigned nworkers, idle;
    int jstop;
    /* Jobs of transactions admit in the order the server read them: each
       takes a ticket and waits for its turn (admit_turn) to admit. */
    pthread_cond_t turn_cv;
    uint64_t next_ticket, admit_turn;
    /* zs_rpc_sync.c's calls held by the HTTP thread (its own but the atomics) */
    struct rpc_waiter *waiters;
    zs_hmap_t sync_map; /* the calls at execution by hash */
    uint64_t sync_cursor, sync_checked_ns, sync_next_ns; /* next_ns: the earliest deadline */
    int sync_block;   /* atomic: a block was committed */
    int sync_durable; /* atomic: how many wait for a durable receipt */
    struct rpc_feed *feeds; /* zs_rpc_feed.c's GET /executed streams (the HTTP thread's) */
    char *feed_buf;         /* and the bytes a pass formats, kept across passes */
    size_t feed_cap;
};

/* Parses a request body: the JSON, or NULL with *out the -32700 answer. */
json_t *zs_rpc_parse(zs_rpc_t *r, const char *body, size_t len, char **out, size_t *outlen);
/* Answers n parsed requests (each a call or a batch), their transactions
   admitted together first with one wait for their group commit; outs[i]
   is malloc'd, or NULL when the request was notifications only. */
void zs_rpc_handle_many(zs_rpc_t *r, json_t *const *reqs, const uint64_t *arrival_ns, size_t n, char **outs,
                        size_t *outlens);
/* The same, its transactions admitted in turn `ticket` (from r->next_ticket
   on the server's thread), after every lower ticket's. */
void zs_rpc_handle_many_in_turn(zs_rpc_t *r, json_t *const *reqs, const uint64_t *arrival_ns, size_t n, char **outs,
                                size_t *outlens, uint64_t ticket);

/* A method's error: a JSON-RPC code, a message, optional data. */
typedef struct {
    int code;
    char msg[256];
    json_t *data;
} rpc_err_t;

/* A method: its result (a new reference), or NULL with *e set. */
typedef json_t *(*rpc_method_fn)(zs_rpc_t *r, json_t *params, rpc_err_t *e);
typedef struct {
    const char *name;
    rpc_method_fn fn;
} zs_rpc_method_t;

/* The tables, each ended by {NULL, NULL}. */
extern const zs_rpc_method_t zs_rpc_eth_methods[];
extern const zs_rpc_method_t zs_rpc_zkevm_methods[];
extern const zs_rpc_method_t zs_rpc_evm_methods[];
extern const zs_rpc_method_t zs_rpc_logs_methods[];
extern const zs_rpc_method_t zs_rpc_trace_methods[];
extern const zs_rpc_method_t zs_rpc_l1_methods[];

/* The confirmation at execution (eth_sendRawTransactionSync's "executed",
   the /executed feed): where the transaction landed in the open block and
   what it did. */
json_t *rpc_executed_object(const zs_executed_info_t *x);

/* A call's answer as the body to send: its result (taken), or the error
   in e (its data taken). */
char *rpc_answer(zs_rpc_t *r, json_t *id, json_t *res, rpc_err_t *e, size_t *len);

/* eth_sendRawTransactionSync in two steps, so a caller need not hold a
   thread while it waits: rpc_sync_begin checks the parameters and admits
   the transaction, waiting for its group commit only when wait_durable is
   set (0 with *w, or -1 with *e set; without the wait a failed write shows
   as the timeout, the transaction never running);
   rpc_sync_outcome makes the answer from a wait's or a look's result (rc:
   0, ZS_ERR_REFUSED with why, or a timeout); rec is cleared. */
typedef struct {
    uint8_t hash[32];
    int at_exec; /* the confirmation at execution, else the durable receipt */
    uint64_t timeout_ms;
} rpc_sync_t;
int rpc_sync_begin(zs_rpc_t *r, json_t *p, int wait_durable, rpc_sync_t *w, rpc_err_t *e);
json_t *rpc_sync_outcome(const rpc_sync_t *w, int rc, const zs_executed_info_t *x, zs_txrec_t *rec, const char *why,
                         rpc_err_t *e);

/* zs_rpc_sync.c: open (the block listener), start (on the HTTP thread: 1
   when it took the call), wake (the HTTP thread's pass; the next deadline),
   close (no more wake-ups), free (the calls still held). */
int rpc_sync_open(zs_rpc_t *r);
int rpc_sync_start(zs_rpc_t *r, zs_httpd_req_t *q, json_t *call);
uint64_t rpc_sync_wake(zs_rpc_t *r);
void rpc_sync_close(zs_rpc_t *r);
void rpc_sync_free(zs_rpc_t *r);

/* zs_rpc_feed.c: GET /executed on the HTTP thread: open (a request for the
   feed), wake (the pass: each feed's news; the next deadline), free (after
   the server stopped).  The feeds and the Sync calls at execution both read
   the executed table; zs_http.c arms the sequencer's one-shot wake-up for
   them before their passes. */
void rpc_feed_open(zs_rpc_t *r, zs_httpd_req_t *q);
uint64_t rpc_feed_wake(zs_rpc_t *r);
void rpc_feed_free(zs_rpc_t *r);

/* A batch object's L1 fields (zs_rpc_l1.c): exit roots, accInputHash,
   l1InfoRoot, sendSequencesTxHash, verifyBatchTxHash. */
void rpc_batch_l1(zs_rpc_t *r, const zs_batchrec_t *b, json_t *o);

/* eth_estimateGas (zs_rpc_evm.c), which zkevm_estimateFee builds on. */
json_t *rpc_estimate_gas(zs_rpc_t *r, json_t *p, rpc_err_t *e);
extern const zs_rpc_method_t zs_rpc_zkevm_blocks_methods[];

/* When the request being answered on this thread arrived (its answer's
   latency). */
extern __thread uint64_t rpc_request_ns;

/* The answer to the eth_sendRawTransaction being handled, when the batch
   it came in was admitted together before its calls ran (NULL: admit it
   now). */
extern __thread const zs_submit_t *rpc_presubmitted;

/* Sets *e; returns NULL, so a method can `return rpc_fail(...)`. */
json_t *rpc_fail(rpc_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Values out: 0x quantities, 0x data, EIP-55 addresses. */
extern const uint8_t rpc_zero32[32];
json_t *rpc_qty(uint64_t v);
json_t *rpc_qty256(const zs_u256_t *v);
json_t *rpc_hexdata(const uint8_t *p, size_t n);
json_t *rpc_address(const uint8_t a[20]);

/* Values in; the parsers return 0, or ZS_ERR_INVAL (with *e set where they
   take e). */
json_t *rpc_param(json_t *params, size_t i);
int rpc_parse_hex_fixed(json_t *j, uint8_t *out, size_t n);
int rpc_parse_addr(json_t *j, uint8_t a[20], rpc_err_t *e, const char *what);
int rpc_parse_hash(json_t *j, uint8_t h[32], rpc_err_t *e, const char *what);
int rpc_parse_qty_u256(json_t *j, zs_u256_t *v);
int rpc_parse_qty(json_t *j, uint64_t *v);
uint64_t rpc_last_block_of_batch(zs_rpc_t *r, uint64_t batch);
/* A block tag or number: 0 with *num, 1 when the block is not there yet,
   ZS_ERR_INVAL with *e set. */
int rpc_parse_block(zs_rpc_t *r, json_t *j, uint64_t *num, rpc_err_t *e);
int rpc_is_pending_tag(json_t *j);

/* Objects as geth shapes them. */
json_t *rpc_tx_object(const zs_tx_t *tx, const uint8_t sender[20], const zs_txrec_t *rec, const uint8_t *block_hash);
json_t *rpc_included_tx(const zs_txrec_t *rec);
json_t *rpc_receipt_object(const zs_txrec_t *rec);
json_t *rpc_log_object(const zs_evm_log_t *l, const zs_txrec_t *rec, uint32_t log_index);
json_t *rpc_block_object(zs_rpc_t *r, const zs_block_t *b, int full);

/* Call objects of eth_call, eth_estimateGas, debug_traceCall
   (zs_rpc_evm.c). */
typedef struct {
    int has_to, has_gas;
    uint8_t from[20], to[20];
    uint64_t gas;
    zs_u256_t value, price;
    uint8_t *data; /* malloc'd */
    size_t data_len;
} rpc_call_t;
int rpc_parse_call(json_t *c, rpc_call_t *out, rpc_err_t *e);
/* A view of the state at a block tag (after_block: after it, else before
   it, for a replay); 0 or ZS_ERR_INVAL with *e set. */
int rpc_open_view(zs_rpc_t *r, json_t *tag, int after_block, uint64_t *num, zs_exec_view_t **v, rpc_err_t *e);
int rpc_call_tx(zs_rpc_t *r, uint64_t num, const rpc_call_t *c, uint64_t gas, zs_evm_tx_t *tx, zs_evm_opts_t *o,
                rpc_err_t *e);
void rpc_revert_reason(const uint8_t *d, size_t n, char *out, size_t cap);
json_t *rpc_run_error(rpc_err_t *e, const zs_evm_result_t *res);

#endif
