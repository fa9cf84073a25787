/* Unit tests of the state tree: every Polygon merkle-tree vector (raw roots,
   genesis roots, key derivation, bytecode hashes), then thousands of random
   set/delete steps against a plain recursive model of the same tree (roots,
   proofs, collapse back to earlier roots), a tree reopened from its own
   node store, and the created/dead lists checked against the nodes
   reachable from the root. */
#include "tests/support/zs_test.h"

#include <stdlib.h>
#include <string.h>

#include "host/state/zs_hashpool.h"
#include "host/state/zs_smt.h"
#include "host/state/zs_smt_key.h"
#include "lib/base/zs_hex.h"
#include "lib/poseidon/zs_poseidon.h"
#include "lib/tx/zs_addr.h"

/* Commits with a fresh version each time and returns the root hash. */
static uint64_t next_version;
static int commit(zs_smt_t *t, uint64_t root[4], zs_smt_changes_t *ch)
{
    zs_smt_ref_t r;
    int rc = zs_smt_commit(t, next_version++, &r, ch);
    if (!rc && root) memcpy(root, r.hash, 32);
    return rc;
}

static zs_u256_t dec(const char *s)
{
    zs_u256_t v;
    if (zs_u256_parse(&v, s)) fail_msg("bad number in vector: %s", s);
    return v;
}

static void h4_hex(const uint64_t h[4], char out[67])
{
    uint8_t be[32];
    zs_smt_h4_to_be(h, be);
    zs_hex_encode_0x(out, be, 32);
}

static void check_root_hex(const uint64_t h[4], const char *want)
{
    char got[67];
    h4_hex(h, got);
    assert_string_equal(got, want);
}

static zs_smt_key_t key_from_scalar(const char *s)
{
    zs_u256_t v = dec(s);
    zs_smt_key_t k;
    zs_smt_u256_to_h4(&v, k.e);
    return k;
}

static void test_raw_vectors(void **state)
{
    json_t *j = zs_test_load_json("polygon/merkle-tree/smt-raw.json");
    size_t i;
    json_t *c;
    json_array_foreach(j, i, c) {
        zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
        json_t *keys = json_object_get(c, "keys"), *vals = json_object_get(c, "values");
        assert_int_equal(json_array_size(keys), json_array_size(vals));
        for (size_t k = 0; k < json_array_size(keys); k++) {
            zs_smt_key_t key = key_from_scalar(json_string_value(json_array_get(keys, k)));
            zs_u256_t v = dec(json_string_value(json_array_get(vals, k)));
            assert_int_equal(zs_smt_set(t, &key, &v), 0);
        }
        uint64_t root[4];
        assert_int_equal(commit(t, root, NULL), 0);
        check_root_hex(root, json_string_value(json_object_get(c, "expectedRoot")));
        /* One commit per set gives the same root as one for all. */
        zs_smt_t *t2 = zs_smt_new(NULL, NULL, NULL);
        for (size_t k = 0; k < json_array_size(keys); k++) {
            zs_smt_key_t key = key_from_scalar(json_string_value(json_array_get(keys, k)));
            zs_u256_t v = dec(json_string_value(json_array_get(vals, k)));
            assert_int_equal(zs_smt_set(t2, &key, &v), 0);
            uint64_t r[4];
            assert_int_equal(commit(t2, r, NULL), 0);
        }
        zs_smt_ref_t root2;
        zs_smt_root(t2, &root2);
        assert_memory_equal(root, root2.hash, 32);
        zs_smt_delete(t);
        zs_smt_delete(t2);
    }
    assert_int_equal(i, 23);
    json_decref(j);
}

