#include "host/accel/zs_accel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/card/zs_card_batch.h"
#include "fpga/kernels/zs_kernels.h"
#include "host/state/zs_hashpool.h"
#include "lib/base/zs_time.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/kzg/zs_kzg.h"
#include "lib/poseidon/zs_poseidon.h"

/* Card buffers for one job, reused: in, out and aux grow to the largest
   batch seen.  A set whose job was lost (timed out) is never reused: the
   card may still write into it. */
typedef struct staging {
    struct staging *next;
    zs_card_buf_t *in, *out, *aux;
} staging_t;

struct zs_accel {
    zs_accel_opts_t o;
    zs_card_t *card;
    zs_card_batch_t *small_keccak; /* coalescing of small batches, when asked */
    int use_card; /* jobs leave the CPU (sim, xrt); the cpu backend hashes inline */
    pthread_mutex_t mu;
    staging_t *free_sets, *lost_sets;
    unsigned failures_in_row;
    zs_accel_stats_t st;
    uint64_t cpu_permutations, cpu_keccak_msgs; /* atomic, beside st (its copy under mu must not read them) */
    uint64_t rng;
    /* Rates: counters at the last sample. */
    uint64_t last_ns, last_jobs, last_bytes;
};

static void cpu_poseidon(const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    zs_hashpool_hash(in, out, n);
}

static void cpu_keccak(const uint8_t *const *msgs, const size_t *lens, size_t n, uint8_t (*out)[32])
{
    zs_keccak256_batch(msgs, lens, n, out);
}

void zs_accel_keccak_or_cpu(zs_accel_t *a, const uint8_t *const *msgs, const size_t *lens, size_t n,
                            uint8_t (*out)[32])
{
    if (a) zs_accel_keccak(a, msgs, lens, n, out);
    else cpu_keccak(msgs, lens, n, out);
}

zs_accel_t *zs_accel_open(const zs_accel_opts_t *o, char *err, size_t errlen)
{
    zs_accel_t *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (o) a->o = *o;
    const char *b = a->o.backend && *a->o.backend ? a->o.backend : "auto";
    if (!a->o.min_poseidon) a->o.min_poseidon = 2048;
    if (!a->o.min_keccak) a->o.min_keccak = 32;
    if (!a->o.min_keccak_bytes) a->o.min_keccak_bytes = 65536;
    if (!a->o.verify_every) a->o.verify_every = 64;
    if (a->o.timeout_ms <= 0) a->o.timeout_ms = 1000;
    if (!a->o.max_failures) a->o.max_failures = 3;
    char note[320] = "";
    a->card = zs_card_open(b, &a->o.card, note, sizeof note);
    if (!a->card) {
        snprintf(err, errlen, "%s", note);
        free(a);
        return NULL;
    }
    snprintf(a->st.requested, sizeof a->st.requested, "%s", b);
    if (!strcmp(b, "auto") && note[0]) snprintf(a->st.note, sizeof a->st.note, "no card: %s", note);
    a->st.backend = zs_card_backend(a->card);
    a->use_card = zs_card_offloads(a->card);
    if (a->use_card && a->o.coalesce_us) {
        zs_card_batch_opts_t bo = {.kernel = ZS_CARD_KECCAK, .max_items = 512, .max_wait_us = a->o.coalesce_us,
                                   .slot_words = 32, .timeout_ms = a->o.timeout_ms};
        if (!(a->small_keccak = zs_card_batch_new(a->card, &bo))) {
            snprintf(err, errlen, "out of memory");
            zs_card_close(a->card);
            free(a);
            return NULL;
        }
    }
    a->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)zs_mono_ns();
    a->last_ns = zs_mono_ns();
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

static void free_sets(zs_card_t *c, staging_t *s)
{
    while (s) {
        staging_t *next = s->next;
        zs_card_free(c, s->in);
        zs_card_free(c, s->out);
        zs_card_free(c, s->aux);
        free(s);
        s = next;
    }
}

