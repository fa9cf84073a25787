/* zkseqctl: options, then one command, the shell, top or the checks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl/ctl.h"

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"host", required_argument, 0, 'H'},       {"port", required_argument, 0, 'p'},
        {"tls", no_argument, 0, 't'},              {"ca", required_argument, 0, 'a'},
        {"token", required_argument, 0, 'k'},      {"token-file", required_argument, 0, 'K'},
        {"json", no_argument, 0, 'j'},             {"timeout", required_argument, 0, 'T'},
        {"console", required_argument, 0, 'c'},    {"baud", required_argument, 0, 'b'},
        {"password-file", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    ctl_opts_t o = {.host = "127.0.0.1", .port = 8126, .timeout_ms = 10000, .baud = 115200,
                    .token = getenv("ZKSEQCTL_TOKEN")};
    static char token[256];
    int c;
    /* Options go before or after the command, as with git and kubectl;
       an argument that starts with a dash follows "--". */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'H': o.host = optarg; break;
        case 'p':
            o.port = (int)strtol(optarg, &end, 10);
            if (*end || o.port <= 0 || o.port > 65535) {
                fprintf(stderr, "zkseqctl: --port wants 1..65535\n");
                return CTL_USAGE;
            }
            break;
        case 't': o.tls = 1; break;
        case 'a': o.ca = optarg; break;
        case 'k': o.token = optarg; break;
        case 'K': {
            FILE *f = fopen(optarg, "r");
            if (!f || !fgets(token, sizeof token, f)) {
                fprintf(stderr, "zkseqctl: cannot read the token from %s\n", optarg);
                if (f) fclose(f);
                return CTL_USAGE;
            }
            fclose(f);
            token[strcspn(token, "\r\n")] = 0;
            o.token = token;
            break;
        }
        case 'j': o.json = 1; break;
        case 'T':
            o.timeout_ms = (int)strtol(optarg, &end, 10);
            if (*end || o.timeout_ms <= 0) {
                fprintf(stderr, "zkseqctl: --timeout wants milliseconds\n");
                return CTL_USAGE;
            }
            break;
        case 'c': o.console = optarg; break;
        case 'b': o.baud = atoi(optarg); break;
        case 'P': o.password_file = optarg; break;
        case 'h': ctl_usage(stdout); return CTL_OK;
        default: ctl_usage(stderr); return CTL_USAGE;
        }
    }
    argc -= optind;
    argv += optind;
    if (!argc || (argc == 1 && !strcmp(argv[0], "shell"))) return ctl_shell(&o);
    if (argc == 1 && !strcmp(argv[0], "top")) return ctl_top(&o);
    if (argc == 2 && !strcmp(argv[0], "configure") && !strcmp(argv[1], "check")) return ctl_check(&o);
    if (!strcmp(argv[0], "configure")) {
        fprintf(stderr, "zkseqctl: usage: configure check\n");
        return CTL_USAGE;
    }
    if (o.console) return ctl_console_run(&o, argc, argv);
    char err[600];
    ctl_client_t *cl = ctl_connect(&o, err, sizeof err);
    if (!cl) {
        fprintf(stderr, "zkseqctl: %s\n", err);
        return CTL_UNREACHABLE;
    }
    int rc = ctl_run(cl, &o, argc, argv);
    ctl_close(cl);
    return rc;
}
