/* zkseqd: the sequencer daemon.  Reads its configuration (defaults below,
   documented in host/main/zkseqd.json, then a config file, then flags),
   opens the node and serves JSON-RPC until SIGTERM or SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/batch/zs_fwlink.h"
#include "host/log/zs_log.h"
#include "host/mgmt/zs_mgmt.h"
#include "host/ingress/rpc/zs_rpc.h"
#include "host/ingress/dpdk/zs_dpdk.h"
#include "host/ingress/udp/zs_udp.h"
#include "host/seq/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

#define VERSION "0.1.0"

#define DEV_BALANCE "10000000000000000000000" /* 10000 ETH */

static const char default_config[] =
    "{\"datadir\":\"zkseq-data\",\"chain_id\":1001,\"coinbase\":null,\"min_gas_price\":\"1000000000\","
    "\"genesis\":null,"
    "\"rpc\":{\"host\":\"127.0.0.1\",\"port\":8123,\"max_body_bytes\":5242880,\"max_batch\":1000,"
    "\"max_connections\":256,\"idle_timeout_s\":30,\"sync_timeout_ms\":10000},"
    "\"udp\":{\"enabled\":true,\"host\":\"127.0.0.1\",\"port\":8125,\"workers\":0,\"queue\":4096,\"keys\":{}},"
    "\"dpdk\":{\"enabled\":false,\"eal\":\"\",\"ip\":\"\",\"port\":8125,\"workers\":0},"
    "\"sequencer\":{\"block_time_ms\":100,\"max_block_txs\":2000,\"order\":\"fcfs\"},"
    "\"batch\":{\"max_bytes\":120000,\"max_txs\":0,\"max_gas\":0,\"max_age_ms\":3000},"
    "\"pool\":{\"max_txs\":100000,\"max_per_sender\":1024,\"nonce_gap\":64,\"price_bump_percent\":10},"
    "\"state\":{\"keep_versions\":256,\"cache_mb\":256},"
    "\"firmware\":{\"mbox\":\"\"},"
    "\"card\":{\"backend\":\"auto\",\"xclbin\":\"\",\"device\":0,\"min_poseidon\":2048,\"min_keccak\":32,"
    "\"verify_every\":64,\"timeout_ms\":1000,\"max_failures\":3,\"coalesce_us\":0,"
    "\"sim\":{\"workers\":2,\"pcie_mbps\":12000,\"pcie_latency_ns\":2000,\"fail_every\":0,\"hang_every\":0,"
    "\"corrupt_every\":0,\"wrong_every\":0}},"
    "\"mgmt\":{\"enabled\":true,\"host\":\"127.0.0.1\",\"port\":8126,\"metrics_enabled\":true,"
    "\"metrics_host\":\"127.0.0.1\",\"metrics_port\":9091,\"tls_cert\":\"\",\"tls_key\":\"\",\"token\":\"\","
    "\"token_file\":\"\"},"
    "\"log\":{\"file\":\"\",\"format\":\"kv\",\"level\":\"info\"}}";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zkseqd [--config FILE] [--dev] [--datadir DIR] [--rpc-host ADDR] [--rpc-port N]\n"
            "              [--chain-id N] [--block-time-ms N] [--print-config] [--version]\n"
            "\n"
            "  --config FILE     JSON configuration (keys and defaults: host/main/zkseqd.json)\n"
            "  --dev             development chain: the ten anvil/hardhat accounts funded with\n"
            "                    10000 ETH each, a development coinbase, chain id 1001\n"
            "  --datadir DIR     where the database lives (created if missing)\n"
            "  --rpc-host ADDR   JSON-RPC listen address (127.0.0.1)\n"
            "  --rpc-port N      JSON-RPC port (8123; 0 picks a free one)\n"
            "  --chain-id N      L2 chain id\n"
            "  --block-time-ms N longest an L2 block stays open\n"
            "  --udp-port N      exchange ingress UDP port (8125; 0 picks a free one)\n"
            "  --dpdk \"EAL ARGS\" also take frames on a DPDK port (e.g. \"--no-huge --no-pci -m 256\n"
            "                    --no-shconf -l 0 --vdev net_af_packet0,iface=veth0\"), at --dpdk-ip ADDR\n"
            "  --card BACKEND    the hashing card: auto (xrt where a card answers, else cpu), cpu, sim\n"
            "                    (a model of the card) or xrt; xrt without a card exits with status 2\n"
            "  --card-xclbin FILE the card's xclbin (make -C fpga xclbin) for xrt\n"
            "  --fw-mbox FILE    the firmware's mailbox (zkseq-fw's DIR/mbox): the firmware then owns the\n"
            "                    batch policy and posts sealed batches to L1\n"
            "  --mgmt-port N     management port for zkseqctl (8126; 0 picks a free one)\n"
            "  --metrics-port N  Prometheus metrics port (9091; 0 picks a free one)\n"
            "  --log-file FILE   log to FILE (SIGHUP reopens it) instead of stderr\n"
            "  --log-format F    kv (key=value, the default) or json\n"
            "  --log-level L     debug, info (the default), warn or error\n"
            "  --print-config    print the effective configuration as JSON and exit\n");
}

