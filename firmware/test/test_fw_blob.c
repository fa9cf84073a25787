/* The firmware's blob path on the fake board and the fake L1 (which checks
   blob transactions as anvil does: versioned hashes, cell proofs or blob
   proofs; and the contract's point evaluation and both chains), with this
   test playing the host: it answers the firmware's KZG requests from its
   own copy of the batches through lib/kzg.

   - the happy path: sealed batches go out in one blob transaction, the
     blob and batch chains agree with the model, and the blob's bytes hold
     exactly the batches the calldata states;
   - a damaged answer (one cell proof changed, or a wrong y) is refused with
     an alarm and nothing is sent; the request goes out again and a good
     answer is posted;
   - a stuck blob transaction is replaced with every fee doubled (the blob
     pool's rule), journaled first;
   - a reboot with a blob transaction pending that L1 forgot: sent again
     from the journal's network form;
   - a host that never answers: after 30 s those batches go as calldata;
   - EIP-4844's sidecar (a Cancun L1): the blob proof instead of cells;
   - an L1 reorg that takes blob transactions' blocks: sent again, mined once;
   - blob_fill_wait_ms: small batches held for a fuller blob, a full one at once. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/test/fw_world.h"
#include "lib/blob/zs_blob.h"
#include "lib/kzg/zs_kzg.h"
#include "tests/support/zs_test.h"

static zs_kzg_t *KZG;
static size_t sealed_len[64];
static host_t H;

enum { ANSWER_GOOD, ANSWER_BAD_CELL, ANSWER_BAD_Y, ANSWER_NONE };

static void seal_len(uint64_t number, size_t len)
{
    sealed_len[number] = len;
    seal(number, len);
}

/* The host's answer to one request: the blob built from the test's own
   batches, its KZG work from lib/kzg, damaged as asked. */
static void answer(const zs_mbox_kzg_req_t *q, int how)
{
    static uint8_t data[64][8192], blob[ZS_BLOB_BYTES];
    static zs_mbox_kzg_t a;
    const uint8_t *ptrs[64];
    size_t lens[64], n = 0;
    for (uint64_t b = q->first; b <= q->last; b++, n++) {
        fw_batch_t fb;
        make_batch(b, sealed_len[b], &fb);
        memcpy(data[n], batch_data, sealed_len[b]);
        ptrs[n] = data[n];
        lens[n] = sealed_len[b];
    }
    assert_true(zs_blob_encode(ptrs, lens, n, ZS_BLOB_EIP4844, blob, sizeof blob) > 0);
    memset(&a, 0, sizeof a);
    a.first = q->first;
    a.last = q->last;
    memcpy(a.data_hash, q->data_hash, 32);
    assert_int_equal(zs_kzg_commit(KZG, blob, a.commitment), 0);
    assert_int_equal(zs_kzg_cells(KZG, blob, NULL, a.cell_proofs), 0);
    assert_int_equal(zs_blob_point_z(a.commitment, blob, sizeof blob, a.z), 0);
    assert_int_equal(zs_kzg_proof_at(KZG, blob, a.z, a.proof, a.y), 0);
    assert_int_equal(zs_kzg_blob_proof(KZG, blob, a.commitment, a.blob_proof), 0);
    if (how == ANSWER_BAD_CELL) memcpy(a.cell_proofs[5], a.cell_proofs[6], 48);
    if (how == ANSWER_BAD_Y) a.y[31] ^= 1;
    assert_int_equal(zs_ring_push(&H.cmd, ZS_MBOX_CMD_KZG, &a, sizeof a, NULL, 0), 0);
}

/* Runs ms of fake time as the host: heartbeats, and every KZG request
   answered as `how` says; returns the requests seen. */
static int run_host(uint64_t ms, int how)
{
    int asked = 0;
    uint64_t end = F.now + ms;
    while (F.now < end) {
        host_beat();
        uint16_t type;
        const uint8_t *p;
        uint32_t len;
        while (zs_ring_peek(&H.evt, &type, &p, &len) == 1) {
            if (type == ZS_MBOX_EVT_KZG_REQ && len == sizeof(zs_mbox_kzg_req_t)) {
                zs_mbox_kzg_req_t q;
                memcpy(&q, p, sizeof q);
                asked++;
                if (how != ANSWER_NONE) answer(&q, how);
            }
            zs_ring_pop(&H.evt);
        }
        run(50);
    }
    return asked;
}