static void test_genesis_vectors(void **state)
{
    json_t *j = zs_test_load_json("polygon/merkle-tree/smt-genesis.json");
    size_t i;
    json_t *c;
    json_array_foreach(j, i, c) {
        zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
        size_t a;
        json_t *acc;
        json_array_foreach(json_object_get(c, "addresses"), a, acc) {
            uint8_t addr[20];
            assert_int_equal(zs_addr_parse(addr, json_string_value(json_object_get(acc, "address"))), 0);
            zs_smt_key_t kb = zs_smt_key_account(addr, ZS_SMT_BALANCE), kn = zs_smt_key_account(addr, ZS_SMT_NONCE);
            zs_u256_t b = dec(json_string_value(json_object_get(acc, "balance")));
            zs_u256_t n = dec(json_string_value(json_object_get(acc, "nonce")));
            assert_int_equal(zs_smt_set(t, &kb, &b), 0);
            assert_int_equal(zs_smt_set(t, &kn, &n), 0);
        }
        uint64_t root[4];
        assert_int_equal(commit(t, root, NULL), 0);
        zs_u256_t want = dec(json_string_value(json_object_get(c, "expectedRoot")));
        zs_u256_t got = zs_smt_h4_to_u256(root);
        assert_memory_equal(&got, &want, 32);
        zs_smt_delete(t);
    }
    assert_int_equal(i, 5);
    json_decref(j);
}

static void check_key_file(const char *rel, int type)
{
    json_t *j = zs_test_load_json(rel);
    size_t i;
    json_t *c;
    json_array_foreach(j, i, c) {
        uint8_t addr[20];
        assert_int_equal(zs_addr_parse(addr, json_string_value(json_object_get(c, "ethAddr"))), 0);
        zs_smt_key_t k;
        if (type == ZS_SMT_STORAGE) {
            zs_u256_t slot = dec(json_string_value(json_object_get(c, "storagePosition")));
            k = zs_smt_key_storage(addr, &slot);
        } else {
            k = zs_smt_key_account(addr, (zs_smt_leaf_type_t)type);
        }
        assert_int_equal(json_integer_value(json_object_get(c, "leafType")), type);
        zs_u256_t want = dec(json_string_value(json_object_get(c, "expectedKey")));
        zs_u256_t got = zs_smt_h4_to_u256(k.e);
        assert_memory_equal(&got, &want, 32);
    }
    assert_true(i > 0);
    json_decref(j);
}

static void test_key_vectors(void **state)
{
    check_key_file("polygon/merkle-tree/smt-key-eth-balance.json", ZS_SMT_BALANCE);
    check_key_file("polygon/merkle-tree/smt-key-eth-nonce.json", ZS_SMT_NONCE);
    check_key_file("polygon/merkle-tree/smt-key-contract-code.json", ZS_SMT_CODE);
    check_key_file("polygon/merkle-tree/smt-key-contract-storage.json", ZS_SMT_STORAGE);
    check_key_file("polygon/merkle-tree/smt-key-contract-length.json", ZS_SMT_CODE_LENGTH);
    /* The batch form equals the single form. */
    uint8_t addrs[5][20];
    zs_test_rng_t rng = {0x4e7};
    for (int i = 0; i < 5; i++) zs_test_rng_bytes(&rng, addrs[i], 20);
    zs_smt_key_t keys[15];
    zs_smt_keys_account3((const uint8_t(*)[20])addrs, 5, keys);
    for (int i = 0; i < 5; i++) {
        zs_smt_key_t b = zs_smt_key_account(addrs[i], ZS_SMT_BALANCE), n = zs_smt_key_account(addrs[i], ZS_SMT_NONCE),
                     l = zs_smt_key_account(addrs[i], ZS_SMT_CODE_LENGTH);
        assert_memory_equal(&keys[3 * i], &b, 32);
        assert_memory_equal(&keys[3 * i + 1], &n, 32);
        assert_memory_equal(&keys[3 * i + 2], &l, 32);
    }
}

/* The many-message linear hash equals the single one, for lengths around
   the 56-byte chunk edges. */
static void test_bytecode_many(void **state)
{
    (void)state;
    enum { N = 40 };
    uint8_t buf[N][200];
    const uint8_t *msgs[N];
    size_t lens[N];
    uint64_t out[N][4];
    zs_test_rng_t rng = {0xb17e};
    for (int i = 0; i < N; i++) {
        zs_test_rng_bytes(&rng, buf[i], sizeof buf[i]);
        msgs[i] = buf[i];
        lens[i] = (size_t)(i * 5) % 200;
    }
    zs_smt_hash_bytecode_many(msgs, lens, N, out);
    for (int i = 0; i < N; i++) {
        uint64_t one[4];
        zs_smt_hash_bytecode(msgs[i], lens[i], one);
        assert_memory_equal(one, out[i], 32);
    }
}

