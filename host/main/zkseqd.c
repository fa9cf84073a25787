/* zkseqd: the sequencer daemon.  Reads its configuration (the schema's
   defaults, host/config; then a configuration file; then flags), opens the
   card and the node, starts the ingress paths, the firmware link and the
   management port, and serves until SIGTERM or SIGINT.  Exit status: 0, 1
   when a part does not start, 2 for a configuration error (or a card asked
   for that is not there). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/config/zs_config.h"
#include "host/main/zkseqd.h"
#include "host/fwlink/zs_fwlink.h"
#include "host/replica/zs_replica.h"
#include "host/stream/zs_dsfile.h"
#include "host/stream/zs_dsserver.h"
#include "host/stream/zs_dswriter.h"
#include "host/ingress/dpdk/zs_dpdk.h"
#include "host/ingress/rpc/zs_rpc.h"
#include "host/ingress/udp/zs_udp.h"
#include "host/l1sync/zs_l1sync.h"
#include "host/log/zs_log.h"
#include "host/mgmt/zs_mgmt.h"
#include "host/node/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

#define VERSION "0.1.0"

#define DEV_BALANCE "10000000000000000000000" /* 10000 ETH */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zkseqd [--config FILE] [--dev] [--datadir DIR] [--rpc-host ADDR] [--rpc-port N]\n"
            "              [--chain-id N] [--block-time-ms N] [--print-config] [--config-doc] [--version]\n"
            "\n"
            "  --config FILE     JSON configuration (keys and defaults: host/config/CONFIG.md)\n"
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
            "                    (a model of the card, in test builds) or xrt; xrt without a card exits 2\n"
            "  --card-xclbin FILE the card's xclbin (make -C fpga xclbin) for xrt\n"
            "  --fw-mbox FILE    the firmware's mailbox (zkseq-fw's DIR/mbox): the firmware then owns the\n"
            "                    batch policy and posts sealed batches to L1\n"
            "  --mgmt-port N     management port for zkseqctl (8126; 0 picks a free one)\n"
            "  --metrics-port N  Prometheus metrics port (9091; 0 picks a free one)\n"
            "  --stream-port N   Polygon's data stream (6900; 0 picks a free one)\n"
            "  --replica         a read replica: follows the sequencer's data stream (--stream HOST:PORT),\n"
            "                    re-executes and checks every block, serves reads, and forwards\n"
            "                    transactions to the sequencer's JSON-RPC (--sequencer-rpc URL)\n"
            "  --l1-rpc URL      follow L1 at URL (read-only JSON-RPC): its L1 info tree, virtual,\n"
            "                    verified and forced batches; with --l1-rollup ADDR (the rollup contract)\n"
            "                    and --l1-start-block N (its deployment block)\n"
            "  --log-file FILE   log to FILE (SIGHUP reopens it) instead of stderr\n"
            "  --log-format F    kv (key=value, the default) or json\n"
            "  --log-level L     debug, info (the default), warn or error\n"
            "  --print-config    print the effective configuration as JSON and exit\n"
            "  --config-doc      print every configuration key (a Markdown table) and exit\n");
}

/* ---- The development chain. */

static char *dev_genesis_text(void)
{
    json_t *list = json_array();
    for (int i = 0; i < 10; i++) {
        uint8_t key[32], addr[20];
        char hex[43];
        if (zs_hex_decode_exact(key, 32, zs_dev_keys[i]) || zs_key_to_address(key, addr)) continue;
        zs_hex_encode_0x(hex, addr, 20);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "address", hex, "balance", DEV_BALANCE, "nonce", "0"));
    }
    json_t *g = json_pack("{s:o}", "addresses", list);
    char *text = json_dumps(g, JSON_COMPACT);
    json_decref(g);
    return text;
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

/* ---- From the configuration to each part's settings. */

typedef struct {
    zs_node_cfg_t node;
    zs_genesis_t *genesis;
    zs_rpc_cfg_t rpc;
    zs_udp_cfg_t udp;
    int udp_enabled;
    zs_dpdk_cfg_t dpdk;
    int dpdk_enabled;
    zs_udp_key_t *keys;
    const char *fw_mbox;   /* NULL: no firmware */
    int stream_enabled;    /* the data stream server */
    zs_dsserver_opts_t stream;
    char stream_file[512];
    zs_l1sync_cfg_t l1;    /* l1.url "": L1 not followed */
    int replica;           /* replica.enabled: follow a sequencer's stream */
    zs_replica_cfg_t repl;
    zs_accel_opts_t card;
    zs_mgmt_cfg_t mgmt;
    char token[256];
    const char *log_file;
    zs_log_format_t log_format;
    zs_log_level_t log_level;
} parts_t;

