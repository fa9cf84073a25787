/* A data stream file (zs_dsfile.h). */
#include "host/stream/zs_dsfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/zs_grow.h"
#include "lib/base/zs_time.h"

#define BM_SLOTS_MIN 1024

typedef struct {
    uint8_t key[ZS_DS_MAX_BOOKMARK];
    uint8_t len; /* 0: empty slot */
    uint64_t number;
} bm_t;

struct zs_dsfile {
    int fd;
    uint64_t system_id;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zs_ds_header_t hdr;       /* committed (mu) */
    uint64_t pos, entries;    /* the writer's, including the open operation */
    uint64_t *off;            /* entry offsets, committed and pending (mu for growth) */
    size_t cap;
    bm_t *bm;                 /* committed bookmarks (mu) */
    size_t nslots, nbm;
    struct { uint8_t key[ZS_DS_MAX_BOOKMARK]; uint8_t len; uint64_t number; } pend[64];
    size_t npend;             /* bookmarks of the open operation (the writer's) */
    int overflow;             /* more than pend holds: indexed at commit by a rescan of the operation */
    uint8_t *wbuf;            /* the open operation's bytes, written at commit in one pwrite (the writer's) */
    size_t wlen, wcap;
    uint64_t wstart;          /* where wbuf goes in the file */
    uint64_t size;            /* the file's length (the writer's; it only grows, page by page) */
};

static uint64_t hash(const uint8_t *k, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ k[i]) * 1099511628211ull;
    return h;
}

/* Inserts (or updates) a bookmark; grows the table at half full. */
static int bm_put(zs_dsfile_t *f, const uint8_t *k, size_t n, uint64_t number)
{
    if (n == 0 || n > ZS_DS_MAX_BOOKMARK) return ZS_OK; /* not one a client can ask for */
    if ((f->nbm + 1) * 2 > f->nslots) {
        size_t ns = f->nslots ? f->nslots * 2 : BM_SLOTS_MIN;
        bm_t *t = calloc(ns, sizeof *t), *old = f->bm;
        if (!t) return ZS_ERR_NOMEM;
        size_t on = f->nslots;
        f->bm = t, f->nslots = ns, f->nbm = 0;
        for (size_t i = 0; i < on; i++)
            if (old[i].len) (void)bm_put(f, old[i].key, old[i].len, old[i].number);
        free(old);
    }
    for (size_t i = hash(k, n) & (f->nslots - 1);; i = (i + 1) & (f->nslots - 1)) {
        bm_t *s = &f->bm[i];
        if (!s->len) {
            memcpy(s->key, k, n);
            s->len = (uint8_t)n;
            s->number = number;
            f->nbm++;
            return ZS_OK;
        }
        if (s->len == n && !memcmp(s->key, k, n)) {
            s->number = number;
            return ZS_OK;
        }
    }
}

static int io_fail(char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "data stream file %s: %s: %s", path, what, strerror(errno));
    return ZS_ERR_IO;
}

/* Room for one more offset. */
static int grow(zs_dsfile_t *f)
{
    if (f->entries < f->cap) return ZS_OK;
    size_t c = f->cap ? f->cap * 2 : 4096;
    pthread_mutex_lock(&f->mu);
    uint64_t *o = realloc(f->off, c * sizeof *o);
    if (o) f->off = o, f->cap = c;
    pthread_mutex_unlock(&f->mu);
    return o ? ZS_OK : ZS_ERR_NOMEM;
}

static int write_header(zs_dsfile_t *f, const zs_ds_header_t *h)
{
    uint8_t b[ZS_DS_HEADER_LEN];
    zs_ds_header_encode(h, b);
    return pwrite(f->fd, b, sizeof b, ZS_DS_MAGIC_LEN) == (ssize_t)sizeof b && !fdatasync(f->fd) ? ZS_OK : ZS_ERR_IO;
}

static int create(zs_dsfile_t *f, const char *path, char *err, size_t errlen)
{
    if (pwrite(f->fd, ZS_DS_MAGIC, ZS_DS_MAGIC_LEN, 0) != ZS_DS_MAGIC_LEN ||
        ftruncate(f->fd, ZS_DS_HEADER_PAGE + ZS_DS_DATA_PAGE))
        return io_fail(err, errlen, "cannot create", path);
    f->size = ZS_DS_HEADER_PAGE + ZS_DS_DATA_PAGE;
    f->hdr = (zs_ds_header_t){.version = ZS_DS_VERSION, .system_id = f->system_id,
                              .stream_type = ZS_DS_STREAM_SEQUENCER, .total_length = ZS_DS_HEADER_PAGE};
    return write_header(f, &f->hdr) ? io_fail(err, errlen, "cannot write its header", path) : ZS_OK;
}

