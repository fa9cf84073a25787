/* What the L1 suites share (bench_l1.h): the devnets, JSON-RPC to them,
   and the L2 load in simulated time. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/fw.h"
#include "lib/base/zs_hex.h"
#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench_l1.h"
#include "tools/common/zs_httpc.h"

/* ---- JSON-RPC to anvil ---- */

static char *rpc_body;
static size_t rpc_cap;

json_t *l1_rpc(const devnet_t *d, const char *method, const char *params, char *why, size_t whylen)
{
    size_t need = strlen(method) + strlen(params) + 64;
    if (need > rpc_cap) {
        free(rpc_body);
        rpc_cap = need * 2;
        rpc_body = malloc(rpc_cap);
        if (!rpc_body) {
            snprintf(why, whylen, "out of memory");
            return NULL;
        }
    }
    snprintf(rpc_body, rpc_cap, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
    static char resp[65536];
    if (zs_httpc_call(d->port, rpc_body, resp, sizeof resp)) {
        snprintf(why, whylen, "%s: no answer from %s", method, d->rpc);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loads(resp, 0, &je);
    json_t *res = j ? json_object_get(j, "result") : NULL;
    if (!res || json_is_null(res)) {
        json_t *err = j ? json_object_get(j, "error") : NULL;
        const char *msg = err ? json_string_value(json_object_get(err, "message")) : NULL;
        snprintf(why, whylen, "%s: %s", method, msg ? msg : "no result");
        json_decref(j);
        return NULL;
    }
    json_incref(res);
    json_decref(j);
    return res;
}

uint64_t l1_hex_u64(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? strtoull(s, NULL, 16) : 0;
}

static void selector(const char *sig, uint8_t out[4])
{
    uint8_t h[32];
    zs_keccak256(sig, strlen(sig), h);
    memcpy(out, h, 4);
}

/* eth_call to `to` with 4+32*nargs bytes; the first 32 bytes of the answer. */
int l1_call32(const devnet_t *d, const uint8_t to[20], const char *sig, const uint64_t *args, size_t nargs,
                  uint8_t out[32], char *why, size_t whylen)
{
    uint8_t data[4 + 32 * 2] = {0};
    selector(sig, data);
    for (size_t i = 0; i < nargs; i++)
        for (int b = 0; b < 8; b++) data[4 + 32 * i + 31 - b] = (uint8_t)(args[i] >> (8 * b));
    char to_hex[43], data_hex[2 * sizeof data + 3], params[512];
    zs_hex_encode_0x(to_hex, to, 20);
    zs_hex_encode_0x(data_hex, data, 4 + 32 * nargs);
    snprintf(params, sizeof params, "[{\"to\":\"%s\",\"data\":\"%s\"},\"latest\"]", to_hex, data_hex);
    json_t *r = l1_rpc(d, "eth_call", params, why, whylen);
    if (!r) return -1;
    size_t n = 0;
    const char *s = json_string_value(r);
    uint8_t buf[64];
    int rc = s && !zs_hex_decode(buf, sizeof buf, &n, s, strlen(s)) && n >= 32 ? 0 : -1;
    if (!rc) memcpy(out, buf, 32);
    else snprintf(why, whylen, "%s: unexpected answer", sig);
    json_decref(r);
    return rc;
}

int l1_load_devnet(const char *path, devnet_t *d, char *why, size_t whylen)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        snprintf(why, whylen, "%s: %s", path, je.text);
        return -1;
    }
    const char *hf = json_string_value(json_object_get(j, "hardfork"));
    const char *url = json_string_value(json_object_get(j, "rpc"));
    const char *ro = json_string_value(json_object_get(j, "rollup"));
    const char *ge = json_string_value(json_object_get(j, "globalExitRootManager"));
    const char *se = json_string_value(json_object_get(j, "sequencer"));
    const char *sk = json_string_value(json_object_get(j, "sequencerKey"));
    d->have_key = sk && !zs_hex_decode_exact(d->sequencer_key, 32, sk);
    const char *colon = url ? strrchr(url, ':') : NULL;
    int ok = hf && url && ro && ge && se && colon && !strncmp(url, "http://127.0.0.1:", 17) &&
             !zs_hex_decode_exact(d->rollup, 20, ro) && !zs_hex_decode_exact(d->ger, 20, ge) &&
             !zs_hex_decode_exact(d->sequencer, 20, se);
    if (ok) {
        snprintf(d->hardfork, sizeof d->hardfork, "%s", hf);
        snprintf(d->rpc, sizeof d->rpc, "%s", url);
        d->port = (uint16_t)atoi(colon + 1);
    } else {
        snprintf(why, whylen, "%s: needs hardfork, rpc (http://127.0.0.1:PORT), rollup, globalExitRootManager, sequencer",
                 path);
    }
    json_decref(j);
    return ok ? 0 : -1;
}

