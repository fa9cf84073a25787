/* zs_batch_policy: the defaults pass their own check; every key refuses a
   value just outside its bounds and takes the bounds themselves; a refused
   set leaves the policy as it was; the limits between keys; the due test
   and the per-transaction fit at each limit; names of close reasons. */
#include <string.h>

#include "lib/policy/zs_batch_policy.h"
#include "tests/support/zs_test.h"

static void test_defaults_and_bounds(void **state)
{
    (void)state;
    zs_batch_policy_t p;
    zs_batch_policy_defaults(&p);
    assert_null(zs_batch_policy_check(&p));
    assert_int_equal(p.max_bytes, 120000);
    for (size_t i = 0; i < zs_batch_policy_nkeys; i++) {
        const zs_batch_policy_key_t *k = &zs_batch_policy_keys[i];
        assert_ptr_equal(zs_batch_policy_key(k->name), k);
        zs_batch_policy_t q = p;
        /* block_max_ms' floor is block_min_ms: take the smallest legal pair. */
        if (!strcmp(k->name, "block_max_ms")) q.block_min_ms = (uint32_t)k->min;
        assert_null(zs_batch_policy_set(&q, k->name, k->min));
        assert_int_equal(zs_batch_policy_get(&q, k), k->min);
        if (!strcmp(k->name, "block_min_ms")) q.block_max_ms = (uint32_t)k->max;
        assert_null(zs_batch_policy_set(&q, k->name, k->max));
        assert_int_equal(zs_batch_policy_get(&q, k), k->max);
        zs_batch_policy_t before = q;
        if (k->min) {
            const char *why = zs_batch_policy_set(&q, k->name, k->min - 1);
            assert_non_null(why);
            assert_non_null(strstr(why, k->name));
            assert_memory_equal(&q, &before, sizeof q);
        }
        if (k->max < UINT64_MAX) {
            assert_non_null(zs_batch_policy_set(&q, k->name, k->max + 1));
            assert_memory_equal(&q, &before, sizeof q);
        }
    }
    /* The words the firmware, the host and zkseqctl all say. */
    const char *why = zs_batch_policy_set(&p, "max_bytes", 200000);
    assert_non_null(strstr(why, "max_bytes must be between 1024 and 120000"));
    assert_non_null(strstr(zs_batch_policy_set(&p, "max_bytes", 5), "would not hold a transaction"));
    assert_non_null(zs_batch_policy_set(&p, "block_max_ms", p.block_min_ms - 1));
    assert_non_null(zs_batch_policy_set(&p, "colour", 1));
    assert_non_null(zs_batch_policy_set(&p, "max_age_ms", (uint64_t)UINT32_MAX + 1));
    uint64_t v;
    assert_null(zs_batch_policy_parse_value("1500", &v));
    assert_int_equal(v, 1500);
    assert_non_null(zs_batch_policy_parse_value("-5", &v));
    assert_non_null(zs_batch_policy_parse_value("abc", &v));
    assert_non_null(zs_batch_policy_parse_value("", &v));
    assert_non_null(zs_batch_policy_parse_value("12x", &v));
}

static void test_due_and_fits(void **state)
{
    (void)state;
    zs_batch_policy_t p;
    zs_batch_policy_defaults(&p);
    zs_batch_fill_t f = {0};
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_NONE);
    f.age_ms = p.max_age_ms + 1; /* an empty batch is never due, whatever its age */
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_NONE);
    f = (zs_batch_fill_t){.bytes = 1000, .txs = 9, .gas = 189000, .age_ms = p.max_age_ms - 1};
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_NONE);
    f.age_ms = p.max_age_ms;
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_AGE);
    f.age_ms = 0;
    f.gas = p.max_gas;
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_GAS);
    f.txs = p.max_txs;
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_TXS);
    f.bytes = p.max_bytes;
    assert_int_equal(zs_batch_policy_due(&p, &f), ZS_BATCH_CLOSE_BYTES);

    f = (zs_batch_fill_t){.bytes = p.max_bytes - 100, .txs = 1, .gas = 21000};
    assert_true(zs_batch_policy_fits(&p, &f, 100, 21000));
    assert_false(zs_batch_policy_fits(&p, &f, 101, 21000));
    f = (zs_batch_fill_t){.bytes = 10, .txs = p.max_txs - 1, .gas = 0};
    assert_true(zs_batch_policy_fits(&p, &f, 10, 21000));
    f.txs++;
    assert_false(zs_batch_policy_fits(&p, &f, 10, 21000));
    f = (zs_batch_fill_t){.bytes = 10, .txs = 1, .gas = p.max_gas - 21000};
    assert_true(zs_batch_policy_fits(&p, &f, 10, 21000));
    assert_false(zs_batch_policy_fits(&p, &f, 10, 21001));

    assert_string_equal(zs_batch_close_name(ZS_BATCH_CLOSE_AGE), "age");
    assert_string_equal(zs_batch_close_name(ZS_BATCH_CLOSE_OPERATOR), "operator");
    assert_string_equal(zs_batch_close_name(ZS_BATCH_CLOSE_COUNTERS), "counters");
    assert_string_equal(zs_batch_close_name(0), "?");
    assert_string_equal(zs_batch_close_name(ZS_BATCH_CLOSE_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_bounds),
        cmocka_unit_test(test_due_and_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