/* Merges src into dst key by key; a key dst does not know is an error,
   except inside objects that are empty by default (maps). */
static int merge(json_t *dst, json_t *src, const char *path, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v)
    {
        json_t *d = json_object_get(dst, k);
        if (!d && !json_object_get(dst, k)) {
            snprintf(err, errlen, "unknown configuration key %s%s", path, k);
            return -1;
        }
        if (json_is_object(d) && json_is_object(v) && !json_object_size(d)) {
            json_object_set(dst, k, v); /* empty by default: a map (udp.keys), any keys allowed */
        } else if (json_is_object(d) && json_is_object(v)) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s.", path, k);
            if (merge(d, v, sub, err, errlen)) return -1;
        } else if (json_is_object(d) != json_is_object(v)) {
            snprintf(err, errlen, "configuration key %s%s: wrong kind of value", path, k);
            return -1;
        } else {
            json_object_set(dst, k, v);
        }
    }
    return 0;
}

static int get_u64(json_t *cfg, const char *sect, const char *key, uint64_t max, uint64_t *out, char *err,
                   size_t errlen)
{
    json_t *o = sect ? json_object_get(cfg, sect) : cfg;
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        snprintf(err, errlen, "configuration %s%s%s: want an integer from 0 to %llu", sect ? sect : "",
                 sect ? "." : "", key, (unsigned long long)max);
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static json_t *dev_genesis(void)
{
    json_t *list = json_array();
    for (int i = 0; i < 10; i++) {
        uint8_t key[32], addr[20];
        char hex[43];
        if (zs_hex_decode_exact(key, 32, zs_dev_keys[i]) || zs_key_to_address(key, addr)) continue;
        zs_hex_encode_0x(hex, addr, 20);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "address", hex, "balance", DEV_BALANCE, "nonce", "0"));
    }
    return json_pack("{s:o}", "addresses", list);
}

static void dev_coinbase(uint8_t out[20])
{
    /* A key nobody else uses, derived from a fixed phrase, so fees collect
       at a known address. */
    static const char phrase[] = "zkseq dev coinbase";
    uint8_t key[32];
    zs_keccak256((const uint8_t *)phrase, sizeof phrase - 1, key);
    if (zs_key_to_address(key, out)) memset(out, 0, 20);
}

typedef struct {
    zs_node_cfg_t node;
    zs_rpc_cfg_t rpc;
    zs_udp_cfg_t udp;
    int udp_enabled;
    zs_dpdk_cfg_t dpdk;
    int dpdk_enabled;
    zs_udp_key_t *keys;
    char *datadir, *rpc_host, *udp_host;
    const char *fw_mbox; /* in the JSON tree: valid while it lives */
    zs_accel_opts_t card;  /* strings in the JSON tree */
    zs_mgmt_cfg_t mgmt;    /* strings in the JSON tree, but the token */
    char token[256];
    const char *log_file;
    zs_log_format_t log_format;
    zs_log_level_t log_level;
} config_t;

