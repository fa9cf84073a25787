/* The management commands (zs_mgmt_cmd.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/config/zs_config.h"
#include "host/log/zs_log.h"
#include "host/mgmt/zs_mgmt_cmd.h"
#include "lib/base/zs_hex.h"
#include "lib/frame/zs_frame.h"
#include "lib/base/zs_time.h"
#include "lib/tx/zs_addr.h"

typedef struct {
    const char **code;
    char *err;
    size_t errlen;
} out_t;

static json_t *fail(out_t *o, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static json_t *fail(out_t *o, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->err, o->errlen, fmt, ap);
    va_end(ap);
    *o->code = code;
    return NULL;
}

static json_t *hex(const uint8_t *p, size_t n)
{
    char s[2 * 64 + 3];
    if (n > 64) n = 64;
    zs_hex_encode_0x(s, p, n);
    return json_string(s);
}

static json_t *addr(const uint8_t a[20])
{
    char s[ZS_ADDR_TEXT];
    zs_addr_format(a, s);
    return json_string(s);
}

static json_t *u256(const zs_u256_t *v)
{
    char s[ZS_U256_DEC_MAX];
    zs_u256_to_dec(v, s);
    return json_string(s);
}

static const char *arg(json_t *args, size_t i) { return json_string_value(json_array_get(args, i)); }

/* A decimal argument: 0, or -1 with the failure set. */
static int arg_u64(out_t *o, json_t *args, size_t i, const char *what, uint64_t max, uint64_t *v)
{
    const char *s = arg(args, i);
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-' || ((*v = strtoull(s, &end, 10)), errno || *end) || *v > max) {
        fail(o, "bad_args", "%s: want a whole number from 0 to %llu, not '%s'", what, (unsigned long long)max,
             s ? s : "");
        return -1;
    }
    return 0;
}

static int arg_hash(out_t *o, json_t *args, size_t i, uint8_t h[32])
{
    const char *s = arg(args, i);
    if (!s || zs_hex_decode_exact(h, 32, s)) {
        fail(o, "bad_args", "want a transaction hash (0x and 64 hex digits), not '%s'", s ? s : "");
        return -1;
    }
    return 0;
}

static int want_args(out_t *o, json_t *args, size_t lo, size_t hi, const char *usage)
{
    size_t n = json_array_size(args);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(args, i))) {
            fail(o, "bad_args", "arguments are strings");
            return -1;
        }
    if (n < lo || n > hi) {
        fail(o, "bad_args", "usage: %s", usage);
        return -1;
    }
    return 0;
}

/* ---- status */

/* What the firmware says of L1 and itself (zs_l1view), brief for status,
   in full for l1 status. */
