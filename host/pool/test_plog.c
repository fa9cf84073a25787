/* The pool's log on its own: rounds read back whole and in order after a
   reopen; a torn round ends the replay and the next round takes its place;
   many laps of a small ring with checkpoints, each replay giving exactly
   the rounds since the checkpoint (none of an earlier lap, also where one
   lies whole just past the last round); no room before
   the checkpoint refused with nothing written; a failed write (past
   RLIMIT_FSIZE) turning the log off; headers that are not a
   log's, damaged, or of another size refused; a renewed log reads empty.
   Every case runs twice: with rounds written O_DIRECT | O_DSYNC in whole
   blocks (where the file system takes it; the rows' bytes then show that a
   round sharing a block with the one before left it intact), and through
   the page cache with fdatasync. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/pool/zs_plog.h"
#include "tests/support/zs_test.h"

typedef struct {
    uint64_t seq[4096];
    size_t len[4096];
    uint8_t first[4096];
    size_t n;
} seen_t;

static int collect(void *ctx, uint64_t seq, const uint8_t *raw, size_t len)
{
    seen_t *s = ctx;
    if (s->n == 4096) return ZS_ERR_FULL;
    for (size_t i = 0; i < len; i++)
        if (raw[i] != (uint8_t)(seq + i)) return ZS_ERR_CORRUPT; /* rows are (seq + i) bytes */
    s->seq[s->n] = seq;
    s->len[s->n] = len;
    s->first[s->n] = len ? raw[0] : 0;
    s->n++;
    return ZS_OK;
}

/* A round of rows seq0.. with lengths len0, len0+7, ...; the row's bytes
   are (seq + i). */
static int write_round(zs_plog_t *l, uint64_t seq0, size_t rows, size_t len0)
{
    uint8_t raw[2048];
    zs_plog_round_begin(l);
    for (size_t r = 0; r < rows; r++) {
        size_t len = (len0 + 7 * r) % sizeof raw;
        for (size_t i = 0; i < len; i++) raw[i] = (uint8_t)(seq0 + r + i);
        assert_int_equal(zs_plog_round_add(l, seq0 + r, raw, len), 0);
    }
    return zs_plog_round_write(l);
}

static int buffered; /* this group's way of writing */

static zs_plog_t *open_log(const char *path, char *err, size_t errlen)
{
    zs_plog_t *l = zs_plog_open(path, err, errlen);
    if (l && buffered) zs_plog_buffered(l);
    if (l) assert_true(!buffered || !zs_plog_direct(l));
    if (l && !buffered && !zs_plog_direct(l)) print_message("note: %s takes no O_DIRECT: the page cache's way\n", path);
    return l;
}

static zs_plog_t *fresh(char *path, size_t size)
{
    char err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(zs_plog_create(path, size, err, sizeof err), 0);
    zs_plog_t *l = open_log(path, err, sizeof err);
    assert_non_null(l);
    return l;
}

static void test_round_trip_and_torn_tail(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX", err[256];
    zs_plog_t *l = fresh(path, 64 << 10);
    seen_t s = {0};
    size_t rows;
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 0);
    assert_int_equal(write_round(l, 1, 3, 100), 0);
    assert_int_equal(write_round(l, 4, 1, 0), 0); /* an empty transaction's row still counts */
    uint64_t third = zs_plog_pos(l);
    assert_int_equal(write_round(l, 5, 2, 300), 0);
    zs_plog_close(l);

    assert_non_null(l = open_log(path, err, sizeof err));
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(s.seq[i], i + 1);
    assert_int_equal(s.len[3], 0);
    assert_int_equal(s.len[5], 307);
    zs_plog_close(l);

    /* One byte of the third round's rows flipped: the replay ends before it. */
    int fd = open(path, O_RDWR);
    uint8_t b;
    off_t at = (off_t)(ZS_PLOG_HEADER + third + 32 + 50);
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0x20;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    close(fd);
    assert_non_null(l = open_log(path, err, sizeof err));
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 4);
    assert_int_equal(zs_plog_pos(l), third);
    /* The next round is written where the torn one was, and read. */
    assert_int_equal(write_round(l, 9, 1, 40), 0);
    zs_plog_close(l);
    assert_non_null(l = open_log(path, err, sizeof err));
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 5);
    assert_int_equal(s.seq[4], 9);
    /* Renewed: a new id, and nothing of the old one is read. */
    assert_int_equal(zs_plog_renew(l), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 0);
    zs_plog_close(l);
    unlink(path);
}

static void test_laps_and_checkpoints(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX", err[256];
    zs_plog_t *l = fresh(path, 16 << 10); /* a ring of 12 KiB */
    uint64_t seq = 1, ckpt = 0, ckpt_seq = 1;
    size_t rows;
    seen_t s = {0};
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + (size_t)round % 5, len0 = 30 + (size_t)(round * 37) % 400;
        assert_int_equal(write_round(l, seq, n, len0), 0);
        seq += n;
        if (zs_plog_want_checkpoint(l)) {
            ckpt = zs_plog_pos(l);
            ckpt_seq = seq;
            zs_plog_checkpointed(l, ckpt);
        }
        if (round % 37 != 36) continue;
        /* A crash here: a reopened log replays exactly the rows since the checkpoint. */
        zs_plog_t *r = open_log(path, err, sizeof err);
        assert_non_null(r);
        memset(&s, 0, sizeof s);
        assert_int_equal(zs_plog_replay(r, ckpt, collect, &s, &rows), 0);
        assert_int_equal(rows, seq - ckpt_seq);
        for (size_t i = 0; i < rows; i++) assert_int_equal(s.seq[i], ckpt_seq + i);
        assert_int_equal(zs_plog_pos(r), zs_plog_pos(l));
        zs_plog_close(r);
    }
    assert_true(zs_plog_pos(l) > 10 * (16 << 10)); /* many laps */
    zs_plog_close(l);
    unlink(path);
}

