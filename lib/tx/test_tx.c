/* Unit tests of lib/tx: ethereum/tests TransactionTests (London and
   Shanghai results: every valid case gives the same hash, sender and
   intrinsic gas; every invalid one is refused), BasicTests, go-ethereum's
   ecrecover cases, EIP-55, and random sign/decode round trips of every type. */
#include "tests/support/zs_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/tx/zs_addr.h"
#include "lib/tx/zs_tx.h"
#include "lib/tx/zs_tx_blob.h"

typedef struct {
    int valid, invalid, checked;
} tally_t;

/* Full validation as a node would do it: decode, rules, recovery. */
static int validate(const uint8_t *raw, size_t n, const zs_tx_rules_t *rules, zs_tx_t *tx,
                    uint8_t sender[20], const char **why)
{
    zs_perr_t e = {0};
    int err = zs_tx_decode(raw, n, tx, &e);
    if (err) {
        *why = e.reason;
        return err;
    }
    if (zs_tx_check(tx, rules, why) != ZS_TXCHK_OK) return ZS_ERR_REFUSED;
    if (zs_tx_recover(tx, sender)) {
        *why = "recovery failed";
        return ZS_ERR_CRYPTO;
    }
    return 0;
}

static void run_case(const char *file, const char *name, json_t *c, const char *fork,
                     const zs_tx_rules_t *rules, tally_t *t)
{
    json_t *res = json_object_get(json_object_get(c, "result"), fork);
    if (!res) return;
    size_t n;
    uint8_t *raw = zs_test_hex(json_string_value(json_object_get(c, "txbytes")), &n);
    zs_tx_t tx;
    uint8_t sender[20];
    const char *why = NULL;
    int err = validate(raw, n, rules, &tx, sender, &why);
    json_t *exc = json_object_get(res, "exception");
    if (exc) {
        if (!err) fail_msg("%s/%s (%s): accepted, expected %s", file, name, fork, json_string_value(exc));
        assert_non_null(why);
        t->invalid++;
    } else {
        if (err) fail_msg("%s/%s (%s): refused: %s", file, name, fork, why ? why : "?");
        uint8_t want_hash[32], want_sender[20];
        assert_int_equal(zs_hex_decode_exact(want_hash, 32, json_string_value(json_object_get(res, "hash"))), 0);
        assert_int_equal(zs_hex_decode_exact(want_sender, 20, json_string_value(json_object_get(res, "sender"))), 0);
        assert_memory_equal(tx.hash, want_hash, 32);
        assert_memory_equal(sender, want_sender, 20);
        uint64_t gas = strtoull(json_string_value(json_object_get(res, "intrinsicGas")), NULL, 16);
        assert_int_equal(zs_tx_intrinsic_gas(&tx, rules), gas);
        /* The field-built signing payload hashes to what decode computed. */
        uint8_t *payload = malloc(n + 64), h[32];
        long len = zs_tx_signing_payload(&tx, payload, n + 64);
        assert_true(len > 0);
        zs_keccak256(payload, (size_t)len, h);
        assert_memory_equal(h, tx.sighash, 32);
        free(payload);
        t->valid++;
    }
    t->checked++;
    free(raw);
}

static void run_all(const char *fork, const zs_tx_rules_t *rules, tally_t *t)
{
    const char *base = zs_test_path("ethereum/ethereum-tests/TransactionTests");
    char dirpath[4096];
    snprintf(dirpath, sizeof dirpath, "%s", base);
    DIR *d = opendir(dirpath);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char sub[8192];
        snprintf(sub, sizeof sub, "%s/%s", dirpath, de->d_name);
        DIR *d2 = opendir(sub);
        if (!d2) continue;
        struct dirent *f;
        while ((f = readdir(d2))) {
            if (!strstr(f->d_name, ".json")) continue;
            char rel[8192];
            snprintf(rel, sizeof rel, "ethereum/ethereum-tests/TransactionTests/%s/%s", de->d_name, f->d_name);
            json_t *j = zs_test_load_json(rel);
            const char *name;
            json_t *c;
            json_object_foreach(j, name, c) run_case(f->d_name, name, c, fork, rules, t);
            json_decref(j);
        }
        closedir(d2);
    }
    closedir(d);
}

