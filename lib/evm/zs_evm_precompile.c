/* Precompiled contracts as fork 12 has them: ecrecover (libsecp256k1),
   sha256 (mbedTLS), identity, and BN254's ecAdd, ecMul and ecPairing
   (lib/bn254); ripemd160, modexp and blake2f take the ROM's "revert
   precompiled" path: the call fails, no data, and all its gas comes back. */
#include <mbedtls/sha256.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>

#include "lib/bn254/zs_bn254.h"
#include "lib/evm/zs_evm_int.h"
#include "lib/keccak/zs_keccak.h"

int ev_is_precompile(const uint8_t addr[20])
{
    for (int i = 0; i < 19; i++)
        if (addr[i]) return 0;
    return addr[19] >= 1 && addr[19] <= 9;
}

/* input[off..off+n) with zeros past its end */
static void padded(const uint8_t *in, size_t len, size_t off, uint8_t *out, size_t n)
{
    memset(out, 0, n);
    if (off < len) memcpy(out, in + off, len - off < n ? len - off : n);
}

static size_t words(size_t n)
{
    return (n + 31) / 32;
}

static zs_evm_status_t charge(int64_t *gas, uint64_t cost)
{
    if ((uint64_t)*gas < cost) {
        *gas = 0;
        return ZS_EVM_OUT_OF_GAS;
    }
    *gas -= (int64_t)cost;
    return ZS_EVM_SUCCESS;
}

static zs_evm_status_t ecrecover(zs_evm_t *e, const uint8_t *in, size_t len, uint8_t out[32], size_t *out_len)
{
    uint8_t buf[128];
    padded(in, len, 0, buf, 128);
    int v_ok = 1;
    for (int i = 32; i < 63; i++)
        if (buf[i]) v_ok = 0;
    uint8_t v = v_ok ? buf[63] : 0;
    zs_vcount_pre_ecrecover(&e->vacc, v, buf + 64, buf + 96);
    *out_len = 0;
    if (v != 27 && v != 28) return ZS_EVM_SUCCESS;
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey pk;
    const secp256k1_context *ctx = secp256k1_context_static;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, buf + 64, v - 27) ||
        !secp256k1_ecdsa_recover(ctx, &pk, &sig, buf))
        return ZS_EVM_SUCCESS;
    uint8_t raw[65], h[32];
    size_t n = 65;
    secp256k1_ec_pubkey_serialize(ctx, raw, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
    zs_keccak256(raw + 1, 64, h);
    memset(out, 0, 12);
    memcpy(out + 12, h + 12, 20);
    *out_len = 32;
    return ZS_EVM_SUCCESS;
}

static uint8_t *scratch(zs_evm_t *e, size_t n)
{
    /* the output buffer of the deepest depth, which no frame uses */
    ev_depth_t *d = &e->depth[ZS_EVM_MAX_DEPTH];
    if (n > d->ret_cap) {
        uint8_t *p = realloc(d->ret, n);
        if (!p) return NULL;
        d->ret = p;
        d->ret_cap = n;
    }
    return d->ret;
}

/* Long because it is the precompile table: address, gas, counters, work. */
zs_evm_status_t ev_precompile(zs_evm_t *e, const uint8_t addr[20], const uint8_t *in, size_t len, int64_t *gas,
                              const uint8_t **out, size_t *out_len)
{
    zs_evm_status_t s;
    uint8_t *o;
    *out = NULL;
    *out_len = 0;
    switch (addr[19]) {
    case 1:
        if ((s = charge(gas, 3000))) return s;
        if (!(o = scratch(e, 32))) return ZS_EVM_FATAL;
        s = ecrecover(e, in, len, o, out_len);
        *out = o;
        return s;
    case 2:
        if ((s = charge(gas, 60 + 12 * words(len)))) return s;
        zs_vcount_pre_sha256(&e->vacc, len);
        if (!(o = scratch(e, 32))) return ZS_EVM_FATAL;
        mbedtls_sha256_ret(in, len, o, 0);
        *out = o;
        *out_len = 32;
        return ZS_EVM_SUCCESS;
    case 4:
        if ((s = charge(gas, 15 + 3 * words(len)))) return s;
        zs_vcount_pre_identity(&e->vacc, len, e->pre_out_len);
        if (len && !(o = scratch(e, len))) return ZS_EVM_FATAL;
        if (len) {
            memcpy(o, in, len);
            *out = o;
        }
        *out_len = len;
        return ZS_EVM_SUCCESS;
    case 6: {
        if ((s = charge(gas, 150))) return s;
        zs_vcount_pre_ecadd(&e->vacc);
        uint8_t buf[128];
        padded(in, len, 0, buf, 128);
        if (!(o = scratch(e, 64))) return ZS_EVM_FATAL;
        if (zs_bn254_add(buf, o)) {
            *gas = 0;
            return ZS_EVM_PRECOMPILE_FAILED;
        }
        *out = o;
        *out_len = 64;
        return ZS_EVM_SUCCESS;
    }
    case 7: {
        if ((s = charge(gas, 6000))) return s;
        zs_vcount_pre_ecmul(&e->vacc);
        uint8_t buf[96];
        padded(in, len, 0, buf, 96);
        if (!(o = scratch(e, 64))) return ZS_EVM_FATAL;
        if (zs_bn254_mul(buf, o)) {
            *gas = 0;
            return ZS_EVM_PRECOMPILE_FAILED;
        }
        *out = o;
        *out_len = 64;
        return ZS_EVM_SUCCESS;
    }
    case 8: {
        size_t pairs = len / 192;
        if ((s = charge(gas, 45000 + 34000 * (uint64_t)pairs))) return s;
        zs_vcount_pre_ecpairing(&e->vacc, pairs);
        int ok = 0;
        if (len % 192 || zs_bn254_pairing(in, pairs, &ok)) {
            *gas = 0;
            return ZS_EVM_PRECOMPILE_FAILED;
        }
        if (!(o = scratch(e, 32))) return ZS_EVM_FATAL;
        memset(o, 0, 32);
        o[31] = (uint8_t)ok;
        *out = o;
        *out_len = 32;
        return ZS_EVM_SUCCESS;
    }
    default: /* 3 ripemd160, 5 modexp, 9 blake2f: revert precompiled */
        return ZS_EVM_PRECOMPILE_FAILED;
    }
}