/* Rounds of one size that divides the ring: the place after the last round
   holds a whole round of the lap before, which the replay must not take. */
static void test_stale_lap(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX";
    zs_plog_t *l = fresh(path, 16 << 10); /* 24 rounds of 512 bytes a lap */
    size_t rows;
    seen_t s = {0};
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    uint64_t ckpt = 0;
    for (uint64_t seq = 1; seq <= 28; seq++) {
        assert_int_equal(write_round(l, seq, 1, 512 - 32 - 12), 0);
        if (zs_plog_want_checkpoint(l)) zs_plog_checkpointed(l, ckpt = zs_plog_pos(l));
    }
    assert_int_equal(zs_plog_pos(l), 28 * 512);
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, ckpt, collect, &s, &rows), 0);
    assert_int_equal(ckpt, 24 * 512);
    assert_int_equal(rows, 4);
    assert_int_equal(s.seq[rows - 1], 28);
    assert_int_equal(zs_plog_pos(l), 28 * 512);
    zs_plog_close(l);
    unlink(path);
}

static void test_no_room(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX";
    zs_plog_t *l = fresh(path, 16 << 10);
    size_t rows;
    seen_t s = {0};
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    /* Larger than half the ring: never taken. */
    assert_int_equal(write_round(l, 1, 4, 1600), ZS_ERR_AGAIN);
    assert_int_equal(zs_plog_pos(l), 0);
    /* Without a checkpoint the ring fills, then refuses, writing nothing. */
    uint64_t seq = 1;
    int rc;
    while ((rc = write_round(l, seq, 1, 500)) == ZS_OK) seq++;
    assert_int_equal(rc, ZS_ERR_AGAIN);
    uint64_t full = zs_plog_pos(l);
    assert_true(full <= 12 << 10);
    assert_int_equal(write_round(l, seq, 1, 500), ZS_ERR_AGAIN);
    assert_int_equal(zs_plog_pos(l), full);
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, seq - 1);
    /* After a checkpoint there is room again. */
    zs_plog_checkpointed(l, zs_plog_pos(l));
    assert_int_equal(write_round(l, seq, 1, 500), 0);
    zs_plog_close(l);
    unlink(path);
}

/* A write that fails (here: past RLIMIT_FSIZE, in a child) turns the log
   off: that round says ZS_ERR_IO, every later one ZS_ERR_AGAIN, and a
   replay still ends before the failed round. */
static void test_write_failure(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX", err[256];
    zs_plog_t *l = fresh(path, 64 << 10);
    size_t rows;
    seen_t s = {0};
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(write_round(l, 1, 2, 100), 0);
    uint64_t at = zs_plog_pos(l);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = {ZS_PLOG_HEADER, ZS_PLOG_HEADER};
        signal(SIGXFSZ, SIG_IGN);
        int ok = !setrlimit(RLIMIT_FSIZE, &lim) && write_round(l, 3, 1, 100) == ZS_ERR_IO && zs_plog_failed(l) &&
                 write_round(l, 4, 1, 100) == ZS_ERR_AGAIN && zs_plog_pos(l) == at;
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    zs_plog_close(l);
    assert_non_null(l = open_log(path, err, sizeof err));
    memset(&s, 0, sizeof s);
    assert_int_equal(zs_plog_replay(l, 0, collect, &s, &rows), 0);
    assert_int_equal(rows, 2);
    zs_plog_close(l);
    unlink(path);
}

static void expect_refused(const char *path, const char *why)
{
    char err[256] = "";
    zs_plog_t *l = open_log(path, err, sizeof err);
    assert_null(l);
    if (!strstr(err, why)) fail_msg("\"%s\" does not say \"%s\"", err, why);
}

static void test_refusals(void **state)
{
    (void)state;
    char path[] = "/tmp/zkseq-test-plog-XXXXXX", err[256];
    zs_plog_t *l = fresh(path, 16 << 10);
    zs_plog_close(l);
    int fd = open(path, O_RDWR);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, 40), 1); /* inside the id */
    b ^= 1;
    assert_int_equal(pwrite(fd, &b, 1, 40), 1);
    expect_refused(path, "header is damaged");
    b ^= 1;
    assert_int_equal(pwrite(fd, &b, 1, 40), 1);
    assert_non_null(l = open_log(path, err, sizeof err));
    zs_plog_close(l);
    assert_int_equal(ftruncate(fd, 12 << 10), 0);
    expect_refused(path, "size");
    assert_int_equal(pwrite(fd, "not a log", 9, 0), 9);
    expect_refused(path, "not a pool log");
    close(fd);
    unlink(path);
    expect_refused(path, "No such file");
    assert_int_equal(zs_plog_create(path, 1000, err, sizeof err), ZS_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_torn_tail),
        cmocka_unit_test(test_laps_and_checkpoints),
        cmocka_unit_test(test_stale_lap),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_refusals),
    };
    int failed = cmocka_run_group_tests_name("direct", tests, NULL, NULL);
    buffered = 1;
    return failed + cmocka_run_group_tests_name("buffered", tests, NULL, NULL);
}
