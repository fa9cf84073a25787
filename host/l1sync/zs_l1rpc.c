#include "host/l1sync/zs_l1rpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/zs_grow.h"
#include "lib/base/zs_hex.h"

/* The largest answer taken (eth_getLogs over a long range can be big). */
#define MAX_ANSWER (64u << 20)

struct zs_l1rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    int timeout_ms;
    uint64_t id;
    char *buf; /* the answer being read */
    size_t len, cap;
    int too_big;
    char err[256];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    zs_l1rpc_t *c = arg;
    size_t k = size * n;
    if (c->len + k + 1 > MAX_ANSWER) {
        c->too_big = 1;
        return 0;
    }
    if (zs_grow((void **)&c->buf, &c->cap, c->len + k + 1, 1, 65536)) return 0;
    memcpy(c->buf + c->len, p, k);
    c->len += k;
    c->buf[c->len] = 0;
    return k;
}

zs_l1rpc_t *zs_l1rpc_new(const char *url, int timeout_ms)
{
    pthread_once(&curl_once, curl_init_once);
    zs_l1rpc_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->url = strdup(url);
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c->url || !c->curl || !c->headers) {
        zs_l1rpc_free(c);
        return NULL;
    }
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    return c;
}

void zs_l1rpc_free(zs_l1rpc_t *c)
{
    if (!c) return;
    if (c->curl) curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->url);
    free(c->buf);
    free(c);
}

const char *zs_l1rpc_error(const zs_l1rpc_t *c)
{
    return c->err;
}

int zs_l1rpc_answer(zs_l1rpc_t *c, const char *method, json_t *params, json_t **answer)
{
    *answer = NULL;
    json_t *req = json_pack("{s:s,s:I,s:s,s:o}", "jsonrpc", "2.0", "id", (json_int_t)++c->id, "method", method,
                            "params", params ? params : json_array());
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) return ZS_ERR_NOMEM;
    c->len = 0;
    c->too_big = 0;
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    CURLcode cc = curl_easy_perform(c->curl);
    free(body);
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", method,
                 c->too_big ? "the answer is larger than 64 MiB" : curl_easy_strerror(cc));
        return cc == CURLE_OPERATION_TIMEDOUT ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
    }
    json_error_t je;
    json_t *ans = c->len ? json_loadb(c->buf, c->len, 0, &je) : NULL;
    if (!json_is_object(ans)) {
        json_decref(ans);
        snprintf(c->err, sizeof c->err, "%s: HTTP %ld, not a JSON answer", method, status);
        return status >= 200 && status < 300 ? ZS_ERR_PARSE : ZS_ERR_IO;
    }
    *answer = ans;
    return ZS_OK;
}

int zs_l1rpc_call(zs_l1rpc_t *c, const char *method, json_t *params, json_t **result)
{
    *result = NULL;
    json_t *ans;
    int rc = zs_l1rpc_answer(c, method, params, &ans);
    if (rc) return rc;
    json_t *err = json_object_get(ans, "error"), *res = json_object_get(ans, "result");
    if (err) {
        const char *m = json_string_value(json_object_get(err, "message"));
        snprintf(c->err, sizeof c->err, "%s: L1 answered error %lld: %s", method,
                 (long long)json_integer_value(json_object_get(err, "code")), m ? m : "(no message)");
        rc = ZS_ERR_REFUSED;
    } else if (!res) {
        snprintf(c->err, sizeof c->err, "%s: the answer has no result", method);
        rc = ZS_ERR_PARSE;
    } else {
        *result = json_incref(res);
    }
    json_decref(ans);
    return rc;
}

/* ---- Values. */

int zs_l1rpc_qty(json_t *j, uint64_t *v)
{
    const char *s = json_string_value(j);
    if (!s || s[0] != '0' || s[1] != 'x' || !s[2] || strlen(s) > 18) return ZS_ERR_PARSE;
    uint64_t x = 0;
    for (const char *p = s + 2; *p; p++) {
        int d = zs_hex_digit((unsigned char)*p);
        if (d < 0) return ZS_ERR_PARSE;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    return ZS_OK;
}

int zs_l1rpc_data(json_t *j, uint8_t *out, size_t n)
{
    const char *s = json_string_value(j);
    return s && !zs_hex_decode_exact(out, n, s) ? ZS_OK : ZS_ERR_PARSE;
}

int zs_l1rpc_data_alloc(json_t *j, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(j);
    *out = NULL;
    *len = 0;
    if (!s || s[0] != '0' || s[1] != 'x' || strlen(s) % 2) return ZS_ERR_PARSE;
    size_t n = (strlen(s) - 2) / 2;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) return ZS_ERR_NOMEM;
    size_t got;
    if (zs_hex_decode(p, n, &got, s, strlen(s)) || got != n) {
        free(p);
        return ZS_ERR_PARSE;
    }
    *out = p;
    *len = n;
    return ZS_OK;
}

