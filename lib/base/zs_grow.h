/* zs_grow: room in a growing array.  Makes *p hold at least need
   elements of elem bytes: the capacity *cap (in elements) doubles from
   first (when 0) until need fits, and *p is reallocated.  ZS_OK, or
   ZS_ERR_NOMEM with *p and *cap unchanged. */
#ifndef ZS_GROW_H
#define ZS_GROW_H

#include <stddef.h>

int zs_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
