/* zkseqctl top: a live full-screen view, refreshed every second: tx/s in
   and sequenced, answer latency percentiles of the last second by path,
   the pool, batches by stage, L1 and the firmware, the card, each core's
   load.  q quits, p pauses or resumes sequencing (asks first). */
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/metrics/zs_metrics.h"
#include "tools/ctl/ctl.h"

#define PATHS 3

/* One path's answer-latency histogram from ingress stats. */
static void hist_of(json_t *ingress, const char *path, zs_hist_t *h)
{
    memset(h, 0, sizeof *h);
    json_t *l = json_object_get(json_object_get(json_object_get(ingress, "paths"), path), "answer_latency");
    json_t *b = json_object_get(l, "buckets");
    for (size_t i = 0; i <= ZS_HIST_BUCKETS && i < json_array_size(b); i++)
        h->b[i] = (uint64_t)json_integer_value(json_array_get(b, i));
    h->count = (uint64_t)json_integer_value(json_object_get(l, "count"));
}

static const char *s_(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "-";
}

static long long n_(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

static void bar(int row, const char *label, double frac)
{
    int w = COLS - 22 > 10 ? COLS - 22 : 10;
    if (w > 60) w = 60;
    int fill = (int)(frac * w + 0.5);
    mvprintw(row, 0, "%-8s [", label);
    for (int i = 0; i < w; i++) addch(i < fill ? '#' : ' ');
    printw("] %3.0f%%", frac * 100);
}

static void draw(const ctl_opts_t *o, json_t *st, json_t *in, const zs_hist_t *win, const char *note)
{
    erase();
    long long up = n_(st, "uptime_s");
    time_t now = time(NULL);
    char clock[32];
    strftime(clock, sizeof clock, "%H:%M:%S", localtime(&now));
    attron(A_BOLD);
    mvprintw(0, 0, "zkseq top - %s:%d - chain %lld - up %lldd %02lld:%02lld:%02lld - %s%s", o->host, o->port,
             n_(st, "chain_id"), up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, clock,
             json_is_true(json_object_get(st, "paused")) ? "  [SEQUENCING PAUSED]" : "");
    attroff(A_BOLD);
    json_t *t = json_object_get(st, "tx_per_s");
    mvprintw(2, 0, "tx/s in %10.1f    sequenced %10.1f    head block %lld", json_number_value(json_object_get(t, "in")),
             json_number_value(json_object_get(t, "sequenced")), n_(st, "head"));
    mvprintw(3, 0, "answer latency (last second):");
    static const char *const paths[PATHS] = {"rpc", "udp", "dpdk"};
    int row = 4;
    for (int p = 0; p < PATHS; p++) {
        json_t *pj = json_object_get(json_object_get(in, "paths"), paths[p]);
        if (win[p].count)
            mvprintw(row++, 2, "%-5s p50 %8.3f ms   p90 %8.3f ms   p99 %8.3f ms   (%llu answers; %lld accepted, %lld refused in all)",
                     paths[p], 1e3 * zs_hist_quantile(&win[p], 0.5), 1e3 * zs_hist_quantile(&win[p], 0.9),
                     1e3 * zs_hist_quantile(&win[p], 0.99), (unsigned long long)win[p].count, n_(pj, "accepted"),
                     n_(pj, "refused"));
        else
            mvprintw(row++, 2, "%-5s idle   (%lld accepted, %lld refused in all)", paths[p], n_(pj, "accepted"),
                     n_(pj, "refused"));
    }
    json_t *pool = json_object_get(st, "pool"), *b = json_object_get(st, "batches");
    mvprintw(++row, 0, "pool      %lld executable, %lld queued", n_(pool, "executable"), n_(pool, "queued"));
    mvprintw(++row, 0, "batches   open %lld   trusted %lld   virtual %lld   consolidated %lld", n_(b, "open"),
             n_(b, "trusted"), n_(b, "virtual"), n_(b, "consolidated"));
    json_t *l1 = json_object_get(st, "l1");
    mvprintw(++row, 0, "L1        firmware %s, L1 %s, backlog %lld, pending %lld, sent %lld%s",
             json_is_true(json_object_get(l1, "firmware")) ? "up" : "DOWN",
             !json_is_true(json_object_get(l1, "firmware")) ? "unknown" : json_is_true(json_object_get(l1, "l1_down")) ? "DOWN" : "up", n_(l1, "backlog"), n_(l1, "pending_l1_txs"),
             n_(l1, "l1_txs_sent"), json_is_true(json_object_get(l1, "backpressure")) ? "  BACKPRESSURE" : "");
    mvprintw(++row, 0, "          sequencer %s  last L1 tx %.18s", s_(l1, "sequencer"), s_(l1, "last_l1_tx"));
    json_t *c = json_object_get(st, "card");
    mvprintw(++row, 0, "card      %s (asked %s)%s  jobs %lld (%.1f/s)  failures %lld  queue %lld", s_(c, "backend"),
             s_(c, "requested"), json_is_true(json_object_get(c, "fallback")) ? "  SET ASIDE" : "", n_(c, "jobs"),
             json_number_value(json_object_get(c, "jobsPerSecond")), n_(json_object_get(c, "failures"), "total"),
             n_(c, "queueDepth"));
    row += 2;
    json_t *cpu = json_object_get(st, "cpu");
    for (size_t i = 0; i < json_array_size(cpu) && row < LINES - 2; i++) {
        char label[32];
        snprintf(label, sizeof label, "cpu%zu", i);
        bar(row++, label, json_number_value(json_array_get(cpu, i)));
    }
    mvprintw(LINES - 1, 0, "q quit   p pause/resume sequencing   %s", note);
    refresh();
}

int ctl_top(const ctl_opts_t *o)
{
    char err[600];
    ctl_client_t *c = ctl_connect(o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "zkseqctl: %s\n", err);
        return CTL_UNREACHABLE;
    }
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(1000);
    zs_hist_t prev[PATHS], cur[PATHS], win[PATHS];
    memset(prev, 0, sizeof prev);
    memset(win, 0, sizeof win);
    int first = 1, rc = CTL_OK, confirm = 0;
    char note[200] = "";
    for (;;) {
        const char *code;
        json_t *st = ctl_call(c, "status", NULL, &code, err, sizeof err);
        json_t *in = st ? ctl_call(c, "ingress.stats", NULL, &code, err, sizeof err) : NULL;
        if (!st || !in) {
            json_decref(st);
            rc = ctl_exit_code(code);
            break;
        }
        static const char *const paths[PATHS] = {"rpc", "udp", "dpdk"};
        for (int p = 0; p < PATHS; p++) {
            hist_of(in, paths[p], &cur[p]);
            if (!first) zs_hist_sub(&cur[p], &prev[p], &win[p]);
            prev[p] = cur[p];
        }
        first = 0;
        draw(o, st, in, win, note);
        int paused = json_is_true(json_object_get(st, "paused"));
        json_decref(st);
        json_decref(in);
        int ch = getch();
        if (ch == 'q' || ch == 'Q') break;
        if (confirm && (ch == 'y' || ch == 'Y')) {
            json_t *r = ctl_call(c, paused ? "seq.resume" : "seq.pause", NULL, &code, err, sizeof err);
            snprintf(note, sizeof note, "%.190s", r ? (paused ? "sequencing resumed" : "sequencing paused") : err);
            json_decref(r);
            confirm = 0;
        } else if (ch == 'p' || ch == 'P') {
            snprintf(note, sizeof note, "%s sequencing? y to confirm", paused ? "resume" : "pause");
            confirm = 1;
        } else if (ch != ERR) {
            note[0] = 0;
            confirm = 0;
        }
    }
    endwin();
    if (rc) fprintf(stderr, "zkseqctl: top: %s\n", err);
    ctl_close(c);
    return rc;
}
