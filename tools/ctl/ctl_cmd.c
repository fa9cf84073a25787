/* zkseqctl's commands: words on the command line (or in the shell) to a
   management request, and its answer printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl/ctl.h"

/* Command words: "pool ls" is the request "pool.ls". */
static const struct {
    const char *w1, *w2, *cmd, *usage;
    int min, max; /* argument count after the words */
} table[] = {
    {"status", NULL, "status", "status", 0, 0},
    {"pool", "ls", "pool.ls", "pool ls [LIMIT]", 0, 1},
    {"pool", "show", "pool.show", "pool show HASH", 1, 1},
    {"pool", "drop", "pool.drop", "pool drop HASH", 1, 1},
    {"batch", "ls", "batch.ls", "batch ls [COUNT]", 0, 1},
    {"batch", "show", "batch.show", "batch show NUMBER", 1, 1},
    {"batch", "close", "batch.close", "batch close", 0, 0},
    {"seq", "pause", "seq.pause", "seq pause", 0, 0},
    {"seq", "resume", "seq.resume", "seq resume", 0, 0},
    {"config", "get", "config.get", "config get [KEY]", 0, 1},
    {"config", "set", "config.set", "config set KEY VALUE", 2, 2},
    {"log", "level", "log.level", "log level [debug|info|warn|error]", 0, 1},
    {"card", "status", "card.status", "card status", 0, 0},
    {"card", "selftest", "card.selftest", "card selftest", 0, 0},
    {"l1", "status", "l1.status", "l1 status", 0, 0},
    {"ingress", "stats", "ingress.stats", "ingress stats", 0, 0},
};
#define NCMDS (sizeof table / sizeof table[0])

void ctl_usage(FILE *f)
{
    fprintf(f, "usage: zkseqctl [OPTIONS] COMMAND [ARGS] [OPTIONS]   (no command: an interactive shell)\n"
               "       options go before or after the command; an argument starting with '-' follows --\n"
               "\ncommands:\n");
    for (size_t i = 0; i < NCMDS; i++) fprintf(f, "  %s\n", table[i].usage);
    fprintf(f, "  configure check                 checks this host for production (hugepages, NIC, cores, card,\n"
               "                                  firmware link, clock)\n"
               "  top                             a live view, refreshed every second (q quits)\n"
               "\noptions:\n"
               "  --host ADDR --port N            zkseqd's management port (127.0.0.1:8126)\n"
               "  --tls [--ca FILE]               TLS (required beyond loopback), trusting FILE's CAs\n"
               "  --token T | --token-file F      the management token (or $ZKSEQCTL_TOKEN)\n"
               "  --json                          JSON for scripts instead of tables\n"
               "  --timeout MS                    how long to wait for an answer (10000)\n"
               "  --console DEV [--baud N]        talk to the firmware's serial console (a pty or a tty) instead;\n"
               "  [--password-file F]             F (or $ZKSEQCTL_CONSOLE_PASSWORD) for its login\n"
               "\nexit codes: 0 done, 1 refused or failed, 2 usage, 3 zkseqd unreachable\n");
}

int ctl_run(ctl_client_t *c, const ctl_opts_t *o, int argc, char **argv)
{
    if (argc < 1) {
        ctl_usage(stderr);
        return CTL_USAGE;
    }
    for (size_t i = 0; i < NCMDS; i++) {
        int words = table[i].w2 ? 2 : 1;
        if (strcmp(argv[0], table[i].w1) || (words == 2 && (argc < 2 || strcmp(argv[1], table[i].w2)))) continue;
        int nargs = argc - words;
        if (nargs < table[i].min || nargs > table[i].max) {
            fprintf(stderr, "zkseqctl: usage: %s\n", table[i].usage);
            return CTL_USAGE;
        }
        json_t *args = json_array();
        for (int k = words; k < argc; k++) json_array_append_new(args, json_string(argv[k]));
        const char *code;
        char err[600];
        json_t *r = ctl_call(c, table[i].cmd, args, &code, err, sizeof err);
        json_decref(args);
        if (!r) {
            fprintf(stderr, "zkseqctl: %s\n", err);
            return ctl_exit_code(code);
        }
        int rc = CTL_OK;
        /* A self-test that ran but did not pass is a failed command. */
        if (!strcmp(table[i].cmd, "card.selftest") && !json_is_true(json_object_get(r, "passed"))) rc = CTL_FAILED;
        if (o->json) {
            char *s = json_dumps(r, JSON_INDENT(2) | JSON_ENCODE_ANY);
            if (s) puts(s);
            free(s);
        } else {
            ctl_print(table[i].cmd, r);
        }
        fflush(stdout);
        json_decref(r);
        return rc;
    }
    /* A known first word with a wrong second one: say what it takes. */
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(argv[0], table[i].w1)) {
            fprintf(stderr, "zkseqctl: '%s %s' is not a command; %s takes:\n", argv[0], argc > 1 ? argv[1] : "",
                    argv[0]);
            for (size_t k = i; k < NCMDS && !strcmp(table[k].w1, argv[0]); k++) fprintf(stderr, "  %s\n", table[k].usage);
            return CTL_USAGE;
        }
    fprintf(stderr, "zkseqctl: unknown command '%s' (zkseqctl --help lists them)\n", argv[0]);
    return CTL_USAGE;
}
