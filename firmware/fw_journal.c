/* The journal (fw_journal.h). */
#include <stdio.h>
#include <string.h>

#include "firmware/fw_journal.h"
#include "lib/base/zs_bytes.h"

#define REC_VERSION 1

/* The batches held, in static memory (the bare-metal board allocates
   nothing); one journal per program. */
static fw_batch_t batch_table[FW_MAX_BATCHES];


static void name(char *out, char kind, uint64_t n)
{
    snprintf(out, 24, "%c/%016llx", kind, (unsigned long long)n);
}

/* A sequencer's batch; a forced one adds forced, its timestamp, GER and
   L1 block hash (byte 122: 1 forced, 2 invalid). */
#define BATCH_REC 123
#define BATCH_REC_FORCED (BATCH_REC + 8 + 8 + 32 + 32)
static size_t batch_rec_len(const fw_batch_t *b)
{
    return b->forced ? BATCH_REC_FORCED : BATCH_REC;
}
static void batch_encode(const fw_batch_t *b, uint8_t *p)
{
    p[0] = REC_VERSION;
    zs_put_le64(p + 1, b->number);
    zs_put_le64(p + 9, b->timestamp);
    zs_put_le64(p + 17, b->first_block);
    zs_put_le64(p + 25, b->last_block);
    memcpy(p + 33, b->state_root, 32);
    memcpy(p + 65, b->batch_hash, 32);
    memcpy(p + 97, b->coinbase, 20);
    zs_put_le32(p + 117, b->l2len);
    p[121] = b->has_data;
    p[122] = b->forced ? (uint8_t)(1 | (b->invalid ? 2 : 0)) : 0;
    if (!b->forced) return;
    zs_put_le64(p + 123, b->forced);
    zs_put_le64(p + 131, b->forced_timestamp);
    memcpy(p + 139, b->forced_ger, 32);
    memcpy(p + 171, b->forced_block_hash, 32);
}
static int batch_decode(fw_batch_t *b, const uint8_t *p, size_t len)
{
    if ((len != BATCH_REC && len != BATCH_REC_FORCED) || p[0] != REC_VERSION) return ZS_ERR_CORRUPT;
    memset(b, 0, sizeof *b);
    int forced = p[122] & 1;
    if (forced != (len == BATCH_REC_FORCED) || p[122] > 3) return ZS_ERR_CORRUPT;
    if (forced) {
        b->invalid = (p[122] & 2) != 0;
        b->forced = zs_get_le64(p + 123);
        b->forced_timestamp = zs_get_le64(p + 131);
        memcpy(b->forced_ger, p + 139, 32);
        memcpy(b->forced_block_hash, p + 171, 32);
        if (!b->forced) return ZS_ERR_CORRUPT;
    }
    b->number = zs_get_le64(p + 1);
    b->timestamp = zs_get_le64(p + 9);
    b->first_block = zs_get_le64(p + 17);
    b->last_block = zs_get_le64(p + 25);
    memcpy(b->state_root, p + 33, 32);
    memcpy(b->batch_hash, p + 65, 32);
    memcpy(b->coinbase, p + 97, 20);
    b->l2len = zs_get_le32(p + 117);
    b->has_data = p[121];
    return b->l2len > FW_BATCH_MAX ? ZS_ERR_CORRUPT : ZS_OK;
}

