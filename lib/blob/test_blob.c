/* zs_blob against Polygon's blob vectors (../shared/vectors/polygon/blob,
   zkevm-commonjs develop-feijoa): each case's blob data from its batches,
   the versioned hash of its KZG commitment (c-zs_test_kzg, lib/zs_test_kzg) for an EIP-4844
   blob or the keccak of the data otherwise, the blob's accInputHash, the
   chain of its batches and when Polygon calls the blob invalid; then the
   layout both ways on random batches, and what decoding refuses. */
#include <stdlib.h>
#include <string.h>

#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"
#include "tests/support/zs_test.h"
#include "tests/support/zs_test_kzg.h"


static void hexn(json_t *j, uint8_t *out, size_t n)
{
    size_t len;
    uint8_t *b = zs_test_hex(json_string_value(j), &len);
    assert_int_equal(len, n);
    memcpy(out, b, n);
    free(b);
}

static uint64_t num(json_t *j)
{
    return json_is_string(j) ? strtoull(json_string_value(j), NULL, 10) : (uint64_t)json_integer_value(j);
}

/* The acc fields every case shares. */
static void acc_fields(json_t *pub, json_t *priv, zs_blob_acc_t *a)
{
    hexn(json_object_get(pub, "oldBlobAccInputHash"), a->old_acc, 32);
    a->l1_info_index = (uint32_t)num(json_object_get(priv, "lastL1InfoTreeIndex"));
    hexn(json_object_get(priv, "lastL1InfoTreeRoot"), a->l1_info_root, 32);
    a->timestamp_limit = num(json_object_get(priv, "timestampLimit"));
    hexn(json_object_get(priv, "sequencerAddress"), a->sequencer, 20);
    a->zk_gas_limit = num(json_object_get(priv, "zkGasLimit"));
    hexn(json_object_get(priv, "forcedHashData"), a->forced_hash_data, 32);
}

/* A blob of a type Polygon does not know: given as whole blob data, it
   still commits (KZG over the 131,072 bytes) into the accInputHash, and is
   invalid. */
static int check_invalid_type(json_t *c, json_t *pub, json_t *priv, json_t *exp, int type)
{
    size_t len;
    uint8_t *blob = zs_test_hex(json_string_value(json_object_get(c, "blobData")), &len), commitment[48], acc[32],
            zero[32] = {0};
    assert_int_equal(len, ZS_BLOB_BYTES);
    zs_blob_acc_t a = {.type = (uint8_t)type};
    acc_fields(pub, priv, &a);
    assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, commitment), 0);
    zs_blob_versioned_hash(commitment, a.versioned_hash);
    zs_blob_acc_input_hash(&a, acc);
    zs_test_assert_hex(acc, 32, json_string_value(json_object_get(exp, "newBlobAccInputHash")));
    assert_true(json_is_true(json_object_get(exp, "isInvalid")));
    zs_test_assert_hex(zero, 32, json_string_value(json_object_get(exp, "finalAccBatchHashData")));
    free(blob);
    return 1;
}

/* One case: 1 when it was checked. */
static int check_case(json_t *c)
{
    json_t *pub = json_object_get(json_object_get(c, "inputBlob"), "publics");
    json_t *priv = json_object_get(json_object_get(c, "inputBlob"), "private");
    json_t *exp = json_object_get(c, "expected"), *bd = json_object_get(c, "batchesData");
    int type = (int)num(json_object_get(priv, "blobType"));
    if (type > ZS_BLOB_FORCED) return check_invalid_type(c, pub, priv, exp, type);
    size_t n = json_array_size(bd);
    uint8_t **batches = calloc(n + 1, sizeof *batches);
    size_t *lens = calloc(n + 1, sizeof *lens);
    for (size_t i = 0; i < n; i++) batches[i] = zs_test_hex(json_string_value(json_array_get(bd, i)), &lens[i]);
    uint8_t *blob = malloc(ZS_BLOB_BYTES);
    long bl = zs_blob_encode((const uint8_t *const *)batches, lens, n, type, blob, ZS_BLOB_BYTES);
    assert_true(bl > 0);
    zs_blob_acc_t a = {.type = (uint8_t)type};
    acc_fields(pub, priv, &a);
    if (type == ZS_BLOB_EIP4844) {
        uint8_t commitment[48];
        assert_int_equal(zs_kzg_commit(zs_test_kzg, blob, commitment), 0);
        zs_blob_versioned_hash(commitment, a.versioned_hash);
    } else {
        zs_keccak256(blob, (size_t)bl, a.blob_l2_hash_data);
    }
    uint8_t acc[32], chain[32] = {0}, zero[32] = {0};
    zs_blob_acc_input_hash(&a, acc);
    zs_test_assert_hex(acc, 32, json_string_value(json_object_get(exp, "newBlobAccInputHash")));
    /* Polygon's invalid blobs: too little zkGasLimit, a forced blob of more than one batch. */
    int invalid = a.zk_gas_limit < n * ZS_BLOB_ZKGAS_BATCH || (type == ZS_BLOB_FORCED && n > 1);
    assert_int_equal(invalid, json_is_true(json_object_get(exp, "isInvalid")));
    for (size_t i = 0; !invalid && i < n; i++)
        if (lens[i]) zs_blob_batch_acc(chain, batches[i], lens[i], a.sequencer, type == ZS_BLOB_FORCED ? a.forced_hash_data : zero, chain);
    zs_test_assert_hex(chain, 32, json_string_value(json_object_get(exp, "finalAccBatchHashData")));
    /* and back */
    uint8_t *scratch = malloc(ZS_BLOB_MAX_DATA);
    zs_blob_batch_t out[8];
    size_t got;
    assert_int_equal(zs_blob_decode(blob, (size_t)bl, type, scratch, out, 8, &got, NULL), 0);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].len, lens[i]);
        assert_memory_equal(out[i].data, batches[i], lens[i]);
        free(batches[i]);
    }
    free(scratch);
    free(batches);
    free(lens);
    free(blob);
    return 1;
}

