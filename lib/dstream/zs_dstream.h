/* zs_dstream: Polygon's zkEVM data stream, byte for byte as
   0xPolygon/zkevm-data-streamer defines it: the stream file's header and
   entries, the TCP protocol's commands and answers, and the entries'
   messages (datastream.proto, through protobuf-c).

   Stream file: a 4,096-byte header page (the magic "polygonDATSTREAM", then
   the header entry), then 1 MiB data pages of entries; an entry never
   crosses a page (the rest of a page is padding, packet type 0).
     header entry (38 bytes): u8 packet type 1, u32 length 38, u8 version,
       u64 system id (the chain id), u64 stream type (1: sequencer), u64
       total length (bytes used in the file), u64 total entries
     data entry (17 + n): u8 packet type 2, u32 length, u32 entry type, u64
       entry number (from 0), n bytes of data
   Every integer is big-endian.  A bookmark is a data entry of type 0xb0
   whose data is a BookMark message (batch or L2 block, and its number).

   TCP: the client sends u64 command and u64 stream type, then the command's
   arguments; the server answers with a result (u8 0xff, u32 length, u32
   error, the error's text), then for Start/StartBookmark the entries as
   data entries from the one asked for (and every new one as it is
   committed), for Header the header entry, for Entry/Bookmark one entry
   with packet type 0xfe (entry type 0xffffffff: not found).

   Pure functions; any thread. */
#ifndef ZS_DSTREAM_H
#define ZS_DSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_DS_MAGIC "polygonDATSTREAM"
#define ZS_DS_MAGIC_LEN 16
#define ZS_DS_HEADER_PAGE 4096u
#define ZS_DS_DATA_PAGE (1u << 20)
#define ZS_DS_HEADER_LEN 38u
#define ZS_DS_ENTRY_FIXED 17u
#define ZS_DS_RESULT_FIXED 9u
#define ZS_DS_MAX_BOOKMARK 16u
#define ZS_DS_VERSION 3 /* the stream file version cdk-erigon and zkevm-node write for etrog and later */
#define ZS_DS_FORK_ID 12

enum { ZS_DS_PT_PADDING = 0, ZS_DS_PT_HEADER = 1, ZS_DS_PT_DATA = 2, ZS_DS_PT_DATA_RSP = 0xfe, ZS_DS_PT_RESULT = 0xff };
enum { ZS_DS_STREAM_SEQUENCER = 1 };
/* Entry types: datastream.proto's EntryType, and the bookmark's. */
enum {
    ZS_DS_ET_BATCH_START = 1,
    ZS_DS_ET_L2_BLOCK = 2,
    ZS_DS_ET_TRANSACTION = 3,
    ZS_DS_ET_BATCH_END = 4,
    ZS_DS_ET_UPDATE_GER = 5,
    ZS_DS_ET_L2_BLOCK_END = 6,
    ZS_DS_ET_BOOKMARK = 0xb0,
};
#define ZS_DS_ET_NOT_FOUND 0xffffffffu
enum { ZS_DS_CMD_START = 1, ZS_DS_CMD_STOP, ZS_DS_CMD_HEADER, ZS_DS_CMD_START_BOOKMARK, ZS_DS_CMD_ENTRY, ZS_DS_CMD_BOOKMARK };
enum {
    ZS_DS_OK = 0,
    ZS_DS_ERR_ALREADY_STARTED = 1,
    ZS_DS_ERR_ALREADY_STOPPED = 2,
    ZS_DS_ERR_BAD_FROM_ENTRY = 3,
    ZS_DS_ERR_BAD_FROM_BOOKMARK = 4,
    ZS_DS_ERR_INVALID_COMMAND = 9,
};
enum { ZS_DS_BOOKMARK_BATCH = 1, ZS_DS_BOOKMARK_L2_BLOCK = 2 };
enum { ZS_DS_BATCH_REGULAR = 1, ZS_DS_BATCH_FORCED = 2, ZS_DS_BATCH_INJECTED = 3, ZS_DS_BATCH_INVALID = 4 };

/* ---- Framing. */

typedef struct {
    uint8_t version;
    uint64_t system_id, stream_type, total_length, total_entries;
} zs_ds_header_t;

