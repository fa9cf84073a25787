/* zkseq-fw: the firmware core on the sim board.

     zkseq-fw --dir DIR --addresses build/devnet/addresses.json [options]
     zkseq-fw keygen --keystore FILE     create the L1 key (if absent), print its address
     zkseq-fw address --keystore FILE    print the address of the key

   Options (each also a key of the --config JSON file, same name with '_'):
     --keystore FILE (DIR/l1.key)  --mbox FILE (DIR/mbox)  --l1 URL  --l1-ca-file PEM
     --confirm-depth N  --fee-cap-gwei N  --poll-ms N  --stuck-ms N  --backlog-limit N
     --max-inflight N  --max-l1-tx-bytes N  --console-password-file FILE  --config FILE
     --l1-data blob|calldata|auto  --blob-form eip7594|eip4844  --max-blobs-per-tx N
     --blob-fee-cap-gwei N
   Defaults: fw_cfg_defaults (firmware/fw_core.c), listed in board/README.md. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/sim/sim_hal.h"
#include "firmware/fw.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_addr.h"
#include "lib/tx/zs_tx.h"

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
    (void)s;
    stop = 1;
}

static void die(const char *fmt, const char *a)
{
    fprintf(stderr, "zkseq-fw: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(1);
}

static int key_cmd(int argc, char **argv, int create)
{
    const char *ks = NULL;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--keystore") && i + 1 < argc) ks = argv[++i];
        else die("usage: zkseq-fw keygen|address --keystore FILE (got %s)", argv[i]);
    if (!ks) die("%s: --keystore FILE is required", argv[0]);
    char err[400];
    uint8_t key[32], addr[20];
    if ((create && sim_keystore_create(ks, err, sizeof err)) || sim_keystore_read(ks, key, err, sizeof err))
        die("%s", err);
    if (zs_key_to_address(key, addr)) die("%s: the key is not a valid secp256k1 key", ks);
    char a[43];
    zs_addr_format(addr, a);
    printf("%s\n", a);
    return 0;
}

static uint64_t num(json_t *v, const char *what)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) return (uint64_t)json_integer_value(v);
    die("config: %s must be a non-negative integer", what);
    return 0;
}

/* Applies the members of a JSON object to the configuration. */
static void apply(fw_cfg_t *c, json_t *o, const char **pwfile, const char **ca_file)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (!strcmp(k, "l1_url")) {
            if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof c->l1_url) die("config: %s", "l1_url");
            strcpy(c->l1_url, json_string_value(v));
        } else if (!strcmp(k, "l1_ca_file")) *ca_file = json_string_value(v);
        else if (!strcmp(k, "console_password_file")) *pwfile = json_string_value(v);
        else if (!strcmp(k, "l2_chain_id")) c->l2_chain_id = num(v, k);
        else if (!strcmp(k, "confirm_depth")) c->confirm_depth = (uint32_t)num(v, k);
        else if (!strcmp(k, "fee_cap_gwei")) c->fee_cap_wei = num(v, k) * 1000000000ull;
        else if (!strcmp(k, "min_tip_wei")) c->min_tip_wei = num(v, k);
        else if (!strcmp(k, "max_l1_tx_bytes")) c->max_l1_tx_bytes = (uint32_t)num(v, k);
        else if (!strcmp(k, "max_batches_per_tx")) c->max_batches_per_tx = (uint32_t)num(v, k);
        else if (!strcmp(k, "max_inflight")) c->max_inflight = (uint32_t)num(v, k);
        else if (!strcmp(k, "stuck_ms")) c->stuck_ms = (uint32_t)num(v, k);
        else if (!strcmp(k, "poll_ms")) c->poll_ms = (uint32_t)num(v, k);
        else if (!strcmp(k, "l1_timeout_ms")) c->l1_timeout_ms = (uint32_t)num(v, k);
        else if (!strcmp(k, "backlog_limit")) c->backlog_limit = (uint32_t)num(v, k);
        else if (!strcmp(k, "l1_data")) {
            if (!json_is_string(v) || (c->l1_data = fw_l1_data_parse(json_string_value(v))) < 0)
                die("config: %s must be blob, calldata or auto", k);
        } else if (!strcmp(k, "blob_form")) {
            const char *f = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(f, "eip7594") && strcmp(f, "eip4844")) die("config: %s must be eip7594 or eip4844", k);
            c->blob_cell_proofs = !strcmp(f, "eip7594");
        } else if (!strcmp(k, "max_blobs_per_tx")) c->max_blobs_per_tx = (uint32_t)num(v, k);
        else if (!strcmp(k, "blob_fee_cap_gwei")) c->blob_fee_cap_wei = num(v, k) * 1000000000ull;
        else if (!strcmp(k, "min_blob_fee_wei")) c->min_blob_fee_wei = num(v, k);
        else if (!strcmp(k, "blob_fill_wait_ms")) c->blob_fill_wait_ms = (uint32_t)num(v, k);
        else if (!strcmp(k, "policy") && json_is_object(v)) {
            const char *pk;
            json_t *pv;
            json_object_foreach(v, pk, pv) {
                const char *why = zs_batch_policy_set(&c->policy, pk, num(pv, pk));
                if (why) {
                    fprintf(stderr, "zkseq-fw: config policy.%s: %s\n", pk, why);
                    exit(1);
                }
            }
        } else if (k[0] != '_') die("config: unknown key %s", k);
    }
}

