/* zs_state: accounts on top of the state tree: balance, nonce, code and
   storage by address, versioned in the store.

   The latest version lives in memory (zs_smt, loaded lazily); earlier
   retained versions are read from the store.  Changes are staged, then a
   commit hashes them (through the configured hasher: the CPU, or the card
   through host/accel) and adds them to a store batch.  Contract code is kept by its hash
   in the chain family.

   Thread safety: one writer thread owns a zs_state (sets, gets of the
   latest version, commits).  zs_state_get_at reads retained versions and
   may run on other threads.  Errors as zs_smt and zs_statedb. */
#ifndef ZS_STATE_H
#define ZS_STATE_H

#include <stdint.h>

#include "host/genesis/zs_genesis.h"
#include "host/state/zs_prefetch.h"
#include "host/state/zs_smt.h"
#include "host/state/zs_statedb.h"
#include "host/store/zs_store.h"

typedef struct {
    uint64_t keep_versions;        /* versions kept readable; 0 keeps all */
    const zs_smt_hasher_t *hasher; /* NULL: lib's Poseidon on this CPU */
    size_t prefetch_pages;         /* > 0: a thread reads the pages of the paths
                                      zs_state_prefetch_* name ahead, into a
                                      cache of that many pages (host/state/zs_prefetch.h) */
    size_t memory_bytes;           /* > 0 (a state in a store): the tree's nodes are kept to
                                      this many bytes (zs_state_evict drops pages no block
                                      walked lately, read again when needed) and the
                                      account-key cache to a quarter of it */
    unsigned writes_in_flight;     /* earlier batches that may still be being written when a
                                      version is applied (the sequencer's pipeline); 0: 1 */
} zs_state_opts_t;

typedef struct zs_state zs_state_t;

/* zs_state_open opens the state kept in store (latest version); NULL with a
   sentence in err if it is damaged.  store NULL gives a state held in
   memory only (tools and tests), whose commits take a NULL batch. */
zs_state_t *zs_state_open(zs_store_t *store, const zs_state_opts_t *o, char *err, size_t errlen);
void zs_state_close(zs_state_t *st);

/* 1 and the latest committed version and root, or 0 for an empty state. */
int zs_state_version(const zs_state_t *st, uint64_t *version, zs_smt_ref_t *root);

/* Reads of the latest version, staged changes included. */
ZS_MUST_USE int zs_state_balance(zs_state_t *st, const uint8_t addr[20], zs_u256_t *out);
ZS_MUST_USE int zs_state_nonce(zs_state_t *st, const uint8_t addr[20], uint64_t *out);
ZS_MUST_USE int zs_state_code_hash(zs_state_t *st, const uint8_t addr[20], uint64_t out[4]);
ZS_MUST_USE int zs_state_code_length(zs_state_t *st, const uint8_t addr[20], uint64_t *out);
ZS_MUST_USE int zs_state_storage(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *slot, zs_u256_t *out);
/* zs_state_code copies the code of addr (from the store or staged) into a
   malloc'd buffer (NULL and 0 for none). */
ZS_MUST_USE int zs_state_code(zs_state_t *st, const uint8_t addr[20], uint8_t **code, size_t *len);

/* zs_state_prefetch_keys derives, in lane-parallel batches, the keys of
   the accounts not yet in the key cache (the sequencer calls it for the
   senders and recipients of the transactions it is about to run), and
   with a prefetcher hands it the paths of their keys that are not in
   memory yet. */
ZS_MUST_USE int zs_state_prefetch_keys(zs_state_t *st, const uint8_t (*addrs)[20], size_t n);
/* zs_state_prefetch_paths hands the prefetcher (if any) the paths of keys
   that leave the nodes in memory; the reads happen on its thread. */
void zs_state_prefetch_paths(zs_state_t *st, const zs_smt_key_t *keys, size_t n);
/* The prefetcher's figures (zeros without one; any thread); zs_state_prefetch_wait
   returns once it has read every path handed over so far. */
void zs_state_prefetch_stats(zs_state_t *st, zs_prefetch_stats_t *out);
void zs_state_prefetch_wait(zs_state_t *st);

/* Staged changes. */
ZS_MUST_USE int zs_state_set_balance(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *v);
ZS_MUST_USE int zs_state_set_nonce(zs_state_t *st, const uint8_t addr[20], uint64_t v);
ZS_MUST_USE int zs_state_set_code(zs_state_t *st, const uint8_t addr[20], const uint8_t *code, size_t len);
ZS_MUST_USE int zs_state_set_storage(zs_state_t *st, const uint8_t addr[20], const zs_u256_t *slot,
                                     const zs_u256_t *v);
