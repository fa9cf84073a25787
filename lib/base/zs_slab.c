#include "lib/base/zs_slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_OBJECTS 4096

struct zs_slab_chunk {
    zs_slab_chunk_t *next;
};

void *zs_slab_get(zs_slab_t *s)
{
    if (!s->free_list) {
        zs_slab_chunk_t *c = malloc(sizeof *c + s->size * CHUNK_OBJECTS);
        if (!c) return NULL;
        c->next = s->chunks;
        s->chunks = c;
        s->chunk_bytes += sizeof *c + s->size * CHUNK_OBJECTS;
        uint8_t *base = (uint8_t *)(c + 1);
        for (size_t i = 0; i < CHUNK_OBJECTS; i++) {
            void **slot = (void **)(base + i * s->size);
            *slot = s->free_list;
            s->free_list = slot;
        }
    }
    void **n = s->free_list;
    s->free_list = *n;
    s->in_use++;
    memset(n, 0, s->size);
    return n;
}

void zs_slab_put(zs_slab_t *s, void *obj)
{
    *(void **)obj = s->free_list;
    s->free_list = obj;
    s->in_use--;
}

void zs_slab_free_all(zs_slab_t *s)
{
    while (s->chunks) {
        zs_slab_chunk_t *c = s->chunks;
        s->chunks = c->next;
        free(c);
    }
    s->free_list = NULL;
    s->in_use = 0;
    s->chunk_bytes = 0;
}
