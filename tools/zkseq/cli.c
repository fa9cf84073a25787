#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_hex.h"
#include "lib/rlp/zs_rlp.h"
#include "lib/tx/zs_addr.h"
#include "tools/zkseq/zkseq_cli.h"

void cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("zkseq: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void cli_print(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (!s) cli_fail("cannot format output");
    puts(s);
    free(s);
    json_decref(j);
    if (fflush(stdout)) cli_fail("cannot write output: %s", strerror(errno));
}

uint8_t *cli_hex(const char *what, const char *text, size_t *len)
{
    size_t slen = strlen(text);
    uint8_t *out = malloc(slen / 2 + 1);
    if (!out) cli_fail("out of memory");
    int err = zs_hex_decode(out, slen / 2 + 1, len, text, slen);
    if (err) cli_fail("%s: not hex (odd length or a non-hex character)", what);
    return out;
}

void cli_hex_exact(const char *what, const char *text, uint8_t *out, size_t n)
{
    if (zs_hex_decode_exact(out, n, text)) cli_fail("%s: expected %zu bytes of hex", what, n);
}

uint64_t cli_u64(const char *what, const char *text)
{
    zs_u256_t v;
    int err = zs_u256_parse(&v, text);
    if (err == ZS_ERR_PARSE) cli_fail("%s: not a number: '%s'", what, text);
    if (err || !zs_u256_fits_u64(&v)) cli_fail("%s: above 2^64 - 1: %s", what, text);
    return v.w[0];
}

zs_u256_t cli_u256(const char *what, const char *text)
{
    zs_u256_t v;
    int err = zs_u256_parse(&v, text);
    if (err == ZS_ERR_PARSE) cli_fail("%s: not a number: '%s'", what, text);
    if (err) cli_fail("%s: above 2^256 - 1", what);
    return v;
}

void cli_addr(const char *what, const char *text, uint8_t out[20])
{
    int err = zs_addr_parse(out, text);
    if (err == ZS_ERR_CRYPTO) cli_fail("%s: bad EIP-55 checksum in %s", what, text);
    if (err) cli_fail("%s: not an address (0x and 40 hex digits): '%s'", what, text);
}

json_t *cli_json_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s) cli_fail("out of memory");
    zs_hex_encode_0x(s, p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *cli_json_u256(const zs_u256_t *v)
{
    char buf[ZS_U256_DEC_MAX];
    zs_u256_to_dec(v, buf);
    return json_string(buf);
}

json_t *cli_json_u64(uint64_t v)
{
    zs_u256_t x = zs_u256_from_u64(v);
    return cli_json_u256(&x);
}

json_t *cli_json_addr(const uint8_t a[20])
{
    char buf[ZS_ADDR_TEXT];
    zs_addr_format(a, buf);
    return json_string(buf);
}

static json_t *access_list_json(const zs_tx_t *tx)
{
    json_t *arr = json_array();
    if (!tx->access_list_len) return arr;
    zs_rlp_item_t list, entry;
    if (zs_rlp_decode_exact(tx->access_list, tx->access_list_len, &list, NULL)) return arr;
    zs_rlp_iter_t it;
    zs_rlp_iter_init(&it, &list);
    while (zs_rlp_iter_next(&it, &entry, NULL) == 1) {
        zs_rlp_item_t parts[2], key;
        size_t k;
        if (zs_rlp_list_items(&entry, parts, 2, &k, NULL) || k != 2) break;
        json_t *keys = json_array();
        zs_rlp_iter_t ki;
        zs_rlp_iter_init(&ki, &parts[1]);
        while (zs_rlp_iter_next(&ki, &key, NULL) == 1) json_array_append_new(keys, cli_json_hex(key.payload, key.len));
        json_array_append_new(arr, json_pack("{s:o,s:o}", "address", cli_json_addr(parts[0].payload),
                                             "storageKeys", keys));
    }
    return arr;
}

json_t *cli_tx_json(const zs_tx_t *tx, const uint8_t *sender)
{
    json_t *j = json_object();
    json_object_set_new(j, "type", json_integer(tx->type));
    json_object_set_new(j, "chainId", tx->has_chain_id ? cli_json_u64(tx->chain_id) : json_null());
    json_object_set_new(j, "nonce", cli_json_u64(tx->nonce));
    if (tx->type == ZS_TX_DYNAMIC_FEE) {
        json_object_set_new(j, "maxFeePerGas", cli_json_u256(&tx->max_fee));
        json_object_set_new(j, "maxPriorityFeePerGas", cli_json_u256(&tx->max_priority_fee));
    } else {
        json_object_set_new(j, "gasPrice", cli_json_u256(&tx->gas_price));
    }
    json_object_set_new(j, "gas", cli_json_u64(tx->gas));
    json_object_set_new(j, "gasLimit", cli_json_u64(tx->gas));
    json_object_set_new(j, "to", tx->has_to ? cli_json_addr(tx->to) : json_null());
    json_object_set_new(j, "value", cli_json_u256(&tx->value));
    json_object_set_new(j, "input", cli_json_hex(tx->data, tx->data_len));
    json_object_set_new(j, "data", cli_json_hex(tx->data, tx->data_len));
    if (tx->type != ZS_TX_LEGACY) json_object_set_new(j, "accessList", access_list_json(tx));
    json_object_set_new(j, "v", cli_json_u256(&tx->v));
    json_object_set_new(j, "yParity", json_integer(tx->y_parity));
    json_object_set_new(j, "r", cli_json_hex(tx->r, 32));
    json_object_set_new(j, "s", cli_json_hex(tx->s, 32));
    if (sender) json_object_set_new(j, "from", cli_json_addr(sender));
    json_object_set_new(j, "hash", cli_json_hex(tx->hash, 32));
    return j;
}

zs_genesis_t *cli_genesis(const char *what, json_t *g)
{
    char *text = json_dumps(g, JSON_COMPACT);
    char err[512];
    zs_genesis_t *gen = text ? zs_genesis_parse(text, strlen(text), err, sizeof err) : NULL;
    free(text);
    if (!gen) cli_fail("%s: %s", what, text ? err : "out of memory");
    return gen;
}
