#include "host/node/zs_batcher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/log/zs_log.h"
#include "host/store/zs_schema.h"
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

    pthread_mutex_t mu;  /* guards pub */
    zs_batcher_info_t pub;
};

static void put_open_number(zs_store_batch_t *sb, uint64_t number)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)(number >> (56 - 8 * i));
    zs_store_put(sb, ZS_CF_META, open_batch_key, sizeof open_batch_key - 1, v, 8);
}

void zs_batcher_genesis(zs_store_batch_t *sb, const uint8_t state_root[32], const uint8_t coinbase[20])
{
    zs_batchrec_t b0 = {0};
    b0.closed = 1;
    memcpy(b0.state_root, state_root, 32);
    memcpy(b0.coinbase, coinbase, 20);
    zs_chain_put_batch(sb, &b0);
    zs_batchrec_t b1 = {0};
    b1.number = 1;
    b1.first_block = 1;
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
    pthread_mutex_destroy(&b->mu);
    free(b);
}

uint64_t zs_batcher_number(const zs_batcher_t *b)
{
    return b->open.number;
}

static int append(zs_batcher_t *b, const uint8_t *p, size_t len)
{
    if (b->open.l2len + len > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (cap < b->open.l2len + len) cap *= 2;
        uint8_t *d = realloc(b->open.l2data, cap);
        if (!d) return ZS_ERR_NOMEM;
        b->open.l2data = d;
        b->cap = cap;
    }
    memcpy(b->open.l2data + b->open.l2len, p, len);
    b->open.l2len += len;
    return ZS_OK;
}

int zs_batcher_begin_block(zs_batcher_t *b, uint32_t delta_timestamp, uint64_t now_ms)
{
    uint8_t entry[ZS_BATCH_CHANGE_L2_BLOCK_LEN];
    long el = zs_batch_encode_change_l2_block(delta_timestamp, 0, entry, sizeof entry);
    if (el < 0) return (int)el;
    int rc = append(b, entry, (size_t)el);
    if (!rc && !b->started_ms) b->started_ms = now_ms;
    return rc;
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

int zs_batcher_add_tx(zs_batcher_t *b, const zs_tx_t *tx, size_t raw_len, uint64_t gas_used)
{
    uint8_t enc[256];
    uint8_t *p = raw_len + 128 <= sizeof enc ? enc : malloc(raw_len + 128);
    if (!p) return ZS_ERR_NOMEM;
    long k = zs_batch_encode_tx(tx, 0xff, p, raw_len + 128);
    int rc = k < 0 ? (int)k : append(b, p, (size_t)k);
    if (p != enc) free(p);
    if (rc) return rc;
    b->txs++;
    b->gas += gas_used;
    return ZS_OK;
}

void zs_batcher_end_block(zs_batcher_t *b, uint64_t number, uint64_t timestamp, const uint8_t state_root[32])
{
    b->open.last_block = number;
    b->open.timestamp = timestamp;
    memcpy(b->open.state_root, state_root, 32);
}

zs_batch_close_t zs_batcher_due(const zs_batcher_t *b, const zs_policy_now_t *now, uint64_t now_ms)
{
    if (!b->open.l2len) return ZS_BATCH_CLOSE_NONE;
    if (b->full) return ZS_BATCH_CLOSE_FULL;
    if (now->close_request == b->open.number)
        return now->close_by_operator ? ZS_BATCH_CLOSE_OPERATOR : ZS_BATCH_CLOSE_FIRMWARE;
    zs_batch_fill_t f = {.bytes = b->open.l2len, .txs = b->txs, .gas = b->gas,
                         .age_ms = b->started_ms && now_ms > b->started_ms ? now_ms - b->started_ms : 0};
    return zs_batch_policy_due(&now->policy, &f);
}

void zs_batcher_close(zs_batcher_t *b, zs_store_batch_t *sb, zs_batch_close_t reason, zs_batcher_closed_t *out)
{
    out->reason = reason;
    out->number = b->open.number;
    out->bytes = b->open.l2len;
    zs_log(ZS_LOG_DEBUG, "seq", "batch %llu closed (%s): %zu bytes, %llu transactions",
           (unsigned long long)b->open.number, zs_batch_close_name(reason), b->open.l2len, (unsigned long long)b->txs);
    static const uint8_t zero[32];
    const uint8_t *data = b->open.l2data;
    zs_accel_keccak_or_cpu(b->accel, &data, &b->open.l2len, 1, (uint8_t(*)[32])b->open.batch_hash);
    /* The L1 info root and the timestamp limit the trusted chain carries:
       no L1 info leaf is referenced (zero root), the limit is the last
       block's timestamp, and the sequencer is the coinbase.  The firmware
       computes the L1 chain with the root it names on L1. */
    zs_batch_acc_input_hash(b->last_acc, b->open.batch_hash, zero, b->open.timestamp, b->coinbase, zero,
                            b->open.acc_input_hash);
    b->open.closed = 1;
    zs_chain_put_batch(sb, &b->open);
    memcpy(b->last_acc, b->open.acc_input_hash, 32);
    uint64_t next = b->open.number + 1, first = b->open.last_block + 1;
    zs_batchrec_clear(&b->open);
    b->cap = 0;
    b->open.number = next;
    b->open.first_block = first;
    b->open.last_block = first - 1;
    memcpy(b->open.coinbase, b->coinbase, 20);
    b->txs = b->gas = b->started_ms = 0;
    b->full = 0;
    zs_chain_put_batch(sb, &b->open);
    put_open_number(sb, next);
    out->trusted = next - 1;
    out->open = next;
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
    pthread_mutex_unlock(&b->mu);
}

void zs_batcher_info(zs_batcher_t *b, zs_batcher_info_t *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->pub;
    pthread_mutex_unlock(&b->mu);
}
