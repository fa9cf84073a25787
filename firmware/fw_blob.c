/* The firmware's blobs (fw_blob.h). */
#include "firmware/fw_blob.h"

#include <stdio.h>
#include <string.h>

#include "lib/blob/zs_blob.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"

#define BLOB_BATCHES_MAX 64 /* batches one blob carries at most */

/* Scratch in static memory (one firmware per program): the batches' data
   while a blob is laid out, and the cells of the blob being checked. */
static uint8_t batch_data[ZS_BLOB_MAX_DATA];
static uint8_t blob_buf[FW_BLOB_BYTES];
static uint8_t cells[128][ZS_KZG_CELL_BYTES];

/* The trusted setup, read once per program (tens of milliseconds from its
   prepared form, 2-3 s from the text) and kept: a firmware restarted in
   the same program (the tests) reuses it. */
static zs_kzg_t *setup;

void fw_blob_init(fw_blobs_t *b, const zs_hal_t *hal, fw_log_t *log, fw_journal_t *j)
{
    memset(b, 0, sizeof *b);
    b->hal = hal;
    b->log = log;
    b->j = j;
}

int fw_blob_available(fw_blobs_t *b)
{
    if (b->kzg || b->why[0]) return b->kzg != NULL;
    char err[160];
    if (!setup) setup = zs_kzg_open(NULL, 0, err, sizeof err);
    if (!setup) {
        snprintf(b->why, sizeof b->why, "no KZG trusted setup: %.90s", err);
        fw_alarm(b->log, "blobs unavailable (%s); L1 data goes as calldata", b->why);
        return 0;
    }
    b->kzg = setup;
    fw_log(b->log, "KZG trusted setup loaded from %s: blobs available", zs_kzg_loaded_from(setup));
    return 1;
}

static void ask_resend(fw_blobs_t *b, uint64_t from)
{
    if (!b->resend_from || from < b->resend_from) b->resend_from = from;
}

/* The batches from `first` that one blob holds: fills s->first, last,
   max_ts, data_len, coinbase.  0 when there is none yet. */
static size_t plan(fw_blobs_t *b, uint64_t first, uint64_t last_sealed, fw_blob_t *s)
{
    size_t lens[BLOB_BATCHES_MAX], n = 0;
    for (uint64_t k = first; k <= last_sealed && n < BLOB_BATCHES_MAX; k++) {
        const fw_batch_t *bt = fw_journal_find(b->j, k);
        if (!bt || !bt->has_data) {
            ask_resend(b, k);
            break;
        }
        if (bt->forced || (n && memcmp(bt->coinbase, s->coinbase, 20))) break;
        lens[n] = bt->l2len;
        if (zs_blob_data_len(lens, n + 1) > ZS_BLOB_MAX_DATA) break;
        if (!n) memcpy(s->coinbase, bt->coinbase, 20);
        s->last = k;
        if (bt->timestamp > s->max_ts) s->max_ts = bt->timestamp;
        n++;
    }
    if (n) {
        s->first = first;
        s->data_len = zs_blob_data_len(lens, n);
    }
    return n;
}

int fw_blob_bytes(fw_blobs_t *b, const fw_blob_t *s, uint8_t *out)
{
    const uint8_t *ptrs[BLOB_BATCHES_MAX];
    size_t lens[BLOB_BATCHES_MAX], used = 0, n = 0;
    for (uint64_t k = s->first; k <= s->last; k++, n++) {
        const fw_batch_t *bt = fw_journal_find(b->j, k);
        size_t len;
        uint8_t h[32];
        if (!bt || !bt->has_data || used + bt->l2len > sizeof batch_data ||
            fw_journal_batch_data(b->j, k, batch_data + used, sizeof batch_data - used, &len)) {
            ask_resend(b, k);
            return ZS_ERR_NOTFOUND;
        }
        zs_keccak256(batch_data + used, len, h);
        if (len != bt->l2len || memcmp(h, bt->batch_hash, 32)) {
            fw_alarm(b->log, "journaled data of batch %llu does not match its hash; asking the host again",
                     (unsigned long long)k);
            ask_resend(b, k);
            return ZS_ERR_CORRUPT;
        }
        ptrs[n] = batch_data + used;
        lens[n] = len;
        used += len;
    }
    long rc = zs_blob_encode(ptrs, lens, n, ZS_BLOB_EIP4844, out, FW_BLOB_BYTES);
    return rc < 0 ? (int)rc : ZS_OK;
}

/* A slot for a new blob: a free one, else the one furthest ahead. */
static fw_blob_t *slot_for(fw_blobs_t *b)
{
    fw_blob_t *pick = NULL;
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++) {
        fw_blob_t *s = &b->slots[i];
        if (s->state == FW_BLOB_FREE) return s;
        if (!pick || s->first > pick->first) pick = s;
    }
    return pick;
}

