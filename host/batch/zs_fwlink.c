#include "host/batch/zs_fwlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/mbox/zs_mbox.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_time.h"

struct zs_fwlink {
    zs_node_t *node;
    zs_mbox_t *mbox;
    pthread_t thread;
    volatile int stop;
    int fw_hello, was_up;
    uint64_t next_send, next_stats_ms;
    zs_node_l1_t l1;
    /* Shared with other threads (info, policy changes), under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zs_fwlink_info_t info;
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

static void link_down(zs_fwlink_t *l)
{
    if (l->was_up)
        zs_log(ZS_LOG_WARN, "fwlink", "firmware link down: sequencing goes on with the configured batch policy");
    pthread_mutex_lock(&l->mu);
    l->info.up = 0;
    l->info.have_info = 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    l->was_up = 0;
    l->fw_hello = 0;
    zs_node_set_policy(l->node, NULL, 0);
    l->l1.fw_up = 0;
    l->l1.backpressure = 0;
    zs_node_set_l1(l->node, &l->l1);
}

static void hello(zs_fwlink_t *l)
{
    zs_batch_numbers_t bn;
    zs_node_batches(l->node, &bn);
    zs_mbox_hello_t h = {.version = ZS_MBOX_VERSION, .chain_id = zs_node_cfg(l->node)->chain_id,
                         .last_sealed = bn.trusted};
    l->fw_hello = 0;
    if (zs_mbox_send(l->mbox, ZS_MBOX_CMD_HELLO, &h, sizeof h, NULL, 0) == ZS_OK)
        zs_log(ZS_LOG_INFO, "fwlink", "firmware link up (epoch %u)", zs_mbox_epoch(l->mbox));
    l->was_up = 1;
    l->l1.fw_up = 1;
    pthread_mutex_lock(&l->mu);
    l->info.up = 1;
    l->info.epoch = zs_mbox_epoch(l->mbox);
    pthread_mutex_unlock(&l->mu);
}

static void handle(zs_fwlink_t *l, uint16_t type, const uint8_t *p, uint32_t len)
{
    switch (type) {
    case ZS_MBOX_EVT_HELLO: {
        zs_mbox_fw_hello_t h;
        if (len != sizeof h) return;
        memcpy(&h, p, sizeof h);
        l->next_send = h.last_journaled + 1;
        l->l1.handed_over = h.last_journaled;
        l->fw_hello = 1;
        break;
    }
    case ZS_MBOX_EVT_ACK: {
        zs_mbox_ack_t a;
        if (len != sizeof a) return;
        memcpy(&a, p, sizeof a);
        l->l1.handed_over = a.number;
        break;
    }
    case ZS_MBOX_EVT_POLICY: {
        zs_mbox_policy_t m;
        if (len != sizeof m) return;
        memcpy(&m, p, sizeof m);
        zs_batch_policy_t bp = {.max_bytes = m.max_bytes, .max_txs = (uint32_t)m.max_txs, .max_gas = m.max_gas,
                                .max_age_ms = m.max_age_ms};
        zs_node_set_policy(l->node, &bp, m.block_time_ms);
        break;
    }
    case ZS_MBOX_EVT_CLOSE: {
        zs_mbox_close_t c;
        if (len != sizeof c) return;
        memcpy(&c, p, sizeof c);
        zs_node_request_close(l->node, c.number);
        break;
    }
    case ZS_MBOX_EVT_VIRTUAL: {
        zs_mbox_virtual_t v;
        if (len != sizeof v) return;
        memcpy(&v, p, sizeof v);
        l->l1.virtual_ = v.virtual_;
        l->l1.confirmed = v.confirmed;
        l->l1.l1_block = v.l1_block;
        l->l1.l1_head = v.l1_head;
        memcpy(l->l1.acc_input_hash, v.acc_input_hash, 32);
        memcpy(l->l1.l1_tx, v.l1_tx, 32);
        break;
    }
    case ZS_MBOX_EVT_RESEND: {
        zs_mbox_resend_t r;
        if (len != sizeof r) return;
        memcpy(&r, p, sizeof r);
        if (r.number && r.number < l->next_send) l->next_send = r.number;
        break;
    }
    case ZS_MBOX_EVT_STATE: {
        zs_mbox_state_t s;
        if (len != sizeof s) return;
        memcpy(&s, p, sizeof s);
        l->l1.backlog = s.backlog;
        l->l1.pending_l1_txs = s.pending_l1_txs;
        l->l1.fw_flags = s.flags;
        int bp = (s.flags & ZS_MBOX_ST_BACKPRESSURE) != 0;
        if (bp != l->l1.backpressure)
            zs_log(ZS_LOG_WARN, "fwlink", "firmware %s backpressure (backlog %llu batches)", bp ? "asks for" : "lifts",
                   (unsigned long long)s.backlog);
        l->l1.backpressure = bp;
        break;
    }
    case ZS_MBOX_EVT_POLICY_RESULT: {
        zs_mbox_policy_result_t r;
        if (len != sizeof r) return;
        memcpy(&r, p, sizeof r);
        r.reason[sizeof r.reason - 1] = 0;
        pthread_mutex_lock(&l->mu);
        if (r.id == l->req.id) {
            l->result = r;
            l->have_result = 1;
            pthread_cond_broadcast(&l->cv);
        }
        pthread_mutex_unlock(&l->mu);
        break;
    }
    case ZS_MBOX_EVT_L1INFO: {
        zs_mbox_l1info_t m;
        if (len != sizeof m) return;
        memcpy(&m, p, sizeof m);
        pthread_mutex_lock(&l->mu);
        l->info.info = m;
        l->info.have_info = 1;
        pthread_mutex_unlock(&l->mu);
        break;
    }
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

static void *link_main(void *arg)
{
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
        zs_node_l1_t before = l->l1;
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
        if (memcmp(&before, &l->l1, sizeof before)) zs_node_set_l1(l->node, &l->l1);
        hand_over(l);
        pthread_mutex_lock(&l->mu);
        l->info.heartbeat = zs_mbox_fw_heartbeat(l->mbox);
        if (l->req_pending && zs_mbox_send(l->mbox, ZS_MBOX_CMD_POLICY_SET, &l->req, sizeof l->req, NULL, 0) == ZS_OK)
            l->req_pending = 0;
        pthread_mutex_unlock(&l->mu);
        if (now >= l->next_stats_ms) {
            zs_node_open_batch_t ob;
            zs_node_open_batch(l->node, &ob);
            zs_mbox_stats_t s = {.open_batch = ob.number, .open_bytes = ob.bytes, .open_txs = ob.txs,
                                 .open_gas = ob.gas, .open_age_ms = ob.age_ms, .txs_total = ob.txs_total,
                                 .pool_pending = ob.pool_pending, .last_sealed = ob.last_sealed};
            if (zs_mbox_send(l->mbox, ZS_MBOX_CMD_STATS, &s, sizeof s, NULL, 0)) {
                /* Ring full or link down: the next round sends fresher numbers. */
            }
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
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    zs_node_l1(n, &l->l1);
    l->l1.fw_up = 0;
    l->l1.backpressure = 0;
    if (!(l->mbox = zs_mbox_open(mbox_path, err, errlen))) {
        free(l);
        return NULL;
    }
    if (pthread_create(&l->thread, NULL, link_main, l)) {
        snprintf(err, errlen, "cannot start the firmware link thread");
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
    zs_mbox_close(l->mbox);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void zs_fwlink_info(zs_fwlink_t *l, zs_fwlink_info_t *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->info;
    pthread_mutex_unlock(&l->mu);
}

int zs_fwlink_policy_set(zs_fwlink_t *l, const char *key, uint64_t value, const char *who, char *why, size_t whylen,
                         int timeout_ms)
{
    struct timespec deadline = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&l->mu);
    /* One change at a time: wait for the one before. */
    while ((l->req_pending || (l->req.id && !l->have_result)) && l->info.up)
        if (pthread_cond_timedwait(&l->cv, &l->mu, &deadline)) break;
    if (!l->info.up) {
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
    while (!l->have_result && l->info.up)
        if (pthread_cond_timedwait(&l->cv, &l->mu, &deadline)) break;
    if (l->have_result) {
        rc = l->result.ok ? ZS_OK : ZS_ERR_REFUSED;
        if (!l->result.ok) snprintf(why, whylen, "%s", l->result.reason);
    } else {
        snprintf(why, whylen, l->info.up ? "the firmware did not answer in %d ms" : "the firmware link went down",
                 timeout_ms);
        if (!l->info.up) rc = ZS_ERR_STATE;
    }
    l->req_pending = 0;
    l->req.id = 0;
    pthread_mutex_unlock(&l->mu);
    return rc;
}
