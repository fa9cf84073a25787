/* The firmware core on a fake board (RAM store, fake clock, mailbox in
   RAM) against a fake L1 node that models the rollup contract: the JSON
   reader, the batching policy, journal replay, the host link, the console,
   and the submission state machine under every L1 answer (errors,
   timeouts, underpriced, lost transactions, reverts, reorgs, fees above the
   cap), then randomized crash runs: the firmware dies at a random store
   write or network send (longjmp out of its main loop) and boots again
   from its journal, hundreds of times; at the end every batch is
   sequenced on L1 exactly once with the accInputHash the model computes. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "firmware/fw.h"
#include "firmware/fw_json.h"
#include "firmware/test/fake_hal.h"
#include "firmware/test/fake_l1.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/ring/zs_ring.h"
#include "lib/tx/zs_addr.h"
#include "lib/tx/zs_tx.h"
#include "tests/support/zs_test.h"

#include "firmware/test/fw_world.h"

/* ---- fw_json */

static void test_json(void **state)
{
    (void)state;
    const char *good = " {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":[1,2,{\"x\":null}],\"b\":\"0x1f\","
                       "\"s\":\"q\\\"\\u0041\\n\"}} ";
    fw_jval_t v, r, m;
    assert_int_equal(fw_json_value(good, strlen(good), &v), 0);
    assert_int_equal(fw_json_member(v, "result", &r), 0);
    assert_int_equal(fw_json_member(r, "b", &m), 0);
    uint64_t q;
    assert_int_equal(fw_json_quantity(m, &q), 0);
    assert_int_equal(q, 0x1f);
    assert_int_equal(fw_json_member(r, "s", &m), 0);
    char s[16];
    assert_int_equal(fw_json_string(m, s, sizeof s), 0);
    assert_string_equal(s, "q\"A\n");
    assert_int_equal(fw_json_member(r, "zz", &m), ZS_ERR_NOTFOUND);
    assert_int_equal(fw_json_member(r, "a", &m), 0);
    assert_int_equal(fw_json_member(m, "x", &r), ZS_ERR_PARSE); /* an array is not an object */
    fw_jval_t big = {"\"0x10000000000000000\"", 21};
    assert_int_equal(fw_json_quantity(big, &q), ZS_ERR_RANGE);
    static const char *const bad[] = {"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "\"\\x\"", "01", "1.", "nul",
                                      "{\"a\":1} x", "\"a\nb\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(fw_json_value(bad[i], strlen(bad[i]), &v), ZS_ERR_PARSE);
    /* Random bytes never crash the reader. */
    zs_test_rng_t rng = {99};
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        size_t n = zs_test_rng_u64(&rng) % sizeof buf;
        for (size_t k = 0; k < n; k++) buf[k] = "{}[]\",:0123x-ntrue\\ a"[zs_test_rng_u64(&rng) % 21];
        if (fw_json_value(buf, n, &v) == 0 && buf[0] == '{' && fw_json_member(v, "a", &m) == ZS_ERR_PARSE)
            fail_msg("a valid object failed member lookup");
    }
}

/* ---- fw_policy */

static void test_policy(void **state)
{
    (void)state;
    zs_batch_policy_t c;
    zs_batch_policy_defaults(&c);
    assert_null(zs_batch_policy_check(&c));
    fw_policy_t p;
    fw_policy_init(&p, &c);
    assert_int_equal(p.block_time_ms, c.block_max_ms);
    uint64_t t = 0, txs = 0;
    fw_policy_observe(&p, txs, t);
    /* 1,000 tx/s: blocks of ~50 transactions = 50 ms. */
    int told = 0;
    for (int i = 0; i < 10; i++) {
        t += 500;
        txs += 500;
        told |= fw_policy_observe(&p, txs, t);
    }
    assert_true(told);
    assert_in_range(p.block_time_ms, 45, 55);
    uint32_t fast = p.block_time_ms;
    /* The load falls to 25 tx/s: blocks lengthen, not at once, up to the maximum. */
    t += 1000;
    txs += 25;
    fw_policy_observe(&p, txs, t);
    assert_true(p.block_time_ms <= fast * 2);
    for (int i = 0; i < 60; i++) {
        t += 1000;
        txs += 25;
        fw_policy_observe(&p, txs, t);
    }
    assert_int_equal(p.block_time_ms, c.block_max_ms);
    /* Closing: by age, by size; asked once per batch (again after 1 s). */
    uint32_t why = 0;
    assert_false(fw_policy_close_due(&p, 5, 100, 1000, 10, 21000, t, &why));
    assert_false(fw_policy_close_due(&p, 5, 5000, 0, 0, 0, t, &why)); /* empty batches never close */
    assert_true(fw_policy_close_due(&p, 5, c.max_age_ms, 1000, 10, 21000, t, &why));
    assert_int_equal(why, ZS_MBOX_CLOSE_AGE);
    assert_false(fw_policy_close_due(&p, 5, c.max_age_ms + 10, 1000, 10, 21000, t + 10, &why));
    assert_true(fw_policy_close_due(&p, 5, c.max_age_ms + 1000, 1000, 10, 21000, t + 1000, &why));
    assert_true(fw_policy_close_due(&p, 6, 10, c.max_bytes, 10, 21000, t, &why));
    assert_int_equal(why, ZS_MBOX_CLOSE_SIZE);
    /* Live settings: refused ones change nothing. */
    assert_null(fw_policy_set(&p, "max_age_ms", "1500"));
    assert_int_equal(p.cfg.max_age_ms, 1500);
    assert_non_null(fw_policy_set(&p, "max_age_ms", "abc"));
    assert_non_null(fw_policy_set(&p, "max_age_ms", "-5"));
    assert_non_null(fw_policy_set(&p, "max_bytes", "200000")); /* above the contract's limit */
    assert_non_null(fw_policy_set(&p, "block_max_ms", "10"));   /* below block_min_ms */
    assert_non_null(fw_policy_set(&p, "nonsense", "1"));
    assert_int_equal(p.cfg.max_age_ms, 1500);
    assert_int_equal(p.cfg.max_bytes, c.max_bytes);
    assert_int_equal(zs_batch_policy_get(&p.cfg, zs_batch_policy_key("max_age_ms")), 1500);
}

/* ---- Journal */

static void test_journal_replay(void **state)
{
    (void)state;
    boot();
    for (uint64_t b = 1; b <= 5; b++) seal(b, 1000 + b);
    fw_sub_t s = {.nonce = 3, .first = 1, .last = 2, .max_fee = 7, .tip = 1, .gas = 100000, .raw_len = 4, .nhashes = 1};
    memset(s.hashes[0], 0xab, 32);
    memset(s.final_acc, 0xcd, 32);
    uint8_t raw[4] = {1, 2, 3, 4};
    assert_int_equal(fw_journal_put_sub(&FW.journal, &s, raw), 0);
    FW.journal.cur.virtual_ = 0;
    assert_int_equal(fw_journal_put_cursor(&FW.journal), 0);
    /* A reboot sees the same journal. */
    boot();
    assert_int_equal(FW.journal.cur.last_sealed, 5);
    assert_int_equal(FW.journal.nbatches, 5);
    assert_int_equal(FW.journal.batches[4].l2len, 1005);
    assert_int_equal(FW.journal.nsubs, 1);
    assert_int_equal(FW.journal.subs[0].nonce, 3);
    assert_memory_equal(FW.journal.subs[0].final_acc, s.final_acc, 32);
    size_t len;
    assert_int_equal(fw_journal_batch_data(&FW.journal, 3, batch_data, sizeof batch_data, &len), 0);
    assert_int_equal(len, 1003);
    /* Only appends or refills. */
    fw_batch_t b;
    make_batch(2, 10, &b);
    assert_int_equal(fw_journal_add_batch(&FW.journal, &b, batch_data), 0); /* refill of a known batch */
    fw_journal_drop_confirmed(&FW.journal, 3);
    assert_int_equal(FW.journal.nbatches, 2);
    /* A batch confirmed on L1 is not taken back; one L1 lost is, in order. */
    FW.journal.cur.virtual_ = FW.journal.cur.confirmed = 3;
    make_batch(1, 10, &b);
    assert_int_equal(fw_journal_add_batch(&FW.journal, &b, batch_data), ZS_ERR_INVAL);
    FW.journal.cur.virtual_ = FW.journal.cur.confirmed = 0;
    assert_int_equal(fw_journal_add_batch(&FW.journal, &b, batch_data), 0);
    assert_int_equal(FW.journal.batches[0].number, 1);
    assert_int_equal(FW.journal.batches[1].number, 4);
    boot();
    assert_int_equal(FW.journal.nbatches, 3);
    assert_int_equal(FW.journal.batches[0].number, 1);
    assert_int_equal(FW.journal.batches[1].number, 4);
    /* A damaged record stops the boot with an alarm rather than a guess. */
    uint8_t junk[3] = {9, 9, 9};
    assert_int_equal(real_put(&F, "b/0000000000000009", junk, 3), 0);
    assert_int_not_equal(fw_init(&FW, &F.hal, &CFG), 0);
    assert_true(has_alarm("does not decode"));
}

/* ---- Submission */

static void test_happy_path(void **state)
{
    (void)state;
    boot();
    for (uint64_t b = 1; b <= 3; b++) seal(b, 300 * b);
    run(1000);
    assert_int_equal(fake_l1_pending(&L1), 1); /* one L1 transaction carries all three */
    assert_int_equal(FW.journal.nsubs, 1);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[3], 32);
    assert_memory_equal(FW.journal.subs[0].final_acc, L1.accs[3], 32);
    mine(3);
    assert_int_equal(FW.journal.cur.confirmed, 3);
    assert_int_equal(FW.journal.nbatches, 0); /* confirmed data is dropped */
    assert_int_equal(FW.journal.nsubs, 0);
    assert_once(3);
    assert_int_equal(L1.reverts, 0);
    assert_int_equal(FW.log.nalarms, 0);
}

static void test_many_per_tx_and_size_limit(void **state)
{
    (void)state;
    boot();
    for (uint64_t b = 1; b <= 10; b++) seal(b, 50000);
    run(1000);
    /* 120,000 bytes per L1 transaction: two batches each, all in flight. */
    assert_int_equal(fake_l1_pending(&L1), 5);
    for (size_t i = 0; i < FW.journal.nsubs; i++) assert_int_equal(FW.journal.subs[i].last - FW.journal.subs[i].first, 1);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 10);
    assert_once(10);
    assert_int_equal(L1.reverts, 0);
}

