#include "lib/base/zs_hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_err.h"

static size_t hkey(const uint8_t *k)
{
    uint64_t x;
    memcpy(&x, k + 4, 8);
    return (size_t)(x * 0x9e3779b97f4a7c15ull >> 7);
}

void *zs_hmap_get(const zs_hmap_t *m, const void *key, size_t klen, size_t koff)
{
    if (!m->nb) return NULL;
    for (void *e = m->b[hkey(key) & (m->nb - 1)]; e; e = *(void **)e)
        if (!memcmp((uint8_t *)e + koff, key, klen)) return e;
    return NULL;
}

int zs_hmap_put(zs_hmap_t *m, void *e, size_t koff)
{
    if (m->count + 1 > m->nb) {
        size_t nb = m->nb ? 2 * m->nb : 1024;
        void **b = calloc(nb, sizeof *b);
        if (!b) return ZS_ERR_NOMEM;
        for (size_t i = 0; i < m->nb; i++) {
            for (void *x = m->b[i], *next; x; x = next) {
                next = *(void **)x;
                size_t j = hkey((uint8_t *)x + koff) & (nb - 1);
                *(void **)x = b[j];
                b[j] = x;
            }
        }
        free(m->b);
        m->b = b;
        m->nb = nb;
    }
    size_t j = hkey((uint8_t *)e + koff) & (m->nb - 1);
    *(void **)e = m->b[j];
    m->b[j] = e;
    m->count++;
    return ZS_OK;
}

void zs_hmap_del(zs_hmap_t *m, void *e, size_t koff)
{
    if (!m->nb) return;
    void **pp = &m->b[hkey((uint8_t *)e + koff) & (m->nb - 1)];
    while (*pp && *pp != e) pp = (void **)*pp;
    if (*pp) {
        *pp = *(void **)e;
        m->count--;
    }
}