#define SUB_REC (1 + 8 * 8 + 32 + 4 + 1 + 1 + FW_MAX_HASHES * 32 + 32)
#define SUB_REC_BLOB (SUB_REC + 4 + 8 + 32) /* a blob transaction's */
static size_t sub_encode(const fw_sub_t *s, uint8_t *p)
{
    p[0] = REC_VERSION;
    zs_put_le64(p + 1, s->nonce);
    zs_put_le64(p + 9, s->first);
    zs_put_le64(p + 17, s->last);
    zs_put_le64(p + 25, s->max_fee);
    zs_put_le64(p + 33, s->tip);
    zs_put_le64(p + 41, s->gas);
    zs_put_le64(p + 49, s->mined_block);
    zs_put_le64(p + 57, s->bumps);
    memcpy(p + 65, s->final_acc, 32);
    zs_put_le32(p + 97, s->raw_len);
    p[101] = (uint8_t)s->nhashes;
    p[102] = s->state;
    memcpy(p + 103, s->hashes, FW_MAX_HASHES * 32);
    memcpy(p + 103 + FW_MAX_HASHES * 32, s->mined_hash, 32);
    if (!s->nblobs) return SUB_REC;
    zs_put_le32(p + SUB_REC, s->nblobs);
    zs_put_le64(p + SUB_REC + 4, s->blob_fee);
    memcpy(p + SUB_REC + 12, s->final_blob_acc, 32);
    return SUB_REC_BLOB;
}
static int sub_decode(fw_sub_t *s, const uint8_t *p, size_t len)
{
    if ((len != SUB_REC && len != SUB_REC_BLOB) || p[0] != REC_VERSION) return ZS_ERR_CORRUPT;
    memset(s, 0, sizeof *s);
    s->nonce = zs_get_le64(p + 1);
    s->first = zs_get_le64(p + 9);
    s->last = zs_get_le64(p + 17);
    s->max_fee = zs_get_le64(p + 25);
    s->tip = zs_get_le64(p + 33);
    s->gas = zs_get_le64(p + 41);
    s->mined_block = zs_get_le64(p + 49);
    s->bumps = zs_get_le64(p + 57);
    memcpy(s->final_acc, p + 65, 32);
    s->raw_len = zs_get_le32(p + 97);
    s->nhashes = p[101];
    s->state = p[102];
    memcpy(s->hashes, p + 103, FW_MAX_HASHES * 32);
    memcpy(s->mined_hash, p + 103 + FW_MAX_HASHES * 32, 32);
    if (len == SUB_REC_BLOB) {
        s->nblobs = zs_get_le32(p + SUB_REC);
        s->blob_fee = zs_get_le64(p + SUB_REC + 4);
        memcpy(s->final_blob_acc, p + SUB_REC + 12, 32);
        if (!s->nblobs || s->nblobs > 6) return ZS_ERR_CORRUPT;
    }
    if (!s->nhashes || s->nhashes > FW_MAX_HASHES || s->first > s->last || s->state > FW_SUB_MINED)
        return ZS_ERR_CORRUPT;
    return ZS_OK;
}

#define CURSOR_REC (1 + 8 * 8 + 64)
int fw_journal_put_cursor(fw_journal_t *j)
{
    uint8_t p[CURSOR_REC];
    const fw_cursor_t *c = &j->cur;
    p[0] = REC_VERSION;
    zs_put_le64(p + 1, c->last_sealed);
    zs_put_le64(p + 9, c->virtual_);
    zs_put_le64(p + 17, c->confirmed);
    zs_put_le64(p + 25, c->virtual_l1_block);
    zs_put_le64(p + 33, c->reorgs);
    zs_put_le64(p + 41, c->l1_txs_sent);
    zs_put_le64(p + 49, c->bumps);
    zs_put_le64(p + 57, c->fees_gwei);
    memcpy(p + 65, c->virtual_acc, 32);
    memcpy(p + 97, c->virtual_tx, 32);
    return j->hal->store_put(j->hal->ctx, "cursor", p, sizeof p);
}

typedef struct {
    fw_journal_t *j;
    char kind;
    int rc;
} load_arg_t;

static void load_one(void *arg, const char *nm)
{
    load_arg_t *a = arg;
    fw_journal_t *j = a->j;
    if (a->rc) return;
    uint8_t buf[SUB_REC_BLOB > BATCH_REC_FORCED ? SUB_REC_BLOB : BATCH_REC_FORCED];
    size_t len;
    int rc = j->hal->store_get(j->hal->ctx, nm, buf, sizeof buf, &len);
    if (rc) { a->rc = rc; return; }
    if (a->kind == 'b') {
        if (j->nbatches == FW_MAX_BATCHES) { a->rc = ZS_ERR_FULL; return; }
        fw_batch_t *b = &j->batches[j->nbatches];
        if (batch_decode(b, buf, len)) {
            fw_alarm(j->log, "journal record %s does not decode", nm);
            a->rc = ZS_ERR_CORRUPT;
            return;
        }
        j->nbatches++;
    } else {
        if (j->nsubs == FW_MAX_SUBS) { a->rc = ZS_ERR_FULL; return; }
        if (sub_decode(&j->subs[j->nsubs], buf, len)) {
            fw_alarm(j->log, "journal record %s does not decode", nm);
            a->rc = ZS_ERR_CORRUPT;
            return;
        }
        j->nsubs++;
    }
}