static void test_l1_down_and_timeouts(void **state)
{
    (void)state;
    L1.down = 1;
    boot();
    seal(1, 500);
    run(5000);
    assert_int_equal(L1.sends, 0);
    assert_false(FW.submit.l1_up);
    assert_true(has_alarm("L1 unreachable"));
    assert_true(FW.mbox.host_hb_seen_ms == 0); /* (no host in this test) */
    L1.down = 0;
    L1.timeout = 1; /* accepts connections, never answers */
    uint64_t t0 = F.now;
    run(10000);
    assert_true(F.now - t0 >= 10000);
    assert_false(FW.submit.l1_up);
    L1.timeout = 0;
    run(5000);
    assert_true(FW.submit.l1_up);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 1);
    assert_once(1);
}

static void test_rpc_errors(void **state)
{
    (void)state;
    boot();
    seal(1, 500);
    /* The node refuses the send: an alarm, and it is sent again later. */
    L1.reject_sends = 1;
    strcpy(L1.next_error_msg, "transaction underpriced");
    run(2000);
    assert_true(has_alarm("underpriced"));
    assert_int_equal(fake_l1_pending(&L1), 0);
    L1.reject_sends = 0;
    run(2000);
    assert_int_equal(fake_l1_pending(&L1), 1);
    /* A garbled answer to one call: that tick fails, the next goes on. */
    strcpy(L1.next_error_method, "eth_getBlockByNumber");
    strcpy(L1.next_error_msg, "internal error");
    run(1000);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 1);
    assert_once(1);
}

