/* ERC-20 transfers (tests/contracts/Token.sol, compiled by solc-js into
   build/l2/contracts.json; `make bench` compiles it first).

   In process: the token predeployed at genesis (its runtime code from
   running the creation code in lib/evm over an in-memory world) with a
   balance for each sender; every sender signs transfer(new address, 1)
   calls; they are admitted into a real node, then sequenced (executed in
   the EVM, in blocks, state root, fsync'd) as fast as the node can.  The
   reference is the Poseidon bound: the permutations the sequencing ran per
   transfer (counted), against one core's permutation rate times the cores,
   both measured here.  Where a transfer's time goes comes from the node's
   counters and the interpreter alone on the same call.

   Over JSON-RPC: the token deployed and handed out by transactions, then
   16 senders send token transfers over keep-alive connections to zkseqd
   and to anvil with interval mining (--block-time 1, anvil at its best
   under concurrent load), the same client and load; accepted and mined per
   second. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"
#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_evm_memhost.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"
#include "tools/common/zs_httpc.h"

#define TOKEN_GAS 60000
#define SUITE "erc20"

static const uint8_t token_addr[20] = {0x70, 0xce, 0x20};

/* The Token's creation code with its constructor arguments ("Bench",
   "BNC", supply), malloc'd; NULL with a note. */
static uint8_t *creation_code(size_t *len)
{
    char path[PATH_MAX], dir[PATH_MAX];
    const char *env = getenv("ZS_L2_CONTRACTS");
    bench_exe_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s", env ? env : dir);
    if (!env) strncat(path, "/../l2/contracts.json", sizeof path - strlen(path) - 1);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    const char *hex = json_string_value(json_object_get(json_object_get(root, "Token"), "bytecode"));
    uint8_t *code = hex ? malloc(strlen(hex) / 2 + 1 + 7 * 32) : NULL;
    size_t n = 0;
    if (!code || zs_hex_decode(code, strlen(hex) / 2 + 1, &n, hex, strlen(hex))) {
        bench_note(SUITE, "no Token in build/l2/contracts.json (make bench compiles tests/contracts; or ZS_L2_CONTRACTS=path)");
        json_decref(root);
        free(code);
        return NULL;
    }
    json_decref(root);
    /* abi.encode(string "Bench", string "BNC", uint256 10^30) */
    uint8_t *a = code + n;
    memset(a, 0, 7 * 32);
    a[31] = 0x60;
    a[63] = 0xa0;
    zs_u256_t supply = zs_u256_from_u64(1000000000000000ull), e15 = supply;
    zs_u256_mul(&supply, &supply, &e15);
    zs_u256_to_be32(&supply, a + 64);
    a[127] = 5;
    memcpy(a + 128, "Bench", 5);
    a[191] = 3;
    memcpy(a + 192, "BNC", 3);
    *len = n + 7 * 32;
    return code;
}

/* The runtime code the creation code deploys (run in an in-memory world). */
static uint8_t *runtime_code(const uint8_t *init, size_t init_len, size_t *len)
{
    zs_evm_memhost_t *m = zs_evm_memhost_new();
    zs_evm_host_t h;
    zs_evm_memhost_bind(m, &h);
    zs_evm_t *e = zs_evm_new(&h);
    uint8_t *out = NULL;
    zs_evm_tx_t tx = {.is_create = 1, .data = init, .data_len = init_len, .gas = 10000000};
    zs_evm_block_t blk = {.number = 1, .gas_limit = 1ull << 50, .chain_id = 1001};
    zs_evm_opts_t o = {.no_fee = 1};
    zs_evm_result_t r;
    if (e && !zs_evm_transact(e, &blk, &tx, &o, &r) && r.status == ZS_EVM_SUCCESS && !zs_evm_commit(e)) {
        const uint8_t *c;
        size_t n = zs_evm_memhost_code(m, r.created, &c);
        if (n && (out = malloc(n))) {
            memcpy(out, c, n);
            *len = n;
        }
    }
    zs_evm_free(e);
    zs_evm_memhost_free(m);
    return out;
}