/* zs_state_add_code keeps code by its hash without touching any leaf (an
   executor input brings code and the tree that refers to it separately). */
ZS_MUST_USE int zs_state_add_code(zs_state_t *st, const uint8_t *code, size_t len);
/* Raw tree access (tools, tests, system storage). */
ZS_MUST_USE int zs_state_set_key(zs_state_t *st, const zs_smt_key_t *key, const zs_u256_t *v);
ZS_MUST_USE int zs_state_get_key(zs_state_t *st, const zs_smt_key_t *key, zs_u256_t *v);

/* zs_state_commit hashes the staged changes and adds version `version` to
   batch; root receives the new root and stats (may be NULL) what changed.
   Call zs_state_applied once the batch is handed on: it may come before
   the batch is written, with at most opts.writes_in_flight earlier batches
   still being written (the sequencer's pipeline); code made in a version
   stays readable from memory until that many and one more later versions
   are applied. */
ZS_MUST_USE int zs_state_commit(zs_state_t *st, zs_store_batch_t *batch, uint64_t version, zs_smt_ref_t *root,
                                zs_smt_changes_t *stats);
void zs_state_applied(zs_state_t *st, uint64_t version, const zs_smt_ref_t *root);
/* zs_state_evict: with opts.memory_bytes, once the tree's nodes are past
   it, one bounded step (a few milliseconds) of dropping pages no block
   walked lately, until they are down to three quarters; call it after a
   version is applied and handed on (the sequencer: after giving the block
   to its committer).  Nothing to do otherwise. */
void zs_state_evict(zs_state_t *st);
/* zs_state_discard drops every staged change: the tree starts again from
   root, a committed version whose nodes are written (the sequencer, when
   a forced batch turns out invalid half-way).  Databases only;
   ZS_ERR_UNSUPPORTED for a memory-only state. */
ZS_MUST_USE int zs_state_discard(zs_state_t *st, const zs_smt_ref_t *root);
/* Commit and write in one step, durably. */
ZS_MUST_USE int zs_state_commit_sync(zs_state_t *st, uint64_t version, zs_smt_ref_t *root);

/* Reads of retained versions (any thread). */
ZS_MUST_USE int zs_state_root_at(zs_state_t *st, uint64_t version, zs_smt_ref_t *root);
ZS_MUST_USE int zs_state_get_at(zs_state_t *st, const zs_smt_ref_t *root, const zs_smt_key_t *key, zs_u256_t *v,
                                zs_smt_proof_t *proof);
/* An account at a retained version (any thread): balance, nonce, code
   length and code hash (zero without code); any out pointer may be NULL. */
ZS_MUST_USE int zs_state_account_at(zs_state_t *st, const zs_smt_ref_t *root, const uint8_t addr[20],
                                    zs_u256_t *balance, uint64_t *nonce, uint64_t *code_len, uint64_t code_hash[4]);
/* Code kept by its hash (any thread): a malloc'd copy of len bytes. */
ZS_MUST_USE int zs_state_code_by_hash(zs_state_t *st, const uint64_t hash[4], uint64_t len, uint8_t **code);

/* zs_state_apply_genesis stages a parsed genesis (host/genesis: every
   entry was checked there): balances, nonces, code and storage.  0, or the
   state's error with the entry named in err. */
ZS_MUST_USE int zs_state_apply_genesis(zs_state_t *st, const zs_genesis_t *genesis, char *err, size_t errlen);

zs_statedb_t *zs_state_db(zs_state_t *st);
zs_smt_t *zs_state_tree(zs_state_t *st);
size_t zs_state_memory(const zs_state_t *st);

/* zs_state_hasher: the hasher the state tree's commits go through (the
   card's, or its CPU pool), for trees built beside it (the block info
   tree); NULL: lib's Poseidon on this CPU. */
const zs_smt_hasher_t *zs_state_hasher(const zs_state_t *st);

/* What bounding the memory did (opts.memory_bytes): the zs_state_evict
   steps that moved the eviction hand, the pages it dropped from memory and the
   time it took, the times the account-key cache was emptied, and the
   bytes of the tree's nodes after the last applied version.  Any thread. */
typedef struct {
    uint64_t sweeps, pages_dropped, key_cache_resets, ns;
    size_t node_bytes;
} zs_state_evictions_t;
void zs_state_evictions(const zs_state_t *st, zs_state_evictions_t *out);

#endif
