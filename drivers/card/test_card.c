/* drivers/card: the cpu and sim backends against lib/ directly, bit for
   bit, for every kernel; bad jobs refused; the sim's faults (an error, a
   job that never completes, a damaged completion) reported as such. */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "drivers/card/zs_card.h"
#include "drivers/card/zs_card_batch.h"
#include "drivers/card/zs_card_sim.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tests/support/zs_test.h"

static zs_card_t *open_or_fail(const char *b, const zs_card_opts_t *o)
{
    char err[160];
    zs_card_t *c = zs_card_open(b, o, err, sizeof err);
    if (!c) fail_msg("%s", err);
    return c;
}

static int run(zs_card_t *c, zs_card_job_t *j)
{
    uint64_t t;
    int rc = zs_card_submit(c, j, &t);
    return rc ? rc : zs_card_wait(c, t, 10000);
}

static void check_backend(const char *backend)
{
    zs_card_t *c = open_or_fail(backend, NULL);
    zs_test_rng_t r = {.s = 0xcafe0001};
    /* Poseidon: 5,000 states. */
    enum { NP = 5000 };
    zs_card_buf_t *in = zs_card_alloc(c, NP * 96), *out = zs_card_alloc(c, NP * 96);
    uint64_t(*s)[12] = zs_card_map(in), (*want)[12] = malloc(NP * 96);
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < 12; k++) s[i][k] = zs_test_rng_u64(&r) % ZS_GL_P;
    memcpy(want, s, NP * 96);
    zs_poseidon_permute_batch(want, NP);
    zs_card_job_t j = {.kernel = ZS_CARD_POSEIDON, .in = in, .out = out, .n = NP};
    assert_int_equal(run(c, &j), 0);
    assert_memory_equal(zs_card_map(out), want, NP * 96);
    /* Merkle level with a leaf capacity. */
    zs_card_job_t m = {.kernel = ZS_CARD_MERKLE, .in = in, .out = out, .n = NP * 96 / 64, .arg = {1, 0, 0, 0}};
    memcpy(s, want, NP * 96);
    assert_int_equal(run(c, &m), 0);
    const uint64_t(*kids)[8] = (const uint64_t(*)[8])want;
    for (uint32_t i = 0; i < m.n; i++) {
        uint64_t h[4];
        zs_poseidon_hash(kids[i], (const uint64_t[4]){1, 0, 0, 0}, h);
        assert_memory_equal((uint64_t *)zs_card_map(out) + 4 * i, h, 32);
    }
    /* Keccak: 300 messages in 40-word slots. */
    enum { NK = 300, SLOT = 40 };
    zs_card_buf_t *kin = zs_card_alloc(c, NK * SLOT * 8), *klen = zs_card_alloc(c, NK * 4), *kout = zs_card_alloc(c, NK * 32);
    uint8_t *msgs = zs_card_map(kin);
    uint32_t *lens = zs_card_map(klen);
    zs_test_rng_bytes(&r, msgs, NK * SLOT * 8);
    for (int i = 0; i < NK; i++) lens[i] = (uint32_t)(i % (SLOT * 8));
    zs_card_job_t k = {.kernel = ZS_CARD_KECCAK, .in = kin, .aux = klen, .out = kout, .n = NK, .arg = {SLOT}};
    assert_int_equal(run(c, &k), 0);
    for (int i = 0; i < NK; i++) {
        uint8_t h[32];
        zs_keccak256(msgs + (size_t)i * SLOT * 8, lens[i], h);
        assert_memory_equal((uint8_t *)zs_card_map(kout) + 32 * i, h, 32);
    }
    /* NTT of 2^12 and back (the round trip is the reference). */
    enum { LG = 12, N = 1 << LG };
    zs_card_buf_t *a = zs_card_alloc(c, N * 8), *tw = zs_card_alloc(c, N / 2 * 8), *itw = zs_card_alloc(c, N / 2 * 8);
    uint64_t *av = zs_card_map(a), *orig = malloc(N * 8), *t = zs_card_map(tw), *it = zs_card_map(itw);
    uint64_t w = zs_gl_pow(7, (ZS_GL_P - 1) >> LG), wi = zs_gl_inv(w);
    t[0] = it[0] = 1;
    for (int i = 1; i < N / 2; i++) t[i] = zs_gl_mul(t[i - 1], w), it[i] = zs_gl_mul(it[i - 1], wi);
    for (int i = 0; i < N; i++) orig[i] = av[i] = zs_test_rng_u64(&r) % ZS_GL_P;
    zs_card_job_t f = {.kernel = ZS_CARD_NTT, .in = a, .aux = tw, .arg = {LG}}, g = f;
    g.aux = itw;
    assert_int_equal(run(c, &f), 0);
    /* X[1] = sum a_j w^j, checked directly. */
    uint64_t x1 = 0, p = 1;
    for (int i = 0; i < N; i++) x1 = zs_gl_add(x1, zs_gl_mul(orig[i], p)), p = zs_gl_mul(p, w);
    assert_int_equal(av[1], x1);
    assert_int_equal(run(c, &g), 0);
    uint64_t inv_n = zs_gl_inv(N);
    for (int i = 0; i < N; i++) assert_int_equal(zs_gl_mul(av[i], inv_n), orig[i]);
    /* Bad jobs: refused, nothing queued. */
    zs_card_job_t bad = j;
    bad.n = NP + 1;
    uint64_t tk;
    assert_int_equal(zs_card_submit(c, &bad, &tk), ZS_ERR_INVAL);
    bad = k;
    lens[0] = SLOT * 8;
    assert_int_equal(zs_card_submit(c, &bad, &tk), ZS_ERR_INVAL);
    bad = m;
    bad.arg[0] = ZS_GL_P;
    assert_int_equal(zs_card_submit(c, &bad, &tk), ZS_ERR_INVAL);
    bad = f;
    bad.arg[0] = 25;
    assert_int_equal(zs_card_submit(c, &bad, &tk), ZS_ERR_INVAL);
    assert_int_equal(zs_card_wait(c, 424242, 10), ZS_ERR_INVAL);
    zs_card_stats_t st;
    zs_card_stats(c, &st);
    assert_string_equal(st.backend, backend);
    assert_int_equal(st.jobs_done, 5);
    assert_int_equal(st.queue_depth, 0);
    assert_true(st.bytes_in > 0 && st.bytes_out > 0);
    zs_card_buf_t *bufs[] = {in, out, kin, klen, kout, a, tw, itw};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) zs_card_free(c, bufs[i]);
    free(want), free(orig);
    zs_card_close(c);
}

