/* zkseq-bench harness: every figure is measured against a reference run in
   the same process, and printed as a table and as JSON.  Benchmark code;
   single-threaded unless a suite says otherwise. */
#ifndef ZS_BENCH_H
#define ZS_BENCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double seconds;        /* target time per measurement */
    int quick;             /* fewer repetitions and smaller sizes, for smoke runs */
    size_t state_accounts; /* state suite tree size (default 1,000,000) */
    const char *tmpdir;    /* where scratch databases go (default /tmp) */
    const char *l1;        /* l1gas: comma-separated devnet address files (tools/bench/run) */
    double hold;           /* latency: seconds at each steady rate (default 20, quick 2) */
} bench_opts_t;

/* bench_rate calls fn(arg, iters) with growing iters until one call takes
   opts->seconds, repeats 3 times and returns the best rate in units of
   `per_call` work items per second (fn does `iters` units per call). */
typedef void (*bench_fn)(void *arg, uint64_t iters);
double bench_rate(const bench_opts_t *opts, bench_fn fn, void *arg, double units_per_iter);

/* bench_compare measures two functions alternately (so a machine whose speed
   drifts affects both alike) and stores the best rate of each. */
void bench_compare(const bench_opts_t *opts, bench_fn a, void *arg_a, double units_a, bench_fn b, void *arg_b,
                   double units_b, double *rate_a, double *rate_b);

/* bench_record adds one row: value in unit, and optionally a reference
   figure measured in the same run (ref_name NULL for none) with the ratio
   value / ref_value; goal is the ratio (or absolute value, if goal_is_abs;
   goal_is_abs 2 makes it an upper bound, as for latencies; 3 makes the ratio
   an upper bound, as for gas against its lower bound) the issue asks for, 0
   for none. */
void bench_record(const char *suite, const char *name, double value, const char *unit,
                  const char *ref_name, double ref_value, double goal, int goal_is_abs);

/* bench_series adds a curve to the JSON's "series" (for the lab report's
   plots, tools/bench/report.mjs): the points (xs[i], ys[i]) of `name` in
   plot `plot`; curves of one plot share their axes (a reference measured
   in the same run is one of them).  bench_cdf adds the latency CDF of n
   sorted samples (x: the latency in unit, y: the fraction at or below). */
void bench_series(const char *suite, const char *plot, const char *name, const char *x_unit, const char *y_unit,
                  const double *xs, const double *ys, size_t n);
void bench_cdf(const char *suite, const char *plot, const char *name, const char *unit, const double *sorted, size_t n);

/* zkseq-txgen (beside zkseq-bench in dir) run with args and --json: its
   JSON, or NULL; bench_json_num reads j.a (or j.a.b when b is set). */
#include <jansson.h>
json_t *bench_txgen(const char *dir, const char *args);
double bench_json_num(json_t *j, const char *a, const char *b);

/* bench_note adds free text to the JSON (machine facts, caveats). */
void bench_note(const char *suite, const char *text);

/* Suites. */
void bench_keccak(const bench_opts_t *o);
void bench_poseidon(const bench_opts_t *o);
void bench_recover(const bench_opts_t *o);
void bench_state(const bench_opts_t *o);
void bench_seq(const bench_opts_t *o);
void bench_rpc(const bench_opts_t *o);

/* One core's decode + hash + recover rate of EIP-155 transfers: the
   reference of the suites that compare against the recovery ceiling. */
double bench_recovery_rate(const bench_opts_t *o);

/* Servers and load for the network suites (bench_rpc.c). */
#include <sys/types.h>
typedef struct {
    double tps, p50_ms, p99_ms;
    size_t errors;
    int keep_lat;   /* set before the call: every request's latency comes back */
    double *lat_ms; /* ... sorted, malloc'd (the caller frees) */
    size_t nlat;
} bench_load_result_t;
uint16_t bench_free_port(void);
/* The CPU time (user + system, seconds) in a /proc stat file (a process's
   or a thread's), 0 when unreadable; bench_proc_cpu: process pid's. */
double bench_stat_cpu(const char *stat_path);
double bench_proc_cpu(pid_t pid);
/* A development zkseqd (`--dev`) in a scratch folder of its own with free
   JSON-RPC and UDP ports: its pid once it answers, or -1 (stopped, the
   folder removed).  bench_dev_stop stops it and removes the folder. */
