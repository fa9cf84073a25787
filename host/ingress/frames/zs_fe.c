#include "host/ingress/frames/zs_fe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_time.h"
#include "lib/tx/zs_tx.h"

_Static_assert(ZS_POOL_REASON_COUNT == 20, "PROTOCOL.md's reason table follows zs_pool_reason_t");

#define CONFIRM_SLOTS (1u << 16) /* transactions awaiting a confirmation */
#define RING ZS_FRAME_ANSWERS_KEPT /* answers kept per client (PROTOCOL.md) */
#define MAX_CLIENTS 64   /* clients whose retries are recognized */
#define BUSY_HOLD_NS 1000000000ull

typedef struct job {
    uint8_t *frame;
    size_t len;
    zs_fe_peer_t peer;
    uint64_t ticket;
    uint64_t rx_ns;                    /* when the frame arrived (monotonic) */
    uint64_t stage_ns[ZS_STAGE_COUNT]; /* when each stage ended (zs_metrics.h) */
    zs_submit_frame_t f;
    const zs_ingress_key_t *key;
    zs_submit_t sub[ZS_FRAME_MAX_TXS]; /* admission results, for the acker */
    uint64_t mine;                     /* bits: its transactions whose clients want confirmations */
    zs_tx_t *tx;                       /* decoded and their senders (f.n each, stored after the job), */
    uint8_t (*sender)[20];             /* for whichever worker admits the frame */
    struct job *next;                  /* the ack queue */
} job_t;

/* A transaction whose client asked for confirmations: at execution
   (WANT_EXEC, version 2) and when its block is durable (WANT_DURABLE). */
enum { WANT_DURABLE = 1, WANT_EXEC = 2 };
typedef struct {
    uint8_t hash[32];
    uint64_t client, seq;
    zs_fe_peer_t peer;
    const zs_ingress_key_t *key;
    uint8_t version, want; /* want 0: a free slot */
} pending_t;

typedef struct {
    uint64_t client;
    int used;
    /* The smallest sequence number refused "busy" (0: none) and when: the
       client's larger numbers are refused "busy" too until it comes again
       (for up to BUSY_HOLD_NS), so a client numbering its frames in order
       keeps its order across a full queue. */
    uint64_t busy_seq, busy_ns;
    /* A frame refused busy in its admission turn (0: none) and when: its
       client's later frames already on their way are refused busy too,
       up to the ticket its resend got (0: not resent yet). */
    uint64_t hold_seq, hold_ns, hold_ticket;
    uint64_t seq[RING];
    uint8_t state[RING]; /* 0 free, 1 in progress, 2 answered */
    uint8_t *answer[RING];
    uint16_t alen[RING];
} client_t;

/* Verified frames wait for their admission turn here (ticket % REORDER):
   no worker sleeps for its turn, the one that finds the next ticket ready
   admits it and every ready one after it (a worker sleeping on its turn
   cost a futex wait and wake a frame). */
#define REORDER 256

struct zs_fe {
    zs_node_t *node;
    zs_fe_cfg_t cfg;
    zs_ingress_key_t *keys;
    int stopping;
    pthread_t *workers;
    unsigned nworkers;

    pthread_mutex_t qmu; /* the queue */
    pthread_cond_t qcv;
    job_t **q;
    size_t qhead, qn;
    uint64_t next_ticket;

    pthread_mutex_t tmu; /* admission order */
    pthread_cond_t tcv;  /* room in the reorder ring */
    uint64_t admit_ticket;
    job_t *ready[REORDER];
    int admitting;       /* a worker is admitting the ready run */
    unsigned room_waiting;

    pthread_mutex_t cmu; /* the answer cache */
    client_t *clients;

    int listening; /* registered as a block listener */
    pthread_mutex_t pmu; /* confirmations to send */
    pending_t *pend;
    pthread_t execer; /* follows the executed transactions' table */
    int execer_started, exec_stop;
    /* Under pmu: slots that want an execution confirmation, and where in
       the table the execer starts when it wakes from idle (read before
       the first of them was admitted). */
    uint64_t exec_wanted, exec_from;
    pthread_cond_t xcv;

    pthread_mutex_t amu; /* admitted frames waiting for their group commit */
    pthread_cond_t acv;
    job_t *ack_head, *ack_tail;
    pthread_t acker;
    int acker_started, ack_stop;

    zs_ingress_stats_t st; /* atomics */
};

#define COUNT(u, field, k) __atomic_fetch_add(&(u)->st.field, (k), __ATOMIC_RELAXED)

