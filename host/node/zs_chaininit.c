#include "host/node/zs_chaininit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/chain/zs_chain.h"
#include "host/exec/zs_exec.h"
#include "host/node/zs_batcher.h"
#include "host/store/zs_schema.h"

static const char genesis_key[] = "chain/genesis";
static const char params_key[] = "chain/params";

/* The parameters record: a small JSON object, so an operator can read it
   with any RocksDB tool. */
static char *params_text(const zs_chain_params_t *p)
{
    char fee[ZS_U256_DEC_MAX];
    zs_u256_to_dec(&p->base_fee, fee);
    json_t *pj = json_pack("{s:I,s:s,s:I}", "chain_id", (json_int_t)p->chain_id, "base_fee", fee, "timestamp",
                           (json_int_t)p->timestamp);
    char *ps = pj ? json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(pj);
    return ps;
}

/* Block 0 of a state root into sb. */
static int put_genesis_block(zs_store_batch_t *sb, const zs_smt_ref_t *root, uint64_t timestamp,
                             const uint8_t coinbase[20], uint8_t state_root[32])
{
    zs_block_t g = {0};
    g.timestamp = timestamp;
    zs_smt_h4_to_be(root->hash, g.state_root);
    g.gas_limit = ZS_BLOCK_GAS_LIMIT;
    memcpy(g.coinbase, coinbase, 20);
    int rc = zs_block_roots(NULL, 0, g.tx_root, g.receipts_root);
    if (rc) return rc;
    zs_block_hash(&g, g.hash);
    zs_chain_put_block(sb, &g);
    memcpy(state_root, g.state_root, 32);
    return ZS_OK;
}

int zs_chaininit_create(zs_store_t *store, zs_state_t *st, const zs_genesis_t *genesis, const zs_chain_params_t *p,
                        const uint8_t coinbase[20], char *err, size_t errlen)
{
    int rc = zs_state_apply_genesis(st, genesis, err, errlen);
    if (rc) return rc;
    if ((rc = zs_exec_genesis_timestamp(st, p->timestamp))) return rc;
    zs_store_batch_t *sb = zs_store_batch_new(store);
    char *ps = params_text(p);
    if (!sb || !ps) {
        zs_store_batch_free(sb);
        free(ps);
        snprintf(err, errlen, "out of memory");
        return ZS_ERR_NOMEM;
    }
    zs_smt_ref_t root;
    uint8_t state_root[32], ler[32];
    if ((rc = zs_state_commit(st, sb, 0, &root, NULL)) ||
        (rc = put_genesis_block(sb, &root, p->timestamp, coinbase, state_root)) ||
        (rc = zs_exec_local_exit_root(st, ler))) {
        snprintf(err, errlen, "genesis: %s", zs_strerror(rc));
        goto out;
    }
    zs_batcher_genesis(sb, state_root, ler, coinbase);
    zs_chain_put_head(sb, 0);
    zs_store_put(sb, ZS_CF_META, genesis_key, sizeof genesis_key - 1, genesis->text, strlen(genesis->text));
    zs_store_put(sb, ZS_CF_META, params_key, sizeof params_key - 1, ps, strlen(ps));
    if ((rc = zs_store_write(store, sb, 1))) {
        snprintf(err, errlen, "writing the genesis: %s", zs_store_last_error(store));
        goto out;
    }
    zs_state_applied(st, 0, &root);
out:
    free(ps);
    zs_store_batch_free(sb);
    return rc;
}

/* The whole value at key (malloc'd, NUL-terminated). */
static int get_text(zs_store_t *s, const char *key, size_t klen, char **out)
{
    size_t len;
    int rc = zs_store_get(s, ZS_CF_META, key, klen, NULL, 0, &len);
    if (rc != ZS_ERR_FULL && rc != ZS_OK) return rc;
    char *t = malloc(len + 1);
    if (!t) return ZS_ERR_NOMEM;
    if ((rc = zs_store_get(s, ZS_CF_META, key, klen, t, len, &len))) {
        free(t);
        return rc;
    }
    t[len] = 0;
    *out = t;
    return ZS_OK;
}

int zs_chaininit_params(zs_store_t *store, zs_chain_params_t *out, char **genesis)
{
    char *ps;
    int rc = get_text(store, params_key, sizeof params_key - 1, &ps);
    if (rc) return rc;
    json_t *pj = json_loads(ps, 0, NULL);
    free(ps);
    json_t *cid = json_object_get(pj, "chain_id"), *ts = json_object_get(pj, "timestamp");
    const char *fee = json_string_value(json_object_get(pj, "base_fee"));
    if (!json_is_integer(cid) || !json_is_integer(ts) || !fee || zs_u256_parse(&out->base_fee, fee)) {
        json_decref(pj);
        return ZS_ERR_CORRUPT;
    }
    out->chain_id = (uint64_t)json_integer_value(cid);
    out->timestamp = (uint64_t)json_integer_value(ts);
    json_decref(pj);
    return genesis ? get_text(store, genesis_key, sizeof genesis_key - 1, genesis) : ZS_OK;
}
