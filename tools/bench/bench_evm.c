/* zkseq-bench evm: the interpreter alone on the EVM benchmark programs
   evmone and geth publish on (../shared/vectors/evm-benchmarks: snailtracer,
   blake2b, sha1, weierstrudel, ...) and an ERC-20 transfer loop
   (bench_erc20_loop), in gas per second on one core.  Each
   program runs from a world held in memory (lib/evm/zs_evm_memhost); the
   state changes are dropped after each run, so every run starts alike.

   The goal is 1.0 Ggas/s on the compute-bound programs, evmone
   Baseline's published class (1.42 Ggas/s on blake2b_huff, 0.84 on
   sha1_divs at 3.59 GHz, ipsilon/evmone #530).  The reference measured in
   the same run is revm inside anvil (the pinned foundry build): each
   program's state is set with anvil_setCode/anvil_setStorageAt, then
   eth_call runs it; the time of an eth_call that runs no code is taken off,
   so what is left is revm's execution (plus the state setup revm does per
   call).  Both run the same program on the same input: the gas figure is
   ours for both, and the outputs must be equal (a program whose output
   differs is reported and left out of the mean). */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"
#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_evm_memhost.h"
#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"

typedef struct {
    char name[96];
    zs_evm_memhost_t *m;
    zs_evm_t *e;
    zs_evm_tx_t tx;
    zs_evm_block_t blk;
    uint8_t *data;
    uint64_t exec_gas; /* gas one run takes, beyond the intrinsic */
    int ok;
    char *out_hex; /* the first run's output, 0x-hex */
} prog_t;

static int hexval(json_t *v, uint8_t *out, size_t cap, size_t *n)
{
    const char *s = json_string_value(v);
    if (!s) return -1;
    return zs_hex_decode(out, cap, n, s, strlen(s));
}

static int u256(json_t *v, zs_u256_t *out)
{
    const char *s = json_string_value(v);
    return !s || zs_u256_parse(out, s) ? -1 : 0;
}

static int load_pre(zs_evm_memhost_t *m, json_t *pre)
{
    const char *k;
    json_t *a;
    json_object_foreach(pre, k, a) {
        uint8_t addr[20];
        size_t n;
        zs_u256_t bal;
        if (zs_hex_decode(addr, 20, &n, k, strlen(k)) || n != 20 || u256(json_object_get(a, "balance"), &bal)) return -1;
        const char *code = json_string_value(json_object_get(a, "code"));
        size_t cl = code ? strlen(code) / 2 + 1 : 1;
        uint8_t *c = malloc(cl);
        if (!c || hexval(json_object_get(a, "code"), c, cl, &n)) {
            free(c);
            return -1;
        }
        zs_u256_t nonce = {{0}};
        u256(json_object_get(a, "nonce"), &nonce);
        int rc = zs_evm_memhost_set_balance(m, addr, &bal) || zs_evm_memhost_set_nonce(m, addr, nonce.w[0]) ||
                 zs_evm_memhost_set_code(m, addr, c, n);
        free(c);
        const char *sk;
        json_t *sv;
        json_object_foreach(json_object_get(a, "storage"), sk, sv) {
            zs_u256_t slot, v;
            if (zs_u256_parse(&slot, sk) || u256(sv, &v)) return -1;
            rc |= zs_evm_memhost_set_storage(m, addr, &slot, &v);
        }
        if (rc) return -1;
    }
    return 0;
}

