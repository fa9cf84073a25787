/* zkseq tx decode | sign | encode-batch | decode-batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/batch/zs_batch.h"
#include "lib/keccak/zs_keccak.h"
#include "tools/zkseq/zkseq_cli.h"

static void fail_decode(const char *what, int err, const zs_perr_t *e)
{
    cli_fail("%s: %s at byte %zu: %s", what, zs_strerror(err), e->offset, e->reason ? e->reason : "?");
}

static int tx_decode(int argc, char **argv)
{
    if (argc != 1) cli_fail("usage: zkseq tx decode RAWHEX");
    size_t n;
    uint8_t *raw = cli_hex("tx decode", argv[0], &n);
    zs_tx_t tx;
    zs_perr_t e = {0};
    int err = zs_tx_decode(raw, n, &tx, &e);
    if (err) fail_decode("tx decode", err, &e);
    uint8_t sender[20];
    if (zs_tx_recover(&tx, sender)) cli_fail("tx decode: the signature does not recover to a public key");
    cli_print(cli_tx_json(&tx, sender));
    free(raw);
    return 0;
}

static const char *need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) cli_fail("tx sign: %s needs a value", argv[*i]);
    return argv[++*i];
}

/* Long because it is one flag table written out: each flag parses and sets its field in
 * two lines, then the checks that need all flags together (type vs fee fields) follow. */