static int config_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int config_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ZS_ERR_INVAL;
}

/* The genesis the configuration names: a path, the object, or (--dev) the
   development one; none is fine for a database that exists. */
static int read_genesis(zs_config_t *c, int dev, parts_t *p, char *err, size_t errlen)
{
    json_t *g = zs_config_json(c, "genesis", 0);
    json_t *v = json_object_get(g, "genesis");
    char *text = NULL;
    if (json_is_string(v)) p->genesis = zs_genesis_load(json_string_value(v), err, errlen);
    else if (json_is_object(v)) text = json_dumps(v, JSON_COMPACT);
    else if (dev) text = dev_genesis_text();
    int want = json_is_string(v) || text;
    if (text) p->genesis = zs_genesis_parse(text, strlen(text), err, errlen);
    free(text);
    json_decref(g);
    p->node.genesis = p->genesis;
    return want && !p->genesis ? ZS_ERR_INVAL : ZS_OK;
}

static int read_node(zs_config_t *c, int dev, parts_t *p, char *err, size_t errlen)
{
    zs_node_cfg_t *n = &p->node;
    n->datadir = zs_config_str(c, "datadir");
    if (!*n->datadir) return config_error(err, errlen, "configuration datadir: want a directory");
    n->chain_id = zs_config_uint(c, "chain_id");
    const char *cb = zs_config_str(c, "coinbase");
    if (!cb && dev) dev_coinbase(n->coinbase);
    else if (!cb || zs_hex_decode_exact(n->coinbase, 20, cb))
        return config_error(err, errlen, "configuration coinbase: want the 0x-address that receives L2 fees");
    if (zs_u256_parse(&n->min_gas_price, zs_config_str(c, "min_gas_price"))) return ZS_ERR_INVAL;
    n->block_time_ms = (uint32_t)zs_config_uint(c, "sequencer.block_time_ms");
    n->max_block_txs = (uint32_t)zs_config_uint(c, "sequencer.max_block_txs");
    n->block_linger_ms = (uint32_t)zs_config_uint(c, "sequencer.block_linger_ms");
    n->order = !strcmp(zs_config_str(c, "sequencer.order"), "fee") ? ZS_POOL_ORDER_FEE : ZS_POOL_ORDER_FCFS;
    zs_batch_policy_defaults(&n->batch);
    n->batch.max_bytes = zs_config_uint(c, "batch.max_bytes");
    n->batch.max_txs = zs_config_uint(c, "batch.max_txs");
    n->batch.max_gas = zs_config_uint(c, "batch.max_gas");
    n->batch.max_age_ms = (uint32_t)zs_config_uint(c, "batch.max_age_ms");
    n->pool_max_txs = zs_config_uint(c, "pool.max_txs");
    n->pool_max_per_sender = zs_config_uint(c, "pool.max_per_sender");
    n->pool_log_mb = zs_config_uint(c, "pool.log_mb");
    n->pool_log_file = zs_config_str(c, "pool.log_file");
    n->nonce_gap = zs_config_uint(c, "pool.nonce_gap");
    n->price_bump = (unsigned)zs_config_uint(c, "pool.price_bump_percent");
    n->keep_versions = zs_config_uint(c, "state.keep_versions");
    n->cache_mb = zs_config_uint(c, "state.cache_mb");
    n->prefetch_pages = zs_config_uint(c, "state.prefetch_pages");
    n->state_memory_mb = zs_config_uint(c, "state.memory_mb");
    n->typed_txs = zs_config_bool(c, "extensions.typed_transactions");
    const char *mbox = zs_config_str(c, "firmware.mbox");
    p->fw_mbox = *mbox ? mbox : NULL;
    p->stream_enabled = zs_config_bool(c, "stream.enabled");
    p->stream = (zs_dsserver_opts_t){.host = zs_config_str(c, "stream.host"),
                                     .port = (uint16_t)zs_config_uint(c, "stream.port"),
                                     .write_timeout_ms = (int)zs_config_uint(c, "stream.write_timeout_ms"),
                                     .max_clients = (unsigned)zs_config_uint(c, "stream.max_clients")};
    const char *sf = zs_config_str(c, "stream.file");
    if (*sf) snprintf(p->stream_file, sizeof p->stream_file, "%s", sf);
    else snprintf(p->stream_file, sizeof p->stream_file, "%s/datastream.bin", n->datadir);
    return read_genesis(c, dev, p, err, errlen);
}