static json_t *l1_json(const zs_l1_status_t *l, int full)
{
    static const uint8_t zero[32];
    json_t *o = json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:b}", "firmware", l->fw_up, "backpressure", l->backpressure,
                          "virtual", (json_int_t)l->virtual_, "confirmed", (json_int_t)l->confirmed, "backlog",
                          (json_int_t)l->backlog, "pending_l1_txs", (json_int_t)l->pending_l1_txs, "l1_head",
                          (json_int_t)l->l1_head, "l1_down", l->l1_down);
    json_object_set_new(o, "sequencer", l->have_info && l->have_key ? addr(l->sequencer) : json_null());
    json_object_set_new(o, "balance_wei", l->have_info ? u256(&l->balance_wei) : json_null());
    json_object_set_new(o, "last_l1_tx",
                        l->have_info && memcmp(l->last_l1_tx, zero, 32) ? hex(l->last_l1_tx, 32) : json_null());
    if (l->have_info) {
        json_object_set_new(o, "l1_data", json_string(zs_l1_data_name(l->l1_data)));
        json_object_set_new(o, "l1_txs_sent", json_integer((json_int_t)l->l1_txs_sent));
        json_object_set_new(o, "gas_used", json_integer((json_int_t)l->l1_gas_used));
        json_object_set_new(o, "fees_gwei", json_integer((json_int_t)l->fees_gwei));
    }
    if (!full) return o;
    json_object_set_new(o, "handed_over", json_integer((json_int_t)l->handed_over));
    json_object_set_new(o, "acc_input_hash", hex(l->acc_input_hash, 32));
    json_object_set_new(o, "fee_alarm", json_boolean(l->fee_alarm));
    json_object_set_new(o, "firmware_heartbeat", json_integer((json_int_t)l->fw_heartbeat));
    json_object_set_new(o, "firmware_uptime_s", json_integer((json_int_t)(l->fw_uptime_ms / 1000)));
    json_object_set_new(o, "firmware_alarms", json_integer((json_int_t)l->fw_alarms));
    if (l->have_info)
        json_object_set_new(o, "blobs",
                            json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I}", "available", l->blobs_available, "blob_txs",
                                      (json_int_t)l->blob_txs, "blob_base_fee_wei", (json_int_t)l->blob_base_fee_wei,
                                      "checked", (json_int_t)l->blobs_checked, "refused", (json_int_t)l->blobs_refused,
                                      "kzg_computed", (json_int_t)l->kzg_answered, "kzg_failed",
                                      (json_int_t)l->kzg_failed));
    return o;
}

/* A read replica: what it follows and how far behind it is (null: a
   sequencer). */
static json_t *replica_json(zs_replica_t *r)
{
    if (!r) return json_null();
    zs_replica_status_t s;
    zs_replica_status(r, &s);
    return json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:s?}", "stream", s.stream, "connected", s.connected,
                     "head", (json_int_t)s.head, "received", (json_int_t)s.received, "sequencer_head",
                     (json_int_t)s.sequencer_head, "behind", (json_int_t)s.behind, "reconnects",
                     (json_int_t)s.reconnects, "blocks_replayed", (json_int_t)s.blocks, "batches_replayed",
                     (json_int_t)s.batches, "diverged", s.diverged, "why", s.diverged ? s.why : NULL);
}

static json_t *status_json(const zs_mgmt_ctx_t *m)
{
    const zs_mgmt_ctx_t *c = m;
    zs_node_t *n = c->node;
    zs_rates_t r;
    zs_sampler_read(c->sampler, &r);
    zs_node_stats_t st;
    zs_batch_numbers_t bn;
    zs_l1_status_t l1;
    zs_node_stats(n, &st);
    zs_node_batches(n, &bn);
    zs_l1view_read(zs_node_l1view(n), &l1);
    size_t exe = 0, queued = 0, total = zs_pool_size(zs_node_pool(n), &exe, &queued);
    json_t *cpu = json_array();
    for (unsigned i = 0; i < r.ncpu; i++) json_array_append_new(cpu, json_real(r.cpu_busy[i]));
    double uptime = (double)(zs_mono_ns() - r.started_ns) / 1e9;
    json_t *versions = json_pack("{s:s,s:i,s:i,s:i}", "zkseqd", c->version, "mailbox", (int)zs_fwlink_mailbox_version(),
                                 "frame_protocol", ZS_FRAME_VERSION_MAX, "firmware_epoch", (int)l1.fw_epoch);
    json_t *out = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I},s:{s:f,s:f},s:o,s:o,s:o}",
                     "role", c->replica ? "replica" : "sequencer", "version", c->version, "uptime_s", (json_int_t)uptime, "started_at",
                     (json_int_t)st.started_at, "chain_id", (json_int_t)zs_node_cfg(n)->chain_id, "head",
                     (json_int_t)zs_node_head(n), "paused", zs_node_is_paused(n), "batches", "open", (json_int_t)bn.open,
                     "trusted", (json_int_t)bn.trusted, "virtual", (json_int_t)l1.virtual_, "consolidated",
                     (json_int_t)bn.consolidated, "pool", "total", (json_int_t)total, "executable", (json_int_t)exe,
                     "queued", (json_int_t)queued, "tx_per_s", "in", r.tx_in_per_s, "sequenced",
                     r.tx_sequenced_per_s, "card", zs_accel_json(c->accel), "l1", l1_json(&l1, 0), "cpu", cpu);
    json_object_set_new(out, "versions", versions);
    if (c->stream) {
        zs_dsserver_stats_t ss;
        zs_dsserver_stats(c->stream, &ss);
        json_object_set_new(out, "stream",
                            json_pack("{s:i,s:I,s:I,s:I,s:I}", "port", (int)zs_dsserver_port(c->stream), "last_block",
                                      (json_int_t)zs_dswriter_last_block(c->stream_writer), "clients",
                                      (json_int_t)ss.clients, "entries_sent", (json_int_t)ss.entries_sent, "cut_off",
                                      (json_int_t)ss.cut_off));
    } else {
        json_object_set_new(out, "stream", json_null());
    }
    json_object_set_new(out, "replica", replica_json(c->replica));
    return out;
}

