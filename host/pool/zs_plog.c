#include "host/pool/zs_plog.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/zs_bytes.h"
#include "lib/keccak/zs_keccak.h"

#define FILE_MAGIC "zkseq-pool-log\0\0" /* 16 bytes */
#define FILE_FORMAT 1u
#define REC_MAGIC 0x314c505au /* "ZPL1" */
#define REC_HDR 32u
#define KIND_ROUND 1u
#define KIND_PAD 2u

/* Rounds are written with O_DIRECT | O_DSYNC in whole blocks of this size
   (a multiple of any disk's logical block) when the file system takes it. */
#define DIO_BLOCK 4096u

struct zs_plog {
    int fd, off; /* off: a write or flush failed; every round now says AGAIN */
    int off_errno;
    int dfd;       /* the file opened O_DIRECT | O_DSYNC for rounds, or -1 */
    int direct_ok; /* a direct write went through */
    uint64_t size, ring;
    uint8_t id[ZS_PLOG_ID];
    uint64_t pos, ckpt;
    uint8_t *buf; /* the round being built: its header's room, then rows */
    size_t len, cap, count;
    uint8_t *dbuf, *tail; /* aligned: the blocks written; the last block as written */
    size_t dcap;
    uint64_t tail_off; /* the file offset of tail's block (UINT64_MAX: none) */
};

/* The first 8 bytes of keccak-256 over id, the record's first 24 header
   bytes and its payload. */
static uint64_t rec_sum(const uint8_t id[ZS_PLOG_ID], const uint8_t *hdr, const uint8_t *payload, size_t n)
{
    zs_keccak256_t k;
    uint8_t h[32];
    zs_keccak256_init(&k);
    zs_keccak256_update(&k, id, ZS_PLOG_ID);
    zs_keccak256_update(&k, hdr, 24);
    if (n) zs_keccak256_update(&k, payload, n); /* a pad has none */
    zs_keccak256_final(&k, h);
    return zs_get_le64(h);
}

/* ---- The file's header: magic[16] format u32 0 u32 size u64 id[16] sum u64. */

static void header_encode(uint8_t h[64], uint64_t size, const uint8_t id[ZS_PLOG_ID])
{
    uint8_t d[32];
    memset(h, 0, 64);
    memcpy(h, FILE_MAGIC, 16);
    zs_put_le32(h + 16, FILE_FORMAT);
    zs_put_le64(h + 24, size);
    memcpy(h + 32, id, ZS_PLOG_ID);
    zs_keccak256(h, 48, d);
    memcpy(h + 48, d, 8);
}

/* The whole of [p, p+n) written at off (write 1) or read from it (0). */
static int io_all(int fd, void *p, size_t n, uint64_t off, int write)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = write ? pwrite(fd, b, n, (off_t)off) : pread(fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return ZS_ERR_IO;
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return ZS_OK;
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
    return io_all(fd, (void *)p, n, off, 1);
}

static int pread_all(int fd, void *p, size_t n, uint64_t off)
{
    return io_all(fd, p, n, off, 0);
}

