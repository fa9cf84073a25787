#include "host/config/zs_config.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/policy/zs_batch_policy.h"
#include "lib/u256/zs_u256.h"

#define U(k, lo, hi, d, w, doc) {k, ZS_CFG_UINT, lo, hi, d, NULL, w, 0, doc}
#define B(k, d, doc) {k, ZS_CFG_BOOL, 0, 0, d, NULL, ZS_CFG_RESTART, 0, doc}
#define S(k, d, doc) {k, ZS_CFG_STRING, 0, 0, d, NULL, ZS_CFG_RESTART, 0, doc}
#define C(k, d, ch, w, doc) {k, ZS_CFG_CHOICE, 0, 0, d, ch, w, 0, doc}
#define P(k, doc) {k, ZS_CFG_POLICY, 0, 0, NULL, NULL, ZS_CFG_LIVE, 0, doc}
#define F(k, doc) {k, ZS_CFG_POLICY, 0, 0, NULL, NULL, ZS_CFG_FIRMWARE, 0, doc}

/* In the order --print-config shows them (host/main/zkseqd.json). */
const zs_config_key_t zs_config_keys[] = {
    S("datadir", "\"zkseq-data\"", "where the database lives (created if missing)"),
    U("chain_id", 1, UINT64_MAX / 2 - 36, "1001", ZS_CFG_RESTART, "L2 chain id (EIP-155)"),
    {"coinbase", ZS_CFG_ADDRESS, 0, 0, "null", NULL, ZS_CFG_RESTART, 0,
     "the 0x-address that receives L2 fees and is the batches' sequencer (null: a development address with --dev)"},
    {"min_gas_price", ZS_CFG_U256, 0, 0, "\"1000000000\"", NULL, ZS_CFG_RESTART, 0,
     "the pool's gas price floor in wei (decimal or 0x, in a string); also eth_gasPrice and the chain's base fee at genesis"},
    {"genesis", ZS_CFG_GENESIS, 0, 0, "null", NULL, ZS_CFG_RESTART, 0,
     "a new chain's genesis: a file path, the object itself, or null (--dev: the ten development accounts)"},
    S("rpc.host", "\"127.0.0.1\"", "JSON-RPC listen address"),
    U("rpc.port", 0, 65535, "8123", ZS_CFG_RESTART, "JSON-RPC port (0 picks a free one)"),
    U("rpc.max_body_bytes", 0, 1u << 30, "5242880", ZS_CFG_RESTART, "largest request body (HTTP 413 above)"),
    U("rpc.max_batch", 0, 100000, "1000", ZS_CFG_RESTART, "calls in one JSON-RPC batch"),
    U("rpc.max_connections", 0, 65536, "256", ZS_CFG_RESTART, "HTTP connections at once (also the most JSON-RPC worker threads)"),
    U("rpc.idle_timeout_s", 0, 3600, "30", ZS_CFG_RESTART, "an idle connection is closed after this, and one whose request headers take longer"),
    U("rpc.sync_timeout_ms", 0, 60000, "10000", ZS_CFG_RESTART, "eth_sendRawTransactionSync's default wait"),
    U("rpc.max_log_blocks", 1, 1000000, "10000", ZS_CFG_RESTART, "blocks one eth_getLogs may scan"),
    U("rpc.max_logs", 1, 1000000, "10000", ZS_CFG_RESTART, "logs one eth_getLogs answer may hold"),
    U("rpc.max_filters", 1, 100000, "1024", ZS_CFG_RESTART, "filters installed at once (eth_newFilter, eth_newBlockFilter)"),
    B("udp.enabled", "true", "exchange frames on a UDP socket"),
    S("udp.host", "\"127.0.0.1\"", "UDP listen address"),
    U("udp.port", 0, 65535, "8125", ZS_CFG_RESTART, "UDP port (0 picks a free one)"),
    U("udp.workers", 0, 256, "0", ZS_CFG_RESTART, "verification threads (0: one per core)"),
    U("udp.queue", 0, 1u << 20, "4096", ZS_CFG_RESTART, "frames queued for verification"),
    U("udp.queue_max_ms", 0, 60000, "0", ZS_CFG_RESTART,
      "refuse a frame busy once the oldest queued one has waited this long (0: only when the queue is full)"),
    {"udp.keys", ZS_CFG_MAP, 0, 0, "{}", NULL, ZS_CFG_RESTART, 1,
     "exchange clients' HMAC-SHA256 keys: {\"client id\": \"hex key of 16 to 64 bytes\"} (UDP and DPDK)"},
    B("dpdk.enabled", "false", "exchange frames on a DPDK port too"),
    S("dpdk.eal", "\"\"", "DPDK EAL arguments (the port's vdev or PCI address among them)"),
    S("dpdk.ip", "\"\"", "the DPDK port's IPv4 address (it answers ARP for it)"),
    U("dpdk.port", 0, 65535, "8125", ZS_CFG_RESTART, "UDP port on the DPDK path"),
    U("dpdk.workers", 0, 256, "0", ZS_CFG_RESTART, "verification threads (0: one per core)"),
    U("sequencer.block_time_ms", 0, 60000, "50", ZS_CFG_LIVE,
     "longest an L2 block stays open while the firmware is down (it decides the block time while it is up)"),
    U("sequencer.max_block_txs", 0, 1u << 20, "2000", ZS_CFG_RESTART, "transactions in one L2 block"),
    U("sequencer.block_linger_ms", 0, 1000, "2", ZS_CFG_RESTART,
     "how long an open L2 block waits for more transactions once the pool is dry before it is sealed (a steady load "
     "then fills blocks up to the block time; 0: sealed at once)"),
    C("sequencer.order", "\"fcfs\"", "fcfs|fee", ZS_CFG_RESTART, "arrival order (fcfs) or fee order"),
    P("batch.max_bytes", "batchL2Data bytes in one batch (while the firmware is down; it owns the policy while up)"),
    P("batch.max_txs", "transactions in one batch"),
    P("batch.max_gas", "gas in one batch"),
    P("batch.max_age_ms", "a batch closes this long after its first block"),
    U("pool.max_txs", 0, 1u << 24, "100000", ZS_CFG_RESTART, "pooled transactions at most"),
    U("pool.max_per_sender", 0, 1u << 20, "1024", ZS_CFG_RESTART, "pooled transactions per sender at most"),
    U("pool.nonce_gap", 0, 1u << 20, "64", ZS_CFG_RESTART, "how far ahead of its account's nonce a transaction may be"),
    U("pool.price_bump_percent", 0, 1000, "10", ZS_CFG_RESTART, "a replacement pays this much more"),
    U("pool.log_mb", 0, 4096, "16", ZS_CFG_RESTART,
      "the pool's log (DATADIR/pool.log, a ring written in place; each answer waits for its flush instead of the "
      "pool database's); 0: none, the database is flushed for every answer"),
    S("pool.log_file", "\"\"",
      "where the pool's log lives (\"\": pool.log in the datadir): a file on a device of its own that flushes fast "
      "(NVMe with power-loss protection) keeps the answers' flushes from queueing behind the database's; move it "
      "only after a clean stop (after a crash zkseqd refuses a log its pool database does not name)"),
    U("state.keep_versions", 0, UINT32_MAX, "256", ZS_CFG_RESTART, "blocks whose state stays readable"),
    U("state.cache_mb", 0, 1u << 20, "256", ZS_CFG_RESTART, "RocksDB block cache"),
    U("state.prefetch_pages", 0, 1u << 20, "4096", ZS_CFG_RESTART,
      "tree pages (4.5 KiB each) a thread reads from RocksDB, hashes and checks ahead of the sequencer for the "
      "accounts of the transactions it is about to run (after a restart the tree is read as it is met); 0: no such "
      "thread"),
    U("state.memory_mb", 0, 1u << 24, "8192", ZS_CFG_RESTART,
      "the state tree's nodes in memory (and a quarter of it for the account-key cache): past it, pages no block "
      "walked lately are dropped from memory after a block's commit and read again from RocksDB when met; 0: no "
      "bound (memory grows with every account touched since start, about 0.5 GiB a million)"),
    S("firmware.mbox", "\"\"", "the firmware's mailbox (zkseq-fw's DIR/mbox); \"\": no firmware"),
    C("card.backend", "\"auto\"", "auto|cpu|sim|xrt", ZS_CFG_RESTART,
      "the hashing card: auto (xrt where a card answers, else cpu), cpu, sim (a model, in test builds) or xrt"),
    S("card.xclbin", "\"\"", "the card's xclbin for xrt"),
    U("card.device", 0, 64, "0", ZS_CFG_RESTART, "the card's device index"),
    U("card.min_poseidon", 0, 1u << 24, "2048", ZS_CFG_RESTART, "smaller Poseidon batches stay on the CPU"),
    U("card.min_keccak", 0, 1u << 24, "32", ZS_CFG_RESTART, "smaller Keccak batches stay on the CPU"),
    U("card.verify_every", 0, 1u << 24, "64", ZS_CFG_RESTART, "card outputs per one checked on the CPU"),
    U("card.timeout_ms", 0, 600000, "1000", ZS_CFG_RESTART, "a card job not done by then counts as lost"),
    U("card.max_failures", 0, 1u << 20, "3", ZS_CFG_RESTART, "failures in a row before the card is set aside"),
    U("card.coalesce_us", 0, 100000, "0", ZS_CFG_RESTART, "small Keccak batches share card jobs this long (0: off)"),
    U("card.sim.workers", 0, 64, "2", ZS_CFG_RESTART, "sim: threads running the kernels"),
    U("card.sim.pcie_mbps", 0, 1u << 24, "12000", ZS_CFG_RESTART, "sim: PCIe bandwidth, MB/s"),
    U("card.sim.pcie_latency_ns", 0, 1u << 30, "2000", ZS_CFG_RESTART, "sim: PCIe latency per transfer"),
    U("card.sim.fail_every", 0, UINT32_MAX, "0", ZS_CFG_RESTART, "sim: every Nth job fails (0: none)"),
    U("card.sim.hang_every", 0, UINT32_MAX, "0", ZS_CFG_RESTART, "sim: every Nth job never completes"),
    U("card.sim.corrupt_every", 0, UINT32_MAX, "0", ZS_CFG_RESTART, "sim: every Nth completion is damaged"),
    U("card.sim.wrong_every", 0, UINT32_MAX, "0", ZS_CFG_RESTART, "sim: every Nth job's output is wrong"),
    B("mgmt.enabled", "true", "the management port (zkseqctl)"),
    S("mgmt.host", "\"127.0.0.1\"", "management listen address (beyond loopback: TLS and a token)"),
    U("mgmt.port", 0, 65535, "8126", ZS_CFG_RESTART, "management port (0 picks a free one)"),
    B("mgmt.metrics_enabled", "true", "the Prometheus metrics port"),
    S("mgmt.metrics_host", "\"127.0.0.1\"", "metrics listen address"),
    U("mgmt.metrics_port", 0, 65535, "9091", ZS_CFG_RESTART, "metrics port (0 picks a free one)"),
    S("mgmt.tls_cert", "\"\"", "PEM certificate for the management and metrics ports"),
    S("mgmt.tls_key", "\"\"", "its PEM key"),
    {"mgmt.token", ZS_CFG_STRING, 0, 0, "\"\"", NULL, ZS_CFG_RESTART, 1,
     "the token every request must carry (at least 16 characters; \"\": none)"},
    S("mgmt.token_file", "\"\"", "a file holding the token"),
    S("log.file", "\"\"", "log to this file (SIGHUP reopens it); \"\": stderr"),
    C("log.format", "\"kv\"", "kv|json", ZS_CFG_RESTART, "key=value lines or JSON lines"),
    C("log.level", "\"info\"", "debug|info|warn|error", ZS_CFG_LIVE, "the lowest level logged"),
    S("l1.rpc_url", "\"\"",
      "the L1 node zkseqd follows, read-only (JSON-RPC over http:// or https://; no key): the L1 info tree its "
      "blocks reference, the batches L1 holds; \"\": not followed"),
    {"l1.rollup", ZS_CFG_ADDRESS, 0, 0, "null", NULL, ZS_CFG_RESTART, 0,
     "the rollup contract on L1 (the global exit root manager is read from it)"},
    U("l1.start_block", 0, UINT64_MAX / 2, "0", ZS_CFG_RESTART, "the first L1 block read (the contracts' deployment)"),
    U("l1.poll_ms", 10, 600000, "1000", ZS_CFG_RESTART, "between reads of L1"),
    U("l1.timeout_ms", 100, 600000, "5000", ZS_CFG_RESTART, "one L1 call's time limit"),
    U("l1.info_confirmations", 0, 100000, "64", ZS_CFG_RESTART,
      "L1 blocks over an L1 info tree leaf before new L2 blocks reference it (zkevm-node's default: 64)"),
    U("l1.max_range", 1, 1000000, "1000", ZS_CFG_RESTART, "L1 blocks one eth_getLogs reads"),
    B("stream.enabled", "true", "serve Polygon's zkEVM data stream (zkevm-data-streamer's protocol) of every durable block"),
    S("stream.host", "\"127.0.0.1\"", "the data stream's listening address (replicas elsewhere: the box's address)"),
    U("stream.port", 0, 65535, "6900", ZS_CFG_RESTART, "the data stream's TCP port (0 picks a free one)"),
    S("stream.file", "\"\"", "the stream file (\"\": datastream.bin in the datadir)"),
    U("stream.write_timeout_ms", 100, 600000, "3000", ZS_CFG_RESTART,
      "a stream client that does not read for this long is cut off"),
    U("stream.max_clients", 1, 10000, "100", ZS_CFG_RESTART, "stream clients at once"),
    B("replica.enabled", "false",
      "run as a read replica: follow a sequencer's data stream (replica.stream), re-execute and check every block, "
      "serve reads from the replica's own state; no sequencing, UDP or DPDK ingress of its own"),
    S("replica.stream", "\"\"", "HOST:PORT of the sequencer's data stream (its stream.host and stream.port)"),
    S("replica.sequencer_rpc", "\"\"",
      "the sequencer's JSON-RPC URL (a replica needs it): a new replica's block 0 is made as the sequencer's, "
      "and eth_sendRawTransaction(Sync) is forwarded there and answered with the sequencer's answer"),
    C("l1.data", "\"blob\"", "blob|calldata|auto", ZS_CFG_FIRMWARE,
      "how the firmware posts batch data to L1: blob (EIP-4844 blobs, sequenceBlobBatches), calldata "
      "(sequenceBatches) or auto (whichever costs less per byte now); the firmware's own setting (its l1_data, "
      "whose default is shown), changed live through it"),
    B("extensions.typed_transactions", "false",
      "zkseq's extension, not Polygon's: EIP-2930 and EIP-1559 transactions in batches (fork 12's prover and "
      "synchronizers read legacy transactions only)"),
    F("firmware.block_min_ms", "the firmware's shortest block time (its policy)"),
    F("firmware.block_max_ms", "the firmware's longest block time"),
    F("firmware.target_block_txs", "the firmware aims at blocks of about this many transactions"),
};
const size_t zs_config_nkeys = sizeof zs_config_keys / sizeof zs_config_keys[0];