static void test_transaction_tests_london(void **state)
{
    zs_tx_rules_t rules = {.chain_id = 1, .allow_unprotected = 1, .shanghai = 0, .max_init_code = 49152};
    tally_t t = {0};
    run_all("London", &rules, &t);
    print_message("London: %d valid, %d invalid\n", t.valid, t.invalid);
    assert_int_equal(t.checked, 210);
    assert_int_equal(t.valid, 52);
    assert_int_equal(t.invalid, 158);
}

static void test_transaction_tests_shanghai(void **state)
{
    zs_tx_rules_t rules = {.chain_id = 1, .allow_unprotected = 1, .shanghai = 1, .max_init_code = 49152};
    tally_t t = {0};
    run_all("Shanghai", &rules, &t);
    print_message("Shanghai: %d valid, %d invalid\n", t.valid, t.invalid);
    assert_true(t.checked >= 200);
}

static void test_basic_tests(void **state)
{
    json_t *j = zs_test_load_json("ethereum/ethereum-tests/BasicTests/keyaddrtest.json");
    size_t i;
    json_t *c;
    int n = 0;
    json_array_foreach(j, i, c) {
        uint8_t key[32], want[20], got[20];
        assert_int_equal(zs_hex_decode_exact(key, 32, json_string_value(json_object_get(c, "key"))), 0);
        assert_int_equal(zs_hex_decode_exact(want, 20, json_string_value(json_object_get(c, "addr"))), 0);
        assert_int_equal(zs_key_to_address(key, got), 0);
        assert_memory_equal(got, want, 20);
        n++;
    }
    assert_int_equal(n, 2);
    json_decref(j);
    /* txtest: pre-EIP-155 transactions.  The signing payload must match
       "unsigned" (their empty v, r, s placeholders dropped); the second
       signature has a high s and is refused under EIP-2. */
    j = zs_test_load_json("ethereum/ethereum-tests/BasicTests/txtest.json");
    int accepted = 0, refused_high_s = 0;
    json_array_foreach(j, i, c) {
        size_t len;
        uint8_t *raw = zs_test_hex(json_string_value(json_object_get(c, "signed")), &len);
        zs_tx_t tx;
        zs_perr_t e = {0};
        int err = zs_tx_decode(raw, len, &tx, &e);
        if (err) {
            assert_string_equal(e.reason, "s: above n/2 (EIP-2 malleable signature)");
            refused_high_s++;
        } else {
            assert_false(tx.has_chain_id);
            assert_int_equal(tx.nonce, json_integer_value(json_object_get(c, "nonce")));
            assert_int_equal(tx.gas, json_integer_value(json_object_get(c, "startgas")));
            size_t ulen;
            uint8_t *unsigned_rlp = zs_test_hex(json_string_value(json_object_get(c, "unsigned")), &ulen);
            /* "unsigned" has nine fields, the last three empty: rebuild with six. */
            zs_rlp_item_t list, f[9];
            size_t count;
            assert_int_equal(zs_rlp_decode_exact(unsigned_rlp, ulen, &list, NULL), 0);
            assert_int_equal(zs_rlp_list_items(&list, f, 9, &count, NULL), 0);
            assert_int_equal(count, 9);
            uint8_t six[4096];
            zs_rlp_enc_t enc;
            zs_rlp_enc_init(&enc, six, sizeof six);
            size_t mark = zs_rlp_enc_list_begin(&enc);
            for (int k = 0; k < 6; k++) zs_rlp_enc_raw(&enc, f[k].payload - (f[k].total - f[k].len), f[k].total);
            zs_rlp_enc_list_end(&enc, mark);
            long sl = zs_rlp_enc_finish(&enc);
            uint8_t h[32];
            zs_keccak256(six, (size_t)sl, h);
            assert_memory_equal(h, tx.sighash, 32);
            /* And the key signs for the recovered sender. */
            uint8_t key[32], from_key[20], sender[20];
            assert_int_equal(zs_hex_decode_exact(key, 32, json_string_value(json_object_get(c, "key"))), 0);
            assert_int_equal(zs_key_to_address(key, from_key), 0);
            assert_int_equal(zs_tx_recover(&tx, sender), 0);
            assert_memory_equal(sender, from_key, 20);
            free(unsigned_rlp);
            accepted++;
        }
        free(raw);
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(refused_high_s, 1);
    json_decref(j);
}

static void test_geth_ecrecover(void **state)
{
    json_t *j = zs_test_load_json("ethereum/secp256k1/geth_precompile_ecRecover.json");
    size_t i;
    json_t *c;
    int ok = 0, invalid = 0;
    json_array_foreach(j, i, c) {
        size_t n;
        uint8_t *in = zs_test_hex(json_string_value(json_object_get(c, "Input")), &n);
        uint8_t padded[128] = {0};
        memcpy(padded, in, n < 128 ? n : 128);
        const char *expected = json_string_value(json_object_get(c, "Expected"));
        /* v is a 32-byte word that must be exactly 27 or 28. */
        static const uint8_t zero31[31];
        int parity = -1;
        if (!memcmp(padded + 32, zero31, 31) && (padded[63] == 27 || padded[63] == 28)) parity = padded[63] - 27;
        uint8_t signer[20];
        int err = parity < 0 ? ZS_ERR_CRYPTO : zs_ecrecover(padded, parity, padded + 64, padded + 96, signer);
        if (!expected[0]) {
            assert_int_not_equal(err, 0);
            invalid++;
        } else {
            assert_int_equal(err, 0);
            uint8_t want[32];
            assert_int_equal(zs_hex_decode_exact(want, 32, expected), 0);
            assert_memory_equal(signer, want + 12, 20);
            ok++;
        }
        free(in);
    }
    assert_int_equal(ok + invalid, 5);
    assert_true(ok >= 1 && invalid >= 1);
    json_decref(j);
}

static void test_eip55(void **state)
{
    /* The examples of EIP-55 itself. */
    const char *ok[] = {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (int i = 0; i < 4; i++) {
        uint8_t a[20];
        char back[ZS_ADDR_TEXT];
        assert_int_equal(zs_addr_parse(a, ok[i]), 0);
        zs_addr_format(a, back);
        assert_string_equal(back, ok[i]);
    }
    uint8_t a[20];
    assert_int_equal(zs_addr_parse(a, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), 0);
    assert_int_equal(zs_addr_parse(a, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"), 0);
    assert_int_equal(zs_addr_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), ZS_ERR_CRYPTO);
    assert_int_equal(zs_addr_parse(a, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"), ZS_ERR_PARSE);
    assert_int_equal(zs_addr_parse(a, "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00"), ZS_ERR_PARSE);
}

/* Sign random transactions of every type, decode them back, recover. */
static void test_sign_roundtrip(void **state)
{
    zs_test_rng_t rng = {0x7e57};
    uint8_t key[32], addr[20];
    for (int t = 0; t < 600; t++) {
        do zs_test_rng_bytes(&rng, key, 32);
        while (zs_key_to_address(key, addr));
        zs_tx_t tx = {0};
        tx.type = (uint8_t)(t % 4 == 3 ? 0 : t % 3);
        tx.has_chain_id = !(t % 4 == 3); /* every fourth is pre-EIP-155 legacy */
        tx.chain_id = 1 + zs_test_rng_u64(&rng) % 100000;
        tx.nonce = zs_test_rng_u64(&rng) >> (t % 64);
        tx.gas = 21000 + zs_test_rng_u64(&rng) % 1000000;
        tx.gas_price = zs_u256_from_u64(zs_test_rng_u64(&rng) >> 20);
        tx.max_fee = tx.gas_price;
        tx.max_priority_fee = zs_u256_from_u64(tx.gas_price.w[0] / 3);
        tx.has_to = t % 7 != 0;
        zs_test_rng_bytes(&rng, tx.to, 20);
        tx.value = zs_u256_from_u64(zs_test_rng_u64(&rng));
        tx.value.w[1] = t % 5 ? 0 : zs_test_rng_u64(&rng) >> 30;
        uint8_t data[300];
        tx.data_len = zs_test_rng_u64(&rng) % 300;
        zs_test_rng_bytes(&rng, data, tx.data_len);
        tx.data = data;
        uint8_t al[200];
        if (tx.type && t % 2) { /* one entry with two keys */
            zs_rlp_enc_t enc;
            zs_rlp_enc_init(&enc, al, sizeof al);
            size_t outer = zs_rlp_enc_list_begin(&enc);
            size_t entry = zs_rlp_enc_list_begin(&enc);
            zs_rlp_enc_bytes(&enc, tx.to, 20);
            size_t keys = zs_rlp_enc_list_begin(&enc);
            uint8_t k[32];
            zs_test_rng_bytes(&rng, k, 32);
            zs_rlp_enc_bytes(&enc, k, 32);
            zs_rlp_enc_bytes(&enc, k, 32);
            zs_rlp_enc_list_end(&enc, keys);
            zs_rlp_enc_list_end(&enc, entry);
            zs_rlp_enc_list_end(&enc, outer);
            tx.access_list = al;
            tx.access_list_len = (size_t)zs_rlp_enc_finish(&enc);
        }
        zs_tx_t want = tx;
        uint8_t raw[1024];
        size_t len;
        assert_int_equal(zs_tx_sign(&tx, key, raw, sizeof raw, &len), 0);
        zs_tx_t dec;
        zs_perr_t e;
        assert_int_equal(zs_tx_decode(raw, len, &dec, &e), 0);
        assert_int_equal(dec.type, want.type);
        assert_int_equal(dec.nonce, want.nonce);
        assert_int_equal(dec.gas, want.gas);
        assert_int_equal(dec.has_to, want.has_to);
        if (want.has_to) assert_memory_equal(dec.to, want.to, 20);
        assert_memory_equal(&dec.value, &want.value, 32);
        assert_int_equal(dec.data_len, want.data_len);
        assert_memory_equal(dec.data, data, want.data_len);
        assert_int_equal(dec.has_chain_id, want.has_chain_id);
        if (want.has_chain_id) assert_int_equal(dec.chain_id, want.chain_id);
        /* Typed transactions always carry a list; an empty one is 0xc0. */
        assert_int_equal(dec.access_list_len, want.access_list_len ? want.access_list_len : want.type ? 1 : 0);
        if (want.access_list_len) {
            assert_int_equal(dec.access_addresses, 1);
            assert_int_equal(dec.access_keys, 2);
        }
        uint8_t sender[20];
        assert_int_equal(zs_tx_recover(&dec, sender), 0);
        assert_memory_equal(sender, addr, 20);
        uint8_t h[32];
        zs_keccak256(raw, len, h);
        assert_memory_equal(h, dec.hash, 32);
        /* A flipped signature bit changes the sender or fails. */
        raw[len - 1] ^= 1;
        if (zs_tx_decode(raw, len, &dec, &e) == 0 && zs_tx_recover(&dec, sender) == 0)
            assert_memory_not_equal(sender, addr, 20);
    }
}

static void expect_decode_error(const char *hex, int code, const char *reason)
{
    size_t n;
    uint8_t *raw = zs_test_hex(hex, &n);
    zs_tx_t tx;
    zs_perr_t e = {0};
    assert_int_equal(zs_tx_decode(raw, n, &tx, &e), code);
    assert_string_equal(e.reason, reason);
    free(raw);
}

static void test_refusals(void **state)
{
    expect_decode_error("0x", ZS_ERR_PARSE, "empty transaction");
    expect_decode_error("0x03c0", ZS_ERR_UNSUPPORTED, "unsupported transaction type");
    expect_decode_error("0x04c0", ZS_ERR_UNSUPPORTED, "unsupported transaction type");
    expect_decode_error("0x7ec0", ZS_ERR_UNSUPPORTED, "unsupported transaction type");
    expect_decode_error("0x8180", ZS_ERR_PARSE, "not a transaction: an RLP string, not a list or a typed envelope");
    expect_decode_error("0xc0", ZS_ERR_PARSE, "too few fields for the transaction type");
    expect_decode_error("0x02c0", ZS_ERR_PARSE, "too few fields for the transaction type");
    /* Rule checks. */
    zs_tx_t tx = {0};
    tx.has_chain_id = 1;
    tx.chain_id = 5;
    tx.has_to = 1;
    tx.gas = 21000;
    tx.gas_price = tx.max_fee = tx.max_priority_fee = zs_u256_from_u64(1);
    zs_tx_rules_t rules = {.chain_id = 5, .allow_unprotected = 0, .max_init_code = 49152};
    const char *msg;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_OK);
    tx.gas = 20999;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_INTRINSIC_GAS);
    assert_string_equal(msg, "intrinsic gas too low");
    tx.gas = 21000;
    tx.chain_id = 6;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_CHAIN_ID);
    tx.chain_id = 5;
    tx.has_chain_id = 0;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_CHAIN_ID);
    tx.has_chain_id = 1;
    tx.max_priority_fee = zs_u256_from_u64(2);
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_FEE_CAP_TOO_LOW);
    /* Polygon's legacy-only rule comes first, whatever else is wrong. */
    rules.legacy_only = 1;
    tx.type = ZS_TX_DYNAMIC_FEE;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_TYPE);
    assert_string_equal(msg, "transaction type not supported");
    tx.type = ZS_TX_ACCESS_LIST;
    tx.max_priority_fee = zs_u256_from_u64(1);
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_TYPE);
    tx.type = ZS_TX_LEGACY;
    assert_int_equal(zs_tx_check(&tx, &rules, &msg), ZS_TXCHK_OK);
}