/* The "mgmt" and "log" sections. */
static int mgmt_config(json_t *j, config_t *c, char *err, size_t errlen)
{
    json_t *m = json_object_get(j, "mgmt"), *l = json_object_get(j, "log");
    zs_mgmt_cfg_t *g = &c->mgmt;
    g->enabled = json_is_true(json_object_get(m, "enabled"));
    g->metrics_enabled = json_is_true(json_object_get(m, "metrics_enabled"));
    g->host = json_string_value(json_object_get(m, "host"));
    g->metrics_host = json_string_value(json_object_get(m, "metrics_host"));
    g->tls_cert = json_string_value(json_object_get(m, "tls_cert"));
    g->tls_key = json_string_value(json_object_get(m, "tls_key"));
    const char *token = json_string_value(json_object_get(m, "token"));
    const char *token_file = json_string_value(json_object_get(m, "token_file"));
    if (!g->host || !g->metrics_host || !g->tls_cert || !g->tls_key || !token || !token_file ||
        !json_is_boolean(json_object_get(m, "enabled")) || !json_is_boolean(json_object_get(m, "metrics_enabled"))) {
        snprintf(err, errlen, "configuration mgmt: want enabled, metrics_enabled (booleans), host, metrics_host, tls_cert, "
                              "tls_key, token, token_file (strings)");
        return -1;
    }
    uint64_t v;
    if (get_u64(j, "mgmt", "port", 65535, &v, err, errlen)) return -1;
    g->port = (uint16_t)v;
    if (get_u64(j, "mgmt", "metrics_port", 65535, &v, err, errlen)) return -1;
    g->metrics_port = (uint16_t)v;
    snprintf(c->token, sizeof c->token, "%s", token);
    if (*token_file) {
        FILE *f = fopen(token_file, "r");
        if (!f || !fgets(c->token, sizeof c->token, f)) {
            snprintf(err, errlen, "configuration mgmt.token_file: cannot read %s", token_file);
            if (f) fclose(f);
            return -1;
        }
        fclose(f);
        c->token[strcspn(c->token, "\r\n")] = 0;
    }
    if (c->token[0] && strlen(c->token) < 16) {
        snprintf(err, errlen, "configuration mgmt.token: use at least 16 characters");
        return -1;
    }
    g->token = c->token;
    c->log_file = json_string_value(json_object_get(l, "file"));
    if (!c->log_file || zs_log_parse_format(json_string_value(json_object_get(l, "format")), &c->log_format) ||
        zs_log_parse_level(json_string_value(json_object_get(l, "level")), &c->log_level)) {
        snprintf(err, errlen, "configuration log: want file (a path or \"\"), format (kv or json), level (debug, "
                              "info, warn or error)");
        return -1;
    }
    return 0;
}

/* The "card" section: the backend and its options (host/accel). */
static int card_config(json_t *card, zs_accel_opts_t *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->backend = json_string_value(json_object_get(card, "backend"));
    a->card.xclbin = json_string_value(json_object_get(card, "xclbin"));
    static const char *const names[] = {"auto", "cpu", "sim", "xrt"};
    int known = 0;
    for (int i = 0; a->backend && i < 4; i++) known |= !strcmp(a->backend, names[i]);
    if (!known || !a->card.xclbin) {
        snprintf(err, errlen, "configuration card.backend: want \"auto\", \"cpu\", \"sim\" or \"xrt\"; card.xclbin a path");
        return -1;
    }
    uint64_t v;
    if (get_u64(card, NULL, "device", 64, &v, err, errlen)) goto bad;
    a->card.device = (unsigned)v;
    if (get_u64(card, NULL, "min_poseidon", 1u << 24, &v, err, errlen)) goto bad;
    a->min_poseidon = (uint32_t)v;
    if (get_u64(card, NULL, "min_keccak", 1u << 24, &v, err, errlen)) goto bad;
    a->min_keccak = (uint32_t)v;
    if (get_u64(card, NULL, "verify_every", 1u << 24, &v, err, errlen)) goto bad;
    a->verify_every = (uint32_t)v;
    if (get_u64(card, NULL, "timeout_ms", 600000, &v, err, errlen)) goto bad;
    a->timeout_ms = (int)v;
    if (get_u64(card, NULL, "max_failures", 1u << 20, &v, err, errlen)) goto bad;
    a->max_failures = (uint32_t)v;
    if (get_u64(card, NULL, "coalesce_us", 100000, &v, err, errlen)) goto bad;
    a->coalesce_us = (uint32_t)v;
    json_t *sim = json_object_get(card, "sim");
    if (get_u64(sim, NULL, "workers", 64, &v, err, errlen)) goto bad;
    a->card.workers = (unsigned)v;
    if (get_u64(sim, NULL, "pcie_mbps", 1u << 24, &v, err, errlen)) goto bad;
    a->card.pcie_gbps = (double)v / 1000;
    if (get_u64(sim, NULL, "pcie_latency_ns", 1u << 30, &v, err, errlen)) goto bad;
    a->card.pcie_us = v ? (double)v / 1000 : -1;
    uint32_t *faults[] = {&a->card.fail_every, &a->card.hang_every, &a->card.corrupt_every, &a->card.wrong_every};
    const char *fnames[] = {"fail_every", "hang_every", "corrupt_every", "wrong_every"};
    for (int i = 0; i < 4; i++) {
        if (get_u64(sim, NULL, fnames[i], UINT32_MAX, &v, err, errlen)) goto bad;
        *faults[i] = (uint32_t)v;
    }
    return 0;
bad:
    /* get_u64 named the key without its section. */
    {
        char inner[256];
        snprintf(inner, sizeof inner, "%.200s", err);
        snprintf(err, errlen, "card: %s", inner);
    }
    return -1;
}