int fw_journal_load(fw_journal_t *j, const zs_hal_t *hal, fw_log_t *log)
{
    memset(j, 0, sizeof *j);
    j->hal = hal;
    j->log = log;
    j->batches = batch_table;
    j->nbatches = j->nsubs = 0;
    memset(&j->cur, 0, sizeof j->cur);
    uint8_t p[CURSOR_REC];
    size_t len;
    int rc = j->hal->store_get(j->hal->ctx, "cursor", p, sizeof p, &len);
    if (rc == ZS_OK) {
        if (len != CURSOR_REC || p[0] != REC_VERSION) {
            fw_alarm(j->log, "journal cursor does not decode");
            return ZS_ERR_CORRUPT;
        }
        fw_cursor_t *c = &j->cur;
        c->last_sealed = zs_get_le64(p + 1);
        c->virtual_ = zs_get_le64(p + 9);
        c->confirmed = zs_get_le64(p + 17);
        c->virtual_l1_block = zs_get_le64(p + 25);
        c->reorgs = zs_get_le64(p + 33);
        c->l1_txs_sent = zs_get_le64(p + 41);
        c->bumps = zs_get_le64(p + 49);
        c->fees_gwei = zs_get_le64(p + 57);
        memcpy(c->virtual_acc, p + 65, 32);
        memcpy(c->virtual_tx, p + 97, 32);
    } else if (rc != ZS_ERR_NOTFOUND) {
        return rc;
    }
    load_arg_t a = {j, 'b', 0};
    if ((rc = j->hal->store_list(j->hal->ctx, "b/", load_one, &a)) || (rc = a.rc)) return rc;
    a.kind = 't';
    if ((rc = j->hal->store_list(j->hal->ctx, "t/", load_one, &a)) || (rc = a.rc)) return rc;
    /* A batch journaled after the cursor was last written. */
    if (j->nbatches && j->batches[j->nbatches - 1].number > j->cur.last_sealed)
        j->cur.last_sealed = j->batches[j->nbatches - 1].number;
    uint64_t now = j->hal->now_ms(j->hal->ctx);
    for (size_t i = 0; i < j->nsubs; i++) j->subs[i].sent_ms = now;
    return ZS_OK;
}

fw_batch_t *fw_journal_find(fw_journal_t *j, uint64_t number)
{
    size_t lo = 0, hi = j->nbatches;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (j->batches[mid].number < number) lo = mid + 1;
        else hi = mid;
    }
    return lo < j->nbatches && j->batches[lo].number == number ? &j->batches[lo] : NULL;
}

int fw_journal_add_batch(fw_journal_t *j, const fw_batch_t *b, const uint8_t *data)
{
    fw_batch_t *old = fw_journal_find(j, b->number);
    /* New batches append; older ones come back after L1 lost them (a new
       chain, a deep reorg) and take their place in order. */
    if (!old && b->number <= j->cur.confirmed && j->cur.confirmed <= j->cur.virtual_ &&
        b->number <= j->cur.virtual_)
        return ZS_ERR_INVAL; /* still confirmed on L1: nothing to hold */
    if (!old && j->nbatches == FW_MAX_BATCHES)
        return ZS_ERR_FULL;
    char nm[24];
    name(nm, 'd', b->number);
    int rc = j->hal->store_put(j->hal->ctx, nm, data, b->l2len);
    if (rc) return rc;
    fw_batch_t rec = *b;
    rec.has_data = 1;
    uint8_t p[BATCH_REC_FORCED];
    batch_encode(&rec, p);
    name(nm, 'b', b->number);
    if ((rc = j->hal->store_put(j->hal->ctx, nm, p, batch_rec_len(&rec)))) return rc;
    if (old) {
        *old = rec;
    } else {
        size_t at = j->nbatches;
        while (at && j->batches[at - 1].number > rec.number) at--;
        memmove(&j->batches[at + 1], &j->batches[at], (j->nbatches - at) * sizeof j->batches[0]);
        j->batches[at] = rec;
        j->nbatches++;
    }
    if (b->number > j->cur.last_sealed) {
        j->cur.last_sealed = b->number;
        if ((rc = fw_journal_put_cursor(j))) return rc;
    }
    return ZS_OK;
}

