#include "lib/kzg/zs_kzg.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg_priv.h"

static int ret(C_KZG_RET r)
{
    switch (r) {
    case C_KZG_OK: return ZS_OK;
    case C_KZG_BADARGS: return ZS_ERR_PARSE;
    case C_KZG_MALLOC: return ZS_ERR_NOMEM;
    default: return ZS_ERR_CRYPTO;
    }
}

/* The setup's default places, in order; the first that opens (f, and its
   name in path), or NULL with the places tried in path. */
static FILE *open_default(char *path, size_t cap)
{
    char exe[PATH_MAX];
    const char *env = getenv("ZS_KZG_SETUP");
    if (env && *env) {
        snprintf(path, cap, "%s", env);
        return fopen(env, "r");
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        snprintf(path, cap, "%s/../share/zkseq/kzg_trusted_setup.txt", exe);
        FILE *f = fopen(path, "r");
        if (f) return f;
    }
    snprintf(path, cap, "node_modules/c-kzg/deps/c-kzg/trusted_setup.txt");
    FILE *f = fopen(path, "r");
    if (!f)
        snprintf(path, cap, "share/zkseq/kzg_trusted_setup.txt beside the program's folder, then "
                 "node_modules/c-kzg/deps/c-kzg/trusted_setup.txt");
    return f;
}

/* keccak-256 of the whole of f, which is left at its start. */
static int hash_file(FILE *f, uint8_t out[32])
{
    uint8_t buf[16384]; /* small enough for any thread's stack (the JSON-RPC workers' are 512 KiB) */
    zs_keccak256_t h;
    zs_keccak256_init(&h);
    for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0;) zs_keccak256_update(&h, buf, got);
    zs_keccak256_final(&h, out);
    int bad = ferror(f);
    rewind(f);
    return bad ? -1 : 0;
}

/* From the prepared form beside the text (precompute 0 only, and not when
   asked for the text), else from the text. */
static C_KZG_RET load_settings(zs_kzg_t *k, FILE *f, const char *path, unsigned precompute, int text_only)
{
    char prep[PATH_MAX + 16], why[96] = "not looked for";
    snprintf(prep, sizeof prep, "%s.prepared", path);
    if (!precompute && !text_only && !zs_kzg_prep_read(k, prep, why, sizeof why)) {
        snprintf(k->from, sizeof k->from, "the prepared form %.200s", prep);
        return C_KZG_OK;
    }
    if (precompute) snprintf(why, sizeof why, "precomputed tables asked for");
    snprintf(k->from, sizeof k->from, "the text %.200s (%s)", path, why);
    return load_trusted_setup_file(&k->s, f, precompute > 15 ? 15 : precompute);
}

static zs_kzg_t *open_setup(const char *path, unsigned precompute, int text_only, char *err, size_t errlen)
{
    char where[PATH_MAX + 160] = "";
    if (path) snprintf(where, sizeof where, "%s", path);
    FILE *f = path ? fopen(path, "r") : open_default(where, sizeof where);
    if (!f) {
        snprintf(err, errlen, "the KZG trusted setup does not open (%s); set ZS_KZG_SETUP or run make", where);
        return NULL;
    }
    zs_kzg_t *k = calloc(1, sizeof *k);
    if (!k) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (hash_file(f, k->setup_hash)) {
        fclose(f);
        free(k);
        snprintf(err, errlen, "the KZG trusted setup does not read (%s)", where);
        return NULL;
    }
    C_KZG_RET r = load_settings(k, f, where, precompute, text_only);
    fclose(f);
    if (r != C_KZG_OK) {
        free(k);
        snprintf(err, errlen, "the KZG trusted setup does not load (c-kzg error %d)", (int)r);
        return NULL;
    }
    return k;
}

zs_kzg_t *zs_kzg_open(const char *path, unsigned precompute, char *err, size_t errlen)
{
    return open_setup(path, precompute, 0, err, errlen);
}

int zs_kzg_prepare(const char *path, const char *out, char *err, size_t errlen)
{
    zs_kzg_t *k = open_setup(path, 0, 1, err, errlen);
    if (!k) return ZS_ERR_PARSE;
    int rc = zs_kzg_prep_write(k, out, err, errlen);
    zs_kzg_close(k);
    return rc;
}

const char *zs_kzg_loaded_from(const zs_kzg_t *k)
{
    return k->from;
}

void zs_kzg_close(zs_kzg_t *k)
{
    if (!k) return;
    free_trusted_setup(&k->s);
    free(k);
}

int zs_kzg_commit(const zs_kzg_t *k, const uint8_t *blob, uint8_t commitment[48])
{
    KZGCommitment c;
    int rc = ret(blob_to_kzg_commitment(&c, (const Blob *)blob, &k->s));
    if (!rc) memcpy(commitment, c.bytes, 48);
    return rc;
}

int zs_kzg_blob_proof(const zs_kzg_t *k, const uint8_t *blob, const uint8_t commitment[48], uint8_t proof[48])
{
    KZGProof p;
    int rc = ret(compute_blob_kzg_proof(&p, (const Blob *)blob, (const Bytes48 *)commitment, &k->s));
    if (!rc) memcpy(proof, p.bytes, 48);
    return rc;
}

int zs_kzg_verify_blob_proof(const zs_kzg_t *k, const uint8_t *blob, const uint8_t commitment[48],
                             const uint8_t proof[48], int *ok)
{
    bool b = false;
    int rc = ret(verify_blob_kzg_proof(&b, (const Blob *)blob, (const Bytes48 *)commitment, (const Bytes48 *)proof,
                                       &k->s));
    *ok = !rc && b;
    return rc;
}

int zs_kzg_proof_at(const zs_kzg_t *k, const uint8_t *blob, const uint8_t z[32], uint8_t proof[48], uint8_t y[32])
{
    KZGProof p;
    Bytes32 yb;
    int rc = ret(compute_kzg_proof(&p, &yb, (const Blob *)blob, (const Bytes32 *)z, &k->s));
    if (!rc) {
        memcpy(proof, p.bytes, 48);
        memcpy(y, yb.bytes, 32);
    }
    return rc;
}

int zs_kzg_verify_proof(const zs_kzg_t *k, const uint8_t commitment[48], const uint8_t z[32], const uint8_t y[32],
                        const uint8_t proof[48], int *ok)
{
    bool b = false;
    int rc = ret(verify_kzg_proof(&b, (const Bytes48 *)commitment, (const Bytes32 *)z, (const Bytes32 *)y,
                                  (const Bytes48 *)proof, &k->s));
    *ok = !rc && b;
    return rc;
}

int zs_kzg_cells(const zs_kzg_t *k, const uint8_t *blob, uint8_t (*cells)[ZS_KZG_CELL_BYTES], uint8_t (*proofs)[48])
{
    return ret(compute_cells_and_kzg_proofs((Cell *)cells, (KZGProof *)proofs, (const Blob *)blob, &k->s));
}

int zs_kzg_verify_cells(const zs_kzg_t *k, const uint8_t commitment[48], size_t n, const uint64_t *indices,
                        const uint8_t (*cells)[ZS_KZG_CELL_BYTES], const uint8_t (*proofs)[48], int *ok)
{
    *ok = 0;
    Bytes48 *cs = malloc((n ? n : 1) * sizeof *cs);
    if (!cs) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) memcpy(cs[i].bytes, commitment, 48);
    bool b = false;
    int rc = ret(verify_cell_kzg_proof_batch(&b, cs, indices, (const Cell *)cells, (const Bytes48 *)proofs, n, &k->s));
    free(cs);
    *ok = !rc && b;
    return rc;
}
