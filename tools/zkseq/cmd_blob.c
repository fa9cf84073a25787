/* zkseq blob: Polygon's blob layout and the KZG work on a blob.
     blob encode FILE [--type blob|calldata|forced] [--out F]
         FILE: a JSON array of batchL2Data hex strings (or {"batches": [...]})
     blob decode FILE [--type ...]    the batches back (FILE: the blob, raw or hex)
     blob commit FILE                 commitment, versioned hash, z, y and its proof, the blob proof
     blob cells FILE [--cells]        EIP-7594: the 128 cell proofs (and cells), checked
     blob prepare-setup OUT [--setup PATH]
         the KZG trusted setup (PATH, or where programs find it) in prepared form, loaded
         in milliseconds by programs that find it as PATH.prepared beside the text
     blob tx --key K --chain-id N --nonce N --to ADDR --gas N --max-fee W --max-priority-fee W
             --blob-fee W [--value W] [--data HEX] [--eip4844] [--out F] BLOBFILE...
         a signed type-3 transaction carrying the blobs, in the network form (EIP-7594's
         cell proofs, or EIP-4844's blob proofs with --eip4844) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/base/zs_hex.h"
#include "lib/blob/zs_blob.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/tx/zs_tx_blob.h"
#include "tools/zkseq/zkseq_cli.h"

static const char *const type_names[3] = {"calldata", "blob", "forced"};

static int parse_type(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, type_names[i])) return i;
    cli_fail("blob: --type is blob, calldata or forced (got '%s')", s);
}

/* A whole file: raw bytes, or text holding 0x-hex (whitespace around it). */
static uint8_t *read_input(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) cli_fail("blob: cannot open %s", path);
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) cli_fail("out of memory");
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            if (cap >= (64u << 20)) cli_fail("blob: %s is larger than 64 MiB", path);
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) cli_fail("out of memory");
            buf = nb;
        }
    }
    fclose(f);
    size_t s = 0, e = n;
    while (s < e && (buf[s] == ' ' || buf[s] == '\n' || buf[s] == '\r' || buf[s] == '\t')) s++;
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\n' || buf[e - 1] == '\r' || buf[e - 1] == '\t')) e--;
    if (e - s >= 2 && buf[s] == '0' && buf[s + 1] == 'x') {
        size_t out;
        if (zs_hex_decode(buf, n, &out, (const char *)buf + s, e - s)) cli_fail("blob: %s: bad hex", path);
        *len = out;
        return buf;
    }
    *len = n;
    return buf;
}

static zs_kzg_t *open_kzg(void)
{
    char err[512];
    zs_kzg_t *k = zs_kzg_open(NULL, 0, err, sizeof err);
    if (!k) cli_fail("blob: %s", err);
    return k;
}

static int blob_encode(const char *path, int type, const char *out_path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) cli_fail("blob encode: %s: %s (line %d)", path, je.text, je.line);
    json_t *arr = json_is_array(j) ? j : json_object_get(j, "batches");
    if (!json_is_array(arr)) cli_fail("blob encode: %s: want an array of batchL2Data hex strings", path);
    size_t n = json_array_size(arr);
    uint8_t **b = calloc(n + 1, sizeof *b);
    size_t *l = calloc(n + 1, sizeof *l);
    if (!b || !l) cli_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *h = json_string_value(json_array_get(arr, i));
        if (!h) cli_fail("blob encode: batch %zu is not a hex string", i);
        b[i] = cli_hex("batch", h, &l[i]);
    }
    static uint8_t blob[ZS_BLOB_BYTES];
    long bl = zs_blob_encode((const uint8_t *const *)b, l, n, type, blob, sizeof blob);
    if (bl == ZS_ERR_RANGE)
        cli_fail("blob encode: %zu bytes of batches do not fit one blob (%d at most)", zs_blob_data_len(l, n),
                 ZS_BLOB_MAX_DATA);
    if (bl < 0) cli_fail("blob encode: %s", zs_strerror((int)bl));
    json_t *o = json_pack("{s:s,s:I,s:I,s:I}", "type", type_names[type], "batches", (json_int_t)n, "dataBytes",
                          (json_int_t)zs_blob_data_len(l, n), "blobBytes", (json_int_t)bl);
    if (out_path) {
        FILE *f = fopen(out_path, "wb");
        if (!f || fwrite(blob, 1, (size_t)bl, f) != (size_t)bl || fclose(f)) cli_fail("blob encode: cannot write %s", out_path);
        json_object_set_new(o, "out", json_string(out_path));
    } else {
        json_object_set_new(o, "blob", cli_json_hex(blob, (size_t)bl));
    }
    uint8_t h[32];
    cli_keccak(blob, (size_t)bl, h);
    if (type != ZS_BLOB_EIP4844) json_object_set_new(o, "blobL2HashData", cli_json_hex(h, 32));
    for (size_t i = 0; i < n; i++) free(b[i]);
    free(b);
    free(l);
    json_decref(j);
    cli_print(o);
    return 0;
}

