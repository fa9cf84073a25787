/* Unit tests of host/chain's records on a real RocksDB: a block and a
   batch (regular and forced) read back as written, their block info root
   and local exit root included; records as earlier sessions wrote them
   (without those two fields) still read, with zeros; a record with a
   field too many or of the wrong kind is refused as corrupt. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/store/zs_schema.h"
#include "host/store/zs_store.h"
#include "lib/base/zs_bytes.h"
#include "lib/rlp/zs_rlp.h"

static char dir[256];
static zs_store_t *db;

static int setup(void **state)
{
    (void)state;
    zs_test_db_dir("chain", dir, sizeof dir);
    char err[256] = "";
    zs_store_opts_t o = {.cache_mb = 8, .create = 1};
    db = zs_schema_open(dir, &o, err, sizeof err);
    if (!db) print_message("open: %s\n", err);
    return db ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    zs_store_close(db);
    return zs_test_db_dir_remove(dir);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(seed + 7 * i);
}

static void write_batch(void (*put)(zs_store_batch_t *, const void *), const void *rec)
{
    zs_store_batch_t *b = zs_store_batch_new(db);
    put(b, rec);
    assert_int_equal(zs_store_write(db, b, 0), 0);
    zs_store_batch_free(b);
}

static void put_block(zs_store_batch_t *b, const void *rec) { zs_chain_put_block(b, rec); }
static void put_batchrec(zs_store_batch_t *b, const void *rec) { zs_chain_put_batch(b, rec); }

/* The record under key, rewritten as its first `keep` fields and then
   `extra` (raw RLP, may be empty): what an older or a damaged writer left. */
static void rewrite(const uint8_t key[9], size_t keep, const uint8_t *extra, size_t extra_len)
{
    uint8_t old[4096], out[4096];
    size_t len;
    assert_int_equal(zs_store_get(db, ZS_CF_CHAIN, key, 9, old, sizeof old, &len), 0);
    zs_rlp_item_t list, f[20];
    size_t count;
    assert_int_equal(zs_rlp_decode_exact(old, len, &list, NULL), 0);
    assert_int_equal(zs_rlp_list_items(&list, f, 20, &count, NULL), 0);
    assert_true(keep <= count);
    zs_rlp_enc_t e;
    zs_rlp_enc_init(&e, out, sizeof out);
    size_t m = zs_rlp_enc_list_begin(&e);
    for (size_t i = 0; i < keep; i++) zs_rlp_enc_raw(&e, old + f[i].offset, f[i].total);
    if (extra_len) zs_rlp_enc_raw(&e, extra, extra_len);
    zs_rlp_enc_list_end(&e, m);
    long n = zs_rlp_enc_finish(&e);
    assert_true(n > 0);
    zs_store_batch_t *b = zs_store_batch_new(db);
    zs_store_put(b, ZS_CF_CHAIN, key, 9, out, (size_t)n);
    assert_int_equal(zs_store_write(db, b, 0), 0);
    zs_store_batch_free(b);
}

/* A record's key as zs_chain writes it: a tag, the number big-endian. */
static void key(uint8_t out[9], char tag, uint64_t n)
{
    out[0] = (uint8_t)tag;
    zs_put_be64(out + 1, n);
}

static void test_block_record(void **state)
{
    (void)state;
    uint8_t hashes[2][32];
    zs_block_t w = {.number = 7, .timestamp = 1700000000, .gas_used = 42000, .gas_limit = 30000000, .batch = 3,
                    .ntx = 2, .tx_hashes = hashes, .l1_index = 5, .l1_last = 6};
    fill(w.hash, 32, 1), fill(w.parent, 32, 2), fill(w.state_root, 32, 3), fill(w.tx_root, 32, 4);
    fill(w.receipts_root, 32, 5), fill(w.bloom, 256, 6), fill(w.coinbase, 20, 7), fill(w.ger, 32, 8);
    fill(w.block_hash_l1, 32, 9), fill(w.info_root, 32, 10), fill(hashes[0], 32, 11), fill(hashes[1], 32, 12);
    write_batch(put_block, &w);
    zs_block_t r;
    assert_int_equal(zs_chain_get_block(db, 7, &r), 0);
    assert_int_equal(r.ntx, 2);
    assert_memory_equal(r.tx_hashes, hashes, sizeof hashes);
    assert_memory_equal(r.info_root, w.info_root, 32);
    assert_memory_equal(r.block_hash_l1, w.block_hash_l1, 32);
    assert_int_equal(r.l1_last, 6);
    zs_block_clear(&r);

    /* As session 22 wrote it: 14 fields, no block info root. */
    uint8_t k[9];
    key(k, 'b', 7);
    rewrite(k, 14, NULL, 0);
    assert_int_equal(zs_chain_get_block(db, 7, &r), 0);
    static const uint8_t zero[32];
    assert_memory_equal(r.info_root, zero, 32);
    assert_memory_equal(r.ger, w.ger, 32);
    assert_int_equal(r.gas_used, 42000);
    zs_block_clear(&r);

    /* A root of the wrong size, and a field too many: corrupt. */
    uint8_t short_root[] = {0x83, 1, 2, 3};
    rewrite(k, 14, short_root, sizeof short_root);
    assert_int_equal(zs_chain_get_block(db, 7, &r), ZS_ERR_CORRUPT);
    zs_block_clear(&r);
    write_batch(put_block, &w);
    uint8_t more[] = {0x01};
    rewrite(k, 15, more, 1);
    assert_int_equal(zs_chain_get_block(db, 7, &r), ZS_ERR_CORRUPT);
    zs_block_clear(&r);
}

