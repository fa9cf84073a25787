/* zs_ring: a single-producer single-consumer ring of variable-length
   records in memory that two processes (or a host and a controller across
   PCIe) share: the mailbox's command and event rings.

   The ring is a control block (zs_ring_ctl_t: the producer's head and the
   consumer's tail, free-running byte counters on separate cache lines) and
   a data area of a power-of-two size that the caller places (a shared
   mapping, a BAR).  A record is an 8-byte header (payload length, type)
   and the payload, padded to 8 bytes; a record never wraps: when it does
   not fit before the end of the area, a pad record fills the rest.  The
   producer writes the record, then publishes the head (release); the
   consumer reads the head (acquire), then the record, then publishes the
   tail.  Nothing allocates or locks.

   The data is shared with another party: the consumer checks every header
   it reads and reports ZS_ERR_CORRUPT rather than trusting a length.

   Thread safety: one producer and one consumer, each on its own thread (or
   side); zs_ring_reset only while neither uses the ring. */
#ifndef ZS_RING_H
#define ZS_RING_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

typedef struct {
    uint32_t head; /* bytes ever written (producer) */
    uint8_t pad0[60];
    uint32_t tail; /* bytes ever consumed (consumer) */
    uint8_t pad1[60];
} zs_ring_ctl_t;

#define ZS_RING_HDR 8
#define ZS_RING_PAD_TYPE 0

typedef struct {
    zs_ring_ctl_t *ctl;
    uint8_t *data;
    uint32_t size; /* power of two, at least 64 */
} zs_ring_t;

/* zs_ring_init binds r to a control block and data area (no writes). */
ZS_MUST_USE int zs_ring_init(zs_ring_t *r, void *ctl, void *data, uint32_t size);
/* zs_ring_reset empties the ring (both counters to 0). */
void zs_ring_reset(zs_ring_t *r);

/* zs_ring_max_payload is the largest payload a record may carry (a quarter
   of the ring, so a record always fits once the consumer catches up). */
uint32_t zs_ring_max_payload(const zs_ring_t *r);

/* zs_ring_push writes one record of type (1..65535) whose payload is the
   two pieces a[0..alen) and b[0..blen) (b may be NULL), and publishes it.
   0, ZS_ERR_FULL (no room now: try again once the consumer moves),
   ZS_ERR_RANGE (larger than zs_ring_max_payload) or ZS_ERR_INVAL. */
ZS_MUST_USE int zs_ring_push(zs_ring_t *r, uint16_t type, const void *a, uint32_t alen, const void *b, uint32_t blen);

/* zs_ring_peek finds the next record: 1 with *type, *payload (pointing
   into the ring; valid until zs_ring_pop) and *len, 0 when empty, or
   ZS_ERR_CORRUPT when the counters or a header make no sense. */
ZS_MUST_USE int zs_ring_peek(zs_ring_t *r, uint16_t *type, const uint8_t **payload, uint32_t *len);
/* zs_ring_pop consumes the record zs_ring_peek returned. */
void zs_ring_pop(zs_ring_t *r);

/* Bytes used (for status). */
uint32_t zs_ring_used(const zs_ring_t *r);

#endif
