/* zkseq stream dump FILE|HOST:PORT [--from N] [--count N]: a zkEVM data
   stream's entries as JSON, one per line, from a stream file (read as
   zkevm-data-streamer lays it out) or from a server (the Header command for
   the count, then Start from --from, then Stop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dstream/zs_dsclient.h"
#include "lib/dstream/zs_dstream.h"
#include "tools/zkseq/zkseq_cli.h"

static json_t *msg_json(uint64_t number, uint32_t type, const uint8_t *data, size_t len)
{
    json_t *o = json_pack("{s:I,s:s}", "entry", (json_int_t)number, "type", zs_ds_type_name(type));
    zs_ds_msg_t m;
    if (zs_ds_decode(type, data, len, &m)) {
        json_object_set_new(o, "undecoded", cli_json_hex(data, len));
        return o;
    }
    switch (type) {
    case ZS_DS_ET_BOOKMARK:
        json_object_set_new(o, "bookmark", json_string(m.u.bookmark.type == ZS_DS_BOOKMARK_BATCH ? "batch" : "l2block"));
        json_object_set_new(o, "value", json_integer((json_int_t)m.u.bookmark.value));
        break;
    case ZS_DS_ET_BATCH_START:
        json_object_set_new(o, "number", json_integer((json_int_t)m.u.batch_start.number));
        json_object_set_new(o, "batchType", json_integer(m.u.batch_start.type));
        json_object_set_new(o, "forkId", json_integer((json_int_t)m.u.batch_start.fork_id));
        json_object_set_new(o, "chainId", json_integer((json_int_t)m.u.batch_start.chain_id));
        break;
    case ZS_DS_ET_BATCH_END:
        json_object_set_new(o, "number", json_integer((json_int_t)m.u.batch_end.number));
        json_object_set_new(o, "stateRoot", cli_json_hex(m.u.batch_end.state_root, 32));
        json_object_set_new(o, "localExitRoot", cli_json_hex(m.u.batch_end.local_exit_root, 32));
        break;
    case ZS_DS_ET_L2_BLOCK: {
        const zs_ds_l2block_t *b = &m.u.l2_block;
        json_object_set_new(o, "number", json_integer((json_int_t)b->number));
        json_object_set_new(o, "batchNumber", json_integer((json_int_t)b->batch_number));
        json_object_set_new(o, "timestamp", json_integer((json_int_t)b->timestamp));
        json_object_set_new(o, "deltaTimestamp", json_integer(b->delta_timestamp));
        json_object_set_new(o, "minTimestamp", json_integer((json_int_t)b->min_timestamp));
        json_object_set_new(o, "l1InfoTreeIndex", json_integer(b->l1_infotree_index));
        json_object_set_new(o, "l1BlockHash", cli_json_hex(b->l1_blockhash, 32));
        json_object_set_new(o, "hash", cli_json_hex(b->hash, 32));
        json_object_set_new(o, "stateRoot", cli_json_hex(b->state_root, 32));
        json_object_set_new(o, "globalExitRoot", cli_json_hex(b->global_exit_root, 32));
        json_object_set_new(o, "coinbase", cli_json_addr(b->coinbase));
        json_object_set_new(o, "blockGasLimit", json_integer((json_int_t)b->block_gas_limit));
        break;
    }
    case ZS_DS_ET_L2_BLOCK_END:
        json_object_set_new(o, "number", json_integer((json_int_t)m.u.l2_block_end.number));
        break;
    case ZS_DS_ET_TRANSACTION:
        json_object_set_new(o, "l2BlockNumber", json_integer((json_int_t)m.u.tx.l2block_number));
        json_object_set_new(o, "index", json_integer((json_int_t)m.u.tx.index));
        json_object_set_new(o, "isValid", json_boolean(m.u.tx.is_valid));
        json_object_set_new(o, "effectiveGasPricePercentage", json_integer(m.u.tx.effective_gas_price_percentage));
        json_object_set_new(o, "encoded", cli_json_hex(m.u.tx.encoded, m.u.tx.encoded_len));
        break;
    default: break;
    }
    zs_ds_msg_clear(&m);
    return o;
}

static void emit(const zs_ds_entry_t *e)
{
    json_t *o = msg_json(e->number, e->type, e->data, e->len);
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    free(s);
    json_decref(o);
}

/* ---- From a file. */