/* ---- pool */

static json_t *pool_ls(const zs_mgmt_ctx_t *m, json_t *args, out_t *o)
{
    uint64_t limit = 50;
    if (want_args(o, args, 0, 1, "pool ls [LIMIT]") || (json_array_size(args) && arg_u64(o, args, 0, "LIMIT", 100000, &limit)))
        return NULL;
    zs_pool_entry_t *e = calloc(limit ? limit : 1, sizeof *e);
    if (!e) return fail(o, "internal", "out of memory");
    size_t total = zs_pool_list(zs_node_pool(m->node), e, limit);
    json_t *list = json_array();
    for (size_t i = 0; i < total && i < limit; i++)
        json_array_append_new(list, json_pack("{s:o,s:o,s:I,s:o,s:I,s:b,s:b,s:I}", "hash", hex(e[i].hash, 32), "from",
                                              addr(e[i].sender), "nonce", (json_int_t)e[i].nonce, "price",
                                              u256(&e[i].price), "gas", (json_int_t)e[i].gas, "executable",
                                              e[i].executable, "sequencing", e[i].in_flight, "arrival",
                                              (json_int_t)e[i].seq));
    free(e);
    return json_pack("{s:I,s:o}", "total", (json_int_t)total, "transactions", list);
}

static json_t *pool_show(const zs_mgmt_ctx_t *m, json_t *args, out_t *o)
{
    uint8_t h[32], sender[20], *raw;
    size_t len;
    if (want_args(o, args, 1, 1, "pool show HASH") || arg_hash(o, args, 0, h)) return NULL;
    if (!zs_pool_get(zs_node_pool(m->node), h, &raw, &len, sender))
        return fail(o, "refused", "%s is not in the pool", arg(args, 0));
    zs_tx_t tx;
    zs_perr_t pe;
    json_t *r = NULL;
    if (!zs_tx_decode(raw, len, &tx, &pe)) {
        r = json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:I,s:o,s:o}", "hash", hex(h, 32), "from", addr(sender), "type",
                      (json_int_t)tx.type, "nonce", (json_int_t)tx.nonce, "to", tx.has_to ? addr(tx.to) : json_null(),
                      "value", u256(&tx.value), "gas", (json_int_t)tx.gas, "price",
                      u256(tx.type == ZS_TX_DYNAMIC_FEE ? &tx.max_fee : &tx.gas_price), "raw", json_string(""));
        char *s = malloc(2 * len + 3);
        if (s) {
            zs_hex_encode_0x(s, raw, len);
            json_object_set_new(r, "raw", json_string(s));
            free(s);
        }
    }
    free(raw);
    return r ? r : fail(o, "internal", "the pooled transaction does not decode");
}

