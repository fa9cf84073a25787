/* The metrics port's page (zs_mgmt_metrics.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/mgmt/zs_mgmt_metrics.h"
#include "lib/base/zs_time.h"

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    if (o->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            o->oom = 1;
            return;
        }
        if ((size_t)k < o->cap - o->n) {
            o->n += (size_t)k;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)k;
        char *q = realloc(o->p, cap);
        if (!q) {
            o->oom = 1;
            return;
        }
        o->p = q;
        o->cap = cap;
    }
}

static void head(out_t *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(out_t *o, const char *name, const char *type, const char *help, double v)
{
    head(o, name, type, help);
    put(o, "%s %.17g\n", name, v);
}

/* A histogram in seconds; labels is "" or `key="value"`. */
static void hist(out_t *o, const char *name, const char *labels, const zs_hist_t *h)
{
    uint64_t cum = 0;
    const char *sep = *labels ? "," : "";
    for (int i = 0; i < ZS_HIST_BUCKETS; i++) {
        cum += h->b[i];
        put(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, zs_hist_bounds[i], (unsigned long long)cum);
    }
    cum += h->b[ZS_HIST_BUCKETS];
    put(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)cum);
    put(o, "%s_sum%s%s%s %.9f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "", (double)h->sum_ns / 1e9);
    put(o, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "", (unsigned long long)h->count);
}

static double u256_double(const zs_u256_t *v)
{
    return (double)v->w[0] + (double)v->w[1] * 18446744073709551616.0 +
           (double)v->w[2] * 18446744073709551616.0 * 18446744073709551616.0;
}

static void put_ingress(out_t *o, const zs_mgmt_ctx_t *c, const zs_rates_t *r)
{
    zs_metrics_ingress_t in;
    zs_metrics_ingress_read(&in);
    head(o, "zkseq_ingress_transactions_total", "counter",
         "transactions received, by ingress path and result (accepted, or the refusal reason)");
    for (int p = 0; p < ZS_PATH_COUNT; p++)
        for (int res = 0; res < ZS_POOL_REASON_COUNT; res++)
            if (in.ingress[p][res] || res == 0)
                put(o, "zkseq_ingress_transactions_total{path=\"%s\",result=\"%s\"} %llu\n", zs_path_name(p),
                    res ? zs_pool_reason_id((zs_pool_reason_t)res) : "accepted", (unsigned long long)in.ingress[p][res]);
    head(o, "zkseq_ingress_answer_seconds", "histogram",
         "from a transaction's arrival to its answer (after the durable pool write), by path");
    for (int p = 0; p < ZS_PATH_COUNT; p++) {
        char l[32];
        snprintf(l, sizeof l, "path=\"%s\"", zs_path_name(p));
        hist(o, "zkseq_ingress_answer_seconds", l, &in.ack[p]);
    }
    head(o, "zkseq_ingress_stage_seconds", "histogram",
         "an exchange frame's way to its answer in consecutive stages (queue, verify, admit, durable, send), by path");
    for (int p = ZS_PATH_UDP; p < ZS_PATH_COUNT; p++)
        for (int st = 0; st < ZS_STAGE_COUNT; st++) {
            char l[48];
            snprintf(l, sizeof l, "path=\"%s\",stage=\"%s\"", zs_path_name(p), zs_stage_name(st));
            hist(o, "zkseq_ingress_stage_seconds", l, &in.stage[p][st]);
        }
    if (c->udp || c->dpdk) {
        head(o, "zkseq_ingress_frames_total", "counter", "exchange frames received, by path");
        zs_ingress_stats_t fs;
        if (c->udp) {
            zs_udp_stats(c->udp, &fs);
            put(o, "zkseq_ingress_frames_total{path=\"udp\"} %llu\n", (unsigned long long)fs.rx_frames);
        }
        if (c->dpdk) {
            zs_dpdk_port_stats_t ps;
            zs_dpdk_stats(c->dpdk, &fs, &ps);
            put(o, "zkseq_ingress_frames_total{path=\"dpdk\"} %llu\n", (unsigned long long)fs.rx_frames);
        }
    }
    if (c->rpc) {
        zs_rpc_stats_t rs;
        zs_rpc_stats(c->rpc, &rs);
        one(o, "zkseq_rpc_http_requests_total", "counter", "JSON-RPC HTTP requests", (double)rs.http_requests);
        one(o, "zkseq_rpc_calls_total", "counter", "JSON-RPC calls (a batch counts each)", (double)rs.calls);
        one(o, "zkseq_rpc_errors_total", "counter", "JSON-RPC calls answered with an error", (double)rs.errors);
        one(o, "zkseq_rpc_feed_readers", "gauge", "readers of the GET /executed feed now", (double)rs.feed_readers);
        one(o, "zkseq_rpc_feed_gaps_total", "counter", "gap events: a feed reader fell past the table and missed some",
            (double)rs.feed_gaps);
        one(o, "zkseq_rpc_feed_closed_total", "counter", "feed readers that left or were let go", (double)rs.feed_closed);
    }
    one(o, "zkseq_transactions_in_per_second", "gauge", "transactions accepted per second, over the last second",
        r->tx_in_per_s);
}

