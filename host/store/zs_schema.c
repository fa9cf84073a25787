#include "host/store/zs_schema.h"

#include <stdio.h>
#include <string.h>

const zs_cf_desc_t zs_schema_cfs[ZS_CF_COUNT] = {
    [ZS_CF_META] = {"meta", 0},
    [ZS_CF_SMT_NODES] = {"smt_nodes", 1},
    [ZS_CF_SMT_ROOTS] = {"smt_roots", 0},
    [ZS_CF_SMT_GC] = {"smt_gc", 0},
    [ZS_CF_CHAIN] = {"chain", 1},
    [ZS_CF_POOL] = {"pool", 0},
    [ZS_CF_L1] = {"l1", 0},
};

static const char format_key[] = "schema/format";

static void put_marker(zs_store_batch_t *b)
{
    zs_store_put(b, ZS_CF_META, format_key, sizeof format_key - 1, ZS_SCHEMA_FORMAT, strlen(ZS_SCHEMA_FORMAT));
}

/* A fresh database has no rows at all; anything else without the marker
   was not written by zkseq. */
static int mark_fresh(zs_store_t *s, const char *path, const zs_store_opts_t *o, char *err, size_t errlen)
{
    zs_store_iter_t *it = zs_store_iter_new(s, ZS_CF_META, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    int any = it ? zs_store_iter_next(it, &k, &kl, &v, &vl) : -1;
    zs_store_iter_free(it);
    if (any != 0 || o->read_only) {
        snprintf(err, errlen, "%s is not a zkseq database (no format marker)", path);
        return ZS_ERR_INVAL;
    }
    zs_store_batch_t *b = zs_store_batch_new(s);
    if (b) put_marker(b);
    int rc = b ? zs_store_write(s, b, 1) : ZS_ERR_NOMEM;
    zs_store_batch_free(b);
    if (rc) snprintf(err, errlen, "cannot initialise %s: %s", path, zs_store_last_error(s));
    return rc;
}

static int upgrade(zs_store_t *s, const char *path, zs_schema_upgrade_t *up, char *err, size_t errlen)
{
    zs_store_batch_t *b = zs_store_batch_new(s);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    char why[256] = "";
    if (up->begin) up->begin(up, path);
    /* Compacted first: a database whose log was just replayed can hold one
       huge table file, whose filter no cache shard keeps, so that every
       read the upgrade makes would load it again. */
    int rc = zs_store_compact(s);
    if (!rc) rc = up->run(up, s, b, why, sizeof why);
    if (!rc) {
        put_marker(b);
        if ((rc = zs_store_write(s, b, 1))) snprintf(why, sizeof why, "%s", zs_store_last_error(s));
    }
    zs_store_batch_free(b);
    if (!rc) rc = zs_store_compact(s);
    if (rc)
        snprintf(err, errlen, "%s: the upgrade from '%s' to '%s' failed (%s: %s); the database is as it was", path,
                 up->from, ZS_SCHEMA_FORMAT, zs_strerror(rc), why[0] ? why : zs_store_last_error(s));
    return rc;
}

zs_store_t *zs_schema_open_upgrading(const char *path, const zs_store_opts_t *o, zs_schema_upgrade_t *up,
                                     char *err, size_t errlen)
{
    zs_store_t *s = zs_store_open(path, zs_schema_cfs, ZS_CF_COUNT, o, err, errlen);
    if (!s) return NULL;
    char fmt[64];
    size_t len = 0;
    int rc = zs_store_get(s, ZS_CF_META, format_key, sizeof format_key - 1, fmt, sizeof fmt - 1, &len);
    if (rc == ZS_OK) fmt[len] = '\0';
    if (rc == ZS_ERR_NOTFOUND) {
        rc = mark_fresh(s, path, o, err, errlen);
    } else if (rc) {
        snprintf(err, errlen, "cannot read %s: %s (%s)", path, zs_strerror(rc), zs_store_last_error(s));
    } else if (strcmp(fmt, ZS_SCHEMA_FORMAT) == 0) {
        rc = ZS_OK;
    } else if (up && strcmp(fmt, up->from) == 0 && !o->read_only) {
        rc = upgrade(s, path, up, err, errlen);
    } else {
        snprintf(err, errlen, "%s has database format '%s'; this zkseq reads '%s' (%s)", path, fmt, ZS_SCHEMA_FORMAT,
                 strcmp(fmt, ZS_SCHEMA_FORMAT_PREV) == 0
                     ? "zkseqd upgrades it in place when it starts on it"
                     : "open it with the zkseq that wrote it, or start from a new directory");
        rc = ZS_ERR_INVAL;
    }
    if (rc) {
        zs_store_close(s);
        return NULL;
    }
    return s;
}

zs_store_t *zs_schema_open(const char *path, const zs_store_opts_t *o, char *err, size_t errlen)
{
    return zs_schema_open_upgrading(path, o, NULL, err, errlen);
}