static json_t *pool_drop(const zs_mgmt_ctx_t *m, json_t *args, const char *who, out_t *o)
{
    uint8_t h[32];
    if (want_args(o, args, 1, 1, "pool drop HASH") || arg_hash(o, args, 0, h)) return NULL;
    int rc = zs_pool_drop(zs_node_pool(m->node), h);
    if (rc == ZS_ERR_NOTFOUND) return fail(o, "refused", "%s is not in the pool", arg(args, 0));
    if (rc == ZS_ERR_AGAIN)
        return fail(o, "refused", "%s is being sequenced or written right now; try again", arg(args, 0));
    if (rc) return fail(o, "internal", "dropping %s: %s", arg(args, 0), zs_strerror(rc));
    zs_log_kv(ZS_LOG_WARN, "mgmt", "pool drop", "tx", arg(args, 0), "by", who, NULL);
    return json_pack("{s:s}", "dropped", arg(args, 0));
}

/* ---- batches */

static const char *batch_stage(const zs_batchrec_t *b, const zs_batch_numbers_t *bn, const zs_l1_status_t *l1)
{
    if (!b->closed) return "open";
    if (b->number <= bn->consolidated) return "consolidated";
    if (b->number <= l1->confirmed) return "confirmed";
    if (b->number <= l1->virtual_) return "virtual";
    return "trusted";
}

static json_t *batch_json(const zs_mgmt_ctx_t *m, const zs_batchrec_t *b, int full)
{
    zs_node_t *n = m->node;
    zs_batch_numbers_t bn;
    zs_l1_status_t l1;
    zs_node_batches(n, &bn);
    zs_l1view_read(zs_node_l1view(n), &l1);
    size_t bytes = b->l2len;
    if (!b->closed) {
        zs_node_open_batch_t ob;
        zs_node_open_batch(n, &ob);
        bytes = ob.bytes;
    }
    json_t *o = json_pack("{s:I,s:s,s:I,s:I,s:I,s:I}", "number", (json_int_t)b->number, "stage",
                          batch_stage(b, &bn, &l1), "first_block", (json_int_t)b->first_block, "last_block",
                          (json_int_t)b->last_block, "bytes", (json_int_t)bytes, "timestamp", (json_int_t)b->timestamp);
    if (full) {
        json_object_set_new(o, "state_root", hex(b->state_root, 32));
        json_object_set_new(o, "batch_hash", b->closed ? hex(b->batch_hash, 32) : json_null());
        json_object_set_new(o, "acc_input_hash", b->closed ? hex(b->acc_input_hash, 32) : json_null());
        json_object_set_new(o, "coinbase", addr(b->coinbase));
        uint64_t txs = 0;
        for (uint64_t k = b->first_block; b->number && k <= b->last_block; k++) {
            zs_block_t blk;
            if (zs_chain_get_block(zs_node_store(n), k, &blk)) break;
            txs += blk.ntx;
            zs_block_clear(&blk);
        }
        json_object_set_new(o, "transactions", json_integer((json_int_t)txs));
    }
    /* How it went to L1, as zkseqd's own L1 follower read it. */
    zs_l1_virtual_t v;
    if (b->number && !zs_l1rec_virtual(zs_node_store(n), b->number, &v)) {
        json_t *l = json_pack("{s:s,s:o,s:I}", "data", v.via_blob ? "blob" : "calldata", "tx", hex(v.tx, 32),
                              "l1_block", (json_int_t)v.at.number);
        if (v.via_blob) json_object_set_new(l, "blob_versioned_hash", hex(v.blob_hash, 32));
        json_object_set_new(o, "l1", l);
    } else {
        json_object_set_new(o, "l1", json_null());
    }
    return o;
}

