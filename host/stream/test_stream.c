/* host/stream: the stream file (committed entries survive a reopen,
   uncommitted ones do not, entries never cross a 1 MiB page, bookmarks are
   found, a damaged or foreign file is refused) and the server's cut-off of
   a client that stops reading, while the writer goes on at its own speed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/stream/zs_dsfile.h"
#include "host/stream/zs_dsserver.h"
#include "lib/base/zs_time.h"
#include "tests/support/zs_test.h"

static char path[128];

static void fresh(void)
{
    snprintf(path, sizeof path, "/tmp/zs-dsfile-%d.bin", getpid());
    unlink(path);
}

static zs_dsfile_t *open_ok(uint64_t chain)
{
    char err[256];
    zs_dsfile_t *f = zs_dsfile_open(path, chain, err, sizeof err);
    if (!f) fail_msg("%s", err);
    return f;
}

static void test_file(void **state)
{
    (void)state;
    fresh();
    zs_dsfile_t *f = open_ok(1001);
    uint8_t big[400000], bm[4] = {0x08, 0x02, 0x10, 0x07}, *p;
    size_t len;
    uint64_t n;
    memset(big, 0x5a, sizeof big);
    zs_dsfile_begin(f);
    assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_BOOKMARK, bm, 4, &n), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_L2_BLOCK, big, sizeof big, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(zs_dsfile_header(f).total_entries, 0); /* not yet committed */
    assert_int_equal(zs_dsfile_entry(f, 1, &p, &len), ZS_ERR_NOTFOUND);
    assert_int_equal(zs_dsfile_commit(f), 0);
    zs_ds_header_t h = zs_dsfile_header(f);
    assert_int_equal(h.total_entries, 5);
    /* 4 x 400 kB: the third starts a new page, after padding. */
    assert_true(h.total_length > ZS_DS_HEADER_PAGE + ZS_DS_DATA_PAGE);
    zs_dsfile_begin(f);
    assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_L2_BLOCK, big, 10, &n), 0);
    zs_dsfile_rollback(f);
    assert_int_equal(zs_dsfile_bookmark(f, bm, 4, &n), 0);
    assert_int_equal(n, 0);
    zs_dsfile_close(f);

    f = open_ok(1001); /* reopened: the committed entries, found by number and bookmark */
    assert_int_equal(zs_dsfile_header(f).total_entries, 5);
    assert_int_equal(zs_dsfile_entry(f, 3, &p, &len), 0);
    zs_ds_entry_t e;
    assert_int_equal(zs_ds_entry_decode(p, len, &e), 0);
    assert_int_equal(e.number, 3);
    assert_int_equal(e.len, sizeof big);
    assert_memory_equal(e.data, big, sizeof big);
    free(p);
    assert_int_equal(zs_dsfile_bookmark(f, bm, 4, &n), 0);
    zs_dsfile_begin(f);
    assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_L2_BLOCK_END, bm, 2, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(zs_dsfile_commit(f), 0);
    zs_dsfile_close(f);

    char err[256];
    assert_null(zs_dsfile_open(path, 1002, err, sizeof err)); /* another chain's */
    assert_non_null(strstr(err, "is chain 1001's"));
    FILE *fp = fopen(path, "r+b"); /* the header counts one entry more than the file holds */
    fseek(fp, 16 + 37, SEEK_SET);
    fputc(7, fp);
    fclose(fp);
    assert_null(zs_dsfile_open(path, 1001, err, sizeof err));
    assert_non_null(strstr(err, "entries"));
    fp = fopen(path, "r+b");
    fputs("notastream", fp);
    fclose(fp);
    assert_null(zs_dsfile_open(path, 1001, err, sizeof err));
    assert_non_null(strstr(err, "not a zkEVM data stream file"));
    unlink(path);
}

/* A client that asks for everything and reads nothing is cut off after the
   write timeout; commits meanwhile take no longer than without it. */
static void test_slow_client(void **state)
{
    (void)state;
    fresh();
    zs_dsfile_t *f = open_ok(1001);
    static uint8_t big[900000];
    uint64_t n;
    for (int k = 0; k < 24; k++) { /* ~21 MB: more than socket buffers hold */
        zs_dsfile_begin(f);
        assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_L2_BLOCK, big, sizeof big, &n), 0);
        assert_int_equal(zs_dsfile_commit(f), 0);
    }
    char err[256];
    zs_dsserver_opts_t o = {.port = 0, .write_timeout_ms = 300};
    zs_dsserver_t *s = zs_dsserver_start(f, &o, err, sizeof err);
    if (!s) fail_msg("%s", err);
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(zs_dsserver_port(s))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    uint8_t cmd[24] = {0};
    cmd[7] = ZS_DS_CMD_START, cmd[15] = ZS_DS_STREAM_SEQUENCER; /* from entry 0 */
    assert_int_equal(send(fd, cmd, sizeof cmd, 0), (ssize_t)sizeof cmd);
    uint64_t t0 = zs_mono_ns(), worst = 0;
    zs_dsserver_stats_t st = {0};
    for (int k = 0; k < 40 && !st.cut_off; k++) { /* the writer goes on meanwhile */
        uint64_t c0 = zs_mono_ns();
        zs_dsfile_begin(f);
        assert_int_equal(zs_dsfile_add(f, ZS_DS_ET_L2_BLOCK, big, 1000, &n), 0);
        assert_int_equal(zs_dsfile_commit(f), 0);
        if (zs_mono_ns() - c0 > worst) worst = zs_mono_ns() - c0;
        usleep(50000);
        zs_dsserver_stats(s, &st);
    }
    assert_int_equal(st.cut_off, 1);
    assert_true(zs_mono_ns() - t0 < 3000000000ull); /* within ~the write timeout, not minutes */
    assert_true(worst < 1000000000ull);              /* no commit waited on the client */
    assert_true(st.entries_sent < 24);                 /* it had not taken it all */
    uint8_t b[16];
    ssize_t r;
    while ((r = recv(fd, b, sizeof b, 0)) > 0) {
    } /* the server closed its end */
    assert_int_equal(r, 0);
    close(fd);
    zs_dsserver_stop(s);
    zs_dsfile_close(f);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_slow_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
