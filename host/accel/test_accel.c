/* host/accel: the host's hashing through each card backend gives lib/'s
   results and the same tree roots; every fault the sim injects (an error,
   a lost job, a damaged completion, wrong outputs) is noticed, the batch is
   hashed again on the CPU, and no tree root differs; repeated failures set
   the card aside with one alarm, and a passing self-test takes it back;
   XRT's noop shim (which computes nothing) is caught the same way. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/card/zs_card_sim.h"
#include "drivers/card/zs_xclbin.h"
#include "host/accel/zs_accel.h"
#include "host/state/zs_smt.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tests/support/zs_test.h"
#include "tests/support/zs_test_xrt.h"

static zs_accel_t *open_accel(const char *backend, zs_accel_opts_t o)
{
    char err[320];
    o.backend = backend;
    o.card.sim.pcie_us = -1; /* no modelled latency: tests are about results */
    zs_accel_t *a = zs_accel_open(&o, err, sizeof err);
    if (!a) fail_msg("%s: %s", backend, err);
    return a;
}

/* Every batch to the card (no size threshold), unless the test says. */
static zs_accel_opts_t all_to_card(void)
{
    return (zs_accel_opts_t){.min_poseidon = 1, .min_keccak = 1, .min_keccak_bytes = 1};
}

/* A tree of n random keys (fixed seed) hashed through h (NULL: lib/ on
   this thread), committed in `rounds` commits; the last root in root. */
static void tree_root(const zs_smt_hasher_t *h, size_t n, int rounds, uint64_t root[4])
{
    zs_smt_t *t = zs_smt_new(NULL, NULL, h);
    assert_non_null(t);
    zs_test_rng_t r = {.s = 0x5eed0042};
    zs_smt_ref_t ref;
    for (int round = 0; round < rounds; round++) {
        for (size_t i = 0; i < n / (size_t)rounds; i++) {
            zs_smt_key_t k;
            for (int e = 0; e < 4; e++) k.e[e] = zs_test_rng_u64(&r) % ZS_GL_P;
            zs_u256_t v = zs_u256_from_u64(zs_test_rng_u64(&r) % 1000 + 1);
            assert_int_equal(zs_smt_set(t, &k, &v), 0);
        }
        assert_int_equal(zs_smt_commit(t, (uint64_t)round + 1, &ref, NULL), 0);
    }
    memcpy(root, ref.hash, 32);
    zs_smt_delete(t);
}

static void check_hashes(zs_accel_t *a)
{
    zs_test_rng_t r = {.s = 0xacce1001};
    enum { NP = 3000, NK = 500 };
    uint64_t(*in)[12] = malloc(NP * 96), (*want)[12] = malloc(NP * 96), (*got)[4] = malloc(NP * 32);
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < 12; k++) in[i][k] = want[i][k] = zs_test_rng_u64(&r) % ZS_GL_P;
    zs_poseidon_permute_batch(want, NP);
    zs_accel_poseidon(a, (const uint64_t(*)[12])in, got, NP);
    for (int i = 0; i < NP; i++) assert_memory_equal(got[i], want[i], 32);
    /* Keccak: lengths 0..599, across the 136-byte block edges. */
    uint8_t *buf = malloc(NK * 600), (*dig)[32] = malloc(NK * 32);
    const uint8_t *msgs[NK];
    size_t lens[NK];
    zs_test_rng_bytes(&r, buf, NK * 600);
    for (int i = 0; i < NK; i++) msgs[i] = buf + 600 * i, lens[i] = (size_t)(i * 7) % 600;
    zs_accel_keccak(a, msgs, lens, NK, dig);
    for (int i = 0; i < NK; i++) {
        uint8_t h[32];
        zs_keccak256(msgs[i], lens[i], h);
        assert_memory_equal(dig[i], h, 32);
    }
    free(in), free(want), free(got), free(buf), free(dig);
}

static void test_backends_agree(void **state)
{
    (void)state;
    uint64_t ref[4], root[4];
    tree_root(NULL, 20000, 4, ref);
    const char *backends[] = {"cpu", "sim"};
    for (int b = 0; b < 2; b++) {
        zs_accel_t *a = open_accel(backends[b], all_to_card());
        check_hashes(a);
        zs_smt_hasher_t h;
        zs_accel_smt_hasher(a, &h);
        tree_root(&h, 20000, 4, root);
        assert_memory_equal(root, ref, 32);
        zs_accel_stats_t st;
        zs_accel_stats(a, &st);
        print_message("%s: %llu card jobs, %llu permutations, %llu on the cpu, %llu checked\n", st.backend,
                      (unsigned long long)st.jobs, (unsigned long long)st.permutations,
                      (unsigned long long)st.cpu_permutations, (unsigned long long)st.verified);
        assert_string_equal(st.backend, backends[b]);
        assert_int_equal(st.fallback, 0);
        if (b == 1) { /* the sim took the work, and each job was sampled */
            assert_true(st.jobs > 10 && st.permutations > 20000 && st.keccak_msgs == 500);
            assert_true(st.verified >= st.jobs);
        } else {
            assert_int_equal(st.jobs, 0); /* cpu: inline, not through a queue */
        }
        zs_accel_close(a);
    }
}