static void addr_from(json_t *o, const char *key, uint8_t out[20], const char *file)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || zs_addr_parse(out, json_string_value(v))) {
        fprintf(stderr, "zkseq-fw: %s: no valid \"%s\" address\n", file, key);
        exit(1);
    }
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot read %s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *s = strdup(buf);
    if (!s) die("%s", "out of memory");
    return s;
}

/* The command line. */
typedef struct {
    const char *dir, *addresses, *keystore, *mbox, *config, *pwfile, *ca_file;
    json_t *over; /* numeric settings and --l1, applied after the file */
} args_t;

static void parse_args(int argc, char **argv, args_t *a)
{
    a->over = json_object();
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) die("option %s needs a value", o);
        i++;
        if (!strcmp(o, "--dir")) a->dir = v;
        else if (!strcmp(o, "--addresses")) a->addresses = v;
        else if (!strcmp(o, "--keystore")) a->keystore = v;
        else if (!strcmp(o, "--mbox")) a->mbox = v;
        else if (!strcmp(o, "--config")) a->config = v;
        else if (!strcmp(o, "--l1")) json_object_set_new(a->over, "l1_url", json_string(v));
        else if (!strcmp(o, "--l1-ca-file")) a->ca_file = v;
        else if (!strcmp(o, "--console-password-file")) a->pwfile = v;
        else if (!strcmp(o, "--l1-data")) json_object_set_new(a->over, "l1_data", json_string(v));
        else if (!strcmp(o, "--blob-form")) json_object_set_new(a->over, "blob_form", json_string(v));
        else if (!strncmp(o, "--", 2)) {
            char key[64];
            snprintf(key, sizeof key, "%s", o + 2);
            for (char *c = key; *c; c++)
                if (*c == '-') *c = '_';
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || !*v) die("option %s needs a number", o);
            json_object_set_new(a->over, key, json_integer((json_int_t)n));
        } else die("unknown argument %s", o);
    }
    if (!a->dir) die("%s", "--dir DIR is required (the board's flash, key store and mailbox live there)");
    if (!a->addresses) die("%s", "--addresses FILE (build/devnet/addresses.json) is required");
}

/* The L1 addresses file the devnet wrote: the contracts, the chain ids and
   the RPC URL. */
static void read_addresses(const char *path, fw_cfg_t *cfg)
{
    json_error_t je;
    json_t *ad = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!ad) die("cannot read the L1 addresses: %s", je.text);
    addr_from(ad, "rollup", cfg->rollup, path);
    addr_from(ad, "globalExitRootManager", cfg->ger, path);
    json_t *cid = json_object_get(ad, "chainId"), *rpc = json_object_get(ad, "rpc"), *l2 = json_object_get(ad, "l2ChainId");
    if (!json_is_integer(cid)) die("%s: no chainId", path);
    cfg->l1_chain_id = (uint64_t)json_integer_value(cid);
    if (json_is_string(rpc)) snprintf(cfg->l1_url, sizeof cfg->l1_url, "%s", json_string_value(rpc));
    if (json_is_integer(l2)) cfg->l2_chain_id = (uint64_t)json_integer_value(l2);
    json_decref(ad);
}

