/* Fuzzes what a replica reads from a data stream server it does not
   control: the client's packet framing (the input is what the server sent,
   through a socket pair), the header and data entries, and every message
   type.  Any bytes: no crash, no read outside the input, no leak; and what
   decodes re-encodes (through our encoders) to bytes that decode to the
   same values. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/dstream/zs_dsclient.h"
#include "lib/dstream/zs_dstream.h"
#include "tests/support/zs_fuzz_check.h"

/* The message re-encoded by our encoder for its type; its length, or -1
   when we have no encoder for it (UpdateGER: never written by zkseqd). */
static long reencode(const zs_ds_msg_t *m, uint8_t *out, size_t cap)
{
    switch (m->type) {
    case ZS_DS_ET_BATCH_START:
        return zs_ds_batch_start(m->u.batch_start.number, m->u.batch_start.type, m->u.batch_start.chain_id, out, cap);
    case ZS_DS_ET_BATCH_END:
        return zs_ds_batch_end(m->u.batch_end.number, m->u.batch_end.local_exit_root, m->u.batch_end.state_root, out,
                               cap);
    case ZS_DS_ET_L2_BLOCK: return zs_ds_l2_block(&m->u.l2_block, out, cap);
    case ZS_DS_ET_L2_BLOCK_END: return zs_ds_l2_block_end(m->u.l2_block_end.number, out, cap);
    case ZS_DS_ET_TRANSACTION:
        return zs_ds_transaction(m->u.tx.l2block_number, m->u.tx.index, m->u.tx.is_valid, m->u.tx.encoded,
                                 m->u.tx.encoded_len, m->u.tx.effective_gas_price_percentage, m->u.tx.im_state_root,
                                 out, cap);
    case ZS_DS_ET_BOOKMARK: return zs_ds_bookmark(m->u.bookmark.type, m->u.bookmark.value, out, cap);
    default: return -1;
    }
}

/* The two decodings carry the same values (BatchStart's fork id is ours
   on re-encoding, so it is left out). */
static int same(const zs_ds_msg_t *a, const zs_ds_msg_t *b)
{
    switch (a->type) {
    case ZS_DS_ET_BATCH_START:
        return a->u.batch_start.number == b->u.batch_start.number && a->u.batch_start.type == b->u.batch_start.type &&
               a->u.batch_start.chain_id == b->u.batch_start.chain_id && b->u.batch_start.fork_id == ZS_DS_FORK_ID;
    case ZS_DS_ET_BATCH_END: return !memcmp(&a->u.batch_end, &b->u.batch_end, sizeof a->u.batch_end);
    case ZS_DS_ET_L2_BLOCK: return !memcmp(&a->u.l2_block, &b->u.l2_block, sizeof a->u.l2_block);
    case ZS_DS_ET_L2_BLOCK_END: return a->u.l2_block_end.number == b->u.l2_block_end.number;
    case ZS_DS_ET_TRANSACTION:
        return a->u.tx.l2block_number == b->u.tx.l2block_number && a->u.tx.index == b->u.tx.index &&
               !a->u.tx.is_valid == !b->u.tx.is_valid &&
               a->u.tx.effective_gas_price_percentage == b->u.tx.effective_gas_price_percentage &&
               a->u.tx.encoded_len == b->u.tx.encoded_len &&
               !memcmp(a->u.tx.encoded, b->u.tx.encoded, a->u.tx.encoded_len) &&
               !memcmp(a->u.tx.im_state_root, b->u.tx.im_state_root, 32);
    case ZS_DS_ET_BOOKMARK:
        return a->u.bookmark.type == b->u.bookmark.type && a->u.bookmark.value == b->u.bookmark.value;
    default: return 1;
    }
}

/* A message of type from data: decoded, re-encoded, decoded again. */
static void message(uint32_t type, const uint8_t *data, size_t n)
{
    zs_ds_msg_t m, again;
    int rc = zs_ds_decode(type, data, n, &m);
    ZS_FUZZ_CHECK(rc == ZS_OK || rc == ZS_ERR_PARSE || rc == ZS_ERR_UNSUPPORTED || rc == ZS_ERR_NOMEM);
    if (rc) return;
    ZS_FUZZ_CHECK(m.type == type);
    size_t cap = 256 + (type == ZS_DS_ET_TRANSACTION ? m.u.tx.encoded_len : 0);
    uint8_t *out = malloc(cap);
    ZS_FUZZ_CHECK(out);
    long k = reencode(&m, out, cap);
    if (k >= 0) {
        ZS_FUZZ_CHECK(zs_ds_decode(type, out, (size_t)k, &again) == ZS_OK);
        ZS_FUZZ_CHECK(same(&m, &again));
        zs_ds_msg_clear(&again);
    }
    free(out);
    zs_ds_msg_clear(&m);
}

/* One packet as the client returned it: a header, or an entry and its message. */
static void packet(const uint8_t *p, uint32_t len)
{
    zs_ds_header_t h;
    if (len == ZS_DS_HEADER_LEN && zs_ds_header_decode(p, &h) == ZS_OK) {
        uint8_t back[ZS_DS_HEADER_LEN];
        zs_ds_header_encode(&h, back);
        ZS_FUZZ_CHECK(!memcmp(back, p, ZS_DS_HEADER_LEN));
        return;
    }
    zs_ds_entry_t e;
    if (zs_ds_entry_decode(p, len, &e)) return;
    ZS_FUZZ_CHECK(e.data == p + ZS_DS_ENTRY_FIXED && e.len + ZS_DS_ENTRY_FIXED == len);
    uint8_t *back = malloc(len);
    ZS_FUZZ_CHECK(back);
    ZS_FUZZ_CHECK(zs_ds_entry_encode(&e, back) == len && !memcmp(back, p, len));
    free(back);
    message(e.type, e.data, e.len);
}

/* The input as what a server sent: packets until the bytes end. */
static void as_stream(const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) return;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(sv[1], data + off, size - off);
        if (w <= 0) break; /* more than the socket holds: the rest is not sent */
        off += (size_t)w;
    }
    close(sv[1]);
    static zs_dsclient_t c;
    c.fd = sv[0];
    c.timeout_ms = 1000;
    c.pos = c.have = 0;
    uint8_t *p;
    uint32_t len;
    while (zs_dsclient_packet(&c, &p, &len) == ZS_OK) {
        ZS_FUZZ_CHECK(len >= 5);
        packet(p, len);
        free(p);
    }
    close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_stream(data, size);
    /* The input as one message of each type (the first byte chooses). */
    static const uint32_t types[] = {ZS_DS_ET_BATCH_START, ZS_DS_ET_L2_BLOCK,     ZS_DS_ET_TRANSACTION,
                                     ZS_DS_ET_BATCH_END,   ZS_DS_ET_UPDATE_GER,   ZS_DS_ET_L2_BLOCK_END,
                                     ZS_DS_ET_BOOKMARK,    ZS_DS_ET_NOT_FOUND};
    if (size) message(types[data[0] % 8], data + 1, size - 1);
    return 0;
}