void zs_accel_close(zs_accel_t *a)
{
    if (!a) return;
    zs_card_batch_free(a->small_keccak);
    free_sets(a->card, a->free_sets);
    /* Lost jobs may still be running on the card: their buffers go after
       the card has stopped, with the card (its own side of each buffer). */
    zs_card_stop(a->card);
    free_sets(a->card, a->lost_sets);
    zs_card_close(a->card);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* ---- staging buffers ---- */

static int fit(zs_accel_t *a, zs_card_buf_t **b, size_t bytes)
{
    if (*b && zs_card_size(*b) >= bytes) return ZS_OK;
    size_t want = *b ? 2 * zs_card_size(*b) : 4096;
    while (want < bytes) want *= 2;
    zs_card_free(a->card, *b);
    *b = zs_card_alloc(a->card, want);
    return *b ? ZS_OK : ZS_ERR_NOMEM;
}

static staging_t *get_set(zs_accel_t *a, size_t in, size_t out, size_t aux)
{
    pthread_mutex_lock(&a->mu);
    staging_t *s = a->free_sets;
    if (s) a->free_sets = s->next;
    pthread_mutex_unlock(&a->mu);
    if (!s && !(s = calloc(1, sizeof *s))) return NULL;
    if (fit(a, &s->in, in) || fit(a, &s->out, out) || (aux && fit(a, &s->aux, aux))) {
        s->next = NULL;
        free_sets(a->card, s);
        return NULL;
    }
    return s;
}

static void put_set(zs_accel_t *a, staging_t *s, int lost)
{
    pthread_mutex_lock(&a->mu);
    staging_t **list = lost ? &a->lost_sets : &a->free_sets;
    s->next = *list;
    *list = s;
    pthread_mutex_unlock(&a->mu);
}

/* ---- failures ---- */

static uint64_t next_rand(zs_accel_t *a)
{
    pthread_mutex_lock(&a->mu);
    a->rng ^= a->rng << 13;
    a->rng ^= a->rng >> 7;
    a->rng ^= a->rng << 17;
    uint64_t r = a->rng;
    pthread_mutex_unlock(&a->mu);
    return r;
}

/* Asked on every batch: no lock (fallback is written under mu, read
   atomically). */
static int card_usable(zs_accel_t *a)
{
    return a->use_card && !__atomic_load_n(&a->st.fallback, __ATOMIC_RELAXED);
}

static void failed(zs_accel_t *a, int kind, const char *what)
{
    char msg[320] = "";
    pthread_mutex_lock(&a->mu);
    a->st.failures[kind]++;
    if (++a->failures_in_row >= a->o.max_failures && !a->st.fallback) {
        __atomic_store_n(&a->st.fallback, 1, __ATOMIC_RELAXED);
        snprintf(a->st.alarm, sizeof a->st.alarm, "card %s set aside after %u failures in a row (last: %s); hashing on the CPU",
                 a->st.backend, a->failures_in_row, what);
        snprintf(msg, sizeof msg, "%s", a->st.alarm);
    }
    pthread_mutex_unlock(&a->mu);
    if (msg[0] && a->o.alarm) a->o.alarm(a->o.alarm_ctx, msg);
}

static void succeeded(zs_accel_t *a, size_t in_bytes, size_t out_bytes, size_t perms, size_t msgs, size_t checked)
{
    pthread_mutex_lock(&a->mu);
    a->failures_in_row = 0;
    a->st.jobs++;
    a->st.bytes_in += in_bytes;
    a->st.bytes_out += out_bytes;
    a->st.permutations += perms;
    a->st.keccak_msgs += msgs;
    a->st.verified += checked;
    pthread_mutex_unlock(&a->mu);
}

/* Counted on the CPU path of every batch (the frame workers' hot path):
   relaxed atomic adds, no lock. */
static void on_cpu(zs_accel_t *a, size_t perms, size_t msgs)
{
    if (perms) __atomic_add_fetch(&a->cpu_permutations, perms, __ATOMIC_RELAXED);
    if (msgs) __atomic_add_fetch(&a->cpu_keccak_msgs, msgs, __ATOMIC_RELAXED);
}

/* Submits and waits: 0, or the failure (recorded, and *lost set when the
   card may still write the job's buffers). */
static int run_job_ms(zs_accel_t *a, zs_card_job_t *j, int *lost, int timeout_ms)
{
    uint64_t ticket;
    *lost = 0;
    int rc = zs_card_submit(a->card, j, &ticket);
    if (rc) {
        failed(a, ZS_ACCEL_F_SUBMIT, rc == ZS_ERR_FULL ? "the card's queue is full" : "the card refused the job");
        return rc;
    }
    rc = zs_card_wait(a->card, ticket, timeout_ms);
    if (!rc) return ZS_OK;
    zs_card_stats_t cs;
    zs_card_stats(a->card, &cs);
    char what[256];
    if (rc == ZS_ERR_TIMEOUT) {
        *lost = 1;
        zs_card_abandon(a->card, ticket);
        snprintf(what, sizeof what, "a job did not complete in %d ms", timeout_ms);
        failed(a, ZS_ACCEL_F_TIMEOUT, what);
    } else if (rc == ZS_ERR_CORRUPT) {
        failed(a, ZS_ACCEL_F_CORRUPT, "a job's completion record was damaged");
    } else {
        snprintf(what, sizeof what, "a job failed: %s", cs.last_error[0] ? cs.last_error : zs_strerror(rc));
        failed(a, ZS_ACCEL_F_IO, what);
    }
    return rc;
}

static int run_job(zs_accel_t *a, zs_card_job_t *j, int *lost)
{
    return run_job_ms(a, j, lost, a->o.timeout_ms);
}

/* How many outputs to compare, and which: the first check is random, the
   rest follow at a stride. */
static size_t checks_for(const zs_accel_t *a, size_t n)
{
    size_t k = n / a->o.verify_every;
    return k ? k : 1;
}

/* ---- Poseidon ---- */

/* 0 when the card's states agree with the CPU at the sampled indices. */
static int verify_poseidon(zs_accel_t *a, const uint64_t (*in)[12], const uint64_t (*got)[12], size_t n, size_t *checked)
{
    size_t k = checks_for(a, n), stride = n / k, start = next_rand(a) % n;
    for (size_t c = 0; c < k; c++) {
        size_t i = (start + c * stride) % n;
        uint64_t s[12];
        memcpy(s, in[i], sizeof s);
        zs_poseidon_permute(s);
        if (memcmp(s, got[i], sizeof s)) return ZS_ERR_CORRUPT;
    }
    *checked = k;
    return ZS_OK;
}

void zs_accel_poseidon(zs_accel_t *a, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    if (!n) return;
    if (n < a->o.min_poseidon || n > ZS_K_MAX_JOBS || !card_usable(a)) {
        cpu_poseidon(in, out, n);
        on_cpu(a, n, 0);
        return;
    }
    staging_t *s = get_set(a, n * 96, n * 96, 0);
    int lost = 0, rc = s ? ZS_OK : ZS_ERR_NOMEM;
    size_t checked = 0;
    if (s) {
        memcpy(zs_card_map(s->in), in, n * 96);
        zs_card_job_t j = {.kernel = ZS_CARD_POSEIDON, .in = s->in, .out = s->out, .n = (uint32_t)n};
        rc = run_job(a, &j, &lost);
        const uint64_t(*got)[12] = zs_card_map(s->out);
        if (!rc && verify_poseidon(a, in, got, n, &checked)) {
            failed(a, ZS_ACCEL_F_WRONG, "a Poseidon output differed from the CPU's");
            rc = ZS_ERR_CORRUPT;
        }
        if (!rc) {
            for (size_t i = 0; i < n; i++) memcpy(out[i], got[i], 32);
            succeeded(a, n * 96, n * 96, n, 0, checked);
        }
        put_set(a, s, lost);
    }
    if (rc) {
        /* Never a wrong hash: the CPU does the batch again. */
        cpu_poseidon(in, out, n);
        on_cpu(a, n, 0);
    }
}

static int smt_hash(void *ctx, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    zs_accel_poseidon(ctx, in, out, n);
    return ZS_OK;
}

void zs_accel_smt_hasher(zs_accel_t *a, zs_smt_hasher_t *out)
{
    out->ctx = a;
    out->hash_batch = smt_hash;
}

/* ---- Keccak ---- */

/* A small batch in a card job shared with other callers; the first
   message checked against the CPU. */
static void coalesced_keccak(zs_accel_t *a, const uint8_t *const *msgs, const size_t *lens, size_t n,
                             uint8_t (*out)[32])
{
    int rc = zs_card_batch_keccak(a->small_keccak, msgs, lens, n, out);
    if (rc) {
        failed(a, rc == ZS_ERR_TIMEOUT ? ZS_ACCEL_F_TIMEOUT : rc == ZS_ERR_CORRUPT ? ZS_ACCEL_F_CORRUPT : ZS_ACCEL_F_IO,
               "a shared Keccak job failed");
    } else {
        uint8_t h[32];
        size_t i = next_rand(a) % n;
        zs_keccak256(msgs[i], lens[i], h);
        if (memcmp(h, out[i], 32)) {
            failed(a, ZS_ACCEL_F_WRONG, "a Keccak digest differed from the CPU's");
            rc = ZS_ERR_CORRUPT;
        }
    }
    if (rc) {
        cpu_keccak(msgs, lens, n, out);
        on_cpu(a, 0, n);
        return;
    }
    pthread_mutex_lock(&a->mu);
    a->failures_in_row = 0;
    a->st.keccak_msgs += n;
    a->st.verified++;
    a->st.coalesced_calls++;
    pthread_mutex_unlock(&a->mu);
}

void zs_accel_keccak(zs_accel_t *a, const uint8_t *const *msgs, const size_t *lens, size_t n, uint8_t (*out)[32])
{
    if (!n) return;
    if (!card_usable(a)) { /* the cpu backend, or a card set aside: nothing to weigh */
        cpu_keccak(msgs, lens, n, out);
        on_cpu(a, 0, n);
        return;
    }
    size_t longest = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        total += lens[i];
        if (lens[i] > longest) longest = lens[i];
    }
    /* A slot holds the longest message and at least one byte more. */
    size_t slot_words = longest / 8 + 1;
    int small = n < a->o.min_keccak && total < a->o.min_keccak_bytes;
    if (small && a->small_keccak && longest < 256) {
        coalesced_keccak(a, msgs, lens, n, out);
        return;
    }
    if (small || slot_words > ZS_K_KECCAK_MAX_WORDS || n > ZS_K_MAX_JOBS) {
        cpu_keccak(msgs, lens, n, out);
        on_cpu(a, 0, n);
        return;
    }
    size_t slot = slot_words * 8;
    staging_t *s = get_set(a, n * slot, n * 32, n * 4);
    int lost = 0, rc = s ? ZS_OK : ZS_ERR_NOMEM;
    if (s) {
        uint8_t *data = zs_card_map(s->in);
        uint32_t *l = zs_card_map(s->aux);
        for (size_t i = 0; i < n; i++) {
            memcpy(data + i * slot, msgs[i], lens[i]);
            l[i] = (uint32_t)lens[i];
        }
        zs_card_job_t j = {.kernel = ZS_CARD_KECCAK, .in = s->in, .aux = s->aux, .out = s->out, .n = (uint32_t)n,
                           .arg = {slot_words}};
        rc = run_job(a, &j, &lost);
        const uint8_t(*got)[32] = zs_card_map(s->out);
        size_t k = checks_for(a, n), stride = n / k, start = next_rand(a) % n;
        for (size_t c = 0; !rc && c < k; c++) {
            size_t i = (start + c * stride) % n;
            uint8_t h[32];
            zs_keccak256(msgs[i], lens[i], h);
            if (memcmp(h, got[i], 32)) {
                failed(a, ZS_ACCEL_F_WRONG, "a Keccak digest differed from the CPU's");
                rc = ZS_ERR_CORRUPT;
            }
        }
        if (!rc) {
            memcpy(out, got, n * 32);
            succeeded(a, n * slot + n * 4, n * 32, 0, n, k);
        }
        put_set(a, s, lost);
    }
    if (rc) {
        cpu_keccak(msgs, lens, n, out);
        on_cpu(a, 0, n);
    }
}

