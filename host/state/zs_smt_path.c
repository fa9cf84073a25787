/* zs_smt_path: the tree's paths as pure arithmetic: which way a key goes
   at each depth, the key bits a leaf keeps, and the check of a proof
   against a root (zs_smt.h).  No tree, no state; any thread. */
#include <string.h>

#include "host/state/zs_smt.h"
#include "lib/poseidon/zs_poseidon.h"

int zs_smt_key_bit(const zs_smt_key_t *key, int depth)
{
    return (int)((key->e[depth % 4] >> (depth / 4)) & 1);
}

void zs_smt_set_key_bit(zs_smt_key_t *key, int depth, int bit)
{
    uint64_t mask = 1ull << (depth / 4);
    key->e[depth % 4] = bit ? key->e[depth % 4] | mask : key->e[depth % 4] & ~mask;
}

/* Bits of limb j consumed by the first `depth` levels. */
static int consumed(int depth, int j)
{
    return depth / 4 + (j < depth % 4 ? 1 : 0);
}

void zs_smt_remaining_key(const zs_smt_key_t *key, int depth, uint64_t out[4])
{
    for (int j = 0; j < 4; j++) {
        int c = consumed(depth, j);
        out[j] = c >= 64 ? 0 : key->e[j] >> c;
    }
}

void zs_smt_join_key(const uint64_t rkey[4], const zs_smt_key_t *path_key, int depth, zs_smt_key_t *out)
{
    for (int j = 0; j < 4; j++) {
        int c = consumed(depth, j);
        uint64_t low = c >= 64 ? path_key->e[j] : path_key->e[j] & ((1ull << c) - 1);
        out->e[j] = (c >= 64 ? 0 : rkey[j] << c) | low;
    }
}

static void hash12(uint64_t s[12], uint64_t out[4])
{
    zs_poseidon_permute(s);
    memcpy(out, s, 32);
}

int zs_smt_verify(const uint64_t root[4], const zs_smt_key_t *key, const zs_u256_t *value,
                  const zs_smt_proof_t *proof)
{
    if (proof->levels < 0 || proof->levels > ZS_SMT_MAX_DEPTH) return ZS_ERR_INVAL;
    uint64_t h[4] = {0}, s[12];
    int zero = zs_u256_is_zero(value);
    if (proof->has_leaf) {
        zs_smt_key_t found;
        zs_smt_join_key(proof->rkey, key, proof->levels, &found);
        uint64_t vh[4];
        memset(s, 0, sizeof s);
        zs_smt_value_limbs(value, s);
        hash12(s, vh);
        if (!memcmp(found.e, key->e, sizeof found.e)) {
            /* The key's own leaf: its value hash must be value's. */
            if (zero || memcmp(vh, proof->vhash, 32)) return ZS_ERR_CRYPTO;
        } else if (!zero) {
            return ZS_ERR_CRYPTO; /* another key's leaf proves absence only */
        }
        memcpy(s, proof->rkey, 32);
        memcpy(s + 4, proof->vhash, 32);
        s[8] = 1;
        s[9] = s[10] = s[11] = 0;
        hash12(s, h);
    } else if (!zero) {
        return ZS_ERR_CRYPTO;
    }
    for (int i = proof->levels - 1; i >= 0; i--) {
        int bit = zs_smt_key_bit(key, i);
        memset(s, 0, sizeof s);
        memcpy(s + (bit ? 0 : 4), proof->siblings[i], 32);
        memcpy(s + (bit ? 4 : 0), h, 32);
        hash12(s, h);
    }
    return memcmp(h, root, 32) ? ZS_ERR_CRYPTO : ZS_OK;
}
