/* The host link, firmware side (lib/mbox/zs_mbox_hw.h): boot handshake,
   heartbeats, sealed batches in (journaled, then acknowledged), stats in
   (the policy's input), and events out.  Every event carries the whole
   current value (not a delta) and is sent again every second, so an event
   lost to a full ring or a host restart costs nothing. */
#include <stdio.h>
#include <string.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "firmware/fw.h"
#include "lib/keccak/zs_keccak.h"

#define REG32(fw, off) (*(volatile uint32_t *)((fw)->hal->mbox_base((fw)->hal->ctx) + (off)))
#define REG64(fw, off) (*(volatile uint64_t *)((fw)->hal->mbox_base((fw)->hal->ctx) + (off)))

static uint64_t now(fw_t *fw)
{
    return fw->hal->now_ms(fw->hal->ctx);
}

static void push(fw_t *fw, uint16_t type, const void *p, uint32_t len)
{
    if (!fw->link_ready) return;
    if (zs_ring_push(&fw->evt, type, p, len, NULL, 0) == ZS_OK) {
        __atomic_add_fetch((uint32_t *)&REG32(fw, ZS_MBOX_REG_EVT_DOORBELL), 1, __ATOMIC_RELEASE);
        fw->hal->mbox_notify(fw->hal->ctx);
    }
    /* Full: the periodic refresh sends it again. */
}

static uint32_t status_bits(const fw_t *fw)
{
    return (fw->link_ready ? ZS_MBOX_ST_READY : 0) | (fw->backpressure ? ZS_MBOX_ST_BACKPRESSURE : 0) |
           (fw->l1_up ? 0 : ZS_MBOX_ST_L1_DOWN) | (fw->fee_alarm ? ZS_MBOX_ST_FEE_ALARM : 0);
}

void fw_mbox_send_virtual(fw_t *fw)
{
    zs_mbox_virtual_t v = {.virtual_ = fw->cur.virtual_, .confirmed = fw->cur.confirmed,
                           .l1_block = fw->cur.virtual_l1_block, .l1_head = fw->l1_head};
    memcpy(v.acc_input_hash, fw->cur.virtual_acc, 32);
    memcpy(v.l1_tx, fw->cur.virtual_tx, 32);
    push(fw, ZS_MBOX_EVT_VIRTUAL, &v, sizeof v);
}

void fw_mbox_send_state(fw_t *fw)
{
    size_t pending = 0;
    for (size_t i = 0; i < fw->nsubs; i++) pending += fw->subs[i].state == FW_SUB_PENDING;
    zs_mbox_state_t s = {.backlog = fw_backlog(fw), .pending_l1_txs = pending, .flags = status_bits(fw)};
    push(fw, ZS_MBOX_EVT_STATE, &s, sizeof s);
    if (fw->link_ready) REG32(fw, ZS_MBOX_REG_FW_STATUS) = status_bits(fw);
}

void fw_mbox_send_policy(fw_t *fw)
{
    zs_mbox_policy_t p = {.policy = fw->policy.cfg, .block_time_ms = fw->policy.block_time_ms};
    push(fw, ZS_MBOX_EVT_POLICY, &p, sizeof p);
}

void fw_mbox_send_close(fw_t *fw, uint64_t number, uint32_t reason)
{
    zs_mbox_close_t c = {.number = number, .reason = reason};
    push(fw, ZS_MBOX_EVT_CLOSE, &c, sizeof c);
}

