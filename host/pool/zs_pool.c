#include "host/pool/zs_pool.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/pool/zs_pool_int.h"
#include "host/pool/zs_pool_log.h"
#include "host/store/zs_schema.h"
#include "lib/base/zs_bytes.h"
#include "lib/base/zs_time.h"

/* ---- The heap of senders whose next transaction can run. */

static acct_t *head_acct_tx(acct_t *a, ptx_t **out)
{
    if (!a->n) return NULL;
    ptx_t *t = a->txs[0];
    if (t->nonce != a->next_nonce || !t->durable || t->in_flight) return NULL;
    if (out) *out = t;
    return a;
}

static int before(zs_pool_t *p, acct_t *x, acct_t *y)
{
    ptx_t *a = x->txs[0], *b = y->txs[0];
    if (p->cfg.order == ZS_POOL_ORDER_FEE) {
        int c = zs_u256_cmp(&a->price, &b->price);
        if (c) return c > 0;
    }
    return a->seq < b->seq;
}

static void heap_swap(zs_pool_t *p, size_t i, size_t j)
{
    acct_t *t = p->heap[i];
    p->heap[i] = p->heap[j];
    p->heap[j] = t;
    p->heap[i]->heap_pos = i + 1;
    p->heap[j]->heap_pos = j + 1;
}

static void heap_up(zs_pool_t *p, size_t i)
{
    while (i && before(p, p->heap[i], p->heap[(i - 1) / 2])) {
        heap_swap(p, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(zs_pool_t *p, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < p->heap_n && before(p, p->heap[l], p->heap[m])) m = l;
        if (r < p->heap_n && before(p, p->heap[r], p->heap[m])) m = r;
        if (m == i) return;
        heap_swap(p, i, m);
        i = m;
    }
}

static void heap_remove(zs_pool_t *p, acct_t *a)
{
    if (!a->heap_pos) return;
    size_t i = a->heap_pos - 1;
    a->heap_pos = 0;
    p->heap_n--;
    if (i == p->heap_n) return;
    p->heap[i] = p->heap[p->heap_n];
    p->heap[i]->heap_pos = i + 1;
    heap_down(p, i);
    heap_up(p, i);
}

/* Puts the account in the heap, or takes it out, as its head allows. */
void zs_pool_refresh(zs_pool_t *p, acct_t *a)
{
    heap_remove(p, a);
    if (!head_acct_tx(a, NULL)) return;
    if (p->heap_n == p->heap_cap) {
        size_t cap = p->heap_cap ? 2 * p->heap_cap : 256;
        acct_t **h = realloc(p->heap, cap * sizeof *h);
        if (!h) return; /* stays out; retried on its next change */
        p->heap = h;
        p->heap_cap = cap;
    }
    p->heap[p->heap_n] = a;
    a->heap_pos = ++p->heap_n;
    heap_up(p, p->heap_n - 1);
    pthread_cond_signal(&p->ready);
}

static size_t count_executable(zs_pool_t *p, acct_t *a)
{
    (void)p;
    size_t k = 0;
    while (k < a->n && a->txs[k]->nonce == a->next_nonce + k) k++;
    return k;
}

/* ---- Store rows: key = arrival number (u64 BE), value = raw transaction. */

static int push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 256;
        uint64_t *nv = realloc(*v, c * sizeof *nv);
        if (!nv) return ZS_ERR_NOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return ZS_OK;
}

/* 1 when the transaction (hash, seq) no longer waits for the writer,
   with *ok whether it was written (or replaced, or gone: a replacement
   waits for the row it replaces). */
static int durable_decided(zs_pool_t *p, const uint8_t *hash, uint64_t seq, int *ok)
{
    ptx_t *cur = zs_hmap_get(&p->txs, hash, 32, TX_KOFF);
    int gone = !cur || cur->seq != seq;
    *ok = gone || cur->durable == 1;
    return gone || cur->durable || p->stopping;
}

/* After a write or at the stop: each waiter whose transaction is decided
   is answered and woken.  Under the lock. */