static json_t *batch_ls(const zs_mgmt_ctx_t *m, json_t *args, out_t *o)
{
    uint64_t count = 10;
    if (want_args(o, args, 0, 1, "batch ls [COUNT]") || (json_array_size(args) && arg_u64(o, args, 0, "COUNT", 1000, &count)))
        return NULL;
    zs_batch_numbers_t bn;
    zs_node_batches(m->node, &bn);
    json_t *list = json_array();
    for (uint64_t k = bn.open; k >= 1 && json_array_size(list) < count; k--) {
        zs_batchrec_t b;
        if (zs_chain_get_batch(zs_node_store(m->node), k, &b)) continue;
        json_array_append_new(list, batch_json(m, &b, 0));
        zs_batchrec_clear(&b);
    }
    return json_pack("{s:I,s:o}", "open", (json_int_t)bn.open, "batches", list);
}

static json_t *batch_show(const zs_mgmt_ctx_t *m, json_t *args, out_t *o)
{
    uint64_t k;
    if (want_args(o, args, 1, 1, "batch show NUMBER") || arg_u64(o, args, 0, "NUMBER", UINT64_MAX / 2, &k)) return NULL;
    zs_batchrec_t b;
    int rc = zs_chain_get_batch(zs_node_store(m->node), k, &b);
    if (rc == ZS_ERR_NOTFOUND) return fail(o, "refused", "no batch %llu", (unsigned long long)k);
    if (rc) return fail(o, "internal", "reading batch %llu: %s", (unsigned long long)k, zs_strerror(rc));
    json_t *r = batch_json(m, &b, 1);
    zs_batchrec_clear(&b);
    return r;
}

static json_t *batch_close(const zs_mgmt_ctx_t *m, json_t *args, const char *who, out_t *o)
{
    if (want_args(o, args, 0, 0, "batch close")) return NULL;
    zs_node_open_batch_t ob;
    zs_node_open_batch(m->node, &ob);
    if (!ob.bytes) return fail(o, "refused", "the open batch %llu holds no block yet", (unsigned long long)ob.number);
    zs_node_request_close(m->node, ob.number, 1);
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)ob.number);
    zs_log_kv(ZS_LOG_WARN, "mgmt", "batch close", "batch", num, "by", who, NULL);
    return json_pack("{s:I}", "closing", (json_int_t)ob.number);
}

/* ---- configuration (host/config's schema) */

static pthread_mutex_t config_mu = PTHREAD_MUTEX_INITIALIZER; /* one change at a time */

static json_t *config_get(const zs_mgmt_ctx_t *m, json_t *args, out_t *o)
{
    if (want_args(o, args, 0, 1, "config get [KEY]")) return NULL;
    const char *key = json_array_size(args) ? arg(args, 0) : NULL;
    json_t *r = zs_config_json(m->config, key, 1);
    return r ? r : fail(o, "bad_args", "unknown configuration key '%s' (config get lists them)", key);
}

/* The local batching policy (in force while the firmware is down) as the
   configuration now holds it. */
static void apply_local_policy(const zs_mgmt_ctx_t *c)
{
    zs_batch_policy_t p;
    uint32_t bt;
    zs_policyctl_local(zs_node_policy(c->node), &p, &bt);
    p.max_bytes = zs_config_uint(c->config, "batch.max_bytes");
    p.max_txs = zs_config_uint(c->config, "batch.max_txs");
    p.max_gas = zs_config_uint(c->config, "batch.max_gas");
    p.max_age_ms = (uint32_t)zs_config_uint(c->config, "batch.max_age_ms");
    bt = (uint32_t)zs_config_uint(c->config, "sequencer.block_time_ms");
    zs_policyctl_set_local(zs_node_policy(c->node), &p, bt);
}

/* A batching-policy key while the firmware is up: it decides (the same
   rules, lib/policy), the host keeps the value for when it is down.  0
   when applied, or the refusal. */
static int ask_firmware(const zs_mgmt_ctx_t *c, const char *key, const char *val, uint64_t v, const char *who, out_t *o)
{
    char why[160];
    int rc = zs_fwlink_policy_set(c->fw, strrchr(key, '.') + 1, v, who, why, sizeof why, 5000);
    if (rc == ZS_ERR_REFUSED) fail(o, "refused", "the firmware refused %s = %s: %s", key, val, why);
    else if (rc) fail(o, "refused", "the firmware did not take %s: %s", key, why);
    return rc;
}

