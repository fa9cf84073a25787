/* zs_hmap: an intrusive hash map with chaining for structures keyed by a
   hash or an address (keys of at least 12 bytes whose bytes 4..11 are
   already well mixed).  Each entry's first field is the chain's link
   (a void *); its key lies at koff within the entry.  The table doubles
   as it fills.  No locking: the owner's. */
#ifndef ZS_HMAP_H
#define ZS_HMAP_H

#include <stddef.h>

typedef struct {
    void **b;     /* buckets (a power of two of them) */
    size_t nb, count;
} zs_hmap_t;

/* The entry whose key at koff equals key[0..klen), or NULL. */
void *zs_hmap_get(const zs_hmap_t *m, const void *key, size_t klen, size_t koff);
/* Adds e (its key must not be there yet).  ZS_ERR_NOMEM when the table
   cannot grow. */
int zs_hmap_put(zs_hmap_t *m, void *e, size_t koff);
/* Removes e if it is there. */
void zs_hmap_del(zs_hmap_t *m, void *e, size_t koff);

#endif