void zs_pool_answer_waiters(zs_pool_t *p)
{
    for (waiter_t **w = &p->waiters; *w;) {
        waiter_t *x = *w;
        if (!durable_decided(p, x->hash, x->seq, &x->ok)) {
            w = &x->next;
            continue;
        }
        *w = x->next;
        sem_post(&x->sem);
    }
}

zs_pool_t *zs_pool_new(zs_store_t *store, const zs_pool_cfg_t *cfg)
{
    zs_pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = *cfg;
    if (!p->cfg.max_size) p->cfg.max_size = 128 * 1024;
    if (!p->cfg.max_txs) p->cfg.max_txs = 100000;
    if (!p->cfg.max_per_sender) p->cfg.max_per_sender = 1024;
    if (!p->cfg.nonce_gap) p->cfg.nonce_gap = 64;
    if (!p->cfg.price_bump) p->cfg.price_bump = 10;
    p->store = store;
    p->next_seq = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->durable, NULL);
    pthread_cond_init(&p->work, NULL);
    if (store) {
        if (pthread_create(&p->writer, NULL, zs_pool_writer_main, p)) {
            free(p);
            return NULL;
        }
        pthread_setname_np(p->writer, "zs-pool-write");
        p->writer_started = 1;
    }
    return p;
}

static void free_tx(ptx_t *t)
{
    free(t->raw);
    free(t);
}

void zs_pool_free(zs_pool_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    zs_pool_answer_waiters(p);
    pthread_cond_broadcast(&p->durable);
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->mu);
    if (p->writer_started) pthread_join(p->writer, NULL);
    for (size_t i = 0; i < p->accts.nb; i++) {
        for (acct_t *a = p->accts.b[i], *next; a; a = next) {
            next = a->hnext;
            for (size_t k = 0; k < a->n; k++) free_tx(a->txs[k]);
            free(a->txs);
            free(a);
        }
    }
    free(p->accts.b);
    free(p->txs.b);
    free(p->heap);
    free(p->wdel);
    free(p->done_rows);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->durable);
    pthread_cond_destroy(&p->work);
    free(p);
}

/* The per-gas price a transaction bids (for the floor, replacement and fee
   ordering): the gas price, or an EIP-1559 transaction's max fee. */
static zs_u256_t bid(const zs_tx_t *tx)
{
    return tx->type == ZS_TX_DYNAMIC_FEE ? tx->max_fee : tx->gas_price;
}

static zs_pool_reason_t refuse(zs_pool_t *p, zs_pool_reason_t r, int locked)
{
    if (!locked) pthread_mutex_lock(&p->mu);
    p->refused[r]++;
    if (!locked) pthread_mutex_unlock(&p->mu);
    return r;
}

/* Checks that need no lock. */
static zs_pool_reason_t stateless_checks(zs_pool_t *p, size_t n, const zs_tx_t *tx)
{
    if (n > p->cfg.max_size) return ZS_POOL_OVERSIZED;
    switch (zs_tx_check(tx, &p->cfg.rules, NULL)) {
    case ZS_TXCHK_OK: break;
    case ZS_TXCHK_TYPE: return ZS_POOL_UNSUPPORTED;
    case ZS_TXCHK_CHAIN_ID: return ZS_POOL_CHAIN_ID;
    case ZS_TXCHK_INTRINSIC_GAS: return ZS_POOL_INTRINSIC_GAS;
    case ZS_TXCHK_FEE_CAP_TOO_LOW: return ZS_POOL_FEE_CAP;
    case ZS_TXCHK_FEE_OVERFLOW: return ZS_POOL_INSUFFICIENT_FUNDS;
    case ZS_TXCHK_NONCE_MAX: return ZS_POOL_NONCE_MAX;
    case ZS_TXCHK_INIT_CODE_TOO_BIG: return ZS_POOL_INIT_CODE;
    }
    if (p->cfg.max_gas && tx->gas > p->cfg.max_gas) return ZS_POOL_GAS_LIMIT;
    zs_u256_t b = bid(tx);
    if (zs_u256_cmp(&b, &p->cfg.min_gas_price) < 0) return ZS_POOL_UNDERPRICED;
    return ZS_POOL_OK;
}