static void test_bytecode_vectors(void **state)
{
    json_t *j = zs_test_load_json("polygon/merkle-tree/smt-hash-bytecode.json");
    size_t i;
    json_t *c;
    json_array_foreach(j, i, c) {
        size_t n;
        uint8_t *code = zs_test_hex(json_string_value(json_object_get(c, "bytecode")), &n);
        uint64_t h[4];
        zs_smt_hash_bytecode(code, n, h);
        check_root_hex(h, json_string_value(json_object_get(c, "expectedHash")));
        free(code);
    }
    assert_int_equal(i, 13);
    json_decref(j);
}

/* ---- A plain model of the same tree: a list of pairs, root by recursion. */

typedef struct {
    zs_smt_key_t key;
    zs_u256_t value;
} pair_t;

static void hash_state(uint64_t s[12], uint64_t out[4])
{
    zs_poseidon_permute(s);
    memcpy(out, s, 32);
}

static void model_root(pair_t *p, size_t n, int depth, uint64_t out[4])
{
    uint64_t s[12] = {0};
    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    if (n == 1) {
        uint64_t vh[4];
        zs_smt_value_limbs(&p[0].value, s);
        hash_state(s, vh);
        memset(s, 0, sizeof s);
        zs_smt_remaining_key(&p[0].key, depth, s);
        memcpy(s + 4, vh, 32);
        s[8] = 1;
        hash_state(s, out);
        return;
    }
    /* Partition by the bit at depth. */
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        if (!zs_smt_key_bit(&p[i].key, depth)) {
            pair_t tmp = p[left];
            p[left] = p[i];
            p[i] = tmp;
            left++;
        }
    }
    uint64_t l[4], r[4];
    model_root(p, left, depth + 1, l);
    model_root(p + left, n - left, depth + 1, r);
    memcpy(s, l, 32);
    memcpy(s + 4, r, 32);
    hash_state(s, out);
}

typedef struct {
    pair_t *p;
    size_t n, cap;
} model_t;

static void model_set(model_t *m, const zs_smt_key_t *k, const zs_u256_t *v)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!memcmp(&m->p[i].key, k, sizeof *k)) {
            if (zs_u256_is_zero(v))
                m->p[i] = m->p[--m->n];
            else
                m->p[i].value = *v;
            return;
        }
    }
    if (zs_u256_is_zero(v)) return;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->p = realloc(m->p, m->cap * sizeof *m->p);
    }
    m->p[m->n].key = *k;
    m->p[m->n].value = *v;
    m->n++;
}

static void model_get(const model_t *m, const zs_smt_key_t *k, zs_u256_t *v)
{
    for (size_t i = 0; i < m->n; i++)
        if (!memcmp(&m->p[i].key, k, sizeof *k)) {
            *v = m->p[i].value;
            return;
        }
    *v = zs_u256_from_u64(0);
}

/* Keys from a small space share long prefixes (deep chains, equal
   remaining keys); random field elements spread out. */
static zs_smt_key_t rnd_key(zs_test_rng_t *r, int small)
{
    zs_smt_key_t k;
    if (small) {
        uint64_t x = zs_test_rng_u64(r) % 64;
        memset(&k, 0, sizeof k);
        k.e[0] = x & 3;
        k.e[1] = (x >> 2) & 3;
        k.e[2] = (x >> 4) & 1;
        k.e[3] = x >> 5;
        return k;
    }
    for (int i = 0; i < 4; i++) k.e[i] = zs_test_rng_u64(r) % 0xffffffff00000001ull;
    return k;
}

static zs_u256_t rnd_value(zs_test_rng_t *r)
{
    uint64_t x = zs_test_rng_u64(r);
    if (x % 4 == 0) return zs_u256_from_u64(0); /* a delete */
    /* Repeated small values (their hashes come from the tree's table of
       them), at its edge, and a small low word under a high one (not). */
    static const uint64_t small[] = {1, 2, 3, 255, 1023, 1024};
    if (x % 4 == 1) return zs_u256_from_u64(small[(x >> 8) % 6]);
    if ((x >> 16) % 8 == 0) return (zs_u256_t){{x % 3 + 1, 1, 0, 0}};
    zs_u256_t v = {{zs_test_rng_u64(r), zs_test_rng_u64(r), x % 2 ? zs_test_rng_u64(r) : 0, 0}};
    return v;
}