/* The L1 follower: a URL and the rollup's address, or neither. */
static int read_l1(zs_config_t *c, parts_t *p, char *err, size_t errlen)
{
    zs_l1sync_cfg_t *l = &p->l1;
    l->url = zs_config_str(c, "l1.rpc_url");
    const char *rollup = zs_config_str(c, "l1.rollup");
    if (*l->url && strncmp(l->url, "http://", 7) && strncmp(l->url, "https://", 8))
        return config_error(err, errlen, "configuration l1.rpc_url: want an http:// or https:// URL");
    if (*l->url && (!rollup || zs_hex_decode_exact(l->rollup, 20, rollup)))
        return config_error(err, errlen, "configuration l1.rollup: following L1 needs the rollup contract's address");
    l->start_block = zs_config_uint(c, "l1.start_block");
    l->poll_ms = (uint32_t)zs_config_uint(c, "l1.poll_ms");
    l->timeout_ms = (uint32_t)zs_config_uint(c, "l1.timeout_ms");
    l->info_confirmations = (uint32_t)zs_config_uint(c, "l1.info_confirmations");
    l->max_range = (uint32_t)zs_config_uint(c, "l1.max_range");
    return ZS_OK;
}

/* The exchange clients' keys (already checked by the schema). */
static int read_keys(zs_config_t *c, parts_t *p)
{
    json_t *kj = zs_config_json(c, "udp.keys", 0);
    json_t *keys = json_object_get(kj, "udp.keys");
    p->keys = calloc(json_object_size(keys) + 1, sizeof *p->keys);
    if (!p->keys) {
        json_decref(kj);
        return ZS_ERR_NOMEM;
    }
    const char *id;
    json_t *kv;
    json_object_foreach(keys, id, kv)
    {
        zs_udp_key_t *k = &p->keys[p->udp.nkeys++];
        k->client = strtoull(id, NULL, 10);
        if (zs_hex_decode(k->key, sizeof k->key, &k->keylen, json_string_value(kv), json_string_length(kv))) {
            json_decref(kj);
            return ZS_ERR_INVAL;
        }
    }
    json_decref(kj);
    p->udp.keys = p->dpdk.keys = p->keys;
    p->dpdk.nkeys = p->udp.nkeys;
    return ZS_OK;
}

static int read_ingress(zs_config_t *c, parts_t *p)
{
    p->rpc.host = zs_config_str(c, "rpc.host");
    p->rpc.port = (uint16_t)zs_config_uint(c, "rpc.port");
    p->rpc.max_body = zs_config_uint(c, "rpc.max_body_bytes");
    p->rpc.max_batch = zs_config_uint(c, "rpc.max_batch");
    p->rpc.max_conns = (unsigned)zs_config_uint(c, "rpc.max_connections");
    p->rpc.timeout_s = (unsigned)zs_config_uint(c, "rpc.idle_timeout_s");
    p->rpc.sync_timeout_ms = (unsigned)zs_config_uint(c, "rpc.sync_timeout_ms");
    p->rpc.max_log_blocks = (unsigned)zs_config_uint(c, "rpc.max_log_blocks");
    p->rpc.max_logs = (unsigned)zs_config_uint(c, "rpc.max_logs");
    p->rpc.max_filters = (unsigned)zs_config_uint(c, "rpc.max_filters");
    p->udp_enabled = zs_config_bool(c, "udp.enabled");
    p->udp.host = zs_config_str(c, "udp.host");
    p->udp.port = (uint16_t)zs_config_uint(c, "udp.port");
    p->udp.workers = (unsigned)zs_config_uint(c, "udp.workers");
    p->udp.queue = zs_config_uint(c, "udp.queue");
    p->udp.queue_max_ms = (unsigned)zs_config_uint(c, "udp.queue_max_ms");
    p->dpdk_enabled = zs_config_bool(c, "dpdk.enabled");
    p->dpdk.eal = zs_config_str(c, "dpdk.eal");
    p->dpdk.ip = zs_config_str(c, "dpdk.ip");
    p->dpdk.port = (uint16_t)zs_config_uint(c, "dpdk.port");
    p->dpdk.workers = (unsigned)zs_config_uint(c, "dpdk.workers");
    return read_keys(c, p);
}