void zs_fe_stats(zs_fe_t *u, zs_ingress_stats_t *out)
{
    uint64_t *dst = (uint64_t *)out, *src = (uint64_t *)&u->st;
    for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++) dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void zs_fe_count_error(zs_fe_t *u, zs_frame_err_t e)
{
    COUNT(u, rx_frames, 1);
    COUNT(u, frame_errors[e], 1);
}

static const zs_ingress_key_t *find_key(const zs_fe_t *u, uint64_t client)
{
    for (size_t i = 0; i < u->cfg.nkeys; i++)
        if (u->keys[i].client == client) return &u->keys[i];
    return NULL;
}

/* The cache slot of a client, creating it while there is room; NULL when
   the table is full (then retries of that client are not recognized). */
static client_t *client_of(zs_fe_t *u, uint64_t client)
{
    size_t j = (size_t)(client * 0x9e3779b97f4a7c15ull >> 58) % MAX_CLIENTS;
    for (size_t k = 0; k < MAX_CLIENTS; k++, j = (j + 1) % MAX_CLIENTS) {
        client_t *c = &u->clients[j];
        if (c->used && c->client == client) return c;
        if (!c->used) {
            c->used = 1;
            c->client = client;
            return c;
        }
    }
    return NULL;
}

static void send_to(zs_fe_t *u, const zs_fe_peer_t *peer, const uint8_t *p, size_t len)
{
    if (!u->cfg.send(u->cfg.send_ctx, peer, p, len)) COUNT(u, tx_frames, 1);
}

/* ---- Workers. */

static void remember(zs_fe_t *u, uint64_t client, uint64_t seq, const uint8_t *ans, size_t len)
{
    pthread_mutex_lock(&u->cmu);
    client_t *c = client_of(u, client);
    size_t slot = seq % RING;
    if (c && c->seq[slot] == seq && c->state[slot] == 1) {
        uint8_t *copy = malloc(len);
        if (copy) {
            memcpy(copy, ans, len);
            free(c->answer[slot]);
            c->answer[slot] = copy;
            c->alen[slot] = (uint16_t)len;
            c->state[slot] = 2;
        } else {
            c->state[slot] = 0;
        }
    }
    pthread_mutex_unlock(&u->cmu);
}

/* The pending confirmations: an open-addressed table (linear probing,
   deletion by shifting the cluster back), under pmu. */
#define PROBES 256

static size_t home_of(const uint8_t hash[32])
{
    uint64_t h;
    memcpy(&h, hash, 8);
    return (size_t)(h & (CONFIRM_SLOTS - 1));
}

/* The slot holding hash, or NULL. */
static pending_t *pending_find(zs_fe_t *u, const uint8_t hash[32])
{
    for (size_t i = home_of(hash), k = 0; k < PROBES && u->pend[i].want; i = (i + 1) & (CONFIRM_SLOTS - 1), k++)
        if (!memcmp(u->pend[i].hash, hash, 32)) return &u->pend[i];
    return NULL;
}

/* A free slot for hash, or NULL when its neighbourhood is full. */
static pending_t *pending_free_slot(zs_fe_t *u, const uint8_t hash[32])
{
    for (size_t i = home_of(hash), k = 0; k < PROBES; i = (i + 1) & (CONFIRM_SLOTS - 1), k++)
        if (!u->pend[i].want) return &u->pend[i];
    return NULL;
}

/* Frees slot p, moving later members of its cluster back so every entry
   stays reachable from its home slot. */
static void pending_remove(zs_fe_t *u, pending_t *p)
{
    size_t mask = CONFIRM_SLOTS - 1, i = (size_t)(p - u->pend);
    if (u->pend[i].want & WANT_EXEC) u->exec_wanted--;
    for (size_t j = (i + 1) & mask; u->pend[j].want; j = (j + 1) & mask) {
        size_t h = home_of(u->pend[j].hash);
        /* Entry j may move to i when its home is not within (i, j]. */
        if (((j - h) & mask) >= ((j - i) & mask)) {
            u->pend[i] = u->pend[j];
            i = j;
        }
    }
    u->pend[i].want = 0;
}

/* Registers the frame's decoded transactions for the confirmations its
   client asked for; a bit per transaction it registered. */