/* ---- An in-memory node store with reference counts, as the real store
   keeps them, keyed by (version, hash). */

typedef struct {
    zs_smt_ref_t ref;
    uint8_t row[ZS_SMT_PAGE_ROW_MAX];
    size_t len;
    long refs;
    int used;
} slot_t;

typedef struct {
    slot_t *s;
    size_t cap;
    size_t loads;
} store_t;

static size_t store_find(store_t *st, const zs_smt_ref_t *r)
{
    size_t i = (r->hash[0] ^ r->hash[1] ^ r->ver) & (st->cap - 1);
    while (st->s[i].used && memcmp(&st->s[i].ref, r, sizeof *r)) i = (i + 1) & (st->cap - 1);
    return i;
}

static void store_apply(store_t *st, const zs_smt_changes_t *ch)
{
    for (size_t i = 0; i < ch->n_created; i++) {
        size_t k = store_find(st, &ch->created[i].ref);
        assert_true(ch->created[i].len <= ZS_SMT_PAGE_ROW_MAX);
        if (!st->s[k].used) {
            st->s[k].used = 1;
            st->s[k].ref = ch->created[i].ref;
            memcpy(st->s[k].row, ch->created[i].row, ch->created[i].len);
            st->s[k].len = ch->created[i].len;
        }
        /* A page stored again under the same reference has the same content. */
        assert_int_equal(st->s[k].len, ch->created[i].len);
        assert_memory_equal(st->s[k].row, ch->created[i].row, ch->created[i].len);
        st->s[k].refs++;
    }
    for (size_t i = 0; i < ch->n_dead; i++) {
        size_t k = store_find(st, &ch->dead[i]);
        assert_true(st->s[k].used);
        st->s[k].refs--;
        assert_true(st->s[k].refs >= 0);
    }
}

static int store_load(void *ctx, const zs_smt_ref_t *r, zs_smt_page_t *out)
{
    store_t *st = ctx;
    size_t k = store_find(st, r);
    if (!st->s[k].used || st->s[k].refs <= 0) return ZS_ERR_NOTFOUND;
    if (zs_smt_page_parse(st->s[k].row, st->s[k].len, out)) return ZS_ERR_CORRUPT;
    st->loads++;
    return ZS_OK;
}

/* Counts, for every stored node, how often the tree under root references
   it, and checks it equals the store's reference count. */
static void count_refs(store_t *st, const zs_smt_ref_t *r, long *seen)
{
    uint64_t z[4] = {0};
    if (!memcmp(r->hash, z, 32)) return;
    size_t k = store_find(st, r);
    assert_true(st->s[k].used);
    seen[k]++;
    zs_smt_page_t pg;
    assert_int_equal(zs_smt_page_decode(st->s[k].row, st->s[k].len, &pg), 0);
    assert_memory_equal(pg.node[0].hash, r->hash, 32);
    for (size_t i = 0; i < pg.n; i++) {
        if (pg.node[i].kind != ZS_SMT_PAGE_REF) continue;
        assert_int_equal(pg.node[i].depth, ZS_SMT_PAGE_LEVELS);
        zs_smt_ref_t below = {pg.node[i].ver, {pg.node[i].hash[0], pg.node[i].hash[1], pg.node[i].hash[2], pg.node[i].hash[3]}};
        count_refs(st, &below, seen);
    }
}

static void check_store_matches(store_t *st, const zs_smt_ref_t *root)
{
    long *seen = calloc(st->cap, sizeof *seen);
    count_refs(st, root, seen);
    for (size_t i = 0; i < st->cap; i++)
        if (st->s[i].used) assert_int_equal(st->s[i].refs, seen[i]);
    free(seen);
}

static void check_proof(zs_smt_t *t, const uint64_t root[4], const zs_smt_key_t *k, const zs_u256_t *want)
{
    static zs_smt_proof_t proof;
    zs_u256_t got;
    assert_int_equal(zs_smt_prove(t, k, &got, &proof), 0);
    assert_memory_equal(&got, want, 32);
    assert_int_equal(zs_smt_verify(root, k, want, &proof), 0);
    /* A different value does not verify. */
    zs_u256_t other = *want;
    other.w[0] ^= 1;
    assert_int_equal(zs_smt_verify(root, k, &other, &proof), ZS_ERR_CRYPTO);
}

