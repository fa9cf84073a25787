/* Right after a restart: a node whose state holds N accounts (1,000,000 by
   default) is stopped and opened again, so its tree starts out of memory,
   and transfers from 200 senders to accounts picked at random among the N
   are admitted, then sequenced as fast as the node can: every recipient's
   path is read from RocksDB and checked the first time it is met.  Twice:
   with the state's prefetch thread (zkseqd's default, state.prefetch_pages
   4096), then, the node opened again, without it (other recipients), the
   second as the reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/node/zs_node.h"
#include "lib/base/zs_hex.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_tx.h"
#include "tools/bench/bench.h"

enum { SENDERS = 200 };

static uint8_t sender_key[SENDERS][32];

/* The i-th of the other accounts. */
static void account(size_t i, uint8_t addr[20])
{
    uint8_t seed[24] = "zkseq restart acct", h[32];
    memcpy(seed + 16, &i, 8);
    zs_keccak256(seed, sizeof seed, h);
    memcpy(addr, h + 12, 20);
}

/* The senders with 1,000 ETH each and n other accounts with 1 wei. */
static zs_genesis_t *big_genesis(size_t n)
{
    char *text = malloc((SENDERS + n) * 100 + 64), hex[43], err[200];
    if (!text) return NULL;
    size_t t = (size_t)sprintf(text, "{\"addresses\":[");
    for (size_t i = 0; i < SENDERS + n; i++) {
        uint8_t addr[20];
        if (i < SENDERS) {
            char seed[40];
            int k = snprintf(seed, sizeof seed, "zkseq restart sender %zu", i);
            zs_keccak256((const uint8_t *)seed, (size_t)k, sender_key[i]);
            if (zs_key_to_address(sender_key[i], addr)) abort();
        } else {
            account(i - SENDERS, addr);
        }
        zs_hex_encode_0x(hex, addr, 20);
        t += (size_t)sprintf(text + t, "%s{\"address\":\"%s\",\"balance\":\"%s\"}", i ? "," : "", hex,
                             i < SENDERS ? "1000000000000000000000" : "1");
    }
    sprintf(text + t, "]}");
    zs_genesis_t *g = zs_genesis_parse(text, strlen(text), err, sizeof err);
    free(text);
    if (!g) bench_note("restart", err);
    return g;
}

typedef struct {
    double rate, exec_us;
    zs_prefetch_stats_t pf;
} pass_t;

/* The node opened again on dir, per transfers from every sender (nonces
   from first_nonce) to random accounts, admitted, then sequenced: 0, or -1
   with a note. */
static int one_pass(const char *dir, size_t accounts, size_t prefetch_pages, uint64_t first_nonce, size_t per,
                    uint64_t seed, pass_t *out)
{
    size_t n = SENDERS * per;
    uint8_t(*raw)[BENCH_RAW_MAX] = malloc(n * BENCH_RAW_MAX);
    size_t *len = malloc(n * sizeof *len);
    int rc = raw && len ? 0 : -1;
    for (size_t k = 0; !rc && k < per; k++)
        for (size_t i = 0; i < SENDERS && !rc; i++) {
            uint8_t to[20];
            zs_tx_t tx;
            account(bench_rng(&seed) % accounts, to);
            if (zs_tx_sign_transfer(&tx, sender_key[i], 1001, first_nonce + k, to, (zs_u256_t[]){zs_u256_from_u64(1)},
                                    1000000000, raw[k * SENDERS + i], BENCH_RAW_MAX, &len[k * SENDERS + i]))
                rc = -1;
        }
    zs_node_cfg_t c;
    bench_node_cfg(&c, dir, NULL, n + 16);
    c.prefetch_pages = prefetch_pages;
    char err[256];
    zs_node_t *node = rc ? NULL : zs_node_open(&c, err, sizeof err);
    if (!rc && !node) bench_note("restart", err);
    size_t refused = 0;
    zs_node_stats_t s0, s1;
    if (node) bench_admit(node, raw, len, n, &refused);
    if (node && !refused) {
        out->rate = bench_sequence(node, n, &s0, &s1);
        out->exec_us = (double)(s1.ns_exec - s0.ns_exec) * 1e-3 / (double)n;
        out->pf = s1.prefetch;
    }
    if (refused) bench_note("restart", "the pool refused a transfer");
    zs_node_close(node);
    free(raw);
    free(len);
    return node && !refused && !rc ? 0 : -1;
}

void bench_restart(const bench_opts_t *o)
{
    size_t accounts = o->quick ? 100000 : (o->state_accounts ? o->state_accounts : 1000000), per = o->quick ? 25 : 100;
    char dir[512], cmd[600];
    fprintf(stderr, "zkseq-bench: restart: a genesis of %zu accounts...\n", accounts);
    zs_genesis_t *g = big_genesis(accounts);
    zs_node_t *node = g ? bench_node_open(o, "restart", g, 16, dir, sizeof dir) : NULL;
    zs_genesis_free(g);
    if (!node) return;
    zs_node_close(node); /* the state is written: what follows opens it cold */
    pass_t with = {0}, without = {0};
    if (!one_pass(dir, accounts, 4096, 0, per, 0x9e3779b97f4a7c15ull, &with) &&
        !one_pass(dir, accounts, 0, per, per, 0x2545f4914f6cdd1dull, &without)) {
        char name[240];
        snprintf(name, sizeof name, "transfers sequenced right after a restart, %zuk accounts, prefetch thread on",
                 accounts / 1000);
        bench_record("restart", name, with.rate, "tx/s", "the same without it (other recipients)", without.rate, 0, 0);
        bench_record("restart", "  us/tx: execution (state reads, page reads), prefetch on", with.exec_us, "us",
                     "without", without.exec_us, 0, 0);
        double n = (double)SENDERS * (double)per;
        bench_record("restart", "  pages the prefetch thread read, per transfer", (double)with.pf.read / n, "page",
                     NULL, 0, 0, 0);
        bench_record("restart", "  of them taken by the sequencer",
                     with.pf.read ? 100.0 * (double)with.pf.taken / (double)with.pf.read : 0, "%", NULL, 0, 0, 0);
        bench_record("restart", "  pages the sequencer still read itself, per transfer", (double)with.pf.missed / n,
                     "page", NULL, 0, 0, 0);
        snprintf(name, sizeof name,
                 "%d senders x %zu transfers each to accounts picked at random among %zu, admitted with the sequencer "
                 "paused, then sequenced; the run without the prefetch thread second",
                 SENDERS, per, accounts);
        bench_note("restart", name);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "zkseq-bench: could not remove %s\n", dir);
}