/* ---- KZG ---- */

#define KZG_TIMEOUT_MS 30000 /* a blob is ~0.4 s of one core; a loaded box may take far longer */
#define KZG_SAMPLE 4         /* cell proofs of a card's result verified on the CPU */

/* 0 when a sample of the card's cell proofs (and through them its
   commitment) verifies against the blob's own cells. */
static int verify_kzg(zs_accel_t *a, const zs_kzg_t *k, const uint8_t *blob, const uint8_t *got)
{
    uint8_t(*cells)[ZS_KZG_CELL_BYTES] = malloc(128 * (size_t)ZS_KZG_CELL_BYTES);
    uint8_t cs[KZG_SAMPLE][ZS_KZG_CELL_BYTES], ps[KZG_SAMPLE][48];
    uint64_t idx[KZG_SAMPLE], start = next_rand(a) % 128;
    int ok = 0, rc = cells ? zs_kzg_cells(k, blob, cells, NULL) : ZS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < KZG_SAMPLE; i++) {
        idx[i] = (start + i * (128 / KZG_SAMPLE)) % 128;
        memcpy(cs[i], cells[idx[i]], ZS_KZG_CELL_BYTES);
        memcpy(ps[i], got + 48 + 48 * idx[i], 48);
    }
    if (!rc) rc = zs_kzg_verify_cells(k, got, KZG_SAMPLE, idx, (const uint8_t(*)[ZS_KZG_CELL_BYTES])cs,
                                      (const uint8_t(*)[48])ps, &ok);
    free(cells);
    return rc ? rc : ok ? ZS_OK : ZS_ERR_CORRUPT;
}