static json_t *qty(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
    return json_string(s);
}

static json_t *hexdata(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s) return NULL;
    zs_hex_encode_0x(s, p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static int shape(zs_l1rpc_t *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: the answer does not have the expected shape", what);
    return ZS_ERR_PARSE;
}

/* ---- Calls. */

int zs_l1rpc_block(zs_l1rpc_t *c, const char *tag, uint64_t number, zs_l1_block_t *out)
{
    json_t *res;
    int rc = zs_l1rpc_call(c, "eth_getBlockByNumber", json_pack("[o,b]", tag ? json_string(tag) : qty(number), 0),
                           &res);
    if (rc) return rc;
    if (json_is_null(res)) {
        json_decref(res);
        snprintf(c->err, sizeof c->err, "eth_getBlockByNumber: L1 has no block %s", tag ? tag : "by that number");
        return ZS_ERR_NOTFOUND;
    }
    if (zs_l1rpc_qty(json_object_get(res, "number"), &out->number) ||
        zs_l1rpc_qty(json_object_get(res, "timestamp"), &out->timestamp) ||
        zs_l1rpc_data(json_object_get(res, "hash"), out->hash, 32) ||
        zs_l1rpc_data(json_object_get(res, "parentHash"), out->parent, 32))
        rc = shape(c, "eth_getBlockByNumber");
    json_decref(res);
    return rc;
}

int zs_l1rpc_logs(zs_l1rpc_t *c, uint64_t from, uint64_t to, const uint8_t (*addrs)[20], size_t n,
                  const uint8_t (*topics)[32], size_t m, json_t **out)
{
    json_t *a = json_array(), *t = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, hexdata(addrs[i], 20));
    for (size_t i = 0; i < m; i++) json_array_append_new(t, hexdata(topics[i], 32));
    json_t *filter = json_pack("{s:o,s:o,s:o,s:[o]}", "fromBlock", qty(from), "toBlock", qty(to), "address", a,
                               "topics", t);
    int rc = zs_l1rpc_call(c, "eth_getLogs", json_pack("[o]", filter), out);
    if (!rc && !json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = shape(c, "eth_getLogs");
    }
    return rc;
}

int zs_l1rpc_tx(zs_l1rpc_t *c, const uint8_t hash[32], uint8_t **input, size_t *len, uint8_t from[20])
{
    json_t *res;
    int rc = zs_l1rpc_call(c, "eth_getTransactionByHash", json_pack("[o]", hexdata(hash, 32)), &res);
    if (rc) return rc;
    if (json_is_null(res)) {
        json_decref(res);
        snprintf(c->err, sizeof c->err, "eth_getTransactionByHash: L1 does not know the transaction");
        return ZS_ERR_NOTFOUND;
    }
    rc = zs_l1rpc_data_alloc(json_object_get(res, "input"), input, len);
    if (!rc && zs_l1rpc_data(json_object_get(res, "from"), from, 20)) {
        free(*input);
        *input = NULL;
        rc = ZS_ERR_PARSE;
    }
    json_decref(res);
    return rc ? shape(c, "eth_getTransactionByHash") : ZS_OK;
}

int zs_l1rpc_eth_call(zs_l1rpc_t *c, const uint8_t to[20], const uint8_t *data, size_t len, uint64_t number,
                      uint8_t **out, size_t *outlen)
{
    json_t *call = json_pack("{s:o,s:o}", "to", hexdata(to, 20), "data", hexdata(data, len));
    json_t *res;
    int rc = zs_l1rpc_call(c, "eth_call", json_pack("[o,o]", call, number ? qty(number) : json_string("latest")), &res);
    if (rc) return rc;
    rc = zs_l1rpc_data_alloc(res, out, outlen);
    json_decref(res);
    return rc ? shape(c, "eth_call") : ZS_OK;
}
