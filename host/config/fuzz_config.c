/* Fuzzes zkseqd's configuration: a file of any bytes, and a key and value
   as `zkseqctl config set` sends them.  No crash, no leak; a refusal names
   why and changes nothing (the effective configuration's text is the same
   before and after); an accepted file's effective configuration, written
   out and read into a fresh one, is the same configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/config/zs_config.h"
#include "tests/support/zs_fuzz_check.h"

/* Reads n bytes of text into c as a configuration file: the merge's code. */
static int merge_text(zs_config_t *c, const void *text, size_t n, char *err, size_t errlen)
{
    int fd = memfd_create("zkseq-config", 0);
    ZS_FUZZ_CHECK(fd >= 0);
    ZS_FUZZ_CHECK(write(fd, text, n) == (ssize_t)n);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = zs_config_merge_file(c, path, err, errlen);
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zs_config_t *c = zs_config_new();
    ZS_FUZZ_CHECK(c);
    char *before = zs_config_text(c, NULL, 0), err[512] = "";
    if (merge_text(c, data, size, err, sizeof err)) {
        char *after = zs_config_text(c, NULL, 0);
        ZS_FUZZ_CHECK(err[0] && !strcmp(before, after));
        free(after);
    } else {
        char *text = zs_config_text(c, NULL, 0);
        zs_config_t *again = zs_config_new();
        ZS_FUZZ_CHECK(again && !merge_text(again, text, strlen(text), err, sizeof err));
        char *back = zs_config_text(again, NULL, 0);
        ZS_FUZZ_CHECK(!strcmp(text, back));
        free(back);
        free(text);
        zs_config_free(again);
    }
    free(before);
    /* The input as "KEY\0VALUE" for a set. */
    const char *nul = memchr(data, 0, size);
    if (nul) {
        char *key = strndup((const char *)data, (size_t)(nul - (const char *)data));
        char *val = strndup(nul + 1, size - (size_t)(nul - (const char *)data) - 1);
        ZS_FUZZ_CHECK(key && val);
        char *was = zs_config_text(c, NULL, 0);
        if (zs_config_set(c, key, val, err, sizeof err)) {
            char *now = zs_config_text(c, NULL, 0);
            ZS_FUZZ_CHECK(err[0] && !strcmp(was, now));
            free(now);
        }
        free(was);
        free(key);
        free(val);
    }
    zs_config_free(c);
    return 0;
}