/* Through the card: 0 with the result in commitment and proofs. */
static int kzg_on_card(zs_accel_t *a, const zs_kzg_t *k, const uint8_t *blob, uint8_t commitment[48],
                       uint8_t (*proofs)[48])
{
    staging_t *s = get_set(a, ZS_CARD_KZG_IN, ZS_CARD_KZG_OUT, 0);
    if (!s) return ZS_ERR_NOMEM;
    memcpy(zs_card_map(s->in), blob, ZS_CARD_KZG_IN);
    zs_card_job_t j = {.kernel = ZS_CARD_KZG_BLOB, .in = s->in, .out = s->out, .n = 1};
    int lost, rc = run_job_ms(a, &j, &lost, KZG_TIMEOUT_MS);
    const uint8_t *got = zs_card_map(s->out);
    if (!rc && (rc = verify_kzg(a, k, blob, got)) == ZS_ERR_CORRUPT)
        failed(a, ZS_ACCEL_F_WRONG, "a blob's KZG cell proofs did not verify on the CPU");
    if (!rc) {
        memcpy(commitment, got, 48);
        memcpy(proofs, got + 48, 128 * 48);
        succeeded(a, ZS_CARD_KZG_IN, ZS_CARD_KZG_OUT, 0, 0, KZG_SAMPLE);
        __atomic_add_fetch(&a->st.kzg_blobs, 1, __ATOMIC_RELAXED);
    }
    put_set(a, s, lost);
    return rc;
}

