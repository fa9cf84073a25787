/* zs_slab: fixed-size objects from chunks of 4,096 with a free list, for
   structures that make and drop millions of equal nodes (the state tree).
   Past 16 MiB a slab's chunks are 2 MiB mappings advised as transparent
   huge pages (a tree of a million accounts is read at random over 500 MiB,
   where 4 KiB pages cost a TLB miss on nearly every node).
   Objects come zeroed; memory goes back to the system only with
   zs_slab_free_all.  One thread at a time per slab. */
#ifndef ZS_SLAB_H
#define ZS_SLAB_H

#include <stddef.h>

typedef struct zs_slab_chunk zs_slab_chunk_t;

typedef struct {
    size_t size;        /* of one object: at least a pointer */
    void *free_list;
    zs_slab_chunk_t *chunks;
    size_t in_use;      /* objects handed out */
    size_t chunk_bytes; /* memory held */
} zs_slab_t;

#define ZS_SLAB_INIT(object_size) {.size = (object_size)}

/* A zeroed object, or NULL when out of memory. */
void *zs_slab_get(zs_slab_t *s);
void zs_slab_put(zs_slab_t *s, void *obj);
void zs_slab_free_all(zs_slab_t *s);

#endif