/* Every committed entry: offsets and bookmarks; the count must be the
   header's. */
static int scan(zs_dsfile_t *f, const char *path, char *err, size_t errlen)
{
    uint64_t pos = ZS_DS_HEADER_PAGE;
    uint8_t fx[ZS_DS_ENTRY_FIXED], bmb[ZS_DS_MAX_BOOKMARK];
    while (pos < f->hdr.total_length) {
        if (pread(f->fd, fx, 1, (off_t)pos) != 1) return io_fail(err, errlen, "cannot read", path);
        if (fx[0] == ZS_DS_PT_PADDING) { /* the rest of this page */
            pos = ZS_DS_HEADER_PAGE + ((pos - ZS_DS_HEADER_PAGE) / ZS_DS_DATA_PAGE + 1) * ZS_DS_DATA_PAGE;
            continue;
        }
        zs_ds_entry_t e;
        uint32_t len = 0;
        if (pread(f->fd, fx, sizeof fx, (off_t)pos) == (ssize_t)sizeof fx) len = zs_ds_packet_length(fx);
        e.type = (uint32_t)fx[5] << 24 | (uint32_t)fx[6] << 16 | (uint32_t)fx[7] << 8 | fx[8];
        e.number = 0;
        for (int i = 0; i < 8; i++) e.number = e.number << 8 | fx[9 + i];
        if (fx[0] != ZS_DS_PT_DATA || len < ZS_DS_ENTRY_FIXED || pos + len > f->hdr.total_length ||
            e.number != f->entries || grow(f)) {
            snprintf(err, errlen, "data stream file %s: a damaged entry at offset %llu (entry %llu)", path,
                     (unsigned long long)pos, (unsigned long long)f->entries);
            return ZS_ERR_CORRUPT;
        }
        size_t dl = len - ZS_DS_ENTRY_FIXED;
        if (e.type == ZS_DS_ET_BOOKMARK && dl <= ZS_DS_MAX_BOOKMARK &&
            (pread(f->fd, bmb, dl, (off_t)(pos + ZS_DS_ENTRY_FIXED)) != (ssize_t)dl ||
             bm_put(f, bmb, dl, f->entries)))
            return io_fail(err, errlen, "cannot read a bookmark", path);
        f->off[f->entries++] = pos;
        pos += len;
    }
    if (f->entries != f->hdr.total_entries) {
        snprintf(err, errlen, "data stream file %s: the header counts %llu entries, the file holds %llu", path,
                 (unsigned long long)f->hdr.total_entries, (unsigned long long)f->entries);
        return ZS_ERR_CORRUPT;
    }
    f->pos = pos;
    return ZS_OK;
}

static int open_existing(zs_dsfile_t *f, const char *path, off_t size, char *err, size_t errlen)
{
    uint8_t head[ZS_DS_MAGIC_LEN + ZS_DS_HEADER_LEN];
    if (size < (off_t)ZS_DS_HEADER_PAGE || (size - ZS_DS_HEADER_PAGE) % ZS_DS_DATA_PAGE ||
        pread(f->fd, head, sizeof head, 0) != (ssize_t)sizeof head || memcmp(head, ZS_DS_MAGIC, ZS_DS_MAGIC_LEN) ||
        zs_ds_header_decode(head + ZS_DS_MAGIC_LEN, &f->hdr) || f->hdr.stream_type != ZS_DS_STREAM_SEQUENCER ||
        f->hdr.total_length < ZS_DS_HEADER_PAGE || f->hdr.total_length > (uint64_t)size) {
        snprintf(err, errlen, "%s is not a zkEVM data stream file (magic, header or a cut page)", path);
        return ZS_ERR_CORRUPT;
    }
    if (f->hdr.system_id != f->system_id) {
        snprintf(err, errlen, "data stream file %s is chain %llu's, this chain is %llu", path,
                 (unsigned long long)f->hdr.system_id, (unsigned long long)f->system_id);
        return ZS_ERR_STATE;
    }
    f->size = (uint64_t)size;
    return scan(f, path, err, errlen);
}

