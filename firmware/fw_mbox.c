/* The host link, firmware side (fw_mbox.h). */
#include "firmware/fw_mbox.h"

#include <stdio.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/mbox/zs_mbox_hw.h"

#define REG32(m, off) (*(volatile uint32_t *)((m)->hal->mbox_base((m)->hal->ctx) + (off)))
#define REG64(m, off) (*(volatile uint64_t *)((m)->hal->mbox_base((m)->hal->ctx) + (off)))

static uint64_t now(const fw_mbox_t *m)
{
    return m->hal->now_ms(m->hal->ctx);
}

/* 1 when the event went into the ring; 0 when the link is not up or the
   ring is full (the periodic refresh sends state again; a KZG request is
   asked again by its caller). */
static int push(fw_mbox_t *m, uint16_t type, const void *p, uint32_t len)
{
    if (!m->ready || zs_ring_push(&m->evt, type, p, len, NULL, 0) != ZS_OK) return 0;
    __atomic_add_fetch((uint32_t *)&REG32(m, ZS_MBOX_REG_EVT_DOORBELL), 1, __ATOMIC_RELEASE);
    m->hal->mbox_notify(m->hal->ctx);
    return 1;
}

static uint32_t status_bits(const fw_mbox_t *m, const fw_status_t *st)
{
    return (m->ready ? ZS_MBOX_ST_READY : 0) | (st->backpressure ? ZS_MBOX_ST_BACKPRESSURE : 0) |
           (st->l1_up ? 0 : ZS_MBOX_ST_L1_DOWN) | (st->fee_alarm ? ZS_MBOX_ST_FEE_ALARM : 0);
}

void fw_mbox_send_virtual(fw_mbox_t *m, const fw_status_t *st)
{
    const fw_cursor_t *c = &m->j->cur;
    zs_mbox_virtual_t v = {.virtual_ = c->virtual_, .confirmed = c->confirmed, .l1_block = c->virtual_l1_block,
                           .l1_head = st->virtual_head};
    memcpy(v.acc_input_hash, c->virtual_acc, 32);
    memcpy(v.l1_tx, c->virtual_tx, 32);
    push(m, ZS_MBOX_EVT_VIRTUAL, &v, sizeof v);
}

void fw_mbox_send_state(fw_mbox_t *m, const fw_status_t *st)
{
    zs_mbox_state_t s = {.backlog = fw_journal_backlog(m->j), .pending_l1_txs = fw_journal_pending(m->j),
                         .flags = status_bits(m, st)};
    push(m, ZS_MBOX_EVT_STATE, &s, sizeof s);
    if (m->ready) REG32(m, ZS_MBOX_REG_FW_STATUS) = status_bits(m, st);
}

void fw_mbox_send_policy(fw_mbox_t *m)
{
    zs_mbox_policy_t p = {.policy = m->policy->cfg, .block_time_ms = m->policy->block_time_ms};
    push(m, ZS_MBOX_EVT_POLICY, &p, sizeof p);
}

/* The L1 account and submissions, for the host's status and metrics. */
static void send_l1info(fw_mbox_t *m, const fw_status_t *st)
{
    const fw_cursor_t *c = &m->j->cur;
    zs_mbox_l1info_t i;
    memset(&i, 0, sizeof i);
    memcpy(i.sequencer, st->address, 20);
    i.have_key = (uint32_t)st->have_key;
    zs_u256_to_be32(&st->l1_balance, i.balance_wei);
    i.l1_txs_sent = c->l1_txs_sent;
    i.fee_bumps = c->bumps;
    i.reorgs = c->reorgs;
    i.fees_gwei = c->fees_gwei;
    i.l1_head = st->l1_head;
    i.base_fee_wei = st->l1_base_fee;
    memcpy(i.last_l1_tx, fw_journal_last_tx(m->j), 32);
    i.uptime_ms = st->now_ms - st->boot_ms;
    i.l1_up = (uint32_t)st->l1_up;
    i.alarms = (uint32_t)st->nalarms;
    i.l1_gas_used = st->l1_gas_used;
    i.l1_data = (uint32_t)st->l1_data;
    i.blobs_available = (uint32_t)st->blobs_available;
    i.blob_txs = st->blob_txs;
    i.blob_base_fee_wei = st->l1_blob_fee;
    i.blobs_checked = st->blobs_checked;
    i.blobs_refused = st->blobs_refused;
    push(m, ZS_MBOX_EVT_L1INFO, &i, sizeof i);
}

/* An operator's policy change through the host (zkseqctl config set):
   the same rule and the same log line as the console's `policy set`. */