static void run_random(uint64_t seed, int small, int steps, int per_commit)
{
    zs_test_rng_t rng = {seed};
    model_t m = {0};
    store_t st = {calloc(1 << 18, sizeof(slot_t)), 1 << 18, 0};
    zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
    zs_smt_key_t recent[64];
    int nrecent = 0;
    uint64_t first_root[4] = {0};
    size_t evicted = 0;
    for (int step = 0; step < steps; step++) {
        for (int k = 0; k < per_commit; k++) {
            zs_smt_key_t key = (nrecent && zs_test_rng_u64(&rng) % 2) ? recent[zs_test_rng_u64(&rng) % (uint64_t)nrecent]
                                                                      : rnd_key(&rng, small);
            if (nrecent < 64) recent[nrecent++] = key;
            zs_u256_t v = rnd_value(&rng);
            assert_int_equal(zs_smt_set(t, &key, &v), 0);
            model_set(&m, &key, &v);
            zs_u256_t got;
            assert_int_equal(zs_smt_get(t, &key, &got), 0);
            assert_memory_equal(&got, &v, 32);
        }
        uint64_t root[4], want[4];
        zs_smt_changes_t ch;
        assert_int_equal(commit(t, root, &ch), 0);
        /* The model is slow (scalar hashing of every key): check it on every
           fifth commit and before each reopen. */
        if (step % 5 == 0 || step % 50 == 49 || step == steps - 1) {
            model_root(m.p, m.n, 0, want);
            assert_memory_equal(root, want, 32);
        }
        store_apply(&st, &ch);
        zs_smt_ref_t rref;
        zs_smt_root(t, &rref);
        if (step % 16 == 0) check_store_matches(&st, &rref);
        if (step == 0) memcpy(first_root, root, 32);
        /* Once it reads from the store (after the first reopen), the tree
           drops half its nodes every second commit, the hand 1,024 nodes a
           call: the pages read again must give the same roots and proofs. */
        if (step > 50 && step % 2 == 0) {
            size_t before = zs_smt_node_bytes(t), pages = 0;
            size_t freed = zs_smt_evict(t, before / 2, next_version - 1, 1024, &pages);
            assert_int_equal(zs_smt_node_bytes(t), before - freed);
            evicted += pages;
        }
        /* Proofs for a few present and absent keys. */
        for (int k = 0; k < 3 && nrecent; k++) {
            zs_smt_key_t key = recent[zs_test_rng_u64(&rng) % (uint64_t)nrecent];
            zs_u256_t v;
            model_get(&m, &key, &v);
            check_proof(t, root, &key, &v);
        }
        /* Every 50 steps, reopen from the store: the lazily loaded tree must
           behave the same. */
        if (step % 50 == 49) {
            zs_smt_loader_t loader = {.ctx = &st, .load = store_load};
            zs_smt_t *t2 = zs_smt_new(&rref, &loader, NULL);
            assert_non_null(t2);
            zs_smt_delete(t);
            t = t2;
        }
    }
    /* Delete everything: back to the empty root; and the store empties. */
    for (size_t i = m.n; i-- > 0;) {
        zs_u256_t zero = zs_u256_from_u64(0);
        assert_int_equal(zs_smt_set(t, &m.p[i].key, &zero), 0);
    }
    uint64_t root[4], z[4] = {0};
    zs_smt_changes_t ch;
    assert_int_equal(commit(t, root, &ch), 0);
    assert_memory_equal(root, z, 32);
    store_apply(&st, &ch);
    for (size_t i = 0; i < st.cap; i++)
        if (st.s[i].used) assert_int_equal(st.s[i].refs, 0);
    (void)first_root;
    /* Crowded keys (64 of them) make no page below the kept top levels. */
    print_message("seed %llu: %zu pages dropped from memory and read again as needed\n", (unsigned long long)seed,
                  evicted);
    if (!small) assert_true(evicted > 0);
    zs_smt_delete(t);
    free(m.p);
    free(st.s);
}

static void test_random_against_model(void **state)
{
    run_random(1, 0, 400, 8);  /* spread keys */
    run_random(2, 1, 600, 5);  /* crowded keys: chains, moves, collapses */
    run_random(3, 1, 300, 40); /* big batches */
    run_random(4, 0, 200, 60);
}