static void put_sequencer(out_t *o, zs_node_t *n, const zs_node_stats_t *st, const zs_rates_t *r)
{
    size_t exe = 0, queued = 0;
    zs_pool_size(zs_node_pool(n), &exe, &queued);
    head(o, "zkseq_pool_transactions", "gauge", "pooled transactions, executable (next nonce) or queued (waiting)");
    put(o, "zkseq_pool_transactions{state=\"executable\"} %zu\nzkseq_pool_transactions{state=\"queued\"} %zu\n", exe,
        queued);
    uint64_t refused[ZS_POOL_REASON_COUNT];
    zs_pool_refusals(zs_node_pool(n), refused);
    head(o, "zkseq_pool_refused_total", "counter", "admissions the pool refused, by reason (every path)");
    for (int i = 1; i < ZS_POOL_REASON_COUNT; i++)
        put(o, "zkseq_pool_refused_total{reason=\"%s\"} %llu\n", zs_pool_reason_id((zs_pool_reason_t)i),
            (unsigned long long)refused[i]);
    zs_pool_writes_t pw;
    zs_pool_writes(zs_node_pool(n), &pw);
    head(o, "zkseq_pool_flushes_total", "counter",
         "the pool's group commits by what they flushed: its log, or its database (checkpoints, drops, no log)");
    put(o, "zkseq_pool_flushes_total{to=\"log\"} %llu\nzkseq_pool_flushes_total{to=\"database\"} %llu\n",
        (unsigned long long)pw.by_log, (unsigned long long)pw.by_store);
    one(o, "zkseq_pool_log_ok", "gauge",
        "1 while the pool's log takes its group commits; 0 without one (pool.log_mb 0) or once it failed a write "
        "(the database is flushed for every answer then)",
        pw.log_ok);
    one(o, "zkseq_pool_log_direct", "gauge",
        "1 while that log writes O_DIRECT | O_DSYNC; 0 where its file system takes no O_DIRECT (the page cache and "
        "fdatasync then)",
        pw.log_direct);
    one(o, "zkseq_sequenced_transactions_total", "counter", "transactions in blocks", (double)st->txs_included);
    one(o, "zkseq_sequenced_blocks_total", "counter", "L2 blocks built", (double)st->blocks);
    one(o, "zkseq_ejected_transactions_total", "counter", "transactions the sequencer dropped at execution",
        (double)st->txs_ejected);
    one(o, "zkseq_sequenced_transactions_per_second", "gauge", "over the last second", r->tx_sequenced_per_s);
    one(o, "zkseq_head_block", "gauge", "the last published L2 block", (double)zs_node_head(n));
    one(o, "zkseq_sequencer_paused", "gauge", "1 while an operator has paused sequencing", zs_node_is_paused(n));
    head(o, "zkseq_block_build_seconds", "histogram", "the sequencer's time on a block, executing to handing it over");
    hist(o, "zkseq_block_build_seconds", "", &st->block_build);
    head(o, "zkseq_block_seal_seconds", "histogram",
         "sealing it (block info tree, state root, records) and handing it to the committer: the sequencer "
         "executes nothing meanwhile");
    hist(o, "zkseq_block_seal_seconds", "", &st->block_seal);
    const zs_prefetch_stats_t *pf = &st->prefetch;
    head(o, "zkseq_state_prefetch_pages_total", "counter",
         "tree pages the prefetch thread read, hashed and checked ahead of the sequencer, and of them taken by it");
    put(o, "zkseq_state_prefetch_pages_total{what=\"read\"} %llu\nzkseq_state_prefetch_pages_total{what=\"taken\"} %llu\n",
        (unsigned long long)pf->read, (unsigned long long)pf->taken);
    const zs_state_evictions_t *ev = &st->evictions;
    one(o, "zkseq_state_tree_node_bytes", "gauge", "the state tree's nodes in memory (state.memory_mb bounds them)",
        (double)ev->node_bytes);
    head(o, "zkseq_state_evictions_total", "counter",
         "the tree's memory bound at work: commits after which the eviction hand moved, pages it dropped from "
         "memory, account-key cache restarts");
    put(o,
        "zkseq_state_evictions_total{what=\"sweeps\"} %llu\nzkseq_state_evictions_total{what=\"pages\"} %llu\n"
        "zkseq_state_evictions_total{what=\"key_cache_resets\"} %llu\n",
        (unsigned long long)ev->sweeps, (unsigned long long)ev->pages_dropped,
        (unsigned long long)ev->key_cache_resets);
    head(o, "zkseq_block_write_seconds", "histogram", "a block's fsync'd database write");
    hist(o, "zkseq_block_write_seconds", "", &st->block_write);
}