typedef struct {
    char dir[600];
    uint16_t rpc, udp, metrics;
    pid_t pid;
} bench_dev_t;
pid_t bench_dev_start(const bench_opts_t *o, const char *suite, bench_dev_t *d);
/* The same with more arguments for zkseqd (NULL-terminated; NULL: none). */
pid_t bench_dev_start_with(const bench_opts_t *o, const char *suite, bench_dev_t *d, char *const *extra);
void bench_dev_stop(bench_dev_t *d);
/* In-process CPU per transaction (all threads of this process, us):
   n transfers admitted (decode, recover, durable pool) and sequenced in a
   node of its own; the JSON-RPC and ingress suites' reference
   (bench_seq.c).  *seq_rate (may be NULL) gets the sequencing phase's
   rate (transfers/s, recovery done before it); both the best of three
   runs (one with --quick). */
double bench_inprocess_cpu_us(const bench_opts_t *o, size_t n, double *seq_rate);
pid_t bench_spawn(char *const argv[]);
int bench_wait_ready(uint16_t port, pid_t pid);
void bench_stop_server(pid_t pid);
void bench_exe_dir(char *out, size_t cap);
/* Dev account 0 funds the JSON-RPC load's senders (its nonces 0..79). */
int bench_fund(uint16_t port, char *why, size_t whylen);
int bench_run_load(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_load_result_t *r,
                   char *why, size_t whylen);
/* The same with other requests: fn writes sender i's k-th request body
   (key: its secret key; at most cap - 1 characters, 511). */
typedef int (*bench_body_fn)(void *ctx, int i, const uint8_t key[32], size_t k, char *body, size_t cap);
int bench_run_load_with(uint16_t port, int first, int conns, size_t per_conn, size_t window, bench_body_fn fn,
                        void *ctx, bench_load_result_t *r, char *why, size_t whylen);
/* The load's sender keys (funded by bench_fund), and a wait until addr's
   latest nonce reaches want (or 120 s pass since t0). */
void bench_sender_key(int i, uint8_t key[32]);
/* Read calls (no nonce wait): conns connections of per_conn calls each. */
int bench_run_reads(uint16_t port, int conns, size_t per_conn, size_t window, bench_body_fn fn, void *ctx,
                    bench_load_result_t *r, char *why, size_t whylen);
/* Read replicas beside the sequencer (bench_replica.c). */
void bench_replica(const bench_opts_t *o);
void bench_wait_nonce(uint16_t port, const char *addr, size_t want, double t0);
void bench_erc20(const bench_opts_t *o);
/* The ERC-20 transfer loop of the evm suite (bench_erc20.c: it has the token). */
void bench_erc20_loop(void);

/* In-process sequencing (bench_seq.c): admission of n signed envelopes
   from 32 threads into a paused node (transactions per second; *refused
   counts refusals), then the node resumed until expect are sequenced
   (transactions per second, the node's statistics before and after). */
#include "host/node/zs_node.h"
#define BENCH_RAW_MAX 256
/* The configuration bench_node_open uses (zkseqd's defaults where they
   matter: the prefetch thread), for a node opened again on dir. */
void bench_node_cfg(zs_node_cfg_t *c, const char *dir, const zs_genesis_t *genesis, size_t pool);
/* A node over a scratch directory (dir), paused, with genesis and a pool of
   pool transactions; NULL (with a note) when it cannot open. */
zs_node_t *bench_node_open(const bench_opts_t *o, const char *suite, const zs_genesis_t *genesis, size_t pool,
                           char *dir, size_t dircap);
void bench_node_close(zs_node_t *node, const char *dir);
double bench_admit(zs_node_t *node, uint8_t (*raw)[BENCH_RAW_MAX], size_t *len, size_t n, size_t *refused);
double bench_sequence(zs_node_t *node, size_t expect, zs_node_stats_t *s0, zs_node_stats_t *s1);
void bench_ingress(const bench_opts_t *o);
void bench_restart(const bench_opts_t *o);
void bench_l1gas(const bench_opts_t *o);
void bench_card(const bench_opts_t *o);
void bench_evm(const bench_opts_t *o);
void bench_blob(const bench_opts_t *o);
void bench_latency(const bench_opts_t *o);

/* The accounts the state and card suites build their trees of: k of them
   whose addresses count from first + 1, their balance and nonce keys, and
   the values (balances from 1 ETH up, nonces 1..7); k <= 1024. */
#include "host/state/zs_smt_key.h"
void bench_accounts(size_t first, size_t k, zs_smt_key_t *balance_key, zs_smt_key_t *nonce_key, zs_u256_t *balance,
                    zs_u256_t *nonce);

/* A xorshift step: the suites' reproducible random numbers. */
uint64_t bench_rng(uint64_t *state);

/* Output. */
void bench_print_table(void);
int bench_write_json(const char *path);

double bench_now(void);
/* The calling thread's CPU time in seconds (what it ran, not what it waited). */
double bench_thread_cpu(void);

#endif
