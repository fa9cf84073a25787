/* zs_frame: the exchange ingress wire format, versions 1 and 2
   (PROTOCOL.md): submit frames (client to box) and answer frames (box to
   client: answers, refusals, durable and execution confirmations), with
   optional HMAC-SHA256 (mbedTLS).  Pure functions over byte buffers: the
   box's UDP and DPDK paths and zkseq-txgen share them.
   Thread safety: none needed (no state). */
#ifndef ZS_FRAME_H
#define ZS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_FRAME_VERSION 1   /* what a builder writes unless asked for more */
#define ZS_FRAME_VERSION_MAX 2
#define ZS_FRAME_MAX 65507      /* one UDP datagram */
#define ZS_FRAME_MAX_TXS 64
#define ZS_FRAME_HEADER 26
#define ZS_FRAME_ENTRY 48       /* one answer or durable confirmation entry */
#define ZS_FRAME_EXEC_ENTRY 64  /* one execution confirmation entry (v2) */
#define ZS_FRAME_MAC 32
#define ZS_FRAME_ANSWERS_KEPT 1024 /* a client's last frames whose answers the box keeps for retries */
#define ZS_FRAME_FLAG_HMAC 1u
#define ZS_FRAME_FLAG_CONFIRM 2u /* submit: send soft (durable) confirmations */
#define ZS_FRAME_FLAG_EXECUTED 4u /* submit, v2: send execution confirmations */

enum { ZS_FRAME_SUBMIT = 1, ZS_FRAME_ANSWER = 2, ZS_FRAME_CONFIRM = 3, ZS_FRAME_REFUSED = 4, ZS_FRAME_EXECUTED = 5 };

/* Why a submit frame is refused (answered with kind 4) or dropped. */
typedef enum {
    ZS_FRAME_OK = 0,
    ZS_FRAME_TRUNCATED = 1,
    ZS_FRAME_BAD_COUNT = 2,
    ZS_FRAME_TRAILING = 3,
    ZS_FRAME_BAD_FLAGS = 4,
    ZS_FRAME_UNKNOWN_KEY = 5,
    ZS_FRAME_BAD_KIND = 6,
    ZS_FRAME_BUSY = 7,         /* the box's queue is full: send the same frame again shortly */
    /* Dropped without an answer: */
    ZS_FRAME_BAD_MAGIC = 16,   /* wrong magic or version */
    ZS_FRAME_BAD_HMAC = 17,
    ZS_FRAME_MISSING_HMAC = 18,
    ZS_FRAME_REASON_MAX = 19
} zs_frame_err_t;

const char *zs_frame_err_id(zs_frame_err_t e);

typedef struct {
    uint8_t version;
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
/* Asks for soft (durable) confirmations (call before finish). */
void zs_frame_submit_want_confirm(zs_frame_builder_t *b);
/* Asks for execution confirmations: makes the frame a version 2 frame. */
void zs_frame_submit_want_executed(zs_frame_builder_t *b);
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

/* Whom the box's frames answer: the submit's version, client id and
   sequence number, and the client's key (NULL: none). */
typedef struct {
    uint8_t version;
    uint64_t client, seq;
    const uint8_t *key;
    size_t keylen;
} zs_frame_to_t;

/* zs_frame_answer writes an answer frame (kind 2) with n entries, or a
   frame refusal (kind 4, entries NULL, n 0, reason set); returns its
   length or ZS_ERR_FULL. */
long zs_frame_answer(uint8_t *buf, size_t cap, const zs_frame_to_t *to, const zs_answer_entry_t *e, uint16_t n,
                     uint16_t refusal);

/* A confirmation entry: the transaction is in an L2 block.  status,
   gas_used and logs travel only in execution confirmations (kind 5). */
typedef struct {
    uint8_t hash[32];
    uint64_t block, gas_used;
    uint32_t index, logs;
    uint8_t status; /* 1 success, 0 reverted (a receipt's status) */
} zs_confirm_entry_t;

/* zs_frame_confirm writes a confirmation frame for the submit `to`: kind 3
   (durable: its block is committed; 48-byte entries) or kind 5 (executed
   in the open block, version 2 only; 64-byte entries); n entries; returns
   its length or ZS_ERR_FULL. */
long zs_frame_confirm(uint8_t *buf, size_t cap, const zs_frame_to_t *to, int kind, const zs_confirm_entry_t *e,
                      uint16_t n);

/* What a client reads from the head of a frame the box sent. */
typedef struct {
    uint8_t version;
    int kind;
    uint64_t client, seq;
    uint16_t n;
} zs_frame_head_t;

/* The kind of a frame the box sent (2 to 5), or 0 when it is none. */
int zs_frame_kind(const uint8_t *p, size_t len);

/* zs_frame_parse_answer (clients) reads an answer frame; with key, its HMAC
   must be present and right.  h->kind gets 2 or 4; for 4, *refusal the
   reason.  Returns 0 or ZS_ERR_PARSE / ZS_ERR_CRYPTO. */
ZS_MUST_USE int zs_frame_parse_answer(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen,
                                      zs_frame_head_t *h, zs_answer_entry_t *e, uint16_t *refusal);
/* zs_frame_parse_confirm (clients) reads a confirmation frame (kind 3 or
   5, in h->kind); 0, ZS_ERR_PARSE or ZS_ERR_CRYPTO. */
ZS_MUST_USE int zs_frame_parse_confirm(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen,
                                       zs_frame_head_t *h, zs_confirm_entry_t *e);

#endif
