/* The world of the firmware's unit tests (fw_world.h). */
#include "firmware/test/fw_world.h"

#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_addr.h"
#include "lib/tx/zs_tx.h"
#include "tests/support/zs_test.h"

fake_l1_t L1;
fake_hal_t F;
fw_t FW;
fw_cfg_t CFG;
uint8_t ROLLUP[20], GER[20], SEQ[20];
const uint8_t COINBASE[20] = {0xc0, 0xfe};

/* Crash injection: the fake board's store and network long-jump here. */
jmp_buf crash_jmp;
int crash_armed;
long crash_after_puts = -1, crash_after_sends = -1;
int (*real_put)(void *, const char *, const void *, size_t);
static int (*real_send)(void *, int, const uint8_t *, size_t, int);
uint64_t crashes;

static int crashing_put(void *ctx, const char *name, const void *data, size_t len)
{
    if (crash_armed && crash_after_puts == 0) {
        crashes++;
        longjmp(crash_jmp, 1);
    }
    if (crash_after_puts > 0) crash_after_puts--;
    return real_put(ctx, name, data, len);
}

static int crashing_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    int rc = real_send(ctx, h, buf, n, timeout_ms);
    /* After the request went out (the node has it), before the answer. */
    if (crash_armed && crash_after_sends == 0) {
        crashes++;
        longjmp(crash_jmp, 1);
    }
    if (crash_after_sends > 0) crash_after_sends--;
    return rc;
}

void setup_world(void)
{
    uint8_t key[32];
    assert_int_equal(zs_hex_decode_exact(key, 32, zs_dev_keys[3]), 0);
    assert_int_equal(zs_key_to_address(key, SEQ), 0);
    memset(ROLLUP, 0x42, 20);
    memset(GER, 0x43, 20);
    fake_l1_init(&L1, ROLLUP, GER, SEQ);
    fake_hal_init(&F, &L1);
    memcpy(F.key, key, 32);
    F.have_key = 1;
    real_put = F.hal.store_put;
    real_send = F.hal.net_send;
    F.hal.store_put = crashing_put;
    F.hal.net_send = crashing_send;
    fw_cfg_defaults(&CFG);
    strcpy(CFG.l1_url, "http://l1.test:8545");
    memcpy(CFG.rollup, ROLLUP, 20);
    memcpy(CFG.ger, GER, 20);
    CFG.l1_chain_id = 31337;
    CFG.fee_cap_wei = 100ull * 1000000000ull; /* lower than a box's, so tests reach it */
    CFG.l1_timeout_ms = 2000;
    CFG.backlog_limit = 16;
    CFG.l1_data = FW_L1_DATA_CALLDATA; /* the fake L1 below models calldata; test_blobs sets blob */
    memset(CFG.console_salt, 7, 16);
    uint8_t buf[16 + 6];
    memcpy(buf, CFG.console_salt, 16);
    memcpy(buf + 16, "s3cret", 6);
    zs_keccak256(buf, sizeof buf, CFG.console_hash);
    crash_armed = 0;
    crash_after_puts = crash_after_sends = -1;
}

int setup(void **state)
{
    (void)state;
    setup_world();
    return 0;
}

int teardown(void **state)
{
    (void)state;
    fake_hal_free(&F);
    for (size_t i = 0; i < L1.ntxs; i++) free(L1.txs[i].raw);
    return 0;
}

void boot(void)
{
    assert_int_equal(fw_init(&FW, &F.hal, &CFG), 0);
}

/* Runs the main loop for ms of fake time. */
void run(uint64_t ms)
{
    uint64_t end = F.now + ms;
    while (F.now < end) fw_step(&FW, 5);
}

/* A sealed batch of len pseudo-random bytes, journaled as the host link
   would (the mailbox path has its own test). */
uint8_t batch_data[FW_BATCH_MAX];
void make_batch(uint64_t number, size_t len, fw_batch_t *b)
{
    zs_test_rng_t r = {number * 7919 + 1};
    zs_test_rng_bytes(&r, batch_data, len);
    memset(b, 0, sizeof *b);
    b->number = number;
    b->timestamp = L1.now_s - 5;
    b->l2len = (uint32_t)len;
    memcpy(b->coinbase, COINBASE, 20);
    zs_keccak256(batch_data, len, b->batch_hash);
}

void seal(uint64_t number, size_t len)
{
    fw_batch_t b;
    make_batch(number, len, &b);
    assert_int_equal(fw_journal_add_batch(&FW.journal, &b, batch_data), 0);
}

void seal_three(void)
{
    for (uint64_t b = 1; b <= 3; b++) seal(b, 700);
    run(1000);
}

void mine(int blocks)
{
    for (int i = 0; i < blocks; i++) {
        fake_l1_mine(&L1);
        run(600);
    }
}

void assert_once(uint64_t upto)
{
    for (uint64_t b = 1; b <= upto; b++) {
        if (L1.batch_seq_count[b] != 1) fail_msg("batch %llu sequenced %llu times", (unsigned long long)b,
                                                 (unsigned long long)L1.batch_seq_count[b]);
    }
    assert_int_equal(L1.blocks[L1.head].last_batch, upto);
}

int has_alarm(const char *needle)
{
    for (size_t i = 0; i < FW.log.nalarms; i++)
        if (strstr(FW.log.alarms[i].text, needle)) return 1;
    return 0;
}

int has_log(const char *needle)
{
    for (unsigned i = 0; i < 64; i++)
        if (strstr(F.logs[i], needle)) return 1;
    return 0;
}

/* ---- The host link */

void host_attach(host_t *h)
{
    assert_int_equal(zs_ring_init(&h->cmd, F.mbox + ZS_MBOX_REG_CMD_RING, F.mbox + ZS_MBOX_CMD_DATA, ZS_MBOX_CMD_BYTES), 0);
    assert_int_equal(zs_ring_init(&h->evt, F.mbox + ZS_MBOX_REG_EVT_RING, F.mbox + ZS_MBOX_EVT_DATA, ZS_MBOX_EVT_BYTES), 0);
}

void host_beat(void)
{
    (*(volatile uint64_t *)(F.mbox + ZS_MBOX_REG_HOST_HEARTBEAT))++;
    *(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_HOST_EPOCH) = *(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_EPOCH);
}

/* Drains events; returns how many of type were seen, the last into out. */
int host_events(host_t *h, uint16_t want, void *out, size_t outlen)
{
    int seen = 0;
    uint16_t type;
    const uint8_t *p;
    uint32_t len;
    while (zs_ring_peek(&h->evt, &type, &p, &len) == 1) {
        if (type == want) {
            seen++;
            if (out) memcpy(out, p, len < outlen ? len : outlen);
        }
        zs_ring_pop(&h->evt);
    }
    return seen;
}

void host_send_batch(host_t *h, uint64_t number, size_t len, int corrupt)
{
    fw_batch_t b;
    make_batch(number, len, &b);
    zs_mbox_sealed_t m = {.number = number, .timestamp = b.timestamp, .l2len = (uint32_t)len};
    memcpy(m.batch_hash, b.batch_hash, 32);
    memcpy(m.coinbase, COINBASE, 20);
    if (corrupt) batch_data[0] ^= 1;
    assert_int_equal(zs_ring_push(&h->cmd, ZS_MBOX_CMD_SEALED, &m, sizeof m, batch_data, (uint32_t)len), 0);
}