static void read_card(zs_config_t *c, zs_accel_opts_t *a)
{
    memset(a, 0, sizeof *a);
    a->backend = zs_config_str(c, "card.backend");
    a->card.xrt.xclbin = zs_config_str(c, "card.xclbin");
    a->card.xrt.device = (unsigned)zs_config_uint(c, "card.device");
    a->min_poseidon = (uint32_t)zs_config_uint(c, "card.min_poseidon");
    a->min_keccak = (uint32_t)zs_config_uint(c, "card.min_keccak");
    a->verify_every = (uint32_t)zs_config_uint(c, "card.verify_every");
    a->timeout_ms = (int)zs_config_uint(c, "card.timeout_ms");
    a->max_failures = (uint32_t)zs_config_uint(c, "card.max_failures");
    a->coalesce_us = (uint32_t)zs_config_uint(c, "card.coalesce_us");
    a->card.workers = (unsigned)zs_config_uint(c, "card.sim.workers");
    a->card.sim.pcie_gbps = (double)zs_config_uint(c, "card.sim.pcie_mbps") / 1000;
    uint64_t lat = zs_config_uint(c, "card.sim.pcie_latency_ns");
    a->card.sim.pcie_us = lat ? (double)lat / 1000 : -1;
    a->card.sim.fail_every = (uint32_t)zs_config_uint(c, "card.sim.fail_every");
    a->card.sim.hang_every = (uint32_t)zs_config_uint(c, "card.sim.hang_every");
    a->card.sim.corrupt_every = (uint32_t)zs_config_uint(c, "card.sim.corrupt_every");
    a->card.sim.wrong_every = (uint32_t)zs_config_uint(c, "card.sim.wrong_every");
}

/* The management ports and the log. */
static int read_mgmt(zs_config_t *c, parts_t *p, char *err, size_t errlen)
{
    zs_mgmt_cfg_t *g = &p->mgmt;
    g->enabled = zs_config_bool(c, "mgmt.enabled");
    g->metrics_enabled = zs_config_bool(c, "mgmt.metrics_enabled");
    g->host = zs_config_str(c, "mgmt.host");
    g->metrics_host = zs_config_str(c, "mgmt.metrics_host");
    g->tls_cert = zs_config_str(c, "mgmt.tls_cert");
    g->tls_key = zs_config_str(c, "mgmt.tls_key");
    g->port = (uint16_t)zs_config_uint(c, "mgmt.port");
    g->metrics_port = (uint16_t)zs_config_uint(c, "mgmt.metrics_port");
    snprintf(p->token, sizeof p->token, "%s", zs_config_str(c, "mgmt.token"));
    const char *token_file = zs_config_str(c, "mgmt.token_file");
    if (*token_file) {
        FILE *f = fopen(token_file, "r");
        int ok = f && fgets(p->token, sizeof p->token, f);
        if (f) fclose(f);
        if (!ok) return config_error(err, errlen, "configuration mgmt.token_file: cannot read %s", token_file);
        p->token[strcspn(p->token, "\r\n")] = 0;
    }
    if (p->token[0] && strlen(p->token) < 16)
        return config_error(err, errlen, "configuration mgmt.token: use at least 16 characters");
    g->token = p->token;
    p->log_file = zs_config_str(c, "log.file");
    if (zs_log_parse_format(zs_config_str(c, "log.format"), &p->log_format) ||
        zs_log_parse_level(zs_config_str(c, "log.level"), &p->log_level))
        return ZS_ERR_INVAL;
    return ZS_OK;
}

/* A read replica: the sequencer's stream to follow, where transactions go;
   no ingress or firmware of its own. */
