/* The scalar Keccak built with BMI1/BMI2 (see Local.mk): chi's ~b & c is one
   ANDN and rotations are RORX.  Called only when zs_cpu_has(ZS_SIMD_AVX2). */
#include "lib/keccak/zs_keccak.h"
#include "lib/keccak/zs_keccak_internal.h"

#define KFUNC keccak_f1600_bmi
#define ONESHOT keccak256_oneshot_bmi
#include "lib/keccak/zs_keccak_scalar.h"

void zs_keccak_f1600_bmi(uint64_t state[25])
{
    keccak_f1600_bmi(state);
}

void zs_keccak256_oneshot_bmi(const uint8_t *p, size_t n, uint8_t out[32])
{
    keccak256_oneshot_bmi(p, n, out);
}
