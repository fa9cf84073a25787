/* host/stream's writer on a real node: a batch the node closes with a
   block the writer has not read yet (the head it read is older than the
   batch's record, as when the node seals while the writer catches up) ends
   in the stream only after that block; before the fix the BatchEnd came
   first and the block followed under a second BatchStart of the same
   batch, and a replica refused the stream (its state root at the end of
   the batch was the sequencer's after a block it had not replayed).
   And the roots the stream carries: every L2Block's block info root and a
   BatchEnd's local exit root as the chain recorded them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/chain/zs_chain.h"
#include "host/stream/zs_dsfile.h"
#include "host/stream/zs_dswriter.h"
#include "lib/base/zs_hex.h"
#include "lib/dstream/zs_dstream.h"
#include "lib/tx/zs_tx.h"
#include "tests/support/zs_fuzz_node.h"
#include "tests/support/zs_test.h"

static uint64_t stale; /* the head the writer is shown */

static uint64_t stale_head(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&stale, __ATOMIC_ACQUIRE);
}

/* One transfer from the funded account; waits until it is in a block. */
static void transfer(zs_node_t *n, uint64_t nonce)
{
    uint8_t key[32], to[20] = {0xbe, 0xef}, raw[256];
    assert_int_equal(zs_hex_decode_exact(key, 32, zs_dev_keys[0]), 0);
    zs_tx_t tx;
    size_t len;
    assert_int_equal(zs_tx_sign_transfer(&tx, key, 1001, nonce, to, (zs_u256_t[]){zs_u256_from_u64(1)}, 1000000000,
                                         raw, sizeof raw, &len),
                     0);
    zs_submit_t s;
    uint64_t head = zs_node_head(n);
    zs_node_submit(n, raw, len, &s);
    assert_int_equal(s.reason, ZS_POOL_OK);
    for (int i = 0; i < 500 && zs_node_head(n) == head; i++) usleep(10000);
    assert_true(zs_node_head(n) > head);
}

/* Entry i of the stream: 0 past its end; else 1 with its type, and
   *decoded when its message is in *m (the caller clears it). */
static int read_entry(zs_dsfile_t *f, uint64_t i, uint32_t *type, zs_ds_msg_t *m, int *decoded)
{
    uint8_t *p;
    size_t len;
    if (zs_dsfile_entry(f, i, &p, &len)) return 0;
    zs_ds_entry_t e;
    assert_int_equal(zs_ds_entry_decode(p, len, &e), 0);
    *type = e.type;
    *decoded = e.type != ZS_DS_ET_BOOKMARK && !zs_ds_decode(e.type, e.data, e.len, m);
    free(p);
    return 1;
}

/* The stream's entries' types and, for blocks and batch ends, numbers. */
static size_t entries(zs_dsfile_t *f, uint32_t *types, uint64_t *nums, size_t cap)
{
    size_t k = 0;
    zs_ds_msg_t m;
    int decoded;
    for (uint64_t i = 0; k < cap && read_entry(f, i, &types[k], &m, &decoded); i++, k++) {
        nums[k] = 0;
        if (!decoded) continue;
        nums[k] = types[k] == ZS_DS_ET_L2_BLOCK     ? m.u.l2_block.number
                  : types[k] == ZS_DS_ET_BATCH_END   ? m.u.batch_end.number
                  : types[k] == ZS_DS_ET_BATCH_START ? m.u.batch_start.number
                                                     : 0;
        zs_ds_msg_clear(&m);
    }
    return k;
}

static void test_batch_end_after_its_block(void **state)
{
    (void)state;
    zs_node_t *n = zs_fuzz_node_open("dsw");
    char path[64], err[200];
    snprintf(path, sizeof path, "/tmp/zs-dsw-%d.bin", getpid());
    unlink(path);
    zs_dsfile_t *f = zs_dsfile_open(path, 1001, err, sizeof err);
    assert_non_null(f);
    transfer(n, 0);
    zs_dswriter_t *w = zs_dswriter_start(n, f, 1001, err, sizeof err);
    assert_non_null(w);
    for (int i = 0; i < 300 && zs_dswriter_last_block(w) < zs_node_head(n); i++) usleep(10000);
    /* The writer is shown the head it has; the node seals another block
       and closes the batch with it. */
    __atomic_store_n(&stale, zs_node_head(n), __ATOMIC_RELEASE);
    zs_dswriter_head_from(w, stale_head, NULL);
    zs_batch_numbers_t b0, b;
    zs_node_batches(n, &b0);
    zs_node_request_close(n, b0.open, 1);
    transfer(n, 1);
    for (int i = 0; i < 300; i++) {
        zs_node_batches(n, &b);
        if (b.trusted >= b0.open) break;
        usleep(10000);
    }
    assert_true(b.trusted >= b0.open);
    zs_dswriter_head_from(w, stale_head, NULL); /* a catch-up with the stale head */
    usleep(300000);
    uint32_t types[256];
    uint64_t nums[256];
    size_t k = entries(f, types, nums, 256);
    for (size_t i = 0; i < k; i++)
        assert_false(types[i] == ZS_DS_ET_BATCH_END && nums[i] == b0.open); /* not before its last block */
    /* The true head: the block, then the batch's end, one BatchStart. */
    zs_dswriter_head_from(w, NULL, NULL);
    for (int i = 0; i < 300 && zs_dswriter_last_block(w) < zs_node_head(n); i++) usleep(10000);
    usleep(300000);
    k = entries(f, types, nums, 256);
    zs_batchrec_t r;
    assert_int_equal(zs_chain_get_batch(zs_node_store(n), b0.open, &r), 0);
    uint64_t last = r.last_block;
    zs_batchrec_clear(&r);
    size_t starts = 0, end_at = SIZE_MAX, block_at = SIZE_MAX;
    for (size_t i = 0; i < k; i++) {
        if (types[i] == ZS_DS_ET_BATCH_START && nums[i] == b0.open) starts++;
        if (types[i] == ZS_DS_ET_BATCH_END && nums[i] == b0.open) end_at = i;
        if (types[i] == ZS_DS_ET_L2_BLOCK && nums[i] == last) block_at = i;
    }
    assert_int_equal(starts, 1);
    assert_true(end_at != SIZE_MAX && block_at != SIZE_MAX);
    assert_true(block_at < end_at); /* the batch's last block, then its end */
    printf("# batch %llu: last block %llu at entry %zu, its end at entry %zu\n", (unsigned long long)b0.open,
           (unsigned long long)last, block_at, end_at);
    zs_dswriter_stop(w);
    zs_dsfile_close(f);
    unlink(path);
    zs_fuzz_node_close(n);
}

