/* Keccak-256 against OpenSSL's SHA3-256 (the same permutation), and
   Poseidon permutations per second per core on every implementation level. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_cpu.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tools/bench/bench.h"

typedef struct {
    uint8_t *buf;
    size_t len;
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    const uint8_t *ptrs[64];
    size_t lens[64];
    uint8_t out[64][32];
} kctx_t;

static void run_openssl(void *a, uint64_t iters)
{
    kctx_t *k = a;
    uint8_t out[32];
    unsigned int olen;
    for (uint64_t i = 0; i < iters; i++) {
        EVP_DigestInit_ex(k->ctx, k->md, NULL);
        EVP_DigestUpdate(k->ctx, k->buf, k->len);
        EVP_DigestFinal_ex(k->ctx, out, &olen);
        k->buf[0] ^= out[0]; /* chain the calls so none can be skipped */
    }
}

static void run_oneshot(void *a, uint64_t iters)
{
    kctx_t *k = a;
    uint8_t out[32];
    for (uint64_t i = 0; i < iters; i++) {
        zs_keccak256(k->buf, k->len, out);
        k->buf[0] ^= out[0];
    }
}

static void run_batch(void *a, uint64_t iters)
{
    kctx_t *k = a;
    for (uint64_t i = 0; i < iters; i++) zs_keccak256_batch(k->ptrs, k->lens, 64, k->out);
}

void bench_keccak(const bench_opts_t *o)
{
    static const size_t sizes[] = {32, 136, 1024, 16384};
    kctx_t k;
    k.md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    k.ctx = EVP_MD_CTX_new();
    if (!k.md || !k.ctx) {
        bench_note("keccak", "OpenSSL SHA3-256 unavailable: no reference, suite skipped");
        return;
    }
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t len = sizes[s];
        k.len = len;
        k.buf = calloc(1, len * 64);
        for (size_t i = 0; i < len * 64; i++) k.buf[i] = (uint8_t)(i * 131 + 7);
        for (int i = 0; i < 64; i++) {
            k.ptrs[i] = k.buf + i * len;
            k.lens[i] = len;
        }
        double ossl, one, ossl2, batch;
        bench_compare(o, run_oneshot, &k, 1, run_openssl, &k, 1, &one, &ossl);
        bench_compare(o, run_batch, &k, 64, run_openssl, &k, 1, &batch, &ossl2);
        if (ossl2 > ossl) ossl = ossl2;
        char name[96];
        snprintf(name, sizeof name, "keccak256 one-shot, %zu-byte messages", len);
        bench_record("keccak", name, one, "hash/s", "OpenSSL EVP SHA3-256", ossl, 1.4, 0);
        snprintf(name, sizeof name, "keccak256 batch (%s), %zu-byte messages", zs_simd_name(zs_cpu_simd()), len);
        bench_record("keccak", name, batch, "hash/s", "OpenSSL EVP SHA3-256", ossl, len <= 136 ? 15e6 : 0,
                     1);
        free(k.buf);
    }
    EVP_MD_CTX_free(k.ctx);
    EVP_MD_free(k.md);
}

typedef struct {
    uint64_t (*st)[12];
    uint64_t (*out)[4];
    size_t n;
    zs_simd_t level;
} pctx_t;

static void run_scalar(void *a, uint64_t iters)
{
    pctx_t *p = a;
    for (uint64_t i = 0; i < iters; i++) zs_poseidon_permute_portable(p->st[i % p->n]);
}

static void run_level(void *a, uint64_t iters)
{
    pctx_t *p = a;
    for (uint64_t i = 0; i < iters; i++) zs_poseidon_permute_batch_with(p->level, p->st, p->n);
}

static void run_hash_batch(void *a, uint64_t iters)
{
    pctx_t *p = a;
    for (uint64_t i = 0; i < iters; i++) zs_poseidon_hash_batch((const uint64_t(*)[12])p->st, p->out, p->n);
}

void bench_poseidon(const bench_opts_t *o)
{
    pctx_t p;
    p.n = 256;
    p.st = malloc(p.n * sizeof *p.st);
    p.out = malloc(p.n * sizeof *p.out);
    for (size_t i = 0; i < p.n; i++)
        for (int j = 0; j < 12; j++) p.st[i][j] = (i * 12 + (size_t)j) * 0x9e3779b97f4a7c15ull % 0xffffffff00000001ull;
    double scalar = bench_rate(o, run_scalar, &p, 1);
    static const char *names[] = {"", "permutations, AVX2 (4 lanes)", "permutations, AVX-512 (8 lanes)"};
    static const double goals[] = {0, 1.0e6, 1.36e6};
    for (int level = ZS_SIMD_AVX2; level <= ZS_SIMD_AVX512; level++) {
        if (!zs_cpu_has((zs_simd_t)level)) {
            bench_note("poseidon", level == ZS_SIMD_AVX2 ? "no AVX2 on this CPU" : "no AVX-512 on this CPU");
            continue;
        }
        p.level = (zs_simd_t)level;
        double r, sc;
        bench_compare(o, run_level, &p, (double)p.n, run_scalar, &p, 1, &r, &sc);
        if (sc > scalar) scalar = sc;
        bench_record("poseidon", names[level], r, "perm/s", "portable scalar, same run", scalar, goals[level], 1);
    }
    double b, sc;
    bench_compare(o, run_hash_batch, &p, (double)p.n, run_scalar, &p, 1, &b, &sc);
    if (sc > scalar) scalar = sc;
    char name[96];
    snprintf(name, sizeof name, "hash batch API (%s)", zs_simd_name(zs_cpu_simd()));
    bench_record("poseidon", name, b, "perm/s", "portable scalar, same run", scalar,
                 goals[zs_cpu_simd()], 1);
    bench_record("poseidon", "permutations, portable scalar (best of the run)", scalar, "perm/s", NULL, 0, 0, 0);
    bench_note("poseidon", "For scale (not measured here): Polygon's goldilocks C++ library does about 343 k/s scalar, "
                           "720 k/s AVX2 and 907 k/s AVX-512 per core on an AMD EPYC with AVX-512.");
    free(p.st);
    free(p.out);
}