static void check_batch(uint64_t number, const zs_batchrec_t *w)
{
    zs_batchrec_t r;
    assert_int_equal(zs_chain_get_batch(db, number, &r), 0);
    assert_int_equal(r.number, w->number);
    assert_int_equal(r.closed, w->closed);
    assert_int_equal(r.l2len, w->l2len);
    assert_memory_equal(r.l2data, w->l2data, w->l2len);
    assert_memory_equal(r.state_root, w->state_root, 32);
    assert_memory_equal(r.local_exit_root, w->local_exit_root, 32);
    assert_int_equal(r.counters.poseidon, w->counters.poseidon);
    assert_int_equal(r.forced, w->forced);
    assert_memory_equal(r.forced_ger, w->forced_ger, 32);
    assert_int_equal(r.invalid, w->invalid);
    zs_batchrec_clear(&r);
}

static void test_batch_records(void **state)
{
    (void)state;
    uint8_t data[5] = {0xb, 0, 0, 0, 9};
    zs_batchrec_t w = {.number = 4, .first_block = 10, .last_block = 12, .timestamp = 99, .closed = 1,
                       .l2data = data, .l2len = sizeof data};
    w.counters.poseidon = 17;
    fill(w.state_root, 32, 20), fill(w.acc_input_hash, 32, 21), fill(w.batch_hash, 32, 22);
    fill(w.local_exit_root, 32, 23);
    write_batch(put_batchrec, &w);
    check_batch(4, &w);

    /* A forced batch: its list, then the root. */
    zs_batchrec_t f = w;
    f.number = 5;
    f.forced = 2, f.forced_timestamp = 98, f.invalid = 1;
    fill(f.forced_ger, 32, 24), fill(f.forced_block_hash, 32, 25), fill(f.local_exit_root, 32, 26);
    write_batch(put_batchrec, &f);
    check_batch(5, &f);

    /* As session 22 wrote them (11 fields, 12 for a forced batch): zero. */
    uint8_t k[9];
    key(k, 'B', 4);
    rewrite(k, 11, NULL, 0);
    memset(w.local_exit_root, 0, 32);
    check_batch(4, &w);
    key(k, 'B', 5);
    rewrite(k, 12, NULL, 0);
    memset(f.local_exit_root, 0, 32);
    check_batch(5, &f);

    /* A list where the root belongs, two roots, a short root: corrupt. */
    zs_batchrec_t r;
    uint8_t list[] = {0xc1, 0x01}, root[33] = {0xa0}, two[66] = {0xa0}, short_root[] = {0x82, 1, 2};
    two[33] = 0xa0;
    key(k, 'B', 4);
    rewrite(k, 11, root, sizeof root);
    assert_int_equal(zs_chain_get_batch(db, 4, &r), 0); /* the well-formed one, all zero */
    zs_batchrec_clear(&r);
    const struct {
        const uint8_t *p;
        size_t n;
    } bad[] = {{list, sizeof list}, {two, sizeof two}, {short_root, sizeof short_root}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rewrite(k, 11, bad[i].p, bad[i].n);
        assert_int_equal(zs_chain_get_batch(db, 4, &r), ZS_ERR_CORRUPT);
        zs_batchrec_clear(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_record),
        cmocka_unit_test(test_batch_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
