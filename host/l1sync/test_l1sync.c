/* The L1 follower's pure parts: the accInputHash chain against Polygon's
   executor inputs, the sequence calldata decoder (and what it refuses),
   and the records with their reorg truncation in a real RocksDB.  The
   follower against a real L1 (anvil) is host/l1sync/test_l1_follow.mjs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/fw_rollup.h"
#include "host/l1sync/zs_l1abi.h"
#include "host/l1view/zs_l1rec.h"
#include "host/store/zs_schema.h"
#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"
#include "tests/support/zs_test.h"

static void hex32(const char *s, uint8_t out[32])
{
    size_t n;
    uint8_t *b = zs_test_hex(s, &n);
    assert_int_equal(n, 32);
    memcpy(out, b, 32);
    free(b);
}

/* newAccInputHash = step(oldAccInputHash, batchL2Data, ...) for every
   executor input that has both. */
static int check_acc_file(const char *rel)
{
    json_t *d = zs_test_load_json(rel);
    json_t *list = json_is_array(d) ? json_incref(d) : json_pack("[O]", d);
    size_t i, checked = 0;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *newacc = json_string_value(json_object_get(x, "newAccInputHash"));
        if (!newacc) continue;
        uint8_t old[32], root[32], fbh[32], coinbase[20], got[32], bh[32], want_bh[32];
        hex32(json_string_value(json_object_get(x, "oldAccInputHash")), old);
        hex32(json_string_value(json_object_get(x, "l1InfoRoot")), root);
        hex32(json_string_value(json_object_get(x, "forcedBlockHashL1")), fbh);
        size_t n;
        uint8_t *cb = zs_test_hex(json_string_value(json_object_get(x, "sequencerAddr")), &n);
        assert_int_equal(n, 20);
        memcpy(coinbase, cb, 20);
        free(cb);
        uint8_t *data = zs_test_hex(json_string_value(json_object_get(x, "batchL2Data")), &n);
        json_t *tl = json_object_get(x, "timestampLimit");
        uint64_t ts = json_is_string(tl) ? strtoull(json_string_value(tl), NULL, 10) : (uint64_t)json_integer_value(tl);
        zs_l1_batchdata_t b = {.transactions = data, .len = n};
        static const uint8_t zero[32];
        if (memcmp(fbh, zero, 32)) { /* forced: the forced GER, timestamp and block hash */
            memcpy(b.forced_ger, root, 32);
            b.forced_timestamp = ts;
            memcpy(b.forced_block_hash, fbh, 32);
        }
        zs_l1abi_acc_step(old, &b, root, ts, coinbase, got, bh);
        zs_test_assert_hex(got, 32, newacc);
        const char *bhd = json_string_value(json_object_get(x, "batchHashData"));
        if (bhd) {
            hex32(bhd, want_bh);
            assert_memory_equal(bh, want_bh, 32);
        }
        free(data);
        checked++;
    }
    json_decref(list);
    json_decref(d);
    return (int)checked;
}

static void test_acc_input_hash_vectors(void **state)
{
    (void)state;
    int total = check_acc_file("polygon/inputs-executor/input_executor.json");
    const char *dirs[] = {"polygon/executor/no-data", "polygon/executor/calldata"};
    for (int k = 0; k < 2; k++) {
        DIR *dd = opendir(zs_test_path(dirs[k]));
        assert_non_null(dd);
        struct dirent *e;
        while ((e = readdir(dd))) {
            if (!strstr(e->d_name, ".json")) continue;
            char rel[512];
            snprintf(rel, sizeof rel, "%s/%s", dirs[k], e->d_name);
            total += check_acc_file(rel);
        }
        closedir(dd);
    }
    printf("# accInputHash: %d executor inputs agree\n", total);
    assert_true(total >= 31);
}

/* ---- A small ABI encoder for the calldata tests. */

typedef struct {
    uint8_t p[4096];
    size_t n;
} enc_t;

static void w_word_u64(enc_t *e, uint64_t v)
{
    memset(e->p + e->n, 0, 32);
    for (int i = 0; i < 8; i++) e->p[e->n + 31 - i] = (uint8_t)(v >> (8 * i));
    e->n += 32;
}

static void w_bytes32(enc_t *e, const uint8_t b[32])
{
    memcpy(e->p + e->n, b, 32);
    e->n += 32;
}