/* The L1 account and submissions, for the host's status and metrics. */
void fw_mbox_send_l1info(fw_t *fw)
{
    zs_mbox_l1info_t m;
    memset(&m, 0, sizeof m);
    memcpy(m.sequencer, fw->address, 20);
    m.have_key = (uint32_t)fw->have_key;
    zs_u256_to_be32(&fw->l1_balance, m.balance_wei);
    m.l1_txs_sent = fw->cur.l1_txs_sent;
    m.fee_bumps = fw->cur.bumps;
    m.reorgs = fw->cur.reorgs;
    m.fees_gwei = fw->cur.fees_gwei;
    m.l1_head = fw->l1_head;
    m.base_fee_wei = fw->l1_base_fee;
    if (fw->nsubs) {
        const fw_sub_t *s = &fw->subs[fw->nsubs - 1];
        memcpy(m.last_l1_tx, s->hashes[s->nhashes - 1], 32);
    } else {
        memcpy(m.last_l1_tx, fw->cur.virtual_tx, 32);
    }
    m.uptime_ms = now(fw) - fw->boot_ms;
    m.l1_up = (uint32_t)fw->l1_up;
    m.alarms = (uint32_t)fw->nalarms;
    m.l1_gas_used = fw->l1_gas_used;
    push(fw, ZS_MBOX_EVT_L1INFO, &m, sizeof m);
}

/* An operator's policy change through the host (zkseqctl config set):
   the same rule and the same log line as the console's `policy set`. */
static void handle_policy_set(fw_t *fw, const uint8_t *p, uint32_t len)
{
    zs_mbox_policy_set_t m;
    zs_mbox_policy_result_t r;
    memset(&r, 0, sizeof r);
    if (len != sizeof m) {
        fw_alarm(fw, "host sent a malformed policy change (%u bytes)", len);
        return;
    }
    memcpy(&m, p, sizeof m);
    m.key[sizeof m.key - 1] = 0;
    m.who[sizeof m.who - 1] = 0;
    r.id = m.id;
    char value[24];
    snprintf(value, sizeof value, "%llu", (unsigned long long)m.value);
    const char *why = fw_policy_set(&fw->policy, m.key, value);
    if (why) {
        snprintf(r.reason, sizeof r.reason, "%s", why);
    } else {
        r.ok = 1;
        fw_log(fw, "mailbox: policy %s set to %s by %s", m.key, value, m.who[0] ? m.who : "the host");
        fw_mbox_send_policy(fw);
    }
    push(fw, ZS_MBOX_EVT_POLICY_RESULT, &r, sizeof r);
}

static void send_ack(fw_t *fw)
{
    zs_mbox_ack_t a = {.number = fw->cur.last_sealed};
    push(fw, ZS_MBOX_EVT_ACK, &a, sizeof a);
    fw->acked = fw->cur.last_sealed;
}

void fw_mbox_request_resend(fw_t *fw, uint64_t from)
{
    static uint64_t last_ms;
    if (from == fw->resend_from && now(fw) - last_ms < 2000) return;
    fw->resend_from = from;
    last_ms = now(fw);
    zs_mbox_resend_t r = {.number = from};
    push(fw, ZS_MBOX_EVT_RESEND, &r, sizeof r);
    fw_log(fw, "asked the host for sealed batches from %llu", (unsigned long long)from);
}

void fw_mbox_init(fw_t *fw)
{
    volatile uint8_t *base = fw->hal->mbox_base(fw->hal->ctx);
    REG32(fw, ZS_MBOX_REG_FW_STATUS) = 0;
    REG32(fw, ZS_MBOX_REG_VERSION) = ZS_MBOX_VERSION;
    REG32(fw, ZS_MBOX_REG_MAGIC) = ZS_MBOX_MAGIC;
    fw->epoch = REG32(fw, ZS_MBOX_REG_FW_EPOCH) + 1;
    if (!fw->epoch) fw->epoch = 1;
    __atomic_store_n((uint32_t *)&REG32(fw, ZS_MBOX_REG_FW_EPOCH), fw->epoch, __ATOMIC_RELEASE);
    if (zs_ring_init(&fw->cmd, (void *)(base + ZS_MBOX_REG_CMD_RING), (void *)(base + ZS_MBOX_CMD_DATA),
                     ZS_MBOX_CMD_BYTES) ||
        zs_ring_init(&fw->evt, (void *)(base + ZS_MBOX_REG_EVT_RING), (void *)(base + ZS_MBOX_EVT_DATA),
                     ZS_MBOX_EVT_BYTES))
        fw_alarm(fw, "mailbox rings do not fit the layout");
    fw->link_ready = 0;
    fw->host_hello = 0;
    fw->host_last_hb = REG64(fw, ZS_MBOX_REG_HOST_HEARTBEAT);
    fw->host_hb_seen_ms = 0;
}