zs_dsfile_t *zs_dsfile_open(const char *path, uint64_t system_id, char *err, size_t errlen)
{
    zs_dsfile_t *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->system_id = system_id;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    struct stat st;
    int exists = stat(path, &st) == 0;
    f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = f->fd < 0 ? io_fail(err, errlen, "cannot open", path)
             : exists  ? open_existing(f, path, st.st_size, err, errlen)
                       : create(f, path, err, errlen);
    if (!rc && !exists) f->pos = ZS_DS_HEADER_PAGE;
    if (rc) {
        zs_dsfile_close(f);
        return NULL;
    }
    return f;
}

void zs_dsfile_close(zs_dsfile_t *f)
{
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    free(f->wbuf);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f->off);
    free(f->bm);
    free(f);
}

/* ---- The writer. */

void zs_dsfile_begin(zs_dsfile_t *f)
{
    f->npend = 0;
    f->overflow = 0;
    f->wlen = 0;
}

/* The entry goes into the operation's buffer; commit writes the buffer
   with one pwrite (a transaction is an entry, and an fstat and a pwrite
   for each were two system calls a transaction). */
int zs_dsfile_add(zs_dsfile_t *f, uint32_t type, const uint8_t *data, uint32_t len, uint64_t *number)
{
    uint64_t need = ZS_DS_ENTRY_FIXED + (uint64_t)len, off = f->pos - ZS_DS_HEADER_PAGE;
    uint64_t rem = ZS_DS_DATA_PAGE - off % ZS_DS_DATA_PAGE;
    if (need > ZS_DS_DATA_PAGE) return ZS_ERR_RANGE;
    uint64_t pad = off % ZS_DS_DATA_PAGE && need > rem ? rem : 0; /* to the next page */
    if (!f->wlen) f->wstart = f->pos;
    if (zs_grow((void **)&f->wbuf, &f->wcap, f->wlen + pad + need, 1, 65536) || grow(f)) return ZS_ERR_NOMEM;
    if (pad) {
        memset(f->wbuf + f->wlen, 0, pad);
        f->wbuf[f->wlen] = ZS_DS_PT_PADDING;
        f->wlen += pad;
        f->pos += pad;
    }
    zs_ds_entry_t e = {.packet = ZS_DS_PT_DATA, .type = type, .number = f->entries, .data = data, .len = len};
    zs_ds_entry_encode(&e, f->wbuf + f->wlen);
    f->wlen += need;
    if (type == ZS_DS_ET_BOOKMARK && len <= ZS_DS_MAX_BOOKMARK) {
        if (f->npend < sizeof f->pend / sizeof f->pend[0]) {
            memcpy(f->pend[f->npend].key, data, len);
            f->pend[f->npend].len = (uint8_t)len;
            f->pend[f->npend++].number = f->entries;
        } else {
            f->overflow = 1;
        }
    }
    f->off[f->entries] = f->pos;
    *number = f->entries++;
    f->pos += need;
    return ZS_OK;
}

/* The operation's bytes to the file, grown to whole pages first. */
static int flush_operation(zs_dsfile_t *f)
{
    if (!f->wlen) return ZS_OK;
    uint64_t pages = (f->pos - ZS_DS_HEADER_PAGE + ZS_DS_DATA_PAGE - 1) / ZS_DS_DATA_PAGE;
    uint64_t want = ZS_DS_HEADER_PAGE + pages * ZS_DS_DATA_PAGE;
    if (f->size < want) {
        if (ftruncate(f->fd, (off_t)want)) return ZS_ERR_IO;
        f->size = want;
    }
    if (pwrite(f->fd, f->wbuf, f->wlen, (off_t)f->wstart) != (ssize_t)f->wlen) return ZS_ERR_IO;
    f->wlen = 0;
    return ZS_OK;
}

int zs_dsfile_commit(zs_dsfile_t *f)
{
    if (f->overflow) return ZS_ERR_RANGE; /* an operation holds at most 64 bookmarks */
    zs_ds_header_t h = f->hdr;
    h.total_length = f->pos;
    h.total_entries = f->entries;
    if (flush_operation(f) || fdatasync(f->fd) || write_header(f, &h)) return ZS_ERR_IO;
    pthread_mutex_lock(&f->mu);
    f->hdr = h;
    int rc = ZS_OK;
    for (size_t i = 0; i < f->npend && !rc; i++) rc = bm_put(f, f->pend[i].key, f->pend[i].len, f->pend[i].number);
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    f->npend = 0;
    return rc;
}

