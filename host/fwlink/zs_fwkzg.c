#include "host/fwlink/zs_fwkzg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host/accel/zs_accel.h"
#include "host/chain/zs_chain.h"
#include "host/log/zs_log.h"
#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"

#define QUEUE 8
#define BLOB_BATCHES_MAX 64

struct zs_fwkzg {
    zs_node_t *node;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int warm; /* a firmware is up: load the setup before its first request */
    zs_mbox_kzg_req_t req[QUEUE];
    size_t nreq;
    zs_mbox_kzg_t *ans[QUEUE];
    size_t nans;
    uint64_t answered, failed;
    /* The worker's own. */
    zs_kzg_t *kzg;
    int kzg_tried;
    uint8_t *blob;
};

/* The blob of batches first..last from the store, in lib/blob's EIP-4844
   layout: 0, or the reason it cannot be built. */
static int build(zs_fwkzg_t *k, const zs_mbox_kzg_req_t *r)
{
    zs_batchrec_t recs[BLOB_BATCHES_MAX];
    const uint8_t *ptrs[BLOB_BATCHES_MAX];
    size_t lens[BLOB_BATCHES_MAX], n = 0;
    int rc = r->last < r->first || r->last - r->first >= BLOB_BATCHES_MAX ? ZS_ERR_INVAL : ZS_OK;
    for (uint64_t b = r->first; !rc && b <= r->last; b++, n++) {
        if ((rc = zs_chain_get_batch(zs_node_store(k->node), b, &recs[n]))) break;
        ptrs[n] = recs[n].l2data;
        lens[n] = recs[n].l2len;
    }
    if (!rc) {
        long len = zs_blob_encode(ptrs, lens, n, ZS_BLOB_EIP4844, k->blob, ZS_BLOB_BYTES);
        rc = len < 0 ? (int)len : ZS_OK;
    }
    for (size_t i = 0; i < n; i++) zs_batchrec_clear(&recs[i]);
    uint8_t h[32];
    if (!rc) {
        zs_keccak256(k->blob, ZS_BLOB_BYTES, h);
        if (memcmp(h, r->data_hash, 32)) rc = ZS_ERR_CORRUPT;
    }
    return rc;
}

/* The trusted setup, loaded once (about 2 s of one core), by the worker. */
static void open_kzg(zs_fwkzg_t *k)
{
    char err[160] = "";
    if (k->kzg || k->kzg_tried) return;
    k->kzg_tried = 1;
    if (!(k->kzg = zs_kzg_open(NULL, 0, err, sizeof err)))
        zs_log(ZS_LOG_ERROR, "fwlink", "no KZG for the firmware's blobs: %s", err);
    else
        zs_log(ZS_LOG_INFO, "fwlink", "KZG trusted setup loaded from %s", zs_kzg_loaded_from(k->kzg));
}

/* One request answered into a (status set on failure). */
static void answer(zs_fwkzg_t *k, const zs_mbox_kzg_req_t *r, zs_mbox_kzg_t *a)
{
    memset(a, 0, sizeof *a);
    a->first = r->first;
    a->last = r->last;
    memcpy(a->data_hash, r->data_hash, 32);
    open_kzg(k);
    int rc = k->kzg ? build(k, r) : ZS_ERR_UNSUPPORTED;
    if (!rc) rc = zs_accel_kzg_blob(zs_node_accel(k->node), k->kzg, k->blob, a->commitment, a->cell_proofs);
    if (!rc) rc = zs_blob_point_z(a->commitment, k->blob, ZS_BLOB_BYTES, a->z);
    if (!rc) rc = zs_kzg_proof_at(k->kzg, k->blob, a->z, a->proof, a->y);
    if (!rc) rc = zs_kzg_blob_proof(k->kzg, k->blob, a->commitment, a->blob_proof);
    a->status = rc;
    if (rc)
        zs_log(ZS_LOG_ERROR, "fwlink", "the KZG work of batches %llu..%llu for the firmware: %s%s",
               (unsigned long long)r->first, (unsigned long long)r->last, zs_strerror(rc),
               rc == ZS_ERR_CORRUPT ? " (the blob built here is not the firmware's)" : "");
}

static void *worker(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-fw-kzg");
    zs_fwkzg_t *k = arg;
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        if (k->warm && !k->kzg_tried) {
            pthread_mutex_unlock(&k->mu);
            open_kzg(k);
            pthread_mutex_lock(&k->mu);
            continue;
        }
        if (!k->nreq || k->nans == QUEUE) {
            pthread_cond_wait(&k->cv, &k->mu);
            continue;
        }
        zs_mbox_kzg_req_t r = k->req[0];
        pthread_mutex_unlock(&k->mu);
        zs_mbox_kzg_t *a = malloc(sizeof *a);
        if (a) answer(k, &r, a);
        pthread_mutex_lock(&k->mu);
        memmove(k->req, k->req + 1, (--k->nreq) * sizeof k->req[0]);
        if (a) {
            k->ans[k->nans++] = a;
            k->answered++;
            k->failed += a->status != 0;
        }
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

zs_fwkzg_t *zs_fwkzg_start(zs_node_t *n)
{
    zs_fwkzg_t *k = calloc(1, sizeof *k);
    if (!k || !(k->blob = malloc(ZS_BLOB_BYTES))) {
        free(k);
        return NULL;
    }
    k->node = n;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, worker, k)) {
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        free(k->blob);
        free(k);
        return NULL;
    }
    return k;
}

void zs_fwkzg_stop(zs_fwkzg_t *k)
{
    if (!k) return;
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    for (size_t i = 0; i < k->nans; i++) free(k->ans[i]);
    zs_kzg_close(k->kzg);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k->blob);
    free(k);
}

void zs_fwkzg_ask(zs_fwkzg_t *k, const zs_mbox_kzg_req_t *req)
{
    pthread_mutex_lock(&k->mu);
    int dup = 0;
    for (size_t i = 0; i < k->nreq; i++)
        dup |= k->req[i].first == req->first && k->req[i].last == req->last &&
               !memcmp(k->req[i].data_hash, req->data_hash, 32);
    if (!dup && k->nreq < QUEUE) {
        k->req[k->nreq++] = *req;
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
}

const zs_mbox_kzg_t *zs_fwkzg_peek(zs_fwkzg_t *k)
{
    pthread_mutex_lock(&k->mu);
    const zs_mbox_kzg_t *a = k->nans ? k->ans[0] : NULL;
    pthread_mutex_unlock(&k->mu);
    return a;
}

void zs_fwkzg_pop(zs_fwkzg_t *k)
{
    pthread_mutex_lock(&k->mu);
    if (k->nans) {
        free(k->ans[0]);
        memmove(k->ans, k->ans + 1, (--k->nans) * sizeof k->ans[0]);
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
}

void zs_fwkzg_reset(zs_fwkzg_t *k)
{
    pthread_mutex_lock(&k->mu);
    k->warm = 1;
    if (k->nreq > 1) k->nreq = 1; /* req[0] is being computed (or is next) */
    /* The answers stay: the new firmware takes those that match a blob it
       asks for again and drops the others. */
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

void zs_fwkzg_counts(zs_fwkzg_t *k, uint64_t *answered, uint64_t *failed)
{
    pthread_mutex_lock(&k->mu);
    *answered = k->answered;
    *failed = k->failed;
    pthread_mutex_unlock(&k->mu);
}