static void put_batches(out_t *o, zs_node_t *n, const zs_node_stats_t *st, const zs_l1_status_t *l1)
{
    zs_batch_numbers_t bn;
    zs_node_batches(n, &bn);
    head(o, "zkseq_batch_number", "gauge", "the latest batch at each stage");
    put(o,
        "zkseq_batch_number{stage=\"open\"} %llu\nzkseq_batch_number{stage=\"trusted\"} %llu\n"
        "zkseq_batch_number{stage=\"virtual\"} %llu\nzkseq_batch_number{stage=\"confirmed\"} %llu\n"
        "zkseq_batch_number{stage=\"consolidated\"} %llu\n",
        (unsigned long long)bn.open, (unsigned long long)bn.trusted, (unsigned long long)l1->virtual_,
        (unsigned long long)l1->confirmed, (unsigned long long)bn.consolidated);
    head(o, "zkseq_batches_closed_total", "counter", "batches closed, by reason");
    uint64_t nb = 0;
    for (int i = 1; i < ZS_BATCH_CLOSE_COUNT; i++) {
        put(o, "zkseq_batches_closed_total{reason=\"%s\"} %llu\n", zs_batch_close_name(i),
            (unsigned long long)st->batches_closed[i]);
        nb += st->batches_closed[i];
    }
    head(o, "zkseq_batch_bytes", "summary", "batchL2Data bytes of the closed batches");
    put(o, "zkseq_batch_bytes_sum %llu\nzkseq_batch_bytes_count %llu\n", (unsigned long long)st->batch_bytes,
        (unsigned long long)nb);
    one(o, "zkseq_batch_last_bytes", "gauge", "batchL2Data bytes of the last closed batch", (double)st->last_batch_bytes);
}

static void put_l1(out_t *o, const zs_l1_status_t *l)
{
    one(o, "zkseq_firmware_up", "gauge", "1 while the firmware's heartbeat moves and the link is up", l->fw_up);
    one(o, "zkseq_firmware_heartbeat", "counter", "the firmware's heartbeat counter (moves every ~100 ms)",
        (double)l->fw_heartbeat);
    one(o, "zkseq_firmware_uptime_seconds", "gauge", "since the firmware booted", (double)l->fw_uptime_ms / 1e3);
    one(o, "zkseq_firmware_alarms_total", "counter", "alarms the firmware raised since boot", (double)l->fw_alarms);
    one(o, "zkseq_l1_backlog_batches", "gauge", "sealed batches not yet sequenced on L1", (double)l->backlog);
    one(o, "zkseq_l1_pending_transactions", "gauge", "L1 transactions sent and not yet mined", (double)l->pending_l1_txs);
    one(o, "zkseq_l1_backpressure", "gauge", "1 while the firmware asks admission to refuse (l1_backlog)", l->backpressure);
    one(o, "zkseq_l1_up", "gauge", "1 while the firmware reaches L1", l->have_info && l->l1_up);
    one(o, "zkseq_l1_head_block", "gauge", "the L1 block the firmware last read", (double)l->l1_head);
    one(o, "zkseq_l1_transactions_sent_total", "counter", "sequenceBatches transactions the firmware sent",
        (double)l->l1_txs_sent);
    one(o, "zkseq_l1_gas_used_total", "counter", "L1 gas of the mined submissions (since the firmware booted)",
        (double)l->l1_gas_used);
    one(o, "zkseq_l1_fees_gwei_total", "counter", "L1 fees paid, in gwei", (double)l->fees_gwei);
    one(o, "zkseq_l1_fee_bumps_total", "counter", "L1 transactions signed again with a higher fee",
        (double)l->fee_bumps);
    one(o, "zkseq_l1_reorgs_total", "counter", "L1 reorganizations the firmware saw", (double)l->reorgs);
    one(o, "zkseq_l1_data_mode", "gauge", "how the firmware posts batch data (l1.data): 0 calldata, 1 blob, 2 auto",
        l->l1_data);
    one(o, "zkseq_l1_blob_transactions_total", "counter", "blob transactions the firmware sent (since it booted)",
        (double)l->blob_txs);
    one(o, "zkseq_l1_blob_base_fee_wei", "gauge", "L1's blob base fee (0: unknown)", (double)l->blob_base_fee_wei);
    one(o, "zkseq_kzg_blobs_total", "counter", "blobs whose KZG work zkseqd computed for the firmware",
        (double)l->kzg_answered);
    one(o, "zkseq_kzg_failures_total", "counter", "blobs zkseqd could not compute the KZG work of", (double)l->kzg_failed);
    one(o, "zkseq_kzg_refused_total", "counter", "blobs whose KZG work the firmware's check refused",
        (double)l->blobs_refused);
    one(o, "zkseq_l1_sequencer_balance_wei", "gauge", "the L1 sequencer account's balance", u256_double(&l->balance_wei));
}