struct zs_config {
    pthread_mutex_t mu;
    json_t *root; /* sections of values, in the schema's order */
};

const zs_config_key_t *zs_config_key(const char *key)
{
    for (size_t i = 0; key && i < zs_config_nkeys; i++)
        if (!strcmp(zs_config_keys[i].key, key)) return &zs_config_keys[i];
    return NULL;
}

/* The lib/policy key a ZS_CFG_POLICY key stands for ("batch.max_bytes" ->
   "max_bytes"). */
static const zs_batch_policy_key_t *policy_key(const zs_config_key_t *k)
{
    const char *dot = strrchr(k->key, '.');
    return zs_batch_policy_key(dot ? dot + 1 : k->key);
}

/* ---- The tree: dotted keys over nested objects. */

static json_t *lookup(json_t *root, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "%s", key);
    json_t *v = root;
    for (char *save, *part = strtok_r(k, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
        v = json_is_object(v) ? json_object_get(v, part) : NULL;
    return v;
}

/* Sets key to v (stolen), making the sections on the way. */
static void put(json_t *root, const char *key, json_t *v)
{
    char k[128];
    snprintf(k, sizeof k, "%s", key);
    json_t *o = root;
    char *save, *part = strtok_r(k, ".", &save);
    for (char *next; (next = strtok_r(NULL, ".", &save)); part = next) {
        json_t *sub = json_object_get(o, part);
        if (!json_is_object(sub)) {
            sub = json_object();
            json_object_set_new(o, part, sub);
        }
        o = sub;
    }
    json_object_set_new(o, part, v);
}

static json_t *default_value(const zs_config_key_t *k)
{
    if (k->type == ZS_CFG_POLICY) {
        zs_batch_policy_t p;
        zs_batch_policy_defaults(&p);
        return json_integer((json_int_t)zs_batch_policy_get(&p, policy_key(k)));
    }
    return json_loads(k->def, JSON_DECODE_ANY, NULL);
}

zs_config_t *zs_config_new(void)
{
    zs_config_t *c = calloc(1, sizeof *c);
    if (!c || !(c->root = json_object())) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    for (size_t i = 0; i < zs_config_nkeys; i++)
        if (zs_config_keys[i].when != ZS_CFG_FIRMWARE) put(c->root, zs_config_keys[i].key, default_value(&zs_config_keys[i]));
    return c;
}

void zs_config_free(zs_config_t *c)
{
    if (!c) return;
    json_decref(c->root);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* ---- Checking values. */

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ZS_ERR_INVAL;
}

static int check_map(const zs_config_key_t *k, json_t *v, char *err, size_t errlen)
{
    if (!json_is_object(v)) return bad(err, errlen, "configuration %s: want {\"client id\": \"hex key\"}", k->key);
    const char *id;
    json_t *kv;
    json_object_foreach(v, id, kv)
    {
        char *end;
        errno = 0;
        (void)strtoull(id, &end, 10);
        const char *hex = json_string_value(kv);
        uint8_t key[64];
        size_t n;
        if (errno || *end || !*id || !hex || zs_hex_decode(key, sizeof key, &n, hex, strlen(hex)) || n < 16)
            return bad(err, errlen, "configuration %s.%s: want a decimal client id and a hex key of 16 to 64 bytes",
                       k->key, id);
    }
    return ZS_OK;
}

/* v as a value of k, alone: 0 or a sentence. */
static int check_value(const zs_config_key_t *k, json_t *v, char *err, size_t errlen)
{
    switch (k->type) {
    case ZS_CFG_UINT:
        if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < k->min ||
            (uint64_t)json_integer_value(v) > k->max)
            return bad(err, errlen, "configuration %s: want an integer from %llu to %llu", k->key,
                       (unsigned long long)k->min, (unsigned long long)k->max);
        return ZS_OK;
    case ZS_CFG_POLICY: {
        const zs_batch_policy_key_t *pk = policy_key(k);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < pk->min ||
            (uint64_t)json_integer_value(v) > pk->max)
            return bad(err, errlen, "configuration %s: %s", k->key, pk->bounds);
        return ZS_OK;
    }
    case ZS_CFG_BOOL:
        return json_is_boolean(v) ? ZS_OK : bad(err, errlen, "configuration %s: want true or false", k->key);
    case ZS_CFG_STRING:
        return json_is_string(v) ? ZS_OK : bad(err, errlen, "configuration %s: want a string", k->key);
    case ZS_CFG_CHOICE: {
        const char *s = json_string_value(v), *p = k->choices;
        size_t n = s ? strlen(s) : 0;
        for (; s && p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
            if (!strncmp(p, s, n) && (p[n] == '|' || !p[n])) return ZS_OK;
        return bad(err, errlen, "configuration %s: want one of %s", k->key, k->choices);
    }
    case ZS_CFG_U256: {
        zs_u256_t x;
        if (json_is_string(v) && !zs_u256_parse(&x, json_string_value(v))) return ZS_OK;
        return bad(err, errlen, "configuration %s: want a decimal or 0x number in a string", k->key);
    }
    case ZS_CFG_ADDRESS: {
        uint8_t a[20];
        if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 42 &&
                                !zs_hex_decode_exact(a, 20, json_string_value(v))))
            return ZS_OK;
        return bad(err, errlen, "configuration %s: want a 0x-address (or null)", k->key);
    }
    case ZS_CFG_GENESIS:
        if (json_is_null(v) || json_is_string(v) || json_is_object(v)) return ZS_OK;
        return bad(err, errlen, "configuration %s: want a file path, the genesis object or null", k->key);
    case ZS_CFG_MAP: return check_map(k, v, err, errlen);
    }
    return ZS_ERR_INVAL;
}

