#include "host/mgmt/zs_sampler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/metrics/zs_metrics.h"
#include "lib/base/zs_time.h"

struct zs_sampler {
    zs_node_t *node;
    pthread_t thread;
    pthread_mutex_t mu; /* guards rates and stopping */
    pthread_cond_t cv;
    int stopping;
    zs_rates_t rates;
};


typedef struct {
    uint64_t busy, total;
} cpu_t;

static unsigned read_cpus(cpu_t *out, unsigned max)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        unsigned idx;
        unsigned long long v[8] = {0};
        if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9') continue; /* "cpu " is the sum */
        if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &idx, &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) < 5)
            continue;
        uint64_t idle = v[3] + v[4], total = 0;
        for (int i = 0; i < 8; i++) total += v[i];
        out[n].busy = total - idle;
        out[n].total = total;
        n++;
    }
    fclose(f);
    return n;
}

static uint64_t accepted_total(void)
{
    zs_metrics_ingress_t in;
    zs_metrics_ingress_read(&in);
    uint64_t t = 0;
    for (int p = 0; p < ZS_PATH_COUNT; p++) t += in.ingress[p][0];
    return t;
}

static void *sampler_main(void *arg)
{
    pthread_setname_np(pthread_self(), "zs-sampler");
    zs_sampler_t *m = arg;
    cpu_t prev[64], cur[64];
    unsigned n = read_cpus(prev, 64);
    uint64_t t0 = zs_mono_ns(), in0 = accepted_total(), seq0 = 0;
    zs_node_stats_t st;
    if (m->node) {
        zs_node_stats(m->node, &st);
        seq0 = st.txs_included;
    }
    pthread_mutex_lock(&m->mu);
    while (!m->stopping) {
        struct timespec until = zs_deadline_ms(1000);
        pthread_cond_timedwait(&m->cv, &m->mu, &until);
        if (m->stopping) break;
        pthread_mutex_unlock(&m->mu);
        uint64_t t1 = zs_mono_ns(), in1 = accepted_total(), seq1 = seq0;
        if (m->node) {
            zs_node_stats(m->node, &st);
            seq1 = st.txs_included;
        }
        unsigned k = read_cpus(cur, 64);
        double dt = (double)(t1 - t0) / 1e9;
        pthread_mutex_lock(&m->mu);
        if (dt > 0) {
            m->rates.tx_in_per_s = (double)(in1 - in0) / dt;
            m->rates.tx_sequenced_per_s = (double)(seq1 - seq0) / dt;
        }
        m->rates.ncpu = k < n ? k : n;
        for (unsigned i = 0; i < m->rates.ncpu; i++) {
            uint64_t tot = cur[i].total - prev[i].total, busy = cur[i].busy - prev[i].busy;
            m->rates.cpu_busy[i] = tot ? (double)busy / (double)tot : 0;
        }
        memcpy(prev, cur, sizeof cur);
        n = k;
        t0 = t1, in0 = in1, seq0 = seq1;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

void zs_sampler_read(zs_sampler_t *m, zs_rates_t *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->rates;
    pthread_mutex_unlock(&m->mu);
}


zs_sampler_t *zs_sampler_start(zs_node_t *node)
{
    zs_sampler_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->node = node;
    m->rates.started_ns = zs_mono_ns();
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (pthread_create(&m->thread, NULL, sampler_main, m)) {
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    return m;
}

void zs_sampler_stop(zs_sampler_t *m)
{
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    m->stopping = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
