/* zkseq chain verify --datadir DIR: replays a stopped zkseqd's chain from
   its genesis and checks every block, receipt and batch. */
#include <stdio.h>
#include <string.h>

#include "host/verify/zs_verify.h"
#include "tools/zkseq/zkseq_cli.h"

int cmd_chain(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "verify")) cli_fail("usage: zkseq chain verify --datadir DIR");
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--datadir") && i + 1 < argc)
            dir = argv[++i];
        else
            cli_fail("chain verify: unexpected argument '%s'", argv[i]);
    }
    if (!dir) cli_fail("chain verify: --datadir DIR is required");
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/db", dir);
    zs_verify_report_t rep;
    if (zs_verify_chain(path, &rep, err, sizeof err)) cli_fail("chain verify: %s", err);
    cli_print(json_pack("{s:b,s:o,s:o,s:o,s:o}", "ok", 1, "blocks", cli_json_u64(rep.blocks), "transactions",
                        cli_json_u64(rep.txs), "closedBatches", cli_json_u64(rep.batches), "stateRoot",
                        cli_json_hex(rep.state_root, 32)));
    return 0;
}

/* zkseq key address HEXKEY: the address of a secret key. */
int cmd_key(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "address")) cli_fail("usage: zkseq key address HEXKEY");
    uint8_t key[32], addr[20];
    cli_hex_exact("key", argv[1], key, 32);
    if (zs_key_to_address(key, addr)) cli_fail("key address: not a valid secp256k1 secret key");
    cli_print(json_pack("{s:o}", "address", cli_json_addr(addr)));
    return 0;
}