static int host_alive(fw_t *fw)
{
    return fw->host_hb_seen_ms && now(fw) - fw->host_hb_seen_ms < ZS_MBOX_DEAD_MS;
}

static void handle_sealed(fw_t *fw, const uint8_t *p, uint32_t len, int *consumed)
{
    *consumed = 1;
    zs_mbox_sealed_t h;
    if (len < sizeof h) {
        fw_alarm(fw, "host sent a short sealed-batch message (%u bytes)", len);
        return;
    }
    memcpy(&h, p, sizeof h);
    const uint8_t *data = p + sizeof h;
    if (h.l2len != len - sizeof h || h.l2len > FW_BATCH_MAX) {
        fw_alarm(fw, "sealed batch %llu: length %u does not match the message", (unsigned long long)h.number,
                 h.l2len);
        return;
    }
    uint8_t hash[32];
    zs_keccak256(data, h.l2len, hash);
    if (memcmp(hash, h.batch_hash, 32)) {
        fw_alarm(fw, "sealed batch %llu: data does not match its hash; refused", (unsigned long long)h.number);
        return;
    }
    fw_batch_t *old = fw_journal_find(fw, h.number);
    if (h.number <= fw->cur.last_sealed) {
        if (old && old->has_data) {
            if (memcmp(old->batch_hash, h.batch_hash, 32))
                fw_alarm(fw, "host sealed batch %llu again with other data; the journal keeps the first",
                         (unsigned long long)h.number);
            return; /* a repeat (hand-over after a restart) */
        }
        if (!old && h.number <= fw->cur.confirmed)
            return; /* confirmed on L1 long ago */
    } else if (h.number != fw->cur.last_sealed + 1) {
        fw_mbox_request_resend(fw, fw->cur.last_sealed + 1);
        return;
    }
    fw_batch_t b;
    memset(&b, 0, sizeof b);
    b.number = h.number;
    b.timestamp = h.timestamp;
    b.first_block = h.first_block;
    b.last_block = h.last_block;
    memcpy(b.state_root, h.state_root, 32);
    memcpy(b.batch_hash, h.batch_hash, 32);
    memcpy(b.coinbase, h.coinbase, 20);
    b.l2len = h.l2len;
    int rc = fw_journal_add_batch(fw, &b, data);
    if (rc == ZS_ERR_FULL) {
        *consumed = 0; /* stays in the ring; backpressure is on */
        return;
    }
    if (rc == ZS_ERR_INVAL) /* still confirmed on L1: nothing to hold */
        return;
    if (rc) {
        fw_alarm(fw, "journaling batch %llu failed: %s", (unsigned long long)h.number, zs_strerror(rc));
        *consumed = 0;
        return;
    }
    if (fw->resend_from && h.number >= fw->resend_from) fw->resend_from = 0;
}

static void handle_stats(fw_t *fw, const uint8_t *p, uint32_t len)
{
    zs_mbox_stats_t s;
    if (len != sizeof s) return;
    memcpy(&s, p, sizeof s);
    fw->host_open_batch = s.open_batch;
    fw->host_last_sealed = s.last_sealed;
    fw->host_txs_total = s.txs_total;
    fw->host_pool = s.pool_pending;
    uint64_t t = now(fw);
    if (fw_policy_observe(&fw->policy, s.txs_total, t)) fw_mbox_send_policy(fw);
    uint32_t reason;
    if (fw_policy_close_due(&fw->policy, s.open_batch, s.open_age_ms, s.open_bytes, s.open_txs, s.open_gas, t,
                            &reason))
        fw_mbox_send_close(fw, s.open_batch, reason);
}

