/* The card (drivers/card, host/accel): Poseidon permutations and Keccak
   hashes per second through each backend that runs here, the commit of a
   1,000-update batch on a 1,000,000-account tree through cpu and sim, and
   beside them what the card's design notes project (a model, not a
   measurement: there is no card here).

   References, measured in the same run: lib/'s batch code called directly
   on one core.  The sim backend runs the kernels' HLS C on CPU threads
   behind a PCIe model, so its speed is the CPU's running that C, not the
   card's; it is there to show the queueing and transfer costs and that the
   path works, and its figures must not be read as the card's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/card/zs_card.h"
#include "host/accel/zs_accel.h"
#include "host/state/zs_smt.h"
#include "host/state/zs_smt_key.h"
#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tools/bench/bench.h"

/* The card's design notes (fpga/README.md), for the projection: two
   Poseidon units at 25 M permutations/s each (II=12 at 300 MHz), four
   Keccak units at 7.3 M blocks/s each, PCIe Gen3 x16 at about 12 GB/s with
   about 2 us per transfer. */
#define MODEL_POSEIDON_PER_S (2 * 25e6)
#define MODEL_KECCAK_BLOCKS_PER_S (4 * 7.3e6)
#define MODEL_PCIE_BYTES_PER_S 12e9
#define MODEL_PCIE_LATENCY_S 2e-6

enum { NP = 16384, NK = 16384, KLEN = 110, KSLOT = 14 };

typedef struct {
    zs_card_t *card;
    zs_card_buf_t *in[2], *out[2], *aux[2];
    zs_card_kernel_t kernel;
    int failed;
} cardrun_t;

/* One iteration: the work split in two jobs in flight at once (both
   workers busy), then both waited for. */
static void run_card(void *a, uint64_t iters)
{
    cardrun_t *r = a;
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t t[2];
        for (int h = 0; h < 2; h++) {
            zs_card_job_t j = {.kernel = r->kernel, .in = r->in[h], .out = r->out[h], .aux = r->aux[h],
                               .n = (r->kernel == ZS_CARD_POSEIDON ? NP : NK) / 2, .arg = {KSLOT}};
            if (zs_card_submit(r->card, &j, &t[h])) r->failed = 1;
        }
        for (int h = 0; h < 2; h++)
            if (zs_card_wait(r->card, t[h], 60000)) r->failed = 1;
    }
}

typedef struct {
    uint64_t (*st)[12];
    const uint8_t **msgs;
    size_t *lens;
    uint8_t (*dig)[32];
} lib_t;

static void run_lib_poseidon(void *a, uint64_t iters)
{
    lib_t *l = a;
    for (uint64_t i = 0; i < iters; i++) zs_poseidon_permute_batch(l->st, NP);
}

static void run_lib_keccak(void *a, uint64_t iters)
{
    lib_t *l = a;
    for (uint64_t i = 0; i < iters; i++) zs_keccak256_batch(l->msgs, l->lens, NK, l->dig);
}

static int open_run(cardrun_t *r, const char *backend, zs_card_kernel_t k)
{
    char err[320];
    zs_card_opts_t o = {.workers = 2};
    memset(r, 0, sizeof *r);
    r->kernel = k;
    if (!(r->card = zs_card_open(backend, &o, err, sizeof err))) {
        bench_note("card", err);
        return -1;
    }
    uint64_t s = 0x1234567;
    for (int h = 0; h < 2; h++) {
        size_t in = k == ZS_CARD_POSEIDON ? NP / 2 * 96 : NK / 2 * KSLOT * 8, out = k == ZS_CARD_POSEIDON ? NP / 2 * 96 : NK / 2 * 32;
        r->in[h] = zs_card_alloc(r->card, in);
        r->out[h] = zs_card_alloc(r->card, out);
        r->aux[h] = zs_card_alloc(r->card, NK / 2 * 4);
        uint64_t *w = zs_card_map(r->in[h]);
        for (size_t i = 0; i < in / 8; i++) w[i] = (s = s * 6364136223846793005ull + 1442695040888963407ull) % ZS_GL_P;
        uint32_t *l = zs_card_map(r->aux[h]);
        for (int i = 0; i < NK / 2; i++) l[i] = KLEN;
    }
    return 0;
}