static json_t *config_set(const zs_mgmt_ctx_t *m, json_t *args, const char *who, out_t *o)
{
    if (want_args(o, args, 2, 2, "config set KEY VALUE")) return NULL;
    const zs_mgmt_ctx_t *c = m;
    const char *key = arg(args, 0), *val = arg(args, 1);
    const zs_config_key_t *k = zs_config_key(key);
    if (!k) return fail(o, "bad_args", "unknown configuration key '%s'", key);
    if (k->when == ZS_CFG_RESTART)
        return fail(o, "refused",
                    "%s is read once when zkseqd starts: change it in the configuration file and restart "
                    "(live: batch.*, sequencer.block_time_ms, firmware.*, l1.data, log.level)",
                    key);
    zs_log_level_t level;
    if (!strcmp(key, "log.level") && zs_log_parse_level(val, &level))
        return fail(o, "bad_args", "log.level: want debug, info, warn or error");
    uint64_t v = 0;
    char *end;
    if (k->type == ZS_CFG_POLICY && (!*val || *val < '0' || *val > '9' || ((v = strtoull(val, &end, 10)), *end)))
        return fail(o, "bad_args", "%s: want a whole number, not '%s'", key, val);
    int l1_data = !strcmp(key, "l1.data");
    if (l1_data) {
        int mode = zs_l1_data_parse(val);
        if (mode < 0) return fail(o, "bad_args", "l1.data: want blob, calldata or auto, not '%s'", val);
        v = (uint64_t)mode;
    }
    int fw_up = 0;
    if (c->fw) {
        zs_l1_status_t l1;
        zs_l1view_read(zs_node_l1view(c->node), &l1);
        fw_up = l1.fw_up;
    }
    if (k->when == ZS_CFG_FIRMWARE && !fw_up)
        return fail(o, "refused", "%s is the firmware's, and the firmware link is down", key);
    pthread_mutex_lock(&config_mu); /* two operators' changes must not undo each other */
    char err[320];
    const char *applied = "zkseqd";
    if ((k->type == ZS_CFG_POLICY || l1_data) && fw_up) {
        if (ask_firmware(c, l1_data ? "firmware.l1_data" : key, val, v, who, o)) goto refused;
        applied = "firmware";
    }
    if (zs_config_set(c->config, key, val, err, sizeof err)) {
        fail(o, "bad_args", "%s", err);
        goto refused;
    }
    if (!strcmp(key, "log.level")) zs_log_set_level(level);
    else if (k->when == ZS_CFG_LIVE) apply_local_policy(c);
    pthread_mutex_unlock(&config_mu);
    zs_log_kv(ZS_LOG_WARN, "mgmt", "config set", "key", key, "value", val, "applied_by", applied, "by", who, NULL);
    return json_pack("{s:s,s:s,s:s}", "key", key, "value", val, "applied_by", applied);
refused:
    pthread_mutex_unlock(&config_mu);
    return NULL;
}

/* ---- the rest */