/* Hashing the deep changes ahead (zs_smt_hash_below, at any depth, between
   any sets: moves, deletes, collapses, new values of hashed leaves) leaves
   the roots what the model says; a stored tree refuses it. */
static void test_hash_below(void **state)
{
    for (int small = 0; small < 2; small++) {
        zs_test_rng_t rng = {100 + (uint64_t)small};
        model_t m = {0};
        zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
        size_t ahead = 0;
        for (int step = 0; step < 120; step++) {
            for (int k = 0; k < 40; k++) {
                zs_smt_key_t key = rnd_key(&rng, small);
                zs_u256_t v = rnd_value(&rng);
                assert_int_equal(zs_smt_set(t, &key, &v), 0);
                model_set(&m, &key, &v);
                if (zs_test_rng_u64(&rng) % 6 == 0) {
                    size_t p = 0;
                    assert_int_equal(zs_smt_hash_below(t, (int)(zs_test_rng_u64(&rng) % 12), &p), 0);
                    ahead += p;
                }
            }
            if (step % 3) continue; /* several blocks' worth between commits */
            uint64_t root[4], want[4];
            assert_int_equal(commit(t, root, NULL), 0);
            model_root(m.p, m.n, 0, want);
            assert_memory_equal(root, want, 32);
        }
        assert_true(ahead > 0);
        zs_smt_delete(t);
        free(m.p);
    }
    store_t st = {calloc(64, sizeof(slot_t)), 64, 0};
    zs_smt_loader_t loader = {.ctx = &st, .load = store_load};
    zs_smt_ref_t empty = {0};
    zs_smt_t *t = zs_smt_new(&empty, &loader, NULL);
    assert_non_null(t);
    assert_int_equal(zs_smt_hash_below(t, 4, NULL), ZS_ERR_STATE);
    zs_smt_delete(t);
    free(st.s);
}

/* Setting and deleting returns to the very same roots (collapse is exact). */
static void test_collapse_returns_to_roots(void **state)
{
    zs_test_rng_t rng = {77};
    zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
    enum { N = 200 };
    zs_smt_key_t keys[N];
    uint64_t roots[N + 1][4];
    assert_int_equal(commit(t, roots[0], NULL), 0);
    for (int i = 0; i < N; i++) {
        keys[i] = rnd_key(&rng, i % 2);
        zs_u256_t v = zs_u256_from_u64((uint64_t)i + 1);
        assert_int_equal(zs_smt_set(t, &keys[i], &v), 0);
        assert_int_equal(commit(t, roots[i + 1], NULL), 0);
    }
    for (int i = N - 1; i >= 0; i--) {
        /* Keys may repeat: undo by restoring the previous value of that key. */
        zs_u256_t prev = zs_u256_from_u64(0);
        for (int j = i - 1; j >= 0; j--)
            if (!memcmp(&keys[j], &keys[i], sizeof keys[i])) {
                prev = zs_u256_from_u64((uint64_t)j + 1);
                break;
            }
        assert_int_equal(zs_smt_set(t, &keys[i], &prev), 0);
        uint64_t r[4];
        assert_int_equal(commit(t, r, NULL), 0);
        assert_memory_equal(r, roots[i], 32);
    }
    zs_smt_delete(t);
}

/* The hash pool's split over the cores gives what one batch gives, for
   every count around its split sizes (it once left the last states of a
   count that was not a multiple of its parts unhashed). */
static void test_hashpool_split(void **state)
{
    (void)state;
    enum { N = 2100 };
    uint64_t(*in)[12] = malloc(N * sizeof *in), (*want)[4] = malloc(N * sizeof *want), (*got)[4] = malloc(N * sizeof *got);
    assert_non_null(in);
    assert_non_null(want);
    assert_non_null(got);
    zs_test_rng_t rng = {0x4a5b};
    for (size_t i = 0; i < N; i++)
        for (int j = 0; j < 12; j++) in[i][j] = zs_test_rng_u64(&rng) % 0xffffffff00000001ull;
    zs_poseidon_hash_batch((const uint64_t(*)[12])in, want, N);
    for (size_t n = 1; n <= N; n += n < 1100 ? 1 : 7) {
        memset(got, 0, n * sizeof *got);
        zs_hashpool_hash((const uint64_t(*)[12])in, got, n);
        if (memcmp(got, want, n * sizeof *got)) fail_msg("hash pool wrong for %zu states", n);
    }
    free(in);
    free(want);
    free(got);
}