fw_blob_t *fw_blob_get(fw_blobs_t *b, uint64_t first, uint64_t last_sealed)
{
    if (!fw_blob_available(b)) return NULL;
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++) {
        fw_blob_t *s = &b->slots[i];
        if (s->state != FW_BLOB_FREE && s->first == first) return s->state == FW_BLOB_READY ? s : NULL;
    }
    fw_blob_t t;
    memset(&t, 0, sizeof t);
    if (!plan(b, first, last_sealed, &t) || fw_blob_bytes(b, &t, blob_buf)) return NULL;
    zs_keccak256(blob_buf, FW_BLOB_BYTES, t.data_hash);
    t.state = FW_BLOB_ASKED;
    *slot_for(b) = t;
    return NULL;
}

int fw_blob_next_request(fw_blobs_t *b, uint64_t now_ms, zs_mbox_kzg_req_t *req)
{
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++) {
        fw_blob_t *s = &b->slots[i];
        if (s->state != FW_BLOB_ASKED || (s->sent && now_ms - s->asked_ms < FW_BLOB_ASK_AGAIN_MS)) continue;
        if (!s->first_asked_ms) s->first_asked_ms = now_ms;
        s->sent = 1;
        s->asked_ms = now_ms;
        memset(req, 0, sizeof *req);
        req->first = s->first;
        req->last = s->last;
        memcpy(req->data_hash, s->data_hash, 32);
        return 1;
    }
    return 0;
}

void fw_blob_not_asked(fw_blobs_t *b, const zs_mbox_kzg_req_t *req)
{
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++) {
        fw_blob_t *s = &b->slots[i];
        if (s->state == FW_BLOB_ASKED && s->first == req->first && s->last == req->last) s->sent = 0;
    }
}

/* The host's commitment and proofs against this blob: NULL, or what failed. */
static const char *check(fw_blobs_t *b, const zs_mbox_kzg_t *a, const uint8_t *blob)
{
    static uint64_t idx[128];
    int ok = 0;
    uint8_t z[32];
    for (uint64_t i = 0; i < 128; i++) idx[i] = i;
    if (zs_kzg_cells(b->kzg, blob, cells, NULL)) return "the blob's cells cannot be computed";
    if (zs_kzg_verify_cells(b->kzg, a->commitment, 128, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cells,
                            (const uint8_t(*)[48])a->cell_proofs, &ok) ||
        !ok)
        return "the cell proofs do not verify against the commitment";
    if (zs_blob_point_z(a->commitment, blob, FW_BLOB_BYTES, z)) return "z cannot be computed";
    if (memcmp(z, a->z, 32)) return "z is not the blob's";
    if (zs_kzg_verify_proof(b->kzg, a->commitment, z, a->y, a->proof, &ok) || !ok)
        return "the proof of p(z) = y does not verify";
    if (zs_kzg_verify_blob_proof(b->kzg, blob, a->commitment, a->blob_proof, &ok) || !ok)
        return "the blob proof does not verify";
    return NULL;
}

int fw_blob_answer(fw_blobs_t *b, const zs_mbox_kzg_t *a)
{
    fw_blob_t *s = NULL;
    for (size_t i = 0; i < FW_BLOB_SLOTS && !s; i++) {
        fw_blob_t *c = &b->slots[i];
        if (c->state == FW_BLOB_ASKED && c->first == a->first && c->last == a->last &&
            !memcmp(c->data_hash, a->data_hash, 32))
            s = c;
    }
    if (!s) return ZS_ERR_NOTFOUND; /* an answer to a request forgotten since */
    if (a->status) {
        fw_log(b->log, "the host could not compute the KZG of batches %llu..%llu: %s; asking again later",
               (unsigned long long)a->first, (unsigned long long)a->last, zs_strerror(a->status));
        return ZS_ERR_REFUSED;
    }
    const char *why = fw_blob_bytes(b, s, blob_buf) ? "the blob cannot be rebuilt" : check(b, a, blob_buf);
    if (why) {
        b->refused++;
        fw_alarm(b->log, "the host's KZG for batches %llu..%llu refused: %s; asking again later",
                 (unsigned long long)a->first, (unsigned long long)a->last, why);
        return ZS_ERR_CRYPTO;
    }
    memcpy(s->commitment, a->commitment, 48);
    memcpy(s->z, a->z, 32);
    memcpy(s->y, a->y, 32);
    memcpy(s->proof, a->proof, 48);
    memcpy(s->blob_proof, a->blob_proof, 48);
    memcpy(s->cell_proofs, a->cell_proofs, sizeof s->cell_proofs);
    zs_blob_versioned_hash(s->commitment, s->versioned);
    s->state = FW_BLOB_READY;
    b->checked++;
    return ZS_OK;
}

uint64_t fw_blob_asked_ms(const fw_blobs_t *b, uint64_t first)
{
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++) {
        const fw_blob_t *s = &b->slots[i];
        if (s->state == FW_BLOB_ASKED && s->sent && s->first == first) return s->first_asked_ms;
    }
    return 0;
}

void fw_blob_forget_upto(fw_blobs_t *b, uint64_t batch)
{
    for (size_t i = 0; i < FW_BLOB_SLOTS; i++)
        if (b->slots[i].state != FW_BLOB_FREE && b->slots[i].last <= batch) b->slots[i].state = FW_BLOB_FREE;
}