static void test_lost_transaction(void **state)
{
    (void)state;
    boot();
    seal(1, 500);
    L1.drop_next_send = 1; /* the node acknowledges it, then forgets it */
    run(300);
    assert_int_equal(L1.sends, 1);
    assert_int_equal(fake_l1_pending(&L1), 0);
    run(1000); /* unknown to the node: sent again from the journal */
    assert_int_equal(fake_l1_pending(&L1), 1);
    assert_int_equal(FW.journal.nsubs, 1);
    assert_int_equal(FW.journal.subs[0].nhashes, 1); /* the same transaction, not a new one */
    mine(1);
    assert_once(1);
}

static void test_gas_floor(void **state)
{
    (void)state;
    boot();
    seal(1, 200);
    run(1000); /* in flight: the next ones are not estimated by the node */
    for (uint64_t b = 2; b <= 4; b++) seal(b, 60000);
    run(1000);
    assert_int_equal(FW.journal.nsubs, 3);
    mine(1);
    assert_int_equal(L1.dropped_at_mining, 0); /* every gas limit is above EIP-7623's floor */
    assert_int_equal(FW.journal.cur.virtual_, 4);
    assert_once(4);
    /* A node that wants more than that keeps dropping it: after three
       tries the firmware signs it again with more gas. */
    L1.gas_extra_pct = 40;
    seal(5, 60000);
    run(1000);
    for (int i = 0; i < 8 && FW.journal.cur.virtual_ < 5; i++) mine(1);
    assert_true(L1.dropped_at_mining >= 1);
    assert_true(has_alarm("keeps dropping"));
    assert_int_equal(FW.journal.cur.virtual_, 5);
    assert_once(5);
}