static json_t *ingress_stats(const zs_mgmt_ctx_t *m)
{
    const zs_mgmt_ctx_t *c = m;
    zs_metrics_ingress_t in;
    zs_metrics_ingress_read(&in);
    json_t *paths = json_object();
    for (int p = 0; p < ZS_PATH_COUNT; p++) {
        json_t *refused = json_object();
        uint64_t ref = 0;
        for (int r = 1; r < ZS_POOL_REASON_COUNT; r++)
            if (in.ingress[p][r]) {
                json_object_set_new(refused, zs_pool_reason_id((zs_pool_reason_t)r), json_integer((json_int_t)in.ingress[p][r]));
                ref += in.ingress[p][r];
            }
        const zs_hist_t *h = &in.ack[p];
        json_t *buckets = json_array();
        for (int b = 0; b <= ZS_HIST_BUCKETS; b++) json_array_append_new(buckets, json_integer((json_int_t)h->b[b]));
        json_object_set_new(paths, zs_path_name(p),
                            json_pack("{s:I,s:I,s:o,s:{s:I,s:f,s:f,s:f,s:o}}", "accepted", (json_int_t)in.ingress[p][0],
                                      "refused", (json_int_t)ref, "refused_by_reason", refused, "answer_latency", "count",
                                      (json_int_t)h->count, "p50_s", zs_hist_quantile(h, 0.5), "p99_s",
                                      zs_hist_quantile(h, 0.99), "mean_s",
                                      h->count ? (double)h->sum_ns / 1e9 / (double)h->count : 0.0, "buckets", buckets));
    }
    json_t *bounds = json_array();
    for (int b = 0; b < ZS_HIST_BUCKETS; b++) json_array_append_new(bounds, json_real(zs_hist_bounds[b]));
    json_t *r = json_pack("{s:o,s:o}", "paths", paths, "bucket_bounds_s", bounds);
    zs_ingress_stats_t fs;
    if (c->udp) {
        zs_udp_stats(c->udp, &fs);
        json_object_set_new(r, "udp_frames",
                            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "in", (json_int_t)fs.rx_frames, "answers",
                                      (json_int_t)fs.tx_frames, "retries_answered", (json_int_t)fs.retries_answered,
                                      "queue_full", (json_int_t)fs.queue_full, "sequencer_behind",
                                      (json_int_t)fs.sequencer_behind, "confirms_sent", (json_int_t)fs.confirms_sent));
    }
    if (c->dpdk) {
        zs_dpdk_port_stats_t ps;
        zs_dpdk_stats(c->dpdk, &fs, &ps);
        json_object_set_new(r, "dpdk_frames",
                            json_pack("{s:I,s:I,s:I,s:I}", "in", (json_int_t)fs.rx_frames, "answers", (json_int_t)fs.tx_frames,
                                      "packets_in", (json_int_t)ps.rx_packets, "packets_out", (json_int_t)ps.tx_packets));
    }
    if (c->rpc) {
        zs_rpc_stats_t rs;
        zs_rpc_stats(c->rpc, &rs);
        json_object_set_new(r, "rpc", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "http_requests", (json_int_t)rs.http_requests,
                                                "calls", (json_int_t)rs.calls, "errors", (json_int_t)rs.errors, "too_large",
                                                (json_int_t)rs.too_large, "feed_readers", (json_int_t)rs.feed_readers,
                                                "feed_gaps", (json_int_t)rs.feed_gaps));
    }
    return r;
}

static json_t *l1_status(const zs_mgmt_ctx_t *m)
{
    zs_node_t *n = m->node;
    zs_l1_status_t l1;
    zs_l1view_read(zs_node_l1view(n), &l1);
    zs_batch_policy_t bp;
    uint32_t bt;
    int from_fw = zs_policyctl_in_force(zs_node_policy(n), &bp, &bt);
    json_t *o = l1_json(&l1, 1);
    zs_l1_follower_t f;
    zs_l1view_follower(zs_node_l1view(n), &f);
    if (f.enabled)
        json_object_set_new(o, "follower",
                            json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "up", f.up, "l1Head",
                                      (json_int_t)f.head, "readTo", (json_int_t)f.cursor.at.number, "leaves",
                                      (json_int_t)f.cursor.leaves, "referenceLeaf",
                                      (json_int_t)(f.have_leaf ? f.leaf.index : 0), "virtualBatch",
                                      (json_int_t)f.cursor.virtual_, "verifiedBatch", (json_int_t)f.cursor.verified,
                                      "forcedBatches", (json_int_t)f.cursor.forced, "reorgs", (json_int_t)f.reorgs,
                                      "accMismatches", (json_int_t)f.acc_mismatches, "error", f.error));
    json_object_set_new(o, "policy", json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "from", from_fw ? "firmware" : "configuration",
                                               "max_bytes", (json_int_t)bp.max_bytes, "max_txs", (json_int_t)bp.max_txs,
                                               "max_gas", (json_int_t)bp.max_gas, "max_age_ms", (json_int_t)bp.max_age_ms,
                                               "block_time_ms", (json_int_t)bt));
    return o;
}

