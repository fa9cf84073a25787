#include "host/node/zs_batcher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/exec/zs_exec_batch.h"
#include "host/log/zs_log.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_grow.h"
#include "lib/batch/zs_batch.h"

/* Which batch is open: its number, big-endian. */
static const char open_batch_key[] = "chain/open-batch";

struct zs_batcher {
    zs_accel_t *accel;
    uint8_t coinbase[20];
    zs_batchrec_t open;
    size_t cap;          /* allocated bytes of open.l2data */
    uint64_t txs, gas;
    uint64_t started_ms; /* wall clock of its first block; 0 while empty */
    uint8_t last_acc[32]; /* accInputHash of the last closed batch */
    int full;            /* a transaction did not fit: close after this block */
    int counters_full;   /* ... by its counters */
    uint32_t mcp_batch, mcp_tx; /* the MCPs of the current block (zs_vcount_mcp) */
    /* The transaction zs_batcher_room looked at, in batch form, for
       zs_batcher_add_tx. */
    const zs_tx_t *enc_tx;
    uint8_t *enc;
    size_t enc_len, enc_cap;
    zs_vcount_t enc_rlp; /* its RLP parsing's counters */

    pthread_mutex_t mu;  /* guards pub */
    zs_batcher_info_t pub;
};

static void put_open_number(zs_store_batch_t *sb, uint64_t number)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)(number >> (56 - 8 * i));
    zs_store_put(sb, ZS_CF_META, open_batch_key, sizeof open_batch_key - 1, v, 8);
}

void zs_batcher_genesis(zs_store_batch_t *sb, const uint8_t state_root[32], const uint8_t local_exit_root[32],
                        const uint8_t coinbase[20])
{
    zs_batchrec_t b0 = {0};
    b0.closed = 1;
    memcpy(b0.state_root, state_root, 32);
    memcpy(b0.local_exit_root, local_exit_root, 32);
    memcpy(b0.coinbase, coinbase, 20);
    zs_chain_put_batch(sb, &b0);
    zs_batchrec_t b1 = {0};
    b1.number = 1;
    b1.first_block = 1;
    memcpy(b1.local_exit_root, local_exit_root, 32);
    memcpy(b1.coinbase, coinbase, 20);
    zs_chain_put_batch(sb, &b1);
    put_open_number(sb, 1);
}

/* Reads the open batch, rebuilds its data from its blocks, counts its
   transactions (its gas is not recounted: the gas limit applies from the
   next block on) and takes the accInputHash of the batch before it. */
static int load(zs_batcher_t *b, zs_store_t *store, char *err, size_t errlen)
{
    uint8_t v[8];
    size_t len;
    if (zs_store_get(store, ZS_CF_META, open_batch_key, sizeof open_batch_key - 1, v, 8, &len) || len != 8) {
        snprintf(err, errlen, "no open batch record");
        return ZS_ERR_CORRUPT;
    }
    uint64_t ob = 0;
    for (int i = 0; i < 8; i++) ob = ob << 8 | v[i];
    int rc = zs_chain_get_batch(store, ob, &b->open);
    if (rc) {
        snprintf(err, errlen, "open batch %llu: %s", (unsigned long long)ob, zs_strerror(rc));
        return rc;
    }
    free(b->open.l2data);
    b->open.l2data = NULL;
    if ((rc = zs_chain_batch_l2data(store, b->open.first_block, b->open.last_block, &b->open.l2data,
                                    &b->open.l2len))) {
        snprintf(err, errlen, "open batch %llu: its blocks: %s", (unsigned long long)ob, zs_strerror(rc));
        return rc;
    }
    b->cap = b->open.l2len;
    size_t pos = 0;
    zs_batch_entry_t ent;
    while (zs_batch_next(b->open.l2data, b->open.l2len, &pos, &ent, NULL) == 1) b->txs += ent.kind == ZS_BATCH_ENTRY_TX;
    if (ob) {
        zs_batchrec_t prev;
        if ((rc = zs_chain_get_batch(store, ob - 1, &prev))) {
            snprintf(err, errlen, "batch %llu: %s", (unsigned long long)ob - 1, zs_strerror(rc));
            return rc;
        }
        memcpy(b->last_acc, prev.acc_input_hash, 32);
        zs_batchrec_clear(&prev);
    }
    return ZS_OK;
}

