/* zkseq stream dump FILE|HOST:PORT [--from N] [--count N]: a zkEVM data
   stream's entries as JSON, one per line, from a stream file (read as
   zkevm-data-streamer lays it out) or from a server (the Header command for
   the count, then Start from --from, then Stop). */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static void get_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pf = {fd, POLLIN, 0};
        ssize_t r = poll(&pf, 1, 10000) > 0 ? recv(fd, p, n, 0) : -1;
        if (r <= 0) cli_fail("stream dump: the server closed the connection or stopped answering");
        p += r;
        n -= (size_t)r;
    }
}

/* The next packet (its whole bytes, malloc'd). */
static uint8_t *packet(int fd, uint32_t *len)
{
    uint8_t h[5];
    get_all(fd, h, 5);
    *len = h[0] == ZS_DS_PT_HEADER ? ZS_DS_HEADER_LEN : zs_ds_packet_length(h);
    if (*len < 5 || *len > ZS_DS_DATA_PAGE) cli_fail("stream dump: a packet of %u bytes", *len);
    uint8_t *p = malloc(*len);
    memcpy(p, h, 5);
    get_all(fd, p + 5, *len - 5);
    return p;
}

static void command(int fd, uint64_t cmd, const uint8_t *arg, size_t n)
{
    uint8_t b[32] = {0};
    for (int i = 0; i < 8; i++) b[7 - i] = (uint8_t)(cmd >> (8 * i));
    b[15] = ZS_DS_STREAM_SEQUENCER;
    memcpy(b + 16, arg, n);
    if (send(fd, b, 16 + n, MSG_NOSIGNAL) != (ssize_t)(16 + n)) cli_fail("stream dump: cannot send");
    uint32_t len;
    uint8_t *r = packet(fd, &len);
    if (r[0] != ZS_DS_PT_RESULT || len < ZS_DS_RESULT_FIXED) cli_fail("stream dump: no result packet");
    uint32_t err = (uint32_t)r[5] << 24 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 8 | r[8];
    if (err) cli_fail("stream dump: the server answered error %u: %.*s", err, (int)(len - 9), (const char *)r + 9);
    free(r);
}

static int dump_server(const char *hostport, uint64_t from, uint64_t count)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host) cli_fail("stream dump: want HOST:PORT or a file");
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai)) cli_fail("stream dump: cannot resolve %s", host);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) cli_fail("stream dump: cannot connect to %s", hostport);
    freeaddrinfo(ai);
    command(fd, ZS_DS_CMD_HEADER, NULL, 0);
    uint32_t len;
    uint8_t *hp = packet(fd, &len);
    zs_ds_header_t h;
    if (zs_ds_header_decode(hp, &h)) cli_fail("stream dump: no header packet");
    free(hp);
    uint64_t end = h.total_entries;
    if (from > end) from = end;
    if (count < end - from) end = from + count;
    uint8_t a[8];
    for (int i = 0; i < 8; i++) a[7 - i] = (uint8_t)(from >> (8 * i));
    command(fd, ZS_DS_CMD_START, a, 8);
    for (uint64_t n = from; n < end; n++) {
        uint8_t *p = packet(fd, &len);
        zs_ds_entry_t e;
        if (p[0] != ZS_DS_PT_DATA || zs_ds_entry_decode(p, len, &e) || e.number != n)
            cli_fail("stream dump: entry %llu did not come as one", (unsigned long long)n);
        emit(&e);
        free(p);
    }
    close(fd);
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