static int dump_file(const char *path, uint64_t from, uint64_t count)
{
    FILE *f = fopen(path, "rb");
    if (!f) cli_fail("stream dump: cannot open %s", path);
    uint8_t head[ZS_DS_MAGIC_LEN + ZS_DS_HEADER_LEN];
    zs_ds_header_t h;
    if (fread(head, 1, sizeof head, f) != sizeof head || memcmp(head, ZS_DS_MAGIC, ZS_DS_MAGIC_LEN) ||
        zs_ds_header_decode(head + ZS_DS_MAGIC_LEN, &h))
        cli_fail("stream dump: %s is not a zkEVM data stream file", path);
    uint64_t pos = ZS_DS_HEADER_PAGE, shown = 0;
    uint8_t *buf = malloc(ZS_DS_DATA_PAGE);
    while (pos < h.total_length && shown < count) {
        if (fseek(f, (long)pos, SEEK_SET) || fread(buf, 1, 1, f) != 1) cli_fail("stream dump: cut at %llu", (unsigned long long)pos);
        if (buf[0] == ZS_DS_PT_PADDING) {
            pos = ZS_DS_HEADER_PAGE + ((pos - ZS_DS_HEADER_PAGE) / ZS_DS_DATA_PAGE + 1) * ZS_DS_DATA_PAGE;
            continue;
        }
        zs_ds_entry_t e;
        uint32_t len = fread(buf + 1, 1, 4, f) == 4 ? zs_ds_packet_length(buf) : 0;
        if (len < ZS_DS_ENTRY_FIXED || len > ZS_DS_DATA_PAGE || fread(buf + 5, 1, len - 5, f) != len - 5 ||
            zs_ds_entry_decode(buf, len, &e))
            cli_fail("stream dump: a damaged entry at offset %llu", (unsigned long long)pos);
        if (e.number >= from) {
            emit(&e);
            shown++;
        }
        pos += len;
    }
    free(buf);
    fclose(f);
    return 0;
}

/* ---- From a server. */

static int dump_server(const char *hostport, uint64_t from, uint64_t count)
{
    zs_dsclient_t c;
    zs_ds_header_t h;
    if (zs_dsclient_connect(&c, hostport, 10000) || zs_dsclient_header(&c, &h))
        cli_fail("stream dump: %s", c.err);
    uint64_t end = h.total_entries;
    if (from > end) from = end;
    if (count < end - from) end = from + count;
    if (zs_dsclient_start(&c, from)) cli_fail("stream dump: %s", c.err);
    for (uint64_t n = from; n < end; n++) {
        uint8_t *p;
        uint32_t len;
        zs_ds_entry_t e;
        if (zs_dsclient_packet(&c, &p, &len)) cli_fail("stream dump: %s", c.err);
        if (p[0] != ZS_DS_PT_DATA || zs_ds_entry_decode(p, len, &e) || e.number != n)
            cli_fail("stream dump: entry %llu did not come as one", (unsigned long long)n);
        emit(&e);
        free(p);
    }
    zs_dsclient_close(&c);
    return 0;
}

int cmd_stream(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[0], "dump")) cli_fail("stream: dump FILE|HOST:PORT [--from N] [--count N]");
    const char *src = NULL;
    uint64_t from = 0, count = UINT64_MAX;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--from") && i + 1 < argc) from = cli_u64("--from", argv[++i]);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc) count = cli_u64("--count", argv[++i]);
        else if (argv[i][0] == '-' || src) cli_fail("stream dump: unexpected argument '%s'", argv[i]);
        else src = argv[i];
    }
    if (!src) cli_fail("stream dump: FILE or HOST:PORT is missing");
    return access(src, F_OK) == 0 ? dump_file(src, from, count) : dump_server(src, from, count);
}