zs_batcher_t *zs_batcher_open(zs_store_t *store, const uint8_t coinbase[20], zs_accel_t *accel, char *err,
                              size_t errlen)
{
    zs_batcher_t *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    b->accel = accel;
    memcpy(b->coinbase, coinbase, 20);
    if (load(b, store, err, errlen)) {
        zs_batcher_free(b);
        return NULL;
    }
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (b->open.l2len) b->started_ms = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
    zs_batcher_publish(b);
    return b;
}

void zs_batcher_free(zs_batcher_t *b)
{
    if (!b) return;
    zs_batchrec_clear(&b->open);
    free(b->enc);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

uint64_t zs_batcher_number(const zs_batcher_t *b)
{
    return b->open.number;
}

const uint8_t *zs_batcher_local_exit_root(const zs_batcher_t *b)
{
    return b->open.local_exit_root;
}

static int append(zs_batcher_t *b, const uint8_t *p, size_t len)
{
    if (zs_grow((void **)&b->open.l2data, &b->cap, b->open.l2len + len, 1, 4096)) return ZS_ERR_NOMEM;
    memcpy(b->open.l2data + b->open.l2len, p, len);
    b->open.l2len += len;
    return ZS_OK;
}

int zs_batcher_begin_block(zs_batcher_t *b, uint32_t delta_timestamp, uint32_t l1_index, uint64_t now_ms,
                           int max_level)
{
    uint8_t entry[ZS_BATCH_CHANGE_L2_BLOCK_LEN];
    long el = zs_batch_encode_change_l2_block(delta_timestamp, l1_index, entry, sizeof entry);
    if (el < 0) return (int)el;
    int rc = append(b, entry, (size_t)el);
    if (rc) return rc;
    if (!b->started_ms) b->started_ms = now_ms;
    b->mcp_batch = zs_vcount_mcp((uint32_t)max_level, 0);
    b->mcp_tx = zs_vcount_mcp((uint32_t)max_level, 1);
    zs_vacc_t in_batch = {0}, in_tx = {0};
    zs_vcount_decode_change_l2_block(&in_batch);
    zs_vcount_change_l2_block(&in_tx, l1_index != 0); /* the prover checks the leaf's Merkle proof */
    zs_vcount_add(&b->open.counters, &in_batch, b->mcp_batch);
    zs_vcount_add(&b->open.counters, &in_tx, b->mcp_tx);
    return ZS_OK;
}

/* The batch's own steps (processor.js's batch-level costs) over len bytes
   of data. */
static void batch_steps(const zs_batcher_t *b, size_t len, zs_vcount_t *out)
{
    zs_vacc_t a = {0};
    zs_vcount_batch(&a, len);
    memset(out, 0, sizeof *out);
    zs_vcount_add(out, &a, b->mcp_batch);
}

static uint64_t left(uint64_t limit, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t used = a + b + c;
    return used < limit ? limit - used : 0;
}

int zs_batcher_room(zs_batcher_t *b, const zs_tx_t *tx, zs_vcount_t *room, int *empty)
{
    size_t need = tx->data_len + 256;
    if (need > b->enc_cap) {
        uint8_t *e = realloc(b->enc, need);
        if (!e) return ZS_ERR_NOMEM;
        b->enc = e;
        b->enc_cap = need;
    }
    long k = zs_batch_encode_tx(tx, 0xff, b->enc, b->enc_cap);
    if (k < 0) return (int)k;
    b->enc_tx = tx;
    b->enc_len = (size_t)k;
    size_t pos = 0;
    zs_batch_entry_t ent;
    if (zs_batch_next(b->enc, b->enc_len, &pos, &ent, NULL) != 1) return ZS_ERR_STATE;
    zs_vcount_rlp_t rlp;
    zs_exec_batch_rlp(&ent, tx, 0, 1 /* a pool transaction: recovered at admission */, &rlp);
    zs_vacc_t a = {0};
    zs_vcount_rlp_parsing(&a, &rlp);
    memset(&b->enc_rlp, 0, sizeof b->enc_rlp);
    zs_vcount_add(&b->enc_rlp, &a, b->mcp_batch);
    zs_vcount_t lim, steps;
    zs_vcount_limits(12, &lim);
    batch_steps(b, b->open.l2len + b->enc_len, &steps);
    const zs_vcount_t *u = &b->open.counters, *r = &b->enc_rlp;
    room->steps = left(lim.steps, u->steps, steps.steps, r->steps);
    room->arith = left(lim.arith, u->arith, steps.arith, r->arith);
    room->binary = left(lim.binary, u->binary, steps.binary, r->binary);
    room->mem_align = left(lim.mem_align, u->mem_align, steps.mem_align, r->mem_align);
    room->keccaks = left(lim.keccaks, u->keccaks, steps.keccaks, r->keccaks);
    room->padding = left(lim.padding, u->padding, steps.padding, r->padding);
    room->poseidon = left(lim.poseidon, u->poseidon, steps.poseidon, r->poseidon);
    room->sha256 = left(lim.sha256, u->sha256, steps.sha256, r->sha256);
    *empty = b->txs == 0;
    return ZS_OK;
}

void zs_batcher_counters_full(zs_batcher_t *b)
{
    b->full = b->counters_full = 1;
}

int zs_batcher_fits(zs_batcher_t *b, const zs_batch_policy_t *p, size_t raw_len, uint64_t gas)
{
    if (!b->txs) return 1;
    /* A transaction's batch form is its signing payload and a 66-byte
       trailer; the raw envelope plus the trailer and some slack for the
       EIP-155 fields bounds it. */
    zs_batch_fill_t f = {.bytes = b->open.l2len, .txs = b->txs, .gas = b->gas};
    if (zs_batch_policy_fits(p, &f, raw_len + ZS_BATCH_TX_TRAILER + 16, gas)) return 1;
    b->full = 1;
    return 0;
}

int zs_batcher_add_tx(zs_batcher_t *b, const zs_tx_t *tx, size_t raw_len, uint64_t gas_used,
                      const zs_vcount_t *counters)
{
    if (b->enc_tx != tx) {
        zs_vcount_t room;
        int empty;
        int rc = zs_batcher_room(b, tx, &room, &empty);
        if (rc) return rc;
    }
    (void)raw_len;
    b->enc_tx = NULL;
    int rc = append(b, b->enc, b->enc_len);
    if (rc) return rc;
    zs_vcount_sum(&b->open.counters, &b->enc_rlp);
    if (counters) zs_vcount_sum(&b->open.counters, counters);
    b->txs++;
    b->gas += gas_used;
    return ZS_OK;
}

void zs_batcher_end_block(zs_batcher_t *b, uint64_t number, uint64_t timestamp, const uint8_t state_root[32],
                          const uint8_t local_exit_root[32])
{
    b->open.last_block = number;
    b->open.timestamp = timestamp;
    memcpy(b->open.state_root, state_root, 32);
    memcpy(b->open.local_exit_root, local_exit_root, 32);
}

zs_batch_close_t zs_batcher_due(const zs_batcher_t *b, const zs_policy_now_t *now, uint64_t now_ms)
{
    if (!b->open.l2len) return ZS_BATCH_CLOSE_NONE;
    if (b->counters_full) return ZS_BATCH_CLOSE_COUNTERS;
    if (b->full) return ZS_BATCH_CLOSE_FULL;
    if (now->close_request == b->open.number)
        return now->close_by_operator ? ZS_BATCH_CLOSE_OPERATOR : ZS_BATCH_CLOSE_FIRMWARE;
    zs_batch_fill_t f = {.bytes = b->open.l2len, .txs = b->txs, .gas = b->gas,
                         .age_ms = b->started_ms && now_ms > b->started_ms ? now_ms - b->started_ms : 0};
    return zs_batch_policy_due(&now->policy, &f);
}

/* Seals the open batch into sb with its accInputHash step over (root,
   limit, forced block hash), and opens the next. */
static void seal(zs_batcher_t *b, zs_store_batch_t *sb, zs_batch_close_t reason, const uint8_t root[32],
                 uint64_t limit, const uint8_t forced_block_hash[32], zs_batcher_closed_t *out)
{
    out->reason = reason;
    out->number = b->open.number;
    out->bytes = b->open.l2len;
    zs_log(ZS_LOG_DEBUG, "seq", "batch %llu closed (%s): %zu bytes, %llu transactions",
           (unsigned long long)b->open.number, zs_batch_close_name(reason), b->open.l2len, (unsigned long long)b->txs);
    const uint8_t *data = b->open.l2data;
    zs_accel_keccak_or_cpu(b->accel, &data, &b->open.l2len, 1, (uint8_t(*)[32])b->open.batch_hash);
    zs_batch_acc_input_hash(b->last_acc, b->open.batch_hash, root, limit, b->coinbase, forced_block_hash,
                            b->open.acc_input_hash);
    b->open.closed = 1;
    zs_vcount_t steps;
    batch_steps(b, b->open.l2len, &steps);
    zs_vcount_sum(&b->open.counters, &steps);
    zs_chain_put_batch(sb, &b->open);
    memcpy(b->last_acc, b->open.acc_input_hash, 32);
    uint64_t next = b->open.number + 1, first = b->open.last_block + 1;
    uint8_t ler[32]; /* the next batch's until a block of it changes it */
    memcpy(ler, b->open.local_exit_root, 32);
    zs_batchrec_clear(&b->open);
    b->cap = 0;
    b->open.number = next;
    b->open.first_block = first;
    b->open.last_block = first - 1;
    memcpy(b->open.coinbase, b->coinbase, 20);
    memcpy(b->open.local_exit_root, ler, 32);
    b->txs = b->gas = b->started_ms = 0;
    b->full = b->counters_full = 0;
    zs_chain_put_batch(sb, &b->open);
    put_open_number(sb, next);
    out->trusted = next - 1;
    out->open = next;
}

void zs_batcher_close(zs_batcher_t *b, zs_store_batch_t *sb, zs_batch_close_t reason, zs_batcher_closed_t *out)
{
    /* The L1 info root and the timestamp limit the trusted chain carries:
       no L1 info leaf is referenced (zero root), the limit is the last
       block's timestamp, and the sequencer is the coinbase.  The firmware
       computes the L1 chain with the root it names on L1. */
    static const uint8_t zero[32];
    seal(b, sb, reason, zero, b->open.timestamp, zero, out);
}

void zs_batcher_close_forced(zs_batcher_t *b, zs_store_batch_t *sb, const zs_batcher_forced_t *f,
                             zs_batcher_closed_t *out)
{
    uint8_t *d = malloc(f->len ? f->len : 1);
    if (!d) {
        zs_store_put(sb, -1, NULL, 0, NULL, 0); /* poisons the batch: its write fails */
        return;
    }
    if (f->len) memcpy(d, f->data, f->len);
    free(b->open.l2data);
    b->open.l2data = d;
    b->open.l2len = b->cap = f->len;
    b->open.forced = f->number;
    b->open.forced_timestamp = f->timestamp;
    memcpy(b->open.forced_ger, f->ger, 32);
    memcpy(b->open.forced_block_hash, f->block_hash, 32);
    b->open.invalid = (uint8_t)f->invalid;
    if (f->invalid) {
        memcpy(b->open.state_root, f->state_root, 32);
        b->open.timestamp = f->timestamp;
    }
    seal(b, sb, ZS_BATCH_CLOSE_FORCED, f->ger, f->timestamp, f->block_hash, out);
}

int zs_batcher_has_blocks(const zs_batcher_t *b)
{
    return b->open.last_block >= b->open.first_block;
}

void zs_batcher_put(const zs_batcher_t *b, zs_store_batch_t *sb)
{
    zs_chain_put_batch(sb, &b->open);
}

void zs_batcher_publish(zs_batcher_t *b)
{
    pthread_mutex_lock(&b->mu);
    b->pub.number = b->open.number;
    b->pub.bytes = b->open.l2len;
    b->pub.txs = b->txs;
    b->pub.gas = b->gas;
    b->pub.started_ms = b->started_ms;
    b->pub.counters = b->open.counters;
    pthread_mutex_unlock(&b->mu);
}

void zs_batcher_info(zs_batcher_t *b, zs_batcher_info_t *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->pub;
    pthread_mutex_unlock(&b->mu);
}
