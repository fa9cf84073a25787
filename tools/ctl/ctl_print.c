/* zkseqctl's tables for people (--json prints the answers as they are). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/u256/zs_u256.h"
#include "tools/ctl/ctl.h"

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : json_is_null(v) || !v ? "-" : "?";
}

static long long num(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }
static double real(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

/* Wei (a decimal string) as ETH with six decimals. */
static void eth(const char *wei, char *out, size_t outlen)
{
    zs_u256_t v;
    char t[ZS_U256_DEC_MAX + 2];
    if (!wei || zs_u256_parse(&v, wei)) {
        snprintf(out, outlen, "-");
        return;
    }
    zs_u256_format_units(&v, 18, 6, t);
    snprintf(out, outlen, "%s ETH", t);
}

static void print_card(json_t *c)
{
    printf("card:        %s (asked %s)%s\n", str(c, "backend"), str(c, "requested"),
           json_is_true(json_object_get(c, "fallback")) ? "  SET ASIDE" : "");
    if (json_is_true(json_object_get(c, "fallback"))) printf("  alarm:     %s\n", str(c, "alarm"));
    if (*str(c, "note") && strcmp(str(c, "note"), "-")) printf("  note:      %s\n", str(c, "note"));
    printf("  device:    %s\n", str(c, "device"));
    printf("  jobs:      %lld (queue %lld, %.1f/s), %lld permutations and %lld Keccak messages on the card\n",
           num(c, "jobs"), num(c, "queueDepth"), real(c, "jobsPerSecond"), num(c, "permutations"),
           num(c, "keccakMessages"));
    printf("  on cpu:    %lld permutations, %lld Keccak messages\n", num(c, "cpuPermutations"),
           num(c, "cpuKeccakMessages"));
    json_t *f = json_object_get(json_object_get(c, "failures"), "byKind");
    printf("  failures:  %lld (io %lld, timeout %lld, corrupt %lld, wrong %lld), outputs checked %lld\n",
           num(json_object_get(c, "failures"), "total"), num(f, "io"), num(f, "timeout"), num(f, "corrupt"),
           num(f, "wrong"), num(c, "verified"));
}

static void print_l1(json_t *l)
{
    char b[ZS_U256_DEC_MAX + 8];
    eth(json_string_value(json_object_get(l, "balance_wei")), b, sizeof b);
    int fw = json_is_true(json_object_get(l, "firmware"));
    printf("L1:          firmware %s, L1 %s%s%s\n", fw ? "up" : "DOWN",
           !fw ? "unknown" : json_is_true(json_object_get(l, "l1_down")) ? "DOWN" : "up",
           json_is_true(json_object_get(l, "backpressure")) ? ", BACKPRESSURE" : "",
           json_is_true(json_object_get(l, "fee_alarm")) ? ", FEE ALARM" : "");
    printf("  sequencer: %s  balance %s\n", str(l, "sequencer"), b);
    printf("  batches:   virtual %lld, confirmed %lld, backlog %lld; L1 transactions pending %lld, sent %lld\n",
           num(l, "virtual"), num(l, "confirmed"), num(l, "backlog"), num(l, "pending_l1_txs"), num(l, "l1_txs_sent"));
    printf("  last L1 tx %s  (L1 head %lld; gas used %lld, fees %lld gwei)\n", str(l, "last_l1_tx"), num(l, "l1_head"),
           num(l, "gas_used"), num(l, "fees_gwei"));
    json_t *bl = json_object_get(l, "blobs");
    if (json_object_get(l, "l1_data"))
        printf("  data:      %s%s", str(l, "l1_data"), bl ? "" : "\n");
    if (bl)
        printf("; blobs %s, %lld blob transactions, blob base fee %lld wei, KZG computed %lld (failed %lld), checked "
               "by the firmware %lld (refused %lld)\n",
               json_is_true(json_object_get(bl, "available")) ? "available" : "UNAVAILABLE", num(bl, "blob_txs"),
               num(bl, "blob_base_fee_wei"), num(bl, "kzg_computed"), num(bl, "kzg_failed"), num(bl, "checked"),
               num(bl, "refused"));
}