json_t *zs_mgmt_exec(const zs_mgmt_ctx_t *m, const char *cmd, json_t *args, const char *who, const char **code, char *err,
                     size_t errlen)
{
    out_t o = {code, err, errlen};
    const zs_mgmt_ctx_t *c = m;
    if (!strcmp(cmd, "ping")) return json_string("pong");
    if (!strcmp(cmd, "status")) return want_args(&o, args, 0, 0, "status") ? NULL : status_json(m);
    if (!strcmp(cmd, "pool.ls")) return pool_ls(m, args, &o);
    if (!strcmp(cmd, "pool.show")) return pool_show(m, args, &o);
    if (!strcmp(cmd, "pool.drop")) return pool_drop(m, args, who, &o);
    if (!strcmp(cmd, "batch.ls")) return batch_ls(m, args, &o);
    if (!strcmp(cmd, "batch.show")) return batch_show(m, args, &o);
    if (!strcmp(cmd, "batch.close")) return batch_close(m, args, who, &o);
    if (!strcmp(cmd, "seq.pause") || !strcmp(cmd, "seq.resume")) {
        if (want_args(&o, args, 0, 0, cmd)) return NULL;
        int pause = !strcmp(cmd, "seq.pause");
        if (pause) zs_node_pause(c->node);
        else zs_node_resume(c->node);
        zs_log_kv(ZS_LOG_WARN, "mgmt", pause ? "sequencing paused" : "sequencing resumed", "by", who, NULL);
        return json_pack("{s:b}", "paused", pause);
    }
    if (!strcmp(cmd, "config.get")) return config_get(m, args, &o);
    if (!strcmp(cmd, "config.set")) return config_set(m, args, who, &o);
    if (!strcmp(cmd, "log.level")) {
        if (want_args(&o, args, 0, 1, "log level [debug|info|warn|error]")) return NULL;
        if (json_array_size(args)) {
            json_t *a2 = json_pack("[s,s]", "log.level", arg(args, 0));
            json_t *r = config_set(m, a2, who, &o);
            json_decref(a2);
            if (!r) return NULL;
            json_decref(r);
        }
        return json_pack("{s:s}", "level", zs_log_level_name(zs_log_level()));
    }
    if (!strcmp(cmd, "card.status")) return want_args(&o, args, 0, 0, "card status") ? NULL : zs_accel_json(c->accel);
    if (!strcmp(cmd, "card.selftest")) {
        if (want_args(&o, args, 0, 0, "card selftest")) return NULL;
        char report[320] = "no card: hashing on the CPU";
        int rc = c->accel ? zs_accel_selftest(c->accel, report, sizeof report) : ZS_OK;
        zs_log_kv(ZS_LOG_INFO, "mgmt", "card selftest", "result", rc ? "failed" : "passed", "by", who, NULL);
        return json_pack("{s:b,s:s,s:o}", "passed", rc == ZS_OK, "report", report, "card", zs_accel_json(c->accel));
    }
    if (!strcmp(cmd, "l1.status")) return want_args(&o, args, 0, 0, "l1 status") ? NULL : l1_status(m);
    if (!strcmp(cmd, "ingress.stats")) return want_args(&o, args, 0, 0, "ingress stats") ? NULL : ingress_stats(m);
    return fail(&o, "unknown_command", "unknown command '%s'", cmd);
}
