/* ZS_FUZZ_CHECK: a fuzz target's property; a failed one aborts, which
   libFuzzer reports as a crash with the input that broke it (header only:
   the targets link no test library). */
#ifndef ZS_FUZZ_CHECK_H
#define ZS_FUZZ_CHECK_H

#include <stdlib.h>

#define ZS_FUZZ_CHECK(c) \
    do { \
        if (!(c)) abort(); \
    } while (0)

#endif
