#include "lib/base/zs_cpu.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__) && !defined(ZS_SINGLE_THREAD)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int zs_cpu_has(zs_simd_t level)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (level) {
    case ZS_SIMD_SCALAR: return 1;
    case ZS_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("bmi2");
    case ZS_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("bmi2");
    }
    return 0;
#else
    return level == ZS_SIMD_SCALAR;
#endif
}

const char *zs_simd_name(zs_simd_t level)
{
    switch (level) {
    case ZS_SIMD_AVX2: return "avx2";
    case ZS_SIMD_AVX512: return "avx512";
    default: return "scalar";
    }
}

zs_simd_t zs_cpu_simd(void)
{
    static int cached = -1;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c >= 0) return (zs_simd_t)c;
    zs_simd_t best = ZS_SIMD_SCALAR;
    if (zs_cpu_has(ZS_SIMD_AVX2)) best = ZS_SIMD_AVX2;
    if (zs_cpu_has(ZS_SIMD_AVX512)) best = ZS_SIMD_AVX512;
    const char *cap = getenv("ZS_SIMD");
    if (cap) {
        if (!strcmp(cap, "scalar")) best = ZS_SIMD_SCALAR;
        else if (!strcmp(cap, "avx2") && best > ZS_SIMD_AVX2) best = ZS_SIMD_AVX2;
    }
    __atomic_store_n(&cached, (int)best, __ATOMIC_RELAXED);
    return best;
}

void zs_cpu_background(int nice)
{
#if defined(__linux__) && !defined(ZS_SINGLE_THREAD)
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
#else
    (void)nice; /* the firmware's board has one thread of its own */
#endif
}
