/* Fuzzes the genesis reader (an operator's file, or the canonical text a
   database keeps): any bytes give a genesis or a sentence, never a crash
   or a leak; and a genesis read back from its own canonical text is the
   same genesis, with the same text. */
#include <stdlib.h>
#include <string.h>

#include "host/genesis/zs_genesis.h"
#include "tests/support/zs_fuzz_check.h"

static int same_account(const zs_genesis_account_t *a, const zs_genesis_account_t *b)
{
    if (memcmp(a->address, b->address, 20) || memcmp(&a->balance, &b->balance, sizeof a->balance) ||
        a->nonce != b->nonce || a->code_len != b->code_len || a->nstorage != b->nstorage)
        return 0;
    if (a->code_len && memcmp(a->code, b->code, a->code_len)) return 0;
    return !a->nstorage || !memcmp(a->storage, b->storage, a->nstorage * sizeof *a->storage);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    zs_genesis_t *g = zs_genesis_parse((const char *)data, size, err, sizeof err);
    if (!g) {
        ZS_FUZZ_CHECK(err[0]);
        return 0;
    }
    zs_genesis_t *again = zs_genesis_parse(g->text, strlen(g->text), err, sizeof err);
    ZS_FUZZ_CHECK(again && again->naccounts == g->naccounts && !strcmp(again->text, g->text));
    for (size_t i = 0; i < g->naccounts; i++) ZS_FUZZ_CHECK(same_account(&g->accounts[i], &again->accounts[i]));
    zs_genesis_free(again);
    zs_genesis_free(g);
    return 0;
}
