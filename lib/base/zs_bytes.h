/* zs_bytes: fixed-width integers to and from bytes, little- and big-endian,
   for on-disk and wire formats (the pool's log and checkpoint, the
   firmware's journal, store keys).  Pure, inline, any thread. */
#ifndef ZS_BYTES_H
#define ZS_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void zs_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void zs_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t zs_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t zs_get_le64(const uint8_t *p)
{
    return (uint64_t)zs_get_le32(p) | (uint64_t)zs_get_le32(p + 4) << 32;
}

static inline void zs_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* 1 when all n bytes are zero (a root or hash not given). */
static inline int zs_bytes_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static inline uint64_t zs_get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

#endif