/* sequenceBatches with two batches: a sequencer's (3 bytes) and a forced one (40 bytes). */
static size_t encode_sequence(enc_t *e, const uint8_t *tx1, size_t l1, const uint8_t *tx2, size_t l2)
{
    uint8_t r[32];
    e->n = 0;
    zs_l1abi_selector("sequenceBatches((bytes,bytes32,uint64,bytes32)[],uint32,uint64,bytes32,address)", e->p);
    e->n = 4;
    w_word_u64(e, 5 * 32); /* the array after the five head words */
    w_word_u64(e, 7);      /* indexL1InfoRoot */
    w_word_u64(e, 1700000000);
    memset(r, 0xaa, 32);
    w_bytes32(e, r); /* expectedFinalAccInputHash */
    memset(r, 0, 32);
    memset(r + 12, 0x11, 20);
    w_bytes32(e, r); /* l2Coinbase */
    w_word_u64(e, 2);
    size_t t1 = 2 * 32, t1len = 4 * 32 + 32 + (l1 + 31) / 32 * 32;
    w_word_u64(e, t1);
    w_word_u64(e, t1 + t1len);
    const uint8_t *txs[2] = {tx1, tx2};
    size_t lens[2] = {l1, l2};
    for (int i = 0; i < 2; i++) {
        w_word_u64(e, 4 * 32);
        memset(r, i ? 0x22 : 0, 32);
        w_bytes32(e, r);
        w_word_u64(e, i ? 1690000000 : 0);
        memset(r, i ? 0x33 : 0, 32);
        w_bytes32(e, r);
        w_word_u64(e, lens[i]);
        memset(e->p + e->n, 0, (lens[i] + 31) / 32 * 32);
        memcpy(e->p + e->n, txs[i], lens[i]);
        e->n += (lens[i] + 31) / 32 * 32;
    }
    return e->n;
}

static void test_sequence_calldata(void **state)
{
    (void)state;
    uint8_t tx1[3] = {0x0b, 1, 2}, tx2[40];
    memset(tx2, 0x5c, sizeof tx2);
    enc_t e;
    size_t n = encode_sequence(&e, tx1, sizeof tx1, tx2, sizeof tx2);
    zs_l1_sequence_t q;
    assert_int_equal(zs_l1abi_sequence(e.p, n, &q), 0);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.index_l1_info_root, 7);
    assert_int_equal(q.max_timestamp, 1700000000);
    assert_int_equal(q.coinbase[0], 0x11);
    assert_int_equal(q.expected_acc[31], 0xaa);
    assert_int_equal(q.batches[0].len, 3);
    assert_memory_equal(q.batches[0].transactions, tx1, 3);
    assert_int_equal(q.batches[0].forced_timestamp, 0);
    assert_int_equal(q.batches[1].len, 40);
    assert_memory_equal(q.batches[1].transactions, tx2, 40);
    assert_int_equal(q.batches[1].forced_timestamp, 1690000000);
    assert_int_equal(q.batches[1].forced_ger[0], 0x22);
    assert_int_equal(q.batches[1].forced_block_hash[31], 0x33);
    /* The chain: a forced batch hashes its own values, the other the sequence's. */
    uint8_t acc0[32] = {0}, root[32], a1[32], a2[32], b1[32], b2[32];
    memset(root, 0x44, 32);
    zs_l1abi_acc_step(acc0, &q.batches[0], root, q.max_timestamp, q.coinbase, a1, NULL);
    zs_l1abi_acc_step(a1, &q.batches[1], root, q.max_timestamp, q.coinbase, a2, NULL);
    memset(root, 0x45, 32); /* the forced batch does not read the sequence's root */
    zs_l1abi_acc_step(a1, &q.batches[1], root, q.max_timestamp + 1, q.coinbase, b2, NULL);
    assert_memory_equal(a2, b2, 32);
    zs_l1abi_acc_step(acc0, &q.batches[0], root, q.max_timestamp, q.coinbase, b1, NULL);
    assert_memory_not_equal(a1, b1, 32);
    zs_l1abi_sequence_free(&q);

    /* Every truncation is refused, and so are a wrong selector, an offset
       outside the data and padding that is not zero. */
    for (size_t k = 0; k < n; k += 7) assert_int_equal(zs_l1abi_sequence(e.p, k, &q), ZS_ERR_PARSE);
    e.p[0] ^= 1;
    assert_int_equal(zs_l1abi_sequence(e.p, n, &q), ZS_ERR_PARSE);
    e.p[0] ^= 1;
    e.p[4 + 31] = 0xf0; /* the array's offset */
    assert_int_equal(zs_l1abi_sequence(e.p, n, &q), ZS_ERR_PARSE);
    e.p[4 + 31] = 5 * 32;
    e.p[n - 1] = 1; /* the second batch's padding */
    assert_int_equal(zs_l1abi_sequence(e.p, n, &q), ZS_ERR_PARSE);
    e.p[n - 1] = 0;
    e.p[4 + 32 + 27] = 1; /* indexL1InfoRoot beyond uint32 */
    assert_int_equal(zs_l1abi_sequence(e.p, n, &q), ZS_ERR_PARSE);
}