static void test_fee_bump(void **state)
{
    (void)state;
    boot();
    seal(1, 500);
    run(1000);
    assert_int_equal(fake_l1_pending(&L1), 1);
    uint64_t fee0 = FW.journal.subs[0].max_fee;
    /* The base fee jumps above what it offered: it is not mined. */
    L1.base_fee = 3 * fee0;
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 0);
    run(CFG.stuck_ms + 1000);
    assert_true(FW.journal.cur.bumps >= 1);
    assert_true(FW.journal.subs[0].max_fee > fee0);
    assert_true(FW.journal.subs[0].nhashes >= 2);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 1);
    assert_once(1);
    assert_int_equal(L1.reverts, 0);
}

static void test_fee_cap_and_backpressure(void **state)
{
    (void)state;
    boot();
    L1.base_fee = 2 * CFG.fee_cap_wei; /* fees above the cap: hold batches */
    for (uint64_t b = 1; b <= CFG.backlog_limit; b++) seal(b, 200);
    run(3000);
    assert_int_equal(L1.sends, 0);
    assert_true(FW.submit.fee_alarm);
    assert_true(has_alarm("above the cap"));
    assert_true(FW.submit.backpressure);
    assert_true(*(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_STATUS) & ZS_MBOX_ST_BACKPRESSURE);
    L1.base_fee = 1000000000;
    run(1000);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, CFG.backlog_limit);
    assert_false(FW.submit.backpressure);
    assert_false(FW.submit.fee_alarm);
    assert_once(CFG.backlog_limit);
}

static void test_revert_and_resubmit(void **state)
{
    (void)state;
    boot();
    seal(1, 500);
    seal(2, 500);
    run(1000);
    assert_int_equal(fake_l1_pending(&L1), 1);
    /* Someone changes what the contract holds before it is mined (the model's
       stand-in for a wrong view): the transaction reverts on chain. */
    memset(L1.accs[0], 0x77, 32);
    mine(1);
    assert_int_equal(L1.reverts, 1);
    assert_true(has_alarm("reverted"));
    run(2000); /* the contract's chain is read again and the batches go out anew */
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 2);
    assert_once(2);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[2], 32);
}

static void test_reorg(void **state)
{
    (void)state;
    boot();
    seal_three();
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    fake_l1_reorg(&L1, 1); /* the block with our transaction is gone, and so is the transaction */
    run(1000);
    assert_int_equal(FW.journal.cur.reorgs, 1);
    assert_true(has_alarm("reorg"));
    assert_int_equal(fake_l1_pending(&L1), 1); /* sent again */
    mine(3);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    assert_int_equal(FW.journal.cur.confirmed, 3);
    assert_once(3);
}

/* anvil, when a reorg races a send, can go on answering the receipt of a
   transaction the reorg took (its nonce free again, the contract without
   its batches): the firmware signs it again instead of waiting on it. */
static void test_reorg_ghost_receipt(void **state)
{
    (void)state;
    boot();
    L1.ghost_reorg = 1;
    seal_three();
    mine(1);
    seal(4, 700);
    run(1000);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    fake_l1_reorg(&L1, 2); /* both transactions gone, both receipts still answered */
    run(1500);                /* the drop is read twice before it is taken */
    assert_true(has_alarm("L1 reorg"));
    assert_true(has_alarm("that its state does not hold"));
    assert_int_equal(fake_l1_pending(&L1), 2); /* both signed again */
    mine(3);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    assert_int_equal(FW.journal.cur.confirmed, 4);
    assert_once(4);
}

/* A node whose "latest" is a block behind its receipts for one check (a
   balancer's backends): the receipt is not taken then, and not mistaken
   for one L1's state does not hold either: nothing is signed again. */
static void test_receipt_before_latest(void **state)
{
    (void)state;
    boot();
    seal_three();
    uint64_t sends = L1.sends;
    fake_l1_mine(&L1);
    L1.lag_latest = 1;
    run(500); /* one check */
    L1.lag_latest = 0;
    run(1000);
    assert_false(has_alarm("does not hold"));
    assert_int_equal(L1.sends, sends);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    assert_once(3);
}

/* A node that once answers no accInputHash for the batch it says is its
   last (anvil did, mining, on a fresh chain): the answer is read again,
   not taken; a node that keeps answering none holds new submissions, with
   an alarm, until it answers. */