static acct_t *get_acct(zs_pool_t *p, const uint8_t addr[20], uint64_t state_nonce)
{
    acct_t *a = zs_hmap_get(&p->accts, addr, 20, ACCT_KOFF);
    if (a) return a;
    a = calloc(1, sizeof *a);
    if (!a) return NULL;
    memcpy(a->addr, addr, 20);
    a->next_nonce = state_nonce;
    if (zs_hmap_put(&p->accts, a, ACCT_KOFF)) {
        free(a);
        return NULL;
    }
    return a;
}

static void acct_remove_at(acct_t *a, size_t i)
{
    memmove(a->txs + i, a->txs + i + 1, (a->n - i - 1) * sizeof *a->txs);
    a->n--;
}

static void drop_acct_if_empty(zs_pool_t *p, acct_t *a)
{
    if (a->n) return;
    heap_remove(p, a);
    zs_hmap_del(&p->accts, a, ACCT_KOFF);
    free(a->txs);
    free(a);
}

/* The pool's copy of a raw transaction, decoded, with its cost (gas times
   price plus value): NULL with *r set. */
static ptx_t *new_ptx(const uint8_t *raw, size_t n, const uint8_t sender[20], zs_pool_reason_t *r)
{
    zs_perr_t e;
    ptx_t *t = calloc(1, sizeof *t);
    if (t) t->raw = malloc(n);
    if (!t || !t->raw) {
        free(t);
        *r = ZS_POOL_UNAVAILABLE;
        return NULL;
    }
    memcpy(t->raw, raw, n);
    t->raw_len = n;
    if (zs_tx_decode(t->raw, n, &t->tx, &e)) {
        free_tx(t);
        *r = ZS_POOL_INVALID;
        return NULL;
    }
    memcpy(t->hash, t->tx.hash, 32);
    memcpy(t->sender, sender, 20);
    t->nonce = t->tx.nonce;
    t->price = bid(&t->tx);
    zs_u256_t gas = zs_u256_from_u64(t->tx.gas);
    zs_u256_mul(&t->cost, &gas, &t->price); /* checked at admission: no overflow */
    zs_u256_add(&t->cost, &t->cost, &t->tx.value);
    return t;
}

/* The sender's rules for t: nonce, funds, the replacement bump or room
   for one more.  OK with t's place among the sender's (*pos) and the one it
   replaces (*old, or NULL). */
static zs_pool_reason_t sender_rules(zs_pool_t *p, acct_t *a, const ptx_t *t, const zs_u256_t *balance, size_t *pos,
                                     ptx_t **old)
{
    if (t->nonce < a->next_nonce) return ZS_POOL_NONCE_TOO_LOW;
    if (t->nonce - a->next_nonce > count_executable(p, a) + p->cfg.nonce_gap) return ZS_POOL_NONCE_TOO_HIGH;
    if (zs_u256_cmp(&t->cost, balance) > 0) return ZS_POOL_INSUFFICIENT_FUNDS;
    *pos = 0;
    while (*pos < a->n && a->txs[*pos]->nonce < t->nonce) (*pos)++;
    *old = *pos < a->n && a->txs[*pos]->nonce == t->nonce ? a->txs[*pos] : NULL;
    if (*old && (*old)->durable != 1) return RETRY; /* the writer may be writing it right now: wait for that first */
    if (*old) {
        zs_u256_t need, hundred = zs_u256_from_u64(100);
        zs_u256_mul_u64(&need, &(*old)->price, 100 + p->cfg.price_bump);
        if (zs_u256_divmod(&need, NULL, &need, &hundred)) need = (*old)->price;
        if ((*old)->in_flight || zs_u256_cmp(&t->price, &need) < 0 || !zs_u256_cmp(&t->price, &(*old)->price))
            return ZS_POOL_REPLACEMENT_UNDERPRICED;
        return ZS_POOL_OK;
    }
    if (p->total >= p->cfg.max_txs) return ZS_POOL_FULL;
    if (a->n >= p->cfg.max_per_sender) return ZS_POOL_ACCOUNT_LIMIT;
    return ZS_POOL_OK;
}