static void close_run(cardrun_t *r)
{
    for (int h = 0; h < 2; h++) {
        zs_card_free(r->card, r->in[h]);
        zs_card_free(r->card, r->out[h]);
        zs_card_free(r->card, r->aux[h]);
    }
    zs_card_close(r->card);
}

static void throughput(const bench_opts_t *o, lib_t *lib)
{
    const char *backends[] = {"cpu", "sim"};
    for (int b = 0; b < 2; b++) {
        cardrun_t r;
        double rate, ref;
        char name[160];
        if (!open_run(&r, backends[b], ZS_CARD_POSEIDON)) {
            bench_compare(o, run_card, &r, NP, run_lib_poseidon, lib, NP, &rate, &ref);
            snprintf(name, sizeof name, "poseidon permutations, card backend %s (jobs of 8192, 2 in flight)", backends[b]);
            if (!r.failed) bench_record("card", name, rate, "perm/s", "lib/ batch, one core", ref, 0, 0);
            close_run(&r);
        }
        if (!open_run(&r, backends[b], ZS_CARD_KECCAK)) {
            bench_compare(o, run_card, &r, NK, run_lib_keccak, lib, NK, &rate, &ref);
            snprintf(name, sizeof name, "keccak256 of 110 B, card backend %s (jobs of 8192, 2 in flight)", backends[b]);
            if (!r.failed) bench_record("card", name, rate, "hash/s", "lib/ batch, one core", ref, 0, 0);
            close_run(&r);
        }
    }
    bench_record("card", "poseidon permutations, the card as designed (model)", MODEL_POSEIDON_PER_S, "perm/s", NULL, 0, 0, 0);
    double pcie_perm = MODEL_PCIE_BYTES_PER_S / 96; /* a state in and out, each direction at full rate */
    bench_record("card", "  PCIe bound on permutations (96 B each way, model)", pcie_perm, "perm/s", NULL, 0, 0, 0);
    bench_record("card", "keccak256 of 110 B, the card as designed (model)", MODEL_KECCAK_BLOCKS_PER_S, "hash/s", NULL, 0, 0, 0);
}

/* A hasher whose target can change between commits, so one tree serves
   both backends. */
typedef struct {
    zs_accel_t *accel;
} switch_t;

static int switch_hash(void *ctx, const uint64_t (*in)[12], uint64_t (*out)[4], size_t n)
{
    switch_t *s = ctx;
    zs_accel_poseidon(s->accel, in, out, n);
    return ZS_OK;
}

