/* The journal: every sealed batch and every L1 submission step is a store
   record written (atomically, durably) before it is acted on.

   b/<number>  a sealed batch's header (fw_batch_t)
   d/<number>  its batchL2Data; written before b/, so a b/ record with
               has_data always has its data
   t/<nonce>   an L1 transaction: batches, fees, every hash sent
   r/<nonce>   the signed bytes of its newest version; written before t/
   cursor      last sealed / virtual / confirmed batch and counters

   Records are little-endian with a version byte first.  A record that does
   not decode stops the boot with an alarm rather than being guessed at. */
#include <stdio.h>
#include <string.h>

#include "firmware/fw.h"

#define REC_VERSION 1

static fw_batch_t batch_table[FW_MAX_BATCHES];

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void name(char *out, char kind, uint64_t n)
{
    snprintf(out, 24, "%c/%016llx", kind, (unsigned long long)n);
}

#define BATCH_REC 123
static void batch_encode(const fw_batch_t *b, uint8_t *p)
{
    p[0] = REC_VERSION;
    put64(p + 1, b->number);
    put64(p + 9, b->timestamp);
    put64(p + 17, b->first_block);
    put64(p + 25, b->last_block);
    memcpy(p + 33, b->state_root, 32);
    memcpy(p + 65, b->batch_hash, 32);
    memcpy(p + 97, b->coinbase, 20);
    put32(p + 117, b->l2len);
    p[121] = b->has_data;
    p[122] = 0;
}
static int batch_decode(fw_batch_t *b, const uint8_t *p, size_t len)
{
    if (len != BATCH_REC || p[0] != REC_VERSION) return ZS_ERR_CORRUPT;
    b->number = get64(p + 1);
    b->timestamp = get64(p + 9);
    b->first_block = get64(p + 17);
    b->last_block = get64(p + 25);
    memcpy(b->state_root, p + 33, 32);
    memcpy(b->batch_hash, p + 65, 32);
    memcpy(b->coinbase, p + 97, 20);
    b->l2len = get32(p + 117);
    b->has_data = p[121];
    return b->l2len > FW_BATCH_MAX ? ZS_ERR_CORRUPT : ZS_OK;
}

#define SUB_REC (1 + 8 * 8 + 32 + 4 + 1 + 1 + FW_MAX_HASHES * 32 + 32)
static void sub_encode(const fw_sub_t *s, uint8_t *p)
{
    p[0] = REC_VERSION;
    put64(p + 1, s->nonce);
    put64(p + 9, s->first);
    put64(p + 17, s->last);
    put64(p + 25, s->max_fee);
    put64(p + 33, s->tip);
    put64(p + 41, s->gas);
    put64(p + 49, s->mined_block);
    put64(p + 57, s->bumps);
    memcpy(p + 65, s->final_acc, 32);
    put32(p + 97, s->raw_len);
    p[101] = (uint8_t)s->nhashes;
    p[102] = s->state;
    memcpy(p + 103, s->hashes, FW_MAX_HASHES * 32);
    memcpy(p + 103 + FW_MAX_HASHES * 32, s->mined_hash, 32);
}
static int sub_decode(fw_sub_t *s, const uint8_t *p, size_t len)
{
    if (len != SUB_REC || p[0] != REC_VERSION) return ZS_ERR_CORRUPT;
    memset(s, 0, sizeof *s);
    s->nonce = get64(p + 1);
    s->first = get64(p + 9);
    s->last = get64(p + 17);
    s->max_fee = get64(p + 25);
    s->tip = get64(p + 33);
    s->gas = get64(p + 41);
    s->mined_block = get64(p + 49);
    s->bumps = get64(p + 57);
    memcpy(s->final_acc, p + 65, 32);
    s->raw_len = get32(p + 97);
    s->nhashes = p[101];
    s->state = p[102];
    memcpy(s->hashes, p + 103, FW_MAX_HASHES * 32);
    memcpy(s->mined_hash, p + 103 + FW_MAX_HASHES * 32, 32);
    if (!s->nhashes || s->nhashes > FW_MAX_HASHES || s->first > s->last || s->state > FW_SUB_MINED)
        return ZS_ERR_CORRUPT;
    return ZS_OK;
}