static int tx_sign(int argc, char **argv)
{
    zs_tx_t tx = {0};
    uint8_t key[32];
    int have_key = 0, have_chain = 0, have_nonce = 0, have_value = 0, have_price = 0, have_max = 0,
        have_prio = 0, have_gas = 0, to_given = 0;
    const char *type = NULL;
    uint8_t *data = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--key")) {
            cli_hex_exact("--key", need(argc, argv, &i), key, 32);
            have_key = 1;
        } else if (!strcmp(a, "--chain-id")) {
            tx.chain_id = cli_u64("--chain-id", need(argc, argv, &i));
            have_chain = 1;
        } else if (!strcmp(a, "--nonce")) {
            tx.nonce = cli_u64("--nonce", need(argc, argv, &i));
            have_nonce = 1;
        } else if (!strcmp(a, "--to")) {
            const char *v = need(argc, argv, &i);
            to_given = 1;
            if (strcmp(v, "") && strcmp(v, "create")) {
                cli_addr("--to", v, tx.to);
                tx.has_to = 1;
            }
        } else if (!strcmp(a, "--value")) {
            tx.value = cli_u256("--value", need(argc, argv, &i));
            have_value = 1;
        } else if (!strcmp(a, "--gas")) {
            tx.gas = cli_u64("--gas", need(argc, argv, &i));
            have_gas = 1;
        } else if (!strcmp(a, "--gas-price")) {
            tx.gas_price = cli_u256("--gas-price", need(argc, argv, &i));
            have_price = 1;
        } else if (!strcmp(a, "--max-fee")) {
            tx.max_fee = cli_u256("--max-fee", need(argc, argv, &i));
            have_max = 1;
        } else if (!strcmp(a, "--max-priority-fee")) {
            tx.max_priority_fee = cli_u256("--max-priority-fee", need(argc, argv, &i));
            have_prio = 1;
        } else if (!strcmp(a, "--type")) {
            type = need(argc, argv, &i);
        } else if (!strcmp(a, "--data")) {
            free(data);
            data = cli_hex("--data", need(argc, argv, &i), &tx.data_len);
            tx.data = data;
        } else {
            cli_fail("tx sign: unknown option '%s'", a);
        }
    }
    if (!have_key) cli_fail("tx sign: --key is required");
    if (!have_nonce) cli_fail("tx sign: --nonce is required");
    if (!to_given) cli_fail("tx sign: --to is required (use --to create for a contract creation)");
    if (!have_value) cli_fail("tx sign: --value is required");
    if (have_price && (have_max || have_prio)) cli_fail("tx sign: give --gas-price or --max-fee/--max-priority-fee, not both");
    if (!type) type = (have_max || have_prio) ? "eip1559" : "eip155";
    if (!strcmp(type, "legacy")) {
        tx.type = ZS_TX_LEGACY;
        if (have_chain) cli_fail("tx sign: --type legacy is pre-EIP-155 and takes no --chain-id (use eip155)");
    } else if (!strcmp(type, "eip155")) {
        tx.type = ZS_TX_LEGACY;
        tx.has_chain_id = 1;
    } else if (!strcmp(type, "eip2930")) {
        tx.type = ZS_TX_ACCESS_LIST;
        tx.has_chain_id = 1;
    } else if (!strcmp(type, "eip1559")) {
        tx.type = ZS_TX_DYNAMIC_FEE;
        tx.has_chain_id = 1;
    } else {
        cli_fail("tx sign: --type must be legacy, eip155, eip2930 or eip1559, not '%s'", type);
    }
    if (tx.has_chain_id && !have_chain) cli_fail("tx sign: --chain-id is required for --type %s", type);
    if (tx.type == ZS_TX_DYNAMIC_FEE) {
        if (have_price) cli_fail("tx sign: eip1559 takes --max-fee and --max-priority-fee, not --gas-price");
        if (!have_max || !have_prio) cli_fail("tx sign: eip1559 needs --max-fee and --max-priority-fee");
    } else {
        if (have_max || have_prio) cli_fail("tx sign: --max-fee/--max-priority-fee are for --type eip1559");
        if (!have_price) cli_fail("tx sign: --gas-price is required for --type %s", type);
    }
    if (!have_gas) tx.gas = 21000;
    size_t cap = tx.data_len + 512, len;
    uint8_t *out = malloc(cap);
    if (!out) cli_fail("out of memory");
    int err = zs_tx_sign(&tx, key, out, cap, &len);
    if (err == ZS_ERR_CRYPTO) cli_fail("tx sign: --key is not a valid secp256k1 secret key");
    if (err) cli_fail("tx sign: %s", zs_strerror(err));
    json_t *j = json_object();
    json_object_set_new(j, "raw", cli_json_hex(out, len));
    json_object_set_new(j, "hash", cli_json_hex(tx.hash, 32));
    uint8_t from[20];
    if (zs_key_to_address(key, from) == 0) json_object_set_new(j, "from", cli_json_addr(from));
    cli_print(j);
    free(out);
    free(data);
    return 0;
}

static int tx_encode_batch(int argc, char **argv)
{
    unsigned pct = 255;
    size_t cap = 1024, len = 0;
    uint8_t *batch = malloc(cap);
    int txs = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--effective-percentage")) {
            if (i + 1 >= argc) cli_fail("tx encode-batch: --effective-percentage needs a value");
            uint64_t v = cli_u64("--effective-percentage", argv[++i]);
            if (v > 255) cli_fail("tx encode-batch: --effective-percentage is one byte (0..255)");
            pct = (unsigned)v;
            continue;
        }
        size_t need_room;
        uint8_t *raw = NULL;
        zs_tx_t tx;
        uint32_t delta = 0, index = 0;
        int block = !strcmp(argv[i], "--block");
        if (block) {
            if (i + 1 >= argc) cli_fail("tx encode-batch: --block needs DELTA[:INDEX]");
            char *arg = argv[++i], *colon = strchr(arg, ':');
            if (colon) *colon = '\0';
            uint64_t d = cli_u64("--block delta", arg), x = colon ? cli_u64("--block index", colon + 1) : 0;
            if (d > UINT32_MAX || x > UINT32_MAX) cli_fail("tx encode-batch: --block values are 32-bit");
            delta = (uint32_t)d;
            index = (uint32_t)x;
            need_room = ZS_BATCH_CHANGE_L2_BLOCK_LEN;
        } else {
            size_t n;
            raw = cli_hex("tx encode-batch", argv[i], &n);
            zs_perr_t e = {0};
            int err = zs_tx_decode(raw, n, &tx, &e);
            if (err) fail_decode("tx encode-batch", err, &e);
            need_room = n + ZS_BATCH_TX_TRAILER + 16;
            txs++;
        }
        while (cap - len < need_room) {
            cap *= 2;
            batch = realloc(batch, cap);
            if (!batch) cli_fail("out of memory");
        }
        long w = block ? zs_batch_encode_change_l2_block(delta, index, batch + len, cap - len)
                       : zs_batch_encode_tx(&tx, (uint8_t)pct, batch + len, cap - len);
        if (w < 0) cli_fail("tx encode-batch: %s", zs_strerror((int)w));
        len += (size_t)w;
        free(raw);
    }
    if (!txs) cli_fail("usage: zkseq tx encode-batch [--effective-percentage N] [--block DELTA[:INDEX]] RAWHEX...");
    uint8_t h[32];
    zs_keccak256(batch, len, h);
    cli_print(json_pack("{s:o,s:o}", "batchL2Data", cli_json_hex(batch, len), "batchHashData", cli_json_hex(h, 32)));
    free(batch);
    return 0;
}