static int read_replica(zs_config_t *c, parts_t *p, char *err, size_t errlen)
{
    p->replica = zs_config_bool(c, "replica.enabled");
    p->repl = (zs_replica_cfg_t){.stream = zs_config_str(c, "replica.stream"),
                                 .sequencer_rpc = zs_config_str(c, "replica.sequencer_rpc"),
                                 .chain_id = p->node.chain_id, .timeout_ms = 10000};
    if (!p->replica) return ZS_OK;
    if (!*p->repl.stream)
        return config_error(err, errlen, "configuration replica.stream: a replica follows the sequencer's data "
                                         "stream: want its HOST:PORT");
    const char *u = p->repl.sequencer_rpc;
    if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
        return config_error(err, errlen, "configuration replica.sequencer_rpc: a replica needs the sequencer's "
                                         "JSON-RPC (http:// or https://): its block 0, and where transactions go");
    if (p->fw_mbox)
        return config_error(err, errlen, "configuration firmware.mbox: a replica has no firmware (the sequencer's "
                                         "posts to L1)");
    p->udp_enabled = p->dpdk_enabled = 0;
    p->rpc.read_only = 1;
    p->rpc.forward = zs_replica_forward;
    p->rpc.forward_ctx = (void *)u;
    return ZS_OK;
}

static int read_parts(zs_config_t *c, int dev, parts_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    int rc = read_node(c, dev, p, err, errlen);
    if (!rc && (rc = read_ingress(c, p))) config_error(err, errlen, "configuration udp.keys: out of memory");
    if (!rc) read_card(c, &p->card);
    if (!rc) rc = read_l1(c, p, err, errlen);
    if (!rc) rc = read_mgmt(c, p, err, errlen);
    if (!rc) rc = read_replica(c, p, err, errlen);
    return rc;
}

static void free_parts(parts_t *p)
{
    zs_genesis_free(p->genesis);
    free(p->keys);
}

/* ---- Running. */

static void card_alarm(void *ctx, const char *message)
{
    (void)ctx;
    zs_log(ZS_LOG_ERROR, "card", "ALARM card: %s", message);
}

/* What a running zkseqd is made of. */
typedef struct {
    zs_accel_t *accel;
    zs_node_t *node;
    zs_rpc_t *rpc;
    zs_udp_t *udp;
    zs_dpdk_t *dpdk;
    zs_fwlink_t *fw;
    zs_l1sync_t *l1;
    zs_dsfile_t *ds_file;
    zs_dswriter_t *ds_writer;
    zs_dsserver_t *ds_server;
    zs_replay_t *replay;
    zs_replica_t *replica;
    zs_mgmt_t *mgmt;
} running_t;

/* One write, so a reader that saw the JSON-RPC line saw them all. */
static void log_started(const parts_t *p, const running_t *r)
{
    char cb[43];
    zs_hex_encode_0x(cb, p->node.coinbase, 20);
    zs_log(ZS_LOG_INFO, "main", "zkseqd %s: chain id %llu, head block %llu, coinbase %s, datadir %s", VERSION,
           (unsigned long long)p->node.chain_id, (unsigned long long)zs_node_head(r->node), cb, p->node.datadir);
    zs_accel_stats_t cs;
    zs_accel_stats(r->accel, &cs);
    zs_log(ZS_LOG_INFO, "main", "card %s (asked: %s): %s%s%s", cs.backend, cs.requested, cs.device,
           cs.note[0] ? "; " : "", cs.note);
    if (r->udp) zs_log(ZS_LOG_INFO, "main", "exchange frames on udp://%s:%u", p->udp.host, zs_udp_port(r->udp));
    if (r->dpdk) zs_log(ZS_LOG_INFO, "main", "exchange frames on dpdk://%s:%u", p->dpdk.ip, p->dpdk.port);
    if (r->fw) zs_log(ZS_LOG_INFO, "main", "firmware mailbox %s", p->fw_mbox);
    if (r->replica)
        zs_log(ZS_LOG_INFO, "main", "read replica of the sequencer's stream %s; transactions %s%s (UDP and DPDK "
               "ingress off)", p->repl.stream, "forwarded to ", p->repl.sequencer_rpc);
    if (r->ds_server)
        zs_log(ZS_LOG_INFO, "main", "data stream on tcp://%s:%u (%s)", p->stream.host, zs_dsserver_port(r->ds_server),
               p->stream_file);
    if (r->fw && !r->l1)
        zs_log(ZS_LOG_WARN, "main",
               "L1 not followed (l1.rpc_url is empty): forced batches are not taken, blocks reference no L1 info "
               "leaf, and virtual batches come from the firmware alone; set l1.rpc_url and l1.rollup");
    if (r->l1) {
        char ro[43];
        zs_hex_encode_0x(ro, p->l1.rollup, 20);
        zs_log(ZS_LOG_INFO, "main", "following L1 at %s (rollup %s, from block %llu, leaves %u blocks deep)",
               p->l1.url, ro, (unsigned long long)p->l1.start_block, p->l1.info_confirmations);
    }
    if (p->node.typed_txs)
        zs_log(ZS_LOG_WARN, "main",
               "extension on: extensions.typed_transactions (EIP-2930/1559 transactions in batches; "
               "not Polygon fork 12: its prover and synchronizers refuse such batches)");
    if (r->mgmt && p->mgmt.enabled)
        zs_log(ZS_LOG_INFO, "main", "management on %s://%s:%u%s", p->mgmt.tls_cert[0] ? "tls" : "tcp", p->mgmt.host,
               zs_mgmt_port(r->mgmt), p->token[0] ? " (token required)" : "");
    if (r->mgmt && p->mgmt.metrics_enabled)
        zs_log(ZS_LOG_INFO, "main", "metrics on %s://%s:%u/metrics", p->mgmt.tls_cert[0] ? "https" : "http",
               p->mgmt.metrics_host, zs_mgmt_metrics_port(r->mgmt));
    /* Last: whoever waits for zkseqd to be ready (tests, supervisors)
       watches for this line, and every line above is out by then. */
    zs_log(ZS_LOG_INFO, "main", "JSON-RPC on http://%s:%u", p->rpc.host, zs_rpc_port(r->rpc));
}