static void print_status(json_t *r)
{
    long long up = num(r, "uptime_s");
    printf("zkseqd %s, %s, chain id %lld, up %lldd %02lld:%02lld:%02lld%s\n", str(r, "version"), str(r, "role"),
           num(r, "chain_id"), up / 86400, up / 3600 % 24, up / 60 % 60, up % 60,
           json_is_true(json_object_get(r, "paused")) ? "  SEQUENCING PAUSED" : "");
    json_t *b = json_object_get(r, "batches"), *p = json_object_get(r, "pool"), *t = json_object_get(r, "tx_per_s");
    json_t *v = json_object_get(r, "versions");
    printf("versions:    zkseqd %s, mailbox v%lld, frame protocol v1 to v%lld\n", str(v, "zkseqd"), num(v, "mailbox"),
           num(v, "frame_protocol"));
    printf("head block:  %lld\n", num(r, "head"));
    printf("batches:     open %lld, trusted %lld, virtual %lld, consolidated %lld\n", num(b, "open"), num(b, "trusted"),
           num(b, "virtual"), num(b, "consolidated"));
    printf("pool:        %lld (%lld executable, %lld queued)\n", num(p, "total"), num(p, "executable"), num(p, "queued"));
    printf("tx/s:        %.1f in, %.1f sequenced\n", real(t, "in"), real(t, "sequenced"));
    print_card(json_object_get(r, "card"));
    print_l1(json_object_get(r, "l1"));
    json_t *ds = json_object_get(r, "stream");
    if (json_is_object(ds))
        printf("stream:      port %lld, %lld clients, up to block %lld, %lld entries sent, %lld cut off\n",
               num(ds, "port"), num(ds, "clients"), num(ds, "last_block"), num(ds, "entries_sent"),
               num(ds, "cut_off"));
    json_t *rp = json_object_get(r, "replica");
    if (json_is_object(rp)) {
        printf("replica:     follows %s (%s), head %lld, sequencer at %lld, %lld blocks behind; replayed %lld blocks, "
               "%lld batches; %lld reconnects\n",
               str(rp, "stream"), json_is_true(json_object_get(rp, "connected")) ? "connected" : "NOT CONNECTED",
               num(rp, "head"), num(rp, "sequencer_head"), num(rp, "behind"), num(rp, "blocks_replayed"),
               num(rp, "batches_replayed"), num(rp, "reconnects"));
        if (json_is_true(json_object_get(rp, "diverged")))
            printf("  ALARM: stopped following: %s\n", str(rp, "why"));
    }
    json_t *cpu = json_object_get(r, "cpu");
    printf("cpu:        ");
    for (size_t i = 0; i < json_array_size(cpu); i++) printf(" cpu%zu %3.0f%%", i, 100 * json_number_value(json_array_get(cpu, i)));
    printf("\n");
}

static void print_ingress(json_t *r)
{
    printf("%-6s %12s %10s %12s %12s %12s\n", "path", "accepted", "refused", "answers", "p50", "p99");
    json_t *paths = json_object_get(r, "paths");
    const char *k;
    json_t *v;
    json_object_foreach(paths, k, v)
    {
        json_t *l = json_object_get(v, "answer_latency");
        printf("%-6s %12lld %10lld %12lld %9.3f ms %9.3f ms\n", k, num(v, "accepted"), num(v, "refused"), num(l, "count"),
               1e3 * real(l, "p50_s"), 1e3 * real(l, "p99_s"));
        json_t *why = json_object_get(v, "refused_by_reason");
        const char *rk;
        json_t *rv;
        json_object_foreach(why, rk, rv) printf("         refused %s: %lld\n", rk, (long long)json_integer_value(rv));
    }
    json_t *u = json_object_get(r, "udp_frames");
    if (u)
        printf("udp frames: %lld in, %lld answers, %lld retries answered, %lld queue full\n", num(u, "in"),
               num(u, "answers"), num(u, "retries_answered"), num(u, "queue_full"));
    json_t *d = json_object_get(r, "dpdk_frames");
    if (d) printf("dpdk frames: %lld in, %lld answers\n", num(d, "in"), num(d, "answers"));
    json_t *rpc = json_object_get(r, "rpc");
    if (rpc)
        printf("json-rpc: %lld HTTP requests, %lld calls, %lld errors; %lld feed readers (%lld gaps)\n",
               num(rpc, "http_requests"), num(rpc, "calls"), num(rpc, "errors"), num(rpc, "feed_readers"),
               num(rpc, "feed_gaps"));
}