static void handle_policy_set(fw_mbox_t *m, const uint8_t *p, uint32_t len)
{
    zs_mbox_policy_set_t q;
    zs_mbox_policy_result_t r;
    memset(&r, 0, sizeof r);
    if (len != sizeof q) {
        fw_alarm(m->log, "host sent a malformed policy change (%u bytes)", len);
        return;
    }
    memcpy(&q, p, sizeof q);
    q.key[sizeof q.key - 1] = 0;
    q.who[sizeof q.who - 1] = 0;
    r.id = q.id;
    char value[24];
    snprintf(value, sizeof value, "%llu", (unsigned long long)q.value);
    const char *why;
    if (!strcmp(q.key, "l1_data")) { /* not a batching limit: the core applies it */
        why = q.value > ZS_MBOX_L1_DATA_AUTO ? "l1_data must be 0 (calldata), 1 (blob) or 2 (auto)" : NULL;
        if (!why) m->l1_data_request = (int)q.value;
        r.ok = !why;
        snprintf(r.reason, sizeof r.reason, "%s", why ? why : "");
        push(m, ZS_MBOX_EVT_POLICY_RESULT, &r, sizeof r);
        return;
    }
    why = fw_policy_set(m->policy, q.key, value);
    if (why) {
        snprintf(r.reason, sizeof r.reason, "%s", why);
    } else {
        r.ok = 1;
        fw_log(m->log, "mailbox: policy %s set to %s by %s", q.key, value, q.who[0] ? q.who : "the host");
        fw_mbox_send_policy(m);
    }
    push(m, ZS_MBOX_EVT_POLICY_RESULT, &r, sizeof r);
}

static void send_ack(fw_mbox_t *m)
{
    zs_mbox_ack_t a = {.number = m->j->cur.last_sealed};
    push(m, ZS_MBOX_EVT_ACK, &a, sizeof a);
    m->acked = m->j->cur.last_sealed;
}

void fw_mbox_request_resend(fw_mbox_t *m, uint64_t from)
{
    if (from == m->resend_from && now(m) - m->resend_ms < 2000) return;
    m->resend_from = from;
    m->resend_ms = now(m);
    zs_mbox_resend_t r = {.number = from};
    push(m, ZS_MBOX_EVT_RESEND, &r, sizeof r);
    fw_log(m->log, "asked the host for sealed batches from %llu", (unsigned long long)from);
}

/* A new epoch: the registers and rings laid out afresh. */
static void start_epoch(fw_mbox_t *m)
{
    volatile uint8_t *base = m->hal->mbox_base(m->hal->ctx);
    REG32(m, ZS_MBOX_REG_FW_STATUS) = 0;
    REG32(m, ZS_MBOX_REG_VERSION) = ZS_MBOX_VERSION;
    REG32(m, ZS_MBOX_REG_MAGIC) = ZS_MBOX_MAGIC;
    m->epoch = REG32(m, ZS_MBOX_REG_FW_EPOCH) + 1;
    if (!m->epoch) m->epoch = 1;
    __atomic_store_n((uint32_t *)&REG32(m, ZS_MBOX_REG_FW_EPOCH), m->epoch, __ATOMIC_RELEASE);
    if (zs_ring_init(&m->cmd, (void *)(base + ZS_MBOX_REG_CMD_RING), (void *)(base + ZS_MBOX_CMD_DATA),
                     ZS_MBOX_CMD_BYTES) ||
        zs_ring_init(&m->evt, (void *)(base + ZS_MBOX_REG_EVT_RING), (void *)(base + ZS_MBOX_EVT_DATA),
                     ZS_MBOX_EVT_BYTES))
        fw_alarm(m->log, "mailbox rings do not fit the layout");
    m->ready = 0;
    m->host_hello = 0;
    m->start_ms = now(m);
    m->host_last_hb = REG64(m, ZS_MBOX_REG_HOST_HEARTBEAT);
    m->host_hb_seen_ms = 0;
}

void fw_mbox_init(fw_mbox_t *m, const zs_hal_t *hal, fw_log_t *log, fw_journal_t *j, fw_policy_t *policy,
                  uint64_t l2_chain_id)
{
    memset(m, 0, sizeof *m);
    m->hal = hal;
    m->log = log;
    m->j = j;
    m->policy = policy;
    m->l2_chain_id = l2_chain_id;
    m->l1_data_request = -1;
    start_epoch(m);
}