/* sequenceBlobBatches as the firmware writes it (fw_rollup_blob_calldata):
   every blob's batches with their stated hashes, the blob's timestamp and
   versioned hash (of the commitment in its parameters); two blobs naming
   different L1 info leaf counts, and every truncation, are refused. */
static void test_blob_sequence_calldata(void **state)
{
    (void)state;
    uint8_t h[3][32], z[32] = {1}, y[32] = {2}, com[2][48], proof[48] = {0}, coinbase[20], bacc[32], acc[32], out[4096];
    for (int i = 0; i < 3; i++) memset(h[i], 0x30 + i, 32);
    memset(com[0], 0xa1, 48);
    memset(com[1], 0xa2, 48);
    memset(coinbase, 0x11, 20);
    memset(bacc, 0xbb, 32);
    memset(acc, 0xcc, 32);
    fw_seq_blob_t b[2] = {
        {.max_timestamp = 1700000001, .zk_gas_limit = 200000000, .l1_info_index = 9, .z = z, .y = y,
         .commitment = com[0], .proof = proof, .batch_hashes = (const uint8_t(*)[32])h, .nbatches = 2},
        {.max_timestamp = 1700000002, .zk_gas_limit = 100000000, .l1_info_index = 9, .z = z, .y = y,
         .commitment = com[1], .proof = proof, .batch_hashes = (const uint8_t(*)[32])h[2], .nbatches = 1},
    };
    long n = fw_rollup_blob_calldata(b, 2, coinbase, bacc, acc, out, sizeof out);
    assert_true(n > 0);
    zs_l1_sequence_t q;
    assert_int_equal(zs_l1abi_sequence(out, (size_t)n, &q), 0);
    assert_true(q.blobs);
    assert_int_equal(q.n, 3);
    assert_int_equal(q.index_l1_info_root, 9);
    assert_memory_equal(q.coinbase, coinbase, 20);
    assert_memory_equal(q.expected_acc, acc, 32);
    uint8_t vh[2][32];
    zs_blob_versioned_hash(com[0], vh[0]);
    zs_blob_versioned_hash(com[1], vh[1]);
    for (int i = 0; i < 3; i++) {
        assert_memory_equal(q.batches[i].hash, h[i], 32);
        assert_int_equal(q.batches[i].blob_timestamp, i < 2 ? 1700000001 : 1700000002);
        assert_memory_equal(q.batches[i].blob_hash, vh[i < 2 ? 0 : 1], 32);
    }
    /* The chain over a stated hash is sequenceBatches' over the data hashed. */
    uint8_t root[32], a1[32], a2[32], data[5] = {1, 2, 3, 4, 5};
    memset(root, 0x44, 32);
    zs_keccak256(data, sizeof data, q.batches[0].blob_hash); /* reuse as scratch for the data's hash */
    zs_l1_batchdata_t plain = {.transactions = data, .len = sizeof data};
    zs_l1_batchdata_t stated = {.hash = q.batches[0].blob_hash, .blob_timestamp = 1700000001};
    zs_l1abi_acc_step(acc, &plain, root, 1700000001, coinbase, a1, NULL);
    zs_l1abi_acc_step(acc, &stated, root, 42 /* the blob's timestamp wins */, coinbase, a2, NULL);
    assert_memory_equal(a1, a2, 32);
    zs_l1abi_sequence_free(&q);
    for (long k = 0; k < n; k += 11) assert_int_equal(zs_l1abi_sequence(out, (size_t)k, &q), ZS_ERR_PARSE);
    b[1].l1_info_index = 10;
    n = fw_rollup_blob_calldata(b, 2, coinbase, bacc, acc, out, sizeof out);
    assert_int_equal(zs_l1abi_sequence(out, (size_t)n, &q), ZS_ERR_PARSE);
}

/* ---- Records. */