static void print_kv(json_t *o, const char *prefix)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (json_is_object(v)) {
            char p[256];
            snprintf(p, sizeof p, "%s%s.", prefix, k);
            print_kv(v, p);
            continue;
        }
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%s%s = %s\n", prefix, k, s ? s : "?");
        free(s);
    }
}

void ctl_print(const char *cmd, json_t *r)
{
    if (!strcmp(cmd, "status")) {
        print_status(r);
    } else if (!strcmp(cmd, "pool.ls")) {
        json_t *list = json_object_get(r, "transactions");
        printf("%lld pooled%s\n", num(r, "total"), (size_t)num(r, "total") > json_array_size(list) ? " (first shown)" : "");
        if (json_array_size(list))
            printf("%-18s %-12s %8s %14s %8s %s\n", "hash", "from", "nonce", "price (gwei)", "gas", "state");
        size_t i;
        json_t *t;
        json_array_foreach(list, i, t)
        {
            const char *h = str(t, "hash"), *f = str(t, "from");
            double gwei = 0;
            sscanf(str(t, "price"), "%lf", &gwei);
            printf("%.10s..%.6s %.6s..%.4s %8lld %14.3f %8lld %s\n", h, h + strlen(h) - 6, f, f + strlen(f) - 4,
                   num(t, "nonce"), gwei / 1e9, num(t, "gas"),
                   json_is_true(json_object_get(t, "sequencing"))  ? "sequencing"
                   : json_is_true(json_object_get(t, "executable")) ? "executable"
                                                                    : "queued (nonce gap)");
        }
    } else if (!strcmp(cmd, "batch.ls")) {
        printf("%8s %-13s %10s %10s %9s  %s\n", "batch", "stage", "blocks", "", "bytes", "L1 data");
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(r, "batches"), i, b)
        {
            char blocks[48];
            if (num(b, "last_block") >= num(b, "first_block"))
                snprintf(blocks, sizeof blocks, "%lld..%lld", num(b, "first_block"), num(b, "last_block"));
            else
                snprintf(blocks, sizeof blocks, "(none yet)");
            json_t *l1 = json_object_get(b, "l1");
            printf("%8lld %-13s %21s %9lld  %s\n", num(b, "number"), str(b, "stage"), blocks, num(b, "bytes"),
                   json_is_object(l1) ? str(l1, "data") : "-");
        }
    } else if (!strcmp(cmd, "config.set")) {
        printf("%s = %s (applied by %s)\n", str(r, "key"), str(r, "value"), str(r, "applied_by"));
    } else if (!strcmp(cmd, "seq.pause") || !strcmp(cmd, "seq.resume")) {
        printf("sequencing %s\n", json_is_true(json_object_get(r, "paused")) ? "paused" : "resumed");
    } else if (!strcmp(cmd, "batch.close")) {
        printf("batch %lld closes with its next block boundary\n", num(r, "closing"));
    } else if (!strcmp(cmd, "pool.drop")) {
        printf("dropped %s\n", str(r, "dropped"));
    } else if (!strcmp(cmd, "log.level")) {
        printf("log level: %s\n", str(r, "level"));
    } else if (!strcmp(cmd, "card.status")) {
        print_card(r);
    } else if (!strcmp(cmd, "card.selftest")) {
        printf("%s: %s\n", json_is_true(json_object_get(r, "passed")) ? "passed" : "FAILED", str(r, "report"));
        print_card(json_object_get(r, "card"));
    } else if (!strcmp(cmd, "l1.status")) {
        print_l1(r);
        json_t *p = json_object_get(r, "policy");
        printf("  policy:    from the %s: max %lld bytes, %lld txs, age %lld ms; block time %lld ms\n", str(p, "from"),
               num(p, "max_bytes"), num(p, "max_txs"), num(p, "max_age_ms"), num(p, "block_time_ms"));
        printf("  firmware:  up %lld s, heartbeat %lld, alarms %lld, handed over up to batch %lld\n",
               num(r, "firmware_uptime_s"), num(r, "firmware_heartbeat"), num(r, "firmware_alarms"),
               num(r, "handed_over"));
    } else if (!strcmp(cmd, "ingress.stats")) {
        print_ingress(r);
    } else if (json_is_object(r)) {
        print_kv(r, "");
    } else {
        char *s = json_dumps(r, JSON_ENCODE_ANY);
        if (s) puts(s);
        free(s);
    }
}