/* The local batching policy a tree holds, checked as a whole. */
static int check_policy(json_t *root, char *err, size_t errlen)
{
    zs_batch_policy_t p;
    zs_batch_policy_defaults(&p);
    for (size_t i = 0; i < zs_config_nkeys; i++) {
        const zs_config_key_t *k = &zs_config_keys[i];
        json_t *v = k->type == ZS_CFG_POLICY && k->when == ZS_CFG_LIVE ? lookup(root, k->key) : NULL;
        const char *why = v ? zs_batch_policy_set(&p, policy_key(k)->name, (uint64_t)json_integer_value(v)) : NULL;
        if (why) return bad(err, errlen, "configuration %s: %s", k->key, why);
    }
    return ZS_OK;
}

/* Under mu: an edited copy of the tree takes its place when the edit went
   well (rc 0) and the batching policy still checks out; otherwise it is
   dropped and nothing changed.  Returns the verdict. */
static int take_copy(zs_config_t *c, json_t *copy, int rc, char *err, size_t errlen)
{
    if (!rc) rc = check_policy(copy, err, errlen);
    if (!rc) {
        json_decref(c->root);
        c->root = copy;
        copy = NULL;
    }
    json_decref(copy);
    return rc;
}

/* Walks a file's object: every leaf must be a key of the schema (a map or
   a genesis object is one value); each is checked and put into dst. */
