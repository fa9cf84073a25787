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

zs_store_t *zs_schema_open(const char *path, const zs_store_opts_t *o, char *err, size_t errlen)
{
    zs_store_t *s = zs_store_open(path, zs_schema_cfs, ZS_CF_COUNT, o, err, errlen);
    if (!s) return NULL;
    char fmt[64];
    size_t len = 0;
    int rc = zs_store_get(s, ZS_CF_META, format_key, sizeof format_key - 1, fmt, sizeof fmt - 1, &len);
    if (rc == ZS_ERR_NOTFOUND) {
        /* A fresh database has no rows at all; anything else without the
           marker was not written by zkseq. */
        zs_store_iter_t *it = zs_store_iter_new(s, ZS_CF_META, NULL, 0);
        const uint8_t *k, *v;
        size_t kl, vl;
        int any = it ? zs_store_iter_next(it, &k, &kl, &v, &vl) : -1;
        zs_store_iter_free(it);
        if (any != 0 || o->read_only) {
            snprintf(err, errlen, "%s is not a zkseq database (no format marker)", path);
            zs_store_close(s);
            return NULL;
        }
        zs_store_batch_t *b = zs_store_batch_new(s);
        zs_store_put(b, ZS_CF_META, format_key, sizeof format_key - 1, ZS_SCHEMA_FORMAT, strlen(ZS_SCHEMA_FORMAT));
        rc = b ? zs_store_write(s, b, 1) : ZS_ERR_NOMEM;
        zs_store_batch_free(b);
        if (rc) {
            snprintf(err, errlen, "cannot initialise %s: %s", path, zs_store_last_error(s));
            zs_store_close(s);
            return NULL;
        }
        return s;
    }
    if (rc) {
        snprintf(err, errlen, "cannot read %s: %s (%s)", path, zs_strerror(rc), zs_store_last_error(s));
        zs_store_close(s);
        return NULL;
    }
    fmt[len] = '\0';
    if (strcmp(fmt, ZS_SCHEMA_FORMAT)) {
        snprintf(err, errlen,
                 "%s has database format '%s'; this zkseq reads '%s' (there is no in-place upgrade yet: open it "
                 "with the zkseq that wrote it, or start from a new directory)",
                 path, fmt, ZS_SCHEMA_FORMAT);
        zs_store_close(s);
        return NULL;
    }
    return s;
}