#define CURSOR_REC (1 + 8 * 8 + 64)
int fw_journal_put_cursor(fw_t *fw)
{
    uint8_t p[CURSOR_REC];
    const fw_cursor_t *c = &fw->cur;
    p[0] = REC_VERSION;
    put64(p + 1, c->last_sealed);
    put64(p + 9, c->virtual_);
    put64(p + 17, c->confirmed);
    put64(p + 25, c->virtual_l1_block);
    put64(p + 33, c->reorgs);
    put64(p + 41, c->l1_txs_sent);
    put64(p + 49, c->bumps);
    put64(p + 57, c->fees_gwei);
    memcpy(p + 65, c->virtual_acc, 32);
    memcpy(p + 97, c->virtual_tx, 32);
    return fw->hal->store_put(fw->hal->ctx, "cursor", p, sizeof p);
}

typedef struct {
    fw_t *fw;
    char kind;
    int rc;
} load_arg_t;

static void load_one(void *arg, const char *nm)
{
    load_arg_t *a = arg;
    fw_t *fw = a->fw;
    if (a->rc) return;
    uint8_t buf[SUB_REC > BATCH_REC ? SUB_REC : BATCH_REC];
    size_t len;
    int rc = fw->hal->store_get(fw->hal->ctx, nm, buf, sizeof buf, &len);
    if (rc) { a->rc = rc; return; }
    if (a->kind == 'b') {
        if (fw->nbatches == FW_MAX_BATCHES) { a->rc = ZS_ERR_FULL; return; }
        fw_batch_t *b = &fw->batches[fw->nbatches];
        if (batch_decode(b, buf, len)) {
            fw_alarm(fw, "journal record %s does not decode", nm);
            a->rc = ZS_ERR_CORRUPT;
            return;
        }
        fw->nbatches++;
    } else {
        if (fw->nsubs == FW_MAX_SUBS) { a->rc = ZS_ERR_FULL; return; }
        if (sub_decode(&fw->subs[fw->nsubs], buf, len)) {
            fw_alarm(fw, "journal record %s does not decode", nm);
            a->rc = ZS_ERR_CORRUPT;
            return;
        }
        fw->nsubs++;
    }
}

int fw_journal_load(fw_t *fw)
{
    fw->batches = batch_table;
    fw->nbatches = fw->nsubs = 0;
    memset(&fw->cur, 0, sizeof fw->cur);
    uint8_t p[CURSOR_REC];
    size_t len;
    int rc = fw->hal->store_get(fw->hal->ctx, "cursor", p, sizeof p, &len);
    if (rc == ZS_OK) {
        if (len != CURSOR_REC || p[0] != REC_VERSION) {
            fw_alarm(fw, "journal cursor does not decode");
            return ZS_ERR_CORRUPT;
        }
        fw_cursor_t *c = &fw->cur;
        c->last_sealed = get64(p + 1);
        c->virtual_ = get64(p + 9);
        c->confirmed = get64(p + 17);
        c->virtual_l1_block = get64(p + 25);
        c->reorgs = get64(p + 33);
        c->l1_txs_sent = get64(p + 41);
        c->bumps = get64(p + 49);
        c->fees_gwei = get64(p + 57);
        memcpy(c->virtual_acc, p + 65, 32);
        memcpy(c->virtual_tx, p + 97, 32);
    } else if (rc != ZS_ERR_NOTFOUND) {
        return rc;
    }
    load_arg_t a = {fw, 'b', 0};
    if ((rc = fw->hal->store_list(fw->hal->ctx, "b/", load_one, &a)) || (rc = a.rc)) return rc;
    a.kind = 't';
    if ((rc = fw->hal->store_list(fw->hal->ctx, "t/", load_one, &a)) || (rc = a.rc)) return rc;
    /* A batch journaled after the cursor was last written. */
    if (fw->nbatches && fw->batches[fw->nbatches - 1].number > fw->cur.last_sealed)
        fw->cur.last_sealed = fw->batches[fw->nbatches - 1].number;
    uint64_t now = fw->hal->now_ms(fw->hal->ctx);
    for (size_t i = 0; i < fw->nsubs; i++) fw->subs[i].sent_ms = now;
    return ZS_OK;
}

fw_batch_t *fw_journal_find(fw_t *fw, uint64_t number)
{
    size_t lo = 0, hi = fw->nbatches;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (fw->batches[mid].number < number) lo = mid + 1;
        else hi = mid;
    }
    return lo < fw->nbatches && fw->batches[lo].number == number ? &fw->batches[lo] : NULL;
}