/* zkseqd's own reading of L1 (host/l1sync), when it follows L1. */
static void put_follower(out_t *o, const zs_l1_follower_t *f)
{
    one(o, "zkseq_l1_follower_enabled", "gauge", "1 when zkseqd follows L1 itself (l1.rpc_url)", f->enabled);
    if (!f->enabled) return;
    one(o, "zkseq_l1_follower_up", "gauge", "1 while the follower's last poll reached L1", f->up);
    one(o, "zkseq_l1_follower_read_block", "gauge", "the L1 block the follower has read to", (double)f->cursor.at.number);
    one(o, "zkseq_l1_follower_head_block", "gauge", "L1's head at the follower's last poll", (double)f->head);
    one(o, "zkseq_l1_follower_info_leaves", "gauge", "L1 info tree leaves recorded", (double)f->cursor.leaves);
    one(o, "zkseq_l1_follower_virtual_batch", "gauge", "the last batch L1 holds, as the follower read it",
        (double)f->cursor.virtual_);
    one(o, "zkseq_l1_follower_verified_batch", "gauge", "the last batch L1 verified", (double)f->cursor.verified);
    one(o, "zkseq_l1_follower_forced_batches", "gauge", "forced batches L1 queued", (double)f->cursor.forced);
    one(o, "zkseq_l1_follower_errors_total", "counter", "polls that failed", (double)f->errors);
    one(o, "zkseq_l1_follower_reorgs_total", "counter", "L1 reorganizations the follower unwound", (double)f->reorgs);
    one(o, "zkseq_l1_follower_acc_mismatches_total", "counter",
        "sequences whose recomputed accInputHash the contract does not hold (an ALARM each)", (double)f->acc_mismatches);
}

/* A read replica's following. */
static void put_replica(out_t *o, const zs_mgmt_ctx_t *c)
{
    one(o, "zkseq_replica", "gauge", "1 when zkseqd is a read replica", c->replica != NULL);
    if (!c->replica) return;
    zs_replica_status_t s;
    zs_replica_status(c->replica, &s);
    one(o, "zkseq_replica_connected", "gauge", "1 while connected to the sequencer's data stream", s.connected);
    one(o, "zkseq_replica_diverged", "gauge",
        "1 once a block did not reproduce or the stream could not be replayed: following stopped (ALARM)", s.diverged);
    one(o, "zkseq_replica_behind_blocks", "gauge", "blocks the replica is behind the sequencer", (double)s.behind);
    one(o, "zkseq_replica_sequencer_head", "gauge", "the sequencer's head block, by its JSON-RPC",
        (double)s.sequencer_head);
    one(o, "zkseq_replica_blocks_replayed_total", "counter", "blocks re-executed and checked", (double)s.blocks);
    one(o, "zkseq_replica_reconnects_total", "counter", "connections to the stream after the first",
        (double)s.reconnects);
}

/* Polygon's data stream out of zkseqd. */
static void put_stream(out_t *o, const zs_mgmt_ctx_t *c)
{
    one(o, "zkseq_stream_enabled", "gauge", "1 when zkseqd serves the zkEVM data stream", c->stream != NULL);
    if (!c->stream) return;
    zs_dsserver_stats_t st;
    zs_dsserver_stats(c->stream, &st);
    one(o, "zkseq_stream_clients", "gauge", "data stream clients connected", (double)st.clients);
    one(o, "zkseq_stream_entries_sent_total", "counter", "entries streamed to clients", (double)st.entries_sent);
    one(o, "zkseq_stream_clients_cut_off_total", "counter", "clients cut off for not reading", (double)st.cut_off);
    one(o, "zkseq_stream_clients_refused_total", "counter", "connections refused at stream.max_clients",
        (double)st.refused);
    one(o, "zkseq_stream_last_block", "gauge", "the newest L2 block in the stream",
        (double)zs_dswriter_last_block(c->stream_writer));
}

