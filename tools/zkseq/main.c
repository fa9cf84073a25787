/* zkseq: command-line tool for operators and tests.  Hashing, transactions,
   Polygon batches (and, as they land, the state tree and batch processing).
   JSON on stdout, errors on stderr, exit status 1 on error. */
#include <stdio.h>
#include <string.h>

#include "drivers/card/zs_card_sim.h"
#include "tools/zkseq/zkseq_cli.h"

static const char usage[] =
    "usage: zkseq COMMAND [ARGS]\n"
    "  keccak HEX | keccak --file F       keccak-256 digest\n"
    "  poseidon E0 ... E11 [--hash]       Poseidon-Goldilocks permutation (or the 4-element hash)\n"
    "  tx decode RAWHEX                   decode a signed transaction, recover its sender\n"
    "  tx sign --key HEXKEY --chain-id N --nonce N --to ADDR --value WEI [--gas N]\n"
    "          [--gas-price WEI | --max-fee WEI --max-priority-fee WEI]\n"
    "          [--type legacy|eip155|eip2930|eip1559] [--data HEX]\n"
    "  tx encode-batch [--effective-percentage N] [--block DELTA[:INDEX]] RAWHEX...\n"
    "  tx decode-batch HEX                Polygon batchL2Data to transactions\n"
    "  smt root FILE                      root of {keys, values} (smt-raw.json format)\n"
    "  smt key balance|nonce|code|length ADDR | smt key storage ADDR SLOT\n"
    "  state genesis FILE [--db DIR]      root of a genesis {addresses: [...]}; --db writes it\n"
    "  state get --db DIR ADDR [--proof] [--version N]\n"
    "  batch process FILE [--id N]        execute a batch (state-transition vector format)\n"
    "  chain verify --datadir DIR         replay a stopped zkseqd's chain from genesis and check it\n"
    "  key address HEXKEY                 the address of a secret key\n"
    "  card xclbin-shell FILE             write the metadata-only xclbin XRT's noop shim runs\n"
    "  card selftest                      every kernel once through the card, against the CPU\n"
    "  blob encode FILE [--type blob|calldata|forced] [--out F]\n"
    "                                     Polygon's blob layout of a JSON array of batchL2Data hex\n"
    "  blob decode FILE [--type ...]      the batches of a blob (FILE: raw bytes or 0x-hex)\n"
    "  blob commit FILE                   KZG commitment, versioned hash, z, y = p(z) and its proof\n"
    "  blob cells FILE [--cells]          EIP-7594: the 128 cell proofs (and cells), checked\n"
    "  blob prepare-setup OUT [--setup PATH]\n"
    "                                     the KZG trusted setup in prepared form (PATH.prepared beside\n"
    "                                     the text is loaded in milliseconds instead of seconds)\n"
    "  blob tx --key K --chain-id N --nonce N --to ADDR --gas N --max-fee W --max-priority-fee W\n"
    "          --blob-fee W [--value W] [--data HEX] [--eip4844] [--out F] BLOBFILE...\n"
    "                                     a signed type-3 transaction with its blobs, network form\n"
    "  stream dump FILE|HOST:PORT [--from N] [--count N]\n"
    "                                     a zkEVM data stream's entries as JSON lines (file or server)\n"
    "\n"
    "  --card auto|cpu|sim|xrt [--card-xclbin FILE]  hash through the card (smt root, state genesis,\n"
    "                                     batch process); xrt without a card exits with status 2\n";

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    zs_card_sim_register(); /* the tool checks the card model too: --card sim */
    cli_card_open(&argc, argv);
    if (argc < 2) cli_fail("no command (zkseq --help lists them)");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "keccak")) return cmd_keccak(argc - 2, argv + 2);
    if (!strcmp(cmd, "poseidon")) return cmd_poseidon(argc - 2, argv + 2);
    if (!strcmp(cmd, "tx")) return cmd_tx(argc - 2, argv + 2);
    if (!strcmp(cmd, "smt")) return cmd_smt(argc - 2, argv + 2);
    if (!strcmp(cmd, "state")) return cmd_state(argc - 2, argv + 2);
    if (!strcmp(cmd, "batch")) return cmd_batch(argc - 2, argv + 2);
    if (!strcmp(cmd, "chain")) return cmd_chain(argc - 2, argv + 2);
    if (!strcmp(cmd, "key")) return cmd_key(argc - 2, argv + 2);
    if (!strcmp(cmd, "card")) return cmd_card(argc - 2, argv + 2);
    if (!strcmp(cmd, "blob")) return cmd_blob(argc - 2, argv + 2);
    if (!strcmp(cmd, "stream")) return cmd_stream(argc - 2, argv + 2);
    cli_fail("unknown command '%s' (zkseq --help lists them)", cmd);
}
