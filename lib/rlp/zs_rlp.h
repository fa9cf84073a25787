/* zs_rlp: Ethereum's Recursive Length Prefix encoding.

   Decoding is strict, as consensus code must be: only canonical headers
   (single bytes below 0x80 stand for themselves, short forms wherever they
   fit, long lengths without leading zero bytes), payloads that fit inside
   their parent, and integers without leading zero bytes.  Every refusal says
   why and at which byte offset (zs_perr_t).  Decoding never copies: items
   point into the caller's buffer, which must outlive them.

   Encoding appends to a caller-provided buffer and never allocates; running
   out of room sets a sticky overflow flag that zs_rlp_enc_finish reports.

   Thread safety: pure functions on caller-owned memory; any thread. */
#ifndef ZS_RLP_H
#define ZS_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/u256/zs_u256.h"

typedef enum { ZS_RLP_BYTES = 0, ZS_RLP_LIST = 1 } zs_rlp_kind_t;

typedef struct {
    zs_rlp_kind_t kind;
    const uint8_t *payload; /* bytes of a string, or the encoded items of a list */
    size_t len;             /* payload length */
    size_t offset;          /* where the item's header starts, from the outermost buffer */
    size_t total;           /* header + payload length */
} zs_rlp_item_t;

/* zs_rlp_decode_item reads the one item that starts at buf[0] (buf holds n
   bytes, the first at absolute offset base in the outermost input, for error
   reports).  Trailing bytes after the item are allowed here; see
   zs_rlp_decode_exact.  Returns 0 or ZS_ERR_PARSE with *e filled. */
ZS_MUST_USE int zs_rlp_decode_item(const uint8_t *buf, size_t n, size_t base, zs_rlp_item_t *item,
                                   zs_perr_t *e);

/* zs_rlp_decode_exact is zs_rlp_decode_item that also refuses trailing bytes. */
ZS_MUST_USE int zs_rlp_decode_exact(const uint8_t *buf, size_t n, zs_rlp_item_t *item, zs_perr_t *e);

/* zs_rlp_validate checks that buf is exactly one item whose nested lists are
   all well formed, at most max_depth deep (the outermost list is depth 1). */
ZS_MUST_USE int zs_rlp_validate(const uint8_t *buf, size_t n, int max_depth, zs_perr_t *e);

/* Iterating over the items of a list. */
typedef struct {
    const uint8_t *p;
    size_t left;
    size_t offset;
} zs_rlp_iter_t;

void zs_rlp_iter_init(zs_rlp_iter_t *it, const zs_rlp_item_t *list);
/* Returns 1 and fills *item, 0 at the end of the list, or ZS_ERR_PARSE. */
int zs_rlp_iter_next(zs_rlp_iter_t *it, zs_rlp_item_t *item, zs_perr_t *e);

/* zs_rlp_list_items decodes every item of list into items[0..max) and
   stores the count; more than max items is ZS_ERR_PARSE ("too many"). */
ZS_MUST_USE int zs_rlp_list_items(const zs_rlp_item_t *list, zs_rlp_item_t *items, size_t max,
                                  size_t *count, zs_perr_t *e);

/* Integers: a byte string of at most 8 (32) bytes with no leading zero. */
ZS_MUST_USE int zs_rlp_get_u64(const zs_rlp_item_t *item, uint64_t *v, zs_perr_t *e);
ZS_MUST_USE int zs_rlp_get_u256(const zs_rlp_item_t *item, zs_u256_t *v, zs_perr_t *e);

/* Encoder. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int overflow;
} zs_rlp_enc_t;

void zs_rlp_enc_init(zs_rlp_enc_t *enc, uint8_t *buf, size_t cap);
void zs_rlp_enc_bytes(zs_rlp_enc_t *enc, const uint8_t *p, size_t n);
void zs_rlp_enc_u64(zs_rlp_enc_t *enc, uint64_t v);
void zs_rlp_enc_u256(zs_rlp_enc_t *enc, const zs_u256_t *v);
/* Appends bytes that are already RLP (an encoded item or items). */
void zs_rlp_enc_raw(zs_rlp_enc_t *enc, const uint8_t *p, size_t n);
/* A list: begin returns a mark; end wraps everything appended since. */
size_t zs_rlp_enc_list_begin(zs_rlp_enc_t *enc);
void zs_rlp_enc_list_end(zs_rlp_enc_t *enc, size_t mark);
/* Returns the encoded length, or ZS_ERR_FULL if the buffer was too small. */
ZS_MUST_USE long zs_rlp_enc_finish(const zs_rlp_enc_t *enc);

/* Size of the header for a payload of n bytes (list or long string). */
size_t zs_rlp_header_len(size_t n);

#endif