static int merge_object(json_t *dst, json_t *src, const char *path, char *err, size_t errlen)
{
    const char *name;
    json_t *v;
    json_object_foreach(src, name, v)
    {
        char key[128];
        snprintf(key, sizeof key, "%s%s", path, name);
        const zs_config_key_t *k = zs_config_key(key);
        if (k && k->when == ZS_CFG_FIRMWARE)
            return bad(err, errlen, "configuration key %s is the firmware's: set it with zkseqctl config set while "
                                    "the firmware is up, or on its console", key);
        if (k) {
            int rc = check_value(k, v, err, errlen);
            if (rc) return rc;
            put(dst, key, json_incref(v));
            continue;
        }
        json_t *section = lookup(dst, key);
        if (!json_is_object(section)) return bad(err, errlen, "unknown configuration key %s", key);
        if (!json_is_object(v)) return bad(err, errlen, "configuration key %s: want an object of its keys", key);
        char sub[130];
        snprintf(sub, sizeof sub, "%s.", key);
        int rc = merge_object(dst, v, sub, err, errlen);
        if (rc) return rc;
    }
    return ZS_OK;
}

int zs_config_merge_file(zs_config_t *c, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *f = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!f || !json_is_object(f)) {
        int rc = bad(err, errlen, "%s: %s (line %d)", path, f ? "want a JSON object" : je.text, f ? 1 : je.line);
        json_decref(f);
        return rc;
    }
    pthread_mutex_lock(&c->mu);
    json_t *copy = json_deep_copy(c->root);
    int rc = take_copy(c, copy, copy ? merge_object(copy, f, "", err, errlen) : ZS_ERR_NOMEM, err, errlen);
    pthread_mutex_unlock(&c->mu);
    json_decref(f);
    return rc;
}

