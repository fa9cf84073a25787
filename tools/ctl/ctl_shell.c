/* zkseqctl's interactive shell: line editing, history (~/.zkseqctl_history)
   and completion of command words, through libedit's readline interface.
   One connection serves every command of the session; a lost one is made
   again at the next command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "tools/ctl/ctl.h"

/* Completion: the first word from the commands, the second from what the
   first takes. */
static const char *const first_words[] = {"status", "pool", "batch", "seq", "config", "log", "card", "l1",
                                          "ingress", "configure", "top", "help", "quit", NULL};
static const struct {
    const char *first;
    const char *const seconds[6];
} second_words[] = {
    {"pool", {"ls", "show", "drop", NULL}},    {"batch", {"ls", "show", "close", NULL}},
    {"seq", {"pause", "resume", NULL}},        {"config", {"get", "set", NULL}},
    {"log", {"level", NULL}},                  {"card", {"status", "selftest", NULL}},
    {"l1", {"status", NULL}},                  {"ingress", {"stats", NULL}},
    {"configure", {"check", NULL}},
};
static const char *const *candidates;

static char *word_gen(const char *text, int state)
{
    static size_t i, len;
    if (!state) i = 0, len = strlen(text);
    while (candidates && candidates[i]) {
        const char *w = candidates[i++];
        if (!strncmp(w, text, len)) return strdup(w);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    candidates = NULL;
    if (start == 0) {
        candidates = first_words;
    } else {
        char first[32] = "";
        sscanf(rl_line_buffer, "%31s", first);
        for (size_t i = 0; i < sizeof second_words / sizeof second_words[0]; i++)
            if (!strcmp(first, second_words[i].first)) candidates = second_words[i].seconds;
    }
    return rl_completion_matches(text, word_gen);
}

static int split(char *line, char **argv, int max)
{
    int n = 0;
    for (char *save, *w = strtok_r(line, " \t", &save); w && n < max; w = strtok_r(NULL, " \t", &save)) argv[n++] = w;
    return n;
}

int ctl_shell(const ctl_opts_t *o)
{
    char hist[1024];
    const char *home = getenv("HOME");
    snprintf(hist, sizeof hist, "%s/.zkseqctl_history", home ? home : ".");
    using_history();
    read_history(hist);
    rl_attempted_completion_function = complete;
    char err[600];
    ctl_client_t *c = o->console ? NULL : ctl_connect(o, err, sizeof err);
    if (!o->console && !c) fprintf(stderr, "zkseqctl: %s\n", err);
    printf("zkseqctl shell: %s; 'help' lists the commands, 'quit' leaves.\n",
           o->console ? "talking to the firmware's console" : c ? "connected to zkseqd" : "not connected yet");
    int last = CTL_OK;
    for (char *line; (line = readline(o->console ? "zkseqctl(fw)> " : "zkseqctl> "));) {
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", line);
        char *argv[16];
        int argc = split(copy, argv, 16);
        if (argc) {
            add_history(line);
            write_history(hist);
        }
        free(line);
        if (!argc) continue;
        if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) break;
        if (!strcmp(argv[0], "help") || !strcmp(argv[0], "?")) {
            ctl_usage(stdout);
            continue;
        }
        if (!strcmp(argv[0], "top")) {
            last = ctl_top(o);
            continue;
        }
        if (argc == 2 && !strcmp(argv[0], "configure") && !strcmp(argv[1], "check")) {
            last = ctl_check(o);
            continue;
        }
        if (o->console) {
            last = ctl_console_run(o, argc, argv);
            continue;
        }
        if (!c && !(c = ctl_connect(o, err, sizeof err))) {
            fprintf(stderr, "zkseqctl: %s\n", err);
            last = CTL_UNREACHABLE;
            continue;
        }
        last = ctl_run(c, o, argc, argv);
        if (last == CTL_UNREACHABLE) {
            ctl_close(c); /* connect again next time */
            c = NULL;
        }
    }
    ctl_close(c);
    return last == CTL_UNREACHABLE ? CTL_UNREACHABLE : CTL_OK;
}