static zs_store_t *open_db(char dir[64])
{
    snprintf(dir, 64, "/tmp/zkseq-test-l1rec-XXXXXX");
    assert_non_null(mkdtemp(dir));
    zs_store_opts_t o = {.create = 1};
    char err[256];
    zs_store_t *s = zs_schema_open(dir, &o, err, sizeof err);
    if (!s) fail_msg("%s", err);
    return s;
}

static void put_at(zs_l1_at_t *at, uint64_t n)
{
    at->number = n;
    memset(at->hash, (int)n, 32);
}

static void test_records_and_reorg(void **state)
{
    (void)state;
    char dir[64];
    zs_store_t *s = open_db(dir);
    zs_store_batch_t *b = zs_store_batch_new(s);
    zs_l1_cursor_t c = {0};
    /* L1 blocks 10, 11, 12: a leaf in each, batch 1 virtual at 11, 2 at 12,
       batch 1 verified at 12, a forced batch at 11. */
    for (uint32_t i = 0; i < 3; i++) {
        zs_l1_leaf_t l = {.index = i, .min_timestamp = 100 + i};
        memset(l.ger, 0x70 + (int)i, 32);
        put_at(&l.at, 10 + i);
        zs_l1rec_put_leaf(b, &l);
    }
    c.leaves = 3;
    for (uint64_t n = 1; n <= 2; n++) {
        zs_l1_virtual_t v = {.batch = n, .sequence_last = n, .timestamp = 200 + n};
        memset(v.acc_input_hash, (int)n, 32);
        put_at(&v.at, 10 + n);
        zs_l1rec_put_virtual(b, &v);
    }
    c.virtual_ = 2;
    zs_l1_verified_t f = {.batch = 1, .final_batch = 1};
    put_at(&f.at, 12);
    zs_l1rec_put_verified(b, &f);
    c.verified = 1;
    uint8_t txs[5] = {1, 2, 3, 4, 5};
    zs_l1_forced_t fb = {.number = 1, .timestamp = 300, .data = txs, .len = 5};
    put_at(&fb.at, 11);
    zs_l1rec_put_forced(b, &fb);
    c.forced = 1;
    put_at(&c.at, 12);
    zs_l1rec_put_cursor(b, &c);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_clear(b);

    zs_l1_cursor_t got;
    assert_int_equal(zs_l1rec_cursor(s, &got), 0);
    assert_memory_equal(&got, &c, sizeof c);
    zs_l1_leaf_t l;
    uint8_t ger[32];
    memset(ger, 0x71, 32);
    assert_int_equal(zs_l1rec_leaf_by_ger(s, ger, &l), 0);
    assert_int_equal(l.index, 1);
    assert_int_equal(l.min_timestamp, 101);
    zs_l1_forced_t fg;
    assert_int_equal(zs_l1rec_forced(s, 1, &fg), 0);
    assert_int_equal(fg.len, 5);
    assert_memory_equal(fg.data, txs, 5);
    zs_l1_forced_clear(&fg);
    zs_l1_at_t newest;
    assert_int_equal(zs_l1rec_newest_block(s, &c, &newest), 0);
    assert_int_equal(newest.number, 12);

    /* L1 drops block 12: its leaf, batch 2 and the verification go; the rest stays. */
    assert_int_equal(zs_l1rec_truncate(s, b, &c, 11), 0);
    assert_int_equal(c.leaves, 2);
    assert_int_equal(c.virtual_, 1);
    assert_int_equal(c.verified, 0);
    assert_int_equal(c.forced, 1);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    memset(ger, 0x72, 32);
    assert_int_equal(zs_l1rec_leaf_by_ger(s, ger, &l), ZS_ERR_NOTFOUND);
    zs_l1_virtual_t v;
    assert_int_equal(zs_l1rec_virtual(s, 2, &v), ZS_ERR_NOTFOUND);
    assert_int_equal(zs_l1rec_virtual(s, 1, &v), 0);
    assert_int_equal(v.timestamp, 201);
    assert_int_equal(zs_l1rec_newest_block(s, &c, &newest), 0);
    assert_int_equal(newest.number, 11);
    /* And to before everything. */
    zs_store_batch_clear(b);
    assert_int_equal(zs_l1rec_truncate(s, b, &c, 0), 0);
    assert_int_equal(c.leaves + c.virtual_ + c.verified + c.forced, 0);
    zs_store_batch_free(b);
    zs_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acc_input_hash_vectors),
        cmocka_unit_test(test_sequence_calldata),
        cmocka_unit_test(test_blob_sequence_calldata),
        cmocka_unit_test(test_records_and_reorg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