static int fsync_dir_of(const char *path)
{
    char d[4096];
    snprintf(d, sizeof d, "%s", path);
    int fd = open(dirname(d), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return ZS_ERR_IO;
    int rc = fsync(fd) ? ZS_ERR_IO : ZS_OK;
    close(fd);
    return rc;
}

static int new_id(uint8_t id[ZS_PLOG_ID])
{
    return getrandom(id, ZS_PLOG_ID, 0) == (ssize_t)ZS_PLOG_ID ? ZS_OK : ZS_ERR_IO;
}

int zs_plog_create(const char *path, size_t size, char *err, size_t errlen)
{
    if (size < 2 * ZS_PLOG_HEADER || size % 8) {
        snprintf(err, errlen, "a pool log of %zu bytes is too small", size);
        return ZS_ERR_RANGE;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    errno = 0;
    int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return ZS_ERR_IO;
    }
    uint8_t id[ZS_PLOG_ID];
    size_t chunk = 1u << 20;
    uint8_t *z = calloc(1, chunk);
    int rc = z && !new_id(id) ? ZS_OK : ZS_ERR_NOMEM;
    if (!rc) header_encode(z, size, id);
    /* Every block written now, so that later writes change no extent. */
    for (uint64_t off = 0; !rc && off < size; off += chunk) {
        size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
        rc = pwrite_all(fd, z, n, off);
        if (!off) memset(z, 0, 64);
    }
    free(z);
    if (!rc && fsync(fd)) rc = ZS_ERR_IO;
    close(fd);
    if (!rc && rename(tmp, path)) rc = ZS_ERR_IO;
    if (!rc) rc = fsync_dir_of(path);
    if (rc) {
        snprintf(err, errlen, "%s: cannot write the pool log: %s", path, errno ? strerror(errno) : zs_strerror(rc));
        unlink(tmp);
    }
    return rc;
}

zs_plog_t *zs_plog_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t h[64], want[64];
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) || pread_all(fd, h, sizeof h, 0))
        why = "cannot read its header";
    else if (memcmp(h, FILE_MAGIC, 16) || zs_get_le32(h + 16) != FILE_FORMAT)
        why = "not a pool log of this format";
    else {
        header_encode(want, zs_get_le64(h + 24), h + 32);
        if (memcmp(want, h, 64))
            why = "its header is damaged";
        else if ((uint64_t)st.st_size != zs_get_le64(h + 24) || st.st_size < 2 * (off_t)ZS_PLOG_HEADER)
            why = "its size is not the one its header gives";
    }
    zs_plog_t *l = why ? NULL : calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "%s: %s", path, why ? why : "out of memory");
        close(fd);
        return NULL;
    }
    l->fd = fd;
    l->size = (uint64_t)st.st_size;
    l->ring = l->size - ZS_PLOG_HEADER;
    memcpy(l->id, h + 32, ZS_PLOG_ID);
    l->tail_off = UINT64_MAX;
    l->dfd = -1;
    /* A file system without O_DIRECT (tmpfs) keeps the page cache and fdatasync. */
    if (l->size % DIO_BLOCK == 0 && (l->tail = aligned_alloc(DIO_BLOCK, DIO_BLOCK)))
        l->dfd = open(path, O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC);
    return l;
}

void zs_plog_buffered(zs_plog_t *l)
{
    if (l->dfd >= 0) close(l->dfd);
    l->dfd = -1;
}

int zs_plog_direct(const zs_plog_t *l)
{
    return l->dfd >= 0;
}

void zs_plog_close(zs_plog_t *l)
{
    if (!l) return;
    close(l->fd);
    if (l->dfd >= 0) close(l->dfd);
    free(l->buf);
    free(l->dbuf);
    free(l->tail);
    free(l);
}

size_t zs_plog_size(const zs_plog_t *l)
{
    return (size_t)l->size;
}

const uint8_t *zs_plog_id(const zs_plog_t *l)
{
    return l->id;
}

int zs_plog_renew(zs_plog_t *l)
{
    uint8_t id[ZS_PLOG_ID], h[64];
    if (new_id(id)) return ZS_ERR_IO;
    header_encode(h, l->size, id);
    if (pwrite_all(l->fd, h, sizeof h, 0) || fdatasync(l->fd)) return ZS_ERR_IO;
    memcpy(l->id, id, ZS_PLOG_ID);
    l->pos = l->ckpt = 0;
    l->tail_off = UINT64_MAX;
    return ZS_OK;
}

int zs_plog_failed(const zs_plog_t *l)
{
    return l->off;
}

const char *zs_plog_failure(const zs_plog_t *l)
{
    return l->off ? strerror(l->off_errno) : "";
}

uint64_t zs_plog_pos(const zs_plog_t *l)
{
    return l->pos;
}

/* ---- Places in the ring. */

static uint64_t file_off(const zs_plog_t *l, uint64_t pos)
{
    return ZS_PLOG_HEADER + pos % l->ring;
}

static uint64_t to_ring_end(const zs_plog_t *l, uint64_t pos)
{
    return l->ring - pos % l->ring;
}