/* text as a JSON value of k's type, or NULL with a sentence. */
static json_t *parse_text(const zs_config_key_t *k, const char *text, char *err, size_t errlen)
{
    switch (k->type) {
    case ZS_CFG_UINT:
    case ZS_CFG_POLICY: {
        char *end;
        errno = 0;
        unsigned long long v = text && *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
        if (!text || *text < '0' || *text > '9' || errno || *end || v > INT64_MAX) {
            bad(err, errlen, "%s: want a whole number, not '%s'", k->key, text ? text : "");
            return NULL;
        }
        return json_integer((json_int_t)v);
    }
    case ZS_CFG_BOOL:
        if (text && !strcmp(text, "true")) return json_true();
        if (text && !strcmp(text, "false")) return json_false();
        bad(err, errlen, "%s: want true or false", k->key);
        return NULL;
    case ZS_CFG_ADDRESS:
    case ZS_CFG_GENESIS:
        if (text && !strcmp(text, "null")) return json_null();
        return json_string(text ? text : "");
    case ZS_CFG_MAP: {
        json_t *v = json_loads(text ? text : "", 0, NULL);
        if (!v) bad(err, errlen, "%s: want a JSON object", k->key);
        return v;
    }
    default: return json_string(text ? text : "");
    }
}

int zs_config_set(zs_config_t *c, const char *key, const char *text, char *err, size_t errlen)
{
    const zs_config_key_t *k = zs_config_key(key);
    if (!k) {
        bad(err, errlen, "unknown configuration key '%s'", key);
        return ZS_ERR_NOTFOUND;
    }
    json_t *v = parse_text(k, text, err, errlen);
    if (!v) return ZS_ERR_INVAL;
    int rc = check_value(k, v, err, errlen);
    pthread_mutex_lock(&c->mu);
    json_t *copy = rc ? NULL : json_deep_copy(c->root);
    if (!rc && !copy) rc = ZS_ERR_NOMEM;
    if (!rc) put(copy, key, json_incref(v));
    rc = take_copy(c, copy, rc, err, errlen);
    pthread_mutex_unlock(&c->mu);
    json_decref(v);
    return rc;
}

