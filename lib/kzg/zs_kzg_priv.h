/* zs_kzg_priv: lib/kzg's own view of the loaded setup (c-kzg's settings),
   shared by its files (zs_kzg.c, zs_kzg_fk20.c) and nobody else. */
#ifndef ZS_KZG_PRIV_H
#define ZS_KZG_PRIV_H

#include "ckzg.h"
#include "lib/kzg/zs_kzg.h"

struct zs_kzg {
    KZGSettings s;
};

#endif
