/* Polygon's zkEVM data stream: framing and messages (zs_dstream.h). */
#include "lib/dstream/zs_dstream.h"

#include <stdlib.h>
#include <string.h>

#include "lib/dstream/datastream.pb-c.h"

static void be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void zs_ds_header_encode(const zs_ds_header_t *h, uint8_t out[ZS_DS_HEADER_LEN])
{
    out[0] = ZS_DS_PT_HEADER;
    be32(out + 1, ZS_DS_HEADER_LEN);
    out[5] = h->version;
    be64(out + 6, h->system_id);
    be64(out + 14, h->stream_type);
    be64(out + 22, h->total_length);
    be64(out + 30, h->total_entries);
}

int zs_ds_header_decode(const uint8_t in[ZS_DS_HEADER_LEN], zs_ds_header_t *h)
{
    if (in[0] != ZS_DS_PT_HEADER || get32(in + 1) != ZS_DS_HEADER_LEN) return ZS_ERR_PARSE;
    h->version = in[5];
    h->system_id = get64(in + 6);
    h->stream_type = get64(in + 14);
    h->total_length = get64(in + 22);
    h->total_entries = get64(in + 30);
    return ZS_OK;
}

size_t zs_ds_entry_encode(const zs_ds_entry_t *e, uint8_t *out)
{
    out[0] = e->packet;
    be32(out + 1, ZS_DS_ENTRY_FIXED + e->len);
    be32(out + 5, e->type);
    be64(out + 9, e->number);
    if (e->len) memcpy(out + ZS_DS_ENTRY_FIXED, e->data, e->len);
    return ZS_DS_ENTRY_FIXED + e->len;
}

uint32_t zs_ds_packet_length(const uint8_t in[5])
{
    return get32(in + 1);
}

int zs_ds_entry_decode(const uint8_t *in, size_t n, zs_ds_entry_t *e)
{
    if (n < ZS_DS_ENTRY_FIXED || get32(in + 1) != n) return ZS_ERR_PARSE;
    e->packet = in[0];
    e->type = get32(in + 5);
    e->number = get64(in + 9);
    e->data = in + ZS_DS_ENTRY_FIXED;
    e->len = (uint32_t)(n - ZS_DS_ENTRY_FIXED);
    return ZS_OK;
}

size_t zs_ds_result_encode(uint32_t error, const char *text, uint8_t *out)
{
    size_t n = strlen(text);
    out[0] = ZS_DS_PT_RESULT;
    be32(out + 1, (uint32_t)(ZS_DS_RESULT_FIXED + n));
    be32(out + 5, error);
    memcpy(out + ZS_DS_RESULT_FIXED, text, n);
    return ZS_DS_RESULT_FIXED + n;
}

/* ---- Messages. */

#define BIN(p, n) ((ProtobufCBinaryData){(n), (uint8_t *)(p)})

static long packed(const ProtobufCMessage *m, uint8_t *out, size_t cap)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    if (n > cap) return ZS_ERR_FULL;
    return (long)protobuf_c_message_pack(m, out);
}

long zs_ds_batch_start(uint64_t number, uint32_t batch_type, uint64_t chain_id, uint8_t *out, size_t cap)
{
    Datastream__V1__BatchStart m = DATASTREAM__V1__BATCH_START__INIT;
    m.number = number;
    m.type = (Datastream__V1__BatchType)batch_type;
    m.fork_id = ZS_DS_FORK_ID;
    m.chain_id = chain_id;
    return packed(&m.base, out, cap);
}

long zs_ds_batch_end(uint64_t number, const uint8_t local_exit_root[32], const uint8_t state_root[32], uint8_t *out,
                     size_t cap)
{
    Datastream__V1__BatchEnd m = DATASTREAM__V1__BATCH_END__INIT;
    m.number = number;
    m.local_exit_root = BIN(local_exit_root, 32);
    m.state_root = BIN(state_root, 32);
    return packed(&m.base, out, cap);
}