static void sender_secret(size_t i, uint8_t key[32])
{
    char seed[48];
    int k = snprintf(seed, sizeof seed, "zkseq bench erc20 sender %zu", i);
    zs_keccak256((const uint8_t *)seed, (size_t)k, key);
}

/* The calldata of transfer(to, value). */
static void transfer_data(const uint8_t to[20], uint64_t value, uint8_t d[68])
{
    memset(d, 0, 68);
    d[0] = 0xa9, d[1] = 0x05, d[2] = 0x9c, d[3] = 0xbb;
    memcpy(d + 16, to, 20);
    for (int i = 0; i < 8; i++) d[67 - i] = (uint8_t)(value >> (8 * i));
}

/* gwei: the gas price (anvil's base fee climbs above 1 gwei when its
   blocks are full, and it drops what pays less). */
static int sign_call(const uint8_t key[32], uint64_t nonce, const uint8_t to[20], const uint8_t *data, size_t dlen,
                     uint64_t gas, uint64_t gwei, uint8_t *out, size_t cap, size_t *len)
{
    zs_tx_t tx = {.type = 0, .has_chain_id = 1, .chain_id = 1001, .nonce = nonce, .gas = gas, .has_to = 1,
                  .data = data, .data_len = dlen};
    tx.gas_price = zs_u256_from_u64(gwei * 1000000000ull);
    memcpy(tx.to, to, 20);
    return zs_tx_sign(&tx, key, out, cap, len);
}

/* ---- In process. */

typedef struct {
    size_t senders, per, n;
    uint8_t (*raw)[BENCH_RAW_MAX];
    size_t *len;
    zs_genesis_t *genesis;
} load_t;

/* The genesis: the senders with ETH, the token with their balances
   (Solidity's balanceOf mapping is slot 3: keccak(address . 3)). */
static zs_genesis_t *make_genesis(const load_t *l, const uint8_t *runtime, size_t rlen)
{
    size_t cap = l->senders * 260 + 2 * rlen + 512, t = 0;
    char *text = malloc(cap), hex[43], *code = malloc(2 * rlen + 3);
    if (!text || !code) return NULL;
    zs_hex_encode_0x(code, runtime, rlen);
    zs_hex_encode_0x(hex, token_addr, 20);
    t += (size_t)snprintf(text + t, cap - t, "{\"addresses\":[{\"address\":\"%s\",\"balance\":\"0\",\"nonce\":1,"
                                             "\"bytecode\":\"%s\",\"storage\":{\"0x2\":\"%zu000000000000000000000\"",
                          hex, code, l->senders);
    for (size_t i = 0; i < l->senders; i++) {
        uint8_t key[32], addr[20], buf[64], slot[32];
        char sh[67];
        sender_secret(i, key);
        if (zs_key_to_address(key, addr)) abort();
        memset(buf, 0, 64);
        memcpy(buf + 12, addr, 20);
        buf[63] = 3;
        zs_keccak256(buf, 64, slot);
        zs_hex_encode_0x(sh, slot, 32);
        t += (size_t)snprintf(text + t, cap - t, ",\"%s\":\"1000000000000000000000\"", sh);
    }
    t += (size_t)snprintf(text + t, cap - t, "}}");
    for (size_t i = 0; i < l->senders; i++) {
        uint8_t key[32], addr[20];
        sender_secret(i, key);
        if (zs_key_to_address(key, addr)) abort();
        zs_hex_encode_0x(hex, addr, 20);
        t += (size_t)snprintf(text + t, cap - t, ",{\"address\":\"%s\",\"balance\":\"1000000000000000000000\"}", hex);
    }
    snprintf(text + t, cap - t, "]}");
    char err[200];
    zs_genesis_t *g = zs_genesis_parse(text, strlen(text), err, sizeof err);
    if (!g) fprintf(stderr, "zkseq-bench: erc20: genesis: %s\n", err);
    free(text);
    free(code);
    return g;
}

