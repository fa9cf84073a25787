/* Unit tests of host/store on a real RocksDB in a temporary directory:
   plain and reference-counted rows, atomic batches, batched reads,
   iteration, reopening, the format marker, a second opener, and damaged
   databases (bad CURRENT, truncated and bit-flipped table files): clear
   errors, never a crash. */
#include "tests/support/zs_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/store/zs_schema.h"
#include "host/store/zs_store.h"

static char dir[256];

static int setup(void **state)
{
    zs_test_db_dir("store", dir, sizeof dir);
    return 0;
}

static int teardown(void **state)
{
    return zs_test_db_dir_remove(dir);
}

static zs_store_t *open_db(int create)
{
    char err[512] = "";
    zs_store_opts_t o = {.cache_mb = 8, .create = create};
    zs_store_t *s = zs_schema_open(dir, &o, err, sizeof err);
    if (!s) print_message("open: %s\n", err);
    return s;
}

static void test_rows_and_batches(void **state)
{
    zs_store_t *s = open_db(1);
    assert_non_null(s);
    zs_store_batch_t *b = zs_store_batch_new(s);
    zs_store_put(b, ZS_CF_META, "a", 1, "one", 3);
    zs_store_put(b, ZS_CF_CHAIN, "b", 1, "two", 3);
    char buf[64];
    size_t len;
    /* Nothing is visible before the batch is written. */
    assert_int_equal(zs_store_get(s, ZS_CF_META, "a", 1, buf, sizeof buf, &len), ZS_ERR_NOTFOUND);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    assert_int_equal(zs_store_get(s, ZS_CF_META, "a", 1, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "one", 3);
    assert_int_equal(zs_store_get(s, ZS_CF_CHAIN, "a", 1, buf, sizeof buf, &len), ZS_ERR_NOTFOUND);
    assert_int_equal(zs_store_get(s, ZS_CF_META, "a", 1, buf, 2, &len), ZS_ERR_FULL);
    assert_int_equal(len, 3);
    /* A key put once and removed with a single delete. */
    zs_store_batch_clear(b);
    zs_store_put(b, ZS_CF_SMT_NODES, "k", 1, "payload", 7);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, "k", 1, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 7);
    zs_store_batch_clear(b);
    zs_store_single_del(b, ZS_CF_SMT_NODES, "k", 1);
    assert_int_equal(zs_store_write(s, b, 0), 0);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, "k", 1, buf, sizeof buf, &len), ZS_ERR_NOTFOUND);
    zs_store_batch_clear(b);
    zs_store_put(b, ZS_CF_SMT_NODES, "k2", 2, "payload", 7);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    /* Iteration in key order. */
    zs_store_batch_clear(b);
    for (int i = 9; i >= 0; i--) {
        char k[2] = {(char)('0' + i), 0};
        zs_store_put(b, ZS_CF_POOL, k, 1, k, 1);
    }
    zs_store_del(b, ZS_CF_POOL, "5", 1);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_iter_t *it = zs_store_iter_new(s, ZS_CF_POOL, "3", 1);
    const uint8_t *k, *v;
    size_t kl, vl;
    char seen[16] = "";
    while (zs_store_iter_next(it, &k, &kl, &v, &vl) == 1) strncat(seen, (const char *)k, kl);
    zs_store_iter_free(it);
    assert_string_equal(seen, "346789");
    zs_store_batch_free(b);
    assert_int_equal(zs_store_flush(s), 0);
    assert_true(zs_store_disk_bytes(s) > 0);
    char err[256];
    assert_int_equal(zs_store_verify(s, err, sizeof err), 0);
    zs_store_close(s);
    /* Reopen: everything is there. */
    s = open_db(0);
    assert_non_null(s);
    assert_int_equal(zs_store_get(s, ZS_CF_CHAIN, "b", 1, buf, sizeof buf, &len), 0);
    assert_memory_equal(buf, "two", 3);
    assert_int_equal(zs_store_get(s, ZS_CF_SMT_NODES, "k2", 2, buf, sizeof buf, &len), 0);
    /* A second opener is refused with a clear reason. */
    char err2[512];
    zs_store_opts_t o = {.cache_mb = 8, .create = 0};
    assert_null(zs_schema_open(dir, &o, err2, sizeof err2));
    assert_non_null(strstr(err2, "in use"));
    zs_store_close(s);
}