int zs_accel_kzg_blob(zs_accel_t *a, const zs_kzg_t *k, const uint8_t *blob, uint8_t commitment[48],
                      uint8_t (*cell_proofs)[48])
{
    if (a && !__atomic_load_n(&a->st.fallback, __ATOMIC_RELAXED) &&
        kzg_on_card(a, k, blob, commitment, cell_proofs) == ZS_OK)
        return ZS_OK;
    int rc = zs_kzg_commit(k, blob, commitment);
    if (!rc) rc = zs_kzg_cells(k, blob, NULL, cell_proofs);
    if (!rc && a) __atomic_add_fetch(&a->st.cpu_kzg_blobs, 1, __ATOMIC_RELAXED);
    return rc;
}

/* ---- health ---- */

zs_card_t *zs_accel_card(zs_accel_t *a) { return a->card; }

void zs_accel_stats(zs_accel_t *a, zs_accel_stats_t *out)
{
    zs_card_stats_t cs;
    zs_card_stats(a->card, &cs);
    pthread_mutex_lock(&a->mu);
    uint64_t now = zs_mono_ns(); /* under the lock: another caller's later clock may have been stored */
    uint64_t bytes = a->st.bytes_in + a->st.bytes_out;
    double dt = (double)(now - a->last_ns) / 1e9;
    if (dt >= 1.0) {
        a->st.jobs_per_s = (double)(a->st.jobs - a->last_jobs) / dt;
        a->st.bytes_per_s = (double)(bytes - a->last_bytes) / dt;
        a->last_ns = now;
        a->last_jobs = a->st.jobs;
        a->last_bytes = bytes;
    }
    *out = a->st;
    pthread_mutex_unlock(&a->mu);
    out->cpu_permutations = __atomic_load_n(&a->cpu_permutations, __ATOMIC_RELAXED);
    out->cpu_keccak_msgs = __atomic_load_n(&a->cpu_keccak_msgs, __ATOMIC_RELAXED);
    out->queue_depth = cs.queue_depth;
    if (a->small_keccak) {
        zs_card_batch_stats_t bs;
        zs_card_batch_stats(a->small_keccak, &bs);
        out->coalesced_jobs = bs.rounds;
    }
    if (a->use_card) snprintf(out->device, sizeof out->device, "%s", cs.device);
    else snprintf(out->device, sizeof out->device, "lib/ on the calling threads, large batches shared with the hash helpers");
}