static int blob_decode(const char *path, int type)
{
    size_t len;
    uint8_t *blob = read_input(path, &len), *scratch = malloc(ZS_BLOB_MAX_DATA);
    zs_blob_batch_t out[4096];
    size_t n;
    const char *why;
    if (!scratch) cli_fail("out of memory");
    int rc = zs_blob_decode(blob, len, type, scratch, out, 4096, &n, &why);
    if (rc) cli_fail("blob decode: the blob is invalid: %s", why ? why : zs_strerror(rc));
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, cli_json_hex(out[i].data, out[i].len));
    cli_print(json_pack("{s:s,s:I,s:o}", "type", type_names[type], "count", (json_int_t)n, "batches", arr));
    free(blob);
    free(scratch);
    return 0;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static uint8_t *read_blob(const char *path)
{
    size_t len;
    uint8_t *blob = read_input(path, &len);
    if (len != ZS_BLOB_BYTES) cli_fail("blob: %s holds %zu bytes, not a blob's %d", path, len, ZS_BLOB_BYTES);
    return blob;
}

static int blob_commit(const char *path)
{
    uint8_t *blob = read_blob(path), c[48], vh[32], z[32], y[32], pz[48], pb[48];
    zs_kzg_t *k = open_kzg();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = zs_kzg_commit(k, blob, c);
    double commit_ms = ms_since(&t0);
    if (rc == ZS_ERR_PARSE) cli_fail("blob commit: a field element of the blob is not below BLS12-381's modulus");
    if (rc || zs_blob_point_z(c, blob, ZS_BLOB_BYTES, z) || zs_kzg_proof_at(k, blob, z, pz, y) ||
        zs_kzg_blob_proof(k, blob, c, pb))
        cli_fail("blob commit: %s", zs_strerror(rc ? rc : ZS_ERR_CRYPTO));
    zs_blob_versioned_hash(c, vh);
    cli_print(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:f}", "commitment", cli_json_hex(c, 48), "versionedHash",
                        cli_json_hex(vh, 32), "z", cli_json_hex(z, 32), "y", cli_json_hex(y, 32), "proof",
                        cli_json_hex(pz, 48), "blobProof", cli_json_hex(pb, 48), "commitMs", commit_ms));
    zs_kzg_close(k);
    free(blob);
    return 0;
}