static void check_cfg(const fw_cfg_t *cfg)
{
    if (!cfg->l1_url[0]) die("%s", "no L1 URL (--l1, or rpc in the addresses file)");
    if (!cfg->max_inflight || cfg->max_inflight > FW_MAX_SUBS) die("%s", "max_inflight must be 1..64");
    if (!cfg->max_batches_per_tx || cfg->max_l1_tx_bytes < 1024 || cfg->max_l1_tx_bytes > FW_BATCH_MAX)
        die("%s", "max_l1_tx_bytes must be 1024..131072 and max_batches_per_tx at least 1");
    if (!cfg->max_blobs_per_tx || cfg->max_blobs_per_tx > 6) die("%s", "max_blobs_per_tx must be 1..6");
    if (!cfg->poll_ms || !cfg->l1_timeout_ms || !cfg->backlog_limit)
        die("%s", "poll_ms, l1_timeout_ms and backlog_limit must be positive");
}

/* The console's password, as a salted hash (a fresh salt each boot: the
   hash only lives in RAM); none leaves the console open. */
static void console_password(const char *pwfile, fw_cfg_t *cfg)
{
    if (!pwfile) {
        cfg->console_open = 1;
        fprintf(stderr, "zkseq-fw: no console password (--console-password-file): changes are open to anyone at the console\n");
        return;
    }
    char *pw = read_text(pwfile);
    size_t n = strcspn(pw, "\r\n");
    pw[n] = 0;
    if (!n) die("%s: empty password", pwfile);
    FILE *r = fopen("/dev/urandom", "rb");
    if (!r || fread(cfg->console_salt, 1, 16, r) != 16) die("%s", "no randomness");
    fclose(r);
    uint8_t buf[16 + 256];
    if (n > 256) n = 256;
    memcpy(buf, cfg->console_salt, 16);
    memcpy(buf + 16, pw, n);
    zs_keccak256(buf, 16 + n, cfg->console_hash);
    memset(pw, 0, n);
    free(pw);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "keygen")) return key_cmd(argc - 1, argv + 1, 1);
    if (argc >= 2 && !strcmp(argv[1], "address")) return key_cmd(argc - 1, argv + 1, 0);
    fw_cfg_t cfg;
    fw_cfg_defaults(&cfg);
    args_t a = {0};
    parse_args(argc, argv, &a);
    read_addresses(a.addresses, &cfg);
    if (a.config) {
        json_error_t je;
        json_t *c = json_load_file(a.config, JSON_REJECT_DUPLICATES, &je);
        if (!c || !json_is_object(c)) die("cannot read the configuration: %s", c ? "not an object" : je.text);
        apply(&cfg, c, &a.pwfile, &a.ca_file);
        json_decref(c);
    }
    apply(&cfg, a.over, &a.pwfile, &a.ca_file);
    check_cfg(&cfg);
    if (a.ca_file) cfg.l1_ca_pem = read_text(a.ca_file);
    console_password(a.pwfile, &cfg);
    char ks[600], err[400];
    if (!a.keystore) {
        snprintf(ks, sizeof ks, "%s/l1.key", a.dir);
        a.keystore = ks;
    }
    sim_board_t *b = sim_board_open(a.dir, a.mbox, a.keystore, err, sizeof err);
    if (!b) die("%s", err);
    static fw_t fw;
    if (fw_init(&fw, sim_board_hal(b), &cfg)) die("%s", "firmware start-up failed (see above)");
    char addr[43];
    zs_addr_format(fw.submit.address, addr);
    fprintf(stderr, "zkseq-fw: serial console on %s\n", sim_board_console_path(b));
    fprintf(stderr, "zkseq-fw: L1 %s, sequencer %s\n", cfg.l1_url, fw.submit.have_key ? addr : "(no key)");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    while (!stop) fw_step(&fw, 5);
    fprintf(stderr, "zkseq-fw: stopped\n");
    fw_http_close(&fw.submit.l1.http);
    sim_board_close(b);
    json_decref(a.over);
    return 0;
}