static int tx_decode_batch(int argc, char **argv)
{
    if (argc != 1) cli_fail("usage: zkseq tx decode-batch HEX");
    size_t n;
    uint8_t *batch = cli_hex("tx decode-batch", argv[0], &n);
    json_t *entries = json_array();
    size_t pos = 0;
    zs_batch_entry_t ent;
    zs_perr_t e = {0};
    int r;
    while ((r = zs_batch_next(batch, n, &pos, &ent, &e)) == 1) {
        if (ent.kind == ZS_BATCH_ENTRY_BLOCK) {
            json_array_append_new(entries, json_pack("{s:s,s:I,s:I}", "kind", "changeL2Block", "deltaTimestamp",
                                                     (json_int_t)ent.delta_timestamp, "indexL1InfoTree",
                                                     (json_int_t)ent.index_l1_info_tree));
            continue;
        }
        uint8_t *raw = malloc(ent.len + 64);
        zs_tx_t tx;
        int err = zs_batch_entry_to_tx(&ent, raw, ent.len + 64, &tx, &e);
        if (err) fail_decode("tx decode-batch", err, &e);
        uint8_t sender[20];
        int ok = zs_tx_recover(&tx, sender) == 0;
        json_t *j = cli_tx_json(&tx, ok ? sender : NULL);
        json_object_set_new(j, "kind", json_string("tx"));
        json_object_set_new(j, "effectivePercentage", json_integer(ent.effective_percentage));
        json_object_set_new(j, "raw", cli_json_hex(tx.raw, tx.raw_len));
        json_array_append_new(entries, j);
        free(raw);
    }
    if (r < 0) fail_decode("tx decode-batch", r, &e);
    uint8_t h[32];
    zs_keccak256(batch, n, h);
    cli_print(json_pack("{s:o,s:o}", "batchHashData", cli_json_hex(h, 32), "entries", entries));
    free(batch);
    return 0;
}

int cmd_tx(int argc, char **argv)
{
    if (argc < 1) cli_fail("usage: zkseq tx decode|sign|encode-batch|decode-batch ...");
    const char *sub = argv[0];
    if (!strcmp(sub, "decode")) return tx_decode(argc - 1, argv + 1);
    if (!strcmp(sub, "sign")) return tx_sign(argc - 1, argv + 1);
    if (!strcmp(sub, "encode-batch")) return tx_encode_batch(argc - 1, argv + 1);
    if (!strcmp(sub, "decode-batch")) return tx_decode_batch(argc - 1, argv + 1);
    cli_fail("tx: unknown subcommand '%s'", sub);
}
