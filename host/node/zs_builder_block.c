/* The sequencer thread's block machinery, shared by its three sources of
   blocks (zs_builder.c: the pool; zs_builder_forced.c: L1's forced batches;
   zs_builder_replay.c: a replica's stream): a block begun on the builder's
   head, executed transactions recorded, and the block sealed (state
   committed, header and records into the committer's job, the open batch
   extended or closed) and handed to the committer. */
#include "host/node/zs_builder_int.h"

#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "lib/base/zs_bytes.h"
#include "lib/base/zs_time.h"

uint64_t builder_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int builder_touch(block_work_t *w, const uint8_t a[20])
{
    if (w->nt == w->capt) {
        size_t c = w->capt ? 2 * w->capt : 64;
        uint8_t(*nt)[20] = realloc(w->touched, c * 20);
        if (!nt) return ZS_ERR_NOMEM;
        w->touched = nt;
        w->capt = c;
    }
    memcpy(w->touched[w->nt++], a, 20);
    return ZS_OK;
}

void builder_publish_open(zs_builder_t *b)
{
    zs_batcher_publish(b->cfg.batcher);
    zs_policyctl_forget_close(b->cfg.policy, zs_batcher_number(b->cfg.batcher));
}

int builder_begin(zs_builder_t *b, block_t *k, uint32_t delta, const zs_l1_info_t *l1)
{
    int level = zs_smt_max_level(zs_state_tree(b->cfg.st));
    zs_exec_set_mcp(b->cfg.exec, zs_vcount_mcp((uint32_t)level, 1));
    int rc = zs_exec_block_begin(b->cfg.exec, b->head.root.hash, delta, l1, &k->blk);
    if (!rc) rc = zs_batcher_begin_block(b->cfg.batcher, delta, k->l1_index, k->start_ms, level);
    if (rc) return rc;
    zs_policyctl_now(b->cfg.policy, &k->pn);
    b->w.n = b->w.nt = 0;
    memset(b->w.bloom, 0, sizeof b->w.bloom);
    return builder_touch(&b->w, k->coinbase);
}

/* An executed transaction: its record (status, logs, the contract it
   made), its batch entry and counters, the accounts it changed. */
int builder_record_tx(zs_builder_t *b, const block_t *k, const zs_pool_item_t *it, const zs_exec_result_t *r)
{
    block_work_t *w = &b->w;
    if (w->n == w->cap) {
        size_t c = w->cap ? 2 * w->cap : 256;
        zs_txrec_t *nr = realloc(w->recs, c * sizeof *nr);
        if (!nr) return ZS_ERR_NOMEM;
        w->recs = nr;
        w->cap = c;
    }
    zs_txrec_t *t = &w->recs[w->n++];
    memset(t, 0, sizeof *t);
    t->block = k->blk.number;
    t->index = r->index;
    t->status = (uint8_t)r->status;
    t->eff_pct = 0xff;
    t->gas_used = r->gas_used;
    t->cumulative_gas = r->cumulative_gas;
    t->effective_gas_price = r->effective_gas_price;
    t->first_log = r->first_log;
    memcpy(t->hash, it->tx->hash, 32);
    memcpy(t->sender, it->sender, 20);
    memcpy(t->l2_hash, r->l2_tx_hash, 32);
    if (r->created) {
        t->has_contract = 1;
        memcpy(t->contract, r->contract, 20);
    }
    if (!(t->raw = malloc(it->raw_len))) return ZS_ERR_NOMEM;
    memcpy(t->raw, it->raw, it->raw_len);
    t->raw_len = it->raw_len;
    int rc = 0;
    if (r->nlogs && !(rc = zs_logs_encode(r->logs, r->nlogs, &t->logs, &t->logs_len)))
        zs_logs_bloom(t->logs, t->logs_len, w->bloom);
    if (!rc) rc = zs_batcher_add_tx(b->cfg.batcher, it->tx, it->raw_len, r->gas_used, &r->counters);
    if (!rc) rc = builder_touch(w, it->sender);
    if (!rc && it->tx->has_to) rc = builder_touch(w, it->tx->to);
    for (size_t i = 0; !rc && i < r->ntouched; i++) rc = builder_touch(w, r->touched[i]);
    return rc;
}

/* What differs from what a replica's sequencer said (NULL: nothing), and
   this replica's value of it in *got. */
static const char *replica_mismatch(const block_t *k, const zs_block_t *blk, const uint8_t **got)
{
    if (k->want_hash && memcmp(blk->hash, k->want_hash, 32)) return *got = blk->hash, "block hash";
    if (k->want_info_root && !zs_bytes_zero(k->want_info_root, 32) && memcmp(blk->info_root, k->want_info_root, 32))
        return *got = blk->info_root, "block info root";
    return NULL;
}

