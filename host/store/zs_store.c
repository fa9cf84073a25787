#include "host/store/zs_store.h"

#include <dirent.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CF 32

struct zs_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *cf_opts[MAX_CF];
    rocksdb_column_family_handle_t *cf[MAX_CF];
    int ncf;
    rocksdb_readoptions_t *ro;
    rocksdb_writeoptions_t *wo_sync, *wo_nosync;
    rocksdb_cache_t *cache;
    rocksdb_block_based_table_options_t *bbo_point, *bbo_plain;
    rocksdb_filterpolicy_t *bloom;
    pthread_mutex_t err_lock;
    char last_err[512];
};

struct zs_store_batch {
    zs_store_t *s;
    rocksdb_writebatch_t *wb; /* reused: clearing keeps its buffer */
    size_t count;
    int bad; /* an operation named an unknown family */
};

static void set_err(zs_store_t *s, const char *what, char *rerr)
{
    pthread_mutex_lock(&s->err_lock);
    snprintf(s->last_err, sizeof s->last_err, "%s: %s", what, rerr ? rerr : "unknown error");
    pthread_mutex_unlock(&s->err_lock);
}

static int classify(const char *rerr)
{
    if (!rerr) return ZS_ERR_IO;
    if (strstr(rerr, "Corruption") || strstr(rerr, "corrupt") || strstr(rerr, "checksum")) return ZS_ERR_CORRUPT;
    return ZS_ERR_IO;
}

static void destroy(zs_store_t *s)
{
    if (s->db) {
        for (int i = 0; i < s->ncf; i++)
            if (s->cf[i]) rocksdb_column_family_handle_destroy(s->cf[i]);
        rocksdb_close(s->db);
    }
    for (int i = 0; i < MAX_CF; i++)
        if (s->cf_opts[i]) rocksdb_options_destroy(s->cf_opts[i]);
    if (s->opts) rocksdb_options_destroy(s->opts);
    if (s->ro) rocksdb_readoptions_destroy(s->ro);
    if (s->wo_sync) rocksdb_writeoptions_destroy(s->wo_sync);
    if (s->wo_nosync) rocksdb_writeoptions_destroy(s->wo_nosync);
    /* Table options own nothing we must free beyond themselves; the merge
       operator and filter are owned by the options that hold them. */
    if (s->bbo_point) rocksdb_block_based_options_destroy(s->bbo_point);
    if (s->bbo_plain) rocksdb_block_based_options_destroy(s->bbo_plain);
    if (s->cache) rocksdb_cache_destroy(s->cache);
    pthread_mutex_destroy(&s->err_lock);
    free(s);
}

/* Long because RocksDB's C API sets each option with its own call; the order here is
 * the order the options are documented in (block cache, filters, column families, WAL). */
/* The database's own options (the families' follow in zs_store_open). */
static rocksdb_options_t *db_options(int create)
{
    rocksdb_options_t *d = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(d, create ? 1 : 0);
    rocksdb_options_set_create_missing_column_families(d, 1);
    rocksdb_options_set_paranoid_checks(d, 1);
    rocksdb_options_set_max_background_jobs(d, 2);
    /* Compactions run at the lowest CPU and I/O priority (flushes stay as
       they are): the answers' fsyncs and the sequencer come first. */
    rocksdb_env_t *env = rocksdb_create_default_env();
    if (env) {
        rocksdb_env_lower_thread_pool_cpu_priority(env);
        rocksdb_env_lower_thread_pool_io_priority(env);
        rocksdb_options_set_env(d, env); /* the process's default Env: the wrapper can go */
        rocksdb_env_destroy(env);
    }
    rocksdb_options_set_bytes_per_sync(d, 1 << 20);
    /* The log written without a flush (the pool's, between checkpoints)
       goes to the disk in the background every MiB, so that the flush
       that ends such a run has little left to write. */
    rocksdb_options_set_wal_bytes_per_sync(d, 1 << 20);
    /* The log is one for all families: a family written rarely (meta, l1)
       kept every log file alive until its own memtable filled (240,000
       transfers: 1,680 bytes a transfer on disk while running, 920 after a
       clean stop).  Past 32 MiB of log the families holding the oldest
       file are flushed (990 and 990). */
    rocksdb_options_set_max_total_wal_size(d, 32u << 20);
    /* A torn last record in the log is dropped; anything earlier must be intact. */
    rocksdb_options_set_wal_recovery_mode(d, 2 /* kPointInTimeRecovery */);
    return d;
}