/* Polygon's data stream: the file, its writer, its server. */
static int start_stream(parts_t *p, running_t *r, char *err, size_t errlen)
{
    char e[512];
    if (!(r->ds_file = zs_dsfile_open(p->stream_file, p->node.chain_id, e, sizeof e)) ||
        !(r->ds_writer = zs_dswriter_start(r->node, r->ds_file, p->node.chain_id, e, sizeof e)) ||
        !(r->ds_server = zs_dsserver_start(r->ds_file, &p->stream, e, sizeof e))) {
        snprintf(err, errlen, "data stream: %.480s", e);
        return 1;
    }
    return 0;
}

/* A replica's node: the queue its sequencer thread replays from, and the
   genesis time of the sequencer's block 0 (an empty database is created
   with it). */
static int start_replica_node(parts_t *p, running_t *r, uint8_t genesis_hash[32], char *err, size_t errlen)
{
    if (!(p->node.replay = r->replay = zs_replay_new(64))) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    char e[400];
    if (zs_replica_genesis(p->repl.sequencer_rpc, 30000, &p->node.genesis_timestamp, genesis_hash, e, sizeof e)) {
        snprintf(err, errlen, "replica: %s", e);
        return 1;
    }
    return 0;
}

/* The replica's block 0 is the sequencer's, or it cannot follow it. */
static int replica_genesis_check(running_t *r, const uint8_t want[32], char *err, size_t errlen)
{
    zs_block_t g;
    if (zs_chain_get_block(zs_node_store(r->node), 0, &g)) {
        snprintf(err, errlen, "replica: cannot read block 0");
        return 1;
    }
    int same = !memcmp(g.hash, want, 32);
    zs_block_clear(&g);
    if (!same)
        snprintf(err, errlen, "replica: block 0 is not the sequencer's: the replica needs the sequencer's chain id, "
                              "genesis and coinbase (and a datadir made for this sequencer)");
    return !same;
}

/* Starts every part: 0, or the exit status with the reason in err (what
   started is in r, for stop). */
