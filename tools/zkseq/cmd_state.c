/* zkseq smt root | smt key, zkseq state genesis | get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/state/zs_smt.h"
#include "host/state/zs_smt_key.h"
#include "host/state/zs_state.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_hex.h"
#include "tools/zkseq/zkseq_cli.h"

static json_t *h4_json(const uint64_t h[4])
{
    uint8_t be[32];
    zs_smt_h4_to_be(h, be);
    return cli_json_hex(be, 32);
}

static json_t *load_file(const char *what, const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_DECODE_ANY, &je);
    if (!j) cli_fail("%s: cannot read %s: %s (line %d)", what, path, je.text, je.line);
    return j;
}

static zs_u256_t json_num(const char *what, json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) return zs_u256_from_u64((uint64_t)json_integer_value(v));
    if (!json_is_string(v)) cli_fail("%s: expected a number", what);
    return cli_u256(what, json_string_value(v));
}

/* One {keys, values} case: keys are 256-bit numbers (four 64-bit elements,
   least significant first), values 256-bit numbers. */
static json_t *raw_root(json_t *c, size_t index)
{
    json_t *keys = json_object_get(c, "keys"), *vals = json_object_get(c, "values");
    if (!json_is_array(keys) || !json_is_array(vals) || json_array_size(keys) != json_array_size(vals))
        cli_fail("smt root: case %zu needs \"keys\" and \"values\" arrays of equal length", index);
    zs_smt_t *t = zs_smt_new(NULL, NULL, cli_hasher());
    zs_smt_ref_t ref;
    if (!t) cli_fail("out of memory");
    for (size_t i = 0; i < json_array_size(keys); i++) {
        zs_u256_t k = json_num("smt root: key", json_array_get(keys, i));
        zs_u256_t v = json_num("smt root: value", json_array_get(vals, i));
        zs_smt_key_t key;
        zs_smt_u256_to_h4(&k, key.e);
        int rc = zs_smt_set(t, &key, &v);
        if (rc == ZS_ERR_INVAL) cli_fail("smt root: case %zu key %zu has an element above the field", index, i);
        if (rc) cli_fail("smt root: %s", zs_strerror(rc));
    }
    if (zs_smt_commit(t, 0, &ref, NULL)) cli_fail("smt root: commit failed");
    zs_smt_delete(t);
    return h4_json(ref.hash);
}

static int smt_root(int argc, char **argv)
{
    if (argc != 1) cli_fail("usage: zkseq smt root FILE (a {keys, values} object or an array of them)");
    json_t *j = load_file("smt root", argv[0]);
    json_t *out;
    if (json_is_array(j)) {
        out = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(j, i, c) json_array_append_new(out, raw_root(c, i));
    } else if (json_is_object(j)) {
        out = raw_root(j, 0);
    } else {
        cli_fail("smt root: %s holds neither an object nor an array", argv[0]);
    }
    json_decref(j);
    cli_print(out);
    return 0;
}

static int smt_key(int argc, char **argv)
{
    if (argc < 2) cli_fail("usage: zkseq smt key balance|nonce|code|length ADDR | zkseq smt key storage ADDR SLOT");
    uint8_t addr[20];
    cli_addr("smt key", argv[1], addr);
    zs_smt_key_t k;
    const char *t = argv[0];
    if (!strcmp(t, "storage")) {
        if (argc != 3) cli_fail("usage: zkseq smt key storage ADDR SLOT");
        zs_u256_t slot = cli_u256("smt key: slot", argv[2]);
        k = zs_smt_key_storage(addr, &slot);
    } else {
        if (argc != 2) cli_fail("usage: zkseq smt key %s ADDR", t);
        zs_smt_leaf_type_t type;
        if (!strcmp(t, "balance")) type = ZS_SMT_BALANCE;
        else if (!strcmp(t, "nonce")) type = ZS_SMT_NONCE;
        else if (!strcmp(t, "code")) type = ZS_SMT_CODE;
        else if (!strcmp(t, "length")) type = ZS_SMT_CODE_LENGTH;
        else cli_fail("smt key: type must be balance, nonce, code, length or storage, not '%s'", t);
        k = zs_smt_key_account(addr, type);
    }
    zs_u256_t v = zs_smt_h4_to_u256(k.e);
    json_t *elems = json_array();
    for (int i = 0; i < 4; i++) json_array_append_new(elems, cli_json_u64(k.e[i]));
    cli_print(json_pack("{s:o,s:o,s:o}", "key", h4_json(k.e), "decimal", cli_json_u256(&v), "elements", elems));
    return 0;
}