static uint64_t want_confirms(zs_fe_t *u, const job_t *job, const zs_submit_t *sub)
{
    const zs_submit_frame_t *f = &job->f;
    uint8_t want = (f->flags & ZS_FRAME_FLAG_CONFIRM ? WANT_DURABLE : 0) | (f->flags & ZS_FRAME_FLAG_EXECUTED ? WANT_EXEC : 0);
    uint64_t mine = 0;
    if (!want) return 0;
    pthread_mutex_lock(&u->pmu);
    for (uint16_t i = 0; i < f->n; i++) {
        if (sub[i].reason != ZS_POOL_OK || pending_find(u, sub[i].hash)) continue; /* someone else's, already pooled */
        pending_t *p = pending_free_slot(u, sub[i].hash);
        if (!p) {
            COUNT(u, confirms_dropped, 1);
            continue;
        }
        if ((want & WANT_EXEC) && !u->exec_wanted++) {
            u->exec_from = zs_executed_count(zs_node_executed(u->node));
            pthread_cond_signal(&u->xcv);
        }
        *p = (pending_t){.client = f->client, .seq = f->seq, .peer = job->peer, .key = job->key,
                         .version = f->version, .want = want};
        memcpy(p->hash, sub[i].hash, 32);
        mine |= 1ull << i;
    }
    pthread_mutex_unlock(&u->pmu);
    return mine;
}

/* The frame's transactions of the bits in drop will not run (admission
   refused them, or the whole frame): their slots are free again. */
static void unwant(zs_fe_t *u, const zs_submit_t *sub, uint16_t n, uint64_t drop)
{
    pthread_mutex_lock(&u->pmu);
    for (uint16_t i = 0; i < n; i++) {
        pending_t *p = drop >> i & 1 ? pending_find(u, sub[i].hash) : NULL;
        if (p) pending_remove(u, p);
    }
    pthread_mutex_unlock(&u->pmu);
}

/* Under cmu: the client's frame seq refused busy: its in-progress mark
   forgotten (a retry is processed) and the client's later frames refused
   busy as they come until seq comes again (zs_fe_submit lifts it). */
static void hold_client(client_t *c, uint64_t seq)
{
    if (c->seq[seq % RING] == seq) c->state[seq % RING] = 0;
    if (!c->busy_seq || seq < c->busy_seq) c->busy_seq = seq;
    c->busy_ns = zs_mono_ns();
}

static void refuse_frame(zs_fe_t *u, const zs_fe_peer_t *peer, const zs_submit_frame_t *f, zs_frame_err_t e,
                         const zs_ingress_key_t *key);

/* In its admission turn: 1 when the frame must be refused busy: its client
   is held back after an earlier frame refused busy, or the sequencer is
   behind one of its senders (that sender's next transactions would meet
   its max_per_sender limit, refused account_limit, and the rest of its
   frames in flight nonce_too_high; busy holds the client's later frames
   back until it resends this one, in order). */
static int held_back(zs_fe_t *u, const job_t *job)
{
    const zs_submit_frame_t *f = &job->f;
    pthread_mutex_lock(&u->cmu);
    client_t *c = client_of(u, f->client);
    int held = 0;
    if (c && c->hold_seq) {
        if (zs_mono_ns() - c->hold_ns >= BUSY_HOLD_NS)
            c->hold_seq = c->hold_ticket = 0; /* the client gave that frame up */
        else if (f->seq == c->hold_seq && c->hold_ticket && job->ticket >= c->hold_ticket)
            c->hold_seq = c->hold_ticket = 0; /* sent again, and in its turn now */
        else
            held = f->seq > c->hold_seq && (!c->hold_ticket || job->ticket < c->hold_ticket);
    }
    pthread_mutex_unlock(&u->cmu);
    uint64_t ok = 0;
    for (uint16_t i = 0; i < f->n; i++)
        if (job->sub[i].reason == ZS_POOL_OK) ok |= 1ull << i;
    return held || (ok && zs_pool_senders_behind(zs_node_pool(u->node), (const uint8_t(*)[20])job->sender, f->n, ok));
}

/* The frame refused busy in its turn, nothing of it admitted: its
   confirmations unregistered, its client held back from here on (as when
   the queue is full), the job freed. */
static void refuse_busy(zs_fe_t *u, job_t *job)
{
    const zs_submit_frame_t *f = &job->f;
    if (job->mine) unwant(u, job->sub, f->n, job->mine);
    pthread_mutex_lock(&u->cmu);
    client_t *c = client_of(u, f->client);
    if (c) {
        hold_client(c, f->seq);
        if (!c->hold_seq || f->seq <= c->hold_seq) c->hold_seq = f->seq, c->hold_ticket = 0; /* and those on their way */
        c->hold_ns = c->busy_ns;
    }
    pthread_mutex_unlock(&u->cmu);
    COUNT(u, sequencer_behind, 1);
    refuse_frame(u, &job->peer, f, ZS_FRAME_BUSY, job->key);
    free(job->frame);
    free(job);
}

/* A verified frame's transactions admitted (in its ticket's turn) and the
   frame handed to the acker, which answers once the group commit is done. */
