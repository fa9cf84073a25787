#include "tests/support/zs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/zs_hex.h"

const char *zs_test_vectors(void)
{
    const char *v = getenv("ZS_VECTORS");
    return v && *v ? v : "../shared/vectors";
}

const char *zs_test_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", zs_test_vectors(), rel);
    return buf;
}

json_t *zs_test_load_json(const char *rel)
{
    json_error_t jerr;
    const char *path = zs_test_path(rel);
    json_t *j = json_load_file(path, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) fail_msg("cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
    return j;
}

char *zs_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) fail_msg("short read on %s", path);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

uint8_t *zs_test_hex(const char *hex, size_t *len)
{
    size_t slen = strlen(hex);
    uint8_t *out = malloc(slen / 2 + 1);
    assert_non_null(out);
    size_t n = 0;
    if (zs_hex_decode(out, slen / 2 + 1, &n, hex, slen)) fail_msg("bad hex in test data: %.60s", hex);
    *len = n;
    return out;
}

void zs_test_assert_hex(const uint8_t *bytes, size_t n, const char *hex)
{
    size_t m;
    uint8_t *want = zs_test_hex(hex, &m);
    if (m != n || memcmp(want, bytes, n)) {
        char *got = malloc(2 * n + 3);
        zs_hex_encode_0x(got, bytes, n);
        print_error("expected %s\n     got %s\n", hex, got);
        free(got);
        free(want);
        fail();
    }
    free(want);
}

uint64_t zs_test_rng_u64(zs_test_rng_t *r)
{
    /* xorshift64* */
    uint64_t x = r->s ? r->s : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

void zs_test_rng_bytes(zs_test_rng_t *r, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(zs_test_rng_u64(r) >> 56);
}

zs_test_kat_t *zs_test_load_kats(const char *rel, size_t *count)
{
    size_t n;
    char *text = zs_test_read_file(zs_test_path(rel), &n);
    zs_test_kat_t *kats = NULL;
    size_t k = 0, cap = 0;
    long bits = -1;
    zs_test_kat_t cur = {0};
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        if (!strncmp(line, "Len = ", 6)) {
            bits = strtol(line + 6, NULL, 10);
        } else if (!strncmp(line, "Msg = ", 6)) {
            size_t mlen;
            cur.msg = zs_test_hex(line + 6, &mlen);
            cur.len = (size_t)bits / 8;
            assert_true(mlen >= cur.len);
        } else if (!strncmp(line, "MD = ", 5)) {
            assert_int_equal(zs_hex_decode_exact(cur.md, 32, line + 5), 0);
            if (bits >= 0 && bits % 8 == 0) {
                if (k == cap) {
                    cap = cap ? 2 * cap : 64;
                    kats = realloc(kats, cap * sizeof *kats);
                }
                kats[k++] = cur;
            } else {
                free(cur.msg);
            }
            memset(&cur, 0, sizeof cur);
            bits = -1;
        }
    }
    free(text);
    *count = k;
    return kats;
}

void zs_test_free_kats(zs_test_kat_t *kats, size_t n)
{
    for (size_t i = 0; i < n; i++) free(kats[i].msg);
    free(kats);
}


#define CHILD_FLAG "--zs-test-child"

int zs_test_spawn(const char *name, const char *const *args)
{
    const char *argv[16] = {"zs-test-child", CHILD_FLAG, name};
    size_t n = 3;
    for (; args && *args && n < 15; args++) argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    return (int)pid;
}

void zs_test_child(int argc, char **argv, const zs_test_child_t *children, size_t n)
{
    if (argc < 3 || strcmp(argv[1], CHILD_FLAG)) return;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(argv[2], children[i].name)) exit(children[i].run(argv + 3));
    exit(126);
}

void zs_test_db_dir(const char *name, char *dir, size_t cap)
{
    int n = snprintf(dir, cap, "/tmp/zkseq-test-%s-XXXXXX", name);
    assert_true(n > 0 && (size_t)n + 4 <= cap);
    assert_non_null(mkdtemp(dir));
    strcat(dir, "/db");
}

int zs_test_db_dir_remove(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 3), dir);
    return system(cmd);
}
