/* The GET /executed feed on a real node and a real socket: a reader that
   stops reading is held (what it has not taken stays in the executed
   table, not in the server's memory), and once it is more than the table's
   16,384 behind it gets a "gap" event saying how many it missed, then the
   executions after them in order; the metrics count the reader and its
   gap, and the reader that leaves. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "host/ingress/rpc/zs_rpc.h"
#include "host/node/zs_executed.h"
#include "host/node/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/tx/zs_tx.h"
#include "tests/support/zs_fuzz_node.h"
#include "tests/support/zs_test.h"

enum { WAVE = 1000, TOTAL = 24000 };

/* WAVE transfers from the funded account from nonce on, admitted together;
   returns once the sequencer has executed them all. */
static void wave(zs_node_t *n, uint64_t nonce)
{
    static uint8_t raw[WAVE][160];
    static const uint8_t *raws[WAVE];
    static size_t lens[WAVE];
    static zs_submit_t outs[WAVE];
    uint8_t key[32], to[20] = {0xfe, 0xed};
    assert_int_equal(zs_hex_decode_exact(key, 32, zs_dev_keys[0]), 0);
    for (size_t i = 0; i < WAVE; i++) {
        zs_tx_t tx;
        assert_int_equal(zs_tx_sign_transfer(&tx, key, 1001, nonce + i, to, (zs_u256_t[]){zs_u256_from_u64(1)},
                                             1000000000, raw[i], sizeof raw[i], &lens[i]),
                         0);
        raws[i] = raw[i];
    }
    zs_executed_t *ex = zs_node_executed(n);
    uint64_t before = zs_executed_count(ex);
    zs_node_submit_many(n, raws, lens, WAVE, outs);
    for (size_t i = 0; i < WAVE; i++) assert_int_equal(outs[i].reason, ZS_POOL_OK);
    for (int i = 0; i < 1000 && zs_executed_count(ex) < before + WAVE; i++) usleep(5000);
    assert_true(zs_executed_count(ex) >= before + WAVE);
}

/* Reads until want is in what was read, or the socket has nothing for 2 s. */
static size_t read_until(int fd, char *buf, size_t cap, const char *want)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0) break;
        len += (size_t)k;
        buf[len] = 0;
        if (want && strstr(buf, want)) break;
    }
    return len;
}

static void test_held_reader_gets_a_gap(void **state)
{
    (void)state;
    zs_node_t *n = zs_fuzz_node_open("feed");
    zs_rpc_cfg_t rc = {.host = "127.0.0.1"};
    zs_rpc_t *r = zs_rpc_new(n, &rc);
    assert_non_null(r);
    char err[200];
    assert_int_equal(zs_rpc_listen(r, err, sizeof err), 0);

    /* A reader with a small receive buffer, which then reads nothing. */
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(zs_rpc_port(r))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    static const char get[] = "GET /executed HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, get, sizeof get - 1, 0), (ssize_t)(sizeof get - 1));
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    assert_true(read_until(fd, buf, 4096, "executed transactions\n\n") > 0);
    buf[0] = 0;
    zs_rpc_stats_t st;
    zs_rpc_stats(r, &st);
    assert_int_equal(st.feed_readers, 1);

    for (uint64_t nonce = 0; nonce < TOTAL; nonce += WAVE) wave(n, nonce);

    /* Now it reads: a gap, how many it lost, then executions in order up to the last. */
    char last_id[32];
    snprintf(last_id, sizeof last_id, "id: %d\n", TOTAL - 1);
    size_t len = 0, cap = 1 << 20;
    for (;;) {
        if (len + 65536 > cap) {
            cap *= 2;
            assert_non_null(buf = realloc(buf, cap));
        }
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0) break;
        len += (size_t)k;
        buf[len] = 0;
        if (memmem(buf + (len > (size_t)k + 32 ? len - (size_t)k - 32 : 0), (size_t)k + 32 < len ? (size_t)k + 32 : len,
                   last_id, strlen(last_id)))
            break;
    }
    print_message("the reader read %zu bytes\n", len);
    char *gap = strstr(buf, "event: gap\n");
    assert_non_null(gap);
    unsigned long long lost = 0;
    assert_int_equal(sscanf(gap, "event: gap\ndata: {\"lost\":%llu}", &lost), 1);
    print_message("the held reader lost %llu of %d executions\n", lost, TOTAL);
    assert_true(lost > 0 && lost < TOTAL);
    /* The first event after the gap is the first execution it did not lose... */
    const char *next = strstr(gap, "event: executed\nid: ");
    assert_non_null(next);
    unsigned long long first = strtoull(next + strlen("event: executed\nid: "), NULL, 10);
    assert_true(first >= lost);
    /* ...and the last one arrives. */
    assert_non_null(strstr(gap, last_id));
    zs_rpc_stats(r, &st);
    assert_true(st.feed_gaps >= 1);

    close(fd); /* found gone at its next write: within a second */
    for (int i = 0; i < 300 && (zs_rpc_stats(r, &st), st.feed_readers); i++) usleep(10000);
    assert_int_equal(st.feed_readers, 0);
    assert_int_equal(st.feed_closed, 1);
    free(buf);
    zs_rpc_free(r);
    zs_fuzz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_held_reader_gets_a_gap)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