static void card_alarm(void *ctx, const char *message)
{
    (void)ctx;
    zs_log(ZS_LOG_ERROR, "card", "ALARM card: %s", message);
}

static int build_config(json_t *j, int dev, config_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const char *dd = json_string_value(json_object_get(j, "datadir"));
    if (!dd || !*dd) {
        snprintf(err, errlen, "configuration datadir: want a directory");
        return -1;
    }
    c->datadir = strdup(dd);
    c->node.datadir = c->datadir;
    if (get_u64(j, NULL, "chain_id", UINT64_MAX / 2 - 36, &c->node.chain_id, err, errlen)) return -1;
    if (!c->node.chain_id) {
        snprintf(err, errlen, "configuration chain_id: must not be 0");
        return -1;
    }
    json_t *cb = json_object_get(j, "coinbase");
    if (json_is_null(cb) && dev) {
        dev_coinbase(c->node.coinbase);
    } else if (!json_is_string(cb) || strlen(json_string_value(cb)) != 42 ||
               zs_hex_decode_exact(c->node.coinbase, 20, json_string_value(cb))) {
        snprintf(err, errlen, "configuration coinbase: want the 0x-address that receives L2 fees");
        return -1;
    }
    const char *mgp = json_string_value(json_object_get(j, "min_gas_price"));
    if (!mgp || zs_u256_parse(&c->node.min_gas_price, mgp)) {
        snprintf(err, errlen, "configuration min_gas_price: want a decimal or 0x number in a string");
        return -1;
    }
    json_t *g = json_object_get(j, "genesis");
    if (json_is_string(g)) {
        json_error_t je;
        c->node.genesis = json_load_file(json_string_value(g), 0, &je);
        if (!c->node.genesis) {
            snprintf(err, errlen, "genesis %s: %s (line %d)", json_string_value(g), je.text, je.line);
            return -1;
        }
    } else if (json_is_object(g)) {
        c->node.genesis = json_incref(g);
    } else if (dev) {
        c->node.genesis = dev_genesis();
    }
    json_t *fwm = json_object_get(json_object_get(j, "firmware"), "mbox");
    if (!json_is_string(fwm)) {
        snprintf(err, errlen, "configuration firmware.mbox: want a path (\"\" for no firmware)");
        return -1;
    }
    c->fw_mbox = *json_string_value(fwm) ? json_string_value(fwm) : NULL;
    json_t *rpc = json_object_get(j, "rpc");
    const char *host = json_string_value(json_object_get(rpc, "host"));
    if (!host) {
        snprintf(err, errlen, "configuration rpc.host: want an IPv4 address");
        return -1;
    }
    c->rpc_host = strdup(host);
    c->rpc.host = c->rpc_host;
    uint64_t v;
    if (get_u64(j, "rpc", "port", 65535, &v, err, errlen)) return -1;
    c->rpc.port = (uint16_t)v;
    if (get_u64(j, "rpc", "max_body_bytes", 1u << 30, &v, err, errlen)) return -1;
    c->rpc.max_body = v;
    if (get_u64(j, "rpc", "max_batch", 100000, &v, err, errlen)) return -1;
    c->rpc.max_batch = v;
    if (get_u64(j, "rpc", "max_connections", 65536, &v, err, errlen)) return -1;
    c->rpc.max_conns = (unsigned)v;
    if (get_u64(j, "rpc", "idle_timeout_s", 3600, &v, err, errlen)) return -1;
    c->rpc.timeout_s = (unsigned)v;
    if (get_u64(j, "rpc", "sync_timeout_ms", 60000, &v, err, errlen)) return -1;
    c->rpc.sync_timeout_ms = (unsigned)v;
    json_t *udp = json_object_get(j, "udp");
    c->udp_enabled = json_is_true(json_object_get(udp, "enabled"));
    const char *uhost = json_string_value(json_object_get(udp, "host"));
    if (!uhost || !json_is_boolean(json_object_get(udp, "enabled"))) {
        snprintf(err, errlen, "configuration udp.host / udp.enabled: want an IPv4 address and a boolean");
        return -1;
    }
    c->udp_host = strdup(uhost);
    c->udp.host = c->udp_host;
    if (get_u64(j, "udp", "port", 65535, &v, err, errlen)) return -1;
    c->udp.port = (uint16_t)v;
    if (get_u64(j, "udp", "workers", 256, &v, err, errlen)) return -1;
    c->udp.workers = (unsigned)v;
    if (get_u64(j, "udp", "queue", 1u << 20, &v, err, errlen)) return -1;
    c->udp.queue = v;
    json_t *keys = json_object_get(udp, "keys");
    if (!json_is_object(keys)) {
        snprintf(err, errlen, "configuration udp.keys: want {\"client id\": \"hex key\"}");
        return -1;
    }
    c->keys = calloc(json_object_size(keys) + 1, sizeof *c->keys);
    const char *kid;
    json_t *kv;
    json_object_foreach(keys, kid, kv)
    {
        zs_udp_key_t *k = &c->keys[c->udp.nkeys];
        char *end;
        errno = 0;
        k->client = strtoull(kid, &end, 10);
        const char *hex = json_string_value(kv);
        if (errno || *end || !*kid || !hex || zs_hex_decode(k->key, sizeof k->key, &k->keylen, hex, strlen(hex)) ||
            k->keylen < 16) {
            snprintf(err, errlen, "configuration udp.keys.%s: want a decimal client id and a hex key of 16 to 64 bytes",
                     kid);
            return -1;
        }
        c->udp.nkeys++;
    }
    c->udp.keys = c->keys;
    json_t *dp = json_object_get(j, "dpdk");
    c->dpdk_enabled = json_is_true(json_object_get(dp, "enabled"));
    c->dpdk.eal = json_string_value(json_object_get(dp, "eal"));
    c->dpdk.ip = json_string_value(json_object_get(dp, "ip"));
    if (!json_is_boolean(json_object_get(dp, "enabled")) || !c->dpdk.eal || !c->dpdk.ip) {
        snprintf(err, errlen, "configuration dpdk: want enabled (boolean), eal and ip (strings)");
        return -1;
    }
    if (get_u64(j, "dpdk", "port", 65535, &v, err, errlen)) return -1;
    c->dpdk.port = (uint16_t)v;
    if (get_u64(j, "dpdk", "workers", 256, &v, err, errlen)) return -1;
    c->dpdk.workers = (unsigned)v;
    c->dpdk.keys = c->keys;
    c->dpdk.nkeys = c->udp.nkeys;
    if (get_u64(j, "sequencer", "block_time_ms", 60000, &v, err, errlen)) return -1;
    c->node.block_time_ms = (uint32_t)v;
    if (get_u64(j, "sequencer", "max_block_txs", 1u << 20, &v, err, errlen)) return -1;
    c->node.max_block_txs = (uint32_t)v;
    const char *order = json_string_value(json_object_get(json_object_get(j, "sequencer"), "order"));
    if (order && !strcmp(order, "fcfs"))
        c->node.order = ZS_POOL_ORDER_FCFS;
    else if (order && !strcmp(order, "fee"))
        c->node.order = ZS_POOL_ORDER_FEE;
    else {
        snprintf(err, errlen, "configuration sequencer.order: want \"fcfs\" or \"fee\"");
        return -1;
    }
    if (get_u64(j, "batch", "max_bytes", 1u << 30, &v, err, errlen)) return -1;
    c->node.batch.max_bytes = v;
    if (get_u64(j, "batch", "max_txs", 1u << 30, &v, err, errlen)) return -1;
    c->node.batch.max_txs = (uint32_t)v;
    if (get_u64(j, "batch", "max_gas", UINT64_MAX / 2, &v, err, errlen)) return -1;
    c->node.batch.max_gas = v;
    if (get_u64(j, "batch", "max_age_ms", 86400000, &v, err, errlen)) return -1;
    c->node.batch.max_age_ms = (uint32_t)v;
    if (get_u64(j, "pool", "max_txs", 1u << 24, &v, err, errlen)) return -1;
    c->node.pool_max_txs = v;
    if (get_u64(j, "pool", "max_per_sender", 1u << 20, &v, err, errlen)) return -1;
    c->node.pool_max_per_sender = v;
    if (get_u64(j, "pool", "nonce_gap", 1u << 20, &v, err, errlen)) return -1;
    c->node.nonce_gap = v;
    if (get_u64(j, "pool", "price_bump_percent", 1000, &v, err, errlen)) return -1;
    c->node.price_bump = (unsigned)v;
    if (get_u64(j, "state", "keep_versions", UINT32_MAX, &v, err, errlen)) return -1;
    c->node.keep_versions = v;
    if (get_u64(j, "state", "cache_mb", 1u << 20, &v, err, errlen)) return -1;
    c->node.cache_mb = v;
    if (card_config(json_object_get(j, "card"), &c->card, err, errlen)) return -1;
    return mgmt_config(j, c, err, errlen);
}