/* Fresh inputs for the self-test: a counter through a mixing step. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return x;
}

int zs_accel_selftest(zs_accel_t *a, char *report, size_t reportlen)
{
    if (!a->use_card) {
        snprintf(report, reportlen, "backend %s: no card to test (hashing on the CPU)", a->st.backend);
        return ZS_OK;
    }
    enum { NP = 256, NK = 64, LG = 10 };
    uint64_t seed = next_rand(a);
    staging_t *s = get_set(a, (size_t)NP * 96, (size_t)NP * 96, (size_t)NP * 96);
    if (!s) {
        snprintf(report, reportlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    int rc = ZS_OK, lost = 0;
    const char *what = "";
    uint64_t(*st)[12] = zs_card_map(s->in), want[NP][12];
    /* Poseidon permutations. */
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < 12; k++) st[i][k] = want[i][k] = mix(seed + 12u * (unsigned)i + (unsigned)k) % ZS_GL_P;
    zs_poseidon_permute_batch(want, NP);
    zs_card_job_t j = {.kernel = ZS_CARD_POSEIDON, .in = s->in, .out = s->out, .n = NP};
    if (!(rc = run_job(a, &j, &lost)) && memcmp(zs_card_map(s->out), want, sizeof want)) rc = ZS_ERR_CORRUPT, what = "poseidon_gl";
    /* Merkle level (leaf capacity). */
    if (!rc) {
        zs_card_job_t m = {.kernel = ZS_CARD_MERKLE, .in = s->in, .out = s->out, .n = NP * 96 / 64, .arg = {1, 0, 0, 0}};
        const uint64_t(*kids)[8] = (const uint64_t(*)[8])zs_card_map(s->in);
        if (!(rc = run_job(a, &m, &lost)))
            for (uint32_t i = 0; i < m.n && !rc; i++) {
                uint64_t h[4];
                zs_poseidon_hash(kids[i], (const uint64_t[4]){1, 0, 0, 0}, h);
                if (memcmp(h, (uint64_t *)zs_card_map(s->out) + 4 * i, 32)) rc = ZS_ERR_CORRUPT, what = "merkle_level";
            }
    }
    /* Keccak: messages of every length 0..NK-1 in 8-word slots... */
    if (!rc) {
        uint8_t *data = zs_card_map(s->in);
        uint32_t *l = zs_card_map(s->aux);
        for (int i = 0; i < NK; i++) l[i] = (uint32_t)i;
        zs_card_job_t k = {.kernel = ZS_CARD_KECCAK, .in = s->in, .aux = s->aux, .out = s->out, .n = NK, .arg = {8}};
        if (!(rc = run_job(a, &k, &lost)))
            for (int i = 0; i < NK && !rc; i++) {
                uint8_t h[32];
                zs_keccak256(data + 64 * i, (size_t)i, h);
                if (memcmp(h, (uint8_t *)zs_card_map(s->out) + 32 * i, 32)) rc = ZS_ERR_CORRUPT, what = "keccak256_batch";
            }
    }
    /* ... and an NTT of 2^LG checked at X[1]. */
    if (!rc) {
        uint64_t *v = zs_card_map(s->in), *tw = zs_card_map(s->aux), w = zs_gl_pow(7, (ZS_GL_P - 1) >> LG);
        uint64_t x1 = 0, p = 1;
        tw[0] = 1;
        for (int i = 1; i < (1 << LG) / 2; i++) tw[i] = zs_gl_mul(tw[i - 1], w);
        for (int i = 0; i < (1 << LG); i++) {
            v[i] = mix(seed ^ (uint64_t)i) % ZS_GL_P;
            x1 = zs_gl_add(x1, zs_gl_mul(v[i], p));
            p = zs_gl_mul(p, w);
        }
        zs_card_job_t f = {.kernel = ZS_CARD_NTT, .in = s->in, .aux = s->aux, .arg = {LG}};
        if (!(rc = run_job(a, &f, &lost)) && v[1] != x1) rc = ZS_ERR_CORRUPT, what = "ntt_gl";
    }
    put_set(a, s, lost);
    if (rc) {
        if (rc == ZS_ERR_CORRUPT && *what) failed(a, ZS_ACCEL_F_WRONG, "the self-test's outputs differed from the CPU's");
        zs_card_stats_t cs;
        zs_card_stats(a->card, &cs);
        snprintf(report, reportlen, "self-test failed: %s%s%s", *what ? what : zs_strerror(rc),
                 *what ? " differs from the CPU" : "", cs.last_error[0] && !*what ? cs.last_error : "");
        return rc;
    }
    char msg[320] = "";
    pthread_mutex_lock(&a->mu);
    if (a->st.fallback) snprintf(msg, sizeof msg, "card %s passed its self-test: taken back", a->st.backend);
    __atomic_store_n(&a->st.fallback, 0, __ATOMIC_RELAXED);
    a->st.alarm[0] = 0;
    a->failures_in_row = 0;
    pthread_mutex_unlock(&a->mu);
    if (msg[0] && a->o.alarm) a->o.alarm(a->o.alarm_ctx, msg);
    snprintf(report, reportlen, "self-test passed: poseidon_gl, merkle_level, keccak256_batch and ntt_gl agree with the CPU");
    return ZS_OK;
}
