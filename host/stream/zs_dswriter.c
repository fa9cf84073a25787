/* The chain into the data stream (zs_dswriter.h). */
#include "host/stream/zs_dswriter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/l1view/zs_l1rec.h"
#include "host/log/zs_log.h"
#include "lib/base/zs_cpu.h"
#include "lib/base/zs_time.h"

struct zs_dswriter {
    zs_node_t *node;
    zs_dsfile_t *f;
    uint64_t chain_id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, woken;
    uint64_t (*head)(void *ctx); /* under mu: where the node's head is read (tests) */
    void *head_ctx;
    /* The writer thread's. */
    uint64_t last_block, last_ts, open_batch, last_batch; /* last_batch: the newest batch started */
    int failed;
};

static const uint8_t zero32[32];

static void wake(void *ctx, uint64_t number, const uint8_t (*hashes)[32], size_t n)
{
    (void)number, (void)hashes, (void)n;
    zs_dswriter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* ---- Entries. */

static int add(zs_dswriter_t *w, uint32_t type, const uint8_t *data, long len)
{
    uint64_t n;
    return len < 0 ? (int)len : zs_dsfile_add(w->f, type, data, (uint32_t)len, &n);
}

static int bookmark(zs_dswriter_t *w, uint32_t type, uint64_t value)
{
    uint8_t b[32];
    return add(w, ZS_DS_ET_BOOKMARK, b, zs_ds_bookmark(type, value, b, sizeof b));
}

static int batch_start(zs_dswriter_t *w, uint64_t number)
{
    zs_batchrec_t r;
    int rc = zs_chain_get_batch(zs_node_store(w->node), number, &r);
    if (rc) return rc;
    uint32_t type = r.forced ? (r.invalid ? ZS_DS_BATCH_INVALID : ZS_DS_BATCH_FORCED) : ZS_DS_BATCH_REGULAR;
    zs_batchrec_clear(&r);
    uint8_t b[64];
    if ((rc = bookmark(w, ZS_DS_BOOKMARK_BATCH, number)) ||
        (rc = add(w, ZS_DS_ET_BATCH_START, b, zs_ds_batch_start(number, type, w->chain_id, b, sizeof b))))
        return rc;
    w->open_batch = w->last_batch = number;
    return ZS_OK;
}

/* BatchEnd of the open batch when the node has closed it and the stream
   holds its last block: 0 (nothing to do, or done), or an error.  (The
   node may close the batch with a block the writer has not read yet: the
   head it read is older than the batch's record; the end waits for that
   block.) */
static int batch_end(zs_dswriter_t *w, int must)
{
    zs_batchrec_t r;
    int rc = zs_chain_get_batch(zs_node_store(w->node), w->open_batch, &r);
    if (rc) return rc;
    if (!must && (!r.closed || r.last_block > w->last_block)) {
        zs_batchrec_clear(&r);
        return ZS_OK;
    }
    uint8_t b[128];
    rc = add(w, ZS_DS_ET_BATCH_END, b, zs_ds_batch_end(r.number, r.local_exit_root, r.state_root, b, sizeof b));
    zs_batchrec_clear(&r);
    if (!rc) w->open_batch = 0;
    return rc;
}

/* The block's transactions, in order. */
static int transactions(zs_dswriter_t *w, const zs_block_t *blk)
{
    int rc = ZS_OK;
    for (uint32_t i = 0; i < blk->ntx && !rc; i++) {
        zs_txrec_t t;
        if ((rc = zs_chain_get_tx(zs_node_store(w->node), blk->tx_hashes[i], &t))) break;
        size_t cap = t.raw_len + 128;
        uint8_t *b = malloc(cap);
        rc = b ? add(w, ZS_DS_ET_TRANSACTION, b,
                     zs_ds_transaction(blk->number, i, 1, t.raw, t.raw_len, t.eff_pct, zero32, b, cap))
               : ZS_ERR_NOMEM;
        free(b);
        zs_txrec_clear(&t);
    }
    return rc;
}

static int l2_block(zs_dswriter_t *w, const zs_block_t *blk)
{
    zs_ds_l2block_t b = {.number = blk->number, .batch_number = blk->batch, .timestamp = blk->timestamp,
                         .delta_timestamp = (uint32_t)(w->last_ts && blk->timestamp > w->last_ts
                                                           ? blk->timestamp - w->last_ts
                                                           : 0),
                         .l1_infotree_index = blk->l1_index, .block_gas_limit = blk->gas_limit};
    zs_l1_leaf_t leaf;
    if (blk->l1_index && !zs_l1rec_leaf(zs_node_store(w->node), blk->l1_index, &leaf))
        b.min_timestamp = leaf.min_timestamp;
    memcpy(b.l1_blockhash, blk->block_hash_l1, 32);
    memcpy(b.hash, blk->hash, 32);
    memcpy(b.state_root, blk->state_root, 32);
    memcpy(b.global_exit_root, blk->ger, 32);
    memcpy(b.coinbase, blk->coinbase, 20);
    memcpy(b.block_info_root, blk->info_root, 32);
    uint8_t e[256];
    int rc;
    if ((rc = bookmark(w, ZS_DS_BOOKMARK_L2_BLOCK, blk->number)) ||
        (rc = add(w, ZS_DS_ET_L2_BLOCK, e, zs_ds_l2_block(&b, e, sizeof e))) || (rc = transactions(w, blk)) ||
        (rc = add(w, ZS_DS_ET_L2_BLOCK_END, e, zs_ds_l2_block_end(blk->number, e, sizeof e))))
        return rc;
    w->last_ts = blk->timestamp;
    return ZS_OK;
}

/* One block's entries, with the batch boundaries before it (batches
   without blocks: started and ended at once), into the open operation. */
static int one_block(zs_dswriter_t *w, uint64_t number)
{
    zs_block_t blk;
    int rc = zs_chain_get_block(zs_node_store(w->node), number, &blk);
    if (rc) return rc;
    if (w->open_batch && w->open_batch != blk.batch) rc = batch_end(w, 1);
    for (uint64_t b = w->last_batch + 1; !rc && b < blk.batch; b++)
        if (!(rc = batch_start(w, b))) rc = batch_end(w, 1);
    if (!rc && w->open_batch != blk.batch) rc = batch_start(w, blk.batch);
    if (!rc) rc = l2_block(w, &blk);
    zs_block_clear(&blk);
    if (!rc) w->last_block = number;
    return rc;
}

#define BLOCKS_PER_COMMIT 64 /* one fsync'd commit for up to this many blocks when the writer is behind */

/* Everything durable that the stream does not hold yet, in atomic
   operations of up to BLOCKS_PER_COMMIT blocks; a closed batch's end. */
static int catch_up(zs_dswriter_t *w)
{
    int rc = ZS_OK;
    pthread_mutex_lock(&w->mu);
    uint64_t head = w->head ? w->head(w->head_ctx) : zs_node_head(w->node);
    pthread_mutex_unlock(&w->mu);
    while (!rc && !w->stop && (w->last_block < head || w->open_batch)) {
        uint64_t saved[4] = {w->last_block, w->last_ts, w->open_batch, w->last_batch};
        zs_dsfile_begin(w->f);
        for (int k = 0; !rc && k < BLOCKS_PER_COMMIT && w->last_block < head; k++) rc = one_block(w, w->last_block + 1);
        if (!rc && w->last_block == head && w->open_batch) rc = batch_end(w, 0);
        int wrote = w->last_block != saved[0] || w->open_batch != saved[2];
        if (!rc && wrote) rc = zs_dsfile_commit(w->f);
        if (rc) {
            zs_dsfile_rollback(w->f);
            w->last_block = saved[0], w->last_ts = saved[1], w->open_batch = saved[2], w->last_batch = saved[3];
        }
        if (!wrote) break;
    }
    return rc;
}

static void *writer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-ds-write");
    zs_dswriter_t *w = arg;
    zs_cpu_background(5);
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        w->woken = 0;
        pthread_mutex_unlock(&w->mu);
        int rc = catch_up(w);
        if (rc && !w->failed)
            zs_log(ZS_LOG_ERROR, "stream", "the data stream stopped at block %llu: %s", (unsigned long long)w->last_block,
                   zs_strerror(rc));
        w->failed = rc != 0;
        pthread_mutex_lock(&w->mu);
        struct timespec dl = zs_deadline_ms(w->failed ? 1000 : 500);
        if (!w->stop && !w->woken) pthread_cond_timedwait(&w->cv, &w->mu, &dl);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Where the stream file ends: the last block, its timestamp, the batch
   started last and whether it has ended (read backwards from the end). */
static int resume(zs_dswriter_t *w)
{
    uint64_t n = zs_dsfile_header(w->f).total_entries;
    int seen_block = 0, seen_batch = 0;
    while (n-- > 0 && !(seen_block && seen_batch)) {
        uint8_t *p;
        size_t len;
        zs_ds_entry_t e;
        zs_ds_msg_t m;
        int rc = zs_dsfile_entry(w->f, n, &p, &len);
        if (rc) return rc;
        rc = zs_ds_entry_decode(p, len, &e);
        if (!rc && e.type != ZS_DS_ET_BOOKMARK) rc = zs_ds_decode(e.type, e.data, e.len, &m);
        free(p);
        if (rc || e.type == ZS_DS_ET_BOOKMARK) continue;
        if (e.type == ZS_DS_ET_L2_BLOCK && !seen_block) {
            w->last_block = m.u.l2_block.number;
            w->last_ts = m.u.l2_block.timestamp;
            seen_block = 1;
        } else if (e.type == ZS_DS_ET_BATCH_END && !seen_batch) {
            w->last_batch = m.u.batch_end.number;
            seen_batch = 1;
        } else if (e.type == ZS_DS_ET_BATCH_START && !seen_batch) {
            w->last_batch = w->open_batch = m.u.batch_start.number;
            seen_batch = 1;
        }
        zs_ds_msg_clear(&m);
    }
    return ZS_OK;
}

zs_dswriter_t *zs_dswriter_start(zs_node_t *n, zs_dsfile_t *f, uint64_t chain_id, char *err, size_t errlen)
{
    zs_dswriter_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->node = n;
    w->f = f;
    w->chain_id = chain_id;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    int rc = resume(w);
    if (!rc && w->last_block > zs_node_head(n)) {
        snprintf(err, errlen, "the data stream file holds block %llu, the chain ends at %llu: it is another chain's",
                 (unsigned long long)w->last_block, (unsigned long long)zs_node_head(n));
        rc = ZS_ERR_STATE;
    } else if (rc) {
        snprintf(err, errlen, "the data stream file cannot be read back: %s", zs_strerror(rc));
    }
    if (!rc && (zs_node_on_block(n, wake, w) || pthread_create(&w->thread, NULL, writer_main, w))) {
        snprintf(err, errlen, "cannot start the data stream writer");
        zs_node_off_block(n, wake, w);
        rc = ZS_ERR_NOMEM;
    }
    if (rc) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void zs_dswriter_head_from(zs_dswriter_t *w, uint64_t (*head)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&w->mu);
    w->head = head;
    w->head_ctx = ctx;
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void zs_dswriter_stop(zs_dswriter_t *w)
{
    if (!w) return;
    zs_node_off_block(w->node, wake, w);
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

uint64_t zs_dswriter_last_block(zs_dswriter_t *w)
{
    return w->last_block;
}
