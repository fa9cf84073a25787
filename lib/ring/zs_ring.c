#include "lib/ring/zs_ring.h"

#include <string.h>

static inline uint32_t load_acq(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void store_rel(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline uint32_t round8(uint32_t n) { return (n + 7u) & ~7u; }

int zs_ring_init(zs_ring_t *r, void *ctl, void *data, uint32_t size)
{
    if (!r || !ctl || !data || size < 64 || (size & (size - 1)) || size > (1u << 30))
        return ZS_ERR_INVAL;
    r->ctl = ctl;
    r->data = data;
    r->size = size;
    return ZS_OK;
}

void zs_ring_reset(zs_ring_t *r)
{
    store_rel(&r->ctl->head, 0);
    store_rel(&r->ctl->tail, 0);
}

uint32_t zs_ring_max_payload(const zs_ring_t *r)
{
    return r->size / 4 - ZS_RING_HDR;
}

uint32_t zs_ring_used(const zs_ring_t *r)
{
    return load_acq(&r->ctl->head) - load_acq(&r->ctl->tail);
}

static void put_hdr(uint8_t *p, uint32_t len, uint16_t type)
{
    uint8_t h[ZS_RING_HDR] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24),
                              (uint8_t)type, (uint8_t)(type >> 8), 0, 0};
    memcpy(p, h, sizeof h);
}

int zs_ring_push(zs_ring_t *r, uint16_t type, const void *a, uint32_t alen, const void *b, uint32_t blen)
{
    if (type == ZS_RING_PAD_TYPE || (alen && !a) || (blen && !b))
        return ZS_ERR_INVAL;
    uint32_t max = zs_ring_max_payload(r);
    if (alen > max || blen > max - alen)
        return ZS_ERR_RANGE;
    uint32_t len = alen + blen, need = ZS_RING_HDR + round8(len);
    uint32_t head = r->ctl->head; /* only we write it */
    uint32_t tail = load_acq(&r->ctl->tail);
    uint32_t off = head & (r->size - 1), to_end = r->size - off;
    uint32_t pad = need > to_end ? to_end : 0;
    if (head - tail > r->size || r->size - (head - tail) < pad + need)
        return ZS_ERR_FULL;
    if (pad) {
        put_hdr(r->data + off, to_end - ZS_RING_HDR, ZS_RING_PAD_TYPE);
        head += pad;
        off = 0;
    }
    put_hdr(r->data + off, len, type);
    if (alen) memcpy(r->data + off + ZS_RING_HDR, a, alen);
    if (blen) memcpy(r->data + off + ZS_RING_HDR + alen, b, blen);
    store_rel(&r->ctl->head, head + need);
    return ZS_OK;
}

int zs_ring_peek(zs_ring_t *r, uint16_t *type, const uint8_t **payload, uint32_t *len)
{
    for (;;) {
        uint32_t tail = r->ctl->tail; /* only we write it */
        uint32_t head = load_acq(&r->ctl->head);
        uint32_t avail = head - tail;
        if (!avail)
            return 0;
        if (avail > r->size || avail < ZS_RING_HDR || (tail & 7u))
            return ZS_ERR_CORRUPT;
        uint32_t off = tail & (r->size - 1), to_end = r->size - off;
        const uint8_t *h = r->data + off;
        uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        uint16_t t = (uint16_t)(h[4] | h[5] << 8);
        if (n > to_end - ZS_RING_HDR || ZS_RING_HDR + round8(n) > avail)
            return ZS_ERR_CORRUPT;
        if (t == ZS_RING_PAD_TYPE) {
            if (ZS_RING_HDR + n != to_end)
                return ZS_ERR_CORRUPT;
            store_rel(&r->ctl->tail, tail + to_end);
            continue;
        }
        *type = t;
        *payload = h + ZS_RING_HDR;
        *len = n;
        return 1;
    }
}

void zs_ring_pop(zs_ring_t *r)
{
    uint32_t tail = r->ctl->tail;
    const uint8_t *h = r->data + (tail & (r->size - 1));
    uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    store_rel(&r->ctl->tail, tail + ZS_RING_HDR + round8(n));
}
