#include "lib/base/zs_slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SMALL_OBJECTS 4096          /* a chunk's objects while the slab is small */
#define HUGE_BYTES (2u << 20)       /* a transparent huge page */
#define HUGE_AFTER (16u << 20)      /* bytes held before chunks become huge pages */

/* A chunk's header takes a cache line, so that objects of 64 bytes (the
   tree's branches) each sit in one line instead of straddling two. */
#define LINE 64
struct zs_slab_chunk {
    zs_slab_chunk_t *next;
    size_t mapped; /* bytes of a huge chunk's own mapping, 0 for aligned_alloc's */
    uint8_t pad[LINE - sizeof(void *) - sizeof(size_t)];
};
_Static_assert(sizeof(zs_slab_chunk_t) == LINE, "a chunk's header is one cache line");

/* A chunk of HUGE_BYTES at a huge page's alignment, advised to be one:
   the tree's nodes are read at random over hundreds of MiB, where 4 KiB
   pages cost a TLB miss on nearly every node. */
static zs_slab_chunk_t *huge_chunk(void)
{
    uint8_t *m = mmap(NULL, 2 * HUGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uint8_t *a = (uint8_t *)(((uintptr_t)m + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
    if (a > m) munmap(m, (size_t)(a - m));
    if (a + HUGE_BYTES < m + 2 * HUGE_BYTES) munmap(a + HUGE_BYTES, (size_t)(m + 2 * HUGE_BYTES - (a + HUGE_BYTES)));
    madvise(a, HUGE_BYTES, MADV_HUGEPAGE); /* advice: plain pages if the kernel will not */
    zs_slab_chunk_t *c = (zs_slab_chunk_t *)a;
    c->mapped = HUGE_BYTES;
    return c;
}

void *zs_slab_get(zs_slab_t *s)
{
    if (!s->free_list) {
        zs_slab_chunk_t *c;
        size_t objects;
        if (s->chunk_bytes >= HUGE_AFTER && s->size <= HUGE_BYTES / 64) {
            c = huge_chunk();
            objects = (HUGE_BYTES - sizeof *c) / s->size;
        } else {
            size_t bytes = (sizeof *c + s->size * SMALL_OBJECTS + LINE - 1) & ~(size_t)(LINE - 1);
            c = aligned_alloc(LINE, bytes);
            objects = SMALL_OBJECTS;
            if (c) c->mapped = 0;
        }
        if (!c) return NULL;
        c->next = s->chunks;
        s->chunks = c;
        s->chunk_bytes += sizeof *c + s->size * objects;
        uint8_t *base = (uint8_t *)(c + 1);
        for (size_t i = 0; i < objects; i++) {
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
        if (c->mapped) munmap(c, c->mapped);
        else free(c);
    }
    s->free_list = NULL;
    s->in_use = 0;
    s->chunk_bytes = 0;
}