/* ---- Reading. */

static json_t *must(zs_config_t *c, const char *key, zs_config_type_t t1, zs_config_type_t t2)
{
    const zs_config_key_t *k = zs_config_key(key);
    if (!k || (k->type != t1 && k->type != t2)) abort(); /* a key or type the schema does not have */
    return lookup(c->root, key);
}

uint64_t zs_config_uint(zs_config_t *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    uint64_t v = (uint64_t)json_integer_value(must(c, key, ZS_CFG_UINT, ZS_CFG_POLICY));
    pthread_mutex_unlock(&c->mu);
    return v;
}

int zs_config_bool(zs_config_t *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    int v = json_is_true(must(c, key, ZS_CFG_BOOL, ZS_CFG_BOOL));
    pthread_mutex_unlock(&c->mu);
    return v;
}

const char *zs_config_str(zs_config_t *c, const char *key)
{
    const zs_config_key_t *k = zs_config_key(key);
    if (!k || k->type == ZS_CFG_UINT || k->type == ZS_CFG_POLICY || k->type == ZS_CFG_BOOL || k->type == ZS_CFG_MAP)
        abort();
    pthread_mutex_lock(&c->mu);
    const char *s = json_string_value(lookup(c->root, key));
    pthread_mutex_unlock(&c->mu);
    return s;
}

