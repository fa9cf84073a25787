#include "host/pool/zs_pool_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "host/store/zs_schema.h"
#include "lib/base/zs_bytes.h"

#define MARK_KEY "pool-log"
#define MARK_LEN (ZS_PLOG_ID + 8 + 1)

typedef struct {
    uint8_t id[ZS_PLOG_ID];
    uint64_t pos;
    int clean;
} mark_t;

void zs_pool_row_key(uint8_t k[8], uint64_t seq)
{
    zs_put_be64(k, seq);
}

static void mark_put(zs_store_batch_t *b, const uint8_t id[ZS_PLOG_ID], uint64_t pos, int clean)
{
    uint8_t v[MARK_LEN];
    memcpy(v, id, ZS_PLOG_ID);
    zs_put_le64(v + ZS_PLOG_ID, pos);
    v[ZS_PLOG_ID + 8] = clean ? 1 : 0;
    zs_store_put(b, ZS_CF_META, MARK_KEY, strlen(MARK_KEY), v, sizeof v);
}

void zs_pool_log_mark(zs_store_batch_t *b, const zs_plog_t *l, int clean)
{
    mark_put(b, zs_plog_id(l), zs_plog_pos(l), clean);
}

/* 1 with the checkpoint, 0 when there is none, or an error. */
static int mark_get(zs_store_t *s, mark_t *m)
{
    uint8_t v[MARK_LEN + 1];
    size_t n = 0;
    int rc = zs_store_get(s, ZS_CF_META, MARK_KEY, strlen(MARK_KEY), v, sizeof v, &n);
    if (rc == ZS_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    if (n != MARK_LEN || v[MARK_LEN - 1] > 1) return ZS_ERR_CORRUPT;
    memcpy(m->id, v, ZS_PLOG_ID);
    m->pos = zs_get_le64(v + ZS_PLOG_ID);
    m->clean = v[MARK_LEN - 1];
    return 1;
}

int zs_pool_log_checkpoint(zs_store_t *store, uint64_t *pos, int *clean)
{
    mark_t m;
    int rc = mark_get(store, &m);
    if (rc == 1) {
        *pos = m.pos;
        *clean = m.clean;
    }
    return rc;
}

static int put_row(void *ctx, uint64_t seq, const uint8_t *raw, size_t len)
{
    uint8_t k[8];
    zs_pool_row_key(k, seq);
    zs_store_put(ctx, ZS_CF_POOL, k, 8, raw, len);
    return ZS_OK;
}

/* The log's rounds past the checkpoint into the database, and the
   checkpoint marked clean ("nothing in the log is needed"), flushed. */
static int take_rounds(zs_store_t *s, zs_plog_t *l, const mark_t *m, size_t *replayed)
{
    zs_store_batch_t *b = zs_store_batch_new(s);
    if (!b) return ZS_ERR_NOMEM;
    int rc = l ? zs_plog_replay(l, m->pos, put_row, b, replayed) : ZS_OK;
    if (!rc) {
        mark_put(b, m->id, l ? zs_plog_pos(l) : m->pos, 1);
        rc = zs_store_write(s, b, 1);
    }
    zs_store_batch_free(b);
    return rc;
}

/* The log to write from now on: l when it is the one the checkpoint
   names at the wanted size, else renewed or made again. */
static zs_plog_t *fresh_log(zs_plog_t *l, int same, const char *path, size_t size, char *err, size_t errlen)
{
    if (l && zs_plog_size(l) == size) {
        if (same || !zs_plog_renew(l)) return l;
        snprintf(err, errlen, "%s: cannot renew the pool log: %s", path, strerror(errno));
        zs_plog_close(l);
        return NULL;
    }
    zs_plog_close(l);
    if (zs_plog_create(path, size, err, errlen)) return NULL;
    return zs_plog_open(path, err, errlen);
}

zs_plog_t *zs_pool_log_open(zs_store_t *store, const char *path, size_t size, size_t *replayed, char *err,
                            size_t errlen)
{
    *replayed = 0;
    mark_t m = {0};
    int have = mark_get(store, &m);
    if (have < 0) {
        snprintf(err, errlen, "the pool database's log checkpoint is damaged (%s)", zs_strerror(have));
        return NULL;
    }
    struct stat st;
    char why[512] = "";
    zs_plog_t *l = stat(path, &st) ? NULL : zs_plog_open(path, why, sizeof why);
    int same = have && l && !memcmp(m.id, zs_plog_id(l), ZS_PLOG_ID);
    if (have && !m.clean && !same) {
        snprintf(err, errlen,
                 "%s: %s, but the pool did not stop cleanly and acknowledged transactions may be in it; restore it, "
                 "or remove it and the pool's database beside it to start with an empty pool",
                 path, !l && !why[0] ? "missing" : !l ? why : "not the log the pool's database names");
        zs_plog_close(l);
        return NULL;
    }
    int rc = have ? take_rounds(store, same ? l : NULL, &m, replayed) : ZS_OK;
    if (rc) {
        snprintf(err, errlen, "%s: bringing its rounds into the pool's database: %s", path, zs_strerror(rc));
        zs_plog_close(l);
        return NULL;
    }
    if (!(l = fresh_log(l, same, path, size, err, errlen))) return NULL;
    zs_store_batch_t *b = zs_store_batch_new(store);
    if (b) zs_pool_log_mark(b, l, 0);
    rc = b ? zs_store_write(store, b, 1) : ZS_ERR_NOMEM;
    zs_store_batch_free(b);
    if (rc) {
        snprintf(err, errlen, "writing the pool log's checkpoint: %s", zs_strerror(rc));
        zs_plog_close(l);
        return NULL;
    }
    zs_plog_checkpointed(l, zs_plog_pos(l));
    return l;
}
