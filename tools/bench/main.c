/* zkseq-bench: reproducible benchmarks, each against a reference measured in
   the same run.  Prints a table; writes JSON (default build/bench/results.json).
     zkseq-bench [--quick] [--seconds S] [--json FILE] [--accounts N] [--tmpdir DIR] [--l1 FILE,..] [--hold S] [SUITE...]
   Suites: keccak poseidon recover state seq restart rpc ingress l1gas card evm erc20 blob replica latency (default: all;
   l1gas needs --l1, the devnet address files tools/bench/run writes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/card/zs_card_sim.h"
#include "tools/bench/bench.h"

typedef struct {
    const char *name;
    void (*run)(const bench_opts_t *);
} suite_t;

static const suite_t suites[] = {
    {"keccak", bench_keccak},
    {"poseidon", bench_poseidon},
    {"recover", bench_recover},
    {"state", bench_state},
    {"seq", bench_seq},
    {"restart", bench_restart},
    {"rpc", bench_rpc},
    {"ingress", bench_ingress},
    {"l1gas", bench_l1gas},
    {"card", bench_card},
    {"evm", bench_evm},
    {"erc20", bench_erc20},
    {"blob", bench_blob},
    {"replica", bench_replica},
    {"latency", bench_latency},
};
#define NSUITES (sizeof suites / sizeof suites[0])

int main(int argc, char **argv)
{
    zs_card_sim_register(); /* the card suite measures the model too */
    bench_opts_t o = {.seconds = 0.3, .quick = 0};
    const char *json = "build/bench/results.json";
    int chosen[NSUITES] = {0}, any = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            o.quick = 1;
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            o.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--accounts") && i + 1 < argc) {
            o.state_accounts = (size_t)atol(argv[++i]);
        } else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
            o.hold = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--l1") && i + 1 < argc) {
            o.l1 = argv[++i];
        } else if (!strcmp(argv[i], "--tmpdir") && i + 1 < argc) {
            o.tmpdir = argv[++i];
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: zkseq-bench [--quick] [--seconds S] [--json FILE] [--accounts N] [--tmpdir DIR] [--l1 FILE,..] [--hold S] [SUITE...]\nsuites:");
            for (size_t s = 0; s < NSUITES; s++) printf(" %s", suites[s].name);
            printf("\n");
            return 0;
        } else {
            size_t s;
            for (s = 0; s < NSUITES; s++)
                if (!strcmp(argv[i], suites[s].name)) break;
            if (s == NSUITES) {
                fprintf(stderr, "zkseq-bench: unknown suite or option '%s'\n", argv[i]);
                return 1;
            }
            chosen[s] = any = 1;
        }
    }
    for (size_t s = 0; s < NSUITES; s++) {
        if (any && !chosen[s]) continue;
        fprintf(stderr, "zkseq-bench: running %s...\n", suites[s].name);
        suites[s].run(&o);
    }
    bench_print_table();
    /* Make the folder of the default path. */
    if (!strcmp(json, "build/bench/results.json")) {
        mkdir("build", 0755);
        mkdir("build/bench", 0755);
    }
    if (bench_write_json(json)) {
        fprintf(stderr, "zkseq-bench: cannot write %s: %s\n", json, strerror(errno));
        return 1;
    }
    fprintf(stderr, "zkseq-bench: results written to %s\n", json);
    return 0;
}
