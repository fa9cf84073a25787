#include "lib/kzg/zs_kzg.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The setup's default places, in order; the first that opens. */
static FILE *open_default(char *tried, size_t cap)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    const char *env = getenv("ZS_KZG_SETUP");
    if (env && *env) {
        snprintf(tried, cap, "%s", env);
        return fopen(env, "r");
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        snprintf(path, sizeof path, "%s/../share/zkseq/kzg_trusted_setup.txt", exe);
        FILE *f = fopen(path, "r");
        if (f) return f;
    }
    snprintf(tried, cap, "share/zkseq/kzg_trusted_setup.txt beside the program's folder, then "
             "node_modules/c-kzg/deps/c-kzg/trusted_setup.txt");
    return fopen("node_modules/c-kzg/deps/c-kzg/trusted_setup.txt", "r");
}

zs_kzg_t *zs_kzg_open(const char *path, unsigned precompute, char *err, size_t errlen)
{
    char tried[PATH_MAX + 128] = "";
    FILE *f = path ? fopen(path, "r") : open_default(tried, sizeof tried);
    if (!f) {
        snprintf(err, errlen, "the KZG trusted setup does not open (%s); set ZS_KZG_SETUP or run make",
                 path ? path : tried);
        return NULL;
    }
    zs_kzg_t *k = calloc(1, sizeof *k);
    if (!k) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    C_KZG_RET r = load_trusted_setup_file(&k->s, f, precompute > 15 ? 15 : precompute);
    fclose(f);
    if (r != C_KZG_OK) {
        free(k);
        snprintf(err, errlen, "the KZG trusted setup does not load (c-kzg error %d)", (int)r);
        return NULL;
    }
    return k;
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
