/* zs_genesis: every account of Polygon's genesis vectors is read with its
   balance, nonce, code and storage; the canonical text parses again to the
   same accounts; each kind of bad entry is refused with its entry named
   and nothing returned. */
#include <stdlib.h>
#include <string.h>

#include "host/genesis/zs_genesis.h"
#include "lib/tx/zs_addr.h"
#include "tests/support/zs_test.h"

static void test_vectors(void **state)
{
    (void)state;
    json_t *j = zs_test_load_json("polygon/merkle-tree/smt-genesis.json");
    size_t i, accounts = 0;
    json_t *c;
    json_array_foreach(j, i, c)
    {
        char *text = json_dumps(c, JSON_COMPACT);
        char err[256];
        zs_genesis_t *g = zs_genesis_parse(text, strlen(text), err, sizeof err);
        free(text);
        assert_non_null(g);
        json_t *list = json_object_get(c, "addresses");
        assert_int_equal(g->naccounts, json_array_size(list));
        size_t k;
        json_t *e;
        json_array_foreach(list, k, e)
        {
            uint8_t a[20];
            zs_u256_t bal;
            assert_int_equal(zs_addr_parse(a, json_string_value(json_object_get(e, "address"))), 0);
            assert_memory_equal(g->accounts[k].address, a, 20);
            assert_int_equal(zs_u256_parse(&bal, json_string_value(json_object_get(e, "balance"))), 0);
            assert_memory_equal(&g->accounts[k].balance, &bal, sizeof bal);
            accounts++;
        }
        /* The canonical text reads back to the same accounts. */
        zs_genesis_t *again = zs_genesis_parse(g->text, strlen(g->text), err, sizeof err);
        assert_non_null(again);
        assert_int_equal(again->naccounts, g->naccounts);
        for (size_t a = 0; a < g->naccounts; a++)
            assert_memory_equal(&again->accounts[a].balance, &g->accounts[a].balance, sizeof(zs_u256_t));
        zs_genesis_free(again);
        zs_genesis_free(g);
    }
    assert_true(accounts > 0);
    json_decref(j);
}

static void test_code_and_storage(void **state)
{
    (void)state;
    static const char text[] =
        "{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"balance\":\"0x10\","
        "\"nonce\":7,\"bytecode\":\"0x6001600101\",\"storage\":{\"0x01\":\"0x02\",\"3\":4}}]}";
    char err[256];
    zs_genesis_t *g = zs_genesis_parse(text, sizeof text - 1, err, sizeof err);
    assert_non_null(g);
    assert_int_equal(g->naccounts, 1);
    const zs_genesis_account_t *a = &g->accounts[0];
    assert_int_equal(a->balance.w[0], 16);
    assert_int_equal(a->nonce, 7);
    assert_int_equal(a->code_len, 5);
    assert_memory_equal(a->code, "\x60\x01\x60\x01\x01", 5);
    assert_int_equal(a->nstorage, 2);
    int found = 0;
    for (size_t i = 0; i < a->nstorage; i++) {
        if (a->storage[i].slot.w[0] == 1) found += a->storage[i].value.w[0] == 2;
        if (a->storage[i].slot.w[0] == 3) found += a->storage[i].value.w[0] == 4;
    }
    assert_int_equal(found, 2);
    zs_genesis_free(g);
    /* Storage is kept in slot order, whatever the text's. */
    static const char unordered[] = "{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\","
                                    "\"storage\":{\"0x10\":1,\"3\":2,\"0x0\":3}}]}";
    assert_non_null(g = zs_genesis_parse(unordered, sizeof unordered - 1, err, sizeof err));
    assert_int_equal(g->accounts[0].nstorage, 3);
    static const uint64_t slots[] = {0, 3, 16};
    for (int k = 0; k < 3; k++) assert_int_equal(g->accounts[0].storage[k].slot.w[0], slots[k]);
    zs_genesis_free(g);

    /* a node's genesis file names the list "genesis" */
    static const char node_file[] =
        "{\"root\":\"0x01\",\"genesis\":[{\"contractName\":\"PolygonZkEVMBridge proxy\",\"balance\":\"0\","
        "\"nonce\":\"1\",\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"bytecode\":\"0x60ff\"}]}";
    g = zs_genesis_parse(node_file, sizeof node_file - 1, err, sizeof err);
    assert_non_null(g);
    assert_int_equal(g->naccounts, 1);
    assert_int_equal(g->accounts[0].nonce, 1);
    assert_int_equal(g->accounts[0].code_len, 2);
    zs_genesis_free(g);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[]", "addresses"},
        {"{\"addresses\":{}}", "addresses"},
        {"{\"addresses\":[", "line"},
        {"{\"addresses\":[{\"balance\":\"1\"}]}", "entry 0"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\"},{\"address\":\"0x12\"}]}",
         "entry 1"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"balance\":-1}]}", "balance"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"nonce\":\"0x10000000000000000\"}]}",
         "nonce"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"bytecode\":\"0x123\"}]}",
         "bytecode"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"bytecode\":\"0xzz\"}]}",
         "bytecode"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"storage\":[]}]}", "storage"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"storage\":{\"x\":1}}]}",
         "slot x"},
        /* One slot spelled twice (which value wins would depend on the order applied: the file's, or
           the canonical text's sorted keys; found by fuzz_genesis), one address in two entries, one key
           twice in an object. */
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"storage\":{\"0x2\":1,\"0X02\":5}}]}",
         "slot 0x2 is given twice"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\"},"
         "{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"balance\":\"7\"}]}",
         "entries 0 and 1 both give address 0x617b3a3528f9cdd6630fd3301b9c8911f7bf063d"},
        {"{\"addresses\":[{\"address\":\"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D\",\"balance\":\"1\",\"balance\":\"2\"}]}",
         "duplicate"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_null(zs_genesis_parse(bad[i].text, strlen(bad[i].text), err, sizeof err));
        if (!strstr(err, bad[i].want)) fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].want);
    }
    char err[256];
    assert_null(zs_genesis_load("/nonexistent/genesis.json", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/genesis.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_code_and_storage),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