static fake_tx_t *last_tx(void)
{
    return L1.ntxs ? &L1.txs[L1.ntxs - 1] : NULL;
}

static void blob_world(int cell_proofs)
{
    CFG.l1_data = FW_L1_DATA_BLOB;
    CFG.blob_cell_proofs = cell_proofs;
    L1.kzg = KZG;
    boot();
    run(200);
    host_attach(&H);
    host_beat();
    zs_mbox_hello_t hello = {.version = ZS_MBOX_VERSION, .chain_id = 1001};
    assert_int_equal(zs_ring_push(&H.cmd, ZS_MBOX_CMD_HELLO, &hello, sizeof hello, NULL, 0), 0);
    run_host(100, ANSWER_GOOD);
}

/* Mines until batch `upto` is virtual (at most 4 blocks). */
static void mine_to(uint64_t upto)
{
    for (int i = 0; i < 4 && FW.journal.cur.virtual_ < upto; i++) {
        fake_l1_mine(&L1);
        run_host(600, ANSWER_GOOD);
    }
    assert_int_equal(FW.journal.cur.virtual_, upto);
}

static void test_blob_path(void **state)
{
    (void)state;
    blob_world(1);
    for (uint64_t b = 1; b <= 3; b++) seal_len(b, 300 * b);
    assert_int_equal(run_host(1000, ANSWER_GOOD), 1); /* one blob for all three */
    assert_int_equal(fake_l1_pending(&L1), 1);
    assert_true(last_tx()->blob);
    assert_int_equal(FW.blobs.checked, 1);
    mine_to(3);
    assert_once(3);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[3], 32);
    assert_int_equal(L1.blob_txs_mined, 1);
    assert_int_equal(L1.blob_data_mismatches, 0);
    assert_int_equal(L1.bad_kzg_sends, 0);
    assert_int_equal(FW.log.nalarms, 0);

    /* Damaged answers: refused, nothing sent, asked again; then posted. */
    seal_len(4, 500);
    assert_int_equal(run_host(1000, ANSWER_BAD_CELL), 1);
    assert_int_equal(FW.blobs.refused, 1);
    assert_true(has_alarm("cell proofs do not verify"));
    assert_int_equal(fake_l1_pending(&L1), 0);
    assert_int_equal(run_host(FW_BLOB_ASK_AGAIN_MS, ANSWER_BAD_Y), 1);
    assert_int_equal(FW.blobs.refused, 2);
    assert_true(has_alarm("p(z) = y does not verify"));
    assert_int_equal(fake_l1_pending(&L1), 0);
    assert_int_equal(run_host(FW_BLOB_ASK_AGAIN_MS + 500, ANSWER_GOOD), 1);
    assert_int_equal(fake_l1_pending(&L1), 1);
    mine_to(4);
    assert_once(4);

    /* Stuck: replaced with every fee doubled. */
    seal_len(5, 700);
    run_host(1000, ANSWER_GOOD);
    fake_tx_t first = *last_tx();
    assert_true(first.blob);
    run_host(CFG.stuck_ms + 1000, ANSWER_GOOD);
    fake_tx_t *second = last_tx();
    assert_true(second->blob && second->nonce == first.nonce && memcmp(second->hash, first.hash, 32));
    assert_true(second->blob_fee >= 2 * first.blob_fee && second->max_fee >= 2 * first.max_fee &&
                second->tip >= 2 * first.tip);
    assert_int_equal(FW.journal.subs[FW.journal.nsubs - 1].bumps, 1);
    mine_to(5);
    assert_once(5);
    assert_int_equal(L1.blob_data_mismatches, 0);
}

static void test_blob_reboot_and_fallback(void **state)
{
    (void)state;
    blob_world(1);
    seal_len(1, 900);
    run_host(1000, ANSWER_GOOD);
    assert_int_equal(fake_l1_pending(&L1), 1);
    /* The firmware restarts, and L1 forgot the transaction meanwhile: it
       goes again from the journal (its network form), with no KZG asked. */
    last_tx()->dropped = 1;
    boot();
    host_attach(&H);
    assert_int_equal(run_host(2000, ANSWER_GOOD), 0);
    assert_true(has_log("sent again from the journal"));
    mine_to(1);
    assert_once(1);
    assert_int_equal(L1.blob_txs_mined, 1);

    /* A host that never answers: after 30 s those batches go as calldata. */
    seal_len(2, 400);
    run_host(10000, ANSWER_NONE);
    assert_int_equal(fake_l1_pending(&L1), 0);
    run_host(25000, ANSWER_NONE);
    assert_true(has_alarm("posting it as calldata"));
    assert_int_equal(fake_l1_pending(&L1), 1);
    assert_false(last_tx()->blob);
    mine_to(2);
    assert_once(2);
    assert_memory_equal(FW.journal.cur.virtual_acc, L1.accs[2], 32);
}