/* Every sender's transfers in nonce-major order, each to a new address. */
static int make_load(load_t *l)
{
    l->raw = malloc(l->n * BENCH_RAW_MAX);
    l->len = malloc(l->n * sizeof *l->len);
    if (!l->raw || !l->len) return ZS_ERR_NOMEM;
    for (size_t k = 0; k < l->per; k++)
        for (size_t i = 0; i < l->senders; i++) {
            uint8_t key[32], seed[16], h[32], d[68];
            sender_secret(i, key);
            memcpy(seed, &i, 8);
            memcpy(seed + 8, &k, 8);
            zs_keccak256(seed, 16, h);
            transfer_data(h, 1, d);
            size_t j = k * l->senders + i;
            if (sign_call(key, k, token_addr, d, 68, TOKEN_GAS, 1, l->raw[j], BENCH_RAW_MAX, &l->len[j])) return -1;
        }
    return 0;
}

/* One core's Poseidon permutations per second (batches of 64). */
static double poseidon_rate(void)
{
    static uint64_t st[64][12];
    for (int i = 0; i < 64; i++) st[i][0] = (uint64_t)i;
    size_t n = 0;
    double t0 = bench_now(), dt;
    do {
        for (int r = 0; r < 16; r++) zs_poseidon_permute_batch(st, 64);
        n += 16 * 64;
    } while ((dt = bench_now() - t0) < 0.3);
    return (double)n / dt;
}

/* The interpreter alone on the same call, in memory: microseconds per
   transfer (each to a new address, committed); *gas_per gets the gas one
   transfer runs beyond its intrinsic cost. */
static double interp_us(const uint8_t *runtime, size_t rlen, double *gas_per)
{
    zs_evm_memhost_t *m = zs_evm_memhost_new();
    zs_evm_host_t h;
    zs_evm_memhost_bind(m, &h);
    zs_evm_t *e = zs_evm_new(&h);
    uint8_t from[20] = {0xf0};
    zs_u256_t big = zs_u256_from_u64(UINT64_MAX), slot, bal = zs_u256_from_u64(1000000000);
    uint8_t buf[64] = {0}, sh[32];
    memcpy(buf + 12, from, 20);
    buf[63] = 3;
    zs_keccak256(buf, 64, sh);
    slot = zs_u256_from_be32(sh);
    if (!e || zs_evm_memhost_set_code(m, token_addr, runtime, rlen) || zs_evm_memhost_set_balance(m, from, &big) ||
        zs_evm_memhost_set_storage(m, token_addr, &slot, &bal)) {
        zs_evm_free(e);
        zs_evm_memhost_free(m);
        return 0;
    }
    zs_evm_block_t blk = {.number = 1, .gas_limit = 1ull << 50, .chain_id = 1001};
    const int n = 20000;
    double t0 = bench_now();
    uint64_t gas = 0;
    for (int i = 0; i < n; i++) {
        uint8_t to[20] = {0xd0}, d[68];
        memcpy(to + 8, &i, sizeof i);
        transfer_data(to, 1, d);
        zs_evm_tx_t tx = {.data = d, .data_len = 68, .gas = TOKEN_GAS, .gas_price = zs_u256_from_u64(1),
                          .nonce = (uint64_t)i};
        memcpy(tx.from, from, 20);
        memcpy(tx.to, token_addr, 20);
        zs_evm_result_t r;
        if (zs_evm_transact(e, &blk, &tx, NULL, &r) || r.status != ZS_EVM_SUCCESS || zs_evm_commit(e)) break;
        gas += r.gas_used + r.gas_refund - zs_evm_intrinsic_gas(0, d, 68);
    }
    double us = (bench_now() - t0) * 1e6 / n;
    if (gas_per) *gas_per = (double)gas / n;
    zs_evm_free(e);
    zs_evm_memhost_free(m);
    return us;
}

/* Long because it is the whole in-process run: the load, the node, the
   counts around the sequencing, and the rows in the order the README's
   table shows them. */