static void test_acc_answered_none(void **state)
{
    (void)state;
    boot();
    seal_three();
    L1.acc_reads_none = 1;
    mine(1);
    run(1000);
    assert_int_equal(L1.acc_reads_none, 0);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[3], 32);
    assert_true(has_log("as the accInputHash of batch 3"));
    assert_false(has_alarm("not the firmware's"));

    seal(4, 700);
    run(1000);
    L1.acc_reads_none = 1000;
    mine(1);
    seal(5, 700);
    run(3000);
    assert_true(has_alarm("answers no accInputHash for batch 4"));
    uint64_t sends = L1.sends;
    run(3000);
    assert_int_equal(L1.sends, sends); /* nothing built on none */
    assert_int_equal(FW.journal.cur.virtual_, 3);
    L1.acc_reads_none = 0;
    run(1000);
    mine(3);
    assert_int_equal(FW.journal.cur.virtual_, 5);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[5], 32);
    assert_once(5);
}

/* A node that once answers the rollup's last batch far below what it said
   before (both at latest and at the confirmation depth), then the truth:
   nothing is taken from the low read (no reorg, no batch resubmitted,
   nothing marked pending), and the next reconcile goes on as before. */
static void test_drop_read_once(void **state)
{
    (void)state;
    boot();
    seal_three();
    mine(3);
    assert_int_equal(FW.journal.cur.confirmed, 3);
    seal(4, 700);
    run(1000);
    mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    uint64_t sends = L1.sends;
    L1.last_reads_low = 2; /* one reconcile's two reads */
    run(500);
    assert_int_equal(L1.last_reads_low, 0);
    assert_true(has_log("reading it again"));
    assert_int_equal(FW.journal.cur.virtual_, 4);
    assert_int_equal(FW.journal.cur.confirmed, 3);
    assert_int_equal(FW.journal.subs[0].state, FW_SUB_MINED);
    run(2000);
    assert_int_equal(FW.journal.cur.reorgs, 0);
    assert_false(has_alarm("reorg"));
    assert_false(has_alarm("lost confirmed"));
    assert_int_equal(L1.sends, sends);
    mine(3);
    assert_int_equal(FW.journal.cur.confirmed, 4);
    assert_once(4);
    assert_int_equal(FW.log.nalarms, 0);
}

/* Batches 1-3 confirmed, batch 4's submission waiting in the fake node's
   pool. */
static void batch4_waiting(void)
{
    boot();
    seal_three();
    mine(3);
    seal(4, 700);
    run(1000);
    assert_int_equal(FW.journal.cur.virtual_, 3);
}

/* A block mined between the firmware's read of the head and of the
   contract's last batch: the virtual batch it then reports is of the head it
   reports with it (it reads both again), never of a later block. */
static void test_head_moves_while_read(void **state)
{
    (void)state;
    batch4_waiting();
    L1.mine_after_head_reads = 1; /* the next reconcile's head read is followed by a block with it */
    run(600);
    assert_int_equal(L1.mine_after_head_reads, 0);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    uint64_t mined_in = 0;
    for (size_t i = 0; i < L1.ntxs; i++)
        if (L1.txs[i].mined && L1.txs[i].nonce == 1) mined_in = L1.txs[i].block;
    assert_true(mined_in > 0);
    print_message("batch 4 mined in block %llu; reported virtual at head %llu\n", (unsigned long long)mined_in,
                  (unsigned long long)FW.submit.virtual_head);
    assert_true(FW.submit.virtual_head >= mined_in);
    assert_true(FW.submit.l1_head >= mined_in);
    assert_false(has_log("reading it again"));
    assert_int_equal(FW.log.nalarms, 0);
}

/* A node whose calls at "latest" already see a block its block number does
   not (anvil while it mines): the batch that block sequenced is not
   reported virtual at the block before it; it is read again, and reported
   with the block that holds it. */
static void test_state_ahead_of_head(void **state)
{
    (void)state;
    batch4_waiting();
    L1.state_ahead = 1;
    fake_l1_mine(&L1);
    uint64_t mined_in = L1.head;
    assert_int_equal(L1.blocks[mined_in].last_batch, 4);
    run(1500);
    assert_int_equal(FW.journal.cur.virtual_, 3);
    assert_true(FW.submit.virtual_head < mined_in);
    assert_true(has_log("after its head block"));
    L1.state_ahead = 0;
    run(600);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[4], 32);
    assert_true(FW.submit.virtual_head >= mined_in);
    assert_int_equal(FW.journal.cur.reorgs, 0);
    assert_int_equal(FW.log.nalarms, 0);
    assert_once(4);
}

