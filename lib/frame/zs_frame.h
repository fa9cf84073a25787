/* zs_frame: the exchange ingress wire format, version 1 (PROTOCOL.md):
   submit frames (client to box) and answer frames (box to client), with
   optional HMAC-SHA256 (mbedTLS).  Pure functions over byte buffers: the
   box's UDP and DPDK paths and zkseq-txgen share them.
   Thread safety: none needed (no state). */
#ifndef ZS_FRAME_H
#define ZS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_FRAME_VERSION 1
#define ZS_FRAME_MAX 65507      /* one UDP datagram */
#define ZS_FRAME_MAX_TXS 64
#define ZS_FRAME_HEADER 26
#define ZS_FRAME_ENTRY 48       /* one answer entry */
#define ZS_FRAME_MAC 32
#define ZS_FRAME_FLAG_HMAC 1u
#define ZS_FRAME_FLAG_CONFIRM 2u /* submit: send soft confirmations */

enum { ZS_FRAME_SUBMIT = 1, ZS_FRAME_ANSWER = 2, ZS_FRAME_CONFIRM = 3, ZS_FRAME_REFUSED = 4 };

/* Why a submit frame is refused (answered with kind 4) or dropped. */
typedef enum {
    ZS_FRAME_OK = 0,
    ZS_FRAME_TRUNCATED = 1,
    ZS_FRAME_BAD_COUNT = 2,
    ZS_FRAME_TRAILING = 3,
    ZS_FRAME_BAD_FLAGS = 4,
    ZS_FRAME_UNKNOWN_KEY = 5,
    ZS_FRAME_BAD_KIND = 6,
    /* Dropped without an answer: */
    ZS_FRAME_BAD_MAGIC = 16,   /* wrong magic or version */
    ZS_FRAME_BAD_HMAC = 17,
    ZS_FRAME_MISSING_HMAC = 18,
    ZS_FRAME_REASON_MAX = 19
} zs_frame_err_t;

const char *zs_frame_err_id(zs_frame_err_t e);

typedef struct {
    uint16_t flags;
    uint64_t client, seq;
    uint16_t n;
    const uint8_t *tx[ZS_FRAME_MAX_TXS]; /* point into the frame */
    uint16_t len[ZS_FRAME_MAX_TXS];
    size_t mac_off;                      /* where the HMAC starts (flag set) */
} zs_submit_frame_t;

/* zs_frame_parse_submit checks and splits a submit frame (not its HMAC:
   see zs_frame_check_mac).  Returns ZS_FRAME_OK or the reason; the header
   fields (client, seq) are filled whenever the header was complete. */
zs_frame_err_t zs_frame_parse_submit(const uint8_t *p, size_t len, zs_submit_frame_t *out);

/* HMAC-SHA256 of p[0..len) with key; 0 or ZS_ERR_CRYPTO. */
ZS_MUST_USE int zs_frame_mac(const uint8_t *key, size_t keylen, const uint8_t *p, size_t len, uint8_t out[32]);
/* 1 if the 32 bytes at p + len are the HMAC of p[0..len) (constant time). */
int zs_frame_check_mac(const uint8_t *key, size_t keylen, const uint8_t *p, size_t len);

/* Building a submit (clients): start, add transactions, finish (with a key
   or NULL).  Return the frame length, or ZS_ERR_FULL. */
typedef struct {
    uint8_t *p;
    size_t cap, len;
    uint16_t n;
} zs_frame_builder_t;
void zs_frame_submit_begin(zs_frame_builder_t *b, uint8_t *buf, size_t cap, uint64_t client, uint64_t seq);
/* Asks for soft confirmations (call before finish). */
void zs_frame_submit_want_confirm(zs_frame_builder_t *b);
ZS_MUST_USE int zs_frame_submit_add(zs_frame_builder_t *b, const uint8_t *tx, size_t len);
long zs_frame_submit_finish(zs_frame_builder_t *b, const uint8_t *key, size_t keylen);

/* One answer entry. */
typedef struct {
    uint8_t status; /* 0 accepted, 1 refused */
    uint8_t reason;
    uint16_t index;
    uint64_t arrival;
    uint8_t hash[32];
} zs_answer_entry_t;

/* zs_frame_answer writes an answer frame (kind 2) with n entries, or a
   frame refusal (kind 4, entries NULL, n 0, reason set); returns its
   length or ZS_ERR_FULL. */
long zs_frame_answer(uint8_t *buf, size_t cap, uint64_t client, uint64_t seq, const zs_answer_entry_t *e, uint16_t n,
                     uint16_t refusal, const uint8_t *key, size_t keylen);

/* A soft confirmation entry: the transaction is in an L2 block. */
typedef struct {
    uint8_t hash[32];
    uint64_t block;
    uint32_t index;
} zs_confirm_entry_t;

/* zs_frame_confirm writes a soft confirmation frame (kind 3) for the submit
   (client, seq): n entries of 48 bytes; returns its length or ZS_ERR_FULL. */
long zs_frame_confirm(uint8_t *buf, size_t cap, uint64_t client, uint64_t seq, const zs_confirm_entry_t *e, uint16_t n,
                      const uint8_t *key, size_t keylen);
/* zs_frame_parse_confirm (clients); 0, ZS_ERR_PARSE or ZS_ERR_CRYPTO. */
ZS_MUST_USE int zs_frame_parse_confirm(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen, uint64_t *client,
                                       uint64_t *seq, zs_confirm_entry_t *e, uint16_t *n);

/* zs_frame_parse_answer (clients) reads an answer frame; with key, its HMAC
   must be present and right.  kind gets 2 or 4; for 4, *refusal the
   reason.  Returns 0 or ZS_ERR_PARSE / ZS_ERR_CRYPTO. */
ZS_MUST_USE int zs_frame_parse_answer(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen, int *kind,
                                      uint64_t *client, uint64_t *seq, zs_answer_entry_t *e, uint16_t *n,
                                      uint16_t *refusal);

#endif