void fw_mbox_poll(fw_t *fw)
{
    uint64_t t = now(fw);
    if (t >= fw->next_hb_ms) {
        REG64(fw, ZS_MBOX_REG_FW_HEARTBEAT) = REG64(fw, ZS_MBOX_REG_FW_HEARTBEAT) + 1;
        fw->next_hb_ms = t + ZS_MBOX_HEARTBEAT_MS;
    }
    uint64_t hb = REG64(fw, ZS_MBOX_REG_HOST_HEARTBEAT);
    if (hb != fw->host_last_hb) {
        fw->host_last_hb = hb;
        fw->host_hb_seen_ms = t;
    }
    if (!fw->link_ready) {
        /* Wait for a live host to see the new epoch, so it is not in the
           middle of writing when the rings are reset. */
        int acked = __atomic_load_n((uint32_t *)&REG32(fw, ZS_MBOX_REG_HOST_EPOCH), __ATOMIC_ACQUIRE) == fw->epoch;
        if (!acked && t - fw->boot_ms < 5000 && (host_alive(fw) || t - fw->boot_ms < 300)) return;
        zs_ring_reset(&fw->cmd);
        zs_ring_reset(&fw->evt);
        fw->link_ready = 1;
        REG32(fw, ZS_MBOX_REG_FW_STATUS) = status_bits(fw);
        fw_log(fw, "mailbox ready (epoch %u)", fw->epoch);
        return;
    }
    for (int budget = 64; budget > 0; budget--) {
        uint16_t type;
        const uint8_t *p;
        uint32_t len;
        int rc = zs_ring_peek(&fw->cmd, &type, &p, &len);
        if (rc == 0) break;
        if (rc < 0) {
            fw_alarm(fw, "mailbox command ring is corrupt; restarting the link");
            fw->boot_ms = t;
            fw_mbox_init(fw);
            return;
        }
        int consumed = 1;
        switch (type) {
        case ZS_MBOX_CMD_HELLO: {
            zs_mbox_hello_t h;
            if (len == sizeof h) {
                memcpy(&h, p, sizeof h);
                if (h.chain_id != fw->cfg.l2_chain_id)
                    fw_alarm(fw, "host chain id %llu differs from the configured %llu", (unsigned long long)h.chain_id,
                             (unsigned long long)fw->cfg.l2_chain_id);
                fw->host_last_sealed = h.last_sealed;
                fw->host_hello = 1;
                zs_mbox_fw_hello_t r = {.version = ZS_MBOX_VERSION, .last_journaled = fw->cur.last_sealed};
                push(fw, ZS_MBOX_EVT_HELLO, &r, sizeof r);
                fw_mbox_send_policy(fw);
                fw_mbox_send_virtual(fw);
                fw_mbox_send_state(fw);
                fw_mbox_send_l1info(fw);
                if (h.last_sealed < fw->cur.last_sealed)
                    fw_alarm(fw, "host's last sealed batch %llu is behind the journal's %llu",
                             (unsigned long long)h.last_sealed, (unsigned long long)fw->cur.last_sealed);
            }
            break;
        }
        case ZS_MBOX_CMD_SEALED: handle_sealed(fw, p, len, &consumed); break;
        case ZS_MBOX_CMD_STATS: handle_stats(fw, p, len); break;
        case ZS_MBOX_CMD_POLICY_SET: handle_policy_set(fw, p, len); break;
        default: fw_log(fw, "unknown mailbox command %u ignored", type); break;
        }
        if (!consumed) break;
        zs_ring_pop(&fw->cmd);
    }
    if (fw->cur.last_sealed != fw->acked) send_ack(fw);
    static uint64_t refresh_ms;
    if (t - refresh_ms >= 1000) {
        refresh_ms = t;
        send_ack(fw);
        fw_mbox_send_virtual(fw);
        fw_mbox_send_state(fw);
        fw_mbox_send_policy(fw);
        fw_mbox_send_l1info(fw);
    }
}