/* Page rows: every row a commit writes decodes to the hash it is stored
   under, with no node below the page's lower edge; malformed rows are
   refused whatever their shape. */
static void test_page_rows(void **state)
{
    (void)state;
    zs_test_rng_t rng = {0x9a6e};
    zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
    model_t m = {0};
    for (int i = 0; i < 3000; i++) {
        zs_smt_key_t k = rnd_key(&rng, 0);
        zs_u256_t v = zs_u256_from_u64(zs_test_rng_u64(&rng) | 1);
        assert_int_equal(zs_smt_set(t, &k, &v), 0);
        model_set(&m, &k, &v);
    }
    zs_smt_changes_t ch;
    uint64_t root[4], want[4];
    assert_int_equal(commit(t, root, &ch), 0);
    /* Thousands of hashes per level: the hash pool splits them over the
       cores, and the root must still be the model's. */
    model_root(m.p, m.n, 0, want);
    assert_memory_equal(root, want, 32);
    free(m.p);
    assert_true(ch.n_created > 3000 / 8); /* leaves share pages */
    size_t nodes = 0, refs = 0;
    for (size_t i = 0; i < ch.n_created; i++) {
        zs_smt_page_t pg;
        assert_true(ch.created[i].len <= ZS_SMT_PAGE_ROW_MAX);
        assert_int_equal(zs_smt_page_decode(ch.created[i].row, ch.created[i].len, &pg), 0);
        assert_memory_equal(pg.node[0].hash, ch.created[i].ref.hash, 32);
        for (size_t j = 0; j < pg.n; j++) {
            assert_true(pg.node[j].depth <= ZS_SMT_PAGE_LEVELS);
            if (pg.node[j].kind == ZS_SMT_PAGE_REF) refs++;
            else nodes++;
        }
    }
    assert_int_equal(refs + 1, ch.n_created); /* every page but the root's is referenced once */
    print_message("3000 leaves: %zu nodes in %zu pages\n", nodes, ch.n_created);
    /* Malformed rows. */
    uint8_t leaf[65] = {ZS_SMT_PAGE_LEAF}, big[1 + 64 + 1];
    leaf[64] = 1;
    zs_smt_page_t pg;
    assert_int_equal(zs_smt_page_decode(leaf, sizeof leaf, &pg), 0);
    assert_int_equal(zs_smt_page_decode(leaf, sizeof leaf - 1, &pg), ZS_ERR_CORRUPT); /* cut short */
    memcpy(big, leaf, sizeof leaf);
    big[65] = 0;
    assert_int_equal(zs_smt_page_decode(big, sizeof big, &pg), ZS_ERR_CORRUPT); /* a byte left over */
    assert_int_equal(zs_smt_page_decode(leaf, 0, &pg), ZS_ERR_CORRUPT);
    leaf[64] = 0;
    assert_int_equal(zs_smt_page_decode(leaf, sizeof leaf, &pg), ZS_ERR_CORRUPT); /* a leaf of value zero */
    leaf[64] = 1;
    memset(leaf + 1, 0xff, 8);
    assert_int_equal(zs_smt_page_decode(leaf, sizeof leaf, &pg), ZS_ERR_CORRUPT); /* not a field element */
    const uint8_t empty_root[] = {ZS_SMT_PAGE_EMPTY}, two_empty[] = {ZS_SMT_PAGE_BRANCH, 0, 0}, bad_tag[] = {7};
    assert_int_equal(zs_smt_page_decode(empty_root, sizeof empty_root, &pg), ZS_ERR_CORRUPT);
    assert_int_equal(zs_smt_page_decode(two_empty, sizeof two_empty, &pg), ZS_ERR_CORRUPT);
    assert_int_equal(zs_smt_page_decode(bad_tag, sizeof bad_tag, &pg), ZS_ERR_CORRUPT);
    /* A reference above the edge, and a branch on it. */
    uint8_t ref_high[1 + 41 + 1] = {ZS_SMT_PAGE_BRANCH, ZS_SMT_PAGE_REF};
    assert_int_equal(zs_smt_page_decode(ref_high, sizeof ref_high, &pg), ZS_ERR_CORRUPT);
    uint8_t deep[16] = {0};
    for (int d = 0; d < 5; d++) deep[2 * d] = ZS_SMT_PAGE_BRANCH; /* five branches down the right side */
    assert_int_equal(zs_smt_page_decode(deep, sizeof deep, &pg), ZS_ERR_CORRUPT);
    zs_smt_delete(t);
}

