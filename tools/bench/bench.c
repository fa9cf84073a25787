#include "tools/bench/bench.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/zs_cpu.h"

static double clock_seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double bench_now(void) { return clock_seconds(CLOCK_MONOTONIC); }

double bench_thread_cpu(void) { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

static double target_seconds(const bench_opts_t *opts)
{
    double target = opts->seconds > 0 ? opts->seconds : 0.3;
    return opts->quick ? target / 5 : target;
}

/* Iterations that take about the target time. */
static uint64_t calibrate(double target, bench_fn fn, void *arg)
{
    uint64_t iters = 1;
    for (;;) {
        double t0 = bench_now();
        fn(arg, iters);
        double dt = bench_now() - t0;
        if (dt > target / 10 || iters > (1ull << 40)) {
            iters = (uint64_t)((double)iters * (target / (dt > 1e-9 ? dt : 1e-9)));
            return iters ? iters : 1;
        }
        iters *= 4;
    }
}

static double timed(bench_fn fn, void *arg, uint64_t iters, double units)
{
    double t0 = bench_now();
    fn(arg, iters);
    return (double)iters * units / (bench_now() - t0);
}

double bench_rate(const bench_opts_t *opts, bench_fn fn, void *arg, double units_per_iter)
{
    uint64_t iters = calibrate(target_seconds(opts), fn, arg);
    double best = 0;
    for (int rep = 0; rep < (opts->quick ? 1 : 3); rep++) {
        double rate = timed(fn, arg, iters, units_per_iter);
        if (rate > best) best = rate;
    }
    return best;
}

void bench_compare(const bench_opts_t *opts, bench_fn a, void *arg_a, double units_a, bench_fn b, void *arg_b,
                   double units_b, double *rate_a, double *rate_b)
{
    double target = target_seconds(opts) / 2;
    uint64_t ia = calibrate(target, a, arg_a), ib = calibrate(target, b, arg_b);
    double best_a = 0, best_b = 0;
    for (int rep = 0; rep < (opts->quick ? 1 : 5); rep++) {
        double ra = timed(a, arg_a, ia, units_a), rb = timed(b, arg_b, ib, units_b);
        if (ra > best_a) best_a = ra;
        if (rb > best_b) best_b = rb;
    }
    *rate_a = best_a;
    *rate_b = best_b;
}

typedef struct {
    char suite[32], name[96], unit[24], ref_name[96];
    double value, ref_value, goal;
    int goal_is_abs, has_ref;
} row_t;

static row_t rows[256];
static int nrows;
static json_t *notes;

void bench_record(const char *suite, const char *name, double value, const char *unit, const char *ref_name,
                  double ref_value, double goal, int goal_is_abs)
{
    if (nrows == (int)(sizeof rows / sizeof rows[0])) return;
    row_t *r = &rows[nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->suite, sizeof r->suite, "%s", suite);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    r->value = value;
    if (ref_name) {
        snprintf(r->ref_name, sizeof r->ref_name, "%s", ref_name);
        r->ref_value = ref_value;
        r->has_ref = 1;
    }
    r->goal = goal;
    r->goal_is_abs = goal_is_abs;
}

static json_t *series;

void bench_series(const char *suite, const char *plot, const char *name, const char *x_unit, const char *y_unit,
                  const double *xs, const double *ys, size_t n)
{
    if (!series) series = json_array();
    json_t *pts = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(pts, json_pack("[f,f]", xs[i], ys[i]));
    json_array_append_new(series, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "suite", suite, "plot", plot, "name", name,
                                            "x_unit", x_unit, "y_unit", y_unit, "points", pts));
}

void bench_cdf(const char *suite, const char *plot, const char *name, const char *unit, const double *sorted, size_t n)
{
    enum { POINTS = 60 };
    double xs[POINTS + 1], ys[POINTS + 1];
    size_t k = 0;
    for (size_t i = 0; n && i < POINTS; i++) {
        /* denser towards the tail: 0..99.9% */
        double q = i < POINTS - 10 ? (double)i / (POINTS - 10) * 0.95 : 0.95 + (double)(i - (POINTS - 10)) / 10 * 0.049;
        size_t at = (size_t)(q * (double)(n - 1));
        xs[k] = sorted[at];
        ys[k++] = q;
    }
    if (n) {
        xs[k] = sorted[n - 1];
        ys[k++] = 1.0;
    }
    bench_series(suite, plot, name, unit, "fraction", xs, ys, k);
}

void bench_note(const char *suite, const char *text)
{
    if (!notes) notes = json_array();
    json_array_append_new(notes, json_pack("{s:s,s:s}", "suite", suite, "note", text));
}

static void human(double v, char *out, size_t n)
{
    if (v >= 1e9) snprintf(out, n, "%.2f G", v / 1e9);
    else if (v >= 1e6) snprintf(out, n, "%.2f M", v / 1e6);
    else if (v >= 1e3) snprintf(out, n, "%.1f k", v / 1e3);
    else snprintf(out, n, "%.2f", v);
}

static const char *verdict(const row_t *r)
{
    if (r->goal <= 0) return "";
    int abs = r->goal_is_abs == 1 || r->goal_is_abs == 2;
    double x = abs ? r->value : (r->has_ref && r->ref_value > 0 ? r->value / r->ref_value : 0);
    if (r->goal_is_abs >= 2) return x <= r->goal ? "meets" : "above"; /* an upper bound */
    return x >= r->goal ? "meets" : "below";
}