/* An L1 reorg takes the blob transactions' blocks: they go back to
   pending, are sent again from the journal and mined once.  ghost: the
   reorged-out transactions' receipts are still answered (anvil, a reorg
   racing a send): each is signed again with more gas (a new hash), its
   sidecar from the journal.  alarm: what the firmware must have said. */
static void blob_reorg(int ghost, const char *alarm)
{
    blob_world(1);
    L1.ghost_reorg = ghost;
    seal_len(1, 600);
    run_host(1000, ANSWER_GOOD);
    mine_to(1);
    seal_len(2, 700);
    run_host(1000, ANSWER_GOOD);
    mine_to(2);
    fake_l1_reorg(&L1, 2);
    run_host(3000, ANSWER_GOOD);
    assert_true(has_alarm("L1 reorg"));
    assert_true(has_alarm(alarm));
    for (int i = 0; i < 6 && FW.journal.cur.virtual_ < 2; i++) {
        fake_l1_mine(&L1);
        run_host(1000, ANSWER_GOOD);
    }
    assert_int_equal(FW.journal.cur.virtual_, 2);
    assert_once(2);
    assert_int_equal(L1.blob_data_mismatches, 0);
}

static void test_blob_reorg(void **state)
{
    (void)state;
    blob_reorg(0, "L1 reorg");
}

static void test_blob_reorg_ghost_receipt(void **state)
{
    (void)state;
    blob_reorg(1, "that its state does not hold");
}

static void test_blob_eip4844_form(void **state)
{
    (void)state;
    blob_world(0);
    for (uint64_t b = 1; b <= 2; b++) seal_len(b, 1000 * b);
    run_host(1000, ANSWER_GOOD);
    assert_int_equal(fake_l1_pending(&L1), 1);
    assert_true(last_tx()->blob);
    mine_to(2);
    assert_once(2);
    assert_int_equal(L1.bad_kzg_sends, 0);
    assert_int_equal(L1.blob_data_mismatches, 0);
}

/* blob_fill_wait_ms: small batches are held for a fuller blob until the
   first has waited that long; batches that fill 90% of a blob go at once. */
static void test_blob_fill_wait(void **state)
{
    (void)state;
    CFG.blob_fill_wait_ms = 5000;
    blob_world(1);
    seal_len(1, 300);
    seal_len(2, 400);
    assert_int_equal(run_host(3000, ANSWER_GOOD), 0); /* held: nothing asked, nothing sent */
    assert_int_equal(fake_l1_pending(&L1), 0);
    assert_non_null(strstr(FW.submit.status, "batches from 1 held for a fuller blob (0% of one)"));
    seal_len(3, 500);
    assert_int_equal(run_host(3500, ANSWER_GOOD), 1); /* the wait over: one blob for all three */
    assert_int_equal(fake_l1_pending(&L1), 1);
    assert_true(last_tx()->blob);
    assert_null(strstr(FW.submit.status, "held"));
    mine_to(3);
    assert_once(3);
    /* 14 batches of 8,000 bytes (88% of a blob) wait; the 15th fills it. */
    for (uint64_t b = 4; b < 18; b++) seal_len(b, 8000);
    assert_int_equal(run_host(1500, ANSWER_GOOD), 0);
    seal_len(18, 8000);
    assert_true(run_host(1500, ANSWER_GOOD) >= 1);
    assert_int_equal(fake_l1_pending(&L1), 1);
    mine_to(18);
    assert_once(18);
    assert_int_equal(L1.blob_data_mismatches, 0);
    assert_int_equal(FW.log.nalarms, 0);
}

int main(void)
{
    char err[256];
    KZG = zs_kzg_open(NULL, 0, err, sizeof err);
    if (!KZG) {
        fprintf(stderr, "test_fw_blob: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blob_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_reboot_and_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_eip4844_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_reorg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_reorg_ghost_receipt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_fill_wait, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    zs_kzg_close(KZG);
    return rc;
}
