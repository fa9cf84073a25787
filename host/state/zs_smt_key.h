/* zs_smt_key: where Polygon zkEVM keeps account data in its state tree.

   Every item (balance, nonce, code hash, code length, storage slot) is a leaf
   whose 4-element key is a Poseidon hash of the address (and slot):
     key = H([a0..a4, 0, type, 0], capacity)
   where a0..a4 are the address as five 32-bit limbs, least significant
   first, type is 0 balance, 1 nonce, 2 code hash, 3 storage, 4 code length,
   and the capacity is H(0^8, 0^4) except for storage, where it is
   H(slot as eight 32-bit limbs, 0^4).

   Values are 256-bit numbers split into eight 32-bit limbs.  Bytecode is
   hashed with Polygon's linear Poseidon over 56-byte chunks (7 bytes per
   element) with 0x01 ... 0x80 padding.

   Pure functions; any thread. */
#ifndef ZS_SMT_KEY_H
#define ZS_SMT_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/u256/zs_u256.h"

typedef struct {
    uint64_t e[4];
} zs_smt_key_t;

typedef enum {
    ZS_SMT_BALANCE = 0,
    ZS_SMT_NONCE = 1,
    ZS_SMT_CODE = 2,
    ZS_SMT_STORAGE = 3,
    ZS_SMT_CODE_LENGTH = 4,
} zs_smt_leaf_type_t;

/* zs_smt_key_account: the key of the balance, nonce, code or code length
   leaf of addr (type must not be ZS_SMT_STORAGE). */
zs_smt_key_t zs_smt_key_account(const uint8_t addr[20], zs_smt_leaf_type_t type);

/* zs_smt_key_storage: the key of storage slot `slot` of contract addr. */
zs_smt_key_t zs_smt_key_storage(const uint8_t addr[20], const zs_u256_t *slot);

/* The three keys a transfer reads, derived in one batch call:
   keys[3i] = balance key of addrs[i], keys[3i+1] = nonce, keys[3i+2] = code length. */
void zs_smt_keys_account3(const uint8_t (*addrs)[20], size_t n, zs_smt_key_t *keys);

/* zs_smt_hash_bytecode: Polygon's hashContractBytecode, as a 4-element hash. */
void zs_smt_hash_bytecode(const uint8_t *code, size_t n, uint64_t out[4]);
/* The same for n messages at once (lane-parallel permutations). */
void zs_smt_hash_bytecode_many(const uint8_t *const *msgs, const size_t *lens, size_t n, uint64_t (*out)[4]);

/* Conversions between 4-element hashes/keys and their 256-bit forms:
   h0 + h1 * 2^64 + h2 * 2^128 + h3 * 2^192 (Polygon's h4toScalar). */
zs_u256_t zs_smt_h4_to_u256(const uint64_t h[4]);
void zs_smt_u256_to_h4(const zs_u256_t *v, uint64_t h[4]);
/* 32-byte big-endian form ("0x" + 64 hex digits is Polygon's h4toString). */
void zs_smt_h4_to_be(const uint64_t h[4], uint8_t out[32]);
void zs_smt_be_to_h4(const uint8_t in[32], uint64_t h[4]);

/* A 256-bit value as the eight 32-bit limbs the tree hashes (scalar2fea). */
void zs_smt_value_limbs(const zs_u256_t *v, uint64_t limbs[8]);

#endif