static void test_cpu(void **state)
{
    (void)state;
    check_backend("cpu");
}

static void test_sim(void **state)
{
    (void)state;
    check_backend("sim");
}

static void test_open_errors(void **state)
{
    (void)state;
    char err[160];
    assert_null(zs_card_open("fpga9", NULL, err, sizeof err));
    assert_non_null(strstr(err, "unknown card backend"));
    assert_null(zs_card_open("xrt", NULL, err, sizeof err));
    assert_non_null(strstr(err, "xrt"));
    zs_card_t *c = open_or_fail("auto", NULL);
    assert_string_equal(zs_card_backend(c), "cpu");
    zs_card_close(c);
}

/* A job the card gets wrong completes like any other: only a comparison
   with the CPU tells (host/accel spot-checks every job). */
static void test_sim_wrong_output(void **state)
{
    (void)state;
    zs_card_opts_t o = {.sim = {.pcie_us = -1, .wrong_every = 2}, .workers = 1};
    zs_card_t *c = open_or_fail("sim", &o);
    zs_card_buf_t *in = zs_card_alloc(c, 96 * 8), *out = zs_card_alloc(c, 96 * 8);
    uint64_t want[8][12];
    memset(zs_card_map(in), 0, 96 * 8);
    memset(want, 0, sizeof want);
    zs_poseidon_permute_batch(want, 8);
    for (int i = 1; i <= 4; i++) {
        zs_card_job_t j = {.kernel = ZS_CARD_POSEIDON, .in = in, .out = out, .n = 8};
        assert_int_equal(run(c, &j), 0);
        int same = !memcmp(zs_card_map(out), want, sizeof want);
        assert_int_equal(same, i % 2);
    }
    zs_card_free(c, in), zs_card_free(c, out);
    zs_card_close(c);
}

static void test_sim_faults(void **state)
{
    (void)state;
    const char *kinds[] = {"fail", "hang", "corrupt"};
    const int want[] = {ZS_ERR_IO, ZS_ERR_TIMEOUT, ZS_ERR_CORRUPT};
    for (int k = 0; k < 3; k++) {
        zs_card_opts_t o = {.sim.pcie_us = -1, .workers = 1};
        if (k == 0) o.sim.fail_every = 3;
        if (k == 1) o.sim.hang_every = 3;
        if (k == 2) o.sim.corrupt_every = 3;
        zs_card_t *c = open_or_fail("sim", &o);
        zs_card_buf_t *b = zs_card_alloc(c, 96 * 4);
        for (int i = 1; i <= 4; i++) {
            zs_card_job_t j = {.kernel = ZS_CARD_POSEIDON, .in = b, .out = b, .n = 4};
            uint64_t t;
            assert_int_equal(zs_card_submit(c, &j, &t), 0);
            int rc = zs_card_wait(c, t, i == 3 ? 200 : 5000);
            print_message("%s: job %d -> %d\n", kinds[k], i, rc);
            assert_int_equal(rc, i == 3 ? want[k] : 0);
        }
        zs_card_stats_t st;
        zs_card_stats(c, &st);
        assert_int_equal(st.jobs_done, 3);
        assert_int_equal(st.jobs_failed, k == 1 ? 0 : 1);
        assert_int_equal(st.queue_depth, k == 1 ? 1 : 0); /* the lost job still holds its slot */
        zs_card_free(c, b);
        zs_card_close(c);
    }
}

