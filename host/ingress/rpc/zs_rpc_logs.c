/* Logs: eth_getLogs, and the polled filters (eth_newFilter,
   eth_newBlockFilter, eth_getFilterChanges, eth_getFilterLogs,
   eth_uninstallFilter).

   A query walks the blocks of its range; a block whose bloom cannot hold
   the addresses and topics asked for is skipped without reading its
   transactions.  Two limits protect the node and are said in the error:
   the blocks one query may scan (max_log_blocks) and the logs one answer
   may hold (max_logs).  Filters live in memory (a restart forgets them,
   as geth's do) and expire after five minutes without a poll. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "host/ingress/rpc/zs_rpc_int.h"
#include "lib/base/zs_hex.h"
#include "lib/base/zs_time.h"

#define MAX_ADDRS 256       /* addresses one filter may name */
#define MAX_ALTS 64         /* alternatives at one topic position */
#define FILTER_TTL_MS 300000

typedef struct {
    int has_hash;        /* blockHash: that block alone */
    uint8_t hash[32];
    json_t *from, *to;   /* the tags as given (NULL: latest) */
    size_t naddr;
    uint8_t (*addr)[20];
    size_t nalt[4];      /* 0 at a position: any topic */
    uint8_t (*alt[4])[32];
} log_filter_t;

static void filter_clear(log_filter_t *f)
{
    json_decref(f->from);
    json_decref(f->to);
    free(f->addr);
    for (int i = 0; i < 4; i++) free(f->alt[i]);
    memset(f, 0, sizeof *f);
}

/* Long because each field of geth's filter object is parsed and checked
   here with its own message: blockHash (alone), fromBlock/toBlock,
   address (one or a list), topics (up to four positions, each null, one
   hash or a list of hashes). */
static int parse_filter(json_t *j, log_filter_t *f, rpc_err_t *e)
{
    memset(f, 0, sizeof *f);
    if (!json_is_object(j)) {
        rpc_fail(e, -32602, "invalid params: want a filter object");
        return ZS_ERR_INVAL;
    }
    json_t *bh = json_object_get(j, "blockHash"), *fb = json_object_get(j, "fromBlock"),
           *tb = json_object_get(j, "toBlock");
    if (bh && !json_is_null(bh)) {
        if ((fb && !json_is_null(fb)) || (tb && !json_is_null(tb))) {
            rpc_fail(e, -32602, "invalid params: blockHash excludes fromBlock and toBlock");
            return ZS_ERR_INVAL;
        }
        if (rpc_parse_hash(bh, f->hash, e, "blockHash")) return ZS_ERR_INVAL;
        f->has_hash = 1;
    }
    if (fb && !json_is_null(fb)) f->from = json_incref(fb);
    if (tb && !json_is_null(tb)) f->to = json_incref(tb);
    json_t *a = json_object_get(j, "address");
    if (a && !json_is_null(a)) {
        size_t n = json_is_array(a) ? json_array_size(a) : 1;
        if (n > MAX_ADDRS) {
            rpc_fail(e, -32602, "invalid params: at most %d addresses in a filter", MAX_ADDRS);
            goto bad;
        }
        if (!(f->addr = malloc((n ? n : 1) * 20))) goto nomem;
        for (size_t i = 0; i < n; i++)
            if (rpc_parse_addr(json_is_array(a) ? json_array_get(a, i) : a, f->addr[i], e, "address")) goto bad;
        f->naddr = n;
    }
    json_t *t = json_object_get(j, "topics");
    if (t && !json_is_null(t)) {
        if (!json_is_array(t) || json_array_size(t) > 4) {
            rpc_fail(e, -32602, "invalid params: topics is a list of at most 4 positions");
            goto bad;
        }
        for (size_t i = 0; i < json_array_size(t); i++) {
            json_t *pos = json_array_get(t, i);
            if (json_is_null(pos)) continue;
            size_t n = json_is_array(pos) ? json_array_size(pos) : 1;
            if (n > MAX_ALTS) {
                rpc_fail(e, -32602, "invalid params: at most %d topics at one position", MAX_ALTS);
                goto bad;
            }
            if (!(f->alt[i] = malloc((n ? n : 1) * 32))) goto nomem;
            size_t k = 0;
            for (size_t m = 0; m < n; m++) {
                json_t *h = json_is_array(pos) ? json_array_get(pos, m) : pos;
                if (json_is_null(h)) { /* a null alternative matches anything */
                    k = 0;
                    break;
                }
                if (rpc_parse_hash(h, f->alt[i][k++], e, "topic")) goto bad;
            }
            f->nalt[i] = k;
        }
    }
    return 0;
nomem:
    rpc_fail(e, -32603, "out of memory");
bad:
    filter_clear(f);
    return ZS_ERR_INVAL;
}

