/* zs_cpu: which SIMD instruction sets this CPU and OS offer, decided once at
   run time, so one binary runs on every x86-64 and uses AVX2 or AVX-512 where
   they exist.

   The environment variable ZS_SIMD=scalar|avx2|avx512 caps the choice (to
   compare paths, or to work around a faulty CPU); it can never enable what
   the CPU lacks.  Thread safety: any thread; the answer is computed on first
   use and never changes. */
#ifndef ZS_CPU_H
#define ZS_CPU_H

typedef enum {
    ZS_SIMD_SCALAR = 0,
    ZS_SIMD_AVX2 = 1,   /* AVX2 + BMI2 */
    ZS_SIMD_AVX512 = 2, /* AVX-512 F, VL, DQ, BW + BMI2 */
} zs_simd_t;

/* zs_cpu_simd returns the best level allowed (CPU and ZS_SIMD). */
zs_simd_t zs_cpu_simd(void);

/* zs_cpu_has returns 1 if the CPU supports level (ignoring ZS_SIMD). */
int zs_cpu_has(zs_simd_t level);

/* zs_simd_name returns "scalar", "avx2" or "avx512". */
const char *zs_simd_name(zs_simd_t level);

/* zs_cpu_background lowers the calling thread's scheduling priority (nice
   0 to 19): work that can wait a little (writing sealed blocks, the data
   stream) then yields the cores to the threads a transaction's answer and
   confirmations wait on whenever both are busy.  Best effort. */
void zs_cpu_background(int nice);

#endif