/* t into the sender's list at pos (in old's place when it replaces one). */
static zs_pool_reason_t place(zs_pool_t *p, acct_t *a, ptx_t *t, size_t pos, ptx_t *old)
{
    if (!old && a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 4;
        ptx_t **nt = realloc(a->txs, cap * sizeof *nt);
        if (!nt) return ZS_POOL_UNAVAILABLE;
        a->txs = nt;
        a->cap = cap;
    }
    if (zs_hmap_put(&p->txs, t, TX_KOFF)) return ZS_POOL_UNAVAILABLE;
    if (old) {
        zs_hmap_del(&p->txs, old, TX_KOFF);
        push_u64(&p->wdel, &p->wdel_n, &p->wdel_cap, old->seq); /* its row goes with the new one's */
        a->txs[pos] = t;
        free_tx(old);
    } else {
        memmove(a->txs + pos + 1, a->txs + pos, (a->n - pos) * sizeof *a->txs);
        a->txs[pos] = t;
        a->n++;
        p->total++;
    }
    t->acct = a;
    return ZS_POOL_OK;
}

/* Inserts a checked transaction; the caller holds the lock.  durable says
   whether its row is already in the store (reload); otherwise it joins the
   writer's queue. */
static zs_pool_reason_t insert_locked(zs_pool_t *p, const uint8_t *raw, size_t n, const uint8_t sender[20],
                                      uint64_t state_nonce, const zs_u256_t *balance, uint64_t seq, int durable,
                                      ptx_t **out)
{
    zs_pool_reason_t r;
    ptx_t *t = new_ptx(raw, n, sender, &r), *old = NULL;
    if (!t) return r;
    if (zs_hmap_get(&p->txs, t->hash, 32, TX_KOFF)) {
        free_tx(t);
        return ZS_POOL_ALREADY_KNOWN;
    }
    acct_t *a = get_acct(p, sender, state_nonce);
    size_t pos = 0;
    r = a ? sender_rules(p, a, t, balance, &pos, &old) : ZS_POOL_UNAVAILABLE;
    if (r == ZS_POOL_OK) r = place(p, a, t, pos, old);
    if (r != ZS_POOL_OK) {
        if (a) drop_acct_if_empty(p, a);
        free_tx(t);
        return r;
    }
    t->seq = seq ? seq : p->next_seq++;
    if (seq && seq >= p->next_seq) p->next_seq = seq + 1;
    t->durable = durable || !p->store;
    if (!t->durable) {
        if (p->wq_tail) p->wq_tail->wnext = t;
        else p->wq_head = t;
        p->wq_tail = t;
        pthread_cond_signal(&p->work);
    }
    zs_pool_refresh(p, a);
    *out = t;
    return ZS_POOL_OK;
}

zs_pool_reason_t zs_pool_add_nowait(zs_pool_t *p, const uint8_t *raw, size_t n, const zs_tx_t *tx,
                                    const uint8_t sender[20], uint64_t *seq)
{
    zs_pool_reason_t r = stateless_checks(p, n, tx);
    if (r) return refuse(p, r, 0);
    uint64_t state_nonce = 0;
    zs_u256_t balance = zs_u256_from_u64(0);
    /* The account is read without the lock.  If the sender's pool entry
       left meanwhile (its block was published), the read may predate that
       block: read again. */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        uint64_t epoch = p->epoch;
        pthread_mutex_unlock(&p->mu);
        if (p->cfg.account && p->cfg.account(p->cfg.account_ctx, sender, &state_nonce, &balance))
            return refuse(p, ZS_POOL_UNAVAILABLE, 0);
        pthread_mutex_lock(&p->mu);
        if (p->epoch == epoch || zs_hmap_get(&p->accts, sender, 20, ACCT_KOFF)) break;
    }
    if (p->stopping || p->store_failed) {
        p->refused[ZS_POOL_UNAVAILABLE]++;
        pthread_mutex_unlock(&p->mu);
        return ZS_POOL_UNAVAILABLE;
    }
    ptx_t *t = NULL;
    while ((r = insert_locked(p, raw, n, sender, state_nonce, &balance, 0, 0, &t)) == RETRY && !p->stopping)
        pthread_cond_wait(&p->durable, &p->mu);
    if (r == RETRY) r = ZS_POOL_UNAVAILABLE;
    if (r) {
        p->refused[r]++;
        pthread_mutex_unlock(&p->mu);
        return r;
    }
    *seq = t->seq;
    pthread_mutex_unlock(&p->mu);
    return ZS_POOL_OK;
}

