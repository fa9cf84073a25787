/* Executor inputs into a state and a batch: the db's tree walked from the
   old root, its leaves set again, code by hash, the L1 info leaves. */
#include "tools/common/zs_execinput.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"

int zs_execinput_hex32(json_t *v, uint8_t out[32])
{
    memset(out, 0, 32);
    if (!v || json_is_null(v)) return 0;
    const char *s = json_string_value(v);
    if (!s) return -1;
    if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)) s += 2;
    size_t n = strlen(s);
    if (n > 64 || n % 2) return -1;
    uint8_t buf[32];
    size_t got;
    if (zs_hex_decode(buf, sizeof buf, &got, s, n)) return -1;
    memcpy(out + 32 - n / 2, buf, n / 2);
    return 0;
}

int zs_execinput_u64(json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) return -1;
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s) return -1;
    zs_u256_t x;
    if (zs_u256_parse(&x, s) || !zs_u256_fits_u64(&x)) return -1;
    *out = x.w[0];
    return 0;
}

/* A node of the db: its elements (8 or 12), by its 4-element hash. */
static int get_node(json_t *db, const uint64_t h[4], uint64_t e[12], size_t *n)
{
    uint8_t be[32];
    char key[67];
    zs_smt_h4_to_be(h, be);
    key[0] = '0';
    key[1] = 'x';
    zs_hex_encode(key + 2, be, 32);
    json_t *v = json_object_get(db, key);
    if (!v) return -1;
    *n = json_array_size(v);
    if (*n != 8 && *n != 12) return -1;
    for (size_t i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (!s) return -1;
        if (!strncmp(s, "0x", 2)) s += 2;
        size_t l = strlen(s);
        if (!l || l > 16) return -1;
        uint64_t x = 0;
        for (size_t k = 0; k < l; k++) {
            int d = zs_hex_digit(s[k]);
            if (d < 0) return -1;
            x = x << 4 | (uint64_t)d;
        }
        e[i] = x;
    }
    return 0;
}

typedef struct {
    json_t *db;
    zs_state_t *st;
    size_t leaves;
    uint32_t max_level;
    char *err;
    size_t errlen;
} walk_t;

static int is_zero4(const uint64_t *h)
{
    return !(h[0] | h[1] | h[2] | h[3]);
}

static int walk(walk_t *w, const uint64_t h[4], int depth, zs_smt_key_t *path)
{
    uint64_t e[12];
    size_t n;
    if (depth >= ZS_SMT_MAX_DEPTH || get_node(w->db, h, e, &n) || n != 12) {
        snprintf(w->err, w->errlen, "db: node at depth %d missing or malformed", depth);
        return -1;
    }
    if (e[8] == 1) { /* leaf: remaining key, value hash */
        uint64_t v[12];
        size_t vn;
        if (get_node(w->db, e + 4, v, &vn) || vn != 8) {
            snprintf(w->err, w->errlen, "db: a leaf's value is missing");
            return -1;
        }
        zs_u256_t value = {{v[0] | v[1] << 32, v[2] | v[3] << 32, v[4] | v[5] << 32, v[6] | v[7] << 32}};
        zs_smt_key_t k;
        zs_smt_join_key(e, path, depth, &k);
        if (zs_state_set_key(w->st, &k, &value)) {
            snprintf(w->err, w->errlen, "db: cannot set a leaf");
            return -1;
        }
        w->leaves++;
        if ((uint32_t)depth > w->max_level) w->max_level = (uint32_t)depth;
        return 0;
    }
    for (int side = 0; side < 2; side++) {
        if (is_zero4(e + 4 * side)) continue;
        zs_smt_key_t p = *path;
        if (side) p.e[depth % 4] |= 1ull << (depth / 4);
        if (walk(w, e + 4 * side, depth + 1, &p)) return -1;
    }
    return 0;
}

int zs_execinput_l1_leaf(json_t *leaf, int verify, zs_l1_info_t *out, uint8_t (*proof)[32], int *has_proof)
{
    *has_proof = 0;
    if (!leaf) return ZS_ERR_NOTFOUND;
    if (zs_execinput_hex32(json_object_get(leaf, "globalExitRoot"), out->global_exit_root) ||
        zs_execinput_hex32(json_object_get(leaf, "blockHash"), out->block_hash) ||
        zs_execinput_u64(json_object_get(leaf, "timestamp"), &out->timestamp))
        return ZS_ERR_PARSE;
    json_t *p = json_object_get(leaf, "smtProof");
    if (verify && json_array_size(p) == 32) {
        for (size_t i = 0; i < 32; i++)
            if (zs_execinput_hex32(json_array_get(p, i), proof[i])) return ZS_ERR_PARSE;
        *has_proof = 1;
    }
    return 0;
}