/* Many threads with small batches: every result right, and fewer card
   jobs than calls (the rounds were shared). */
typedef struct {
    zs_card_batch_t *pb, *kb;
    int id, bad;
} batch_arg_t;

static void *batch_caller(void *p)
{
    batch_arg_t *a = p;
    zs_test_rng_t r = {.s = 0xba7c0000u + (unsigned)a->id};
    for (int it = 0; it < 300; it++) {
        uint64_t st[6][12], want[6][12], got[6][12];
        for (int i = 0; i < 6; i++)
            for (int k = 0; k < 12; k++) st[i][k] = want[i][k] = zs_test_rng_u64(&r) % ZS_GL_P;
        zs_poseidon_permute_batch(want, 6);
        if (zs_card_batch_poseidon(a->pb, (const uint64_t(*)[12])st, got, 6) || memcmp(got, want, sizeof want)) a->bad++;
        uint8_t buf[8][200], dig[8][32];
        const uint8_t *msgs[8];
        size_t lens[8];
        for (int i = 0; i < 8; i++) {
            lens[i] = zs_test_rng_u64(&r) % 200;
            zs_test_rng_bytes(&r, buf[i], lens[i]);
            msgs[i] = buf[i];
        }
        if (zs_card_batch_keccak(a->kb, msgs, lens, 8, dig)) a->bad++;
        for (int i = 0; i < 8; i++) {
            uint8_t h[32];
            zs_keccak256(msgs[i], lens[i], h);
            if (memcmp(h, dig[i], 32)) a->bad++;
        }
    }
    return NULL;
}