/* ---- the L2 side, in simulated time ---- */

/* Room for need bytes of batch data. */
static int reserve(sim_t *s, size_t need)
{
    if (need <= s->cap) return 0;
    size_t c = s->cap ? s->cap : 1 << 20;
    while (c < need) c *= 2;
    uint8_t *q = realloc(s->data, c);
    if (!q) return -1;
    s->data = q;
    s->cap = c;
    return 0;
}

static int seal(sim_t *s, size_t start, double now_ms)
{
    if (s->n == s->ncap) {
        size_t c = s->ncap ? 2 * s->ncap : 64;
        size_t *off = realloc(s->off, c * sizeof *off);
        if (!off) return -1;
        s->off = off;
        size_t *blen = realloc(s->blen, c * sizeof *blen);
        if (!blen) return -1;
        s->blen = blen;
        double *ms = realloc(s->sealed_ms, c * sizeof *ms);
        if (!ms) return -1;
        s->sealed_ms = ms;
        s->ncap = c;
    }
    s->off[s->n] = start;
    s->blen[s->n] = s->len - start;
    s->sealed_ms[s->n] = now_ms;
    s->n++;
    return 0;
}

/* Transfers at `rate` for `window_s` seconds of L2 time, batched by the
   firmware's default policy. */
int l1_simulate(sim_t *s, double rate, double window_s, uint64_t *nonces, const uint8_t (*keys)[32])
{
    zs_batch_policy_t pc;
    zs_batch_policy_defaults(&pc);
    fw_policy_t p;
    fw_policy_init(&p, &pc);
    uint64_t total = (uint64_t)(rate * window_s), number = 1;
    size_t batch_start = 0, batch_txs = 0;
    double batch_open_ms = 0, block_open_ms = -1e9, last_obs = -1e9;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (uint64_t i = 0; i < total; i++) {
        double now = (double)i * 1000.0 / rate;
        if (now - last_obs >= 100) {
            (void)fw_policy_observe(&p, s->txs, (uint64_t)now);
            last_obs = now;
        }
        uint32_t reason;
        if (batch_txs && fw_policy_close_due(&p, number, (uint64_t)(now - batch_open_ms), s->len - batch_start,
                                             batch_txs, batch_txs * 21000, (uint64_t)now, &reason)) {
            if (seal(s, batch_start, now)) return -1;
            number++;
            batch_start = s->len;
            batch_txs = 0;
        }
        /* The transfer. */
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        size_t a = (size_t)(i % SENDERS);
        uint8_t to[20];
        for (int b = 0; b < 20; b++) to[b] = (uint8_t)(rng >> (8 * (b % 8))) ^ (uint8_t)b;
        zs_tx_t tx;
        uint8_t raw[256], enc[256];
        size_t rawlen;
        zs_u256_t value = zs_u256_from_u64(1000000000000ull + (rng >> 24));
        if (zs_tx_sign_transfer(&tx, keys[a], 1001, nonces[a]++, to, &value, 1000000000ull, raw, sizeof raw, &rawlen))
            return -1;
        long el = zs_batch_encode_tx(&tx, 0xff, enc, sizeof enc);
        if (el < 0) return -1;
        int new_block = !batch_txs || now - block_open_ms >= p.block_time_ms;
        size_t add = (size_t)el + (new_block ? 9 : 0);
        if (batch_txs && (s->len - batch_start + add > pc.max_bytes || batch_txs + 1 > pc.max_txs)) {
            if (seal(s, batch_start, now)) return -1;
            number++;
            batch_start = s->len;
            batch_txs = 0;
            new_block = 1;
            add = (size_t)el + 9;
        }
        if (!batch_txs) batch_open_ms = now;
        if (reserve(s, s->len + add)) return -1;
        if (new_block) {
            uint32_t delta = block_open_ms < 0 ? 0 : (uint32_t)((now - block_open_ms) / 1000.0);
            long bl = zs_batch_encode_change_l2_block(delta, 0, s->data + s->len, 9);
            if (bl != 9) return -1;
            s->len += 9;
            block_open_ms = now;
            s->blocks++;
        }
        memcpy(s->data + s->len, enc, (size_t)el);
        s->len += (size_t)el;
        batch_txs++;
        s->txs++;
    }
    if (batch_txs && seal(s, batch_start, window_s * 1000.0)) return -1;
    return 0;
}

