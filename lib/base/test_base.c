/* Unit tests of lib/base: hex, error strings, CPU detection, the slab, the hash map. */
#include "tests/support/zs_test.h"

#include <string.h>

#include "lib/base/zs_cpu.h"
#include "lib/base/zs_err.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_grow.h"
#include "lib/base/zs_hmap.h"
#include "lib/base/zs_slab.h"

static void test_hex_roundtrip(void **state)
{
    uint8_t in[256], out[256];
    char txt[2 * 256 + 3];
    for (int i = 0; i < 256; i++) in[i] = (uint8_t)i;
    assert_int_equal(zs_hex_encode_0x(txt, in, 256), 2 + 512);
    assert_int_equal(txt[0], '0');
    size_t n = 0;
    assert_int_equal(zs_hex_decode(out, sizeof out, &n, txt, strlen(txt)), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(in, out, 256);
    /* Upper case and no prefix are accepted too. */
    assert_int_equal(zs_hex_decode(out, sizeof out, &n, "ABcd", 4), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(out[1], 0xcd);
}

static void test_hex_refusals(void **state)
{
    uint8_t out[4];
    size_t n = 99;
    assert_int_equal(zs_hex_decode(out, 4, &n, "0xabc", 5), ZS_ERR_PARSE);
    assert_int_equal(zs_hex_decode(out, 4, &n, "zz", 2), ZS_ERR_PARSE);
    assert_int_equal(zs_hex_decode(out, 4, &n, "0x0011223344", 12), ZS_ERR_RANGE);
    assert_int_equal(zs_hex_decode(out, 4, &n, "0x", 2), 0);
    assert_int_equal(n, 0);
    assert_int_equal(zs_hex_decode_exact(out, 4, "0x001122"), ZS_ERR_PARSE);
    assert_int_equal(zs_hex_decode_exact(out, 4, "0x00112233"), 0);
    assert_int_equal(out[3], 0x33);
}

static void test_strerror(void **state)
{
    for (int e = 0; e >= -16; e--) {
        const char *s = zs_strerror(e);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
    }
    assert_string_equal(zs_strerror(-1000), "unknown error");
    zs_perr_t pe = {0};
    assert_int_equal(zs_perr_set(&pe, ZS_ERR_PARSE, 7, "why"), ZS_ERR_PARSE);
    assert_int_equal(pe.offset, 7);
    assert_string_equal(pe.reason, "why");
}

static void test_cpu(void **state)
{
    zs_simd_t s = zs_cpu_simd();
    assert_true(zs_cpu_has(s));
    assert_true(zs_cpu_has(ZS_SIMD_SCALAR));
    /* AVX-512 as we use it implies AVX2. */
    if (zs_cpu_has(ZS_SIMD_AVX512)) assert_true(zs_cpu_has(ZS_SIMD_AVX2));
    assert_string_equal(zs_simd_name(ZS_SIMD_SCALAR), "scalar");
}

/* Objects come zeroed and distinct, a freed one is handed out again, and
   the slab grows by chunks and gives its memory back at the end; 400,000
   objects of 48 bytes take it past 16 MiB, where its chunks become huge
   pages of their own mapping. */
static void test_slab(void **state)
{
    (void)state;
    typedef struct {
        void *link;
        uint64_t v[5];
    } obj_t;
    zs_slab_t s = ZS_SLAB_INIT(sizeof(obj_t));
    enum { N = 400000 };
    static obj_t *got[N];
    for (int i = 0; i < N; i++) {
        got[i] = zs_slab_get(&s);
        assert_non_null(got[i]);
        for (int k = 0; k < 5; k++) assert_int_equal(got[i]->v[k], 0);
        got[i]->v[0] = (uint64_t)i + 1;
    }
    for (int i = 0; i < N; i++) assert_int_equal(got[i]->v[0], (uint64_t)i + 1); /* none overlap */
    assert_int_equal(s.in_use, N);
    assert_true(s.chunk_bytes >= N * sizeof(obj_t));
    size_t held = s.chunk_bytes;
    zs_slab_put(&s, got[17]);
    obj_t *again = zs_slab_get(&s);
    assert_ptr_equal(again, got[17]);
    assert_int_equal(again->v[0], 0);
    assert_int_equal(s.chunk_bytes, held);
    zs_slab_free_all(&s);
    assert_int_equal(s.chunk_bytes, 0);
    assert_int_equal(s.in_use, 0);
    /* Objects of a cache line each sit in one, in small and huge chunks. */
    zs_slab_t lines = ZS_SLAB_INIT(64);
    for (int i = 0; i < N; i++) {
        void *o = zs_slab_get(&lines);
        assert_non_null(o);
        if ((uintptr_t)o % 64) fail_msg("object %d at %p straddles two cache lines", i, o);
    }
    assert_true(lines.chunk_bytes > (16u << 20));
    zs_slab_free_all(&lines);
}

/* The intrusive map through its growth: every entry found by its key,
   a removed one gone, the others still there. */
typedef struct item {
    struct item *link;
    uint8_t key[32];
} item_t;

/* zs_grow: capacities double from the first until the need fits, the
   contents are kept, and an impossible size changes nothing. */
static void test_grow(void **state)
{
    (void)state;
    uint32_t *v = NULL;
    size_t cap = 0;
    assert_int_equal(zs_grow((void **)&v, &cap, 1, sizeof *v, 8), ZS_OK);
    assert_int_equal(cap, 8);
    for (uint32_t i = 0; i < 8; i++) v[i] = i;
    assert_int_equal(zs_grow((void **)&v, &cap, 5, sizeof *v, 8), ZS_OK); /* fits: nothing moves */
    assert_int_equal(cap, 8);
    assert_int_equal(zs_grow((void **)&v, &cap, 33, sizeof *v, 8), ZS_OK);
    assert_int_equal(cap, 64);
    for (uint32_t i = 0; i < 8; i++) assert_int_equal(v[i], i);
    uint32_t *before = v;
    assert_int_equal(zs_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof *v, 8), ZS_ERR_NOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 64);
    free(v);
}

static void test_hmap(void **state)
{
    (void)state;
    enum { N = 5000 };
    static item_t it[N];
    zs_hmap_t m = {0};
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 32; k++) it[i].key[k] = (uint8_t)((i * 2654435761u) >> (k % 24) ^ (uint8_t)k);
        memcpy(it[i].key, &i, sizeof i);
        memcpy(it[i].key + 4, &i, sizeof i);
        it[i].key[8] = (uint8_t)(i * 7);
        assert_int_equal(zs_hmap_put(&m, &it[i], offsetof(item_t, key)), 0);
    }
    assert_int_equal(m.count, N);
    assert_true(m.nb >= N);
    for (int i = 0; i < N; i++) assert_ptr_equal(zs_hmap_get(&m, it[i].key, 32, offsetof(item_t, key)), &it[i]);
    for (int i = 0; i < N; i += 2) zs_hmap_del(&m, &it[i], offsetof(item_t, key));
    assert_int_equal(m.count, N / 2);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(zs_hmap_get(&m, it[i].key, 32, offsetof(item_t, key)), i % 2 ? &it[i] : NULL);
    uint8_t absent[32] = {0xff};
    assert_null(zs_hmap_get(&m, absent, 32, offsetof(item_t, key)));
    zs_hmap_t empty = {0};
    assert_null(zs_hmap_get(&empty, absent, 32, 0));
    zs_hmap_del(&empty, &it[1], offsetof(item_t, key)); /* nothing there: no effect */
    free(m.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_roundtrip),
        cmocka_unit_test(test_hex_refusals),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_cpu),
        cmocka_unit_test(test_slab),
        cmocka_unit_test(test_hmap),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