zs_pool_reason_t zs_pool_wait_durable(zs_pool_t *p, const uint8_t hash[32], uint64_t seq)
{
    /* The transaction cannot run before it is durable (only durable ones
       run), but a replacement may take its place: then it was written
       before (a replacement waits for that), or it is gone. */
    waiter_t w = {.hash = hash, .seq = seq};
    pthread_mutex_lock(&p->mu);
    if (durable_decided(p, hash, seq, &w.ok)) {
        pthread_mutex_unlock(&p->mu);
    } else {
        sem_init(&w.sem, 0, 0);
        w.next = p->waiters;
        p->waiters = &w;
        pthread_mutex_unlock(&p->mu);
        while (sem_wait(&w.sem)) continue; /* EINTR */
        sem_destroy(&w.sem);
    }
    return w.ok ? ZS_POOL_OK : refuse(p, ZS_POOL_UNAVAILABLE, 0);
}

zs_pool_reason_t zs_pool_add(zs_pool_t *p, const uint8_t *raw, size_t n, const zs_tx_t *tx, const uint8_t sender[20],
                             uint64_t *seq)
{
    uint64_t my_seq = 0;
    zs_pool_reason_t r = zs_pool_add_nowait(p, raw, n, tx, sender, &my_seq);
    if (!r) r = zs_pool_wait_durable(p, tx->hash, my_seq);
    if (!r && seq) *seq = my_seq;
    return r;
}

size_t zs_pool_load(zs_pool_t *p)
{
    if (!p->store) return 0;
    zs_store_iter_t *it = zs_store_iter_new(p->store, ZS_CF_POOL, NULL, 0);
    if (!it) return 0;
    const uint8_t *k, *v;
    size_t kl, vl, loaded = 0;
    uint64_t *drop = NULL;
    size_t ndrop = 0, capdrop = 0;
    while (zs_store_iter_next(it, &k, &kl, &v, &vl) == 1) {
        if (kl != 8) continue;
        uint64_t seq = zs_get_be64(k);
        zs_tx_t tx;
        zs_perr_t e;
        uint8_t sender[20];
        uint64_t nonce = 0;
        zs_u256_t balance = zs_u256_from_u64(0);
        zs_pool_reason_t r = ZS_POOL_INVALID;
        if (!zs_tx_decode(v, vl, &tx, &e) && !zs_tx_recover(&tx, sender) &&
            !(p->cfg.account && p->cfg.account(p->cfg.account_ctx, sender, &nonce, &balance))) {
            r = stateless_checks(p, vl, &tx);
            if (!r) {
                ptx_t *t;
                pthread_mutex_lock(&p->mu);
                r = insert_locked(p, v, vl, sender, nonce, &balance, seq, 1, &t);
                if (r == RETRY) r = ZS_POOL_INVALID; /* cannot happen: reloaded rows are durable */
                pthread_mutex_unlock(&p->mu);
            }
        }
        if (r == ZS_POOL_OK)
            loaded++;
        else
            push_u64(&drop, &ndrop, &capdrop, seq);
    }
    zs_store_iter_free(it);
    if (ndrop) {
        /* Rows the state has overtaken (or that no longer pass): gone. */
        zs_store_batch_t *b = zs_store_batch_new(p->store);
        for (size_t i = 0; i < ndrop; i++) {
            uint8_t key[8];
            zs_pool_row_key(key, drop[i]);
            zs_store_del(b, ZS_CF_POOL, key, 8);
        }
        if (zs_store_write(p->store, b, 1)) p->store_failed = 1;
        zs_store_batch_free(b);
    }
    free(drop);
    return loaded;
}