/* One program with one of its inputs. */
static int prog_init(prog_t *p, const char *name, json_t *t, size_t data_index)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    if (!(p->m = zs_evm_memhost_new()) || load_pre(p->m, json_object_get(t, "pre"))) return -1;
    zs_evm_host_t h;
    zs_evm_memhost_bind(p->m, &h);
    if (!(p->e = zs_evm_new(&h))) return -1;
    /* snailtracer grows memory past fork 12's 4 MiB ceiling (out of gas on
       Polygon); to compare interpreters the ceiling is lifted here */
    zs_evm_set_memory_limit(p->e, 1ull << 30);
    json_t *tx = json_object_get(t, "transaction");
    size_t n;
    const char *data = json_string_value(json_array_get(json_object_get(tx, "data"), data_index));
    if (!data) return -1;
    p->data = malloc(strlen(data) / 2 + 1);
    if (!p->data || zs_hex_decode(p->data, strlen(data) / 2 + 1, &n, data, strlen(data))) return -1;
    p->tx.data = p->data;
    p->tx.data_len = n;
    zs_u256_t g;
    if (hexval(json_object_get(tx, "to"), p->tx.to, 20, &n) || n != 20 ||
        hexval(json_object_get(tx, "sender"), p->tx.from, 20, &n) || n != 20 ||
        u256(json_array_get(json_object_get(tx, "gasLimit"), 0), &g) || u256(json_object_get(tx, "gasPrice"), &p->tx.gas_price))
        return -1;
    p->tx.gas = g.w[0] > 30000000000ull ? 30000000000ull : g.w[0];
    p->blk = (zs_evm_block_t){.number = 1, .timestamp = 1, .gas_limit = 1125899906842624ull, .chain_id = 1};
    return 0;
}

static void prog_free(prog_t *p)
{
    zs_evm_free(p->e);
    zs_evm_memhost_free(p->m);
    free(p->data);
    free(p->out_hex);
}

/* One run: 0 with the gas it took, or -1 when the program failed. */
static int prog_run(prog_t *p, uint64_t *gas)
{
    zs_evm_result_t r;
    zs_evm_opts_t o = {.no_fee = 1, .no_nonce = 1};
    if (zs_evm_transact(p->e, &p->blk, &p->tx, &o, &r)) return -1;
    zs_evm_discard(p->e);
    if (r.status != ZS_EVM_SUCCESS) return -1;
    if (!p->out_hex && (p->out_hex = malloc(2 * r.output_len + 3))) zs_hex_encode_0x(p->out_hex, r.output, r.output_len);
    *gas = r.gas_used + r.gas_refund - zs_evm_intrinsic_gas(0, p->tx.data, p->tx.data_len);
    return 0;
}

static void run_iters(void *arg, uint64_t iters)
{
    prog_t *p = arg;
    uint64_t g;
    for (uint64_t i = 0; i < iters; i++)
        if (prog_run(p, &g)) p->ok = 0;
}