static void check_batching(const char *backend)
{
    zs_card_opts_t o = {.sim.pcie_us = 20, .workers = 2}; /* a trip worth sharing */
    zs_card_t *c = open_or_fail(backend, &o);
    zs_card_batch_opts_t po = {.kernel = ZS_CARD_POSEIDON, .max_items = 64, .max_wait_us = 200};
    zs_card_batch_opts_t ko = {.kernel = ZS_CARD_KECCAK, .max_items = 64, .max_wait_us = 200, .slot_words = 26};
    zs_card_batch_t *pb = zs_card_batch_new(c, &po), *kb = zs_card_batch_new(c, &ko);
    assert_non_null(pb);
    assert_non_null(kb);
    enum { T = 8 };
    pthread_t th[T];
    batch_arg_t args[T];
    for (int i = 0; i < T; i++) {
        args[i] = (batch_arg_t){pb, kb, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, batch_caller, &args[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    zs_card_batch_stats_t ps, ks;
    zs_card_batch_stats(pb, &ps);
    zs_card_batch_stats(kb, &ks);
    print_message("%s: poseidon %llu calls in %llu card jobs, keccak %llu calls in %llu card jobs\n", backend,
                  (unsigned long long)ps.calls, (unsigned long long)ps.rounds, (unsigned long long)ks.calls,
                  (unsigned long long)ks.rounds);
    assert_int_equal(ps.calls, T * 300);
    assert_int_equal(ps.items, T * 300 * 6);
    assert_int_equal(ks.items, T * 300 * 8);
    assert_true(ps.rounds < ps.calls && ks.rounds < ks.calls);
    /* Messages too long for the slot, and wrong kinds, are refused. */
    uint8_t big[300] = {0}, d[1][32];
    const uint8_t *m = big;
    size_t l = 300;
    assert_int_equal(zs_card_batch_keccak(kb, &m, &l, 1, d), ZS_ERR_RANGE);
    uint64_t s1[1][12] = {{0}};
    assert_int_equal(zs_card_batch_poseidon(kb, (const uint64_t(*)[12])s1, s1, 1), ZS_ERR_INVAL);
    zs_card_batch_free(pb);
    zs_card_batch_free(kb);
    zs_card_close(c);
}

static void test_batching(void **state)
{
    (void)state;
    check_batching("cpu");
    check_batching("sim");
}

/* The KZG kernel: on the cpu backend, each blob's commitment and 128 cell
   proofs as lib/kzg gives them, two blobs per job from two jobs at once (both
   workers); on the sim (fpga/kernels' msm_g1 and fft_g1 with FK20's host
   steps), the same bytes for a blob, and a blob with an element above the
   modulus fails the job with the reason. */
static void test_kzg_blobs(void **state)
{
    (void)state;
    enum { NB = 2 };
    zs_card_t *c = open_or_fail("cpu", NULL);
    zs_card_buf_t *in[2], *out[2];
    uint64_t t[2];
    zs_test_rng_t r = {.s = 0x6b7a6702};
    for (int k = 0; k < 2; k++) {
        in[k] = zs_card_alloc(c, NB * ZS_CARD_KZG_IN);
        out[k] = zs_card_alloc(c, NB * ZS_CARD_KZG_OUT);
        uint8_t *b = zs_card_map(in[k]);
        zs_test_rng_bytes(&r, b, NB * ZS_CARD_KZG_IN);
        for (size_t i = 0; i < NB * ZS_CARD_KZG_IN; i += 32) b[i] = 0; /* field elements */
        zs_card_job_t j = {.kernel = ZS_CARD_KZG_BLOB, .in = in[k], .out = out[k], .n = NB};
        assert_int_equal(zs_card_submit(c, &j, &t[k]), 0);
    }
    char err[256];
    zs_kzg_t *kzg = zs_kzg_open(NULL, 0, err, sizeof err);
    if (!kzg) fail_msg("%s", err);
    uint8_t com[48], (*proofs)[48] = malloc(128 * 48);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(zs_card_wait(c, t[k], 60000), 0);
        for (int i = 0; i < NB; i++) {
            const uint8_t *blob = (const uint8_t *)zs_card_map(in[k]) + (size_t)i * ZS_CARD_KZG_IN;
            const uint8_t *o = (const uint8_t *)zs_card_map(out[k]) + (size_t)i * ZS_CARD_KZG_OUT;
            assert_int_equal(zs_kzg_commit(kzg, blob, com), 0);
            assert_memory_equal(o, com, 48);
            if (k == 0 && i == 0) { /* the cells once (0.3 s): the rest are checked by the proofs' own check */
                assert_int_equal(zs_kzg_cells(kzg, blob, NULL, proofs), 0);
                assert_memory_equal(o + 48, proofs, 128 * 48);
            }
        }
    }
    /* A bad job: output in place of the input. */
    zs_card_job_t bad = {.kernel = ZS_CARD_KZG_BLOB, .in = in[0], .n = NB};
    assert_int_equal(zs_card_submit(c, &bad, &t[0]), ZS_ERR_INVAL);
    for (int k = 0; k < 2; k++) {
        zs_card_free(c, in[k]);
        zs_card_free(c, out[k]);
    }
    zs_card_close(c);
    zs_card_t *sim = open_or_fail("sim", NULL);
    zs_card_buf_t *si = zs_card_alloc(sim, ZS_CARD_KZG_IN), *so = zs_card_alloc(sim, ZS_CARD_KZG_OUT);
    uint8_t *sb = zs_card_map(si);
    zs_test_rng_bytes(&r, sb, ZS_CARD_KZG_IN);
    for (size_t i = 0; i < ZS_CARD_KZG_IN; i += 32) sb[i] = 0;
    zs_card_job_t j = {.kernel = ZS_CARD_KZG_BLOB, .in = si, .out = so, .n = 1};
    assert_int_equal(zs_card_submit(sim, &j, &t[0]), 0);
    assert_int_equal(zs_card_wait(sim, t[0], 120000), 0);
    assert_int_equal(zs_kzg_commit(kzg, sb, com), 0);
    assert_int_equal(zs_kzg_cells(kzg, sb, NULL, proofs), 0);
    assert_memory_equal(zs_card_map(so), com, 48);
    assert_memory_equal((uint8_t *)zs_card_map(so) + 48, proofs, 128 * 48);
    sb[0] = 0xff; /* not a field element */
    assert_int_equal(zs_card_submit(sim, &j, &t[0]), 0);
    assert_int_equal(zs_card_wait(sim, t[0], 120000), ZS_ERR_IO);
    zs_card_stats_t cs;
    zs_card_stats(sim, &cs);
    assert_non_null(strstr(cs.last_error, "not below the modulus"));
    zs_card_free(sim, si);
    zs_card_free(sim, so);
    zs_card_close(sim);
    zs_kzg_close(kzg);
    free(proofs);
}

int main(void)
{
    zs_card_sim_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu),
        cmocka_unit_test(test_sim),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_sim_faults),
        cmocka_unit_test(test_sim_wrong_output),
        cmocka_unit_test(test_batching),
        cmocka_unit_test(test_kzg_blobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