static void put_card(out_t *o, zs_accel_t *accel)
{
    zs_accel_stats_t cs;
    memset(&cs, 0, sizeof cs);
    if (accel) zs_accel_stats(accel, &cs);
    head(o, "zkseq_card_info", "gauge", "the hashing card's backend (asked and in use)");
    put(o, "zkseq_card_info{requested=\"%s\",backend=\"%s\"} 1\n", accel ? cs.requested : "cpu",
        accel ? cs.backend : "cpu");
    one(o, "zkseq_card_fallback", "gauge", "1 while the card is set aside and hashing runs on the CPU", cs.fallback);
    one(o, "zkseq_card_jobs_total", "counter", "card jobs whose results were used", (double)cs.jobs);
    one(o, "zkseq_card_queue_depth", "gauge", "card jobs queued or running", (double)cs.queue_depth);
    head(o, "zkseq_card_permutations_total", "counter", "Poseidon permutations, on the card or on the CPU");
    put(o, "zkseq_card_permutations_total{where=\"card\"} %llu\nzkseq_card_permutations_total{where=\"cpu\"} %llu\n",
        (unsigned long long)cs.permutations, (unsigned long long)cs.cpu_permutations);
    head(o, "zkseq_card_keccak_messages_total", "counter", "Keccak-256 messages, on the card or on the CPU");
    put(o, "zkseq_card_keccak_messages_total{where=\"card\"} %llu\nzkseq_card_keccak_messages_total{where=\"cpu\"} %llu\n",
        (unsigned long long)cs.keccak_msgs, (unsigned long long)cs.cpu_keccak_msgs);
    head(o, "zkseq_card_bytes_total", "counter", "bytes moved to and from the card");
    put(o, "zkseq_card_bytes_total{direction=\"in\"} %llu\nzkseq_card_bytes_total{direction=\"out\"} %llu\n",
        (unsigned long long)cs.bytes_in, (unsigned long long)cs.bytes_out);
    head(o, "zkseq_card_failures_total", "counter", "card jobs that failed, by kind (each redone on the CPU)");
    static const char *const kinds[ZS_ACCEL_F_COUNT] = {"io", "timeout", "corrupt", "wrong", "submit"};
    for (int i = 0; i < ZS_ACCEL_F_COUNT; i++)
        put(o, "zkseq_card_failures_total{kind=\"%s\"} %llu\n", kinds[i], (unsigned long long)cs.failures[i]);
    one(o, "zkseq_card_verified_outputs_total", "counter", "card outputs compared with the CPU", (double)cs.verified);
}

char *zs_mgmt_metrics_text(const zs_mgmt_ctx_t *c, size_t *len)
{
    out_t o = {malloc(16384), 0, 16384, 0};
    if (!o.p) return NULL;
    zs_rates_t r;
    zs_sampler_read(c->sampler, &r);
    head(&o, "zkseq_build_info", "gauge", "zkseqd's version");
    put(&o, "zkseq_build_info{version=\"%s\"} 1\n", c->version);
    one(&o, "zkseq_uptime_seconds", "gauge", "seconds since zkseqd started", (double)(zs_mono_ns() - r.started_ns) / 1e9);
    put_ingress(&o, c, &r);
    zs_node_stats_t st;
    zs_node_stats(c->node, &st);
    zs_l1_status_t l1;
    zs_l1view_read(zs_node_l1view(c->node), &l1);
    put_sequencer(&o, c->node, &st, &r);
    put_batches(&o, c->node, &st, &l1);
    put_l1(&o, &l1);
    zs_l1_follower_t fol;
    zs_l1view_follower(zs_node_l1view(c->node), &fol);
    put_follower(&o, &fol);
    put_card(&o, c->accel);
    put_stream(&o, c);
    put_replica(&o, c);
    head(&o, "zkseq_cpu_busy_ratio", "gauge", "each core's busy share over the last second");
    for (unsigned i = 0; i < r.ncpu; i++) put(&o, "zkseq_cpu_busy_ratio{cpu=\"%u\"} %.4f\n", i, r.cpu_busy[i]);
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    *len = o.n;
    return o.p;
}