static void redact(json_t *root)
{
    for (size_t i = 0; i < zs_config_nkeys; i++) {
        const zs_config_key_t *k = &zs_config_keys[i];
        json_t *v = k->secret ? lookup(root, k->key) : NULL;
        const char *id;
        json_t *kv;
        if (json_is_string(v) && json_string_length(v)) put(root, k->key, json_string("(secret)")); /* v is freed */
        else if (json_is_object(v)) json_object_foreach(v, id, kv) json_object_set_new(v, id, json_string("(secret)"));
    }
}

json_t *zs_config_json(zs_config_t *c, const char *key, int redacted)
{
    pthread_mutex_lock(&c->mu);
    json_t *copy = json_deep_copy(c->root);
    pthread_mutex_unlock(&c->mu);
    if (!copy) return NULL;
    if (redacted) redact(copy);
    json_t *r = copy;
    if (key) {
        json_t *v = lookup(copy, key);
        r = v ? json_pack("{s:O}", key, v) : NULL;
        json_decref(copy);
    }
    return r;
}

char *zs_config_text(zs_config_t *c, const char *key, int redacted)
{
    json_t *j = zs_config_json(c, key, redacted);
    char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

char *zs_config_doc(void)
{
    static const char *const types[] = {"integer", "boolean", "string", "one of", "integer", "number (string)",
                                        "address", "genesis", "object"};
    static const char *const when[] = {"restart", "live", "firmware"};
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    n += (size_t)snprintf(out + n, cap - n,
                          "| key | type | default | bounds | changes | what |\n| --- | --- | --- | --- | --- | --- |\n");
    zs_batch_policy_t p;
    zs_batch_policy_defaults(&p);
    for (size_t i = 0; i < zs_config_nkeys && n < cap; i++) {
        const zs_config_key_t *k = &zs_config_keys[i];
        char bounds[160] = "", def[64];
        if (k->type == ZS_CFG_UINT) snprintf(bounds, sizeof bounds, "%llu..%llu", (unsigned long long)k->min, (unsigned long long)k->max);
        if (k->type == ZS_CFG_CHOICE) snprintf(bounds, sizeof bounds, "%s", k->choices);
        if (k->type == ZS_CFG_POLICY) {
            const zs_batch_policy_key_t *pk = policy_key(k);
            snprintf(bounds, sizeof bounds, "%llu..%llu (lib/policy)", (unsigned long long)pk->min, (unsigned long long)pk->max);
            snprintf(def, sizeof def, "%llu", (unsigned long long)zs_batch_policy_get(&p, pk));
        } else {
            snprintf(def, sizeof def, "%s", k->def);
        }
        n += (size_t)snprintf(out + n, cap - n, "| `%s` | %s | `%s` | %s | %s | %s |\n", k->key, types[k->type], def,
                              bounds, when[k->when], k->doc);
    }
    return out;
}