static void admit(zs_fe_t *u, job_t *job)
{
    zs_submit_frame_t *f = &job->f;
    zs_submit_t *sub = job->sub;
    if (held_back(u, job)) {
        refuse_busy(u, job);
        return;
    }
    uint64_t refused = 0;
    for (uint16_t i = 0; i < f->n; i++) {
        if (sub[i].reason == ZS_POOL_OK)
            zs_node_admit_nowait(u->node, f->tx[i], f->len[i], &job->tx[i], job->sender[i], &sub[i]);
        if (sub[i].reason != ZS_POOL_OK) refused |= 1ull << i;
    }
    if (job->mine & refused) unwant(u, sub, f->n, job->mine & refused);
    job->stage_ns[ZS_STAGE_ADMIT] = zs_mono_ns();
    pthread_mutex_lock(&u->amu);
    job->next = NULL;
    if (u->ack_tail)
        u->ack_tail->next = job;
    else
        u->ack_head = job;
    u->ack_tail = job;
    pthread_cond_signal(&u->acv);
    pthread_mutex_unlock(&u->amu);
}

/* Admission in arrival (ticket) order: job waits in the reorder ring; the
   worker that finds the next ticket ready admits the run of ready frames
   from it, unless another worker is doing so (it will see job: it looks
   again under the lock after each frame). */
static void admit_in_order(zs_fe_t *u, job_t *job)
{
    pthread_mutex_lock(&u->tmu);
    u->ready[job->ticket % REORDER] = job;
    if (u->admitting) {
        pthread_mutex_unlock(&u->tmu);
        return;
    }
    u->admitting = 1;
    job_t *j;
    while ((j = u->ready[u->admit_ticket % REORDER])) {
        u->ready[u->admit_ticket % REORDER] = NULL;
        pthread_mutex_unlock(&u->tmu);
        admit(u, j);
        pthread_mutex_lock(&u->tmu);
        u->admit_ticket++;
        if (u->room_waiting) pthread_cond_broadcast(&u->tcv);
    }
    u->admitting = 0;
    pthread_mutex_unlock(&u->tmu);
}

/* A worker holds a ticket at most REORDER past the next to be admitted. */
static void wait_room(zs_fe_t *u, uint64_t ticket)
{
    pthread_mutex_lock(&u->tmu);
    while (ticket - u->admit_ticket >= REORDER) {
        u->room_waiting++;
        pthread_cond_wait(&u->tcv, &u->tmu);
        u->room_waiting--;
    }
    pthread_mutex_unlock(&u->tmu);
}

static void process(zs_fe_t *u, job_t *job)
{
    zs_submit_frame_t *f = &job->f;
    zs_tx_t *tx = job->tx;
    uint8_t(*sender)[20] = job->sender;
    zs_submit_t *sub = job->sub;
    memset(sub, 0, sizeof job->sub);
    /* Verification, in parallel with the other workers: the frame's
       envelope hashes in one Keccak batch, then each sender. */
    size_t lens[ZS_FRAME_MAX_TXS];
    zs_perr_t perr[ZS_FRAME_MAX_TXS];
    int rcs[ZS_FRAME_MAX_TXS];
    for (uint16_t i = 0; i < f->n; i++) lens[i] = f->len[i];
    zs_node_decode_many(u->node, f->tx, lens, f->n, tx, perr, rcs);
    for (uint16_t i = 0; i < f->n; i++) {
        int rc = rcs[i];
        if (rc) {
            sub[i].reason = rc == ZS_ERR_UNSUPPORTED ? ZS_POOL_UNSUPPORTED : ZS_POOL_INVALID;
            continue;
        }
        memcpy(sub[i].hash, tx[i].hash, 32);
        if (zs_tx_recover(&tx[i], sender[i])) sub[i].reason = ZS_POOL_INVALID;
    }
    job->stage_ns[ZS_STAGE_VERIFY] = zs_mono_ns();
    /* Confirmations are registered before admission: the sequencer may
       execute a transaction as soon as it is admitted. */
    job->mine = want_confirms(u, job, sub);
    admit_in_order(u, job);
}

/* Acknowledged once durable: admissions become durable in arrival order,
   so waiting for each frame in queue order costs one wait per group
   commit. */
