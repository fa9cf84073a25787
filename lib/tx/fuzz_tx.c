/* libFuzzer target: any bytes through the transaction decoder, the rule
   checks and (for decodable input) recovery and re-encoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    zs_tx_t tx;
    zs_perr_t e;
    if (zs_tx_decode(data, n, &tx, &e)) {
        if (!e.reason || e.offset > n) abort();
        return 0;
    }
    zs_tx_rules_t rules = {.chain_id = 1, .allow_unprotected = 1, .shanghai = 1, .max_init_code = 49152};
    const char *msg;
    (void)zs_tx_check(&tx, &rules, &msg);
    (void)zs_tx_intrinsic_gas(&tx, &rules);
    uint8_t sender[20];
    (void)zs_tx_recover(&tx, sender);
    /* The signing payload rebuilt from the fields hashes to the decoded one. */
    uint8_t *buf = malloc(n + 64);
    long len = zs_tx_signing_payload(&tx, buf, n + 64);
    if (len < 0) abort();
    uint8_t h[32];
    zs_keccak256(buf, (size_t)len, h);
    if (memcmp(h, tx.sighash, 32)) abort();
    free(buf);
    return 0;
}