/* The block's parent, header roots and hash. */
static int make_header(zs_block_t *block, const zs_txrec_t *recs, size_t n, const uint8_t parent[32])
{
    memcpy(block->parent, parent, 32);
    int rc = zs_block_roots(recs, n, block->tx_root, block->receipts_root);
    if (!rc) zs_block_hash(block, block->hash);
    return rc;
}

static void put_records(zs_store_batch_t *sb, const zs_block_t *block, zs_txrec_t *recs, size_t n)
{
    zs_chain_put_block(sb, block);
    for (size_t i = 0; i < n; i++) {
        memcpy(recs[i].block_hash, block->hash, 32);
        zs_chain_put_tx(sb, &recs[i]);
    }
}

/* The committer's part of a block's records (zs_job_t.finish): its header
   on the chain's tip, and its block and transaction records. */
static int finish_records(zs_job_t *job)
{
    int rc = make_header(&job->block, job->recs, job->nrecs, job->tip);
    if (!rc) {
        put_records(job->b, &job->block, job->recs, job->nrecs);
        memcpy(job->tip, job->block.hash, 32);
        memcpy(job->head.hash, job->block.hash, 32);
    }
    builder_clear_recs(job->recs, &job->nrecs);
    zs_block_clear(&job->block);
    return rc;
}

/* The block's records go to the committer with job: the builder's records
   for the job's spare array. */
static void records_to_job(zs_builder_t *b, zs_job_t *job)
{
    block_work_t *w = &b->w;
    builder_clear_recs(job->recs, &job->nrecs); /* left by a refused write */
    zs_txrec_t *spare = job->recs;
    size_t cap = job->caprecs;
    job->recs = w->recs;
    job->caprecs = w->cap;
    job->nrecs = w->n;
    w->recs = spare;
    w->cap = cap;
    w->n = 0;
    job->tip = b->tip;
    job->finish = finish_records;
    b->tip_later = 1;
}

/* The block's header into job->block and, for a replica's block (checked
   here against the sequencer's hash) its roots, hash and records into the
   job's store batch; for the others that is left to the committer
   (*later).  The open batch extended, or closed when due. */
static int record_block(zs_builder_t *b, const block_t *k, zs_job_t *job, const zs_smt_ref_t *root, uint64_t gas_used,
                        const zs_batcher_forced_t *forced, int *later)
{
    block_work_t *w = &b->w;
    zs_block_t *block = &job->block;
    zs_block_clear(block); /* (to zero, and what a refused write left) */
    block->number = k->blk.number;
    block->timestamp = k->blk.timestamp;
    block->gas_used = gas_used;
    block->gas_limit = ZS_BLOCK_GAS_LIMIT;
    block->batch = zs_batcher_number(b->cfg.batcher);
    block->l1_index = k->l1_index;
    block->l1_last = k->l1_index ? k->l1_index : b->head.l1_last;
    /* the leaf it named, or a forced batch's GER and L1 block hash */
    memcpy(block->ger, k->blk.ger, 32);
    memcpy(block->block_hash_l1, k->blk.block_hash_l1, 32);
    job->head.l1_last = block->l1_last;
    zs_smt_h4_to_be(root->hash, block->state_root);
    memcpy(block->coinbase, k->coinbase, 20);
    memcpy(block->bloom, w->bloom, 256);
    zs_smt_h4_to_be(k->info_root, block->info_root);
    block->ntx = (uint32_t)w->n;
    if (!(block->tx_hashes = malloc((w->n ? w->n : 1) * 32))) return ZS_ERR_NOMEM;
    for (size_t i = 0; i < w->n; i++) memcpy(block->tx_hashes[i], w->recs[i].hash, 32);
    *later = !k->want_hash && !k->want_info_root;
    if (!*later) {
        if (b->tip_later) zs_committer_wait_idle(b->cfg.committer); /* its last finish moves the tip */
        b->tip_later = 0;
        int rc = make_header(block, w->recs, w->n, b->tip);
        if (rc) {
            zs_block_clear(block);
            return rc;
        }
        const uint8_t *got;
        if ((b->mismatch = replica_mismatch(k, block, &got))) {
            memcpy(b->mismatch_got, got, 32);
            zs_block_clear(block);
            return ZS_ERR_CORRUPT;
        }
        put_records(job->b, block, w->recs, w->n);
        memcpy(b->tip, block->hash, 32);
        memcpy(job->head.hash, block->hash, 32);
    }
    uint8_t ler[32];
    int rc = zs_exec_local_exit_root(b->cfg.st, ler);
    if (rc) {
        zs_block_clear(block);
        return rc;
    }
    zs_batcher_end_block(b->cfg.batcher, block->number, block->timestamp, block->state_root, ler);
    zs_policy_now_t pn;
    zs_policyctl_now(b->cfg.policy, &pn);
    /* A replica's batches close where the sequencer's stream says. */
    zs_batch_close_t why = forced || b->cfg.replay ? ZS_BATCH_CLOSE_NONE : zs_batcher_due(b->cfg.batcher, &pn, builder_now_ms());
    if (forced) {
        zs_batcher_close_forced(b->cfg.batcher, job->b, forced, &job->closed);
        zs_chain_put_forced_last(job->b, forced->number);
    } else if (why) {
        zs_batcher_close(b->cfg.batcher, job->b, why, &job->closed);
    } else {
        zs_batcher_put(b->cfg.batcher, job->b);
    }
    builder_publish_open(b);
    zs_chain_put_head(job->b, block->number);
    if (!*later) zs_block_clear(block);
    return ZS_OK;
}

