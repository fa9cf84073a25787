#include "host/fwlink/zs_fwlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/mbox/zs_mbox.h"
#include "host/fwlink/zs_fwkzg.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"

struct zs_fwlink {
    zs_node_t *node;
    zs_l1view_t *view;
    zs_mbox_t *mbox;
    zs_fwkzg_t *kzg; /* the firmware's blobs' KZG work */
    pthread_t thread;
    volatile int stop;
    /* The link thread's own. */
    int fw_hello, was_up;
    uint64_t next_send, next_stats_ms;
    zs_l1_status_t l1; /* what goes to the view */
    /* A policy change from another thread, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int up;                    /* mirrors l1.fw_up for those threads */
    uint64_t next_id;
    int req_pending;           /* a POLICY_SET waits to be sent */
    zs_mbox_policy_set_t req;
    int have_result;
    zs_mbox_policy_result_t result;
};

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void set_up(zs_fwlink_t *l, int up)
{
    pthread_mutex_lock(&l->mu);
    l->up = up;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void publish(zs_fwlink_t *l)
{
    if (zs_l1view_update(l->view, &l->l1))
        zs_log(ZS_LOG_ERROR, "fwlink", "cannot record the L1 state: %s", zs_store_last_error(zs_node_store(l->node)));
}

static void link_down(zs_fwlink_t *l)
{
    if (l->was_up)
        zs_log(ZS_LOG_WARN, "fwlink", "firmware link down: sequencing goes on with the configured batch policy");
    set_up(l, 0);
    l->was_up = 0;
    l->fw_hello = 0;
    zs_policyctl_set_firmware(zs_node_policy(l->node), NULL, 0);
    l->l1.fw_up = 0;
    l->l1.have_info = 0;
    l->l1.backpressure = 0;
    publish(l);
}

static void hello(zs_fwlink_t *l)
{
    zs_batch_numbers_t bn;
    zs_node_batches(l->node, &bn);
    zs_mbox_hello_t h = {.version = ZS_MBOX_VERSION, .chain_id = zs_node_cfg(l->node)->chain_id,
                         .last_sealed = bn.trusted};
    l->fw_hello = 0;
    zs_fwkzg_reset(l->kzg); /* a new firmware asks anew: what the old one asked is not worth computing */
    if (zs_mbox_send(l->mbox, ZS_MBOX_CMD_HELLO, &h, sizeof h, NULL, 0) == ZS_OK)
        zs_log(ZS_LOG_INFO, "fwlink", "firmware link up (epoch %u)", zs_mbox_epoch(l->mbox));
    l->was_up = 1;
    l->l1.fw_up = 1;
    l->l1.fw_epoch = zs_mbox_epoch(l->mbox);
    set_up(l, 1);
}

/* ---- Events, each into the view's named fields. */

static void on_virtual(zs_fwlink_t *l, const zs_mbox_virtual_t *v)
{
    l->l1.virtual_ = v->virtual_;
    l->l1.confirmed = v->confirmed;
    l->l1.l1_block = v->l1_block;
    l->l1.l1_head = v->l1_head;
    memcpy(l->l1.acc_input_hash, v->acc_input_hash, 32);
    memcpy(l->l1.l1_tx, v->l1_tx, 32);
}

static void on_state(zs_fwlink_t *l, const zs_mbox_state_t *s)
{
    l->l1.backlog = s->backlog;
    l->l1.pending_l1_txs = s->pending_l1_txs;
    l->l1.l1_down = (s->flags & ZS_MBOX_ST_L1_DOWN) != 0;
    l->l1.fee_alarm = (s->flags & ZS_MBOX_ST_FEE_ALARM) != 0;
    int bp = (s->flags & ZS_MBOX_ST_BACKPRESSURE) != 0;
    if (bp != l->l1.backpressure)
        zs_log(ZS_LOG_WARN, "fwlink", "firmware %s backpressure (backlog %llu batches)", bp ? "asks for" : "lifts",
               (unsigned long long)s->backlog);
    l->l1.backpressure = bp;
}

static void on_l1info(zs_fwlink_t *l, const zs_mbox_l1info_t *m)
{
    l->l1.have_info = 1;
    l->l1.have_key = m->have_key != 0;
    memcpy(l->l1.sequencer, m->sequencer, 20);
    l->l1.balance_wei = zs_u256_from_be32(m->balance_wei);
    l->l1.l1_up = m->l1_up != 0;
    l->l1.l1_txs_sent = m->l1_txs_sent;
    l->l1.fee_bumps = m->fee_bumps;
    l->l1.reorgs = m->reorgs;
    l->l1.fees_gwei = m->fees_gwei;
    l->l1.base_fee_wei = m->base_fee_wei;
    l->l1.l1_gas_used = m->l1_gas_used;
    memcpy(l->l1.last_l1_tx, m->last_l1_tx, 32);
    l->l1.fw_uptime_ms = m->uptime_ms;
    l->l1.fw_alarms = m->alarms;
    l->l1.l1_data = (int)m->l1_data;
    l->l1.blobs_available = m->blobs_available != 0;
    l->l1.blob_txs = m->blob_txs;
    l->l1.blob_base_fee_wei = m->blob_base_fee_wei;
    l->l1.blobs_checked = m->blobs_checked;
    l->l1.blobs_refused = m->blobs_refused;
    zs_fwkzg_counts(l->kzg, &l->l1.kzg_answered, &l->l1.kzg_failed);
}

static void on_policy_result(zs_fwlink_t *l, zs_mbox_policy_result_t *r)
{
    r->reason[sizeof r->reason - 1] = 0;
    pthread_mutex_lock(&l->mu);
    if (r->id == l->req.id) {
        l->result = *r;
        l->have_result = 1;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
}

/* Copies the event's fixed payload into out: 0 when the length is wrong
   (an event of another mailbox version is ignored). */
static int payload(void *out, size_t size, const uint8_t *p, uint32_t len)
{
    if (len != size) return 0;
    memcpy(out, p, size);
    return 1;
}

static void handle(zs_fwlink_t *l, uint16_t type, const uint8_t *p, uint32_t len)
{
    union {
        zs_mbox_fw_hello_t hello;
        zs_mbox_ack_t ack;
        zs_mbox_policy_t policy;
        zs_mbox_close_t close;
        zs_mbox_virtual_t virt;
        zs_mbox_resend_t resend;
        zs_mbox_state_t state;
        zs_mbox_policy_result_t result;
        zs_mbox_l1info_t info;
        zs_mbox_kzg_req_t kzg;
    } m;
    switch (type) {
    case ZS_MBOX_EVT_HELLO:
        if (!payload(&m.hello, sizeof m.hello, p, len)) return;
        l->next_send = m.hello.last_journaled + 1;
        l->l1.handed_over = m.hello.last_journaled;
        l->fw_hello = 1;
        break;
    case ZS_MBOX_EVT_ACK:
        if (payload(&m.ack, sizeof m.ack, p, len)) l->l1.handed_over = m.ack.number;
        break;
    case ZS_MBOX_EVT_POLICY:
        if (payload(&m.policy, sizeof m.policy, p, len))
            zs_policyctl_set_firmware(zs_node_policy(l->node), &m.policy.policy, m.policy.block_time_ms);
        break;
    case ZS_MBOX_EVT_CLOSE:
        if (payload(&m.close, sizeof m.close, p, len)) zs_node_request_close(l->node, m.close.number, 0);
        break;
    case ZS_MBOX_EVT_VIRTUAL:
        if (payload(&m.virt, sizeof m.virt, p, len)) on_virtual(l, &m.virt);
        break;
    case ZS_MBOX_EVT_RESEND:
        if (payload(&m.resend, sizeof m.resend, p, len) && m.resend.number && m.resend.number < l->next_send)
            l->next_send = m.resend.number;
        break;
    case ZS_MBOX_EVT_STATE:
        if (payload(&m.state, sizeof m.state, p, len)) on_state(l, &m.state);
        break;
    case ZS_MBOX_EVT_POLICY_RESULT:
        if (payload(&m.result, sizeof m.result, p, len)) on_policy_result(l, &m.result);
        break;
    case ZS_MBOX_EVT_L1INFO:
        if (payload(&m.info, sizeof m.info, p, len)) on_l1info(l, &m.info);
        break;
    case ZS_MBOX_EVT_KZG_REQ:
        if (payload(&m.kzg, sizeof m.kzg, p, len)) zs_fwkzg_ask(l->kzg, &m.kzg);
        break;
    default: break; /* a newer firmware's event */
    }
}

/* Hands over closed batches from next_send, as many as the ring takes. */
static void hand_over(zs_fwlink_t *l)
{
    zs_batch_numbers_t bn;
    zs_node_batches(l->node, &bn);
    for (int k = 0; k < 32 && l->fw_hello && l->next_send && l->next_send <= bn.trusted; k++) {
        zs_batchrec_t b;
        int rc = zs_chain_get_batch(zs_node_store(l->node), l->next_send, &b);
        if (rc) {
            zs_log(ZS_LOG_ERROR, "fwlink", "batch %llu for the firmware: %s", (unsigned long long)l->next_send,
                   zs_strerror(rc));
            return;
        }
        zs_mbox_sealed_t h = {.number = b.number, .timestamp = b.timestamp, .first_block = b.first_block,
                              .last_block = b.last_block, .l2len = (uint32_t)b.l2len};
        memcpy(h.state_root, b.state_root, 32);
        memcpy(h.batch_hash, b.batch_hash, 32);
        memcpy(h.coinbase, b.coinbase, 20);
        if (b.forced) {
            h.flags = ZS_MBOX_SEALED_FORCED | (b.invalid ? ZS_MBOX_SEALED_INVALID : 0);
            h.forced = b.forced;
            h.forced_timestamp = b.forced_timestamp;
            memcpy(h.forced_ger, b.forced_ger, 32);
            memcpy(h.forced_block_hash, b.forced_block_hash, 32);
        }
        rc = zs_mbox_send(l->mbox, ZS_MBOX_CMD_SEALED, &h, sizeof h, b.l2data, (uint32_t)b.l2len);
        zs_batchrec_clear(&b);
        if (rc == ZS_ERR_FULL) return;
        if (rc) {
            zs_log(ZS_LOG_ERROR, "fwlink", "batch %llu cannot go to the firmware: %s", (unsigned long long)l->next_send,
                   zs_strerror(rc));
            return;
        }
        l->next_send++;
    }
}

/* The open batch's statistics, the policy's input. */
static void send_stats(zs_fwlink_t *l)
{
    zs_node_open_batch_t ob;
    zs_node_open_batch(l->node, &ob);
    zs_mbox_stats_t s = {.open_batch = ob.number, .open_bytes = ob.bytes, .open_txs = ob.txs, .open_gas = ob.gas,
                         .open_age_ms = ob.age_ms, .txs_total = ob.txs_total, .pool_pending = ob.pool_pending,
                         .last_sealed = ob.last_sealed};
    if (zs_mbox_send(l->mbox, ZS_MBOX_CMD_STATS, &s, sizeof s, NULL, 0)) {
        /* Ring full or link down: the next round sends fresher numbers. */
    }
}

/* Every event waiting, then what changed goes to the view. */
static void drain_events(zs_fwlink_t *l)
{
    zs_l1_status_t before = l->l1;
    for (int budget = 256; budget > 0; budget--) {
        uint16_t type;
        const uint8_t *p;
        uint32_t len;
        int rc = zs_mbox_recv(l->mbox, &type, &p, &len);
        if (rc <= 0) {
            if (rc < 0) zs_log(ZS_LOG_ERROR, "fwlink", "firmware event ring is corrupt; waiting for a restart");
            break;
        }
        handle(l, type, p, len);
        zs_mbox_consume(l->mbox);
    }
    l->l1.fw_heartbeat = zs_mbox_fw_heartbeat(l->mbox);
    if (memcmp(&before, &l->l1, sizeof before)) publish(l);
}

static void *link_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-fw-link");
    zs_fwlink_t *l = arg;
    while (!l->stop) {
        uint64_t now = mono_ms();
        int st = zs_mbox_poll(l->mbox, now);
        if (st == ZS_MBOX_DOWN) {
            if (l->was_up || l->l1.fw_up) link_down(l);
            zs_mbox_wait(l->mbox, 20);
            continue;
        }
        if (st == ZS_MBOX_NEW_EPOCH) hello(l);
        drain_events(l);
        hand_over(l);
        const zs_mbox_kzg_t *a;
        while ((a = zs_fwkzg_peek(l->kzg)) && zs_mbox_send(l->mbox, ZS_MBOX_CMD_KZG, a, sizeof *a, NULL, 0) == ZS_OK)
            zs_fwkzg_pop(l->kzg);
        pthread_mutex_lock(&l->mu);
        if (l->req_pending && zs_mbox_send(l->mbox, ZS_MBOX_CMD_POLICY_SET, &l->req, sizeof l->req, NULL, 0) == ZS_OK)
            l->req_pending = 0;
        pthread_mutex_unlock(&l->mu);
        if (now >= l->next_stats_ms) {
            send_stats(l);
            l->next_stats_ms = now + 100;
        }
        zs_mbox_wait(l->mbox, 10);
    }
    return NULL;
}

zs_fwlink_t *zs_fwlink_start(zs_node_t *n, const char *mbox_path, char *err, size_t errlen)
{
    zs_fwlink_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->node = n;
    l->view = zs_node_l1view(n);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    zs_l1view_read(l->view, &l->l1);
    l->l1.fw_up = 0;
    l->l1.backpressure = 0;
    if (!(l->mbox = zs_mbox_open(mbox_path, err, errlen))) {
        free(l);
        return NULL;
    }
    if (!(l->kzg = zs_fwkzg_start(n))) {
        snprintf(err, errlen, "cannot start the firmware link's KZG worker");
        zs_mbox_close(l->mbox);
        free(l);
        return NULL;
    }
    if (pthread_create(&l->thread, NULL, link_main, l)) {
        snprintf(err, errlen, "cannot start the firmware link thread");
        zs_fwkzg_stop(l->kzg);
        zs_mbox_close(l->mbox);
        free(l);
        return NULL;
    }
    return l;
}

void zs_fwlink_stop(zs_fwlink_t *l)
{
    if (!l) return;
    l->stop = 1;
    pthread_join(l->thread, NULL);
    zs_fwkzg_stop(l->kzg);
    zs_mbox_close(l->mbox);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

uint32_t zs_fwlink_mailbox_version(void)
{
    return ZS_MBOX_VERSION;
}

int zs_fwlink_policy_set(zs_fwlink_t *l, const char *key, uint64_t value, const char *who, char *why, size_t whylen,
                         int timeout_ms)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&l->mu);
    /* One change at a time: wait for the one before. */
    while ((l->req_pending || (l->req.id && !l->have_result)) && l->up)
        if (pthread_cond_timedwait(&l->cv, &l->mu, &deadline)) break;
    if (!l->up) {
        pthread_mutex_unlock(&l->mu);
        snprintf(why, whylen, "the firmware link is down");
        return ZS_ERR_STATE;
    }
    memset(&l->req, 0, sizeof l->req);
    l->req.id = ++l->next_id;
    l->req.value = value;
    snprintf(l->req.key, sizeof l->req.key, "%s", key);
    snprintf(l->req.who, sizeof l->req.who, "%s", who ? who : "");
    l->req_pending = 1;
    l->have_result = 0;
    int rc = ZS_ERR_TIMEOUT;
    while (!l->have_result && l->up)
        if (pthread_cond_timedwait(&l->cv, &l->mu, &deadline)) break;
    if (l->have_result) {
        rc = l->result.ok ? ZS_OK : ZS_ERR_REFUSED;
        if (!l->result.ok) snprintf(why, whylen, "%s", l->result.reason);
    } else {
        snprintf(why, whylen, l->up ? "the firmware did not answer in %d ms" : "the firmware link went down",
                 timeout_ms);
        if (!l->up) rc = ZS_ERR_STATE;
    }
    l->req_pending = 0;
    l->req.id = 0;
    pthread_mutex_unlock(&l->mu);
    return rc;
}