static int l1_info(void *ctx, uint32_t index, zs_l1_info_t *out, uint8_t (*proof)[32], int *has_proof)
{
    json_t *tree = ctx;
    char key[16];
    snprintf(key, sizeof key, "%u", index);
    return zs_execinput_l1_leaf(json_object_get(tree, key), !json_is_true(json_object_get(tree, "skipVerifyL1InfoRoot")),
                                out, proof, has_proof);
}

static int load_codes(zs_execinput_t *x, json_t *codes, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(codes, k, v) {
        const char *s = json_string_value(v);
        if (!s) continue;
        if (!strncmp(s, "0x", 2)) s += 2;
        size_t l = strlen(s);
        uint8_t *code = malloc(l / 2 + 1);
        size_t got;
        if (!code || zs_hex_decode(code, l / 2 + 1, &got, s, l) || zs_state_add_code(x->st, code, got)) {
            free(code);
            snprintf(err, errlen, "contractsBytecode: %s is not code", k);
            return -1;
        }
        free(code);
    }
    return 0;
}

/* Long because it reads the input's fields one by one, each refused with its own sentence. */
int zs_execinput_load(json_t *j, const zs_smt_hasher_t *hasher, zs_execinput_t *x, char *err, size_t errlen)
{
    memset(x, 0, sizeof *x);
    zs_state_opts_t so = {.hasher = hasher};
    if (!(x->st = zs_state_open(NULL, &so, err, errlen))) return -1;
    if (zs_execinput_hex32(json_object_get(j, "oldStateRoot"), x->old_root)) {
        snprintf(err, errlen, "oldStateRoot is not a 32-byte hex value");
        return -1;
    }
    uint64_t root[4];
    zs_smt_be_to_h4(x->old_root, root);
    walk_t w = {.db = json_object_get(j, "db"), .st = x->st, .err = err, .errlen = errlen};
    if (!is_zero4(root) && walk(&w, root, 0, &(zs_smt_key_t){{0, 0, 0, 0}})) return -1;
    x->leaves = w.leaves;
    if (load_codes(x, json_object_get(j, "contractsBytecode"), err, errlen)) return -1;
    zs_smt_ref_t made;
    uint8_t got_be[32];
    if (zs_state_commit(x->st, NULL, 0, &made, NULL)) {
        snprintf(err, errlen, "db: the tree does not commit");
        return -1;
    }
    zs_smt_h4_to_be(made.hash, got_be);
    if (memcmp(got_be, x->old_root, 32)) {
        snprintf(err, errlen, "db: its leaves give another root than oldStateRoot");
        return -1;
    }
    zs_exec_batch_in_t *in = &x->in;
    /* The vectors' batch-level counters assume a tree 4 levels shallower
       than the deepest leaf of their db (fitted to all 368 executor vectors:
       Polygon's smt.maxLevel is not part of the input). */
    in->max_level = w.max_level > 4 ? w.max_level - 4 : 0;
    const char *bl2 = json_string_value(json_object_get(j, "batchL2Data"));
    if (!bl2) {
        snprintf(err, errlen, "no batchL2Data");
        return -1;
    }
    if (!strncmp(bl2, "0x", 2)) bl2 += 2;
    size_t bl = strlen(bl2);
    size_t got = 0;
    if (!(x->data = malloc(bl / 2 + 1)) || zs_hex_decode(x->data, bl / 2 + 1, &got, bl2, bl)) {
        snprintf(err, errlen, "batchL2Data is not hex");
        return -1;
    }
    in->data = x->data;
    in->len = got;
    uint8_t seq[32];
    if (zs_execinput_u64(json_object_get(j, "chainID"), &in->chain_id) ||
        zs_execinput_u64(json_object_get(j, "timestampLimit"), &in->timestamp_limit) ||
        zs_execinput_hex32(json_object_get(j, "sequencerAddr"), seq) ||
        zs_execinput_hex32(json_object_get(j, "oldAccInputHash"), x->old_acc) ||
        zs_execinput_hex32(json_object_get(j, "l1InfoRoot"), in->l1_info_root) ||
        zs_execinput_hex32(json_object_get(j, "forcedBlockHashL1"), in->forced_block_hash)) {
        snprintf(err, errlen, "chainID, timestampLimit, sequencerAddr, oldAccInputHash, l1InfoRoot or "
                              "forcedBlockHashL1 is malformed");
        return -1;
    }
    memcpy(in->sequencer, seq + 12, 20);
    x->l1_info = json_object_get(j, "l1InfoTree");
    in->l1_info = l1_info;
    in->ctx = x->l1_info;
    return 0;
}

void zs_execinput_free(zs_execinput_t *x)
{
    zs_state_close(x->st);
    free(x->data);
    memset(x, 0, sizeof *x);
}
