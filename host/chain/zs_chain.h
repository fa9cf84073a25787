/* zs_chain: the L2 chain as stored: blocks, transactions with their
   receipts, and batches, in the `chain` column family (RLP records).

   Keys: 'b' + number (u64 BE) -> block; 'h' + block hash -> number;
   't' + tx hash -> transaction and receipt; 'l' + L2 tx hash -> tx hash;
   'B' + batch number -> batch;
   meta "chain/head" -> latest block number.  Writers add records to a store
   batch (atomic with the state commit of the same block); readers may run
   on any thread.

   Block hashes are Ethereum's: keccak256 of the RLP header (parent, empty
   ommers, coinbase, state root, transactions root, receipts root, empty
   bloom, difficulty 0, number, gas limit, gas used, timestamp, no extra
   data, zero mix hash and nonce), with the Polygon state root (32 bytes) as
   the state root and Merkle Patricia roots of the transactions and receipts,
   so tools that recompute a header get the same hash. */
#ifndef ZS_CHAIN_H
#define ZS_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "host/store/zs_store.h"
#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_vcount.h"
#include "lib/tx/zs_tx.h"
#include "lib/u256/zs_u256.h"

typedef struct {
    uint64_t number, timestamp, gas_used, gas_limit, batch;
    uint8_t hash[32], parent[32], state_root[32], tx_root[32], receipts_root[32];
    uint8_t bloom[256]; /* the OR of its receipts' blooms */
    uint8_t coinbase[20];
    uint32_t ntx;
    uint8_t (*tx_hashes)[32]; /* owned (zs_block_clear) */
    /* The L1 info tree: the leaf its changeL2Block names (indexL1InfoTree;
       0: none), that leaf's global exit root and block hash, and the
       highest leaf any block so far named. */
    uint32_t l1_index, l1_last;
    uint8_t ger[32], block_hash_l1[32];
    /* The root of its block info tree (Polygon's blockInfoRoot, which the
       block also writes to the system contract's slot 3); zero in records
       written before session 23. */
    uint8_t info_root[32];
} zs_block_t;

typedef struct {
    uint64_t block;
    uint32_t index;
    uint8_t status;   /* 1 success, 0 failure */
    uint8_t eff_pct;  /* Polygon's effective percentage byte */
    uint64_t gas_used, cumulative_gas;
    zs_u256_t effective_gas_price;
    uint8_t hash[32], sender[20], l2_hash[32];
    uint8_t block_hash[32]; /* of the block it is in */
    uint8_t *raw; /* the signed envelope, owned (zs_txrec_clear) */
    size_t raw_len;
    uint8_t has_contract; /* a creation: the address it made */
    uint8_t contract[20];
    uint32_t first_log;   /* the block-wide index of its first log */
    uint8_t *logs;        /* its logs as the receipt encodes them: RLP [[address, [topics], data], ...]; owned */
    size_t logs_len;      /* 0: no logs */
} zs_txrec_t;

typedef struct {
    uint64_t number, first_block, last_block, timestamp;
    int closed;
    uint8_t state_root[32], acc_input_hash[32], batch_hash[32];
    uint8_t coinbase[20];
    uint8_t *l2data; /* batchL2Data, owned (zs_batchrec_clear) */
    size_t l2len;
    zs_vcount_t counters; /* its virtual counters so far (what the prover will spend) */
    /* A forced batch (forced != 0: L1's forceBatchNum): L1's data taken
       whole, executed with the forced timestamp, global exit root and L1
       block hash; invalid: Polygon's processor throws it away (the state
       root stays the previous batch's, no block). */
    uint64_t forced, forced_timestamp;
    uint8_t forced_ger[32], forced_block_hash[32];
    uint8_t invalid;
    /* Its local exit root: the L2 global exit root manager's
       lastRollupExitRoot (slot 1) after its last block, as Polygon's
       processor reads it (newLocalExitRoot); zero in records written
       before session 23. */
    uint8_t local_exit_root[32];
} zs_batchrec_t;