static zs_store_t *open_db(const char *what, const char *dir, int create)
{
    char err[512];
    zs_store_opts_t o = {.cache_mb = 64, .create = create, .read_only = !create};
    zs_store_t *s = zs_schema_open(dir, &o, err, sizeof err);
    if (!s) cli_fail("%s: %s", what, err);
    return s;
}

/* Root of one genesis object, in memory or into the database. */
static json_t *genesis_root(json_t *g, const char *db)
{
    zs_store_t *s = NULL;
    zs_state_t *st = NULL;
    char err[512];
    zs_smt_ref_t root;
    if (db) {
        s = open_db("state genesis", db, 1);
        zs_state_opts_t o = {.hasher = cli_hasher()};
        st = zs_state_open(s, &o, err, sizeof err);
        if (!st) cli_fail("state genesis: %s", err);
        if (zs_state_version(st, NULL, NULL)) cli_fail("state genesis: %s already holds a state", db);
        zs_genesis_t *gen = cli_genesis("state genesis", g);
        if (zs_state_apply_genesis(st, gen, err, sizeof err)) cli_fail("state genesis: %s", err);
        zs_genesis_free(gen);
        int rc = zs_state_commit_sync(st, 0, &root);
        if (rc) cli_fail("state genesis: cannot write %s: %s", db, zs_strerror(rc));
        zs_state_close(st);
        zs_store_close(s);
        return h4_json(root.hash);
    }
    /* Without a database: an in-memory state on a throwaway store is the
       same code path; use the tree directly instead. */
    zs_smt_t *t = zs_smt_new(NULL, NULL, cli_hasher());
    json_t *list = json_is_object(g) ? json_object_get(g, "addresses") : NULL;
    if (!json_is_array(list)) cli_fail("state genesis: expected an object with an \"addresses\" array");
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        uint8_t a[20];
        const char *addr = json_string_value(json_object_get(e, "address"));
        if (!addr) cli_fail("state genesis: entry %zu has no address", i);
        cli_addr("state genesis", addr, a);
        zs_u256_t b = json_object_get(e, "balance") ? json_num("state genesis: balance", json_object_get(e, "balance"))
                                                   : zs_u256_from_u64(0);
        zs_u256_t n = json_object_get(e, "nonce") ? json_num("state genesis: nonce", json_object_get(e, "nonce"))
                                                 : zs_u256_from_u64(0);
        zs_smt_key_t kb = zs_smt_key_account(a, ZS_SMT_BALANCE), kn = zs_smt_key_account(a, ZS_SMT_NONCE);
        if (zs_smt_set(t, &kb, &b) || zs_smt_set(t, &kn, &n)) cli_fail("state genesis: cannot set entry %zu", i);
        json_t *code = json_object_get(e, "bytecode");
        if (json_is_string(code)) {
            size_t len;
            uint8_t *bytes = cli_hex("state genesis: bytecode", json_string_value(code), &len);
            uint64_t h[4];
            zs_smt_hash_bytecode(bytes, len, h);
            zs_u256_t hv = len ? zs_smt_h4_to_u256(h) : zs_u256_from_u64(0), lv = zs_u256_from_u64(len);
            zs_smt_key_t kc = zs_smt_key_account(a, ZS_SMT_CODE), kl = zs_smt_key_account(a, ZS_SMT_CODE_LENGTH);
            if (zs_smt_set(t, &kc, &hv) || zs_smt_set(t, &kl, &lv)) cli_fail("state genesis: cannot set code");
            free(bytes);
        }
        json_t *storage = json_object_get(e, "storage");
        const char *slot;
        json_t *val;
        if (json_is_object(storage)) {
            json_object_foreach(storage, slot, val) {
                zs_u256_t sv = cli_u256("state genesis: storage slot", slot), vv = json_num("state genesis: storage value", val);
                zs_smt_key_t ks = zs_smt_key_storage(a, &sv);
                if (zs_smt_set(t, &ks, &vv)) cli_fail("state genesis: cannot set storage");
            }
        }
    }
    if (zs_smt_commit(t, 0, &root, NULL)) cli_fail("state genesis: commit failed");
    zs_smt_delete(t);
    return h4_json(root.hash);
}

static int state_genesis(int argc, char **argv)
{
    const char *file = NULL, *db = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!file) file = argv[i];
        else cli_fail("usage: zkseq state genesis FILE [--db DIR]");
    }
    if (!file) cli_fail("usage: zkseq state genesis FILE [--db DIR]");
    json_t *g = load_file("state genesis", file);
    json_t *out;
    if (json_is_array(g)) {
        if (db) cli_fail("state genesis: --db takes one genesis object, not an array of them");
        out = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(g, i, c) json_array_append_new(out, genesis_root(c, NULL));
    } else {
        out = genesis_root(g, db);
    }
    json_decref(g);
    cli_print(out);
    return 0;
}