long zs_ds_l2_block(const zs_ds_l2block_t *b, uint8_t *out, size_t cap)
{
    Datastream__V1__L2Block m = DATASTREAM__V1__L2_BLOCK__INIT;
    m.number = b->number;
    m.batch_number = b->batch_number;
    m.timestamp = b->timestamp;
    m.delta_timestamp = b->delta_timestamp;
    m.min_timestamp = b->min_timestamp;
    m.l1_blockhash = BIN(b->l1_blockhash, 32);
    m.l1_infotree_index = b->l1_infotree_index;
    m.hash = BIN(b->hash, 32);
    m.state_root = BIN(b->state_root, 32);
    m.global_exit_root = BIN(b->global_exit_root, 32);
    m.coinbase = BIN(b->coinbase, 20);
    m.block_gas_limit = b->block_gas_limit;
    m.block_info_root = BIN(b->block_info_root, 32);
    return packed(&m.base, out, cap);
}

long zs_ds_l2_block_end(uint64_t number, uint8_t *out, size_t cap)
{
    Datastream__V1__L2BlockEnd m = DATASTREAM__V1__L2_BLOCK_END__INIT;
    m.number = number;
    return packed(&m.base, out, cap);
}

long zs_ds_transaction(uint64_t block, uint64_t index, int valid, const uint8_t *encoded, size_t len, uint32_t pct,
                       const uint8_t im_state_root[32], uint8_t *out, size_t cap)
{
    Datastream__V1__Transaction m = DATASTREAM__V1__TRANSACTION__INIT;
    m.l2block_number = block;
    m.index = index;
    m.is_valid = valid != 0;
    m.encoded = BIN(encoded, len);
    m.effective_gas_price_percentage = pct;
    m.im_state_root = BIN(im_state_root, 32);
    return packed(&m.base, out, cap);
}

long zs_ds_bookmark(uint32_t bookmark_type, uint64_t value, uint8_t *out, size_t cap)
{
    Datastream__V1__BookMark m = DATASTREAM__V1__BOOK_MARK__INIT;
    m.type = (Datastream__V1__BookmarkType)bookmark_type;
    m.value = value;
    return packed(&m.base, out, cap);
}

/* A bytes field into a fixed array: it must be empty or exactly n bytes. */
static int fixed(ProtobufCBinaryData d, uint8_t *out, size_t n)
{
    memset(out, 0, n);
    if (d.len && d.len != n) return ZS_ERR_PARSE;
    if (d.len) memcpy(out, d.data, n);
    return ZS_OK;
}

static int decode_block(const Datastream__V1__L2Block *m, zs_ds_l2block_t *b)
{
    b->number = m->number;
    b->batch_number = m->batch_number;
    b->timestamp = m->timestamp;
    b->delta_timestamp = m->delta_timestamp;
    b->min_timestamp = m->min_timestamp;
    b->l1_infotree_index = m->l1_infotree_index;
    b->block_gas_limit = m->block_gas_limit;
    return fixed(m->l1_blockhash, b->l1_blockhash, 32) || fixed(m->hash, b->hash, 32) ||
                   fixed(m->state_root, b->state_root, 32) || fixed(m->global_exit_root, b->global_exit_root, 32) ||
                   fixed(m->coinbase, b->coinbase, 20) || fixed(m->block_info_root, b->block_info_root, 32)
               ? ZS_ERR_PARSE
               : ZS_OK;
}

static int decode_tx(const Datastream__V1__Transaction *m, zs_ds_msg_t *out)
{
    out->u.tx.l2block_number = m->l2block_number;
    out->u.tx.index = m->index;
    out->u.tx.is_valid = m->is_valid;
    out->u.tx.effective_gas_price_percentage = m->effective_gas_price_percentage;
    if (fixed(m->im_state_root, out->u.tx.im_state_root, 32)) return ZS_ERR_PARSE;
    out->u.tx.encoded = malloc(m->encoded.len ? m->encoded.len : 1);
    if (!out->u.tx.encoded) return ZS_ERR_NOMEM;
    if (m->encoded.len) memcpy(out->u.tx.encoded, m->encoded.data, m->encoded.len);
    out->u.tx.encoded_len = m->encoded.len;
    return ZS_OK;
}