/* What a running zkseqd is made of. */
typedef struct {
    zs_accel_t *accel;
    zs_node_t *node;
    zs_rpc_t *rpc;
    zs_udp_t *udp;
    zs_dpdk_t *dpdk;
    zs_fwlink_t *fw;
    zs_mgmt_t *mgmt;
} running_t;

/* Starts every part: 0, or the exit status with the reason in err (what
   started is in r, for stop). */
static int start(config_t *c, json_t *cfg, running_t *r, char *err, size_t errlen)
{
    /* The card first: asked for and missing is a configuration error. */
    c->card.alarm = card_alarm;
    if (!(r->accel = zs_accel_open(&c->card, err, errlen))) return 2;
    c->node.accel = r->accel;
    char e[512];
    if (!(r->node = zs_node_open(&c->node, e, sizeof e))) {
        snprintf(err, errlen, "%s: %.400s", c->datadir, e);
        return 1;
    }
    r->rpc = zs_rpc_new(r->node, &c->rpc);
    if (!r->rpc) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    if (zs_rpc_listen(r->rpc, err, errlen)) return 1;
    if (c->udp_enabled && !(r->udp = zs_udp_start(r->node, &c->udp, err, errlen))) return 1;
    if (c->dpdk_enabled && !(r->dpdk = zs_dpdk_start(r->node, &c->dpdk, err, errlen))) return 1;
    if (c->fw_mbox && !(r->fw = zs_fwlink_start(r->node, c->fw_mbox, e, sizeof e))) {
        snprintf(err, errlen, "firmware mailbox: %.400s", e);
        return 1;
    }
    zs_mgmt_ctx_t mc = {.node = r->node, .rpc = r->rpc, .udp = r->udp, .dpdk = r->dpdk, .fw = r->fw,
                        .accel = r->accel, .config = cfg, .version = VERSION};
    if ((c->mgmt.enabled || c->mgmt.metrics_enabled) && !(r->mgmt = zs_mgmt_start(&c->mgmt, &mc, err, errlen))) return 2;
    char cb[43];
    zs_hex_encode_0x(cb, c->node.coinbase, 20);
    zs_log(ZS_LOG_INFO, "main", "zkseqd %s: chain id %llu, head block %llu, coinbase %s, datadir %s", VERSION,
           (unsigned long long)c->node.chain_id, (unsigned long long)zs_node_head(r->node), cb, c->datadir);
    zs_accel_stats_t cs;
    zs_accel_stats(r->accel, &cs);
    zs_log(ZS_LOG_INFO, "main", "card %s (asked: %s): %s%s%s", cs.backend, cs.requested, cs.device,
           cs.note[0] ? "; " : "", cs.note);
    if (r->udp) zs_log(ZS_LOG_INFO, "main", "exchange frames on udp://%s:%u", c->udp.host, zs_udp_port(r->udp));
    if (r->dpdk) zs_log(ZS_LOG_INFO, "main", "exchange frames on dpdk://%s:%u", c->dpdk.ip, c->dpdk.port);
    if (r->fw) zs_log(ZS_LOG_INFO, "main", "firmware mailbox %s", c->fw_mbox);
    if (r->mgmt && c->mgmt.enabled)
        zs_log(ZS_LOG_INFO, "main", "management on %s://%s:%u%s", c->mgmt.tls_cert[0] ? "tls" : "tcp", c->mgmt.host,
               zs_mgmt_port(r->mgmt), c->token[0] ? " (token required)" : "");
    if (r->mgmt && c->mgmt.metrics_enabled)
        zs_log(ZS_LOG_INFO, "main", "metrics on %s://%s:%u/metrics", c->mgmt.tls_cert[0] ? "https" : "http",
               c->mgmt.metrics_host, zs_mgmt_metrics_port(r->mgmt));
    /* Last: whoever waits for zkseqd to be ready (tests, supervisors)
       watches for this line, and every line above is out by then. */
    zs_log(ZS_LOG_INFO, "main", "JSON-RPC on http://%s:%u", c->rpc.host, zs_rpc_port(r->rpc));
    return 0;
}