static void answer(zs_fe_t *u, job_t *job)
{
    zs_submit_frame_t *f = &job->f;
    zs_submit_t *sub = job->sub;
    zs_answer_entry_t e[ZS_FRAME_MAX_TXS];
    uint64_t accepted = 0;
    for (uint16_t i = 0; i < f->n; i++) {
        zs_node_wait_durable(u->node, &sub[i]);
        e[i].status = sub[i].reason != ZS_POOL_OK;
        e[i].reason = (uint8_t)sub[i].reason;
        e[i].index = i;
        e[i].arrival = sub[i].reason == ZS_POOL_OK ? sub[i].seq : 0;
        memcpy(e[i].hash, sub[i].hash, 32);
        accepted += sub[i].reason == ZS_POOL_OK;
        zs_metrics_ingress(u->cfg.path, (int)sub[i].reason);
    }
    job->stage_ns[ZS_STAGE_DURABLE] = zs_mono_ns();
    COUNT(u, txs_accepted, accepted);
    COUNT(u, txs_refused, f->n - accepted);
    uint8_t ans[ZS_FRAME_HEADER + ZS_FRAME_MAX_TXS * ZS_FRAME_ENTRY + ZS_FRAME_MAC];
    zs_frame_to_t to = {.version = f->version, .client = f->client, .seq = f->seq,
                        .key = job->key ? job->key->key : NULL, .keylen = job->key ? job->key->keylen : 0};
    long len = zs_frame_answer(ans, sizeof ans, &to, e, f->n, 0);
    if (len > 0) {
        remember(u, f->client, f->seq, ans, (size_t)len);
        send_to(u, &job->peer, ans, (size_t)len);
        job->stage_ns[ZS_STAGE_SEND] = zs_mono_ns();
        zs_metrics_ack(u->cfg.path, job->stage_ns[ZS_STAGE_SEND] - job->rx_ns);
        for (int s = 0; s < ZS_STAGE_COUNT; s++)
            zs_metrics_stage(u->cfg.path, s, job->stage_ns[s] - (s ? job->stage_ns[s - 1] : job->rx_ns));
    }
}

/* ---- Confirmations: at execution (the executed transactions' table,
   followed by the execer thread) and at a durable block (a node block
   listener on the committer thread). */

typedef struct {
    pending_t p;
    zs_confirm_entry_t e;
} hit_t;

/* Takes the want bit from the transaction's slot: 1 and the slot's
   addressee in *out when its client asked for that confirmation. */
static int take(zs_fe_t *u, const uint8_t hash[32], uint8_t want, pending_t *out)
{
    pthread_mutex_lock(&u->pmu);
    pending_t *p = pending_find(u, hash);
    int hit = p && (p->want & want);
    if (hit) {
        *out = *p;
        if (p->want == want) {
            pending_remove(u, p);
        } else {
            p->want &= (uint8_t)~want;
            if (want & WANT_EXEC) u->exec_wanted--;
        }
    }
    pthread_mutex_unlock(&u->pmu);
    return hit;
}

/* Sends the hits as confirmation frames of kind, one per run of the same
   submit (a frame's transactions are admitted and executed together). */
static void send_confirms(zs_fe_t *u, int kind, const hit_t *h, size_t n)
{
    zs_confirm_entry_t e[ZS_FRAME_MAX_TXS];
    uint8_t buf[ZS_FRAME_HEADER + ZS_FRAME_MAX_TXS * ZS_FRAME_EXEC_ENTRY + ZS_FRAME_MAC];
    for (size_t i = 0; i < n;) {
        const pending_t *p = &h[i].p;
        uint16_t k = 0;
        while (i < n && k < ZS_FRAME_MAX_TXS && h[i].p.client == p->client && h[i].p.seq == p->seq) e[k++] = h[i++].e;
        zs_frame_to_t to = {.version = p->version, .client = p->client, .seq = p->seq,
                            .key = p->key ? p->key->key : NULL, .keylen = p->key ? p->key->keylen : 0};
        long len = zs_frame_confirm(buf, sizeof buf, &to, kind, e, k);
        if (len > 0) {
            send_to(u, &p->peer, buf, (size_t)len);
            COUNT(u, confirms_sent, k);
        }
    }
}

static void on_block(void *ctx, uint64_t number, const uint8_t (*hashes)[32], size_t n)
{
    zs_fe_t *u = ctx;
    hit_t *h = NULL;
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        pending_t p;
        if (!take(u, hashes[i], WANT_DURABLE, &p)) continue;
        if (!h && !(h = malloc(n * sizeof *h))) return;
        h[nh++] = (hit_t){.p = p, .e = {.block = number, .index = (uint32_t)i}};
        memcpy(h[nh - 1].e.hash, hashes[i], 32);
    }
    send_confirms(u, ZS_FRAME_CONFIRM, h, nh);
    free(h);
}

/* Waits while no slot wants an execution confirmation (the sequencer then
   wakes nobody); 0 when stopping.  *cursor moves to where the first
   wanted transaction can be. */
