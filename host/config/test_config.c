/* zs_config: the defaults are every key of the schema and pass its checks;
   files and flags are checked key by key (unknown keys, wrong kinds,
   values out of bounds refused with the key named, nothing changed); the
   batching policy keys take lib/policy's words; secrets are redacted; the
   documentation lists every key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/config/zs_config.h"
#include "tests/support/zs_test.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/zkseq-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_defaults(void **state)
{
    (void)state;
    zs_config_t *c = zs_config_new();
    assert_non_null(c);
    assert_int_equal(zs_config_uint(c, "rpc.port"), 8123);
    assert_int_equal(zs_config_uint(c, "batch.max_bytes"), 120000);
    assert_int_equal(zs_config_uint(c, "batch.max_txs"), 5000);
    assert_true(zs_config_bool(c, "udp.enabled"));
    assert_string_equal(zs_config_str(c, "sequencer.order"), "fcfs");
    assert_null(zs_config_str(c, "coinbase"));
    /* Every key but the firmware's is in the tree, at a value its own check takes. */
    char err[256];
    for (size_t i = 0; i < zs_config_nkeys; i++) {
        const zs_config_key_t *k = &zs_config_keys[i];
        json_t *v = zs_config_json(c, k->key, 0);
        if (k->when == ZS_CFG_FIRMWARE) {
            assert_null(v);
            continue;
        }
        assert_non_null(v);
        json_decref(v);
    }
    /* The firmware's keys are never read from a file. */
    char *path = write_tmp("{\"firmware\":{\"block_min_ms\":30}}");
    assert_int_not_equal(zs_config_merge_file(c, path, err, sizeof err), 0);
    assert_non_null(strstr(err, "firmware's"));
    unlink(path);
    char *doc = zs_config_doc();
    /* The documentation is this table, as committed. */
    size_t len;
    char *md = zs_test_read_file("host/config/CONFIG.md", &len);
    if (!strstr(md, doc)) fail_msg("host/config/CONFIG.md is not zkseqd --config-doc's output: regenerate it");
    free(md);
    for (size_t i = 0; i < zs_config_nkeys; i++) {
        char want[80];
        snprintf(want, sizeof want, "`%s`", zs_config_keys[i].key);
        assert_non_null(strstr(doc, want));
    }
    free(doc);
    zs_config_free(c);
}

static void test_files(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"nope\":1}", "unknown configuration key nope"},
        {"{\"rpc\":{\"nope\":1}}", "unknown configuration key rpc.nope"},
        {"{\"rpc\":{\"port\":70000}}", "rpc.port: want an integer from 0 to 65535"},
        {"{\"rpc\":{\"port\":\"80\"}}", "rpc.port"},
        {"{\"rpc\":5}", "want an object"},
        {"{\"udp\":{\"enabled\":1}}", "udp.enabled: want true or false"},
        {"{\"sequencer\":{\"order\":\"random\"}}", "want one of fcfs|fee"},
        {"{\"batch\":{\"max_bytes\":200000}}", "max_bytes must be between 1024 and 120000"},
        {"{\"batch\":{\"max_age_ms\":50}}", "max_age_ms must be between 100 and 3600000"},
        {"{\"coinbase\":\"0x12\"}", "coinbase"},
        {"{\"min_gas_price\":\"lots\"}", "min_gas_price"},
        {"{\"udp\":{\"keys\":{\"x\":\"00\"}}}", "udp.keys.x"},
        {"{\"genesis\":5}", "genesis"},
        {"[1]", "want a JSON object"},
        {"{", "line"},
    };
    zs_config_t *c = zs_config_new();
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = write_tmp(bad[i].text);
        err[0] = 0;
        assert_int_not_equal(zs_config_merge_file(c, path, err, sizeof err), 0);
        unlink(path);
        if (!strstr(err, bad[i].want)) fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].want);
    }
    /* Refusals changed nothing; a good file changes what it names. */
    assert_int_equal(zs_config_uint(c, "rpc.port"), 8123);
    char *path = write_tmp("{\"rpc\":{\"port\":9000},\"batch\":{\"max_age_ms\":400},\"udp\":{\"keys\":"
                           "{\"7\":\"000102030405060708090a0b0c0d0e0f\"}},\"genesis\":{\"addresses\":[]}}");
    assert_int_equal(zs_config_merge_file(c, path, err, sizeof err), 0);
    unlink(path);
    assert_int_equal(zs_config_uint(c, "rpc.port"), 9000);
    assert_int_equal(zs_config_uint(c, "batch.max_age_ms"), 400);
    assert_int_equal(zs_config_uint(c, "rpc.max_batch"), 1000);
    char *text = zs_config_text(c, "udp.keys", 1);
    assert_non_null(strstr(text, "(secret)"));
    assert_null(strstr(text, "0001020304"));
    free(text);
    text = zs_config_text(c, "udp.keys", 0);
    assert_non_null(strstr(text, "0001020304"));
    free(text);
    zs_config_free(c);
}

static void test_set(void **state)
{
    (void)state;
    zs_config_t *c = zs_config_new();
    char err[320];
    assert_int_equal(zs_config_set(c, "rpc.port", "0", err, sizeof err), 0);
    assert_int_equal(zs_config_uint(c, "rpc.port"), 0);
    assert_int_equal(zs_config_set(c, "udp.enabled", "false", err, sizeof err), 0);
    assert_false(zs_config_bool(c, "udp.enabled"));
    assert_int_equal(zs_config_set(c, "nope.key", "1", err, sizeof err), ZS_ERR_NOTFOUND);
    assert_non_null(strstr(err, "unknown configuration key"));
    assert_int_equal(zs_config_set(c, "rpc.port", "soon", err, sizeof err), ZS_ERR_INVAL);
    assert_non_null(strstr(err, "whole number"));
    assert_int_equal(zs_config_set(c, "batch.max_bytes", "5", err, sizeof err), ZS_ERR_INVAL);
    assert_non_null(strstr(err, "would not hold a transaction"));
    assert_int_equal(zs_config_uint(c, "batch.max_bytes"), 120000);
    assert_int_equal(zs_config_set(c, "log.level", "loud", err, sizeof err), ZS_ERR_INVAL);
    assert_int_equal(zs_config_set(c, "log.level", "debug", err, sizeof err), 0);
    assert_string_equal(zs_config_str(c, "log.level"), "debug");
    assert_int_equal(zs_config_set(c, "coinbase", "0x000000000000000000000000000000000000dEaD", err, sizeof err), 0);
    assert_int_equal(zs_config_set(c, "firmware.block_min_ms", "30", err, sizeof err), 0);
    assert_int_equal(zs_config_set(c, "firmware.block_min_ms", "1", err, sizeof err), ZS_ERR_INVAL);
    assert_int_equal(zs_config_set(c, "mgmt.token", "0123456789abcdefXYZ", err, sizeof err), 0);
    char *all = zs_config_text(c, NULL, 1);
    assert_null(strstr(all, "0123456789abcdefXYZ"));
    free(all);
    zs_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