void bench_print_table(void)
{
    printf("%-9s %-44s %12s %-9s %12s  %-34s %6s %8s %s\n", "suite", "measure", "value", "unit", "reference",
           "(what)", "ratio", "goal", "");
    for (int i = 0; i < nrows; i++) {
        row_t *r = &rows[i];
        char v[32], rv[32] = "", ratio[16] = "", goal[24] = "";
        human(r->value, v, sizeof v);
        if (r->has_ref) {
            human(r->ref_value, rv, sizeof rv);
            snprintf(ratio, sizeof ratio, "%.2fx", r->value / r->ref_value);
        }
        if (r->goal > 0) {
            if (r->goal_is_abs == 1 || r->goal_is_abs == 2) human(r->goal, goal, sizeof goal);
            else snprintf(goal, sizeof goal, "%s%.2fx", r->goal_is_abs == 3 ? "<=" : "", r->goal);
        }
        printf("%-9s %-44s %12s %-9s %12s  %-34s %6s %8s %s\n", r->suite, r->name, v, r->unit, rv, r->ref_name,
               ratio, goal, verdict(r));
    }
}

static json_t *machine_json(void)
{
    json_t *m = json_object();
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c[strcspn(c, "\n")] = '\0';
                json_object_set_new(m, "cpu", json_string(c + 2));
                break;
            }
        }
    }
    if (f) fclose(f);
    json_object_set_new(m, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(m, "avx2", json_boolean(zs_cpu_has(ZS_SIMD_AVX2)));
    json_object_set_new(m, "avx512", json_boolean(zs_cpu_has(ZS_SIMD_AVX512)));
    json_object_set_new(m, "simd_used", json_string(zs_simd_name(zs_cpu_simd())));
    struct utsname u;
    if (uname(&u) == 0) json_object_set_new(m, "kernel", json_string(u.release));
    return m;
}

static json_t *commit_json(void)
{
    FILE *p = popen("git rev-parse --short HEAD 2>/dev/null && git status --porcelain 2>/dev/null | head -1", "r");
    char c[64] = "", dirty[256] = "";
    if (p) {
        if (!fgets(c, sizeof c, p)) c[0] = '\0';
        if (!fgets(dirty, sizeof dirty, p)) dirty[0] = '\0';
        pclose(p);
    }
    c[strcspn(c, "\n")] = '\0';
    if (!c[0]) return json_null();
    if (dirty[0]) strncat(c, "+dirty", sizeof c - strlen(c) - 1);
    return json_string(c);
}

int bench_write_json(const char *path)
{
    json_t *root = json_object();
    json_object_set_new(root, "machine", machine_json());
    json_object_set_new(root, "commit", commit_json());
    time_t now = time(NULL);
    char ts[64];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(root, "date", json_string(ts));
    json_t *res = json_array();
    for (int i = 0; i < nrows; i++) {
        row_t *r = &rows[i];
        json_t *o = json_pack("{s:s,s:s,s:f,s:s}", "suite", r->suite, "name", r->name, "value", r->value, "unit", r->unit);
        if (r->has_ref) {
            json_object_set_new(o, "reference", json_string(r->ref_name));
            json_object_set_new(o, "reference_value", json_real(r->ref_value));
            json_object_set_new(o, "ratio", json_real(r->value / r->ref_value));
        }
        if (r->goal > 0) {
            json_object_set_new(o, r->goal_is_abs == 1 || r->goal_is_abs == 2 ? "goal_value"
                                   : r->goal_is_abs == 3                   ? "goal_ratio_max"
                                                                           : "goal_ratio",
                                json_real(r->goal));
            json_object_set_new(o, "meets_goal", json_boolean(!strcmp(verdict(r), "meets")));
        }
        json_array_append_new(res, o);
    }
    json_object_set_new(root, "results", res);
    if (notes) json_object_set(root, "notes", notes);
    if (series) json_object_set(root, "series", series);
    int err = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    return err;
}

void bench_accounts(size_t first, size_t k, zs_smt_key_t *balance_key, zs_smt_key_t *nonce_key, zs_u256_t *balance,
                    zs_u256_t *nonce)
{
    uint8_t addrs[1024][20];
    zs_smt_key_t three[3 * 1024];
    for (size_t i = 0; i < k; i++) {
        memset(addrs[i], 0, 20);
        uint64_t id = first + i + 1;
        memcpy(addrs[i] + 12, &id, 8);
    }
    zs_smt_keys_account3((const uint8_t(*)[20])addrs, k, three);
    for (size_t i = 0; i < k; i++) {
        balance_key[i] = three[3 * i];
        nonce_key[i] = three[3 * i + 1];
        balance[i] = zs_u256_from_u64(1000000000000000000ull + first + i);
        nonce[i] = zs_u256_from_u64(1 + (first + i) % 7);
    }
}

uint64_t bench_rng(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

json_t *bench_txgen(const char *dir, const char *args)
{
    char cmd[PATH_MAX + 512];
    snprintf(cmd, sizeof cmd, "%s/zkseq-txgen --json %s", dir, args);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    json_error_t je;
    json_t *j = json_loadf(f, 0, &je);
    pclose(f);
    return j;
}

double bench_json_num(json_t *j, const char *a, const char *b)
{
    json_t *v = json_object_get(j, a);
    return json_number_value(b ? json_object_get(v, b) : v);
}
