/* The tool's hashing card (--card, --card-xclbin). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/zkseq/zkseq_cli.h"

static zs_accel_t *accel;
static zs_smt_hasher_t hasher;

/* What went through the card, on stderr when the command ends, so a test
   can see that the card (and not the CPU) did the work. */
static void report(void)
{
    if (!accel) return;
    zs_accel_stats_t st;
    zs_accel_stats(accel, &st);
    uint64_t failures = 0;
    for (int i = 0; i < ZS_ACCEL_F_COUNT; i++) failures += st.failures[i];
    fprintf(stderr,
            "zkseq: card %s: %llu jobs, %llu permutations and %llu Keccak messages on the card, %llu outputs checked "
            "against the CPU, %llu failures%s%s\n",
            st.backend, (unsigned long long)st.jobs, (unsigned long long)st.permutations,
            (unsigned long long)st.keccak_msgs, (unsigned long long)st.verified, (unsigned long long)failures,
            st.fallback ? "; " : "", st.fallback ? st.alarm : "");
    zs_accel_close(accel);
    accel = NULL;
}

void cli_card_open(int *argc, char **argv)
{
    const char *backend = NULL, *xclbin = NULL;
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if ((!strcmp(argv[i], "--card") || !strcmp(argv[i], "--card-xclbin")) && i + 1 >= *argc)
            cli_fail("%s wants a value", argv[i]);
        if (!strcmp(argv[i], "--card")) backend = argv[++i];
        else if (!strcmp(argv[i], "--card-xclbin")) xclbin = argv[++i];
        else argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    if (!backend && !xclbin) return;
    zs_accel_opts_t o = {.backend = backend ? backend : "auto", .min_poseidon = 1, .min_keccak = 1,
                         .min_keccak_bytes = 1, .card.xrt.xclbin = xclbin};
    char err[512];
    if (!(accel = zs_accel_open(&o, err, sizeof err))) {
        fprintf(stderr, "zkseq: %s\n", err);
        exit(2);
    }
    zs_accel_smt_hasher(accel, &hasher);
    atexit(report);
}

zs_accel_t *cli_accel(void) { return accel; }

const zs_smt_hasher_t *cli_hasher(void) { return accel ? &hasher : NULL; }

void cli_keccak(const uint8_t *p, size_t n, uint8_t out[32])
{
    zs_accel_keccak_or_cpu(accel, &p, &n, 1, (uint8_t(*)[32])out);
}