int fw_mbox_host_up(const fw_mbox_t *m)
{
    return m->host_hb_seen_ms && now(m) - m->host_hb_seen_ms < ZS_MBOX_DEAD_MS;
}

static void handle_hello(fw_mbox_t *m, const uint8_t *p, uint32_t len, const fw_status_t *st)
{
    zs_mbox_hello_t h;
    if (len != sizeof h) return;
    memcpy(&h, p, sizeof h);
    if (h.chain_id != m->l2_chain_id)
        fw_alarm(m->log, "host chain id %llu differs from the configured %llu", (unsigned long long)h.chain_id,
                 (unsigned long long)m->l2_chain_id);
    m->host_last_sealed = h.last_sealed;
    m->host_hello = 1;
    zs_mbox_fw_hello_t r = {.version = ZS_MBOX_VERSION, .last_journaled = m->j->cur.last_sealed};
    push(m, ZS_MBOX_EVT_HELLO, &r, sizeof r);
    fw_mbox_send_policy(m);
    fw_mbox_send_virtual(m, st);
    fw_mbox_send_state(m, st);
    send_l1info(m, st);
    if (h.last_sealed < m->j->cur.last_sealed)
        fw_alarm(m->log, "host's last sealed batch %llu is behind the journal's %llu", (unsigned long long)h.last_sealed,
                 (unsigned long long)m->j->cur.last_sealed);
}

/* A sealed batch, checked and journaled; *consumed 0 leaves it in the ring
   (the journal is full, or its write failed: tried again later). */
static void handle_sealed(fw_mbox_t *m, const uint8_t *p, uint32_t len, int *consumed)
{
    *consumed = 1;
    zs_mbox_sealed_t h;
    if (len < sizeof h) {
        fw_alarm(m->log, "host sent a short sealed-batch message (%u bytes)", len);
        return;
    }
    memcpy(&h, p, sizeof h);
    const uint8_t *data = p + sizeof h;
    if (h.l2len != len - sizeof h || h.l2len > FW_BATCH_MAX) {
        fw_alarm(m->log, "sealed batch %llu: length %u does not match the message", (unsigned long long)h.number,
                 h.l2len);
        return;
    }
    uint8_t hash[32];
    zs_keccak256(data, h.l2len, hash);
    if (memcmp(hash, h.batch_hash, 32)) {
        fw_alarm(m->log, "sealed batch %llu: data does not match its hash; refused", (unsigned long long)h.number);
        return;
    }
    const fw_cursor_t *c = &m->j->cur;
    fw_batch_t *old = fw_journal_find(m->j, h.number);
    if (h.number <= c->last_sealed) {
        if (old && old->has_data) {
            if (memcmp(old->batch_hash, h.batch_hash, 32))
                fw_alarm(m->log, "host sealed batch %llu again with other data; the journal keeps the first",
                         (unsigned long long)h.number);
            return; /* a repeat (hand-over after a restart) */
        }
        if (!old && h.number <= c->confirmed) return; /* confirmed on L1 long ago */
    } else if (h.number != c->last_sealed + 1) {
        fw_mbox_request_resend(m, c->last_sealed + 1);
        return;
    }
    fw_batch_t b = {.number = h.number, .timestamp = h.timestamp, .first_block = h.first_block,
                    .last_block = h.last_block, .l2len = h.l2len};
    memcpy(b.state_root, h.state_root, 32);
    memcpy(b.batch_hash, h.batch_hash, 32);
    memcpy(b.coinbase, h.coinbase, 20);
    if (h.flags & ZS_MBOX_SEALED_FORCED) {
        if (!h.forced || !h.forced_timestamp) {
            fw_alarm(m->log, "sealed batch %llu: a forced batch without its number or timestamp; refused",
                     (unsigned long long)h.number);
            return;
        }
        b.forced = h.forced;
        b.forced_timestamp = h.forced_timestamp;
        b.invalid = (h.flags & ZS_MBOX_SEALED_INVALID) != 0;
        memcpy(b.forced_ger, h.forced_ger, 32);
        memcpy(b.forced_block_hash, h.forced_block_hash, 32);
    }
    int rc = fw_journal_add_batch(m->j, &b, data);
    if (rc == ZS_ERR_FULL) { /* stays in the ring; backpressure is on */
        *consumed = 0;
        return;
    }
    if (rc == ZS_ERR_INVAL) return; /* still confirmed on L1: nothing to hold */
    if (rc) {
        fw_alarm(m->log, "journaling batch %llu failed: %s", (unsigned long long)h.number, zs_strerror(rc));
        *consumed = 0;
        return;
    }
    if (m->resend_from && h.number >= m->resend_from) m->resend_from = 0;
}