static void expect_open_error(const char *what, const char *needle)
{
    char err[512] = "";
    zs_store_opts_t o = {.cache_mb = 8, .create = 0};
    zs_store_t *s = zs_schema_open(dir, &o, err, sizeof err);
    if (s) {
        /* Damage not visible at open must be found by a full check. */
        char verr[512] = "";
        int rc = zs_store_verify(s, verr, sizeof verr);
        zs_store_close(s);
        if (rc == 0) fail_msg("%s: opened and verified a damaged database", what);
        print_message("%s: open ok, verify: %s\n", what, verr);
        return;
    }
    print_message("%s: %s\n", what, err);
    if (needle) assert_non_null(strstr(err, needle));
}

/* The largest file whose name ends in suffix. */
static int find_file(const char *suffix, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    off_t best = -1;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), m = strlen(suffix);
        if (n > m && !strcmp(e->d_name + n - m, suffix)) {
            char p[600];
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (stat(p, &sb) == 0 && sb.st_size > best) {
                best = sb.st_size;
                snprintf(out, cap, "%s", p);
                found = 1;
            }
        }
    }
    closedir(d);
    return found;
}

static void make_db_with_tables(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    zs_store_t *s = open_db(1);
    assert_non_null(s);
    zs_store_batch_t *b = zs_store_batch_new(s);
    char key[16], val[200];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%07d", i);
        zs_store_put(b, ZS_CF_CHAIN, key, strlen(key), val, sizeof val);
    }
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_free(b);
    assert_int_equal(zs_store_flush(s), 0);
    zs_store_close(s);
}

/* Many keys in one batched read: present, deleted, never there, and one
   too long for the buffer, in any order; 69 of them (more than one round
   of the store's batches); an unknown family refused. */
static void test_get_many(void **state)
{
    zs_store_t *s = open_db(1);
    assert_non_null(s);
    zs_store_batch_t *b = zs_store_batch_new(s);
    static const char *names[] = {"7", "5", "x", "0", "9"};
    zs_store_put(b, ZS_CF_POOL, "7", 1, "7", 1);
    zs_store_put(b, ZS_CF_POOL, "0", 1, "0", 1);
    zs_store_put(b, ZS_CF_POOL, "9", 1, "9", 1);
    zs_store_put(b, ZS_CF_POOL, "5", 1, "5", 1);
    zs_store_put(b, ZS_CF_SMT_NODES, "k2", 2, "payload", 7);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_clear(b);
    zs_store_del(b, ZS_CF_POOL, "5", 1);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_free(b);
    const void *keys[70];
    size_t klens[70], lens[70];
    char vals[70][8];
    void *outs[70];
    int rcs[70];
    for (int i = 0; i < 70; i++) {
        keys[i] = names[i % 5];
        klens[i] = 1;
        outs[i] = vals[i];
    }
    keys[69] = "k2";
    klens[69] = 2;
    assert_int_equal(zs_store_get_many(s, ZS_CF_POOL, 69, keys, klens, outs, sizeof vals[0], lens, rcs), 0);
    for (int i = 0; i < 69; i++) {
        int want = i % 5 == 1 || i % 5 == 2 ? ZS_ERR_NOTFOUND : ZS_OK;
        assert_int_equal(rcs[i], want);
        if (!want) {
            assert_int_equal(lens[i], 1);
            assert_memory_equal(vals[i], names[i % 5], 1);
        }
    }
    assert_int_equal(zs_store_get_many(s, ZS_CF_SMT_NODES, 1, keys + 69, klens + 69, outs + 69, 4, lens + 69, rcs + 69),
                     0);
    assert_int_equal(rcs[69], ZS_ERR_FULL);
    assert_int_equal(lens[69], 7);
    assert_int_equal(zs_store_get_many(s, 99, 1, keys, klens, outs, 8, lens, rcs), ZS_ERR_INVAL);
    zs_store_close(s);
}

