/* zs_time: the two clock reads zkseq needs everywhere. */
#ifndef ZS_TIME_H
#define ZS_TIME_H

#include <stdint.h>
#include <time.h>

/* Monotonic nanoseconds, for measuring. */
static inline uint64_t zs_mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The CLOCK_REALTIME instant ms milliseconds from now, as
   pthread_cond_timedwait wants it. */
static inline struct timespec zs_deadline_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

#endif
