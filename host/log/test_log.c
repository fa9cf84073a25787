/* host/log: key=value and JSON events, escaping, the live level, and the
   reopen that log rotation needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/log/zs_log.h"
#include "tests/support/zs_test.h"

static char dir[64];

static char *path_of(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void test_kv_and_json(void **state)
{
    (void)state;
    char err[200], p[128];
    snprintf(p, sizeof p, "%s", path_of("kv.log"));
    assert_int_equal(zs_log_open(p, ZS_LOG_KV, ZS_LOG_INFO, err, sizeof err), 0);
    zs_log(ZS_LOG_INFO, "card", "card sim set aside after %d failures", 3);
    zs_log(ZS_LOG_DEBUG, "card", "not shown at info");
    zs_log_kv(ZS_LOG_WARN, "mgmt", "seq pause", "peer", "127.0.0.1:4000", "user", "ops \"night\"", NULL);
    size_t len;
    char *t = zs_test_read_file(p, &len);
    print_message("%s", t);
    assert_non_null(strstr(t, " level=info comp=card msg=\"card sim set aside after 3 failures\"\n"));
    assert_null(strstr(t, "not shown"));
    assert_non_null(strstr(t, "level=warn comp=mgmt msg=\"seq pause\" peer=127.0.0.1:4000 user=\"ops \\\"night\\\"\"\n"));
    assert_int_equal(strncmp(t, "ts=20", 5), 0);
    free(t);
    /* JSON: each line parses, with its fields. */
    snprintf(p, sizeof p, "%s", path_of("json.log"));
    assert_int_equal(zs_log_open(p, ZS_LOG_JSON, ZS_LOG_DEBUG, err, sizeof err), 0);
    zs_log(ZS_LOG_DEBUG, "rpc", "line one\nline \"two\"\t\x01");
    zs_log_kv(ZS_LOG_ERROR, "seq", "stopped", "why", "disk full", NULL);
    t = zs_test_read_file(p, &len);
    char *save, *line = strtok_r(t, "\n", &save);
    json_error_t je;
    json_t *a = json_loads(line, 0, &je);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "level")), "debug");
    assert_string_equal(json_string_value(json_object_get(a, "msg")), "line one\nline \"two\"\t\x01");
    json_t *b = json_loads(strtok_r(NULL, "\n", &save), 0, &je);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "why")), "disk full");
    assert_string_equal(json_string_value(json_object_get(b, "comp")), "seq");
    assert_null(strtok_r(NULL, "\n", &save));
    json_decref(a), json_decref(b);
    free(t);
}

static void test_level_and_reopen(void **state)
{
    (void)state;
    char err[200], p[128], moved[160];
    snprintf(p, sizeof p, "%s", path_of("rot.log"));
    assert_int_equal(zs_log_open(p, ZS_LOG_KV, ZS_LOG_WARN, err, sizeof err), 0);
    zs_log(ZS_LOG_INFO, "t", "hidden");
    zs_log_set_level(ZS_LOG_DEBUG);
    assert_int_equal(zs_log_level(), ZS_LOG_DEBUG);
    zs_log(ZS_LOG_DEBUG, "t", "before rotation");
    snprintf(moved, sizeof moved, "%s.1", p);
    assert_int_equal(rename(p, moved), 0);
    zs_log(ZS_LOG_INFO, "t", "still into the moved file");
    assert_int_equal(zs_log_reopen(), 0);
    zs_log(ZS_LOG_INFO, "t", "after reopen");
    size_t len;
    char *old = zs_test_read_file(moved, &len), *cur = zs_test_read_file(p, &len);
    assert_null(strstr(old, "hidden"));
    assert_non_null(strstr(old, "before rotation"));
    assert_non_null(strstr(old, "still into the moved file"));
    assert_null(strstr(old, "after reopen"));
    assert_non_null(strstr(cur, "after reopen"));
    free(old), free(cur);
    zs_log_level_t l;
    zs_log_format_t f;
    assert_int_equal(zs_log_parse_level("warn", &l), 0);
    assert_int_equal(l, ZS_LOG_WARN);
    assert_int_equal(zs_log_parse_level("loud", &l), ZS_ERR_INVAL);
    assert_int_equal(zs_log_parse_format("json", &f), 0);
    assert_int_equal(zs_log_parse_format("xml", &f), ZS_ERR_INVAL);
    assert_int_not_equal(zs_log_open("/nonexistent/dir/x.log", ZS_LOG_KV, ZS_LOG_INFO, err, sizeof err), 0);
    assert_non_null(strstr(err, "/nonexistent/dir/x.log"));
    zs_log_close();
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/zs-log-%d", (int)getpid());
    if (mkdir(dir, 0755)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_and_json),
        cmocka_unit_test(test_level_and_reopen),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) rc = 1;
    return rc;
}
