/* The trusted setup in prepared form (zs_kzg.h): c-kzg's settings as
   loading the text leaves them in memory (the points decompressed and
   checked, the roots of unity, FK20's columns), written array after array
   behind a header:

     magic   16 bytes  "zkseq-kzg-prep1\n"
     tag     48 bytes  the library that computed it (ZS_KZG_PREP_TAG), zero-padded
     setup   32 bytes  keccak-256 of the trusted setup's text it was made from
     layout  32 bytes  keccak-256 of the element sizes and blst's generators in
                       memory form: a program whose blst lays points out
                       differently does not take the file
     payload 32 bytes  keccak-256 of everything after the header
     length   8 bytes  the payload's length (little-endian)

   A file that fails any of these is not used (the text is loaded instead);
   the file is derived data, made again by `make` or `zkseq blob
   prepare-setup`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg_priv.h"

#define PREP_MAGIC "zkseq-kzg-prep1\n"
/* Bump with the c-kzg-4844 sources (package-lock.json's c-kzg): its
   settings' contents may change with them. */
#define ZS_KZG_PREP_TAG "c-kzg-4844 sources of npm c-kzg@4.1.0"
#define G2_POINTS 65 /* the setup's G2 monomial points (its text's second line) */

enum { HDR_BYTES = 16 + 48 + 32 + 32 + 32 + 8 };

/* One array of the settings: where it is and how long. */
typedef struct {
    void *p;
    size_t len;
} part_t;

/* The settings' arrays in file order (x_ext_fft_columns' rows last). */
static size_t parts_of(KZGSettings *s, part_t *out)
{
    size_t n = 0, roots = FIELD_ELEMENTS_PER_EXT_BLOB;
    out[n++] = (part_t){(void *)s->roots_of_unity, (roots + 1) * sizeof(fr_t)};
    out[n++] = (part_t){(void *)s->brp_roots_of_unity, roots * sizeof(fr_t)};
    out[n++] = (part_t){(void *)s->reverse_roots_of_unity, (roots + 1) * sizeof(fr_t)};
    out[n++] = (part_t){(void *)s->g1_values_monomial, ZS_KZG_FIELD_ELEMENTS * sizeof(g1_t)};
    out[n++] = (part_t){(void *)s->g1_values_lagrange_brp, ZS_KZG_FIELD_ELEMENTS * sizeof(g1_t)};
    out[n++] = (part_t){(void *)s->g2_values_monomial, G2_POINTS * sizeof(g2_t)};
    for (size_t i = 0; i < CELLS_PER_EXT_BLOB; i++)
        out[n++] = (part_t){(void *)(s->x_ext_fft_columns ? s->x_ext_fft_columns[i] : NULL),
                            FIELD_ELEMENTS_PER_CELL * sizeof(g1_t)};
    return n;
}

enum { PARTS = 6 + CELLS_PER_EXT_BLOB };

static void layout_hash(uint8_t out[32])
{
    zs_keccak256_t h;
    uint64_t sizes[3] = {sizeof(fr_t), sizeof(g1_t), sizeof(g2_t)};
    blst_fr one;
    blst_fr_from_uint64(&one, (const uint64_t[4]){1, 0, 0, 0});
    zs_keccak256_init(&h);
    zs_keccak256_update(&h, sizes, sizeof sizes);
    zs_keccak256_update(&h, blst_p1_generator(), sizeof(blst_p1));
    zs_keccak256_update(&h, blst_p2_generator(), sizeof(blst_p2));
    zs_keccak256_update(&h, &one, sizeof one);
    zs_keccak256_final(&h, out);
}

static void header_of(uint8_t hdr[HDR_BYTES], const uint8_t setup_hash[32], const uint8_t payload_hash[32],
                      uint64_t len)
{
    memset(hdr, 0, HDR_BYTES);
    memcpy(hdr, PREP_MAGIC, 16);
    memcpy(hdr + 16, ZS_KZG_PREP_TAG, strlen(ZS_KZG_PREP_TAG));
    memcpy(hdr + 64, setup_hash, 32);
    layout_hash(hdr + 96);
    memcpy(hdr + 128, payload_hash, 32);
    for (int i = 0; i < 8; i++) hdr[160 + i] = (uint8_t)(len >> (8 * i));
}