static void test_refusals(void **state)
{
    zs_smt_t *t = zs_smt_new(NULL, NULL, NULL);
    zs_smt_key_t k = {{0xffffffff00000001ull, 0, 0, 0}};
    zs_u256_t v = zs_u256_from_u64(1);
    assert_int_equal(zs_smt_set(t, &k, &v), ZS_ERR_INVAL);
    k.e[0] = 5;
    assert_int_equal(zs_smt_set(t, &k, &v), 0);
    zs_smt_proof_t proof;
    zs_u256_t got;
    assert_int_equal(zs_smt_prove(t, &k, &got, &proof), ZS_ERR_STATE); /* uncommitted */
    zs_smt_ref_t root = {0, {1, 2, 3, 4}};
    assert_null(zs_smt_new(&root, NULL, NULL)); /* a root without a store */
    /* A store that lacks the root: errors, then refuses everything. */
    store_t st = {calloc(16, sizeof(slot_t)), 16, 0};
    zs_smt_loader_t loader = {.ctx = &st, .load = store_load};
    zs_smt_t *t2 = zs_smt_new(&root, &loader, NULL);
    assert_int_equal(zs_smt_get(t2, &k, &got), ZS_ERR_NOTFOUND);
    assert_int_equal(zs_smt_set(t2, &k, &v), ZS_ERR_STATE);
    zs_smt_delete(t2);
    free(st.s);
    zs_smt_delete(t);
    /* A store whose rows parse but were altered: a value in a page below
       the root, or a reference's hash in the root's page: the tree hashes
       what it reads and refuses it. */
    for (int which = 0; which < 2; which++) {
        store_t s2 = {calloc(1 << 12, sizeof(slot_t)), 1 << 12, 0};
        zs_smt_t *t3 = zs_smt_new(NULL, NULL, NULL);
        zs_test_rng_t rng = {0x7a3 + (uint64_t)which};
        zs_smt_key_t keys[200];
        for (int i = 0; i < 200; i++) {
            keys[i] = rnd_key(&rng, 0);
            assert_int_equal(zs_smt_set(t3, &keys[i], &v), 0);
        }
        zs_smt_changes_t ch;
        assert_int_equal(commit(t3, NULL, &ch), 0);
        store_apply(&s2, &ch);
        zs_smt_ref_t r3;
        zs_smt_root(t3, &r3);
        size_t at = store_find(&s2, &r3);
        if (which == 1) {
            s2.s[at].row[s2.s[at].len - 1] ^= 1; /* the last reference's hash */
        } else {
            for (size_t i = 0; i < s2.cap; i++) /* a leaf page's value */
                if (s2.s[i].used && s2.s[i].row[0] == ZS_SMT_PAGE_LEAF) {
                    s2.s[i].row[64] ^= 1;
                    break;
                }
        }
        zs_smt_t *t4 = zs_smt_new(&r3, &(zs_smt_loader_t){.ctx = &s2, .load = store_load}, NULL);
        int bad = 0;
        for (int i = 0; i < 200; i++) {
            zs_u256_t g;
            int rc = zs_smt_get(t4, &keys[i], &g);
            if (rc == ZS_ERR_CORRUPT || rc == ZS_ERR_STATE) bad++;
            else assert_int_equal(rc, 0);
        }
        assert_true(bad > 0);
        zs_smt_delete(t4);
        zs_smt_delete(t3);
        free(s2.s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_vectors),
        cmocka_unit_test(test_genesis_vectors),
        cmocka_unit_test(test_key_vectors),
        cmocka_unit_test(test_bytecode_vectors),
        cmocka_unit_test(test_bytecode_many),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_hash_below),
        cmocka_unit_test(test_collapse_returns_to_roots),
        cmocka_unit_test(test_hashpool_split),
        cmocka_unit_test(test_page_rows),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
