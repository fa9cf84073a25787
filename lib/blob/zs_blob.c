#include "lib/blob/zs_blob.h"

#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "lib/u256/zs_u256.h"

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

size_t zs_blob_data_len(const size_t *lens, size_t n)
{
    size_t t = ZS_BLOB_HEADER;
    for (size_t i = 0; i < n; i++) t += 4 + lens[i];
    return t;
}

/* The compact bytes in order, by position: a byte of the header, of a
   length or of a batch. */
typedef struct {
    const uint8_t *const *batches;
    const size_t *lens;
    size_t n, i, pos; /* batch i, position pos in [length ++ data] */
    uint8_t head[ZS_BLOB_HEADER];
    size_t hpos;
} reader_t;

static uint8_t next_byte(reader_t *r)
{
    if (r->hpos < ZS_BLOB_HEADER) return r->head[r->hpos++];
    while (r->i < r->n && r->pos == 4 + r->lens[r->i]) {
        r->i++;
        r->pos = 0;
    }
    size_t p = r->pos++;
    if (p < 4) return (uint8_t)(r->lens[r->i] >> (24 - 8 * p));
    return r->batches[r->i][p - 4];
}

long zs_blob_encode(const uint8_t *const *batches, const size_t *lens, size_t n, int type, uint8_t *out, size_t cap)
{
    if (type != ZS_BLOB_CALLDATA && type != ZS_BLOB_EIP4844 && type != ZS_BLOB_FORCED) return ZS_ERR_INVAL;
    size_t total = zs_blob_data_len(lens, n);
    for (size_t i = 0; i < n; i++)
        if (lens[i] > UINT32_MAX) return ZS_ERR_RANGE;
    if (total > ZS_BLOB_MAX_DATA || total - ZS_BLOB_HEADER > UINT32_MAX) return ZS_ERR_RANGE;
    reader_t r = {.batches = batches, .lens = lens, .n = n};
    r.head[0] = 0; /* no compression */
    put32(r.head + 1, (uint32_t)(total - ZS_BLOB_HEADER));
    if (type != ZS_BLOB_EIP4844) {
        if (cap < total) return ZS_ERR_FULL;
        for (size_t k = 0; k < total; k++) out[k] = next_byte(&r);
        return (long)total;
    }
    if (cap < ZS_BLOB_BYTES) return ZS_ERR_FULL;
    memset(out, 0, ZS_BLOB_BYTES);
    for (size_t k = 0; k < total; k++) out[(k / 31) * 32 + 1 + k % 31] = next_byte(&r);
    return ZS_BLOB_BYTES;
}

static int fail(const char **why, const char *w)
{
    if (why) *why = w;
    return ZS_ERR_PARSE;
}

int zs_blob_decode(const uint8_t *blob, size_t len, int type, uint8_t *scratch, zs_blob_batch_t *out, size_t max,
                   size_t *n, const char **why)
{
    *n = 0;
    if (why) *why = NULL;
    const uint8_t *d = blob;
    size_t dl = len;
    if (type == ZS_BLOB_EIP4844) {
        if (len != ZS_BLOB_BYTES) return fail(why, "error_invalid_parsing");
        for (size_t i = 0; i < len; i += 32) {
            if (blob[i]) return fail(why, "error_invalid_msb_byte");
            memcpy(scratch + i / 32 * 31, blob + i + 1, 31);
        }
        d = scratch;
        dl = ZS_BLOB_MAX_DATA;
    } else if (type != ZS_BLOB_CALLDATA && type != ZS_BLOB_FORCED) {
        return fail(why, "error_invalid_blob_type");
    }
    if (dl < 1) return fail(why, "error_invalid_parsing");
    if (d[0] != 0) return fail(why, "error_invalid_compression_type");
    if (dl < ZS_BLOB_HEADER) return fail(why, "error_invalid_parsing");
    size_t body = get32(d + 1), off = ZS_BLOB_HEADER, read = 0;
    while (read < body) {
        if (dl - off < 4) return fail(why, "error_invalid_parsing");
        size_t bl = get32(d + off);
        off += 4;
        read += 4;
        if (dl - off < bl) return fail(why, "error_invalid_parsing");
        if (bl) {
            if (*n == max) return ZS_ERR_FULL;
            out[(*n)++] = (zs_blob_batch_t){d + off, bl};
        }
        off += bl;
        read += bl;
    }
    if (read != body) return fail(why, "error_invalid_totalbody_len");
    return ZS_OK;
}

void zs_blob_versioned_hash(const uint8_t commitment[48], uint8_t out[32])
{
    mbedtls_sha256_ret(commitment, 48, out, 0);
    out[0] = 0x01;
}

/* A linear Poseidon hash as the 32 big-endian bytes commonjs prints. */
static void poseidon_bytes_be(const uint8_t *data, size_t n, uint8_t out[32])
{
    uint64_t h[4];
    zs_poseidon_hash_bytes(data, n, h);
    zs_u256_t v;
    memcpy(v.w, h, 32);
    zs_u256_to_be32(&v, out);
}

int zs_blob_point_z(const uint8_t commitment[48], const uint8_t *blob, size_t len, uint8_t z[32])
{
    static const uint8_t r_be[32] = {0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
                                     0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
                                     0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};
    uint8_t *buf = malloc(48 + len);
    if (!buf) return ZS_ERR_NOMEM;
    memcpy(buf, commitment, 48);
    memcpy(buf + 48, blob, len);
    uint64_t h[4];
    zs_poseidon_hash_bytes(buf, 48 + len, h);
    free(buf);
    zs_u256_t v, r = zs_u256_from_be32(r_be);
    memcpy(v.w, h, 32);
    while (zs_u256_cmp(&v, &r) >= 0) zs_u256_sub(&v, &v, &r);
    zs_u256_to_be32(&v, z);
    return ZS_OK;
}

void zs_blob_acc_input_hash(const zs_blob_acc_t *in, uint8_t out[32])
{
    uint8_t m[32 + 4 + 32 + 8 + 20 + 8 + 1 + 32 + 32 + 32], *p = m;
    memcpy(p, in->old_acc, 32), p += 32;
    put32(p, in->l1_info_index), p += 4;
    memcpy(p, in->l1_info_root, 32), p += 32;
    put64(p, in->timestamp_limit), p += 8;
    memcpy(p, in->sequencer, 20), p += 20;
    put64(p, in->zk_gas_limit), p += 8;
    *p++ = in->type;
    memcpy(p, in->versioned_hash, 32), p += 32;
    memcpy(p, in->blob_l2_hash_data, 32), p += 32;
    memcpy(p, in->forced_hash_data, 32), p += 32;
    zs_keccak256(m, (size_t)(p - m), out);
}

void zs_blob_batch_acc(const uint8_t acc[32], const uint8_t *batch, size_t len, const uint8_t sequencer[20],
                       const uint8_t forced[32], uint8_t out[32])
{
    uint8_t m[32 + 32 + 20 + 32];
    memcpy(m, acc, 32);
    poseidon_bytes_be(batch, len, m + 32);
    memcpy(m + 64, sequencer, 20);
    memcpy(m + 84, forced, 32);
    poseidon_bytes_be(m, sizeof m, out);
}