static void commits(const bench_opts_t *o)
{
    size_t accounts = o->quick ? 100000 : (o->state_accounts ? o->state_accounts : 1000000);
    char err[320];
    zs_accel_opts_t co = {.backend = "cpu"}, so = {.backend = "sim", .min_poseidon = 1};
    zs_accel_t *cpu = zs_accel_open(&co, err, sizeof err), *sim = zs_accel_open(&so, err, sizeof err);
    if (!cpu || !sim) {
        bench_note("card", err);
        zs_accel_close(cpu);
        zs_accel_close(sim);
        return;
    }
    switch_t sw = {cpu};
    zs_smt_hasher_t h = {.ctx = &sw, .hash_batch = switch_hash};
    zs_smt_t *t = zs_smt_new(NULL, NULL, &h);
    zs_smt_key_t *keys = malloc(accounts * sizeof *keys);
    zs_smt_ref_t root;
    fprintf(stderr, "zkseq-bench: card: building a tree of %zu accounts in memory...\n", accounts);
    double t0 = bench_now();
    for (size_t done = 0; done < accounts;) {
        size_t k = accounts - done < 1024 ? accounts - done : 1024;
        zs_smt_key_t nk[1024];
        zs_u256_t bv[1024], nv[1024];
        bench_accounts(done, k, keys + done, nk, bv, nv);
        for (size_t i = 0; i < k; i++)
            if (zs_smt_set(t, &keys[done + i], &bv[i]) || zs_smt_set(t, &nk[i], &nv[i])) goto out;
        done += k;
        if ((done % 50000 < k || done == accounts) && zs_smt_commit(t, done, &root, NULL)) goto out;
    }
    double build = bench_now() - t0;
    enum { BATCH = 1000 };
    int rounds = o->quick ? 4 : 12;
    double sum[2] = {0, 0};
    uint64_t rng = 0xc0ffee, perms = 0, jobs0 = 0, version = accounts + 1;
    zs_accel_stats_t st;
    zs_accel_stats(sim, &st);
    jobs0 = st.jobs;
    /* Alternating cpu and sim commits, each of 1,000 fresh updates. */
    for (int r = 0; r < 2 * rounds; r++) {
        sw.accel = r % 2 ? sim : cpu;
        for (int i = 0; i < BATCH; i++) {
            zs_u256_t b = zs_u256_from_u64(bench_rng(&rng) >> 8);
            if (zs_smt_set(t, &keys[bench_rng(&rng) % accounts], &b)) goto out;
        }
        zs_smt_changes_t ch;
        double a = bench_now();
        if (zs_smt_commit(t, version++, &root, &ch)) goto out;
        sum[r % 2] += bench_now() - a;
        if (r % 2) perms += ch.permutations;
    }
    zs_accel_stats(sim, &st);
    double ms_cpu = sum[0] / rounds * 1e3, ms_sim = sum[1] / rounds * 1e3;
    double perms_per = (double)perms / rounds, jobs_per = (double)(st.jobs - jobs0) / rounds;
    char name[160];
    snprintf(name, sizeof name, "SMT commit, 1,000 updates on %zuk accounts, sim (every level on the card)", accounts / 1000);
    bench_record("card", name, ms_sim, "ms", "the same through cpu (lib/ and the hash helpers)", ms_cpu, 0, 0);
    bench_record("card", "  Poseidon permutations per commit", perms_per, "perm", NULL, 0, 0, 0);
    bench_record("card", "  card jobs per commit (one per tree level)", jobs_per, "job", NULL, 0, 0, 0);
    /* The model: the permutations at the units' rate, plus two transfers
       per level (each the latency and its bytes). */
    double model = perms_per / MODEL_POSEIDON_PER_S + jobs_per * 2 * MODEL_PCIE_LATENCY_S +
                   perms_per * 192 / MODEL_PCIE_BYTES_PER_S;
    bench_record("card", "SMT commit, the same, the card as designed (model)", model * 1e3, "ms", "measured cpu", ms_cpu, 0, 0);
    char note[640];
    snprintf(note, sizeof note,
             "built %zu accounts (2 leaves each) in memory in %.1f s; %d commits each way, alternating; the sim's "
             "speed is the CPU running the kernels' C, not the card's; no card here, xrt not measured (XRT's noop "
             "shim completes runs without computing)",
             accounts, build, rounds);
    bench_note("card", note);
out:
    zs_smt_delete(t);
    free(keys);
    zs_accel_close(cpu);
    zs_accel_close(sim);
}

void bench_card(const bench_opts_t *o)
{
    lib_t lib = {malloc(NP * 96), malloc(NK * sizeof(uint8_t *)), malloc(NK * sizeof(size_t)), malloc(NK * 32)};
    uint8_t *data = malloc((size_t)NK * KLEN);
    for (size_t i = 0; i < (size_t)NK * KLEN; i++) data[i] = (uint8_t)(i * 131);
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < 12; k++) lib.st[i][k] = ((uint64_t)i * 12 + (uint64_t)k) * 0x9e3779b97f4a7c15ull % ZS_GL_P;
    for (int i = 0; i < NK; i++) lib.msgs[i] = data + (size_t)i * KLEN, lib.lens[i] = KLEN;
    throughput(o, &lib);
    commits(o);
    free(lib.st), free(lib.msgs), free(lib.lens), free(lib.dig), free(data);
}