static int execer_idle(zs_fe_t *u, uint64_t *cursor)
{
    pthread_mutex_lock(&u->pmu);
    while (!u->exec_wanted && !u->exec_stop) pthread_cond_wait(&u->xcv, &u->pmu);
    if (u->exec_from > *cursor) *cursor = u->exec_from;
    int go = !u->exec_stop;
    pthread_mutex_unlock(&u->pmu);
    return go;
}

/* Follows the executed transactions' table while confirmations are
   wanted.  After a read that found some it naps 100 us, so at high rates
   the sequencer does not wake it per transaction and frames carry runs. */
static void *execer_main(void *arg)
{
    zs_fe_t *u = arg;
    zs_executed_t *ex = zs_node_executed(u->node);
    uint64_t cursor = zs_executed_count(ex);
    zs_executed_info_t x[256];
    hit_t h[256];
    while (execer_idle(u, &cursor)) {
        uint64_t lost = 0;
        size_t n = zs_executed_since(ex, &cursor, x, 256, &lost);
        if (lost) COUNT(u, confirms_dropped, lost);
        if (!n) {
            struct timespec deadline = zs_deadline_ms(100);
            (void)zs_executed_wait(ex, cursor, &deadline);
            continue;
        }
        size_t nh = 0;
        for (size_t i = 0; i < n; i++) {
            if (!take(u, x[i].hash, WANT_EXEC, &h[nh].p)) continue;
            h[nh].e = (zs_confirm_entry_t){.block = x[i].block, .index = x[i].index, .status = x[i].status,
                                           .gas_used = x[i].gas_used, .logs = x[i].logs};
            memcpy(h[nh++].e.hash, x[i].hash, 32);
        }
        send_confirms(u, ZS_FRAME_EXECUTED, h, nh);
        nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
    }
    return NULL;
}

static void *acker_main(void *arg)
{
    zs_fe_t *u = arg;
    pthread_mutex_lock(&u->amu);
    for (;;) {
        while (!u->ack_head && !u->ack_stop) pthread_cond_wait(&u->acv, &u->amu);
        job_t *list = u->ack_head;
        if (!list) break;
        u->ack_head = u->ack_tail = NULL;
        pthread_mutex_unlock(&u->amu);
        for (job_t *j = list, *next; j; j = next) {
            next = j->next;
            answer(u, j);
            free(j->frame);
            free(j);
        }
        pthread_mutex_lock(&u->amu);
    }
    pthread_mutex_unlock(&u->amu);
    return NULL;
}

static void *worker_main(void *arg)
{
    zs_fe_t *u = arg;
    for (;;) {
        pthread_mutex_lock(&u->qmu);
        while (!u->qn && !u->stopping) pthread_cond_wait(&u->qcv, &u->qmu);
        if (!u->qn) {
            pthread_mutex_unlock(&u->qmu);
            break;
        }
        job_t *job = u->q[u->qhead];
        u->qhead = (u->qhead + 1) % u->cfg.queue;
        u->qn--;
        pthread_mutex_unlock(&u->qmu);
        job->stage_ns[ZS_STAGE_QUEUE] = zs_mono_ns();
        wait_room(u, job->ticket);
        process(u, job); /* the acker frees it */
    }
    return NULL;
}

/* ---- Receiving. */

static void refuse_frame(zs_fe_t *u, const zs_fe_peer_t *peer, const zs_submit_frame_t *f, zs_frame_err_t e,
                         const zs_ingress_key_t *key)
{
    COUNT(u, frame_errors[e], 1);
    if (e >= ZS_FRAME_BAD_MAGIC) return; /* no answer: it could be a reflection */
    uint8_t ans[ZS_FRAME_HEADER + 2 + ZS_FRAME_MAC];
    zs_frame_to_t to = {.version = f->version, .client = f->client, .seq = f->seq, .key = key ? key->key : NULL,
                        .keylen = key ? key->keylen : 0};
    long len = zs_frame_answer(ans, sizeof ans, &to, NULL, 0, (uint16_t)e);
    if (len > 0) send_to(u, peer, ans, (size_t)len);
}

/* The retry cache's look at a new frame: answers a retry (or drops one
   still in progress), refuses "busy" a frame behind one the queue had no
   room for, or marks the frame in progress; 1 when the frame is dealt
   with.  *cp gets the client's cache slot (NULL when the table is full). */
