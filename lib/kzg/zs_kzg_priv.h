/* zs_kzg_priv: lib/kzg's own view of the loaded setup (c-kzg's settings),
   shared by its files (zs_kzg.c, zs_kzg_prep.c, zs_kzg_fk20.c) and nobody else. */
#ifndef ZS_KZG_PRIV_H
#define ZS_KZG_PRIV_H

#include "ckzg.h"
#include "lib/kzg/zs_kzg.h"

struct zs_kzg {
    KZGSettings s;
    uint8_t setup_hash[32]; /* keccak-256 of the trusted setup's text */
    char from[320];         /* what it was loaded from (zs_kzg_loaded_from) */
};

/* The prepared form (zs_kzg_prep.c): k's settings written to out (k loaded
   without precomputed tables), and read from path into k->s for the text
   whose hash is k->setup_hash (0; -1 with the reason in why, k->s
   untouched). */
int zs_kzg_prep_write(const zs_kzg_t *k, const char *out, char *err, size_t errlen);
int zs_kzg_prep_read(zs_kzg_t *k, const char *path, char *why, size_t whylen);

#endif
