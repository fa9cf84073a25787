#include "lib/base/zs_grow.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/base/zs_err.h"

int zs_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap) return ZS_OK;
    size_t c = *cap ? *cap : first ? first : 1;
    while (c < need) {
        if (c > SIZE_MAX / 2) return ZS_ERR_NOMEM;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem) return ZS_ERR_NOMEM;
    void *q = realloc(*p, c * elem);
    if (!q) return ZS_ERR_NOMEM;
    *p = q;
    *cap = c;
    return ZS_OK;
}
