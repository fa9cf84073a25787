/* Unit tests of lib/keccak: the Keccak team's known answers (short, long and
   the 1 GiB extremely long message), streaming with every split, and every
   batch variant against the one-shot path. */
#include "tests/support/zs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/keccak/zs_keccak_internal.h"
#include "lib/keccak/zs_keccak_rc.h"

static void check_kats(const char *rel, size_t min_count)
{
    size_t n;
    zs_test_kat_t *kats = zs_test_load_kats(rel, &n);
    assert_true(n >= min_count);
    for (size_t i = 0; i < n; i++) {
        uint8_t md[32];
        zs_keccak256(kats[i].msg, kats[i].len, md);
        assert_memory_equal(md, kats[i].md, 32);
        zs_keccak256_oneshot_portable(kats[i].msg, kats[i].len, md);
        assert_memory_equal(md, kats[i].md, 32);
        if (zs_cpu_has(ZS_SIMD_AVX2)) {
            zs_keccak256_oneshot_bmi(kats[i].msg, kats[i].len, md);
            assert_memory_equal(md, kats[i].md, 32);
        }
        /* Streaming, fed in uneven pieces. */
        zs_keccak256_t ctx;
        zs_keccak256_init(&ctx);
        size_t off = 0, step = 1;
        while (off < kats[i].len) {
            size_t take = kats[i].len - off < step ? kats[i].len - off : step;
            zs_keccak256_update(&ctx, kats[i].msg + off, take);
            off += take;
            step = step * 3 + 1;
        }
        zs_keccak256_final(&ctx, md);
        assert_memory_equal(md, kats[i].md, 32);
    }
    /* The same messages through every batch level, all at once. */
    const uint8_t **ptrs = malloc(n * sizeof *ptrs);
    size_t *lens = malloc(n * sizeof *lens);
    uint8_t (*out)[32] = malloc(n * 32);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = kats[i].msg;
        lens[i] = kats[i].len;
    }
    for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
        if (!zs_cpu_has((zs_simd_t)level)) continue;
        memset(out, 0, n * 32);
        zs_keccak256_batch_with((zs_simd_t)level, ptrs, lens, n, out);
        for (size_t i = 0; i < n; i++) assert_memory_equal(out[i], kats[i].md, 32);
    }
    free(ptrs);
    free(lens);
    free(out);
    zs_test_free_kats(kats, n);
}

static void test_short_kats(void **state)
{
    check_kats("ethereum/keccak/pycryptodome_keccak_ShortMsgKAT_256.txt", 256);
}

static void test_long_kats(void **state)
{
    check_kats("ethereum/keccak/pycryptodome_keccak_LongMsgKAT_256.txt", 65);
}

/* 16,777,216 repetitions of a 64-byte text: 1 GiB through the stream API. */
static void test_extremely_long_kat(void **state)
{
    size_t n;
    char *text = zs_test_read_file(
        zs_test_path("ethereum/keccak/pycryptodome_keccak_ExtremelyLongMsgKAT_256.txt"), &n);
    char *rep = strstr(text, "Repeat = "), *txt = strstr(text, "Text = "), *md = strstr(text, "MD = ");
    assert_non_null(rep);
    assert_non_null(txt);
    assert_non_null(md);
    long repeat = strtol(rep + 9, NULL, 10);
    txt += 7;
    size_t tlen = strcspn(txt, "\r\n");
    md += 5;
    md[strcspn(md, "\r\n")] = '\0';
    uint8_t want[32], got[32];
    assert_int_equal(zs_hex_decode_exact(want, 32, md), 0);
    /* Feed 64 copies at a time to keep the call overhead out of the way. */
    uint8_t chunk[64 * 64];
    assert_int_equal(tlen, 64);
    for (int i = 0; i < 64; i++) memcpy(chunk + 64 * i, txt, 64);
    assert_int_equal(repeat % 64, 0);
    zs_keccak256_t ctx;
    zs_keccak256_init(&ctx);
    for (long i = 0; i < repeat / 64; i++) zs_keccak256_update(&ctx, chunk, sizeof chunk);
    zs_keccak256_final(&ctx, got);
    assert_memory_equal(got, want, 32);
    free(text);
}

/* Random messages of random lengths: every batch level equals one-shot,
   including lanes of very different lengths side by side. */
static void test_batch_random(void **state)
{
    zs_test_rng_t rng = {0x5eed0001};
    enum { N = 300 };
    static uint8_t data[N][700];
    const uint8_t *ptrs[N];
    size_t lens[N];
    static uint8_t want[N][32], got[N][32];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            lens[i] = round == 0 ? 32 : round == 1 ? 136 : zs_test_rng_u64(&rng) % 700;
            if (round == 3 && i % 8 == 0) lens[i] = 0;
            zs_test_rng_bytes(&rng, data[i], lens[i]);
            ptrs[i] = data[i];
            zs_keccak256_oneshot_portable(data[i], lens[i], want[i]);
        }
        for (int level = ZS_SIMD_SCALAR; level <= ZS_SIMD_AVX512; level++) {
            if (!zs_cpu_has((zs_simd_t)level)) continue;
            memset(got, 0, sizeof got);
            zs_keccak256_batch_with((zs_simd_t)level, ptrs, lens, N, got);
            assert_memory_equal(got, want, sizeof want);
        }
    }
    /* The fixed-size form. */
    static uint8_t flat[N * 64];
    zs_test_rng_bytes(&rng, flat, sizeof flat);
    zs_keccak256_batch_fixed(flat, 64, N, got);
    for (int i = 0; i < N; i++) {
        zs_keccak256(flat + 64 * i, 64, want[i]);
        assert_memory_equal(got[i], want[i], 32);
    }
}

/* The permutation variants agree on random states. */
static void test_permutation_variants(void **state)
{
    zs_test_rng_t rng = {0x5eed0002};
    for (int t = 0; t < 1000; t++) {
        uint64_t a[25], b[25];
        for (int i = 0; i < 25; i++) a[i] = b[i] = zs_test_rng_u64(&rng);
        zs_keccak_f1600_portable(a);
        if (zs_cpu_has(ZS_SIMD_AVX2)) {
            zs_keccak_f1600_bmi(b);
            assert_memory_equal(a, b, sizeof a);
        }
        zs_keccak_f1600(b);
    }
}

/* The round-constant table equals FIPS 202's rc(t) LFSR (Algorithm 5). */
static int lfsr_rc(int t)
{
    if (t % 255 == 0) return 1;
    unsigned r = 1; /* bit i of r is R[i] */
    for (int i = 1; i <= t % 255; i++) {
        unsigned r8 = (r >> 7) & 1;
        r = (r << 1) & 0x1ff;
        r ^= r8 | r8 << 4 | r8 << 5 | r8 << 6;
        r &= 0xff;
    }
    return r & 1;
}

static void test_round_constants(void **state)
{
    for (int ir = 0; ir < 24; ir++) {
        uint64_t rc = 0;
        for (int j = 0; j < 7; j++)
            if (lfsr_rc(j + 7 * ir)) rc |= 1ull << ((1 << j) - 1);
        assert_int_equal(rc, zs_keccak_rc[ir]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_constants),
        cmocka_unit_test(test_short_kats),
        cmocka_unit_test(test_long_kats),
        cmocka_unit_test(test_extremely_long_kat),
        cmocka_unit_test(test_batch_random),
        cmocka_unit_test(test_permutation_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