static int blob_cells(const char *path, int with_cells)
{
    uint8_t *blob = read_blob(path), c[48];
    uint8_t(*cells)[ZS_KZG_CELL_BYTES] = malloc(ZS_KZG_CELLS * ZS_KZG_CELL_BYTES);
    uint8_t(*proofs)[48] = malloc(ZS_KZG_CELLS * 48);
    uint64_t idx[ZS_KZG_CELLS];
    if (!cells || !proofs) cli_fail("out of memory");
    zs_kzg_t *k = open_kzg();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = zs_kzg_commit(k, blob, c);
    if (!rc) rc = zs_kzg_cells(k, blob, cells, proofs);
    double ms = ms_since(&t0);
    if (rc) cli_fail("blob cells: %s", rc == ZS_ERR_PARSE ? "a field element is not below the modulus" : zs_strerror(rc));
    for (int i = 0; i < ZS_KZG_CELLS; i++) idx[i] = (uint64_t)i;
    int ok = 0;
    if (zs_kzg_verify_cells(k, c, ZS_KZG_CELLS, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cells,
                            (const uint8_t(*)[48])proofs, &ok) || !ok)
        cli_fail("blob cells: the cell proofs do not verify");
    json_t *pa = json_array(), *ca = with_cells ? json_array() : NULL;
    for (int i = 0; i < ZS_KZG_CELLS; i++) {
        json_array_append_new(pa, cli_json_hex(proofs[i], 48));
        if (ca) json_array_append_new(ca, cli_json_hex(cells[i], ZS_KZG_CELL_BYTES));
    }
    json_t *o = json_pack("{s:o,s:o,s:b,s:f}", "commitment", cli_json_hex(c, 48), "cellProofs", pa, "verified", 1,
                          "ms", ms);
    if (ca) json_object_set_new(o, "cells", ca);
    cli_print(o);
    zs_kzg_close(k);
    free(cells);
    free(proofs);
    free(blob);
    return 0;
}

/* The blobs' KZG work for the network form: commitments, versioned
   hashes, and the proofs (128 cell proofs per blob, or one blob proof). */
static void blob_sidecar(zs_kzg_t *k, size_t n, uint8_t **blobs, int eip4844, uint8_t (*com)[48], uint8_t (*vh)[32],
                         uint8_t (*proofs)[48])
{
    for (size_t i = 0; i < n; i++) {
        int rc = zs_kzg_commit(k, blobs[i], com[i]);
        if (!rc) rc = eip4844 ? zs_kzg_blob_proof(k, blobs[i], com[i], proofs[i])
                              : zs_kzg_cells(k, blobs[i], NULL, proofs + i * ZS_KZG_CELLS);
        if (rc) cli_fail("blob tx: blob %zu: %s", i, rc == ZS_ERR_PARSE ? "a field element is not below the modulus" : zs_strerror(rc));
        zs_blob_versioned_hash(com[i], vh[i]);
    }
}