static void test_damaged_databases(void **state)
{
    char path[600];
    /* Not a directory. */
    char file[300];
    snprintf(file, sizeof file, "%s.file", dir);
    FILE *f = fopen(file, "w");
    fputs("x", f);
    fclose(f);
    char err[512];
    zs_store_opts_t o = {.cache_mb = 8, .create = 1};
    assert_null(zs_schema_open(file, &o, err, sizeof err));
    assert_non_null(strstr(err, "not a directory"));
    unlink(file);
    /* Missing. */
    o.create = 0;
    assert_null(zs_schema_open("/tmp/zkseq-no-such-db-here", &o, err, sizeof err));
    assert_non_null(strstr(err, "no database"));

    /* CURRENT points nowhere. */
    make_db_with_tables();
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    f = fopen(path, "w");
    fputs("MANIFEST-999999\n", f);
    fclose(f);
    expect_open_error("bad CURRENT", NULL);

    /* A table file cut in half. */
    make_db_with_tables();
    assert_true(find_file(".sst", path, sizeof path));
    struct stat sb;
    stat(path, &sb);
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    expect_open_error("truncated table", NULL);

    /* A flipped byte inside a table file's data. */
    make_db_with_tables();
    assert_true(find_file(".sst", path, sizeof path));
    int fd = open(path, O_RDWR);
    uint8_t byte;
    stat(path, &sb);
    off_t at = sb.st_size / 3; /* well inside the data blocks */
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 0x5a;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
    expect_open_error("flipped byte", NULL);

    /* The MANIFEST truncated. */
    make_db_with_tables();
    assert_true(find_file("", path, sizeof path)); /* any file: find the manifest below */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "MANIFEST-", 9)) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_int_equal(truncate(path, 10), 0);
    expect_open_error("truncated manifest", NULL);

    /* A RocksDB that zkseq did not write. */
    make_db_with_tables();
    zs_store_t *s = open_db(0);
    zs_store_batch_t *b = zs_store_batch_new(s);
    zs_store_del(b, ZS_CF_META, "schema/format", 13);
    zs_store_put(b, ZS_CF_META, "other", 5, "x", 1);
    assert_int_equal(zs_store_write(s, b, 1), 0);
    zs_store_batch_free(b);
    zs_store_close(s);
    expect_open_error("foreign database", "not a zkseq database");

    /* A zkseq database of an earlier format is refused by an opener that
       does not upgrade, naming both formats and, for the format before
       this one (zkseq-db-2: one row per tree node), what upgrades it
       (host/state's test_state upgrades one). */
    static const char *const earlier[] = {"zkseq-db-2", "zkseq-db-1"};
    static const char *const what[] = {"upgrades it in place", "open it with the zkseq that wrote it"};
    for (int i = 0; i < 2; i++) {
        make_db_with_tables();
        s = open_db(0);
        b = zs_store_batch_new(s);
        zs_store_put(b, ZS_CF_META, "schema/format", 13, earlier[i], 10);
        assert_int_equal(zs_store_write(s, b, 1), 0);
        zs_store_batch_free(b);
        zs_store_close(s);
        char want[128];
        snprintf(want, sizeof want, "format '%s'; this zkseq reads '%s'", earlier[i], ZS_SCHEMA_FORMAT);
        expect_open_error("earlier format", want);
        expect_open_error("earlier format", what[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_and_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_databases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