static void test_fresh_chain_with_pending(void **state)
{
    (void)state;
    boot();
    seal_three();
    mine(3); /* confirmed: the firmware dropped the data and the submission */
    assert_int_equal(FW.journal.cur.confirmed, 3);
    assert_int_equal(FW.journal.nbatches, 0);
    seal(4, 700);
    run(1000);
    assert_int_equal(FW.journal.nsubs, 1); /* nonce 1, pending */
    /* A new chain: the contracts again at the same addresses, nothing sequenced, nonce 0. */
    for (size_t i = 0; i < L1.ntxs; i++) free(L1.txs[i].raw);
    fake_l1_init(&L1, ROLLUP, GER, SEQ);
    run(3000);
    assert_true(has_alarm("lost confirmed"));
    assert_true(has_alarm("wait behind nonce"));
    /* The host hands batches 1..3 over again when asked (as zs_fwlink does). */
    seal_three();
    for (int i = 0; i < 6 && FW.journal.cur.virtual_ < 4; i++) mine(1);
    assert_int_equal(FW.journal.cur.virtual_, 4);
    assert_once(4);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[4], 32);
}

static void test_mailbox(void **state)
{
    (void)state;
    boot();
    run(500); /* no host heartbeat: the firmware does not wait for one */
    assert_true(*(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_STATUS) & ZS_MBOX_ST_READY);
    host_t h;
    host_attach(&h);
    host_beat();
    zs_mbox_hello_t hello = {.version = ZS_MBOX_VERSION, .chain_id = 1001, .last_sealed = 0};
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_HELLO, &hello, sizeof hello, NULL, 0), 0);
    run(20);
    zs_mbox_fw_hello_t fh = {.last_journaled = 99};
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_HELLO, &fh, sizeof fh), 1);
    assert_int_equal(fh.last_journaled, 0);
    /* Batch 1 is journaled and acknowledged. */
    host_send_batch(&h, 1, 400, 0);
    run(20);
    zs_mbox_ack_t ack = {0};
    assert_true(host_events(&h, ZS_MBOX_EVT_ACK, &ack, sizeof ack) >= 1);
    assert_int_equal(ack.number, 1);
    assert_int_equal(FW.journal.cur.last_sealed, 1);
    /* A gap: refused, and the firmware asks for what it misses. */
    host_send_batch(&h, 3, 400, 0);
    run(20);
    zs_mbox_resend_t rs = {0};
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_RESEND, &rs, sizeof rs), 1);
    assert_int_equal(rs.number, 2);
    assert_int_equal(FW.journal.cur.last_sealed, 1);
    /* Data that does not match its hash: refused with an alarm. */
    host_send_batch(&h, 2, 400, 1);
    run(20);
    assert_int_equal(FW.journal.cur.last_sealed, 1);
    assert_true(has_alarm("does not match its hash"));
    /* The right one, then a repeat of batch 1 (a hand-over after a restart). */
    host_send_batch(&h, 2, 400, 0);
    host_send_batch(&h, 1, 400, 0);
    run(20);
    assert_int_equal(FW.journal.cur.last_sealed, 2);
    assert_int_equal(FW.journal.nbatches, 2);
    /* A message too short or with a lying length changes nothing. */
    uint8_t junk[10] = {0};
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_SEALED, junk, sizeof junk, NULL, 0), 0);
    assert_int_equal(zs_ring_push(&h.cmd, 999, junk, sizeof junk, NULL, 0), 0);
    run(20);
    assert_int_equal(FW.journal.cur.last_sealed, 2);
    /* Stats: an old open batch is asked to close; rising load shortens blocks. */
    host_events(&h, 0, NULL, 0);
    zs_mbox_stats_t st = {.open_batch = 3, .open_bytes = 500, .open_txs = 3, .open_gas = 63000,
                          .open_age_ms = CFG.policy.max_age_ms + 1, .txs_total = 0};
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_STATS, &st, sizeof st, NULL, 0), 0);
    run(20);
    zs_mbox_close_t cl = {0};
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_CLOSE, &cl, sizeof cl), 1);
    assert_int_equal(cl.number, 3);
    for (int i = 1; i <= 5; i++) {
        host_beat();
        st.open_age_ms = 10;
        st.txs_total = (uint64_t)i * 5000;
        assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_STATS, &st, sizeof st, NULL, 0), 0);
        run(500);
    }
    zs_mbox_policy_t pol = {0};
    assert_true(host_events(&h, ZS_MBOX_EVT_POLICY, &pol, sizeof pol) >= 1);
    assert_true(pol.block_time_ms < CFG.policy.block_max_ms);
    assert_int_equal(pol.policy.max_bytes, CFG.policy.max_bytes);
    /* An operator's policy change through the host: applied and logged
       with who asked; a bad key or value refused with the reason, nothing
       changed; the L1 account comes every second. */
    host_events(&h, 0, NULL, 0);
    zs_mbox_policy_set_t ps = {.id = 7, .value = 1500, .key = "max_age_ms", .who = "zkseqctl ops@127.0.0.1"};
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_POLICY_SET, &ps, sizeof ps, NULL, 0), 0);
    run(20);
    zs_mbox_policy_result_t pr = {0};
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_POLICY_RESULT, &pr, sizeof pr), 1);
    assert_int_equal(pr.id, 7);
    assert_int_equal(pr.ok, 1);
    assert_int_equal(FW.policy.cfg.max_age_ms, 1500);
    assert_true(has_log("policy max_age_ms set to 1500 by zkseqctl ops@127.0.0.1"));
    zs_mbox_policy_set_t bad = {.id = 8, .value = 5, .key = "colour"};
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_POLICY_SET, &bad, sizeof bad, NULL, 0), 0);
    bad.id = 9;
    snprintf(bad.key, sizeof bad.key, "max_bytes");
    bad.value = 0;
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_POLICY_SET, &bad, sizeof bad, NULL, 0), 0);
    uint64_t before = FW.policy.cfg.max_bytes;
    run(20);
    zs_mbox_policy_result_t last = {0};
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_POLICY_RESULT, &last, sizeof last), 2);
    assert_int_equal(last.id, 9);
    assert_int_equal(last.ok, 0);
    assert_true(last.reason[0]);
    assert_int_equal(FW.policy.cfg.max_bytes, before);
    host_beat();
    run(1100);
    zs_mbox_l1info_t li = {0};
    assert_true(host_events(&h, ZS_MBOX_EVT_L1INFO, &li, sizeof li) >= 1);
    assert_memory_equal(li.sequencer, FW.submit.address, 20);
    assert_true(li.uptime_ms > 0);
    /* A firmware reboot: a new epoch, and the journal says how far it got. */
    uint32_t e0 = *(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_EPOCH);
    boot();
    assert_int_equal(*(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_EPOCH), e0 + 1);
    host_beat();
    run(20);
    assert_true(*(volatile uint32_t *)(F.mbox + ZS_MBOX_REG_FW_STATUS) & ZS_MBOX_ST_READY);
    assert_int_equal(zs_ring_push(&h.cmd, ZS_MBOX_CMD_HELLO, &hello, sizeof hello, NULL, 0), 0);
    run(20);
    assert_int_equal(host_events(&h, ZS_MBOX_EVT_HELLO, &fh, sizeof fh), 1);
    assert_int_equal(fh.last_journaled, 2);
}