int fw_journal_batch_data(fw_journal_t *j, uint64_t number, uint8_t *buf, size_t cap, size_t *len)
{
    char nm[24];
    name(nm, 'd', number);
    return j->hal->store_get(j->hal->ctx, nm, buf, cap, len);
}

int fw_journal_put_sub(fw_journal_t *j, const fw_sub_t *s, const uint8_t *raw)
{
    char nm[24];
    int rc;
    if (raw) {
        name(nm, 'r', s->nonce);
        if ((rc = j->hal->store_put(j->hal->ctx, nm, raw, s->raw_len))) return rc;
    }
    uint8_t p[SUB_REC_BLOB];
    size_t plen = sub_encode(s, p);
    name(nm, 't', s->nonce);
    if ((rc = j->hal->store_put(j->hal->ctx, nm, p, plen))) return rc;
    for (size_t i = 0; i < j->nsubs; i++)
        if (j->subs[i].nonce == s->nonce) {
            j->subs[i] = *s;
            return ZS_OK;
        }
    if (j->nsubs == FW_MAX_SUBS) return ZS_ERR_FULL;
    size_t i = j->nsubs++;
    while (i && j->subs[i - 1].nonce > s->nonce) {
        j->subs[i] = j->subs[i - 1];
        i--;
    }
    j->subs[i] = *s;
    return ZS_OK;
}

int fw_journal_sub_raw(fw_journal_t *j, uint64_t nonce, uint8_t *buf, size_t cap, size_t *len)
{
    char nm[24];
    name(nm, 'r', nonce);
    return j->hal->store_get(j->hal->ctx, nm, buf, cap, len);
}

void fw_journal_drop_sub(fw_journal_t *j, size_t index)
{
    char nm[24];
    name(nm, 't', j->subs[index].nonce);
    (void)j->hal->store_del(j->hal->ctx, nm);
    name(nm, 'r', j->subs[index].nonce);
    (void)j->hal->store_del(j->hal->ctx, nm);
    memmove(&j->subs[index], &j->subs[index + 1], (j->nsubs - index - 1) * sizeof j->subs[0]);
    j->nsubs--;
}

void fw_journal_drop_confirmed(fw_journal_t *j, uint64_t number)
{
    size_t k = 0;
    while (k < j->nbatches && j->batches[k].number <= number) {
        char nm[24];
        name(nm, 'b', j->batches[k].number);
        (void)j->hal->store_del(j->hal->ctx, nm);
        name(nm, 'd', j->batches[k].number);
        (void)j->hal->store_del(j->hal->ctx, nm);
        k++;
    }
    if (k) {
        memmove(j->batches, j->batches + k, (j->nbatches - k) * sizeof j->batches[0]);
        j->nbatches -= k;
    }
}

uint64_t fw_journal_backlog(const fw_journal_t *j)
{
    return j->cur.last_sealed > j->cur.virtual_ ? j->cur.last_sealed - j->cur.virtual_ : 0;
}

size_t fw_journal_pending(const fw_journal_t *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->nsubs; i++) n += j->subs[i].state == FW_SUB_PENDING;
    return n;
}

const uint8_t *fw_journal_last_tx(const fw_journal_t *j)
{
    if (!j->nsubs) return j->cur.virtual_tx;
    const fw_sub_t *s = &j->subs[j->nsubs - 1];
    return s->hashes[s->nhashes - 1];
}