static int log_matches(const log_filter_t *f, const zs_evm_log_t *l)
{
    if (f->naddr) {
        size_t i = 0;
        while (i < f->naddr && memcmp(f->addr[i], l->address, 20)) i++;
        if (i == f->naddr) return 0;
    }
    for (int p = 0; p < 4; p++) {
        if (!f->nalt[p]) continue;
        if (p >= l->ntopics) return 0;
        size_t i = 0;
        while (i < f->nalt[p] && memcmp(f->alt[p][i], l->topics[p], 32)) i++;
        if (i == f->nalt[p]) return 0;
    }
    return 1;
}

/* Whether a block's bloom may hold a match. */
static int bloom_may(const log_filter_t *f, const uint8_t bloom[256])
{
    if (f->naddr) {
        size_t i = 0;
        while (i < f->naddr && !zs_bloom_test(bloom, f->addr[i], 20)) i++;
        if (i == f->naddr) return 0;
    }
    for (int p = 0; p < 4; p++) {
        if (!f->nalt[p]) continue;
        size_t i = 0;
        while (i < f->nalt[p] && !zs_bloom_test(bloom, f->alt[p][i], 32)) i++;
        if (i == f->nalt[p]) return 0;
    }
    return 1;
}

/* Appends the matches of blocks [from, to] to out; 0, or an error in *e
   (a block or transaction record unreadable, or too many logs). */
static int scan(zs_rpc_t *r, const log_filter_t *f, uint64_t from, uint64_t to, json_t *out, rpc_err_t *e)
{
    zs_store_t *st = zs_node_store(r->node);
    for (uint64_t n = from; n <= to; n++) {
        zs_block_t b;
        int rc = zs_chain_get_block(st, n, &b);
        if (rc) {
            rpc_fail(e, -32603, "block %llu: %s", (unsigned long long)n, zs_strerror(rc));
            return ZS_ERR_INVAL;
        }
        if (!bloom_may(f, b.bloom)) {
            zs_block_clear(&b);
            continue;
        }
        for (uint32_t i = 0; i < b.ntx && !rc; i++) {
            zs_txrec_t t;
            if ((rc = zs_chain_get_tx(st, b.tx_hashes[i], &t))) {
                rpc_fail(e, -32603, "transaction %u of block %llu: %s", i, (unsigned long long)n, zs_strerror(rc));
                break;
            }
            zs_logs_iter_t it = {0};
            zs_evm_log_t l;
            for (uint32_t k = 0; !rc && zs_logs_next(t.logs, t.logs_len, &it, &l) == 1; k++) {
                if (!log_matches(f, &l)) continue;
                if (json_array_size(out) >= r->cfg.max_logs) {
                    rpc_fail(e, -32005, "query returned more than %u results; ask for a smaller block range",
                             r->cfg.max_logs);
                    rc = ZS_ERR_FULL;
                    break;
                }
                json_array_append_new(out, rpc_log_object(&l, &t, t.first_log + k));
            }
            zs_txrec_clear(&t);
        }
        zs_block_clear(&b);
        if (rc) return ZS_ERR_INVAL;
    }
    return 0;
}

/* The blocks a filter covers now: 0 with [*from, *to] (from > to: none). */
static int range_of(zs_rpc_t *r, const log_filter_t *f, uint64_t *from, uint64_t *to, rpc_err_t *e)
{
    if (f->has_hash) {
        if (zs_chain_block_number(zs_node_store(r->node), f->hash, from)) {
            rpc_fail(e, -32001, "block not found");
            return ZS_ERR_INVAL;
        }
        *to = *from;
        return 0;
    }
    uint64_t head = zs_node_head(r->node);
    int k = f->from ? rpc_parse_block(r, f->from, from, e) : (*from = head, 0);
    if (k < 0) return ZS_ERR_INVAL;
    if (k > 0) *from = head + 1;
    k = f->to ? rpc_parse_block(r, f->to, to, e) : (*to = head, 0);
    if (k < 0) return ZS_ERR_INVAL;
    if (k > 0) *to = head;
    return 0;
}

