/* zs_evm_memhost: a world held in memory for zs_evm (accounts, code,
   storage in plain tables), for the EVM's tests, the benchmark and tools
   that run code without a state tree.  Code hashes are keccak256 here, not
   Polygon's Poseidon (nothing here is a state root).

   Thread safety: one thread per memhost. */
#ifndef ZS_EVM_MEMHOST_H
#define ZS_EVM_MEMHOST_H

#include "lib/evm/zs_evm.h"

typedef struct zs_evm_memhost zs_evm_memhost_t;

zs_evm_memhost_t *zs_evm_memhost_new(void);
void zs_evm_memhost_free(zs_evm_memhost_t *m);

/* The host functions over m (reads, and the sink commits write into m). */
void zs_evm_memhost_bind(zs_evm_memhost_t *m, zs_evm_host_t *out);

/* Set up and read back. */
int zs_evm_memhost_set_balance(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *v);
int zs_evm_memhost_set_nonce(zs_evm_memhost_t *m, const uint8_t addr[20], uint64_t v);
int zs_evm_memhost_set_code(zs_evm_memhost_t *m, const uint8_t addr[20], const uint8_t *code, size_t len);
int zs_evm_memhost_set_storage(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot,
                               const zs_u256_t *v);
void zs_evm_memhost_account(zs_evm_memhost_t *m, const uint8_t addr[20], zs_evm_account_t *out);
/* The code of addr (valid until it changes); its length, 0 for none. */
size_t zs_evm_memhost_code(zs_evm_memhost_t *m, const uint8_t addr[20], const uint8_t **code);
void zs_evm_memhost_storage(zs_evm_memhost_t *m, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out);

#endif