/* ---- The console */

static void type(const char *line)
{
    fake_hal_clear_uart(&F);
    fake_hal_type(&F, line);
    run(10);
}

static void test_console(void **state)
{
    (void)state;
    boot();
    seal(1, 100);
    type("status\r");
    assert_non_null(strstr(F.uart_out, "sealed 1"));
    assert_non_null(strstr(F.uart_out, "zkseq-fw> "));
    type("frobnicate\r");
    assert_non_null(strstr(F.uart_out, "error: unknown command 'frobnicate'"));
    type("policy set max_age_ms 2000\r");
    assert_non_null(strstr(F.uart_out, "error: login first"));
    assert_int_equal(FW.policy.cfg.max_age_ms, CFG.policy.max_age_ms);
    type("login wrong\r");
    assert_non_null(strstr(F.uart_out, "error: wrong password"));
    assert_null(strstr(F.uart_out, "wrong\r")); /* not echoed */
    F.now += 3000;
    type("login s3cret\r");
    assert_non_null(strstr(F.uart_out, "ok: logged in"));
    type("policy set max_age_ms 2000\r");
    assert_non_null(strstr(F.uart_out, "ok: max_age_ms = 2000"));
    assert_int_equal(FW.policy.cfg.max_age_ms, 2000);
    type("policy set max_bytes 500000\r");
    assert_non_null(strstr(F.uart_out, "error: max_bytes must be"));
    assert_int_equal(FW.policy.cfg.max_bytes, CFG.policy.max_bytes);
    type("policy set max_age_ms\r");
    assert_non_null(strstr(F.uart_out, "error: usage"));
    type("policy get max_age_ms\r");
    assert_non_null(strstr(F.uart_out, "2000"));
    type("key address\r");
    char a[43];
    zs_addr_format(SEQ, a);
    assert_non_null(strstr(F.uart_out, a));
    run(1000); /* one L1 round: the balance is read */
    type("l1\r");
    assert_non_null(strstr(F.uart_out, "pending L1 transactions"));
    assert_non_null(strstr(F.uart_out, "balance 1000.000000 ETH")); /* the fake's 0x3635c9adc5dea00000 wei */
    type("batches\r");
    assert_non_null(strstr(F.uart_out, "1 held"));
    type("logout\r");
    type("policy set max_age_ms 2500\r");
    assert_non_null(strstr(F.uart_out, "error: login first"));
    /* Garbage bytes and an overlong line do not crash it. */
    char junk[600];
    for (size_t i = 0; i < sizeof junk - 1; i++) junk[i] = (char)(1 + i % 250);
    junk[sizeof junk - 1] = 0;
    type(junk);
    type("\r");
    type("help\r");
    assert_non_null(strstr(F.uart_out, "policy set KEY VALUE"));
}

