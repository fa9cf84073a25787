#include "host/genesis/zs_genesis.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/tx/zs_addr.h"

static int json_u256(json_t *j, zs_u256_t *out)
{
    if (!j) {
        *out = zs_u256_from_u64(0);
        return ZS_OK;
    }
    if (json_is_integer(j)) {
        if (json_integer_value(j) < 0) return ZS_ERR_PARSE;
        *out = zs_u256_from_u64((uint64_t)json_integer_value(j));
        return ZS_OK;
    }
    if (!json_is_string(j)) return ZS_ERR_PARSE;
    return zs_u256_parse(out, json_string_value(j));
}

void zs_genesis_free(zs_genesis_t *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->naccounts; i++) {
        free(g->accounts[i].code);
        free(g->accounts[i].storage);
    }
    free(g->accounts);
    free(g->text);
    free(g);
}

static int by_slot(const void *x, const void *y)
{
    return zs_u256_cmp(&((const zs_genesis_slot_t *)x)->slot, &((const zs_genesis_slot_t *)y)->slot);
}

/* The storage object of entry i into a: 0, or a sentence in err. */
static int read_storage(json_t *storage, size_t i, const char *addr, zs_genesis_account_t *a, char *err,
                        size_t errlen)
{
    if (!storage || json_is_null(storage)) return ZS_OK;
    if (!json_is_object(storage)) {
        snprintf(err, errlen, "genesis entry %zu (%s): storage is not an object", i, addr);
        return ZS_ERR_PARSE;
    }
    a->storage = calloc(json_object_size(storage) + 1, sizeof *a->storage);
    if (!a->storage) {
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    const char *slot;
    json_t *val;
    json_object_foreach(storage, slot, val)
    {
        zs_genesis_slot_t *s = &a->storage[a->nstorage];
        if (zs_u256_parse(&s->slot, slot) || json_u256(val, &s->value)) {
            snprintf(err, errlen, "genesis entry %zu (%s): bad storage slot %s", i, addr, slot);
            return ZS_ERR_PARSE;
        }
        a->nstorage++;
    }
    /* In slot order, whatever the text's: a slot written twice (0x2 and
       0x02) would take the value of whichever came last, and the canonical
       text (keys sorted as strings) would give the other. */
    qsort(a->storage, a->nstorage, sizeof *a->storage, by_slot);
    for (size_t k = 1; k < a->nstorage; k++)
        if (!zs_u256_cmp(&a->storage[k - 1].slot, &a->storage[k].slot)) {
            char hex[67];
            zs_u256_to_hex(&a->storage[k].slot, hex);
            snprintf(err, errlen, "genesis entry %zu (%s): storage slot %s is given twice", i, addr, hex);
            return ZS_ERR_PARSE;
        }
    return ZS_OK;
}

/* Entry i of the addresses list into a: 0, or a sentence in err. */
static int read_account(json_t *e, size_t i, zs_genesis_account_t *a, char *err, size_t errlen)
{
    const char *addr = json_string_value(json_object_get(e, "address"));
    if (!json_is_object(e) || !addr || zs_addr_parse(a->address, addr)) {
        snprintf(err, errlen, "genesis entry %zu: \"address\" missing or not an address", i);
        return ZS_ERR_PARSE;
    }
    if (json_u256(json_object_get(e, "balance"), &a->balance)) {
        snprintf(err, errlen, "genesis entry %zu (%s): bad balance", i, addr);
        return ZS_ERR_PARSE;
    }
    zs_u256_t nonce;
    if (json_u256(json_object_get(e, "nonce"), &nonce) || !zs_u256_fits_u64(&nonce)) {
        snprintf(err, errlen, "genesis entry %zu (%s): bad nonce", i, addr);
        return ZS_ERR_PARSE;
    }
    a->nonce = nonce.w[0];
    json_t *code = json_object_get(e, "bytecode");
    if (code && !json_is_null(code)) {
        size_t slen = json_is_string(code) ? json_string_length(code) : 1;
        if (!json_is_string(code) || slen % 2) {
            snprintf(err, errlen, "genesis entry %zu (%s): bytecode is not hex", i, addr);
            return ZS_ERR_PARSE;
        }
        a->code = malloc(slen / 2 + 1);
        if (!a->code) {
            snprintf(err, errlen, "out of memory");
            return ZS_ERR_NOMEM;
        }
        if (zs_hex_decode(a->code, slen / 2 + 1, &a->code_len, json_string_value(code), slen)) {
            snprintf(err, errlen, "genesis entry %zu (%s): bytecode is not hex", i, addr);
            return ZS_ERR_PARSE;
        }
        if (!a->code_len) {
            free(a->code);
            a->code = NULL;
        }
    }
    return read_storage(json_object_get(e, "storage"), i, addr, a, err, errlen);
}

static int by_address(const void *x, const void *y)
{
    const zs_genesis_account_t *const *a = x, *const *b = y;
    int c = memcmp((*a)->address, (*b)->address, 20);
    return c ? c : (*a < *b ? -1 : *a > *b);
}

/* An address given by two entries (which would win depends on the order
   they are applied in): 1 with a sentence in err, else 0. */
static int twice(const zs_genesis_t *g, char *err, size_t errlen)
{
    const zs_genesis_account_t **by = malloc((g->naccounts + 1) * sizeof *by);
    if (!by) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    for (size_t k = 0; k < g->naccounts; k++) by[k] = &g->accounts[k];
    qsort(by, g->naccounts, sizeof *by, by_address);
    int dup = 0;
    for (size_t k = 1; k < g->naccounts && !dup; k++)
        if (!memcmp(by[k - 1]->address, by[k]->address, 20)) {
            char a[43];
            zs_hex_encode_0x(a, by[k]->address, 20);
            snprintf(err, errlen, "genesis entries %zu and %zu both give address %s", (size_t)(by[k - 1] - g->accounts),
                     (size_t)(by[k] - g->accounts), a);
            dup = 1;
        }
    free(by);
    return dup;
}

static zs_genesis_t *from_json(json_t *root, char *err, size_t errlen)
{
    /* "addresses" as the test vectors spell it; "genesis" as a node's
       genesis file does (zkevm-node, cdk), its other keys ignored */
    json_t *list = json_is_object(root) ? json_object_get(root, "addresses") : NULL;
    if (!list && json_is_object(root)) list = json_object_get(root, "genesis");
    if (!json_is_array(list)) {
        snprintf(err, errlen, "genesis: expected an object with an \"addresses\" (or \"genesis\") array");
        return NULL;
    }
    zs_genesis_t *g = calloc(1, sizeof *g);
    if (g) g->accounts = calloc(json_array_size(list) + 1, sizeof *g->accounts);
    if (g) g->text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (!g || !g->accounts || !g->text) {
        zs_genesis_free(g);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        g->naccounts++;
        if (read_account(e, i, &g->accounts[i], err, errlen)) {
            zs_genesis_free(g);
            return NULL;
        }
    }
    if (twice(g, err, errlen)) {
        zs_genesis_free(g);
        return NULL;
    }
    return g;
}

zs_genesis_t *zs_genesis_parse(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "genesis: %s (line %d)", je.text, je.line);
        return NULL;
    }
    zs_genesis_t *g = from_json(root, err, errlen);
    json_decref(root);
    return g;
}

zs_genesis_t *zs_genesis_load(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "genesis %s: %s (line %d)", path, je.text, je.line);
        return NULL;
    }
    zs_genesis_t *g = from_json(root, err, errlen);
    json_decref(root);
    return g;
}