/* A type-3 transaction signed, wrapped in both network forms and read back
   (the firmware's fee bump): every field, the blobs, commitments and
   proofs as they went in; a damaged wrapper refused. */
static void test_blob_unwrap(void **state)
{
    (void)state;
    static uint8_t blobs[2][131072], out[2 * 131072 + 16384], sig[1024];
    static zs_tx_blob_wire_t w;
    uint8_t key[32], hashes[2][32], com[2][48], (*proofs)[48] = calloc(256, 48), data[3] = {1, 2, 3}, h[32];
    memset(key, 0x11, 32);
    for (int i = 0; i < 2; i++) {
        memset(blobs[i], 0x20 + i, sizeof blobs[i]);
        memset(hashes[i], 0x01, 32);
        hashes[i][31] = (uint8_t)i;
        memset(com[i], 0xc0 + i, 48);
    }
    for (int i = 0; i < 256; i++) memset(proofs[i], i, 48);
    zs_tx_blob_t tx = {.chain_id = 31337, .nonce = 7, .gas = 300000, .data = data, .data_len = 3,
                       .blob_hashes = (const uint8_t(*)[32])hashes, .nblobs = 2};
    tx.max_fee = zs_u256_from_u64(5000000000ull);
    tx.max_priority_fee = zs_u256_from_u64(1000000000ull);
    tx.max_fee_per_blob_gas = zs_u256_from_u64(77);
    memset(tx.to, 0xaa, 20);
    size_t slen;
    assert_int_equal(zs_tx_blob_sign(&tx, key, sig, sizeof sig, &slen, h), 0);
    const uint8_t *bp[2] = {blobs[0], blobs[1]};
    for (int cell = 0; cell <= 1; cell++) {
        long n = zs_tx_blob_wrap(sig, slen, 2, bp, (const uint8_t(*)[48])com, (const uint8_t(*)[48])proofs, cell, out,
                                 sizeof out);
        assert_true(n > 0);
        assert_int_equal(zs_tx_blob_unwrap(out, (size_t)n, &w), 0);
        assert_int_equal(w.cell_proofs, cell);
        assert_memory_equal(w.hash, h, 32);
        assert_int_equal(w.tx.nonce, 7);
        assert_int_equal(w.tx.chain_id, 31337);
        assert_int_equal(w.tx.gas, 300000);
        assert_int_equal(w.tx.max_fee_per_blob_gas.w[0], 77);
        assert_int_equal(w.tx.max_fee.w[0], 5000000000ull);
        assert_int_equal(w.tx.data_len, 3);
        assert_memory_equal(w.tx.data, data, 3);
        assert_memory_equal(w.tx.to, tx.to, 20);
        assert_int_equal(w.tx.nblobs, 2);
        assert_memory_equal(w.hashes, hashes, 64);
        assert_memory_equal(w.commitments, com, 96);
        assert_memory_equal(w.blobs[1], blobs[1], 131072);
        assert_memory_equal(w.proofs, proofs, (cell ? 256 : 2) * 48);
        /* Signed again from what was read: the same transaction. */
        uint8_t sig2[1024], h2[32];
        size_t slen2;
        assert_int_equal(zs_tx_blob_sign(&w.tx, key, sig2, sizeof sig2, &slen2, h2), 0);
        assert_memory_equal(h2, h, 32);
        out[5] ^= 1; /* inside the outer list's length: refused */
        assert_int_equal(zs_tx_blob_unwrap(out, (size_t)n, &w), ZS_ERR_PARSE);
        assert_int_equal(zs_tx_blob_unwrap(sig, slen, &w), ZS_ERR_PARSE); /* not the network form */
    }
    free(proofs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transaction_tests_london),
        cmocka_unit_test(test_transaction_tests_shanghai),
        cmocka_unit_test(test_basic_tests),
        cmocka_unit_test(test_geth_ecrecover),
        cmocka_unit_test(test_eip55),
        cmocka_unit_test(test_sign_roundtrip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_blob_unwrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