void zs_dsfile_rollback(zs_dsfile_t *f)
{
    pthread_mutex_lock(&f->mu);
    f->pos = f->hdr.total_length;
    f->entries = f->hdr.total_entries;
    pthread_mutex_unlock(&f->mu);
    f->npend = 0;
    f->overflow = 0;
    f->wlen = 0;
}

/* ---- Readers. */

zs_ds_header_t zs_dsfile_header(zs_dsfile_t *f)
{
    pthread_mutex_lock(&f->mu);
    zs_ds_header_t h = f->hdr;
    pthread_mutex_unlock(&f->mu);
    return h;
}

int zs_dsfile_entry(zs_dsfile_t *f, uint64_t number, uint8_t **packet, size_t *len)
{
    pthread_mutex_lock(&f->mu);
    int have = number < f->hdr.total_entries;
    uint64_t off = have ? f->off[number] : 0;
    pthread_mutex_unlock(&f->mu);
    if (!have) return ZS_ERR_NOTFOUND;
    uint8_t fx[5];
    if (pread(f->fd, fx, 5, (off_t)off) != 5) return ZS_ERR_IO;
    uint32_t n = zs_ds_packet_length(fx);
    if (n < ZS_DS_ENTRY_FIXED || n > ZS_DS_DATA_PAGE) return ZS_ERR_CORRUPT;
    uint8_t *p = malloc(n);
    if (!p) return ZS_ERR_NOMEM;
    if (pread(f->fd, p, n, (off_t)off) != (ssize_t)n) {
        free(p);
        return ZS_ERR_IO;
    }
    *packet = p;
    *len = n;
    return ZS_OK;
}

static uint64_t page_of(uint64_t off)
{
    return (off - ZS_DS_HEADER_PAGE) / ZS_DS_DATA_PAGE;
}

int zs_dsfile_run(zs_dsfile_t *f, uint64_t from, size_t cap, uint8_t **bytes, size_t *len, uint64_t *count)
{
    pthread_mutex_lock(&f->mu);
    uint64_t total = f->hdr.total_entries, start = from < total ? f->off[from] : 0, end = 0, stop = from;
    /* Entries on one page lie back to back: entries from..stop-1 are the
       bytes up to where committed entry `stop`, on the same page, begins. */
    for (uint64_t k = from + 1; k < total && page_of(f->off[k]) == page_of(start) && f->off[k] - start <= cap; k++) {
        end = f->off[k];
        stop = k;
    }
    pthread_mutex_unlock(&f->mu);
    if (from >= total) return ZS_ERR_NOTFOUND;
    if (!end) {
        *count = 1;
        return zs_dsfile_entry(f, from, bytes, len);
    }
    uint8_t *p = malloc(end - start);
    if (!p) return ZS_ERR_NOMEM;
    if (pread(f->fd, p, end - start, (off_t)start) != (ssize_t)(end - start)) {
        free(p);
        return ZS_ERR_IO;
    }
    *bytes = p;
    *len = end - start;
    *count = stop - from;
    return ZS_OK;
}

int zs_dsfile_bookmark(zs_dsfile_t *f, const uint8_t *bookmark, size_t len, uint64_t *number)
{
    int rc = ZS_ERR_NOTFOUND;
    pthread_mutex_lock(&f->mu);
    for (size_t i = f->nslots ? hash(bookmark, len) & (f->nslots - 1) : 0; f->nslots && f->bm[i].len;
         i = (i + 1) & (f->nslots - 1))
        if (f->bm[i].len == len && !memcmp(f->bm[i].key, bookmark, len)) {
            *number = f->bm[i].number;
            rc = ZS_OK;
            break;
        }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

uint64_t zs_dsfile_wait(zs_dsfile_t *f, uint64_t have, int timeout_ms)
{
    struct timespec dl = zs_deadline_ms(timeout_ms);
    pthread_mutex_lock(&f->mu);
    while (f->hdr.total_entries <= have)
        if (pthread_cond_timedwait(&f->cv, &f->mu, &dl)) break;
    uint64_t n = f->hdr.total_entries;
    pthread_mutex_unlock(&f->mu);
    return n;
}