static int claim(zs_fe_t *u, const zs_submit_frame_t *f, const zs_fe_peer_t *peer, const zs_ingress_key_t *key,
                 client_t **cp)
{
    pthread_mutex_lock(&u->cmu);
    client_t *c = *cp = client_of(u, f->client);
    size_t slot = f->seq % RING;
    if (c && c->seq[slot] == f->seq && c->state[slot]) {
        if (c->state[slot] == 2) {
            uint8_t ans[ZS_FRAME_HEADER + ZS_FRAME_MAX_TXS * ZS_FRAME_ENTRY + ZS_FRAME_MAC];
            size_t alen = c->alen[slot];
            memcpy(ans, c->answer[slot], alen);
            pthread_mutex_unlock(&u->cmu);
            COUNT(u, retries_answered, 1);
            send_to(u, peer, ans, alen);
        } else {
            pthread_mutex_unlock(&u->cmu);
            COUNT(u, retries_dropped, 1);
        }
        return 1;
    }
    if (c && c->busy_seq && f->seq > c->busy_seq && zs_mono_ns() - c->busy_ns < BUSY_HOLD_NS) {
        pthread_mutex_unlock(&u->cmu);
        COUNT(u, queue_full, 1);
        refuse_frame(u, peer, f, ZS_FRAME_BUSY, key);
        return 1;
    }
    if (c) {
        c->seq[slot] = f->seq;
        c->state[slot] = 1;
        free(c->answer[slot]);
        c->answer[slot] = NULL;
    }
    pthread_mutex_unlock(&u->cmu);
    return 0;
}

void zs_fe_submit(zs_fe_t *u, const uint8_t *p, size_t len, const zs_fe_peer_t *peer)
{
    COUNT(u, rx_frames, 1);
    COUNT(u, rx_bytes, len);
    zs_submit_frame_t f;
    zs_frame_err_t e = zs_frame_parse_submit(p, len, &f);
    const zs_ingress_key_t *key = e == ZS_FRAME_BAD_MAGIC ? NULL : find_key(u, f.client);
    if (e == ZS_FRAME_OK && key && !(f.flags & ZS_FRAME_FLAG_HMAC)) e = ZS_FRAME_MISSING_HMAC;
    if (e == ZS_FRAME_OK && !key && (f.flags & ZS_FRAME_FLAG_HMAC)) e = ZS_FRAME_UNKNOWN_KEY;
    if (e == ZS_FRAME_OK && key && !zs_frame_check_mac(key->key, key->keylen, p, f.mac_off)) e = ZS_FRAME_BAD_HMAC;
    if (e != ZS_FRAME_OK) {
        /* Nobody learns anything about a keyed client from an unauthenticated frame. */
        if (key && e < ZS_FRAME_BAD_MAGIC) e = ZS_FRAME_BAD_HMAC;
        refuse_frame(u, peer, &f, e, key);
        return;
    }
    client_t *c;
    if (claim(u, &f, peer, key, &c)) return;
    /* The job, then room for its decoded transactions and their senders. */
    job_t *job = malloc(sizeof *job + (size_t)f.n * (sizeof(zs_tx_t) + 20));
    uint8_t *copy = malloc(len);
    if (!job || !copy) {
        free(job);
        free(copy);
        COUNT(u, queue_full, 1);
        return;
    }
    memcpy(copy, p, len);
    job->tx = (zs_tx_t *)(job + 1);
    job->sender = (uint8_t(*)[20])(job->tx + f.n);
    job->frame = copy;
    job->len = len;
    job->peer = *peer;
    job->rx_ns = zs_mono_ns();
    job->key = key;
    zs_frame_parse_submit(copy, len, &job->f); /* the same result, pointing into the copy */
    pthread_mutex_lock(&u->qmu);
    int full = u->qn == u->cfg.queue ||
               (u->cfg.queue_max_ms && u->qn && job->rx_ns - u->q[u->qhead]->rx_ns > u->cfg.queue_max_ms * 1000000ull);
    if (!full) {
        job->ticket = u->next_ticket++;
        u->q[(u->qhead + u->qn) % u->cfg.queue] = job;
        u->qn++;
        pthread_cond_signal(&u->qcv);
    }
    pthread_mutex_unlock(&u->qmu);
    pthread_mutex_lock(&u->cmu);
    if (full && c) {
        hold_client(c, f.seq);
    } else if (c && c->busy_seq == f.seq) {
        c->busy_seq = 0;
    }
    if (!full && c && c->hold_seq == f.seq) c->hold_ticket = job->ticket; /* the frames before it on their way stay held */
    pthread_mutex_unlock(&u->cmu);
    if (full) {
        free(copy);
        free(job);
        COUNT(u, queue_full, 1);
        /* Said at once: a client that learns only from its timeout resends
           late and out of its nonce order. */
        refuse_frame(u, peer, &f, ZS_FRAME_BUSY, key);
    }
}