int zs_pool_next(zs_pool_t *p, int timeout_ms, zs_pool_item_t *item)
{
    pthread_mutex_lock(&p->mu);
    if (!p->heap_n && timeout_ms > 0 && !p->stopping) {
        struct timespec ts = zs_deadline_ms(timeout_ms);
        while (!p->heap_n && !p->stopping)
            if (pthread_cond_timedwait(&p->ready, &p->mu, &ts) == ETIMEDOUT) break;
    }
    if (!p->heap_n) {
        pthread_mutex_unlock(&p->mu);
        return ZS_ERR_NOTFOUND;
    }
    acct_t *a = p->heap[0];
    heap_remove(p, a);
    ptx_t *t = a->txs[0];
    t->in_flight = 1;
    item->tx = &t->tx;
    item->raw = t->raw;
    item->raw_len = t->raw_len;
    memcpy(item->sender, t->sender, 20);
    item->seq = t->seq;
    pthread_mutex_unlock(&p->mu);
    return ZS_OK;
}

static ptx_t *find_item(zs_pool_t *p, const zs_pool_item_t *item)
{
    ptx_t *t = zs_hmap_get(&p->txs, item->tx->hash, 32, TX_KOFF);
    return t && t->seq == item->seq ? t : NULL;
}

void zs_pool_done(zs_pool_t *p, const zs_pool_item_t *item, int included)
{
    pthread_mutex_lock(&p->mu);
    ptx_t *t = find_item(p, item);
    if (t) {
        acct_t *a = t->acct;
        size_t i = 0;
        while (i < a->n && a->txs[i] != t) i++;
        if (i < a->n) acct_remove_at(a, i);
        if (included) a->next_nonce = t->nonce + 1;
        a->last_block = p->block;
        zs_hmap_del(&p->txs, t, TX_KOFF);
        p->total--;
        push_u64(&p->done_rows, &p->done_n, &p->done_cap, t->seq);
        free_tx(t);
        zs_pool_refresh(p, a);
        /* An emptied account is kept until the block is committed, so its
           next nonce stays known; zs_pool_release drops it. */
    }
    pthread_mutex_unlock(&p->mu);
}

void zs_pool_requeue(zs_pool_t *p, const zs_pool_item_t *item)
{
    pthread_mutex_lock(&p->mu);
    ptx_t *t = find_item(p, item);
    if (t) {
        t->in_flight = 0;
        zs_pool_refresh(p, t->acct);
    }
    pthread_mutex_unlock(&p->mu);
}

void zs_pool_set_block(zs_pool_t *p, uint64_t number)
{
    pthread_mutex_lock(&p->mu);
    p->block = number;
    pthread_mutex_unlock(&p->mu);
}

void zs_pool_take_done(zs_pool_t *p, uint64_t **rows, size_t *n)
{
    pthread_mutex_lock(&p->mu);
    *rows = p->done_rows;
    *n = p->done_n;
    p->done_rows = NULL;
    p->done_n = p->done_cap = 0;
    pthread_mutex_unlock(&p->mu);
}

