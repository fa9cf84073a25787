/* zs_tx: Ethereum transactions: decoding, hashing, sender recovery, rule
   checks, encoding and signing.

   Supported envelopes: legacy (pre-EIP-155, v = 27/28), EIP-155 (v = 35 +
   2 * chainId + parity), EIP-2930 (0x01) and EIP-1559 (0x02).  Every other
   type is refused with ZS_ERR_UNSUPPORTED ("unsupported transaction type").

   Decoding is zero-copy: data and accessList point into the raw buffer,
   which must outlive the zs_tx_t.  Decoding checks the format (strict RLP,
   field count and widths, signature values, EIP-2's low s) and computes the
   signing hash and the transaction hash; zs_tx_check applies the rules that
   depend on the chain (chain id, intrinsic gas, fee sanity, init code size).
   Recovery is separate because it costs ~30 us, 100x the rest.

   Thread safety: all functions work on caller-owned memory; the shared
   libsecp256k1 contexts are created once and are safe to share.  Nothing
   here allocates except the one-time signing context. */
#ifndef ZS_TX_H
#define ZS_TX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/base/zs_err.h"
#include "lib/u256/zs_u256.h"

enum {
    ZS_TX_LEGACY = 0,
    ZS_TX_ACCESS_LIST = 1, /* EIP-2930 */
    ZS_TX_DYNAMIC_FEE = 2, /* EIP-1559 */
};

typedef struct {
    uint8_t type;
    uint8_t has_chain_id; /* 0 only for pre-EIP-155 legacy transactions */
    uint8_t has_to;       /* 0 for contract creation */
    uint8_t y_parity;     /* 0 or 1 */
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t gas;
    zs_u256_t gas_price;        /* legacy, 2930; for 1559 equals max_fee */
    zs_u256_t max_fee;          /* 1559; for others equals gas_price */
    zs_u256_t max_priority_fee; /* 1559; for others equals gas_price */
    zs_u256_t value;
    zs_u256_t v; /* as encoded: 27/28, 35+2c+p, or the y parity */
    uint8_t to[20];
    uint8_t r[32], s[32];
    const uint8_t *data;
    size_t data_len;
    const uint8_t *access_list; /* the encoded RLP list (header included) */
    size_t access_list_len;     /* 0 for legacy */
    uint32_t access_addresses;  /* entries in the access list */
    uint32_t access_keys;       /* storage keys over all entries */
    uint8_t sighash[32];        /* what the sender signed */
    uint8_t hash[32];           /* keccak256 of the raw envelope */
    const uint8_t *raw;
    size_t raw_len;
} zs_tx_t;

/* zs_tx_decode parses raw[0..n) into *tx.  Returns 0, ZS_ERR_PARSE (bad
   encoding, with where and why in *e) or ZS_ERR_UNSUPPORTED (a transaction
   type zkseq does not take). */
ZS_MUST_USE int zs_tx_decode(const uint8_t *raw, size_t n, zs_tx_t *tx, zs_perr_t *e);

/* zs_tx_decode_flags is zs_tx_decode with ZS_TX_DEFER_HASH: tx->hash is
   left zero for the caller, who hashes many envelopes in one batch (the
   sequencer's Keccak path, host/accel) and fills it before any use. */
#define ZS_TX_DEFER_HASH 1u
ZS_MUST_USE int zs_tx_decode_flags(const uint8_t *raw, size_t n, zs_tx_t *tx, zs_perr_t *e, unsigned flags);

/* zs_tx_recover finds the sender of a decoded transaction.  Returns 0 or
   ZS_ERR_CRYPTO when the signature does not yield a public key. */
ZS_MUST_USE int zs_tx_recover(const zs_tx_t *tx, uint8_t sender[20]);

/* zs_ecrecover recovers the signer of a 32-byte digest from (r, s, parity)
   without EIP-2's low-s rule (as the ecrecover precompile does).  Returns 0
   or ZS_ERR_CRYPTO (r or s out of range, no such point). */
ZS_MUST_USE int zs_ecrecover(const uint8_t digest[32], int parity, const uint8_t r[32],
                             const uint8_t s[32], uint8_t signer[20]);