/* Small batches stay on the CPU when the card is a sim. */
static void test_small_batches_stay(void **state)
{
    (void)state;
    zs_accel_t *a = open_accel("sim", (zs_accel_opts_t){.min_poseidon = 4096});
    uint64_t in[100][12] = {{0}}, out[100][4];
    zs_accel_poseidon(a, (const uint64_t(*)[12])in, out, 100);
    zs_accel_stats_t st;
    zs_accel_stats(a, &st);
    assert_int_equal(st.jobs, 0);
    assert_int_equal(st.cpu_permutations, 100);
    zs_accel_close(a);
}

static void test_faults_never_wrong(void **state)
{
    (void)state;
    uint64_t ref[4], root[4];
    tree_root(NULL, 4000, 4, ref);
    const char *names[] = {"fail", "hang", "corrupt", "wrong"};
    const int kinds[] = {ZS_ACCEL_F_IO, ZS_ACCEL_F_TIMEOUT, ZS_ACCEL_F_CORRUPT, ZS_ACCEL_F_WRONG};
    for (int f = 0; f < 4; f++) {
        zs_accel_opts_t o = all_to_card();
        o.max_failures = 1000000; /* keep using the card: every other job fails */
        o.timeout_ms = f == 1 ? 40 : 10000; /* only the hang should time out */
        zs_accel_t *a = open_accel("sim", o);
        zs_card_sim_inject(zs_accel_card(a), f == 0 ? 2 : 0, f == 1 ? 2 : 0, f == 2 ? 2 : 0, f == 3 ? 2 : 0);
        zs_smt_hasher_t h;
        zs_accel_smt_hasher(a, &h);
        tree_root(&h, 4000, 4, root);
        assert_memory_equal(root, ref, 32);
        check_hashes(a);
        zs_accel_stats_t st;
        zs_accel_stats(a, &st);
        print_message("%s: %llu jobs used (%llu keccak msgs), %llu failed as %s, %llu permutations and %llu messages redone on the cpu\n", names[f], (unsigned long long)st.jobs, (unsigned long long)st.keccak_msgs,
                      (unsigned long long)st.failures[kinds[f]], names[f],
                      (unsigned long long)st.cpu_permutations, (unsigned long long)st.cpu_keccak_msgs);
        assert_true(st.jobs > 5);
        assert_true(st.failures[kinds[f]] >= st.jobs - 1); /* half the jobs */
        for (int k = 0; k < ZS_ACCEL_F_COUNT; k++)
            if (k != kinds[f] && k != ZS_ACCEL_F_TIMEOUT) assert_int_equal(st.failures[k], 0);
        assert_int_equal(st.fallback, 0);
        zs_accel_close(a);
    }
}

typedef struct {
    int calls;
    char last[320];
} alarms_t;

static void on_alarm(void *ctx, const char *msg)
{
    alarms_t *al = ctx;
    al->calls++;
    snprintf(al->last, sizeof al->last, "%s", msg);
}

static void test_fallback_and_selftest(void **state)
{
    (void)state;
    alarms_t al = {0};
    zs_accel_opts_t o = all_to_card();
    o.max_failures = 3;
    o.alarm = on_alarm;
    o.alarm_ctx = &al;
    zs_accel_t *a = open_accel("sim", o);
    zs_card_sim_inject(zs_accel_card(a), 0, 0, 0, 1); /* a broken card: every job wrong */
    for (int i = 0; i < 6; i++) check_hashes(a);
    zs_accel_stats_t st;
    zs_accel_stats(a, &st);
    assert_int_equal(st.fallback, 1);
    assert_int_equal(st.failures[ZS_ACCEL_F_WRONG], 3); /* then no more card jobs */
    assert_int_equal(st.jobs, 0);
    assert_int_equal(al.calls, 1);
    assert_non_null(strstr(al.last, "set aside"));
    assert_non_null(strstr(st.alarm, "differed from the CPU"));
    char report[320];
    assert_int_not_equal(zs_accel_selftest(a, report, sizeof report), 0);
    print_message("broken card: %s\n", report);
    assert_non_null(strstr(report, "differs from the CPU"));
    zs_accel_stats(a, &st);
    assert_int_equal(st.fallback, 1);
    /* Repaired: the self-test passes and takes the card back. */
    zs_card_sim_inject(zs_accel_card(a), 0, 0, 0, 0);
    assert_int_equal(zs_accel_selftest(a, report, sizeof report), 0);
    print_message("repaired card: %s\n", report);
    zs_accel_stats(a, &st);
    assert_int_equal(st.fallback, 0);
    assert_string_equal(st.alarm, "");
    assert_int_equal(al.calls, 2);
    assert_non_null(strstr(al.last, "taken back"));
    check_hashes(a);
    zs_accel_stats(a, &st);
    assert_int_equal(st.jobs, 2); /* the two batches went to the card again */
    zs_accel_close(a);
}