static int start(parts_t *p, zs_config_t *cfg, running_t *r, char *err, size_t errlen)
{
    /* The card first: asked for and missing is a configuration error. */
    p->card.alarm = card_alarm;
    if (!(r->accel = zs_accel_open(&p->card, err, errlen))) return 2;
    p->node.accel = r->accel;
    uint8_t genesis_hash[32];
    if (p->replica && start_replica_node(p, r, genesis_hash, err, errlen)) return 1;
    char e[512];
    if (!(r->node = zs_node_open(&p->node, e, sizeof e))) {
        snprintf(err, errlen, "%s: %.400s", p->node.datadir, e);
        return 1;
    }
    if (p->replica && replica_genesis_check(r, genesis_hash, err, errlen)) return 1;
    if (!(r->rpc = zs_rpc_new(r->node, &p->rpc))) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    /* The frame ports first: a client that starts once JSON-RPC answers
       finds them taking frames (DPDK's EAL takes a second or two, and
       frames sent before its port is up are lost). */
    if (p->udp_enabled && !(r->udp = zs_udp_start(r->node, &p->udp, err, errlen))) return 1;
    if (p->dpdk_enabled && !(r->dpdk = zs_dpdk_start(r->node, &p->dpdk, err, errlen))) return 1;
    if (zs_rpc_listen(r->rpc, err, errlen)) return 1;
    if (p->fw_mbox && !(r->fw = zs_fwlink_start(r->node, p->fw_mbox, e, sizeof e))) {
        snprintf(err, errlen, "firmware mailbox: %.400s", e);
        return 1;
    }
    if (*p->l1.url) {
        if (!(r->l1 = zs_l1sync_new(&p->l1, zs_node_store(r->node), zs_node_l1view(r->node), err, errlen))) return 1;
        if (zs_l1sync_start(r->l1)) {
            snprintf(err, errlen, "L1 follower: cannot start its thread");
            return 1;
        }
    }
    if (p->stream_enabled && start_stream(p, r, err, errlen)) return 1;
    if (p->replica && !(r->replica = zs_replica_start(r->node, r->replay, &p->repl, err, errlen))) return 1;
    zs_mgmt_ctx_t mc = {.node = r->node, .rpc = r->rpc, .udp = r->udp, .dpdk = r->dpdk, .fw = r->fw,
                        .accel = r->accel, .stream = r->ds_server, .stream_writer = r->ds_writer, .replica = r->replica,
                        .config = cfg, .version = VERSION};
    if ((p->mgmt.enabled || p->mgmt.metrics_enabled) && !(r->mgmt = zs_mgmt_start(&p->mgmt, &mc, err, errlen)))
        return 2;
    log_started(p, r);
    return 0;
}

static void stop(running_t *r)
{
    zs_mgmt_stop(r->mgmt);
    zs_replica_stop(r->replica); /* before the node: it hands blocks to the node's sequencer thread */
    zs_dsserver_stop(r->ds_server);
    zs_dswriter_stop(r->ds_writer);
    zs_dsfile_close(r->ds_file);
    if (r->node) zs_node_stop(r->node); /* its block listeners are the ingress engines */
    zs_fwlink_stop(r->fw);
    zs_l1sync_free(r->l1);
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
    zs_replay_free(r->replay);
    zs_accel_close(r->accel);
}