/* Chain rules for zs_tx_check. */
typedef struct {
    uint64_t chain_id;      /* required chain id; 0 accepts any */
    int allow_unprotected;  /* accept pre-EIP-155 legacy transactions */
    int shanghai;           /* EIP-3860: init code limit and its gas */
    uint64_t max_init_code; /* 49152 on Ethereum */
    int limit_init_code;    /* without shanghai: max_init_code still limits a creation's init code (no word gas) */
    int legacy_only;        /* Polygon fork 12: typed transactions (EIP-2930, EIP-1559) refused */
} zs_tx_rules_t;

/* Stable reasons zs_tx_check refuses for (also used by the pool). */
typedef enum {
    ZS_TXCHK_OK = 0,
    ZS_TXCHK_TYPE,              /* a typed transaction where only legacy ones are taken */
    ZS_TXCHK_CHAIN_ID,          /* wrong chain id, or unprotected when not allowed */
    ZS_TXCHK_INTRINSIC_GAS,     /* gas below the intrinsic cost */
    ZS_TXCHK_FEE_CAP_TOO_LOW,   /* maxPriorityFeePerGas > maxFeePerGas */
    ZS_TXCHK_FEE_OVERFLOW,      /* gas * price does not fit 256 bits */
    ZS_TXCHK_NONCE_MAX,         /* nonce == 2^64 - 1 (EIP-2681) */
    ZS_TXCHK_INIT_CODE_TOO_BIG, /* EIP-3860 */
} zs_txchk_t;

/* zs_tx_intrinsic_gas: 21000 (53000 to create) + 4 per zero and 16 per
   non-zero data byte + 2400 per access-list address + 1900 per key (+ 2
   per init-code word from Shanghai).  Saturates at UINT64_MAX. */
uint64_t zs_tx_intrinsic_gas(const zs_tx_t *tx, const zs_tx_rules_t *rules);

/* zs_tx_check applies the rules; returns ZS_TXCHK_OK or the first reason
   found, and a static English message in *msg if msg is not NULL. */
zs_txchk_t zs_tx_check(const zs_tx_t *tx, const zs_tx_rules_t *rules, const char **msg);

/* Encoding and signing (tools and tests).  The caller fills the fields of
   *tx that its type uses (chain_id/has_chain_id, nonce, gas, fees, has_to/to,
   value, data, access_list as an encoded RLP list or NULL for empty);
   zs_tx_sign computes the signature with the 32-byte secret key, writes the
   raw envelope into out[0..cap) and stores its length.  On success *tx is
   re-decoded from out (so it points into out).  Returns ZS_ERR_FULL if cap
   is too small, ZS_ERR_CRYPTO for an invalid key, ZS_ERR_INVAL for a field
   combination the type cannot carry (a typed transaction without a chain
   id, an access list on a legacy one). */
ZS_MUST_USE int zs_tx_sign(zs_tx_t *tx, const uint8_t key[32], uint8_t *out, size_t cap,
                           size_t *len);

/* zs_tx_sign_transfer fills *tx with a plain EIP-155 legacy transfer
   (21000 gas, no data) and signs it as zs_tx_sign does (tools, tests, load
   generators). */
ZS_MUST_USE int zs_tx_sign_transfer(zs_tx_t *tx, const uint8_t key[32], uint64_t chain_id, uint64_t nonce,
                                    const uint8_t to[20], const zs_u256_t *value, uint64_t gas_price, uint8_t *out,
                                    size_t cap, size_t *len);

/* The ten development accounts of anvil and hardhat (mnemonic "test test
   ... junk"), as 64 hex digits each: zkseqd --dev funds them. */
extern const char *const zs_dev_keys[10];

/* zs_sign_digest signs a 32-byte digest with the secret key (low s,
   RFC 6979 nonce): r, s and the y parity.  0, ZS_ERR_CRYPTO (a bad key) or
   ZS_ERR_NOMEM. */
ZS_MUST_USE int zs_sign_digest(const uint8_t digest[32], const uint8_t key[32], uint8_t r[32], uint8_t s[32],
                               int *parity);

/* zs_key_to_address derives the address of a 32-byte secret key. */
ZS_MUST_USE int zs_key_to_address(const uint8_t key[32], uint8_t addr[20]);

/* zs_tx_signing_payload writes the bytes whose keccak256 is the signing hash
   (type byte + RLP list of the signed fields) into out; returns the length
   or ZS_ERR_FULL. */
long zs_tx_signing_payload(const zs_tx_t *tx, uint8_t *out, size_t cap);

#endif
