/* The pool's refusal reasons: geth's messages and the stable ids the
   ingress paths and metrics report (zs_pool.h). */
#include "host/pool/zs_pool.h"

static const char *const texts[ZS_POOL_REASON_COUNT] = {
    [ZS_POOL_OK] = "ok",
    [ZS_POOL_ALREADY_KNOWN] = "already known",
    [ZS_POOL_NONCE_TOO_LOW] = "nonce too low",
    [ZS_POOL_NONCE_TOO_HIGH] = "nonce too high",
    [ZS_POOL_UNDERPRICED] = "transaction underpriced",
    [ZS_POOL_REPLACEMENT_UNDERPRICED] = "replacement transaction underpriced",
    [ZS_POOL_INSUFFICIENT_FUNDS] = "insufficient funds for gas * price + value",
    [ZS_POOL_INTRINSIC_GAS] = "intrinsic gas too low",
    [ZS_POOL_GAS_LIMIT] = "exceeds block gas limit",
    [ZS_POOL_OVERSIZED] = "oversized data",
    [ZS_POOL_FULL] = "txpool is full",
    [ZS_POOL_ACCOUNT_LIMIT] = "account limit exceeded",
    [ZS_POOL_CHAIN_ID] = "invalid chain id for signer",
    [ZS_POOL_FEE_CAP] = "max priority fee per gas higher than max fee per gas",
    [ZS_POOL_NONCE_MAX] = "nonce has max value",
    [ZS_POOL_UNSUPPORTED] = "transaction type not supported",
    [ZS_POOL_INIT_CODE] = "max initcode size exceeded",
    [ZS_POOL_INVALID] = "invalid transaction",
    [ZS_POOL_UNAVAILABLE] = "transaction pool unavailable",
    [ZS_POOL_BACKPRESSURE] = "sequencer backlog: sealed batches are waiting for L1, try again later",
};

static const char *const ids[ZS_POOL_REASON_COUNT] = {
    [ZS_POOL_OK] = "ok",
    [ZS_POOL_ALREADY_KNOWN] = "already_known",
    [ZS_POOL_NONCE_TOO_LOW] = "nonce_too_low",
    [ZS_POOL_NONCE_TOO_HIGH] = "nonce_too_high",
    [ZS_POOL_UNDERPRICED] = "underpriced",
    [ZS_POOL_REPLACEMENT_UNDERPRICED] = "replacement_underpriced",
    [ZS_POOL_INSUFFICIENT_FUNDS] = "insufficient_funds",
    [ZS_POOL_INTRINSIC_GAS] = "intrinsic_gas",
    [ZS_POOL_GAS_LIMIT] = "gas_limit",
    [ZS_POOL_OVERSIZED] = "oversized",
    [ZS_POOL_FULL] = "pool_full",
    [ZS_POOL_ACCOUNT_LIMIT] = "account_limit",
    [ZS_POOL_CHAIN_ID] = "chain_id",
    [ZS_POOL_FEE_CAP] = "fee_cap",
    [ZS_POOL_NONCE_MAX] = "nonce_max",
    [ZS_POOL_UNSUPPORTED] = "unsupported",
    [ZS_POOL_INIT_CODE] = "init_code_size",
    [ZS_POOL_INVALID] = "invalid",
    [ZS_POOL_UNAVAILABLE] = "unavailable",
    [ZS_POOL_BACKPRESSURE] = "l1_backlog",
};

const char *zs_pool_reason_text(zs_pool_reason_t r)
{
    return (unsigned)r < ZS_POOL_REASON_COUNT ? texts[r] : "unknown";
}

const char *zs_pool_reason_id(zs_pool_reason_t r)
{
    return (unsigned)r < ZS_POOL_REASON_COUNT ? ids[r] : "unknown";
}

