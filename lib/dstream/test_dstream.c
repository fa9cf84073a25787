/* zs_dstream: the stream's framing against zkevm-data-streamer's layout
   (written out here byte by byte), the messages against protobuf's wire
   format worked by hand, every message through encode and decode, and what
   the decoders refuse. */
#include <stdlib.h>
#include <string.h>

#include "lib/dstream/zs_dstream.h"
#include "tests/support/zs_test.h"

static void test_framing(void **state)
{
    (void)state;
    zs_ds_header_t h = {.version = 3, .system_id = 1001, .stream_type = 1, .total_length = 4096 + 52, .total_entries = 2};
    uint8_t b[ZS_DS_HEADER_LEN];
    zs_ds_header_encode(&h, b);
    static const uint8_t want[ZS_DS_HEADER_LEN] = {1, 0, 0, 0, 38, 3, 0, 0, 0, 0, 0, 0, 0x03, 0xe9, 0, 0, 0, 0, 0, 0, 0, 1,
                                                   0, 0, 0, 0, 0, 0, 0x10, 0x34, 0, 0, 0, 0, 0, 0, 0, 2};
    assert_memory_equal(b, want, sizeof want);
    zs_ds_header_t g;
    assert_int_equal(zs_ds_header_decode(b, &g), 0);
    assert_int_equal(g.total_length, 4148);
    assert_int_equal(g.system_id, 1001);
    b[0] = 2;
    assert_int_equal(zs_ds_header_decode(b, &g), ZS_ERR_PARSE);

    uint8_t data[3] = {0xaa, 0xbb, 0xcc}, e[32];
    zs_ds_entry_t en = {.packet = ZS_DS_PT_DATA, .type = ZS_DS_ET_L2_BLOCK, .number = 258, .data = data, .len = 3};
    assert_int_equal(zs_ds_entry_encode(&en, e), 20);
    static const uint8_t want_e[20] = {2, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 2, 0xaa, 0xbb, 0xcc};
    assert_memory_equal(e, want_e, 20);
    assert_int_equal(zs_ds_packet_length(e), 20);
    zs_ds_entry_t d;
    assert_int_equal(zs_ds_entry_decode(e, 20, &d), 0);
    assert_int_equal(d.number, 258);
    assert_int_equal(d.len, 3);
    assert_int_equal(zs_ds_entry_decode(e, 19, &d), ZS_ERR_PARSE);
    assert_int_equal(zs_ds_entry_decode(e, 10, &d), ZS_ERR_PARSE);

    uint8_t r[16];
    assert_int_equal(zs_ds_result_encode(0, "OK", r), 11);
    static const uint8_t want_r[11] = {0xff, 0, 0, 0, 11, 0, 0, 0, 0, 'O', 'K'};
    assert_memory_equal(r, want_r, 11);
}

/* Protobuf's wire format by hand: field 1 varint (tag 0x08), field 2
   varint (0x10); 300 = 0xac 0x02. */
static void test_wire(void **state)
{
    (void)state;
    uint8_t b[64];
    assert_int_equal(zs_ds_bookmark(ZS_DS_BOOKMARK_BATCH, 5, b, sizeof b), 4);
    static const uint8_t bm[4] = {0x08, 0x01, 0x10, 0x05};
    assert_memory_equal(b, bm, 4);
    assert_int_equal(zs_ds_l2_block_end(300, b, sizeof b), 3);
    static const uint8_t be[3] = {0x08, 0xac, 0x02};
    assert_memory_equal(b, be, 3);
    /* BatchStart{number 7, type REGULAR, fork 12, chain 1001 (0xe9 0x07)} */
    assert_int_equal(zs_ds_batch_start(7, ZS_DS_BATCH_REGULAR, 1001, b, sizeof b), 9);
    static const uint8_t bs[9] = {0x08, 7, 0x10, 1, 0x18, 12, 0x20, 0xe9, 0x07};
    assert_memory_equal(b, bs, 9);
    assert_int_equal(zs_ds_bookmark(ZS_DS_BOOKMARK_BATCH, 5, b, 3), ZS_ERR_FULL);
}

static void test_round_trips(void **state)
{
    (void)state;
    uint8_t b[512], root[32], ler[32], raw[90];
    memset(root, 0x11, 32);
    memset(ler, 0x22, 32);
    memset(raw, 0xf8, sizeof raw);
    zs_ds_msg_t m;
    long n = zs_ds_batch_end(9, ler, root, b, sizeof b);
    assert_true(n > 0);
    assert_int_equal(zs_ds_decode(ZS_DS_ET_BATCH_END, b, (size_t)n, &m), 0);
    assert_int_equal(m.u.batch_end.number, 9);
    assert_memory_equal(m.u.batch_end.state_root, root, 32);
    zs_ds_l2block_t blk = {.number = 12, .batch_number = 3, .timestamp = 1700000000, .delta_timestamp = 2,
                           .min_timestamp = 1699999990, .block_gas_limit = 1125899906842624ull,
                           .l1_infotree_index = 4};
    memset(blk.hash, 0x33, 32);
    memset(blk.coinbase, 0x44, 20);
    n = zs_ds_l2_block(&blk, b, sizeof b);
    assert_true(n > 0);
    assert_int_equal(zs_ds_decode(ZS_DS_ET_L2_BLOCK, b, (size_t)n, &m), 0);
    assert_memory_equal(&m.u.l2_block, &blk, sizeof blk);
    n = zs_ds_transaction(12, 1, 1, raw, sizeof raw, 255, root, b, sizeof b);
    assert_true(n > 0);
    assert_int_equal(zs_ds_decode(ZS_DS_ET_TRANSACTION, b, (size_t)n, &m), 0);
    assert_int_equal(m.u.tx.encoded_len, sizeof raw);
    assert_memory_equal(m.u.tx.encoded, raw, sizeof raw);
    assert_int_equal(m.u.tx.effective_gas_price_percentage, 255);
    assert_true(m.u.tx.is_valid);
    zs_ds_msg_clear(&m);
    /* Damage: a truncated message, a hash of the wrong length, an unknown type. */
    assert_int_equal(zs_ds_decode(ZS_DS_ET_L2_BLOCK, b, (size_t)n - 5, &m), ZS_ERR_PARSE);
    static const uint8_t short_hash[4] = {0x42, 0x02, 0xaa, 0xbb}; /* field 8 (hash), 2 bytes */
    assert_int_equal(zs_ds_decode(ZS_DS_ET_L2_BLOCK, short_hash, sizeof short_hash, &m), ZS_ERR_PARSE);
    assert_int_equal(zs_ds_decode(77, b, (size_t)n, &m), ZS_ERR_UNSUPPORTED);
    assert_string_equal(zs_ds_type_name(ZS_DS_ET_BOOKMARK), "BookMark");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