zs_store_t *zs_store_open(const char *path, const zs_cf_desc_t *cfs, int ncf, const zs_store_opts_t *o, char *err,
                          size_t errlen)
{
    if (ncf < 1 || ncf + 1 > MAX_CF) {
        snprintf(err, errlen, "bad column family list");
        return NULL;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory", path);
        return NULL;
    }
    if (!o->create && stat(path, &sb) != 0) {
        snprintf(err, errlen, "no database at %s", path);
        return NULL;
    }
    zs_store_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->err_lock, NULL);
    s->cache = rocksdb_cache_create_lru((o->cache_mb ? o->cache_mb : 256) << 20);
    s->bloom = rocksdb_filterpolicy_create_bloom(10);
    s->bbo_point = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(s->bbo_point, s->cache);
    rocksdb_block_based_options_set_filter_policy(s->bbo_point, s->bloom);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->bbo_point, 1);
    s->bbo_plain = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(s->bbo_plain, s->cache);

    s->opts = db_options(o->create);

    /* RocksDB always has "default"; it is family 0, ours follow. */
    const char *names[MAX_CF];
    const rocksdb_options_t *copts[MAX_CF];
    names[0] = "default";
    s->cf_opts[0] = rocksdb_options_create();
    copts[0] = s->cf_opts[0];
    for (int i = 0; i < ncf; i++) {
        rocksdb_options_t *co = rocksdb_options_create();
        /* Point-lookup families take writes scattered over their key space
           (the state tree's pruning deletes): a smaller memtable keeps its
           skip list shallow, which costs less than the extra flushes. */
        rocksdb_options_set_write_buffer_size(co, (size_t)(cfs[i].point_lookups ? 16 : 64) << 20);
        /* Level sizes that grow with the data keep compaction proportional
           to what is written. */
        rocksdb_options_set_level_compaction_dynamic_level_bytes(co, 1);
        rocksdb_options_set_max_bytes_for_level_base(co, 256 << 20);
        rocksdb_options_set_target_file_size_base(co, 64 << 20);
        if (cfs[i].point_lookups) {
            rocksdb_options_set_block_based_table_factory(co, s->bbo_point);
            rocksdb_options_set_compression(co, rocksdb_no_compression);
        } else {
            rocksdb_options_set_block_based_table_factory(co, s->bbo_plain);
        }
        s->cf_opts[i + 1] = co;
        copts[i + 1] = co;
        names[i + 1] = cfs[i].name;
    }
    s->ncf = ncf + 1;
    char *rerr = NULL;
    rocksdb_column_family_handle_t *handles[MAX_CF];
    if (o->read_only)
        s->db = rocksdb_open_for_read_only_column_families(s->opts, path, s->ncf, names, copts, handles, 0, &rerr);
    else
        s->db = rocksdb_open_column_families(s->opts, path, s->ncf, names, copts, handles, &rerr);
    if (!s->db) {
        const char *why = rerr ? rerr : "unknown error";
        if (rerr && strstr(rerr, "lock"))
            snprintf(err, errlen, "database %s is in use by another process (%s)", path, why);
        else if (rerr && classify(rerr) == ZS_ERR_CORRUPT)
            snprintf(err, errlen, "database %s is corrupted: %s", path, why);
        else
            snprintf(err, errlen, "cannot open database %s: %s", path, why);
        free(rerr);
        destroy(s);
        return NULL;
    }
    /* Our families are 0..ncf-1 for callers; RocksDB's default is hidden. */
    rocksdb_column_family_handle_destroy(handles[0]);
    for (int i = 0; i < ncf; i++) s->cf[i] = handles[i + 1];
    s->ncf = ncf;
    s->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_verify_checksums(s->ro, 1);
    s->wo_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(s->wo_sync, 1);
    s->wo_nosync = rocksdb_writeoptions_create();
    return s;
}

void zs_store_close(zs_store_t *s)
{
    if (s) destroy(s);
}

const char *zs_store_last_error(zs_store_t *s)
{
    return s->last_err;
}

/* RocksDB counts key comparisons and the like into a per-thread context
   unless told not to (its default level counts): in a shared library each
   count is a dynamic TLS access and its context's initialiser, about a
   tenth of a memtable insert's CPU.  Nothing here reads those counters:
   every thread that reads or writes turns them off once. */
static void no_perf_counts(void)
{
    static __thread int off;
    if (!off) {
        rocksdb_set_perf_level(1 /* kDisable */);
        off = 1;
    }
}