/* The L2Block of block `number` (its block_info_root) or the BatchEnd of
   batch `number` (its local_exit_root) into out: 1 when found. */
static int stream_root(zs_dsfile_t *f, uint32_t type, uint64_t number, uint8_t out[32])
{
    int found = 0, decoded;
    uint32_t t;
    zs_ds_msg_t m;
    for (uint64_t i = 0; !found && read_entry(f, i, &t, &m, &decoded); i++) {
        if (!decoded) continue;
        if (t == type && type == ZS_DS_ET_L2_BLOCK && m.u.l2_block.number == number)
            memcpy(out, m.u.l2_block.block_info_root, 32), found = 1;
        if (t == type && type == ZS_DS_ET_BATCH_END && m.u.batch_end.number == number)
            memcpy(out, m.u.batch_end.local_exit_root, 32), found = 1;
        zs_ds_msg_clear(&m);
    }
    return found;
}

/* Every block's block info root and a closed batch's local exit root (the
   genesis sets the L2 global exit root manager's lastRollupExitRoot, as a
   bridge would) reach the stream as the chain recorded them. */
static void test_roots_in_stream(void **state)
{
    (void)state;
    static const char genesis[] =
        "{\"addresses\":[{\"address\":\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\",\"balance\":\"10000000000000000000000\"},"
        "{\"address\":\"0xa40D5f56745a118D0906a34E69aeC8C0Db1cB8fA\",\"bytecode\":\"0x00\","
        "\"storage\":{\"0x01\":\"0x1e7e1e7e000000000000000000000000000000000000000000000000000000ab\"}}]}";
    zs_node_t *n = zs_fuzz_node_open_genesis("dswroots", genesis);
    char path[64], err[200];
    snprintf(path, sizeof path, "/tmp/zs-dswr-%d.bin", getpid());
    unlink(path);
    zs_dsfile_t *f = zs_dsfile_open(path, 1001, err, sizeof err);
    assert_non_null(f);
    zs_dswriter_t *w = zs_dswriter_start(n, f, 1001, err, sizeof err);
    assert_non_null(w);
    zs_batch_numbers_t b0, b;
    zs_node_batches(n, &b0);
    transfer(n, 0);
    zs_node_request_close(n, b0.open, 1);
    transfer(n, 1);
    for (int i = 0; i < 300; i++) {
        zs_node_batches(n, &b);
        if (b.trusted >= b0.open && zs_dswriter_last_block(w) >= zs_node_head(n)) break;
        usleep(10000);
    }
    assert_true(b.trusted >= b0.open);
    usleep(300000);
    uint8_t want[32] = {0x1e, 0x7e, 0x1e, 0x7e}, got[32], zero[32] = {0};
    want[31] = 0xab;
    zs_batchrec_t r;
    assert_int_equal(zs_chain_get_batch(zs_node_store(n), b0.open, &r), 0);
    assert_memory_equal(r.local_exit_root, want, 32);
    uint64_t last = r.last_block;
    zs_batchrec_clear(&r);
    assert_true(stream_root(f, ZS_DS_ET_BATCH_END, b0.open, got));
    assert_memory_equal(got, want, 32);
    for (uint64_t num = 1; num <= last; num++) {
        zs_block_t blk;
        assert_int_equal(zs_chain_get_block(zs_node_store(n), num, &blk), 0);
        assert_memory_not_equal(blk.info_root, zero, 32);
        assert_true(stream_root(f, ZS_DS_ET_L2_BLOCK, num, got));
        assert_memory_equal(got, blk.info_root, 32);
        zs_block_clear(&blk);
    }
    printf("# batch %llu ends with local exit root 0x1e7e1e7e..ab; blocks 1..%llu with their info roots\n",
           (unsigned long long)b0.open, (unsigned long long)last);
    zs_dswriter_stop(w);
    zs_dsfile_close(f);
    unlink(path);
    zs_fuzz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_end_after_its_block),
        cmocka_unit_test(test_roots_in_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
