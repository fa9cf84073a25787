#include "host/state/zs_smt_key.h"

#include <string.h>

#include "lib/poseidon/zs_poseidon.h"

/* H(0^8, 0^4): the capacity of every non-storage key. */
static void zero_hash(uint64_t out[4])
{
    static uint64_t cached[4];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        uint64_t s[12] = {0};
        zs_poseidon_permute(s);
        memcpy(cached, s, 32);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    memcpy(out, cached, 32);
}

/* The address as a 160-bit number in 32-bit limbs, least significant first. */
static void addr_limbs(const uint8_t addr[20], uint64_t limbs[5])
{
    for (int i = 0; i < 5; i++) {
        const uint8_t *p = addr + 16 - 4 * i;
        limbs[i] = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    }
}

static void key_state(const uint8_t addr[20], uint64_t type, const uint64_t cap[4], uint64_t s[12])
{
    uint64_t a[5];
    addr_limbs(addr, a);
    for (int i = 0; i < 5; i++)
        s[i] = a[i];
    s[5] = 0;
    s[6] = type;
    s[7] = 0;
    memcpy(s + 8, cap, 32);
}

zs_smt_key_t zs_smt_key_account(const uint8_t addr[20], zs_smt_leaf_type_t type)
{
    uint64_t s[12], cap[4];
    zero_hash(cap);
    key_state(addr, (uint64_t)type, cap, s);
    zs_poseidon_permute(s);
    zs_smt_key_t k;
    memcpy(k.e, s, 32);
    return k;
}

void zs_smt_value_limbs(const zs_u256_t *v, uint64_t limbs[8])
{
    for (int i = 0; i < 8; i++)
        limbs[i] = (v->w[i / 2] >> (32 * (i % 2))) & 0xffffffffull;
}

zs_smt_key_t zs_smt_key_storage(const uint8_t addr[20], const zs_u256_t *slot)
{
    uint64_t s[12] = {0}, cap[4];
    zs_smt_value_limbs(slot, s);
    zs_poseidon_permute(s);
    memcpy(cap, s, 32);
    key_state(addr, ZS_SMT_STORAGE, cap, s);
    zs_poseidon_permute(s);
    zs_smt_key_t k;
    memcpy(k.e, s, 32);
    return k;
}

void zs_smt_keys_account3(const uint8_t (*addrs)[20], size_t n, zs_smt_key_t *keys)
{
    static const uint64_t types[3] = {ZS_SMT_BALANCE, ZS_SMT_NONCE, ZS_SMT_CODE_LENGTH};
    uint64_t cap[4];
    zero_hash(cap);
    uint64_t st[48][12];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 16 ? n - done : 16;
        for (size_t i = 0; i < k; i++)
            for (int t = 0; t < 3; t++)
                key_state(addrs[done + i], types[t], cap, st[3 * i + (size_t)t]);
        zs_poseidon_permute_batch(st, 3 * k);
        for (size_t i = 0; i < 3 * k; i++)
            memcpy(keys[3 * done + i].e, st[i], 32);
        done += k;
    }
}

void zs_smt_hash_bytecode_many(const uint8_t *const *msgs, const size_t *lens, size_t n, uint64_t (*out)[4])
{
    zs_poseidon_hash_bytes_many(msgs, lens, n, out);
}

void zs_smt_hash_bytecode(const uint8_t *code, size_t n, uint64_t out[4])
{
    zs_poseidon_hash_bytes(code, n, out);
}

zs_u256_t zs_smt_h4_to_u256(const uint64_t h[4])
{
    zs_u256_t v;
    memcpy(v.w, h, 32);
    return v;
}

void zs_smt_u256_to_h4(const zs_u256_t *v, uint64_t h[4])
{
    memcpy(h, v->w, 32);
}

void zs_smt_h4_to_be(const uint64_t h[4], uint8_t out[32])
{
    zs_u256_t v = zs_smt_h4_to_u256(h);
    zs_u256_to_be32(&v, out);
}

void zs_smt_be_to_h4(const uint8_t in[32], uint64_t h[4])
{
    zs_u256_t v = zs_u256_from_be32(in);
    zs_smt_u256_to_h4(&v, h);
}