static int too_wide(zs_rpc_t *r, uint64_t from, uint64_t to, rpc_err_t *e)
{
    if (from <= to && to - from >= r->cfg.max_log_blocks) {
        rpc_fail(e, -32005, "block range too large: %llu blocks (this node scans at most %u per query)",
                 (unsigned long long)(to - from + 1), r->cfg.max_log_blocks);
        return 1;
    }
    return 0;
}

static json_t *get_logs(zs_rpc_t *r, const log_filter_t *f, rpc_err_t *e)
{
    uint64_t from, to;
    if (range_of(r, f, &from, &to, e) || too_wide(r, from, to, e)) return NULL;
    json_t *out = json_array();
    if (from <= to && scan(r, f, from, to, out, e)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *m_get_logs(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    log_filter_t f;
    if (parse_filter(rpc_param(p, 0), &f, e)) return NULL;
    json_t *out = get_logs(r, &f, e);
    filter_clear(&f);
    return out;
}

/* ---- Installed filters. */

typedef struct {
    int used, blocks;     /* blocks: eth_newBlockFilter's */
    uint8_t id[16];
    log_filter_t f;
    uint64_t next;        /* the first block not yet reported */
    uint64_t seen_ms;     /* last installed or polled */
} installed_t;

struct rpc_filters {
    pthread_mutex_t mu;
    unsigned max;
    installed_t *v;
};

rpc_filters_t *rpc_filters_new(unsigned max)
{
    rpc_filters_t *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->v = calloc(max, sizeof *fs->v))) {
        free(fs);
        return NULL;
    }
    fs->max = max;
    pthread_mutex_init(&fs->mu, NULL);
    return fs;
}

void rpc_filters_free(rpc_filters_t *fs)
{
    if (!fs) return;
    for (unsigned i = 0; i < fs->max; i++) filter_clear(&fs->v[i].f);
    free(fs->v);
    pthread_mutex_destroy(&fs->mu);
    free(fs);
}

static uint64_t wall_ms(void)
{
    return zs_mono_ns() / 1000000;
}

/* A free slot (expired ones are freed); NULL when all are taken. */
static installed_t *slot_new(rpc_filters_t *fs)
{
    uint64_t now = wall_ms();
    installed_t *free_slot = NULL;
    for (unsigned i = 0; i < fs->max; i++) {
        installed_t *x = &fs->v[i];
        if (x->used && now - x->seen_ms > FILTER_TTL_MS) {
            filter_clear(&x->f);
            x->used = 0;
        }
        if (!x->used && !free_slot) free_slot = x;
    }
    return free_slot;
}

static installed_t *slot_find(rpc_filters_t *fs, json_t *idj, rpc_err_t *e)
{
    uint8_t id[16];
    if (rpc_parse_hex_fixed(idj, id, 16)) {
        rpc_fail(e, -32602, "invalid filter id");
        return NULL;
    }
    uint64_t now = wall_ms();
    for (unsigned i = 0; i < fs->max; i++) {
        installed_t *x = &fs->v[i];
        if (x->used && !memcmp(x->id, id, 16)) {
            if (now - x->seen_ms > FILTER_TTL_MS) break;
            return x;
        }
    }
    rpc_fail(e, -32000, "filter not found");
    return NULL;
}

static json_t *install(zs_rpc_t *r, log_filter_t *f, int blocks, rpc_err_t *e)
{
    rpc_filters_t *fs = r->filters;
    pthread_mutex_lock(&fs->mu);
    installed_t *x = slot_new(fs);
    json_t *res = NULL;
    if (!x) {
        rpc_fail(e, -32005, "too many filters installed (%u); uninstall some or let them expire", fs->max);
        filter_clear(f);
    } else if (getrandom(x->id, 16, 0) != 16) {
        rpc_fail(e, -32603, "no randomness for a filter id");
        filter_clear(f);
    } else {
        x->used = 1;
        x->blocks = blocks;
        x->f = *f;
        x->next = zs_node_head(r->node) + 1;
        x->seen_ms = wall_ms();
        res = rpc_hexdata(x->id, 16);
    }
    pthread_mutex_unlock(&fs->mu);
    return res;
}