void zs_ds_header_encode(const zs_ds_header_t *h, uint8_t out[ZS_DS_HEADER_LEN]);
/* 0, or ZS_ERR_PARSE (not a header entry: packet type, length). */
ZS_MUST_USE int zs_ds_header_decode(const uint8_t in[ZS_DS_HEADER_LEN], zs_ds_header_t *h);

typedef struct {
    uint8_t packet;  /* ZS_DS_PT_DATA (in the file and the stream) or _DATA_RSP */
    uint32_t type;   /* ZS_DS_ET_* */
    uint64_t number;
    const uint8_t *data;
    uint32_t len;
} zs_ds_entry_t;

/* Writes the 17 fixed bytes and the data; returns 17 + len. */
size_t zs_ds_entry_encode(const zs_ds_entry_t *e, uint8_t *out);
/* From the first n bytes of a packet: 0 (data pointing into in), or
   ZS_ERR_PARSE (a length that disagrees with n or the fixed part). */
ZS_MUST_USE int zs_ds_entry_decode(const uint8_t *in, size_t n, zs_ds_entry_t *e);
/* The length field of a packet's first 5 bytes. */
uint32_t zs_ds_packet_length(const uint8_t in[5]);

/* A result: 9 + strlen(text) bytes. */
size_t zs_ds_result_encode(uint32_t error, const char *text, uint8_t *out);

/* ---- The entries' messages (datastream.proto). */

typedef struct {
    uint64_t number, batch_number, timestamp, min_timestamp, block_gas_limit;
    uint32_t delta_timestamp, l1_infotree_index;
    uint8_t l1_blockhash[32], hash[32], state_root[32], global_exit_root[32], coinbase[20], block_info_root[32];
} zs_ds_l2block_t;

typedef struct {
    uint32_t type; /* ZS_DS_ET_* of what was decoded */
    union {
        struct { uint64_t number, fork_id, chain_id; uint32_t type; } batch_start;
        struct { uint64_t number; uint8_t local_exit_root[32], state_root[32]; } batch_end;
        zs_ds_l2block_t l2_block;
        struct { uint64_t number; } l2_block_end;
        struct {
            uint64_t l2block_number, index;
            int is_valid;
            uint32_t effective_gas_price_percentage;
            uint8_t *encoded; /* malloc'd (zs_ds_msg_clear) */
            size_t encoded_len;
            uint8_t im_state_root[32];
        } tx;
        struct { uint64_t batch_number, timestamp, fork_id, chain_id; uint8_t ger[32], coinbase[20], state_root[32]; } update_ger;
        struct { uint32_t type; uint64_t value; } bookmark;
    } u;
} zs_ds_msg_t;

/* Encoders: the message's bytes into out (cap bytes); the length, or
   ZS_ERR_FULL. */
long zs_ds_batch_start(uint64_t number, uint32_t batch_type, uint64_t chain_id, uint8_t *out, size_t cap);
long zs_ds_batch_end(uint64_t number, const uint8_t local_exit_root[32], const uint8_t state_root[32], uint8_t *out,
                     size_t cap);
long zs_ds_l2_block(const zs_ds_l2block_t *b, uint8_t *out, size_t cap);
long zs_ds_l2_block_end(uint64_t number, uint8_t *out, size_t cap);
long zs_ds_transaction(uint64_t block, uint64_t index, int valid, const uint8_t *encoded, size_t len,
                       uint32_t pct, const uint8_t im_state_root[32], uint8_t *out, size_t cap);
long zs_ds_bookmark(uint32_t bookmark_type, uint64_t value, uint8_t *out, size_t cap);

/* Decodes an entry's data by its entry type: 0, ZS_ERR_PARSE (not that
   message), ZS_ERR_UNSUPPORTED (an entry type not in datastream.proto). */
ZS_MUST_USE int zs_ds_decode(uint32_t type, const uint8_t *data, size_t len, zs_ds_msg_t *out);
void zs_ds_msg_clear(zs_ds_msg_t *m);
/* "BatchStart", "L2Block", ..., "BookMark", or "?" */
const char *zs_ds_type_name(uint32_t type);

#endif
