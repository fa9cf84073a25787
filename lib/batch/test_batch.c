/* Unit tests of lib/batch against the transactions inside Polygon's
   state-transition vectors: every standard rawTx encodes to Polygon's
   customRawTx, the entries concatenate to batchL2Data, and decoding
   batchL2Data gives back the same transactions and senders. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_addr.h"

static void test_state_transition_txs(void **state)
{
    json_t *j = zs_test_load_json("polygon/processor/state-transition.json");
    size_t ci;
    json_t *c;
    int txs = 0, blocks = 0;
    json_array_foreach(j, ci, c) {
        size_t blen;
        uint8_t *batch = zs_test_hex(json_string_value(json_object_get(c, "batchL2Data")), &blen);
        uint8_t *built = malloc(blen + 1024);
        size_t built_len = 0;
        size_t ti;
        json_t *t;
        /* Encode each vector transaction and compare with customRawTx. */
        json_array_foreach(json_object_get(c, "txs"), ti, t) {
            const char *custom = json_string_value(json_object_get(t, "customRawTx"));
            if (!custom || !custom[0]) continue; /* invalid addresses: no encoding exists */
            size_t clen;
            uint8_t *want = zs_test_hex(custom, &clen);
            uint8_t out[4096];
            long n;
            if (json_integer_value(json_object_get(t, "type")) == 11) {
                uint32_t delta = (uint32_t)strtoul(json_string_value(json_object_get(t, "deltaTimestamp")), NULL, 10);
                uint32_t index = (uint32_t)json_integer_value(json_object_get(t, "indexL1InfoTree"));
                n = zs_batch_encode_change_l2_block(delta, index, out, sizeof out);
                blocks++;
            } else {
                size_t rlen;
                uint8_t *raw = zs_test_hex(json_string_value(json_object_get(t, "rawTx")), &rlen);
                zs_tx_t tx;
                zs_perr_t e;
                assert_int_equal(zs_tx_decode(raw, rlen, &tx, &e), 0);
                n = zs_batch_encode_tx(&tx, 0xff, out, sizeof out);
                free(raw);
                txs++;
                if (!tx.has_chain_id) {
                    /* A pre-EIP-155 signature that the vector nevertheless
                       encodes with chainId 0: Polygon's executor then hashes
                       nine fields, finds another sender and refuses the
                       transaction, which the vector expects.  zkseq encodes
                       the six signed fields; keep the vector's bytes. */
                    assert_non_null(strstr(json_string_value(json_object_get(t, "reason")), "Chain ID"));
                    assert_int_equal((size_t)n + 3, clen);
                    memcpy(out, want, clen);
                    n = (long)clen;
                }
            }
            assert_true(n > 0);
            assert_int_equal((size_t)n, clen);
            assert_memory_equal(out, want, clen);
            memcpy(built + built_len, out, (size_t)n);
            built_len += (size_t)n;
            free(want);
        }
        /* Decode the batch back: the same senders in the same order. */
        size_t pos = 0;
        zs_batch_entry_t ent;
        zs_perr_t e;
        int r;
        if (built_len != blen || memcmp(built, batch, blen)) {
            /* One vector holds a deliberately broken batch; Polygon refuses
               it as "Failed to RLP decode signing data", and so must we. */
            int broken = 0;
            json_array_foreach(json_object_get(c, "txs"), ti, t) {
                const char *why = json_string_value(json_object_get(t, "reason"));
                broken |= why && strstr(why, "RLP decode") != NULL;
            }
            assert_true(broken);
            while ((r = zs_batch_next(batch, blen, &pos, &ent, &e)) == 1) continue;
            assert_int_equal(r, ZS_ERR_PARSE);
            free(batch);
            free(built);
            continue;
        }
        /* batchHashData is keccak256(batchL2Data). */
        uint8_t h[32];
        zs_keccak256(batch, blen, h);
        zs_test_assert_hex(h, 32, json_string_value(json_object_get(c, "batchHashData")));
        json_t *vtxs = json_object_get(c, "txs");
        size_t vi = 0;
        while ((r = zs_batch_next(batch, blen, &pos, &ent, &e)) == 1) {
            json_t *vt;
            /* skip vector entries that have no encoding */
            while ((vt = json_array_get(vtxs, vi)) && !json_string_length(json_object_get(vt, "customRawTx"))) vi++;
            assert_non_null(vt);
            vi++;
            if (ent.kind == ZS_BATCH_ENTRY_BLOCK) {
                assert_int_equal(json_integer_value(json_object_get(vt, "type")), 11);
                continue;
            }
            uint8_t raw[4096];
            zs_tx_t tx;
            int err = zs_batch_entry_to_tx(&ent, raw, sizeof raw, &tx, &e);
            assert_int_equal(err, 0);
            uint8_t sender[20], want[20];
            assert_int_equal(zs_addr_parse(want, json_string_value(json_object_get(vt, "from"))), 0);
            if (zs_tx_recover(&tx, sender) == 0 && memcmp(sender, want, 20) == 0) continue;
            /* Only a transaction the vector expects to be refused may differ. */
            const char *desc = json_string_value(json_object_get(c, "description"));
            const char *why = json_string_value(json_object_get(vt, "reason"));
            assert_true(strstr(desc, "invalid signature") || (why && why[0]));
        }
        assert_int_equal(r, 0);
        assert_int_equal(pos, blen);
        free(batch);
        free(built);
    }
    assert_true(txs >= 20);
    assert_true(blocks >= 10);
    json_decref(j);
}