void zs_block_clear(zs_block_t *b);
void zs_txrec_clear(zs_txrec_t *t);
void zs_batchrec_clear(zs_batchrec_t *b);

/* Logs (zs_receipt.c).  zs_logs_encode: the receipt's RLP list of logs
   into a malloc'd buffer (NULL and 0 for none); zs_logs_bloom ORs their
   2048-bit bloom (Ethereum's: three bits per address and topic) into
   bloom; zs_logs_next walks an encoded list: 1 with the next log (pointers
   into logs), 0 at the end, ZS_ERR_CORRUPT. */
ZS_MUST_USE int zs_logs_encode(const zs_evm_log_t *logs, size_t n, uint8_t **out, size_t *len);
void zs_logs_bloom(const uint8_t *logs, size_t len, uint8_t bloom[256]);
void zs_bloom_add(uint8_t bloom[256], const uint8_t *data, size_t len);
int zs_bloom_test(const uint8_t bloom[256], const uint8_t *data, size_t len);
typedef struct {
    size_t pos;
} zs_logs_iter_t;
int zs_logs_next(const uint8_t *logs, size_t len, zs_logs_iter_t *it, zs_evm_log_t *out);

/* Header hash and roots. */
void zs_block_hash(const zs_block_t *b, uint8_t out[32]);
/* The receipt as Ethereum encodes it (type byte for typed transactions),
   into a malloc'd buffer. */
ZS_MUST_USE int zs_receipt_encode(const zs_txrec_t *t, uint8_t tx_type, uint8_t **out, size_t *len);
/* transactionsRoot and receiptsRoot of a block's records. */
ZS_MUST_USE int zs_block_roots(const zs_txrec_t *txs, size_t n, uint8_t tx_root[32], uint8_t receipts_root[32]);

/* Writes (into a batch). */
void zs_chain_put_block(zs_store_batch_t *b, const zs_block_t *blk);
void zs_chain_put_tx(zs_store_batch_t *b, const zs_txrec_t *t);
void zs_chain_put_batch(zs_store_batch_t *b, const zs_batchrec_t *br);
void zs_chain_put_head(zs_store_batch_t *b, uint64_t number);
/* The last forced batch (L1's forceBatchNum) the chain holds. */
void zs_chain_put_forced_last(zs_store_batch_t *b, uint64_t forced);
uint64_t zs_chain_forced_last(zs_store_t *s);

/* Reads (any thread).  ZS_ERR_NOTFOUND, ZS_ERR_CORRUPT for a record that
   does not decode. */
ZS_MUST_USE int zs_chain_get_block(zs_store_t *s, uint64_t number, zs_block_t *out);
ZS_MUST_USE int zs_chain_block_number(zs_store_t *s, const uint8_t hash[32], uint64_t *number);
ZS_MUST_USE int zs_chain_get_tx(zs_store_t *s, const uint8_t hash[32], zs_txrec_t *out);
/* The transaction hash of an L2 hash (Polygon's, zkevm_*ByL2Hash). */
ZS_MUST_USE int zs_chain_tx_by_l2_hash(zs_store_t *s, const uint8_t l2_hash[32], uint8_t hash[32]);
ZS_MUST_USE int zs_chain_get_batch(zs_store_t *s, uint64_t number, zs_batchrec_t *out);
/* zs_chain_batch_l2data derives a batch's batchL2Data from its blocks
   first_block..last_block (changeL2Block entries and the transactions with
   their effective percentage): what an open batch holds, whose record
   does not store it.  A malloc'd buffer (NULL and 0 when empty). */
ZS_MUST_USE int zs_chain_batch_l2data(zs_store_t *s, uint64_t first_block, uint64_t last_block, uint8_t **out,
                                      size_t *len);

/* 1 and the head block number, or 0 for a chain without blocks. */
int zs_chain_head(zs_store_t *s, uint64_t *number);

#endif