static void handle_stats(fw_mbox_t *m, const uint8_t *p, uint32_t len)
{
    zs_mbox_stats_t s;
    if (len != sizeof s) return;
    memcpy(&s, p, sizeof s);
    m->host_open_batch = s.open_batch;
    m->host_last_sealed = s.last_sealed;
    m->host_txs_total = s.txs_total;
    m->host_pool = s.pool_pending;
    uint64_t t = now(m);
    if (fw_policy_observe(m->policy, s.txs_total, t)) fw_mbox_send_policy(m);
    uint32_t reason;
    if (fw_policy_close_due(m->policy, s.open_batch, s.open_age_ms, s.open_bytes, s.open_txs, s.open_gas, t, &reason)) {
        zs_mbox_close_t c = {.number = s.open_batch, .reason = reason};
        push(m, ZS_MBOX_EVT_CLOSE, &c, sizeof c);
    }
}

/* Heartbeats both ways; 0 while the handshake is not done. */
static int beat(fw_mbox_t *m, uint64_t t)
{
    if (t >= m->next_hb_ms) {
        REG64(m, ZS_MBOX_REG_FW_HEARTBEAT) = REG64(m, ZS_MBOX_REG_FW_HEARTBEAT) + 1;
        m->next_hb_ms = t + ZS_MBOX_HEARTBEAT_MS;
    }
    uint64_t hb = REG64(m, ZS_MBOX_REG_HOST_HEARTBEAT);
    if (hb != m->host_last_hb) {
        m->host_last_hb = hb;
        m->host_hb_seen_ms = t;
    }
    if (m->ready) return 1;
    /* Wait for a live host to see the new epoch, so it is not in the middle
       of writing when the rings are reset. */
    int acked = __atomic_load_n((uint32_t *)&REG32(m, ZS_MBOX_REG_HOST_EPOCH), __ATOMIC_ACQUIRE) == m->epoch;
    if (!acked && t - m->start_ms < 5000 && (fw_mbox_host_up(m) || t - m->start_ms < 300)) return 0;
    zs_ring_reset(&m->cmd);
    zs_ring_reset(&m->evt);
    m->ready = 1;
    fw_log(m->log, "mailbox ready (epoch %u)", m->epoch);
    return 0;
}

int fw_mbox_send_kzg_req(fw_mbox_t *m, const zs_mbox_kzg_req_t *req)
{
    return push(m, ZS_MBOX_EVT_KZG_REQ, req, sizeof *req);
}

void fw_mbox_poll(fw_mbox_t *m, const fw_status_t *st)
{
    uint64_t t = now(m);
    if (!beat(m, t)) {
        if (m->ready) REG32(m, ZS_MBOX_REG_FW_STATUS) = status_bits(m, st);
        return;
    }
    for (int budget = 64; budget > 0; budget--) {
        uint16_t type;
        const uint8_t *p;
        uint32_t len;
        int rc = zs_ring_peek(&m->cmd, &type, &p, &len);
        if (rc == 0) break;
        if (rc < 0) {
            fw_alarm(m->log, "mailbox command ring is corrupt; restarting the link");
            start_epoch(m);
            return;
        }
        int consumed = 1;
        switch (type) {
        case ZS_MBOX_CMD_HELLO: handle_hello(m, p, len, st); break;
        case ZS_MBOX_CMD_SEALED: handle_sealed(m, p, len, &consumed); break;
        case ZS_MBOX_CMD_STATS: handle_stats(m, p, len); break;
        case ZS_MBOX_CMD_POLICY_SET: handle_policy_set(m, p, len); break;
        case ZS_MBOX_CMD_KZG:
            if (m->nkzg == FW_MBOX_KZG_INBOX) consumed = 0;
            else if (len == sizeof m->kzg_in[0]) memcpy(&m->kzg_in[m->nkzg++], p, len);
            else fw_log(m->log, "mailbox: a KZG answer of %u bytes ignored", len);
            break;
        default: fw_log(m->log, "unknown mailbox command %u ignored", type); break;
        }
        if (!consumed) break;
        zs_ring_pop(&m->cmd);
    }
    if (m->j->cur.last_sealed != m->acked) send_ack(m);
    if (t - m->refresh_ms >= 1000) {
        m->refresh_ms = t;
        send_ack(m);
        fw_mbox_send_virtual(m, st);
        fw_mbox_send_state(m, st);
        fw_mbox_send_policy(m);
        send_l1info(m, st);
    }
}