static size_t padded(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Reads the record at pos: 1 and its header and payload (malloc'd) when it
   is whole, of this id and this position; 0 otherwise. */
static int read_rec(zs_plog_t *l, uint64_t pos, uint8_t hdr[REC_HDR], uint8_t **payload)
{
    *payload = NULL;
    if (pread_all(l->fd, hdr, REC_HDR, file_off(l, pos))) return 0;
    uint32_t kind = zs_get_le32(hdr + 4), len = zs_get_le32(hdr + 16);
    if (zs_get_le32(hdr) != REC_MAGIC || zs_get_le64(hdr + 8) != pos || (kind != KIND_ROUND && kind != KIND_PAD)) return 0;
    if (REC_HDR + (uint64_t)padded(len) > to_ring_end(l, pos)) return 0;
    uint8_t *p = kind == KIND_ROUND ? malloc(len ? len : 1) : NULL;
    if (kind == KIND_ROUND && (!p || pread_all(l->fd, p, len, file_off(l, pos) + REC_HDR))) {
        free(p);
        return 0;
    }
    if (rec_sum(l->id, hdr, p, kind == KIND_ROUND ? len : 0) != zs_get_le64(hdr + 24)) {
        free(p);
        return 0;
    }
    *payload = p;
    return 1;
}

/* Calls fn for each row of a round's payload. */
static int replay_rows(const uint8_t *p, size_t len, uint32_t count, zs_plog_row_fn fn, void *ctx, size_t *rows)
{
    size_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (len - at < 12) return ZS_ERR_CORRUPT;
        uint64_t seq = zs_get_le64(p + at);
        uint32_t n = zs_get_le32(p + at + 8);
        at += 12;
        if (len - at < n) return ZS_ERR_CORRUPT;
        int rc = fn(ctx, seq, p + at, n);
        if (rc) return rc;
        at += n;
        (*rows)++;
    }
    return at == len ? ZS_OK : ZS_ERR_CORRUPT;
}

int zs_plog_replay(zs_plog_t *l, uint64_t from, zs_plog_row_fn fn, void *ctx, size_t *rows)
{
    uint64_t pos = from;
    *rows = 0;
    for (;;) {
        if (to_ring_end(l, pos) < REC_HDR) {
            pos += to_ring_end(l, pos);
            continue;
        }
        if (pos - from >= l->ring) break;
        uint8_t hdr[REC_HDR], *p;
        if (!read_rec(l, pos, hdr, &p)) break;
        uint32_t kind = zs_get_le32(hdr + 4), len = zs_get_le32(hdr + 16);
        int rc = kind == KIND_ROUND ? replay_rows(p, len, zs_get_le32(hdr + 20), fn, ctx, rows) : ZS_OK;
        free(p);
        if (rc) return rc;
        pos += kind == KIND_PAD ? to_ring_end(l, pos) : REC_HDR + padded(len);
    }
    l->pos = pos;
    l->ckpt = from;
    return ZS_OK;
}

/* ---- Writing. */

void zs_plog_round_begin(zs_plog_t *l)
{
    l->len = REC_HDR;
    l->count = 0;
}

static int reserve(zs_plog_t *l, size_t more)
{
    if (l->cap - l->len >= more && l->buf) return ZS_OK;
    size_t cap = l->cap ? l->cap : 65536;
    while (cap - l->len < more) cap *= 2;
    uint8_t *b = realloc(l->buf, cap);
    if (!b) return ZS_ERR_NOMEM;
    l->buf = b;
    l->cap = cap;
    return ZS_OK;
}

int zs_plog_round_add(zs_plog_t *l, uint64_t seq, const uint8_t *raw, size_t len)
{
    if (l->len < REC_HDR) zs_plog_round_begin(l);
    if (len > UINT32_MAX || reserve(l, 12 + len + 8)) return ZS_ERR_NOMEM;
    zs_put_le64(l->buf + l->len, seq);
    zs_put_le32(l->buf + l->len + 8, (uint32_t)len);
    memcpy(l->buf + l->len + 12, raw, len);
    l->len += 12 + len;
    l->count++;
    return ZS_OK;
}

/* [p, p+n) written at file offset off, durably once it returns when the
   log writes directly: the blocks it covers go out whole, the first one
   led by what the file holds before off (the round before, kept from its
   own write), the last one zero after it.  That block was written through
   the page cache as a whole page before, so nothing a torn write could
   hurt is added. */
static int put(zs_plog_t *l, const uint8_t *p, size_t n, uint64_t off)
{
    if (l->dfd < 0) return pwrite_all(l->fd, p, n, off);
    uint64_t start = off & ~(uint64_t)(DIO_BLOCK - 1);
    size_t lead = (size_t)(off - start), span = (lead + n + DIO_BLOCK - 1) & ~(size_t)(DIO_BLOCK - 1);
    if (span > l->dcap) {
        free(l->dbuf);
        l->dcap = 0;
        if (!(l->dbuf = aligned_alloc(DIO_BLOCK, span))) return ZS_ERR_NOMEM;
        l->dcap = span;
    }
    if (lead && l->tail_off != start && pread_all(l->fd, l->tail, DIO_BLOCK, start)) return ZS_ERR_IO;
    memcpy(l->dbuf, l->tail, lead);
    memcpy(l->dbuf + lead, p, n);
    memset(l->dbuf + lead + n, 0, span - lead - n);
    l->tail_off = UINT64_MAX;
    ssize_t k;
    do k = pwrite(l->dfd, l->dbuf, span, (off_t)start);
    while (k < 0 && errno == EINTR);
    if (k < 0 && errno == EINVAL && !l->direct_ok) { /* opened, yet no direct write taken: the page cache */
        zs_plog_buffered(l);
        return pwrite_all(l->fd, p, n, off);
    }
    if (k != (ssize_t)span) return ZS_ERR_IO; /* a short direct write cannot be resumed in place */
    l->direct_ok = 1;
    memcpy(l->tail, l->dbuf + span - DIO_BLOCK, DIO_BLOCK);
    l->tail_off = start + span - DIO_BLOCK;
    return ZS_OK;
}

static void rec_header(const zs_plog_t *l, uint8_t *h, uint32_t kind, uint64_t pos, uint32_t len, uint32_t count,
                       const uint8_t *payload)
{
    zs_put_le32(h, REC_MAGIC);
    zs_put_le32(h + 4, kind);
    zs_put_le64(h + 8, pos);
    zs_put_le32(h + 16, len);
    zs_put_le32(h + 20, count);
    zs_put_le64(h + 24, rec_sum(l->id, h, payload, len));
}

int zs_plog_round_write(zs_plog_t *l)
{
    if (l->off) return ZS_ERR_AGAIN;
    if (l->len < REC_HDR || !l->count) {
        l->len = 0;
        return ZS_OK; /* nothing to write */
    }
    size_t payload = l->len - REC_HDR, total = REC_HDR + padded(payload);
    memset(l->buf + l->len, 0, total - l->len); /* reserve() left room for the padding */
    uint64_t pos = l->pos, skip = to_ring_end(l, pos) < total ? to_ring_end(l, pos) : 0;
    if (total > l->ring / 2 || payload > UINT32_MAX || pos + skip + total - l->ckpt > l->ring) {
        l->len = 0;
        return ZS_ERR_AGAIN;
    }
    int rc = ZS_OK;
    if (skip >= REC_HDR) {
        uint8_t pad[REC_HDR];
        rec_header(l, pad, KIND_PAD, pos, 0, 0, NULL);
        rc = put(l, pad, sizeof pad, file_off(l, pos));
    }
    pos += skip;
    rec_header(l, l->buf, KIND_ROUND, pos, (uint32_t)payload, (uint32_t)l->count, l->buf + REC_HDR);
    if (!rc) rc = put(l, l->buf, total, file_off(l, pos));
    if (!rc && l->dfd < 0 && fdatasync(l->fd)) rc = ZS_ERR_IO;
    l->len = 0;
    if (rc) {
        l->off = 1;
        l->off_errno = errno ? errno : EIO;
        return ZS_ERR_IO;
    }
    l->pos = pos + total;
    return ZS_OK;
}

int zs_plog_want_checkpoint(const zs_plog_t *l)
{
    return l->pos - l->ckpt >= l->ring / 4;
}

void zs_plog_checkpointed(zs_plog_t *l, uint64_t pos)
{
    if (pos > l->ckpt && pos <= l->pos) l->ckpt = pos;
}