int zs_kzg_prep_write(const zs_kzg_t *k, const char *out, char *err, size_t errlen)
{
    if (k->s.wbits) {
        snprintf(err, errlen, "a setup loaded with precomputed tables is not written in prepared form");
        return ZS_ERR_INVAL;
    }
    part_t parts[PARTS];
    size_t n = parts_of((KZGSettings *)&k->s, parts);
    zs_keccak256_t h;
    uint8_t payload_hash[32], hdr[HDR_BYTES];
    uint64_t len = 0;
    zs_keccak256_init(&h);
    for (size_t i = 0; i < n; i++) {
        zs_keccak256_update(&h, parts[i].p, parts[i].len);
        len += parts[i].len;
    }
    zs_keccak256_final(&h, payload_hash);
    header_of(hdr, k->setup_hash, payload_hash, len);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%.4000s.XXXXXX", out);
    int fd = mkstemp(tmp); /* a name of its own: two writers never share one */
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f) close(fd);
    int ok = f && fwrite(hdr, 1, HDR_BYTES, f) == HDR_BYTES;
    for (size_t i = 0; ok && i < n; i++) ok = fwrite(parts[i].p, 1, parts[i].len, f) == parts[i].len;
    if (f && fclose(f)) ok = 0;
    if (!ok || chmod(tmp, 0644) || rename(tmp, out)) {
        snprintf(err, errlen, "cannot write %.200s", out);
        if (fd >= 0) unlink(tmp);
        return ZS_ERR_IO;
    }
    return ZS_OK;
}

/* The settings' arrays, allocated as c-kzg allocates them (free_trusted_setup
   frees them); 0, or -1 out of memory. */
static int alloc_settings(KZGSettings *s)
{
    memset(s, 0, sizeof *s);
    size_t roots = FIELD_ELEMENTS_PER_EXT_BLOB;
    s->roots_of_unity = malloc((roots + 1) * sizeof(fr_t));
    s->brp_roots_of_unity = malloc(roots * sizeof(fr_t));
    s->reverse_roots_of_unity = malloc((roots + 1) * sizeof(fr_t));
    s->g1_values_monomial = malloc(ZS_KZG_FIELD_ELEMENTS * sizeof(g1_t));
    s->g1_values_lagrange_brp = malloc(ZS_KZG_FIELD_ELEMENTS * sizeof(g1_t));
    s->g2_values_monomial = malloc(G2_POINTS * sizeof(g2_t));
    s->x_ext_fft_columns = calloc(CELLS_PER_EXT_BLOB, sizeof(g1_t *));
    int ok = s->roots_of_unity && s->brp_roots_of_unity && s->reverse_roots_of_unity && s->g1_values_monomial &&
             s->g1_values_lagrange_brp && s->g2_values_monomial && s->x_ext_fft_columns;
    for (size_t i = 0; ok && i < CELLS_PER_EXT_BLOB; i++)
        ok = (s->x_ext_fft_columns[i] = malloc(FIELD_ELEMENTS_PER_CELL * sizeof(g1_t))) != NULL;
    return ok ? 0 : -1;
}

/* The header's checks against this program and the setup's text. */
static const char *header_problem(const uint8_t hdr[HDR_BYTES], const uint8_t setup_hash[32], uint64_t len)
{
    uint8_t want[HDR_BYTES];
    header_of(want, setup_hash, hdr + 128, len);
    if (memcmp(hdr, want, 16)) return "not a prepared setup";
    if (memcmp(hdr + 16, want + 16, 48)) return "made by another c-kzg";
    if (memcmp(hdr + 64, want + 64, 32)) return "made from another trusted setup";
    if (memcmp(hdr + 96, want + 96, 32)) return "made for another memory layout";
    if (memcmp(hdr + 160, want + 160, 8)) return "of another length";
    return NULL;
}

int zs_kzg_prep_read(zs_kzg_t *k, const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "no prepared form");
        return -1;
    }
    KZGSettings s;
    part_t parts[PARTS];
    uint8_t hdr[HDR_BYTES], got[32];
    const char *problem = alloc_settings(&s) ? "out of memory" : NULL;
    size_t n = parts_of(&s, parts);
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) len += parts[i].len;
    if (!problem && fread(hdr, 1, HDR_BYTES, f) != HDR_BYTES) problem = "cut short";
    if (!problem) problem = header_problem(hdr, k->setup_hash, len);
    zs_keccak256_t h;
    zs_keccak256_init(&h);
    for (size_t i = 0; !problem && i < n; i++) {
        if (fread(parts[i].p, 1, parts[i].len, f) != parts[i].len) problem = "cut short";
        zs_keccak256_update(&h, parts[i].p, parts[i].len);
    }
    if (!problem && fgetc(f) != EOF) problem = "longer than its header says";
    zs_keccak256_final(&h, got);
    if (!problem && memcmp(got, hdr + 128, 32)) problem = "damaged (its contents do not hash to its header's)";
    fclose(f);
    if (problem) {
        snprintf(why, whylen, "prepared form %s", problem);
        free_trusted_setup(&s);
        return -1;
    }
    k->s = s;
    return 0;
}