static char xrt_dir[256];

/* The noop shim completes every run without computing: the first sampled
   outputs differ, the CPU redoes them, and after three the card is set
   aside; the tree root is right throughout. */
static int noop_case(void)
{
    zs_test_xrt_noop_env(xrt_dir);
    uint8_t *img;
    size_t len;
    if (zs_card_xclbin_shell(&img, &len)) return 9;
    zs_accel_opts_t o = all_to_card();
    o.backend = "xrt";
    o.card.xrt.xclbin_image = img;
    o.card.xrt.xclbin_len = len;
    char err[320];
    zs_accel_t *a = zs_accel_open(&o, err, sizeof err);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return 10;
    }
    uint64_t ref[4], root[4];
    tree_root(NULL, 5000, 2, ref);
    zs_smt_hasher_t h;
    zs_accel_smt_hasher(a, &h);
    tree_root(&h, 5000, 2, root);
    zs_accel_stats_t st;
    zs_accel_stats(a, &st);
    fprintf(stderr, "noop: fallback %d, alarm: %s\n", st.fallback, st.alarm);
    int rc = memcmp(root, ref, 32) ? 11 : !st.fallback ? 12 : st.failures[ZS_ACCEL_F_WRONG] != 3 ? 13 : 0;
    zs_accel_close(a);
    free(img);
    return rc;
}

static void test_xrt_noop_caught(void **state)
{
    (void)state;
#ifdef ZS_HAS_XRT
    zs_test_xrt_dir(xrt_dir, sizeof xrt_dir);
    int rc = zs_test_in_child(noop_case);
    zs_test_xrt_dir_remove(xrt_dir);
    assert_int_equal(rc, 0);
#else
    skip();
#endif
}

/* Frames' worth of Keccak from many threads share card jobs. */
static void *frame_hasher(void *p)
{
    zs_accel_t *a = p;
    zs_test_rng_t r = {.s = (uint64_t)(uintptr_t)&r};
    int bad = 0;
    for (int it = 0; it < 200; it++) {
        uint8_t buf[8][200], dig[8][32];
        const uint8_t *msgs[8];
        size_t lens[8];
        for (int i = 0; i < 8; i++) {
            lens[i] = 60 + zs_test_rng_u64(&r) % 140;
            zs_test_rng_bytes(&r, buf[i], lens[i]);
            msgs[i] = buf[i];
        }
        zs_accel_keccak(a, msgs, lens, 8, dig);
        for (int i = 0; i < 8; i++) {
            uint8_t h[32];
            zs_keccak256(msgs[i], lens[i], h);
            bad += memcmp(h, dig[i], 32) != 0;
        }
    }
    return (void *)(intptr_t)bad;
}

static void test_coalesced_small_batches(void **state)
{
    (void)state;
    zs_accel_t *a = open_accel("sim", (zs_accel_opts_t){.coalesce_us = 300});
    pthread_t th[6];
    for (int i = 0; i < 6; i++) assert_int_equal(pthread_create(&th[i], NULL, frame_hasher, a), 0);
    for (int i = 0; i < 6; i++) {
        void *bad;
        pthread_join(th[i], &bad);
        assert_int_equal((intptr_t)bad, 0);
    }
    zs_accel_stats_t st;
    zs_accel_stats(a, &st);
    print_message("1,200 calls of 8 messages in %llu shared card jobs\n", (unsigned long long)st.coalesced_jobs);
    assert_int_equal(st.coalesced_calls, 1200);
    assert_int_equal(st.keccak_msgs, 9600);
    assert_true(st.coalesced_jobs < st.coalesced_calls);
    zs_accel_close(a);
}

static void test_open(void **state)
{
    (void)state;
    char err[320];
    unsetenv("ZS_CARD_XCLBIN");
    zs_accel_opts_t o = {.backend = "xrt"};
    assert_null(zs_accel_open(&o, err, sizeof err));
    assert_non_null(strstr(err, "xrt"));
    o.backend = "fpga";
    assert_null(zs_accel_open(&o, err, sizeof err));
    assert_non_null(strstr(err, "unknown card backend"));
    o.backend = NULL; /* auto */
    zs_accel_t *a = zs_accel_open(&o, err, sizeof err);
    assert_non_null(a);
    zs_accel_stats_t st;
    zs_accel_stats(a, &st);
    assert_string_equal(st.requested, "auto");
    assert_string_equal(st.backend, "cpu");
    assert_non_null(strstr(st.note, "no card"));
    char report[200];
    assert_int_equal(zs_accel_selftest(a, report, sizeof report), 0);
    assert_non_null(strstr(report, "no card"));
    zs_accel_close(a);
}

int main(void)
{
    zs_card_sim_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backends_agree),
        cmocka_unit_test(test_small_batches_stay),
        cmocka_unit_test(test_faults_never_wrong),
        cmocka_unit_test(test_fallback_and_selftest),
        cmocka_unit_test(test_xrt_noop_caught),
        cmocka_unit_test(test_coalesced_small_batches),
        cmocka_unit_test(test_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