int zs_store_get(zs_store_t *s, int cf, const void *key, size_t klen, void *out, size_t cap, size_t *len)
{
    if (cf < 0 || cf >= s->ncf) return ZS_ERR_INVAL;
    no_perf_counts();
    char *rerr = NULL;
    size_t vlen = 0;
    rocksdb_pinnableslice_t *ps = rocksdb_get_pinned_cf(s->db, s->ro, s->cf[cf], key, klen, &rerr);
    if (rerr) {
        set_err(s, "read", rerr);
        int code = classify(rerr);
        free(rerr);
        return code;
    }
    if (!ps) return ZS_ERR_NOTFOUND;
    const char *v = rocksdb_pinnableslice_value(ps, &vlen);
    if (!v) {
        rocksdb_pinnableslice_destroy(ps);
        return ZS_ERR_NOTFOUND;
    }
    *len = vlen;
    int rc = ZS_OK;
    if (vlen > cap)
        rc = ZS_ERR_FULL;
    else
        memcpy(out, v, vlen);
    rocksdb_pinnableslice_destroy(ps);
    return rc;
}

int zs_store_get_many(zs_store_t *s, int cf, size_t n, const void *const *keys, const size_t *klens,
                      void *const *outs, size_t cap, size_t *lens, int *rcs)
{
    enum { MAXN = 64 };
    if (cf < 0 || cf >= s->ncf) return ZS_ERR_INVAL;
    for (size_t base = 0; base < n; base += MAXN) {
        size_t m = n - base < MAXN ? n - base : MAXN;
        rocksdb_pinnableslice_t *vals[MAXN];
        char *errs[MAXN];
        rocksdb_batched_multi_get_cf(s->db, s->ro, s->cf[cf], m, (const char *const *)(keys + base), klens + base, vals,
                                     errs, 0);
        for (size_t i = 0; i < m; i++) {
            size_t vlen = 0, k = base + i;
            const char *v = vals[i] ? rocksdb_pinnableslice_value(vals[i], &vlen) : NULL;
            if (errs[i]) {
                set_err(s, "read", errs[i]);
                rcs[k] = classify(errs[i]);
                free(errs[i]);
            } else if (!v) {
                rcs[k] = ZS_ERR_NOTFOUND;
            } else {
                lens[k] = vlen;
                rcs[k] = vlen > cap ? ZS_ERR_FULL : ZS_OK;
                if (vlen <= cap) memcpy(outs[k], v, vlen);
            }
            if (vals[i]) rocksdb_pinnableslice_destroy(vals[i]);
        }
    }
    return ZS_OK;
}

zs_store_batch_t *zs_store_batch_new(zs_store_t *s)
{
    zs_store_batch_t *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->s = s;
    b->wb = rocksdb_writebatch_create();
    return b;
}