static void stop(running_t *r)
{
    zs_mgmt_stop(r->mgmt);
    if (r->node) zs_node_stop(r->node); /* its block listeners are the ingress engines */
    zs_fwlink_stop(r->fw);
    zs_rpc_free(r->rpc);
    zs_udp_stop(r->udp);
    if (r->dpdk) {
        zs_ingress_stats_t fs;
        zs_dpdk_port_stats_t ps;
        zs_dpdk_stats(r->dpdk, &fs, &ps);
        zs_log(ZS_LOG_INFO, "main",
               "dpdk: %llu packets in, %llu ARP replies, %llu frames, %llu accepted, %llu refused, %llu answers out",
               (unsigned long long)ps.rx_packets, (unsigned long long)ps.arp_replies, (unsigned long long)fs.rx_frames,
               (unsigned long long)fs.txs_accepted, (unsigned long long)fs.txs_refused, (unsigned long long)ps.tx_packets);
        zs_dpdk_stop(r->dpdk);
    }
    if (r->node) {
        zs_node_stats_t st;
        zs_node_stats(r->node, &st);
        uint64_t head = zs_node_head(r->node);
        zs_node_close(r->node);
        zs_log(ZS_LOG_INFO, "main", "stopped cleanly at block %llu (%llu blocks, %llu transactions this run)",
               (unsigned long long)head, (unsigned long long)st.blocks, (unsigned long long)st.txs_included);
    }
    zs_accel_close(r->accel);
}