static int blob_tx(int argc, char **argv)
{
    zs_tx_blob_t tx = {0};
    uint8_t key[32], *blobs[6];
    const char *out = NULL, *data = NULL;
    size_t n = 0, len;
    int eip4844 = 0, have_key = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--eip4844")) { eip4844 = 1; continue; }
        if (a[0] != '-') {
            if (n == 6) cli_fail("blob tx: at most 6 blobs");
            blobs[n++] = read_blob(a);
            continue;
        }
        if (!v) cli_fail("blob tx: %s needs a value", a);
        i++;
        if (!strcmp(a, "--key")) { cli_hex_exact("--key", v, key, 32); have_key = 1; }
        else if (!strcmp(a, "--chain-id")) tx.chain_id = cli_u64(a, v);
        else if (!strcmp(a, "--nonce")) tx.nonce = cli_u64(a, v);
        else if (!strcmp(a, "--gas")) tx.gas = cli_u64(a, v);
        else if (!strcmp(a, "--to")) cli_addr(a, v, tx.to);
        else if (!strcmp(a, "--max-fee")) tx.max_fee = cli_u256(a, v);
        else if (!strcmp(a, "--max-priority-fee")) tx.max_priority_fee = cli_u256(a, v);
        else if (!strcmp(a, "--blob-fee")) tx.max_fee_per_blob_gas = cli_u256(a, v);
        else if (!strcmp(a, "--value")) tx.value = cli_u256(a, v);
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--out")) out = v;
        else cli_fail("blob tx: unknown option %s", a);
    }
    if (!have_key || !n) cli_fail("blob tx: --key and at least one BLOBFILE are needed");
    uint8_t *d = data ? cli_hex("--data", data, &tx.data_len) : NULL;
    tx.data = d;
    uint8_t com[6][48], vh[6][32], hash[32], (*proofs)[48] = malloc(6 * ZS_KZG_CELLS * 48);
    zs_kzg_t *k = open_kzg();
    blob_sidecar(k, n, blobs, eip4844, com, vh, proofs);
    tx.blob_hashes = (const uint8_t(*)[32])vh;
    tx.nblobs = n;
    static uint8_t signed_tx[1 << 17], wire[6 * (ZS_BLOB_BYTES + 8192) + (1 << 17)];
    int rc = zs_tx_blob_sign(&tx, key, signed_tx, sizeof signed_tx, &len, hash);
    if (rc) cli_fail("blob tx: signing: %s", zs_strerror(rc));
    long wl = zs_tx_blob_wrap(signed_tx, len, n, (const uint8_t *const *)blobs, (const uint8_t(*)[48])com,
                              (const uint8_t(*)[48])proofs, !eip4844, wire, sizeof wire);
    if (wl < 0) cli_fail("blob tx: %s", zs_strerror((int)wl));
    json_t *hs = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(hs, cli_json_hex(vh[i], 32));
    json_t *o = json_pack("{s:o,s:o,s:o,s:s}", "hash", cli_json_hex(hash, 32), "signed", cli_json_hex(signed_tx, len),
                          "blobVersionedHashes", hs, "form", eip4844 ? "eip4844" : "eip7594");
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) cli_fail("blob tx: cannot write %s", out);
        char *hex = malloc(2 * (size_t)wl + 3);
        zs_hex_encode_0x(hex, wire, (size_t)wl);
        int bad = fputs(hex, f) < 0;
        free(hex);
        if (fclose(f) || bad) cli_fail("blob tx: cannot write %s", out);
        json_object_set_new(o, "network", json_string(out));
    } else {
        json_object_set_new(o, "network", cli_json_hex(wire, (size_t)wl));
    }
    cli_print(o);
    for (size_t i = 0; i < n; i++) free(blobs[i]);
    free(proofs);
    free(d);
    zs_kzg_close(k);
    return 0;
}

/* The trusted setup in prepared form (zs_kzg_prepare), written to out. */
static int blob_prepare(const char *setup, const char *out)
{
    char err[512];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (zs_kzg_prepare(setup, out, err, sizeof err)) cli_fail("blob prepare-setup: %s", err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    zs_kzg_t *k = zs_kzg_open(setup, 0, err, sizeof err);
    if (!k) cli_fail("blob prepare-setup: %s", err);
    json_t *o = json_pack("{s:s,s:f,s:s}", "prepared", out, "seconds",
                          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, "setupLoadsFrom",
                          zs_kzg_loaded_from(k));
    zs_kzg_close(k);
    cli_print(o);
    return 0;
}

int cmd_blob(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "tx")) return blob_tx(argc - 1, argv + 1);
    if (argc < 2) cli_fail("blob: encode|decode|commit|cells|prepare-setup FILE (zkseq --help)");
    const char *sub = argv[0], *file = NULL, *out = NULL, *setup = NULL;
    int type = ZS_BLOB_EIP4844, with_cells = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--type") && i + 1 < argc) type = parse_type(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--setup") && i + 1 < argc) setup = argv[++i];
        else if (!strcmp(argv[i], "--cells")) with_cells = 1;
        else if (argv[i][0] == '-' || file) cli_fail("blob %s: unexpected argument '%s'", sub, argv[i]);
        else file = argv[i];
    }
    if (!file) cli_fail("blob %s: FILE is missing", sub);
    if (!strcmp(sub, "encode")) return blob_encode(file, type, out);
    if (!strcmp(sub, "decode")) return blob_decode(file, type);
    if (!strcmp(sub, "commit")) return blob_commit(file);
    if (!strcmp(sub, "cells")) return blob_cells(file, with_cells);
    if (!strcmp(sub, "prepare-setup")) return blob_prepare(setup, file);
    cli_fail("blob: unknown subcommand '%s' (encode, decode, commit, cells, prepare-setup)", sub);
}