int fw_journal_add_batch(fw_t *fw, const fw_batch_t *b, const uint8_t *data)
{
    fw_batch_t *old = fw_journal_find(fw, b->number);
    /* New batches append; older ones come back after L1 lost them (a new
       chain, a deep reorg) and take their place in order. */
    if (!old && b->number <= fw->cur.confirmed && fw->cur.confirmed <= fw->cur.virtual_ &&
        b->number <= fw->cur.virtual_)
        return ZS_ERR_INVAL; /* still confirmed on L1: nothing to hold */
    if (!old && fw->nbatches == FW_MAX_BATCHES)
        return ZS_ERR_FULL;
    char nm[24];
    name(nm, 'd', b->number);
    int rc = fw->hal->store_put(fw->hal->ctx, nm, data, b->l2len);
    if (rc) return rc;
    fw_batch_t rec = *b;
    rec.has_data = 1;
    uint8_t p[BATCH_REC];
    batch_encode(&rec, p);
    name(nm, 'b', b->number);
    if ((rc = fw->hal->store_put(fw->hal->ctx, nm, p, sizeof p))) return rc;
    if (old) {
        *old = rec;
    } else {
        size_t at = fw->nbatches;
        while (at && fw->batches[at - 1].number > rec.number) at--;
        memmove(&fw->batches[at + 1], &fw->batches[at], (fw->nbatches - at) * sizeof fw->batches[0]);
        fw->batches[at] = rec;
        fw->nbatches++;
    }
    if (b->number > fw->cur.last_sealed) {
        fw->cur.last_sealed = b->number;
        if ((rc = fw_journal_put_cursor(fw))) return rc;
    }
    return ZS_OK;
}

int fw_journal_batch_data(fw_t *fw, uint64_t number, uint8_t *buf, size_t cap, size_t *len)
{
    char nm[24];
    name(nm, 'd', number);
    return fw->hal->store_get(fw->hal->ctx, nm, buf, cap, len);
}

int fw_journal_put_sub(fw_t *fw, const fw_sub_t *s, const uint8_t *raw)
{
    char nm[24];
    int rc;
    if (raw) {
        name(nm, 'r', s->nonce);
        if ((rc = fw->hal->store_put(fw->hal->ctx, nm, raw, s->raw_len))) return rc;
    }
    uint8_t p[SUB_REC];
    sub_encode(s, p);
    name(nm, 't', s->nonce);
    if ((rc = fw->hal->store_put(fw->hal->ctx, nm, p, sizeof p))) return rc;
    for (size_t i = 0; i < fw->nsubs; i++)
        if (fw->subs[i].nonce == s->nonce) {
            fw->subs[i] = *s;
            return ZS_OK;
        }
    if (fw->nsubs == FW_MAX_SUBS) return ZS_ERR_FULL;
    size_t i = fw->nsubs++;
    while (i && fw->subs[i - 1].nonce > s->nonce) {
        fw->subs[i] = fw->subs[i - 1];
        i--;
    }
    fw->subs[i] = *s;
    return ZS_OK;
}

int fw_journal_sub_raw(fw_t *fw, uint64_t nonce, uint8_t *buf, size_t cap, size_t *len)
{
    char nm[24];
    name(nm, 'r', nonce);
    return fw->hal->store_get(fw->hal->ctx, nm, buf, cap, len);
}

void fw_journal_drop_sub(fw_t *fw, size_t index)
{
    char nm[24];
    name(nm, 't', fw->subs[index].nonce);
    (void)fw->hal->store_del(fw->hal->ctx, nm);
    name(nm, 'r', fw->subs[index].nonce);
    (void)fw->hal->store_del(fw->hal->ctx, nm);
    memmove(&fw->subs[index], &fw->subs[index + 1], (fw->nsubs - index - 1) * sizeof fw->subs[0]);
    fw->nsubs--;
}

void fw_journal_drop_confirmed(fw_t *fw, uint64_t number)
{
    size_t k = 0;
    while (k < fw->nbatches && fw->batches[k].number <= number) {
        char nm[24];
        name(nm, 'b', fw->batches[k].number);
        (void)fw->hal->store_del(fw->hal->ctx, nm);
        name(nm, 'd', fw->batches[k].number);
        (void)fw->hal->store_del(fw->hal->ctx, nm);
        k++;
    }
    if (k) {
        memmove(fw->batches, fw->batches + k, (fw->nbatches - k) * sizeof fw->batches[0]);
        fw->nbatches -= k;
    }
}