static void test_polygon_vectors(void **state)
{
    (void)state;
    json_t *v = zs_test_load_json("polygon/blob/blob-inner-data.json");
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(v, i, c) checked += (size_t)check_case(c);
    print_message("%zu of %zu blob cases agree\n", checked, json_array_size(v));
    assert_int_equal(checked, json_array_size(v));
    json_decref(v);
}

static void test_layout_roundtrip(void **state)
{
    (void)state;
    zs_test_rng_t r = {.s = 42};
    uint8_t *blob = malloc(ZS_BLOB_BYTES), *scratch = malloc(ZS_BLOB_MAX_DATA);
    for (int round = 0; round < 50; round++) {
        size_t n = 1 + zs_test_rng_u64(&r) % 6, lens[6];
        uint8_t *b[6];
        for (size_t i = 0; i < n; i++) {
            lens[i] = (size_t)(zs_test_rng_u64(&r) % 20000);
            if (round % 7 == 0 && i == 0) lens[i] = 0; /* an empty batch is left out on the way back */
            b[i] = malloc(lens[i] + 1);
            zs_test_rng_bytes(&r, b[i], lens[i]);
        }
        int type = round % 3;
        long bl = zs_blob_encode((const uint8_t *const *)b, lens, n, type, blob, ZS_BLOB_BYTES);
        size_t total = zs_blob_data_len(lens, n);
        if (total > ZS_BLOB_MAX_DATA) {
            assert_int_equal(bl, ZS_ERR_RANGE);
        } else {
            assert_int_equal(bl, type == ZS_BLOB_EIP4844 ? ZS_BLOB_BYTES : (long)total);
            zs_blob_batch_t out[6];
            size_t got, k = 0;
            assert_int_equal(zs_blob_decode(blob, (size_t)bl, type, scratch, out, 6, &got, NULL), 0);
            for (size_t i = 0; i < n; i++) {
                if (!lens[i]) continue;
                assert_int_equal(out[k].len, lens[i]);
                assert_memory_equal(out[k].data, b[i], lens[i]);
                k++;
            }
            assert_int_equal(got, k);
        }
        for (size_t i = 0; i < n; i++) free(b[i]);
    }
    free(blob);
    free(scratch);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    uint8_t one[3] = {1, 2, 3}, *blob = malloc(ZS_BLOB_BYTES), *scratch = malloc(ZS_BLOB_MAX_DATA);
    const uint8_t *b[1] = {one};
    size_t l[1] = {3}, got;
    zs_blob_batch_t out[2];
    const char *why;
    long bl = zs_blob_encode(b, l, 1, ZS_BLOB_EIP4844, blob, ZS_BLOB_BYTES);
    assert_int_equal(bl, ZS_BLOB_BYTES);
    blob[32] = 1; /* a field element's top byte */
    assert_int_equal(zs_blob_decode(blob, ZS_BLOB_BYTES, ZS_BLOB_EIP4844, scratch, out, 2, &got, &why), ZS_ERR_PARSE);
    assert_string_equal(why, "error_invalid_msb_byte");
    bl = zs_blob_encode(b, l, 1, ZS_BLOB_CALLDATA, blob, ZS_BLOB_BYTES);
    blob[0] = 1;
    assert_int_equal(zs_blob_decode(blob, (size_t)bl, ZS_BLOB_CALLDATA, scratch, out, 2, &got, &why), ZS_ERR_PARSE);
    assert_string_equal(why, "error_invalid_compression_type");
    blob[0] = 0;
    assert_int_equal(zs_blob_decode(blob, (size_t)bl - 1, ZS_BLOB_CALLDATA, scratch, out, 2, &got, &why), ZS_ERR_PARSE);
    assert_string_equal(why, "error_invalid_parsing");
    blob[4] = 9; /* a body longer than its one batch: the next length does not fit */
    assert_int_equal(zs_blob_decode(blob, (size_t)bl, ZS_BLOB_CALLDATA, scratch, out, 2, &got, &why), ZS_ERR_PARSE);
    assert_string_equal(why, "error_invalid_parsing");
    blob[4] = 6; /* a body length that ends inside the batch */
    assert_int_equal(zs_blob_decode(blob, (size_t)bl, ZS_BLOB_CALLDATA, scratch, out, 2, &got, &why), ZS_ERR_PARSE);
    assert_string_equal(why, "error_invalid_totalbody_len");
    assert_int_equal(zs_blob_encode(b, l, 1, 3, blob, ZS_BLOB_BYTES), ZS_ERR_INVAL);
    free(blob);
    free(scratch);
}



int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygon_vectors),
        cmocka_unit_test(test_layout_roundtrip),
        cmocka_unit_test(test_decode_refusals),
    };
    return cmocka_run_group_tests(tests, zs_test_kzg_setup, zs_test_kzg_teardown);
}
