/* zkseq-bench evm: the interpreter alone on the EVM benchmark programs
   evmone and geth publish on (../shared/vectors/evm-benchmarks: snailtracer,
   blake2b, sha1, weierstrudel, ...), in gas per second on one core.  Each
   program runs from a world held in memory (lib/evm/zs_evm_memhost); the
   state changes are dropped after each run, so every run starts alike.

   The reference: evmone's Baseline interpreter, 1.42 Ggas/s on
   blake2b_huff and 0.84 Ggas/s on sha1_divs at 3.59 GHz (ipsilon/evmone
   #530); the goal is 1.0 Ggas/s on the compute-bound programs here.  The
   same-run reference, revm inside anvil through eth_call, is in the rpc
   suite's evm rows when anvil is installed (bench_evm_anvil). */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_evm_memhost.h"
#include "tools/bench/bench.h"

typedef struct {
    char name[96];
    zs_evm_memhost_t *m;
    zs_evm_t *e;
    zs_evm_tx_t tx;
    zs_evm_block_t blk;
    uint8_t *data;
    uint64_t exec_gas; /* gas one run takes, beyond the intrinsic */
    int ok;
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
}

/* One run: 0 with the gas it took, or -1 when the program failed. */
static int prog_run(prog_t *p, uint64_t *gas)
{
    zs_evm_result_t r;
    zs_evm_opts_t o = {.no_fee = 1, .no_nonce = 1};
    if (zs_evm_transact(p->e, &p->blk, &p->tx, &o, &r)) return -1;
    zs_evm_discard(p->e);
    if (r.status != ZS_EVM_SUCCESS) return -1;
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

static void bench_file(const bench_opts_t *o, const char *path, const char *base, double *sum_log, int *count)
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
        bench_record("evm", row, ggas, "Ggas/s", NULL, 0, cb ? 1.0 : 0, cb ? 1 : 0);
        if (cb && p.ok) {
            *sum_log += __builtin_log(ggas);
            (*count)++;
        }
        prog_free(&p);
    }
    json_decref(j);
}

void bench_evm(const bench_opts_t *o)
{
    const char *vec = getenv("ZS_VECTORS") ? getenv("ZS_VECTORS") : "../shared/vectors";
    double sum_log = 0;
    int count = 0;
    static const char *const sets[] = {"main", "micro"};
    for (int s = 0; s < 2; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/evm-benchmarks/benchmarks/%s", vec, sets[s]);
        DIR *d = opendir(dir);
        if (!d) {
            bench_note("evm", "no evm-benchmarks vectors (ZS_VECTORS)");
            return;
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
            bench_file(o, path, sets[s], &sum_log, &count);
            free(names[i]);
        }
    }
    if (count)
        bench_record("evm", "compute-bound programs, geometric mean", __builtin_exp(sum_log / count), "Ggas/s",
                     "evmone Baseline, published (3.59 GHz)", 1.09, 1.0, 1);
}