static json_t *m_new_filter(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    log_filter_t f;
    if (parse_filter(rpc_param(p, 0), &f, e)) return NULL;
    if (f.has_hash) {
        filter_clear(&f);
        return rpc_fail(e, -32602, "invalid params: a filter to install cannot name a blockHash");
    }
    return install(r, &f, 0, e);
}

static json_t *m_new_block_filter(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    log_filter_t f = {0};
    return install(r, &f, 1, e);
}

static json_t *block_hashes(zs_rpc_t *r, uint64_t from, uint64_t to, rpc_err_t *e)
{
    json_t *out = json_array();
    for (uint64_t n = from; n <= to; n++) {
        zs_block_t b;
        int rc = zs_chain_get_block(zs_node_store(r->node), n, &b);
        if (rc) {
            json_decref(out);
            return rpc_fail(e, -32603, "block %llu: %s", (unsigned long long)n, zs_strerror(rc));
        }
        json_array_append_new(out, rpc_hexdata(b.hash, 32));
        zs_block_clear(&b);
    }
    return out;
}

/* Long because a poll is done under the filter table's lock from lookup
   to the advance of its mark: the new blocks (or their logs within the
   filter's own range), at most max_log_blocks per poll so a filter left
   alone for a while catches up over several. */
static json_t *m_filter_changes(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_filters_t *fs = r->filters;
    pthread_mutex_lock(&fs->mu);
    json_t *res = NULL;
    installed_t *x = slot_find(fs, rpc_param(p, 0), e);
    if (!x) goto out;
    x->seen_ms = wall_ms();
    uint64_t head = zs_node_head(r->node), from = x->next, to = head;
    if (from > to) {
        res = json_array();
        goto out;
    }
    if (to - from >= r->cfg.max_log_blocks) to = from + r->cfg.max_log_blocks - 1;
    if (x->blocks) {
        res = block_hashes(r, from, to, e);
    } else {
        uint64_t lo, hi;
        if (range_of(r, &x->f, &lo, &hi, e)) goto out;
        const char *tag = json_string_value(x->f.from);
        if (!x->f.from || (tag && (!strcmp(tag, "latest") || !strcmp(tag, "pending"))))
            lo = 0; /* from the install on */
        res = json_array();
        if (lo < from) lo = from;
        if (hi > to) hi = to;
        if (lo <= hi && scan(r, &x->f, lo, hi, res, e)) {
            json_decref(res);
            res = NULL;
            goto out;
        }
    }
    if (res) x->next = to + 1;
out:
    pthread_mutex_unlock(&fs->mu);
    return res;
}

static json_t *m_filter_logs(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_filters_t *fs = r->filters;
    pthread_mutex_lock(&fs->mu);
    json_t *res = NULL;
    installed_t *x = slot_find(fs, rpc_param(p, 0), e);
    if (x && x->blocks) rpc_fail(e, -32000, "filter not found: eth_getFilterLogs takes a log filter");
    else if (x) {
        x->seen_ms = wall_ms();
        res = get_logs(r, &x->f, e);
    }
    pthread_mutex_unlock(&fs->mu);
    return res;
}

static json_t *m_uninstall_filter(zs_rpc_t *r, json_t *p, rpc_err_t *e)
{
    rpc_filters_t *fs = r->filters;
    pthread_mutex_lock(&fs->mu);
    rpc_err_t ignore = {0};
    installed_t *x = slot_find(fs, rpc_param(p, 0), &ignore);
    if (x) {
        filter_clear(&x->f);
        x->used = 0;
    }
    pthread_mutex_unlock(&fs->mu);
    json_decref(ignore.data);
    return json_boolean(x != NULL);
}

const zs_rpc_method_t zs_rpc_logs_methods[] = {
    {"eth_getLogs", m_get_logs},
    {"eth_newFilter", m_new_filter},
    {"eth_newBlockFilter", m_new_block_filter},
    {"eth_getFilterChanges", m_filter_changes},
    {"eth_getFilterLogs", m_filter_logs},
    {"eth_uninstallFilter", m_uninstall_filter},
    {NULL, NULL},
};