void zs_pool_forget_rows(zs_pool_t *p, const uint64_t *rows, size_t n)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < n && p->store; i++) push_u64(&p->wdel, &p->wdel_n, &p->wdel_cap, rows[i]);
    if (p->wdel_n) pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void zs_pool_release(zs_pool_t *p, uint64_t upto_block)
{
    pthread_mutex_lock(&p->mu);
    p->epoch++;
    /* Empty accounts whose last transaction is in a published block: the
       state the node reads now carries their nonce. */
    for (size_t i = 0; i < p->accts.nb; i++) {
        for (acct_t *a = p->accts.b[i], *next; a; a = next) {
            next = a->hnext;
            if (a->last_block <= upto_block) drop_acct_if_empty(p, a);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

size_t zs_pool_size(zs_pool_t *p, size_t *executable, size_t *queued)
{
    pthread_mutex_lock(&p->mu);
    size_t total = p->total, exe = 0;
    for (size_t i = 0; i < p->accts.nb; i++)
        for (acct_t *a = p->accts.b[i]; a; a = a->hnext) exe += count_executable(p, a);
    pthread_mutex_unlock(&p->mu);
    if (executable) *executable = exe;
    if (queued) *queued = total - exe;
    return total;
}

int zs_pool_senders_behind(zs_pool_t *p, const uint8_t (*addrs)[20], size_t n, uint64_t mask)
{
    size_t half = (p->cfg.max_per_sender + 1) / 2;
    int behind = 0;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < n && i < 64 && !behind; i++) {
        acct_t *a = mask >> i & 1 ? zs_hmap_get(&p->accts, addrs[i], 20, ACCT_KOFF) : NULL;
        behind = a && a->n >= half && count_executable(p, a) >= half;
    }
    pthread_mutex_unlock(&p->mu);
    return behind;
}

int zs_pool_pending_nonce(zs_pool_t *p, const uint8_t addr[20], uint64_t *nonce)
{
    pthread_mutex_lock(&p->mu);
    acct_t *a = zs_hmap_get(&p->accts, addr, 20, ACCT_KOFF);
    int found = a != NULL;
    if (a) *nonce = a->next_nonce + count_executable(p, a);
    pthread_mutex_unlock(&p->mu);
    return found;
}

int zs_pool_get(zs_pool_t *p, const uint8_t hash[32], uint8_t **raw, size_t *len, uint8_t sender[20])
{
    pthread_mutex_lock(&p->mu);
    ptx_t *t = zs_hmap_get(&p->txs, hash, 32, TX_KOFF);
    int found = 0;
    if (t && (*raw = malloc(t->raw_len))) {
        memcpy(*raw, t->raw, t->raw_len);
        *len = t->raw_len;
        memcpy(sender, t->sender, 20);
        found = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

static int by_seq(const void *a, const void *b)
{
    const zs_pool_entry_t *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t zs_pool_list(zs_pool_t *p, zs_pool_entry_t *out, size_t max)
{
    pthread_mutex_lock(&p->mu);
    size_t total = p->total, k = 0;
    zs_pool_entry_t *all = total ? calloc(total, sizeof *all) : NULL;
    for (size_t i = 0; all && i < p->accts.nb; i++)
        for (acct_t *a = p->accts.b[i]; a; a = a->hnext) {
            size_t exe = count_executable(p, a);
            for (size_t j = 0; j < a->n && k < total; j++, k++) {
                const ptx_t *t = a->txs[j];
                zs_pool_entry_t *e = &all[k];
                memcpy(e->hash, t->hash, 32);
                memcpy(e->sender, t->sender, 20);
                e->nonce = t->nonce;
                e->seq = t->seq;
                e->gas = t->tx.gas;
                e->price = t->price;
                e->executable = j < exe;
                e->in_flight = t->in_flight;
            }
        }
    pthread_mutex_unlock(&p->mu);
    if (all) {
        qsort(all, k, sizeof *all, by_seq);
        memcpy(out, all, (k < max ? k : max) * sizeof *all);
        free(all);
    }
    return total;
}

int zs_pool_drop(zs_pool_t *p, const uint8_t hash[32])
{
    pthread_mutex_lock(&p->mu);
    ptx_t *t = zs_hmap_get(&p->txs, hash, 32, TX_KOFF);
    if (!t) {
        pthread_mutex_unlock(&p->mu);
        return ZS_ERR_NOTFOUND;
    }
    if (t->in_flight || t->durable != 1) {
        pthread_mutex_unlock(&p->mu);
        return ZS_ERR_AGAIN;
    }
    acct_t *a = t->acct;
    size_t i = 0;
    while (i < a->n && a->txs[i] != t) i++;
    if (i < a->n) acct_remove_at(a, i);
    zs_hmap_del(&p->txs, t, TX_KOFF);
    p->total--;
    int rc = ZS_OK;
    if (p->store) {
        push_u64(&p->wdel, &p->wdel_n, &p->wdel_cap, t->seq);
        p->wflush = 1;
        pthread_cond_signal(&p->work);
        /* The next round the writer starts carries the delete. */
        uint64_t want = p->rounds_started + 1;
        while (p->rounds_done < want && !p->stopping && !p->store_failed) pthread_cond_wait(&p->durable, &p->mu);
        if (p->rounds_done < want) rc = ZS_ERR_IO;
    }
    free_tx(t);
    zs_pool_refresh(p, a);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void zs_pool_refusals(zs_pool_t *p, uint64_t counts[ZS_POOL_REASON_COUNT])
{
    pthread_mutex_lock(&p->mu);
    memcpy(counts, p->refused, sizeof p->refused);
    pthread_mutex_unlock(&p->mu);
}