/* The compute-bound programs the goal is about. */
static int compute_bound(const char *name)
{
    static const char *const list[] = {"blake2b_huff", "blake2b_shifts", "sha1_divs", "sha1_shifts", "snailtracer",
                                       "weierstrudel"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (!strncmp(name, list[i], strlen(list[i]))) return 1;
    return 0;
}

/* ---- The reference: revm in anvil. */

typedef struct {
    uint16_t port;
    pid_t pid;
    double empty_call_s; /* an eth_call that runs no code */
    char *resp;
} anvil_t;

#define RESP_CAP (4u << 20)

static int anvil_rpc(anvil_t *a, const char *method, const char *params)
{
    size_t n = strlen(method) + strlen(params) + 64;
    char *body = malloc(n);
    if (!body) return -1;
    snprintf(body, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
    int rc = zs_httpc_call(a->port, body, a->resp, RESP_CAP) || !strstr(a->resp, "\"result\"");
    free(body);
    return rc;
}

/* The program's world into anvil (after a reset). */
static int anvil_load(anvil_t *a, json_t *pre)
{
    if (anvil_rpc(a, "anvil_reset", "[]")) return -1;
    const char *k;
    json_t *acct;
    json_object_foreach(pre, k, acct) {
        json_t *params = json_pack("[s,O]", k, json_object_get(acct, "code"));
        char *ps = json_dumps(params, JSON_COMPACT);
        int rc = anvil_rpc(a, "anvil_setCode", ps);
        free(ps);
        json_decref(params);
        zs_u256_t bal;
        char hex[ZS_U256_HEX_MAX], pbuf[200];
        if (!rc && !u256(json_object_get(acct, "balance"), &bal)) {
            zs_u256_to_hex(&bal, hex);
            snprintf(pbuf, sizeof pbuf, "[\"%s\",\"%s\"]", k, hex);
            rc = anvil_rpc(a, "anvil_setBalance", pbuf);
        }
        const char *sk;
        json_t *sv;
        json_object_foreach(json_object_get(acct, "storage"), sk, sv) {
            zs_u256_t slot, v;
            if (rc || zs_u256_parse(&slot, sk) || u256(sv, &v)) return -1;
            uint8_t be[32];
            char vh[67], sh[ZS_U256_HEX_MAX], pb[300];
            zs_u256_to_be32(&v, be);
            zs_hex_encode_0x(vh, be, 32);
            zs_u256_to_hex(&slot, sh);
            snprintf(pb, sizeof pb, "[\"%s\",\"%s\",\"%s\"]", k, sh, vh);
            rc = anvil_rpc(a, "anvil_setStorageAt", pb);
        }
        if (rc) return -1;
    }
    return 0;
}

/* Seconds one eth_call of p takes in anvil (best of the runs in about a
   second, at least three); *same says the output equals ours. */
static double anvil_time(anvil_t *a, const prog_t *p, int *same)
{
    char from[43], to[43];
    zs_hex_encode_0x(from, p->tx.from, 20);
    zs_hex_encode_0x(to, p->tx.to, 20);
    size_t n = 2 * p->tx.data_len + 300;
    char *params = malloc(n), *data = malloc(2 * p->tx.data_len + 3);
    if (!params || !data) return 0;
    zs_hex_encode_0x(data, p->tx.data, p->tx.data_len);
    snprintf(params, n, "[{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"%s\",\"gas\":\"0x%llx\"},\"latest\"]", from, to,
             data, (unsigned long long)p->tx.gas);
    double best = 1e9, t_start = bench_now();
    *same = 0;
    for (int i = 0; i < 50 && (i < 3 || bench_now() - t_start < 1.0); i++) {
        double t0 = bench_now();
        if (anvil_rpc(a, "eth_call", params)) break;
        double dt = bench_now() - t0;
        if (dt < best) best = dt;
        if (!i) {
            const char *r = strstr(a->resp, "\"result\":\"");
            *same = r && p->out_hex && !strncmp(r + 10, p->out_hex, strlen(p->out_hex)) && r[10 + strlen(p->out_hex)] == '"';
        }
    }
    free(params);
    free(data);
    return best < 1e9 ? best : 0;
}

static int anvil_start(anvil_t *a)
{
    char dir[PATH_MAX], path[PATH_MAX + 64], portbuf[16];
    const char *env = getenv("ZS_ANVIL");
    bench_exe_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s", env ? env : dir);
    if (!env) strncat(path, "/../../node_modules/.bin/anvil", sizeof path - strlen(path) - 1);
    if (access(path, X_OK)) return -1;
    a->port = bench_free_port();
    snprintf(portbuf, sizeof portbuf, "%u", a->port);
    char *argv[] = {path, "--host", "127.0.0.1", "--port", portbuf, "--chain-id", "1001", "--hardfork", "shanghai",
                    "--disable-block-gas-limit", "--code-size-limit", "1000000",
                    "--silent", NULL};
    if (!(a->resp = malloc(RESP_CAP))) return -1;
    a->pid = bench_spawn(argv);
    if (bench_wait_ready(a->port, a->pid)) {
        bench_stop_server(a->pid);
        return -1;
    }
    /* an eth_call that runs no code: the RPC's own cost */
    double best = 1e9;
    for (int i = 0; i < 200; i++) {
        double t0 = bench_now();
        if (anvil_rpc(a, "eth_call", "[{\"to\":\"0x00000000000000000000000000000000000000ee\"},\"latest\"]")) break;
        double dt = bench_now() - t0;
        if (dt < best) best = dt;
    }
    a->empty_call_s = best < 1e9 ? best : 0;
    return 0;
}

static void bench_file(const bench_opts_t *o, const char *path, const char *base, double *sum_log, int *count,
                       anvil_t *anvil, double *ref_log)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return;
    const char *tname;
    json_t *t;
    json_object_foreach(j, tname, t) {
        size_t nd = json_array_size(json_object_get(json_object_get(t, "transaction"), "data"));
        /* the last input is each program's largest workload */
        size_t di = nd ? nd - 1 : 0;
        prog_t p;
        char name[96];
        snprintf(name, sizeof name, "%s/%s", base, tname);
        if (prog_init(&p, name, t, di) || prog_run(&p, &p.exec_gas)) {
            bench_note("evm", name);
            prog_free(&p);
            continue;
        }
        p.ok = 1;
        double runs = bench_rate(o, run_iters, &p, 1.0);
        double ggas = runs * (double)p.exec_gas / 1e9;
        char row[160];
        snprintf(row, sizeof row, "%-36s (%.1f Mgas/run)", name, (double)p.exec_gas / 1e6);
        int cb = compute_bound(tname);
        double ref = 0;
        int same = 0;
        if (anvil && !anvil_load(anvil, json_object_get(t, "pre"))) {
            double s = anvil_time(anvil, &p, &same) - anvil->empty_call_s;
            if (s > 0) ref = (double)p.exec_gas / s / 1e9;
        }
        if (anvil && !same) {
            char note[200];
            snprintf(note, sizeof note, "%s: revm's output differs from zkseq's (or anvil failed): left out", name);
            bench_note("evm", note);
        }
        bench_record("evm", row, ggas, "Ggas/s", ref > 0 && same ? "revm (anvil eth_call)" : NULL, ref,
                     cb ? 1.0 : 0, cb ? 1 : 0);
        if (cb && p.ok && (!anvil || (same && ref > 0))) {
            *sum_log += __builtin_log(ggas);
            if (anvil) *ref_log += __builtin_log(ref);
            (*count)++;
        }
        prog_free(&p);
    }
    json_decref(j);
}

void bench_evm(const bench_opts_t *o)
{
    const char *vec = getenv("ZS_VECTORS") ? getenv("ZS_VECTORS") : "../shared/vectors";
    double sum_log = 0, ref_log = 0;
    int count = 0;
    anvil_t anvil = {0}, *a = anvil_start(&anvil) ? NULL : &anvil;
    if (!a) bench_note("evm", "anvil not found or not started: no same-run reference (npm ci installs it; ZS_ANVIL=path)");
    static const char *const sets[] = {"main", "micro"};
    for (int s = 0; s < 2; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/evm-benchmarks/benchmarks/%s", vec, sets[s]);
        DIR *d = opendir(dir);
        if (!d) {
            bench_note("evm", "no evm-benchmarks vectors (ZS_VECTORS)");
            break;
        }
        struct dirent *de;
        char *names[64];
        int nn = 0;
        while ((de = readdir(d)) && nn < 64)
            if (strstr(de->d_name, ".json")) names[nn++] = strdup(de->d_name);
        closedir(d);
        for (int i = 0; i < nn; i++) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            bench_file(o, path, sets[s], &sum_log, &count, a, &ref_log);
            free(names[i]);
        }
    }
    bench_erc20_loop();
    if (count) {
        bench_record("evm", "compute-bound programs, geometric mean", __builtin_exp(sum_log / count), "Ggas/s",
                     a ? "revm (anvil eth_call), same run" : NULL, a ? __builtin_exp(ref_log / count) : 0, 1.0, 1);
        bench_record("evm", "  the same against evmone Baseline's published figures", __builtin_exp(sum_log / count),
                     "Ggas/s", "evmone Baseline, published (3.59 GHz)", 1.09, 0, 0);
    }
    if (a) {
        bench_stop_server(a->pid);
        free(a->resp);
        char note[160];
        snprintf(note, sizeof note, "revm: anvil --hardfork shanghai, eth_call; %.0f us of RPC per call taken off",
                 a->empty_call_s * 1e6);
        bench_note("evm", note);
    }
}