/* Serves until SIGTERM or SIGINT; SIGHUP reopens the log. */
static void serve(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    for (;;) {
        sigwait(&set, &sig);
        if (sig != SIGHUP) break;
        int reopened = zs_log_reopen();
        zs_log(reopened ? ZS_LOG_ERROR : ZS_LOG_INFO, "main", "SIGHUP: log file %s",
               reopened ? "could not be reopened" : "reopened");
    }
    zs_log(ZS_LOG_INFO, "main", "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* ---- The command line. */

typedef struct {
    const char *config_file;
    int dev, print, doc;
    /* Flags that set configuration keys, applied after the file. */
    struct {
        const char *key, *value, *flag;
    } set[32];
    int nset;
} args_t;

/* 0, 1 to exit 0 (help, version), or 2 for a usage error. */
static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},        {"dev", no_argument, 0, 'd'},
        {"datadir", required_argument, 0, 'D'},       {"rpc-host", required_argument, 0, 'H'},
        {"rpc-port", required_argument, 0, 'p'},      {"chain-id", required_argument, 0, 'i'},
        {"block-time-ms", required_argument, 0, 'b'}, {"print-config", no_argument, 0, 'P'},
        {"config-doc", no_argument, 0, 'Q'},          {"udp-port", required_argument, 0, 'u'},
        {"dpdk", required_argument, 0, 'k'},          {"dpdk-ip", required_argument, 0, 'I'},
        {"fw-mbox", required_argument, 0, 'F'},       {"card", required_argument, 0, 'C'},
        {"card-xclbin", required_argument, 0, 'X'},   {"mgmt-port", required_argument, 0, 'M'},
        {"metrics-port", required_argument, 0, 'm'},  {"log-file", required_argument, 0, 'L'},
        {"log-format", required_argument, 0, 'f'},    {"log-level", required_argument, 0, 'l'},
        {"l1-rpc", required_argument, 0, 'r'},        {"l1-rollup", required_argument, 0, 'R'},
        {"l1-start-block", required_argument, 0, 's'}, {"stream-port", required_argument, 0, 'T'},
        {"replica", no_argument, 0, 'A'},             {"stream", required_argument, 0, 'S'},
        {"sequencer-rpc", required_argument, 0, 'U'},
        {"version", no_argument, 0, 'V'},             {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    /* Each flag and the key it sets. */
    static const char *const keys[][2] = {
        {"D", "datadir"},     {"H", "rpc.host"},     {"p", "rpc.port"},        {"i", "chain_id"},
        {"b", "sequencer.block_time_ms"},            {"u", "udp.port"},        {"k", "dpdk.eal"},
        {"I", "dpdk.ip"},     {"F", "firmware.mbox"}, {"C", "card.backend"},   {"X", "card.xclbin"},
        {"M", "mgmt.port"},   {"m", "mgmt.metrics_port"},                      {"L", "log.file"},
        {"f", "log.format"},  {"l", "log.level"},    {"r", "l1.rpc_url"},      {"R", "l1.rollup"},
        {"s", "l1.start_block"}, {"T", "stream.port"}, {"S", "replica.stream"}, {"U", "replica.sequencer_rpc"},
    };
    int o, index;
    while ((o = getopt_long(argc, argv, "", opts, &index)) != -1) {
        switch (o) {
        case 'c': a->config_file = optarg; continue;
        case 'd': a->dev = 1; continue;
        case 'P': a->print = 1; continue;
        case 'Q': a->doc = 1; continue;
        case 'V': printf("zkseqd %s\n", VERSION); return 1;
        case 'h': usage(stdout); return 1;
        case '?': usage(stderr); return 2;
        }
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (keys[k][0][0] == o && a->nset < 32) {
                a->set[a->nset].key = keys[k][1];
                a->set[a->nset].value = optarg;
                a->set[a->nset++].flag = opts[index].name;
            }
        if (o == 'A' && a->nset < 32) {
            a->set[a->nset].key = "replica.enabled";
            a->set[a->nset].value = "true";
            a->set[a->nset++].flag = "replica";
        }
        if (o == 'k' && a->nset < 32) {
            a->set[a->nset].key = "dpdk.enabled";
            a->set[a->nset].value = "true";
            a->set[a->nset++].flag = "dpdk";
        }
    }
    if (optind < argc) {
        fprintf(stderr, "zkseqd: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    return 0;
}

/* Defaults, then the file, then the flags: the configuration, or NULL
   with the reason said. */
static zs_config_t *configure(const args_t *a)
{
    char err[512];
    zs_config_t *c = zs_config_new();
    if (!c) {
        fprintf(stderr, "zkseqd: out of memory\n");
        return NULL;
    }
    if (a->config_file && zs_config_merge_file(c, a->config_file, err, sizeof err)) {
        fprintf(stderr, "zkseqd: %s: %s\n", a->config_file, err);
        zs_config_free(c);
        return NULL;
    }
    for (int i = 0; i < a->nset; i++)
        if (zs_config_set(c, a->set[i].key, a->set[i].value, err, sizeof err)) {
            fprintf(stderr, "zkseqd: --%s: %s\n", a->set[i].flag, err);
            zs_config_free(c);
            return NULL;
        }
    return c;
}

int zkseqd_main(int argc, char **argv)
{
    args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc == 1 ? 0 : 2;
    if (a.doc) {
        char *doc = zs_config_doc();
        fputs(doc ? doc : "", stdout);
        free(doc);
        return doc ? 0 : 1;
    }
    zs_config_t *cfg = configure(&a);
    if (!cfg) return 2;
    if (a.print) {
        char *text = zs_config_text(cfg, NULL, 0);
        printf("%s\n", text ? text : "");
        free(text);
        zs_config_free(cfg);
        return 0;
    }
    parts_t p;
    char err[512];
    if (read_parts(cfg, a.dev, &p, err, sizeof err) ||
        zs_log_open(p.log_file, p.log_format, p.log_level, err, sizeof err)) {
        fprintf(stderr, "zkseqd: %s\n", err);
        free_parts(&p);
        zs_config_free(cfg);
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
    rc = start(&p, cfg, &r, err, sizeof err);
    if (rc) {
        /* Said in the log, and on the terminal when the log is a file. */
        zs_log(ZS_LOG_ERROR, "main", "%s", err);
        if (p.log_file && *p.log_file) fprintf(stderr, "zkseqd: %s\n", err);
    } else {
        serve();
    }
    stop(&r);
    free_parts(&p);
    zs_config_free(cfg);
    zs_log_close();
    return rc;
}