static void in_process(const bench_opts_t *o, const uint8_t *runtime, size_t rlen)
{
    load_t l = {.senders = o->quick ? 400 : 2000, .per = o->quick ? 5 : 10};
    l.n = l.senders * l.per;
    if (!(l.genesis = make_genesis(&l, runtime, rlen)) || make_load(&l)) {
        bench_note(SUITE, "cannot build the load");
        goto out;
    }
    double rate = poseidon_rate(), evm_us = interp_us(runtime, rlen, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    char dir[512];
    zs_node_t *node = bench_node_open(o, SUITE, l.genesis, l.n + 16, dir, sizeof dir);
    if (!node) goto out;
    size_t refused;
    double admitted = bench_admit(node, l.raw, l.len, l.n, &refused);
    zs_node_stats_t s0, s1;
    uint64_t p0 = zs_poseidon_count();
    double seq = bench_sequence(node, l.n - refused, &s0, &s1);
    uint64_t perms = zs_poseidon_count() - p0;
    bench_node_close(node, dir);
    uint64_t done = s1.txs_included - s0.txs_included;
    double per_tx = done ? (double)perms / (double)done : 0, bound = per_tx > 0 ? rate * (double)cores / per_tx : 0;
    double k = 1e-3 / (double)(done ? done : 1);
    bench_record(SUITE, "ERC-20 transfers sequenced (EVM + tree + fsync'd block)", seq, "tx/s", NULL, 0, 10000, 1);
    bench_record(SUITE, "ERC-20 transfers sequenced / Poseidon bound", seq, "tx/s", "Poseidon bound (all cores)", bound,
                 0, 0);
    bench_record(SUITE, "  Poseidon permutations per transfer", per_tx, "perm", NULL, 0, 0, 0);
    bench_record(SUITE, "  one core's permutations per second", rate, "perm/s", NULL, 0, 0, 0);
    bench_record(SUITE, "admitted (decode + recover + durable pool)", admitted, "tx/s", NULL, 0, 0, 0);
    bench_record(SUITE, "us/tx: execution (EVM, state reads, receipt)", (double)(s1.ns_exec - s0.ns_exec) * k, "us",
                 NULL, 0, 0, 0);
    bench_record(SUITE, "  of which the interpreter alone (in memory)", evm_us, "us", NULL, 0, 0, 0);
    bench_record(SUITE, "us/tx: block open, pool hand-over", (double)(s1.ns_block - s0.ns_block) * k, "us", NULL, 0, 0,
                 0);
    bench_record(SUITE, "us/tx: block end (logs, block info tree)", (double)(s1.ns_end - s0.ns_end) * k, "us", NULL, 0,
                 0, 0);
    bench_record(SUITE, "us/tx: tree hashing + store batch", (double)(s1.ns_commit - s0.ns_commit) * k, "us", NULL, 0,
                 0, 0);
    bench_record(SUITE, "us/tx: batch records (the block's: below)", (double)(s1.ns_records - s0.ns_records) * k, "us",
                 NULL, 0, 0, 0);
    bench_record(SUITE, "us/tx: header roots, block/receipt records (committer thread, overlapped)",
                 (double)(s1.ns_finish - s0.ns_finish) * k, "us", NULL, 0, 0, 0);
    bench_record(SUITE, "us/tx: RocksDB write (fsync; committer thread, overlapped)",
                 (double)(s1.ns_write - s0.ns_write) * k, "us", NULL, 0, 0, 0);
    bench_record(SUITE, "us/tx: Poseidon at one core's rate (inside the rows above)", per_tx / rate * 1e6, "us", NULL,
                 0, 0, 0);
    char note[300];
    snprintf(note, sizeof note,
             "%zu token transfers from %zu senders, each to a new holder, %llu blocks; %ld cores; %zu refused at "
             "admission; %llu ejected",
             l.n, l.senders, (unsigned long long)(s1.blocks - s0.blocks), cores, refused,
             (unsigned long long)(s1.txs_ejected - s0.txs_ejected));
    bench_note(SUITE, note);
out:
    zs_genesis_free(l.genesis);
    free(l.raw);
    free(l.len);
}

/* ---- Over JSON-RPC. */

#define CONNS 16
#define WINDOW 16

typedef struct {
    uint8_t token[20];
} rpc_ctx_t;

static int token_body(void *ctx, int i, const uint8_t key[32], size_t k, char *body, size_t cap)
{
    const rpc_ctx_t *c = ctx;
    uint8_t to[20] = {0xbe, 0xef, (uint8_t)i, (uint8_t)(k >> 8), (uint8_t)k}, d[68], raw[BENCH_RAW_MAX];
    char hex[2 * BENCH_RAW_MAX + 3];
    size_t len;
    transfer_data(to, 1, d);
    if (sign_call(key, k, c->token, d, 68, TOKEN_GAS, 50, raw, sizeof raw, &len)) return -1;
    zs_hex_encode_0x(hex, raw, len);
    snprintf(body, cap, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"eth_sendRawTransaction\",\"params\":[\"%s\"]}", k,
             hex);
    return 0;
}

/* One raw transaction from dev account 0 at nonce; 0 when accepted. */
static int send_dev0(uint16_t port, uint64_t nonce, int create, const uint8_t to[20], const uint8_t *d, size_t dlen,
                     uint64_t gas)
{
    uint8_t key[32], *raw = malloc(dlen + 256);
    char *body = malloc(2 * dlen + 700), resp[600];
    if (!raw || !body || zs_hex_decode_exact(key, 32, zs_dev_keys[0])) return -1;
    zs_tx_t tx = {.has_chain_id = 1, .chain_id = 1001, .nonce = nonce, .gas = gas, .has_to = !create, .data = d,
                  .data_len = dlen};
    tx.gas_price = zs_u256_from_u64(50000000000ull);
    if (!create) memcpy(tx.to, to, 20);
    size_t len;
    int rc = zs_tx_sign(&tx, key, raw, dlen + 256, &len);
    if (!rc) {
        int k = sprintf(body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\"");
        k += (int)zs_hex_encode_0x(body + k, raw, len);
        sprintf(body + k, "\"]}");
        rc = zs_httpc_call(port, body, resp, sizeof resp) || !strstr(resp, "\"result\"");
        if (rc) fprintf(stderr, "zkseq-bench: erc20: %.300s\n", resp);
    }
    free(raw);
    free(body);
    return rc;
}

/* After bench_fund (dev account 0's nonces 0..79): the token deployed at
   nonce 80 and CONNS senders given tokens; then the load.  0 or -1. */
static int rpc_run(uint16_t port, const uint8_t *init, size_t init_len, size_t per, bench_load_result_t *r, char *why,
                   size_t whylen)
{
    uint8_t key[32], dev0[20];
    char a0[43];
    if (zs_hex_decode_exact(key, 32, zs_dev_keys[0]) || zs_key_to_address(key, dev0)) return -1;
    zs_hex_encode_0x(a0, dev0, 20);
    rpc_ctx_t c;
    zs_evm_create_address(dev0, 80, c.token);
    if (bench_fund(port, why, whylen) || send_dev0(port, 80, 1, NULL, init, init_len, 3000000)) return -1;
    for (int i = 0; i < CONNS; i++) {
        uint8_t sk[32], to[20], d[68];
        bench_sender_key(i, sk);
        if (zs_key_to_address(sk, to)) return -1;
        transfer_data(to, 1000000, d);
        if (send_dev0(port, 81 + (uint64_t)i, 0, c.token, d, 68, 100000)) return -1;
    }
    bench_wait_nonce(port, a0, 81 + CONNS, bench_now());
    return bench_run_load_with(port, 0, CONNS, per, WINDOW, token_body, &c, r, why, whylen);
}

static void over_rpc(const bench_opts_t *o, const uint8_t *init, size_t init_len)
{
    char dir[PATH_MAX], zkseqd[PATH_MAX + 16], anvil[PATH_MAX + 64], data[600], portbuf[16], why[200] = "";
    bench_exe_dir(dir, sizeof dir);
    snprintf(zkseqd, sizeof zkseqd, "%s/zkseqd", dir);
    const char *env_anvil = getenv("ZS_ANVIL");
    snprintf(anvil, sizeof anvil, "%s", env_anvil ? env_anvil : dir);
    if (!env_anvil) strncat(anvil, "/../../node_modules/.bin/anvil", sizeof anvil - strlen(anvil) - 1);
    size_t per = o->quick ? 50 : 250;
    bench_load_result_t ra = {0}, rz = {0};
    int have_anvil = access(anvil, X_OK) == 0;
    if (have_anvil) {
        uint16_t port = bench_free_port();
        snprintf(portbuf, sizeof portbuf, "%u", port);
        char *argv[] = {anvil, "--host", "127.0.0.1", "--port", portbuf, "--chain-id", "1001", "--block-time", "1",
                        "--silent", NULL};
        pid_t pid = bench_spawn(argv);
        if (bench_wait_ready(port, pid) || rpc_run(port, init, init_len, per, &ra, why, sizeof why)) have_anvil = 0;
        bench_stop_server(pid);
        if (ra.errors) fprintf(stderr, "zkseq-bench: erc20: anvil refused %zu: %s\n", ra.errors, why);
    }
    if (!have_anvil) bench_note(SUITE, "anvil not found or not started (npm ci installs it; ZS_ANVIL=path)");
    snprintf(data, sizeof data, "%s/zkseq-bench-erc20rpc-XXXXXX", o->tmpdir ? o->tmpdir : "/tmp");
    if (!mkdtemp(data)) return;
    uint16_t port = bench_free_port();
    snprintf(portbuf, sizeof portbuf, "%u", port);
    char *argv[] = {zkseqd, "--dev", "--datadir", data, "--rpc-port", portbuf, "--udp-port", "0", NULL};
    pid_t pid = bench_spawn(argv);
    int ok = !bench_wait_ready(port, pid) && !rpc_run(port, init, init_len, per, &rz, why, sizeof why);
    bench_stop_server(pid);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", data);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", data);
    if (!ok) {
        bench_note(SUITE, "zkseqd did not start or the ERC-20 load failed");
        return;
    }
    const char *ref = have_anvil ? "anvil --block-time 1, same load" : NULL;
    bench_record(SUITE, "token transfers over JSON-RPC, accepted+mined, 16 conns", rz.tps, "tx/s", ref, ra.tps, 5, 0);
    bench_record(SUITE, "  latency p50", rz.p50_ms, "ms", have_anvil ? "anvil p50" : NULL, ra.p50_ms, 0, 0);
    bench_record(SUITE, "  latency p99", rz.p99_ms, "ms", have_anvil ? "anvil p99" : NULL, ra.p99_ms, 0, 0);
    char note[300];
    snprintf(note, sizeof note,
             "JSON-RPC: %d keep-alive connections, %d requests in flight each, %zu token transfers per sender; anvil "
             "with interval mining (1 s blocks, its default 30M gas limit); errors zkseqd %zu, anvil %zu",
             CONNS, WINDOW, per, rz.errors, ra.errors);
    bench_note(SUITE, note);
}

