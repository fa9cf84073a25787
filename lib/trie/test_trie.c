/* Unit tests of lib/trie against ethereum/tests TrieTests (trieanyorder and
   trietest, whose inputs are insert/delete sequences: the final map is what
   the root covers). */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/trie/zs_trie.h"

/* "0x..." is hex, anything else is the string's bytes. */
static uint8_t *bytes_of(json_t *v, size_t *n)
{
    const char *s = json_string_value(v);
    if (!s) {
        *n = 0;
        return NULL;
    }
    if (!strncmp(s, "0x", 2)) return zs_test_hex(s, n);
    *n = strlen(s);
    uint8_t *p = malloc(*n + 1);
    memcpy(p, s, *n);
    return p;
}

typedef struct {
    uint8_t *k, *v;
    size_t kl, vl;
} kv_t;

static void check_case(const char *name, json_t *c)
{
    json_t *in = json_object_get(c, "in");
    kv_t map[64];
    size_t n = 0;
    /* trieanyorder: an object; trietest: a list of [key, value|null]. */
    if (json_is_object(in)) {
        const char *k;
        json_t *v;
        json_object_foreach(in, k, v) {
            json_t *ks = json_string(k);
            map[n].k = bytes_of(ks, &map[n].kl);
            json_decref(ks);
            map[n].v = bytes_of(v, &map[n].vl);
            n++;
        }
    } else {
        size_t i;
        json_t *pair;
        json_array_foreach(in, i, pair) {
            size_t kl, vl;
            uint8_t *k = bytes_of(json_array_get(pair, 0), &kl);
            uint8_t *v = bytes_of(json_array_get(pair, 1), &vl);
            size_t j = 0;
            while (j < n && !(map[j].kl == kl && !memcmp(map[j].k, k, kl))) j++;
            if (j < n) { /* update or delete */
                free(map[j].k);
                free(map[j].v);
                map[j] = map[--n];
            }
            if (vl) {
                map[n].k = k;
                map[n].kl = kl;
                map[n].v = v;
                map[n].vl = vl;
                n++;
            } else {
                free(k);
                free(v);
            }
        }
    }
    zs_trie_item_t items[64];
    for (size_t i = 0; i < n; i++) items[i] = (zs_trie_item_t){map[i].k, map[i].kl, map[i].v, map[i].vl};
    uint8_t root[32];
    assert_int_equal(zs_trie_root(items, n, root), 0);
    char got[67];
    zs_hex_encode_0x(got, root, 32);
    if (strcmp(got, json_string_value(json_object_get(c, "root")))) fail_msg("%s: root %s", name, got);
    for (size_t i = 0; i < n; i++) {
        free(map[i].k);
        free(map[i].v);
    }
}

static void run_file(const char *rel, int min_cases)
{
    json_t *j = zs_test_load_json(rel);
    const char *name;
    json_t *c;
    int count = 0;
    json_object_foreach(j, name, c) {
        check_case(name, c);
        count++;
    }
    assert_true(count >= min_cases);
    json_decref(j);
}

static void test_any_order(void **state)
{
    run_file("ethereum/ethereum-tests/TrieTests/trieanyorder.json", 7);
}

static void test_sequences(void **state)
{
    run_file("ethereum/ethereum-tests/TrieTests/trietest.json", 5);
}

static void test_list_root(void **state)
{
    uint8_t root[32];
    assert_int_equal(zs_trie_list_root(NULL, NULL, 0, root), 0);
    zs_test_assert_hex(root, 32, "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    /* Duplicate keys are refused. */
    zs_trie_item_t dup[2] = {{(const uint8_t *)"a", 1, (const uint8_t *)"x", 1}, {(const uint8_t *)"a", 1, (const uint8_t *)"y", 1}};
    assert_int_equal(zs_trie_root(dup, 2, root), ZS_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_order),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_list_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