void zs_store_batch_free(zs_store_batch_t *b)
{
    if (!b) return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

void zs_store_batch_clear(zs_store_batch_t *b)
{
    rocksdb_writebatch_clear(b->wb);
    b->count = 0;
    b->bad = 0;
}

size_t zs_store_batch_count(const zs_store_batch_t *b)
{
    return b->count;
}

static rocksdb_column_family_handle_t *handle(zs_store_batch_t *b, int cf)
{
    if (cf < 0 || cf >= b->s->ncf) {
        b->bad = 1;
        return NULL;
    }
    b->count++;
    return b->s->cf[cf];
}

void zs_store_put(zs_store_batch_t *b, int cf, const void *key, size_t klen, const void *val, size_t vlen)
{
    rocksdb_column_family_handle_t *h = handle(b, cf);
    if (h) rocksdb_writebatch_put_cf(b->wb, h, key, klen, val, vlen);
}

void zs_store_del(zs_store_batch_t *b, int cf, const void *key, size_t klen)
{
    rocksdb_column_family_handle_t *h = handle(b, cf);
    if (h) rocksdb_writebatch_delete_cf(b->wb, h, key, klen);
}

void zs_store_single_del(zs_store_batch_t *b, int cf, const void *key, size_t klen)
{
    rocksdb_column_family_handle_t *h = handle(b, cf);
    if (h) rocksdb_writebatch_singledelete_cf(b->wb, h, key, klen);
}

void zs_store_del_family(zs_store_batch_t *b, int cf)
{
    /* Keys are at most a few hundred bytes: 256 bytes of 0xff end past them. */
    char end[256];
    memset(end, 0xff, sizeof end);
    rocksdb_column_family_handle_t *h = handle(b, cf);
    if (h) rocksdb_writebatch_delete_range_cf(b->wb, h, "", 0, end, sizeof end);
}

int zs_store_write(zs_store_t *s, zs_store_batch_t *b, int sync)
{
    if (b->bad || b->s != s) return ZS_ERR_INVAL;
    no_perf_counts();
    char *rerr = NULL;
    rocksdb_write(s->db, sync ? s->wo_sync : s->wo_nosync, b->wb, &rerr);
    if (rerr) {
        set_err(s, "write", rerr);
        int code = classify(rerr);
        free(rerr);
        return code;
    }
    return ZS_OK;
}

struct zs_store_iter {
    rocksdb_iterator_t *it;
    zs_store_t *s;
    int cf, started;
};

zs_store_iter_t *zs_store_iter_new(zs_store_t *s, int cf, const void *start, size_t slen)
{
    if (cf < 0 || cf >= s->ncf) return NULL;
    zs_store_iter_t *i = calloc(1, sizeof *i);
    if (!i) return NULL;
    i->s = s;
    i->cf = cf;
    no_perf_counts();
    i->it = rocksdb_create_iterator_cf(s->db, s->ro, s->cf[cf]);
    if (start)
        rocksdb_iter_seek(i->it, start, slen);
    else
        rocksdb_iter_seek_to_first(i->it);
    return i;
}

int zs_store_iter_next(zs_store_iter_t *i, const uint8_t **key, size_t *klen, const uint8_t **val, size_t *vlen)
{
    for (;;) {
        if (i->started) rocksdb_iter_next(i->it);
        i->started = 1;
        if (!rocksdb_iter_valid(i->it)) {
            char *rerr = NULL;
            rocksdb_iter_get_error(i->it, &rerr);
            if (rerr) {
                set_err(i->s, "iterate", rerr);
                int code = classify(rerr);
                free(rerr);
                return code;
            }
            return 0;
        }
        *val = (const uint8_t *)rocksdb_iter_value(i->it, vlen);
        *key = (const uint8_t *)rocksdb_iter_key(i->it, klen);
        return 1;
    }
}

void zs_store_iter_free(zs_store_iter_t *i)
{
    if (!i) return;
    rocksdb_iter_destroy(i->it);
    free(i);
}

int zs_store_verify(zs_store_t *s, char *err, size_t errlen)
{
    for (int cf = 0; cf < s->ncf; cf++) {
        zs_store_iter_t *i = zs_store_iter_new(s, cf, NULL, 0);
        if (!i) return ZS_ERR_NOMEM;
        const uint8_t *k, *v;
        size_t kl, vl;
        int r;
        while ((r = zs_store_iter_next(i, &k, &kl, &v, &vl)) == 1) continue;
        zs_store_iter_free(i);
        if (r < 0) {
            snprintf(err, errlen, "%s", s->last_err);
            return r == ZS_ERR_IO ? ZS_ERR_CORRUPT : r;
        }
    }
    return ZS_OK;
}

uint64_t zs_store_disk_bytes(zs_store_t *s)
{
    uint64_t total = 0;
    for (int cf = 0; cf < s->ncf; cf++) {
        char *v = rocksdb_property_value_cf(s->db, s->cf[cf], "rocksdb.total-sst-files-size");
        if (v) total += strtoull(v, NULL, 10);
        free(v);
        v = rocksdb_property_value_cf(s->db, s->cf[cf], "rocksdb.size-all-mem-tables");
        if (v) total += strtoull(v, NULL, 10);
        free(v);
    }
    return total;
}

int zs_store_flush(zs_store_t *s)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    int rc = ZS_OK;
    for (int cf = 0; cf < s->ncf && !rc; cf++) {
        char *rerr = NULL;
        rocksdb_flush_cf(s->db, fo, s->cf[cf], &rerr);
        if (rerr) {
            set_err(s, "flush", rerr);
            rc = classify(rerr);
            free(rerr);
        }
    }
    rocksdb_flushoptions_destroy(fo);
    return rc;
}

int zs_store_compact(zs_store_t *s)
{
    int rc = zs_store_flush(s);
    /* Files already at the bottom are rewritten too (kForce), so that one
       huge file (a replayed log's) is cut to the target file size. */
    rocksdb_compactoptions_t *co = rocksdb_compactoptions_create();
    rocksdb_compactoptions_set_bottommost_level_compaction(co, 2);
    for (int cf = 0; cf < s->ncf && !rc; cf++) rocksdb_compact_range_cf_opt(s->db, s->cf[cf], co, NULL, 0, NULL, 0);
    rocksdb_compactoptions_destroy(co);
    return rc;
}