void bench_erc20_loop(void)
{
    size_t init_len, rlen;
    uint8_t *init = creation_code(&init_len), *runtime = init ? runtime_code(init, init_len, &rlen) : NULL;
    if (runtime) {
        double gas_per = 0, best = 1e9;
        for (int i = 0; i < 3; i++) {
            double us = interp_us(runtime, rlen, &gas_per);
            if (us > 0 && us < best) best = us;
        }
        bench_record("evm", "erc20/transfer loop, each to a new holder (in memory)", gas_per / best / 1e3, "Ggas/s",
                     NULL, 0, 0, 0);
        bench_record("evm", "  microseconds per transfer", best, "us", NULL, 0, 0, 0);
    } else {
        bench_note("evm", "no ERC-20 loop: build/l2/contracts.json missing (make bench compiles it)");
    }
    free(init);
    free(runtime);
}

void bench_erc20(const bench_opts_t *o)
{
    size_t init_len, rlen;
    uint8_t *init = creation_code(&init_len), *runtime = init ? runtime_code(init, init_len, &rlen) : NULL;
    if (!runtime) {
        if (init) bench_note(SUITE, "the Token's creation code did not run");
        free(init);
        return;
    }
    /* ZS_BENCH_ERC20_LOCAL=1: in process only (profiling); ZS_BENCH_ERC20_RPC=1: JSON-RPC only */
    if (!getenv("ZS_BENCH_ERC20_RPC")) in_process(o, runtime, rlen);
    if (!getenv("ZS_BENCH_ERC20_LOCAL")) over_rpc(o, init, init_len);
    free(init);
    free(runtime);
}