/* ---- Crashes at random points */

static void crash_run(uint64_t seed, int with_l1_faults)
{
    zs_test_rng_t rng = {seed};
    volatile uint64_t sealed = 0, reboots = 0;
    crashes = 0;
    boot();
    for (int step = 0; step < 400; step++) {
        uint64_t r = zs_test_rng_u64(&rng) % 100;
        if (r < 30 && sealed < 200) {
            int k = 1 + (int)(zs_test_rng_u64(&rng) % 3);
            for (int i = 0; i < k; i++) seal(++sealed, 100 + zs_test_rng_u64(&rng) % 40000);
        } else if (r < 50) {
            fake_l1_mine(&L1);
        } else if (r < 62) {
            /* Crash at the n-th store write or network send from now. */
            if (zs_test_rng_u64(&rng) & 1) crash_after_puts = (long)(zs_test_rng_u64(&rng) % 6);
            else crash_after_sends = (long)(zs_test_rng_u64(&rng) % 8);
        } else if (with_l1_faults && r < 66) {
            L1.down = !L1.down;
        } else if (with_l1_faults && r < 68) {
            L1.drop_next_send = 1;
        } else if (with_l1_faults && r < 70 && L1.head > 3) {
            fake_l1_reorg(&L1, 1 + zs_test_rng_u64(&rng) % 2);
        }
        crash_armed = 1;
        if (setjmp(crash_jmp)) {
            /* Died: RAM is gone, the store and L1 remain. */
            crash_armed = 0;
            crash_after_puts = crash_after_sends = -1;
            reboots++;
            F.now += 50;
            boot();
            continue;
        }
        run(50 + zs_test_rng_u64(&rng) % 1500);
        crash_armed = 0;
        /* Nothing is ever sequenced twice, at any moment. */
        for (uint64_t b = 1; b <= sealed; b++)
            if (L1.batch_seq_count[b] > 1) fail_msg("batch %llu sequenced twice (step %d)", (unsigned long long)b, step);
    }
    crash_after_puts = crash_after_sends = -1;
    L1.down = 0;
    L1.drop_next_send = 0;
    for (int i = 0; i < 200 && (FW.journal.cur.confirmed < sealed || FW.journal.nsubs); i++) mine(1);
    print_message("seed %llu: %llu batches, %llu crashes, %llu L1 transactions sent, %llu reverted, %llu reorgs\n",
                  (unsigned long long)seed, (unsigned long long)sealed, (unsigned long long)crashes,
                  (unsigned long long)L1.sends, (unsigned long long)L1.reverts, (unsigned long long)FW.journal.cur.reorgs);
    assert_true(crashes >= 30);
    assert_int_equal(FW.journal.cur.virtual_, sealed);
    assert_int_equal(FW.journal.cur.confirmed, sealed);
    assert_once(sealed);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[sealed], 32);
    if (!with_l1_faults) assert_int_equal(L1.reverts, 0);
}

static void test_crashes(void **state)
{
    (void)state;
    crash_run(20261202, 0);
}

static void test_crashes_with_l1_faults(void **state)
{
    (void)state;
    crash_run(4242, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_policy),
        cmocka_unit_test_setup_teardown(test_journal_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_per_tx_and_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l1_down_and_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rpc_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gas_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_bump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_cap_and_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revert_and_resubmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorg_ghost_receipt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_read_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_moves_while_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_ahead_of_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipt_before_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acc_answered_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_chain_with_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crashes_with_l1_faults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