static int decode_ger(const Datastream__V1__UpdateGER *m, zs_ds_msg_t *out)
{
    out->u.update_ger.batch_number = m->batch_number;
    out->u.update_ger.timestamp = m->timestamp;
    out->u.update_ger.fork_id = m->fork_id;
    out->u.update_ger.chain_id = m->chain_id;
    return fixed(m->global_exit_root, out->u.update_ger.ger, 32) || fixed(m->coinbase, out->u.update_ger.coinbase, 20) ||
                   fixed(m->state_root, out->u.update_ger.state_root, 32)
               ? ZS_ERR_PARSE
               : ZS_OK;
}

/* Long because it is one switch over the seven message types, each
   unpacked, copied out and freed the same way. */
int zs_ds_decode(uint32_t type, const uint8_t *data, size_t len, zs_ds_msg_t *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    ProtobufCMessage *m = NULL;
    int rc = ZS_OK;
    switch (type) {
    case ZS_DS_ET_BATCH_START: {
        Datastream__V1__BatchStart *b = datastream__v1__batch_start__unpack(NULL, len, data);
        if (b) out->u.batch_start.number = b->number, out->u.batch_start.type = (uint32_t)b->type,
               out->u.batch_start.fork_id = b->fork_id, out->u.batch_start.chain_id = b->chain_id;
        m = (ProtobufCMessage *)b;
        break;
    }
    case ZS_DS_ET_BATCH_END: {
        Datastream__V1__BatchEnd *b = datastream__v1__batch_end__unpack(NULL, len, data);
        if (b) {
            out->u.batch_end.number = b->number;
            rc = fixed(b->local_exit_root, out->u.batch_end.local_exit_root, 32) ||
                 fixed(b->state_root, out->u.batch_end.state_root, 32);
        }
        m = (ProtobufCMessage *)b;
        break;
    }
    case ZS_DS_ET_L2_BLOCK: {
        Datastream__V1__L2Block *b = datastream__v1__l2_block__unpack(NULL, len, data);
        if (b) rc = decode_block(b, &out->u.l2_block);
        m = (ProtobufCMessage *)b;
        break;
    }
    case ZS_DS_ET_L2_BLOCK_END: {
        Datastream__V1__L2BlockEnd *b = datastream__v1__l2_block_end__unpack(NULL, len, data);
        if (b) out->u.l2_block_end.number = b->number;
        m = (ProtobufCMessage *)b;
        break;
    }
    case ZS_DS_ET_TRANSACTION: {
        Datastream__V1__Transaction *t = datastream__v1__transaction__unpack(NULL, len, data);
        if (t) rc = decode_tx(t, out);
        m = (ProtobufCMessage *)t;
        break;
    }
    case ZS_DS_ET_UPDATE_GER: {
        Datastream__V1__UpdateGER *g = datastream__v1__update_ger__unpack(NULL, len, data);
        if (g) rc = decode_ger(g, out);
        m = (ProtobufCMessage *)g;
        break;
    }
    case ZS_DS_ET_BOOKMARK: {
        Datastream__V1__BookMark *b = datastream__v1__book_mark__unpack(NULL, len, data);
        if (b) out->u.bookmark.type = (uint32_t)b->type, out->u.bookmark.value = b->value;
        m = (ProtobufCMessage *)b;
        break;
    }
    default: return ZS_ERR_UNSUPPORTED;
    }
    if (!m) return ZS_ERR_PARSE;
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc) zs_ds_msg_clear(out);
    return rc ? ZS_ERR_PARSE : ZS_OK;
}

void zs_ds_msg_clear(zs_ds_msg_t *m)
{
    if (m->type == ZS_DS_ET_TRANSACTION) free(m->u.tx.encoded);
    m->u.tx.encoded = NULL;
    m->type = 0;
}

const char *zs_ds_type_name(uint32_t type)
{
    switch (type) {
    case ZS_DS_ET_BATCH_START: return "BatchStart";
    case ZS_DS_ET_L2_BLOCK: return "L2Block";
    case ZS_DS_ET_TRANSACTION: return "Transaction";
    case ZS_DS_ET_BATCH_END: return "BatchEnd";
    case ZS_DS_ET_UPDATE_GER: return "UpdateGER";
    case ZS_DS_ET_L2_BLOCK_END: return "L2BlockEnd";
    case ZS_DS_ET_BOOKMARK: return "BookMark";
    default: return "?";
    }
}
