#include "lib/keccak/zs_keccak.h"

#include <string.h>

#include "lib/keccak/zs_keccak_internal.h"

#if !defined(__x86_64__)
/* Elsewhere (the firmware's aarch64 build) there are only the portable
   functions; zs_cpu_simd() says ZS_SIMD_NONE there. */
#define zs_keccak256_oneshot_bmi zs_keccak256_oneshot_portable
#define zs_keccak_f1600_bmi zs_keccak_f1600_portable
#endif

#define KFUNC keccak_f1600_portable
#define ONESHOT keccak256_oneshot_portable
#include "lib/keccak/zs_keccak_scalar.h"

void zs_keccak_f1600_portable(uint64_t state[25])
{
    keccak_f1600_portable(state);
}

void zs_keccak256_oneshot_portable(const uint8_t *p, size_t n, uint8_t out[32])
{
    keccak256_oneshot_portable(p, n, out);
}

/* The scalar permutation and one-shot used everywhere, chosen once. */
typedef void (*perm_fn)(uint64_t *);
typedef void (*oneshot_fn)(const uint8_t *, size_t, uint8_t *);
static perm_fn perm_best;
static oneshot_fn oneshot_best;

static void choose(void)
{
    int bmi = zs_cpu_simd() >= ZS_SIMD_AVX2;
    __atomic_store_n(&oneshot_best, bmi ? zs_keccak256_oneshot_bmi : zs_keccak256_oneshot_portable,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&perm_best, bmi ? zs_keccak_f1600_bmi : zs_keccak_f1600_portable,
                     __ATOMIC_RELEASE);
}

void zs_keccak_f1600(uint64_t state[25])
{
    perm_fn f = __atomic_load_n(&perm_best, __ATOMIC_ACQUIRE);
    if (!f) {
        choose();
        f = perm_best;
    }
    f(state);
}

void zs_keccak256(const void *data, size_t n, uint8_t out[32])
{
    oneshot_fn f = __atomic_load_n(&oneshot_best, __ATOMIC_RELAXED);
    if (__builtin_expect(!f, 0)) {
        choose();
        f = oneshot_best;
    }
    f(data, n, out);
}

void zs_keccak256_init(zs_keccak256_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

static void absorb_block(uint64_t s[25], const uint8_t *p)
{
    for (int i = 0; i < 17; i++) s[i] ^= load64(p + 8 * i);
    zs_keccak_f1600(s);
}

void zs_keccak256_update(zs_keccak256_t *ctx, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (ctx->buffered) {
        size_t take = ZS_KECCAK256_RATE - ctx->buffered;
        if (take > n) take = n;
        memcpy(ctx->buf + ctx->buffered, p, take);
        ctx->buffered += take;
        p += take;
        n -= take;
        if (ctx->buffered < ZS_KECCAK256_RATE) return;
        absorb_block(ctx->state, ctx->buf);
        ctx->buffered = 0;
    }
    while (n >= ZS_KECCAK256_RATE) {
        absorb_block(ctx->state, p);
        p += ZS_KECCAK256_RATE;
        n -= ZS_KECCAK256_RATE;
    }
    if (n) {
        memcpy(ctx->buf, p, n);
        ctx->buffered = n;
    }
}

void zs_keccak256_final(zs_keccak256_t *ctx, uint8_t out[32])
{
    memset(ctx->buf + ctx->buffered, 0, ZS_KECCAK256_RATE - ctx->buffered);
    ctx->buf[ctx->buffered] ^= 0x01;
    ctx->buf[ZS_KECCAK256_RATE - 1] ^= 0x80;
    absorb_block(ctx->state, ctx->buf);
    memcpy(out, ctx->state, 32);
}

/* Batch entry points: lanes of 8 (AVX-512) or 4 (AVX2), the rest one by one. */
void zs_keccak256_batch_with(zs_simd_t level, const uint8_t *const *msgs, const size_t *lens,
                             size_t n, uint8_t (*out)[32])
{
    size_t i = 0;
#if defined(__x86_64__)
    if (level >= ZS_SIMD_AVX512) {
        for (; i + 8 <= n; i += 8) {
            uint8_t (*o[8])[32];
            for (int l = 0; l < 8; l++) o[l] = &out[i + l];
            zs_keccak256_x8_avx512(msgs + i, lens + i, o);
        }
    }
    if (level >= ZS_SIMD_AVX2) {
        for (; i + 4 <= n; i += 4) {
            uint8_t (*o[4])[32];
            for (int l = 0; l < 4; l++) o[l] = &out[i + l];
            zs_keccak256_x4_avx2(msgs + i, lens + i, o);
        }
    }
#endif
    oneshot_fn one = level >= ZS_SIMD_AVX2 ? zs_keccak256_oneshot_bmi : zs_keccak256_oneshot_portable;
    for (; i < n; i++) one(msgs[i], lens[i], out[i]);
}

void zs_keccak256_batch(const uint8_t *const *msgs, const size_t *lens, size_t n, uint8_t (*out)[32])
{
    zs_keccak256_batch_with(zs_cpu_simd(), msgs, lens, n, out);
}

void zs_keccak256_batch_fixed(const uint8_t *data, size_t msg_len, size_t n, uint8_t (*out)[32])
{
    /* Work in chunks of 64 so the pointer tables stay on the stack. */
    const uint8_t *ptrs[64];
    size_t lens[64];
    zs_simd_t level = zs_cpu_simd();
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 64 ? n - done : 64;
        for (size_t i = 0; i < k; i++) {
            ptrs[i] = data + (done + i) * msg_len;
            lens[i] = msg_len;
        }
        zs_keccak256_batch_with(level, ptrs, lens, k, out + done);
        done += k;
    }
}
