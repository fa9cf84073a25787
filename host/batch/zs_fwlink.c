#include "host/batch/zs_fwlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/mbox/zs_mbox.h"

struct zs_fwlink {
    zs_node_t *node;
    zs_mbox_t *mbox;
    pthread_t thread;
    volatile int stop;
    int fw_hello, was_up;
    uint64_t next_send, next_stats_ms;
    zs_node_l1_t l1;
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
        fprintf(stderr, "zkseqd: firmware link down: sequencing goes on with the configured batch policy\n");
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
        fprintf(stderr, "zkseqd: firmware link up (epoch %u)\n", zs_mbox_epoch(l->mbox));
    l->was_up = 1;
    l->l1.fw_up = 1;
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
            fprintf(stderr, "zkseqd: firmware %s backpressure (backlog %llu batches)\n", bp ? "asks for" : "lifts",
                    (unsigned long long)s.backlog);
        l->l1.backpressure = bp;
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
            fprintf(stderr, "zkseqd: batch %llu for the firmware: %s\n", (unsigned long long)l->next_send,
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
            fprintf(stderr, "zkseqd: batch %llu cannot go to the firmware: %s\n", (unsigned long long)l->next_send,
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
                if (rc < 0) fprintf(stderr, "zkseqd: firmware event ring is corrupt; waiting for a restart\n");
                break;
            }
            handle(l, type, p, len);
            zs_mbox_consume(l->mbox);
        }
        if (memcmp(&before, &l->l1, sizeof before)) zs_node_set_l1(l->node, &l->l1);
        hand_over(l);
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
    free(l);
}