zs_fe_t *zs_fe_new(zs_node_t *node, const zs_fe_cfg_t *cfg, char *err, size_t errlen)
{
    zs_fe_t *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->node = node;
    u->cfg = *cfg;
    if (!u->cfg.queue) u->cfg.queue = 4096;
    if (!u->cfg.workers) {
        /* One per core: no worker sleeps for its admission turn or the
           group commit (the acker waits for that), so more would only
           take the sequencer's share of the cores (at full speed its
           pool then outgrew the per-sender limit). */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        u->cfg.workers = cores > 0 ? (unsigned)cores : 1;
    }
    pthread_mutex_init(&u->qmu, NULL);
    pthread_cond_init(&u->qcv, NULL);
    pthread_mutex_init(&u->tmu, NULL);
    pthread_cond_init(&u->tcv, NULL);
    pthread_mutex_init(&u->cmu, NULL);
    pthread_mutex_init(&u->amu, NULL);
    pthread_mutex_init(&u->pmu, NULL);
    pthread_cond_init(&u->xcv, NULL);
    pthread_cond_init(&u->acv, NULL);
    u->q = calloc(u->cfg.queue, sizeof *u->q);
    u->clients = calloc(MAX_CLIENTS, sizeof *u->clients);
    u->pend = calloc(CONFIRM_SLOTS, sizeof *u->pend);
    u->keys = calloc(cfg->nkeys ? cfg->nkeys : 1, sizeof *u->keys);
    u->workers = calloc(u->cfg.workers, sizeof *u->workers);
    if (!u->q || !u->clients || !u->keys || !u->workers || !u->pend || zs_node_on_block(node, on_block, u) ||
        !(u->listening = 1)) {
        snprintf(err, errlen, "out of memory");
        zs_fe_free(u);
        return NULL;
    }
    if (cfg->nkeys) memcpy(u->keys, cfg->keys, cfg->nkeys * sizeof *u->keys);
    u->cfg.keys = u->keys;
    if (!pthread_create(&u->acker, NULL, acker_main, u)) u->acker_started = 1;
    if (u->acker_started && !pthread_create(&u->execer, NULL, execer_main, u)) u->execer_started = 1;
    if (u->acker_started) pthread_setname_np(u->acker, "zs-fe-answer");
    if (u->execer_started) pthread_setname_np(u->execer, "zs-fe-executed");
    for (unsigned i = 0; i < u->cfg.workers && u->execer_started; i++) {
        if (pthread_create(&u->workers[i], NULL, worker_main, u)) break;
        pthread_setname_np(u->workers[i], "zs-fe-verify");
        u->nworkers++;
    }
    if (!u->nworkers) {
        snprintf(err, errlen, "cannot start the ingress workers");
        zs_fe_free(u);
        return NULL;
    }
    return u;
}

void zs_fe_free(zs_fe_t *u)
{
    if (!u) return;
    if (u->listening) zs_node_off_block(u->node, on_block, u);
    if (u->execer_started) {
        pthread_mutex_lock(&u->pmu);
        u->exec_stop = 1;
        pthread_cond_signal(&u->xcv);
        pthread_mutex_unlock(&u->pmu);
        pthread_join(u->execer, NULL);
    }
    pthread_mutex_lock(&u->qmu);
    u->stopping = 1;
    pthread_cond_broadcast(&u->qcv);
    pthread_mutex_unlock(&u->qmu);
    for (unsigned i = 0; i < u->nworkers; i++) pthread_join(u->workers[i], NULL);
    if (u->acker_started) {
        pthread_mutex_lock(&u->amu);
        u->ack_stop = 1;
        pthread_cond_broadcast(&u->acv);
        pthread_mutex_unlock(&u->amu);
        pthread_join(u->acker, NULL);
    }
    if (u->clients)
        for (size_t i = 0; i < MAX_CLIENTS; i++)
            for (size_t k = 0; k < RING; k++) free(u->clients[i].answer[k]);
    free(u->clients);
    free(u->pend);
    free(u->q);
    free(u->keys);
    free(u->workers);
    pthread_mutex_destroy(&u->qmu);
    pthread_cond_destroy(&u->qcv);
    pthread_mutex_destroy(&u->tmu);
    pthread_cond_destroy(&u->tcv);
    pthread_mutex_destroy(&u->cmu);
    pthread_mutex_destroy(&u->amu);
    pthread_mutex_destroy(&u->pmu);
    pthread_cond_destroy(&u->xcv);
    pthread_cond_destroy(&u->acv);
    free(u);
}