static void test_typed_extension_and_refusals(void **state)
{
    /* A signed EIP-1559 transaction survives the batch form. */
    uint8_t key[32] = {1}, raw[512], ent_buf[512], back[512];
    zs_tx_t tx = {0};
    tx.type = ZS_TX_DYNAMIC_FEE;
    tx.has_chain_id = 1;
    tx.chain_id = 1001;
    tx.nonce = 7;
    tx.gas = 21000;
    tx.max_fee = zs_u256_from_u64(2000000000);
    tx.max_priority_fee = zs_u256_from_u64(1000000000);
    tx.has_to = 1;
    memset(tx.to, 0xab, 20);
    tx.value = zs_u256_from_u64(12345);
    size_t len;
    assert_int_equal(zs_tx_sign(&tx, key, raw, sizeof raw, &len), 0);
    long n = zs_batch_encode_tx(&tx, 0xff, ent_buf, sizeof ent_buf);
    assert_true(n > 0);
    assert_int_equal(ent_buf[0], 2);
    size_t pos = 0;
    zs_batch_entry_t ent;
    zs_perr_t e;
    assert_int_equal(zs_batch_next(ent_buf, (size_t)n, &pos, &ent, &e), 1);
    assert_int_equal(ent.type, 2);
    zs_tx_t dec;
    assert_int_equal(zs_batch_entry_to_tx(&ent, back, sizeof back, &dec, &e), 0);
    assert_memory_equal(dec.hash, tx.hash, 32);
    assert_int_equal(zs_batch_next(ent_buf, (size_t)n, &pos, &ent, &e), 0);
    /* Cut short anywhere: refused with a reason, never read past the end. */
    for (long cut = 1; cut < n; cut++) {
        pos = 0;
        int r = zs_batch_next(ent_buf, (size_t)cut, &pos, &ent, &e);
        assert_int_equal(r, ZS_ERR_PARSE);
        assert_non_null(e.reason);
    }
    uint8_t bad[] = {0x0c, 1, 2};
    pos = 0;
    assert_int_equal(zs_batch_next(bad, sizeof bad, &pos, &ent, &e), ZS_ERR_PARSE);
    assert_string_equal(e.reason, "unknown batch entry (neither a transaction nor changeL2Block)");
    uint8_t blk[] = {0x0b, 0, 0, 0, 1, 0, 0, 0};
    pos = 0;
    assert_int_equal(zs_batch_next(blk, sizeof blk, &pos, &ent, &e), ZS_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_transition_txs),
        cmocka_unit_test(test_typed_extension_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