static json_t *proof_json(const zs_smt_proof_t *p)
{
    json_t *sib = json_array();
    for (int i = 0; i < p->levels; i++) json_array_append_new(sib, h4_json(p->siblings[i]));
    json_t *leaf = p->has_leaf ? json_pack("{s:o,s:o}", "remainingKey", h4_json(p->rkey), "valueHash", h4_json(p->vhash))
                               : json_null();
    return json_pack("{s:o,s:o}", "siblings", sib, "leaf", leaf);
}

static int state_get(int argc, char **argv)
{
    const char *db = NULL, *addr_text = NULL;
    int want_proof = 0;
    long long at = -1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--proof")) want_proof = 1;
        else if (!strcmp(argv[i], "--version") && i + 1 < argc) at = (long long)cli_u64("--version", argv[++i]);
        else if (!addr_text) addr_text = argv[i];
        else cli_fail("usage: zkseq state get --db DIR ADDR [--proof] [--version N]");
    }
    if (!db || !addr_text) cli_fail("usage: zkseq state get --db DIR ADDR [--proof] [--version N]");
    uint8_t addr[20];
    cli_addr("state get", addr_text, addr);
    zs_store_t *s = open_db("state get", db, 0);
    char err[512];
    zs_state_opts_t o = {0};
    zs_state_t *st = zs_state_open(s, &o, err, sizeof err);
    if (!st) cli_fail("state get: %s", err);
    uint64_t version;
    zs_smt_ref_t root;
    if (!zs_state_version(st, &version, &root)) cli_fail("state get: %s holds no state yet", db);
    if (at >= 0) {
        int rc = zs_state_root_at(st, (uint64_t)at, &root);
        if (rc == ZS_ERR_NOTFOUND) cli_fail("state get: version %lld is not retained (oldest %llu, latest %llu)", at,
                                            (unsigned long long)zs_statedb_oldest(zs_state_db(st)),
                                            (unsigned long long)version);
        if (rc) cli_fail("state get: %s", zs_strerror(rc));
        version = (uint64_t)at;
    }
    static const struct {
        const char *name;
        zs_smt_leaf_type_t type;
    } items[] = {{"balance", ZS_SMT_BALANCE}, {"nonce", ZS_SMT_NONCE}, {"codeHash", ZS_SMT_CODE},
                 {"codeLength", ZS_SMT_CODE_LENGTH}};
    json_t *out = json_object();
    json_object_set_new(out, "address", cli_json_addr(addr));
    json_object_set_new(out, "version", json_integer((json_int_t)version));
    json_object_set_new(out, "root", h4_json(root.hash));
    json_t *proofs = json_object();
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        zs_smt_key_t k = zs_smt_key_account(addr, items[i].type);
        zs_u256_t v;
        zs_smt_proof_t *p = want_proof ? malloc(sizeof *p) : NULL;
        int rc = zs_state_get_at(st, &root, &k, &v, p);
        if (rc) cli_fail("state get: reading %s: %s", items[i].name, zs_strerror(rc));
        if (items[i].type == ZS_SMT_CODE) {
            uint64_t h[4];
            zs_smt_u256_to_h4(&v, h);
            json_object_set_new(out, items[i].name, h4_json(h));
        } else {
            json_object_set_new(out, items[i].name, cli_json_u256(&v));
        }
        if (p) {
            if (zs_smt_verify(root.hash, &k, &v, p)) cli_fail("state get: proof for %s does not verify", items[i].name);
            json_object_set_new(proofs, items[i].name, proof_json(p));
            free(p);
        }
    }
    if (want_proof) json_object_set_new(out, "proof", proofs);
    else json_decref(proofs);
    zs_state_close(st);
    zs_store_close(s);
    cli_print(out);
    return 0;
}

int cmd_smt(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "root")) return smt_root(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "key")) return smt_key(argc - 1, argv + 1);
    cli_fail("usage: zkseq smt root FILE | zkseq smt key TYPE ADDR [SLOT]");
}

int cmd_state(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "genesis")) return state_genesis(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "get")) return state_get(argc - 1, argv + 1);
    cli_fail("usage: zkseq state genesis FILE [--db DIR] | zkseq state get --db DIR ADDR [--proof] [--version N]");
}