/* What the committer publishes once the block is durable: the touched
   accounts' values now (the tree moves on with the next block), the
   transactions' hashes, the pool rows to delete. */
static int fill_job(zs_builder_t *b, zs_job_t *job)
{
    block_work_t *w = &b->w;
    if (w->nt > job->capfresh) {
        zs_view_account_t *nf = realloc(job->fresh, w->nt * sizeof *nf);
        if (!nf) return ZS_ERR_NOMEM;
        job->fresh = nf;
        job->capfresh = w->nt;
    }
    job->nfresh = 0;
    for (size_t i = 0; i < w->nt; i++) {
        zs_view_account_t *f = &job->fresh[job->nfresh];
        if (zs_state_nonce(b->cfg.st, w->touched[i], &f->nonce) ||
            zs_state_balance(b->cfg.st, w->touched[i], &f->balance))
            continue;
        memcpy(f->addr, w->touched[i], 20);
        job->nfresh++;
    }
    if (w->n > job->caphashes) {
        uint8_t(*nh)[32] = realloc(job->hashes, w->n * 32);
        if (!nh) return ZS_ERR_NOMEM;
        job->hashes = nh;
        job->caphashes = w->n;
    }
    for (size_t i = 0; i < w->n; i++) memcpy(job->hashes[i], w->recs[i].hash, 32);
    job->nhashes = job->ntx = w->n;
    zs_pool_take_done(b->cfg.pool, &job->done_rows, &job->ndone);
    return ZS_OK;
}

void builder_clear_recs(zs_txrec_t *recs, size_t *n)
{
    for (size_t i = 0; i < *n; i++) zs_txrec_clear(&recs[i]);
    *n = 0;
}

void builder_drop_recs(zs_builder_t *b)
{
    builder_clear_recs(b->w.recs, &b->w.n);
}

int builder_end_block(zs_builder_t *b, block_t *k, uint64_t *gas_used)
{
    uint64_t t0 = zs_mono_ns();
    int rc = zs_exec_block_end(b->cfg.exec, gas_used, k->info_root);
    k->t_end = zs_mono_ns() - t0;
    return rc;
}

int builder_seal_block(zs_builder_t *b, const block_t *k, zs_job_t *job, uint64_t gas_used,
                      const zs_batcher_forced_t *forced)
{
    uint64_t t_commit0 = zs_mono_ns();
    zs_smt_ref_t root;
    int rc;
    if ((rc = zs_state_commit(b->cfg.st, job->b, k->blk.number, &root, NULL))) return rc;
    if (k->want_root) {
        zs_smt_h4_to_be(root.hash, b->mismatch_got);
        if (memcmp(b->mismatch_got, k->want_root, 32)) {
            b->mismatch = "state root";
            return ZS_ERR_CORRUPT;
        }
    }
    uint64_t t_records0 = zs_mono_ns();
    int later;
    if ((rc = record_block(b, k, job, &root, gas_used, forced, &later))) return rc;
    uint64_t t_records1 = zs_mono_ns();
    zs_state_applied(b->cfg.st, k->blk.number, &root);
    if ((rc = fill_job(b, job))) return rc;
    if (later) records_to_job(b, job);
    job->has_block = 1;
    job->head.number = k->blk.number;
    job->head.timestamp = k->blk.timestamp;
    job->head.root = root;
    job->ns_exec = k->t_exec;
    job->ns_end = k->t_end;
    /* The loop's time outside execution, lingering for more and the block's
       end is pool hand-over and encoding: counted with the block. */
    job->ns_block = (t_commit0 - k->t_begin) - k->t_exec - k->t_wait - k->t_end;
    job->ns_commit = t_records0 - t_commit0;
    job->ns_records = t_records1 - t_records0;
    b->head = job->head;
    builder_drop_recs(b);
    return ZS_OK;
}

void builder_submit(zs_builder_t *b, zs_job_t *job)
{
    zs_committer_submit(b->cfg.committer, job);
    b->cur = (b->cur + 1) % ZS_JOBS;
    zs_state_evict(b->cfg.st); /* state.memory_mb: while the committer writes */
}