static void set_path(json_t *j, const char *sect, const char *key, json_t *v)
{
    json_object_set_new(sect ? json_object_get(j, sect) : j, key, v);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},     {"dev", no_argument, 0, 'd'},
        {"datadir", required_argument, 0, 'D'},    {"rpc-host", required_argument, 0, 'H'},
        {"rpc-port", required_argument, 0, 'p'},   {"chain-id", required_argument, 0, 'i'},
        {"block-time-ms", required_argument, 0, 'b'}, {"print-config", no_argument, 0, 'P'},
        {"udp-port", required_argument, 0, 'u'},  {"dpdk", required_argument, 0, 'k'},
        {"dpdk-ip", required_argument, 0, 'I'},    {"fw-mbox", required_argument, 0, 'F'},
        {"card", required_argument, 0, 'C'},       {"card-xclbin", required_argument, 0, 'X'},
        {"mgmt-port", required_argument, 0, 'M'},  {"metrics-port", required_argument, 0, 'm'},
        {"log-file", required_argument, 0, 'L'},   {"log-format", required_argument, 0, 'f'},
        {"log-level", required_argument, 0, 'l'},
        {"version", no_argument, 0, 'V'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    json_error_t je;
    json_t *cfg = json_loads(default_config, 0, &je);
    json_t *over = json_object();
    const char *config_file = NULL;
    int dev = 0, print = 0, o;
    char err[512];
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        unsigned long long n = 0;
        if (o == 'p' || o == 'i' || o == 'b' || o == 'u' || o == 'M' || o == 'm') {
            errno = 0;
            n = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg) {
                fprintf(stderr, "zkseqd: --%s wants a number, not %s\n",
                        o == 'p'   ? "rpc-port"
                        : o == 'u' ? "udp-port"
                        : o == 'M' ? "mgmt-port"
                        : o == 'm' ? "metrics-port"
                        : o == 'i' ? "chain-id"
                                   : "block-time-ms",
                        optarg);
                return 2;
            }
        }
        switch (o) {
        case 'c': config_file = optarg; break;
        case 'd': dev = 1; break;
        case 'D': set_path(over, NULL, "datadir", json_string(optarg)); break;
        case 'H': set_path(over, NULL, "rpc.host", json_string(optarg)); break;
        case 'p': set_path(over, NULL, "rpc.port", json_integer((json_int_t)n)); break;
        case 'i': set_path(over, NULL, "chain_id", json_integer((json_int_t)n)); break;
        case 'b': set_path(over, NULL, "sequencer.block_time_ms", json_integer((json_int_t)n)); break;
        case 'u': set_path(over, NULL, "udp.port", json_integer((json_int_t)n)); break;
        case 'k':
            set_path(over, NULL, "dpdk.eal", json_string(optarg));
            set_path(over, NULL, "dpdk.enabled", json_true());
            break;
        case 'I': set_path(over, NULL, "dpdk.ip", json_string(optarg)); break;
        case 'F': set_path(over, NULL, "firmware.mbox", json_string(optarg)); break;
        case 'C': set_path(over, NULL, "card.backend", json_string(optarg)); break;
        case 'X': set_path(over, NULL, "card.xclbin", json_string(optarg)); break;
        case 'M': set_path(over, NULL, "mgmt.port", json_integer((json_int_t)n)); break;
        case 'm': set_path(over, NULL, "mgmt.metrics_port", json_integer((json_int_t)n)); break;
        case 'L': set_path(over, NULL, "log.file", json_string(optarg)); break;
        case 'f': set_path(over, NULL, "log.format", json_string(optarg)); break;
        case 'l': set_path(over, NULL, "log.level", json_string(optarg)); break;
        case 'P': print = 1; break;
        case 'V': printf("zkseqd %s\n", VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "zkseqd: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (config_file) {
        json_t *f = json_load_file(config_file, JSON_REJECT_DUPLICATES, &je);
        if (!f || !json_is_object(f)) {
            fprintf(stderr, "zkseqd: %s: %s (line %d)\n", config_file, f ? "want a JSON object" : je.text, je.line);
            return 2;
        }
        if (merge(cfg, f, "", err, sizeof err)) {
            fprintf(stderr, "zkseqd: %s: %s\n", config_file, err);
            return 2;
        }
        json_decref(f);
    }
    /* Flags last: dotted keys name nested ones. */
    const char *k;
    json_t *v;
    json_object_foreach(over, k, v)
    {
        const char *dot = strchr(k, '.');
        if (dot) {
            char sect[32];
            snprintf(sect, sizeof sect, "%.*s", (int)(dot - k), k);
            json_object_set(json_object_get(cfg, sect), dot + 1, v);
        } else {
            json_object_set(cfg, k, v);
        }
    }
    json_decref(over);
    if (print) {
        json_dumpf(cfg, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(cfg);
        return 0;
    }
    config_t c;
    if (build_config(cfg, dev, &c, err, sizeof err)) {
        fprintf(stderr, "zkseqd: %s\n", err);
        return 2;
    }
    if (zs_log_open(c.log_file, c.log_format, c.log_level, err, sizeof err)) {
        fprintf(stderr, "zkseqd: %s\n", err);
        return 2;
    }
    /* Signals are taken by sigwait on this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    running_t r = {0};
    int rc = start(&c, cfg, &r, err, sizeof err);
    if (rc) {
        /* Said in the log, and on the terminal when the log is a file. */
        zs_log(ZS_LOG_ERROR, "main", "%s", err);
        if (c.log_file && *c.log_file) fprintf(stderr, "zkseqd: %s\n", err);
        stop(&r);
        return rc;
    }
    int sig = 0;
    for (;;) {
        sigwait(&set, &sig);
        if (sig != SIGHUP) break;
        int reopened = zs_log_reopen();
        zs_log(reopened ? ZS_LOG_ERROR : ZS_LOG_INFO, "main", "SIGHUP: log file %s", reopened ? "could not be reopened" : "reopened");
    }
    zs_log(ZS_LOG_INFO, "main", "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    stop(&r);
    json_decref(c.node.genesis);
    json_decref(cfg);
    free(c.datadir);
    free(c.rpc_host);
    free(c.udp_host);
    free(c.keys);
    zs_log_close();
    return 0;
}
