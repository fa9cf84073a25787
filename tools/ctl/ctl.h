/* zkseqctl: the operator's management CLI.  It talks to zkseqd's
   management port (host/mgmt: line JSON, plain on loopback, TLS with a
   token beyond it) or to the firmware's serial console, prints tables for
   people and JSON for scripts (--json), and has an interactive shell, a
   live view (top) and host checks (configure check).

   Exit codes, for scripts: 0 done; 1 the box refused or the command
   failed (or a check failed); 2 a usage error (unknown command, bad
   arguments); 3 the box could not be reached (connection, TLS, token).
   Tool code: single-threaded, may exit. */
#ifndef ZKSEQCTL_H
#define ZKSEQCTL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_OK 0
#define CTL_FAILED 1
#define CTL_USAGE 2
#define CTL_UNREACHABLE 3

typedef struct {
    const char *host;
    int port;
    int tls;
    const char *ca;       /* TLS: the CA file to trust (default: the system's) */
    const char *token;
    int json;
    int timeout_ms;
    const char *console;  /* the firmware console's device: talk to it instead */
    int baud;
    const char *password_file;
} ctl_opts_t;

/* ---- The management client (ctl_client.c). */
typedef struct ctl_client ctl_client_t;
/* NULL with the reason in err (exit CTL_UNREACHABLE). */
ctl_client_t *ctl_connect(const ctl_opts_t *o, char *err, size_t errlen);
void ctl_close(ctl_client_t *c);
/* ctl_call sends one command and waits for its answer: the result (a new
   reference), or NULL with *code ("bad_args", "unknown_command", "refused",
   "auth", "internal", or "unreachable" when the connection failed) and a
   sentence in err. */
json_t *ctl_call(ctl_client_t *c, const char *cmd, json_t *args, const char **code, char *err, size_t errlen);
/* The exit code for an error code. */
int ctl_exit_code(const char *code);

/* ---- Commands (ctl_cmd.c): run one command line (words) against the
   box and print the answer; returns an exit code. */
int ctl_run(ctl_client_t *c, const ctl_opts_t *o, int argc, char **argv);
void ctl_usage(FILE *f);

/* ---- Human output (ctl_print.c). */
void ctl_print(const char *cmd, json_t *result);

/* ---- The firmware's serial console (ctl_console.c). */
int ctl_console_run(const ctl_opts_t *o, int argc, char **argv);

/* ---- zkseqctl configure check (ctl_check.c). */
int ctl_check(const ctl_opts_t *o);

/* ---- zkseqctl top (ctl_top.c). */
int ctl_top(const ctl_opts_t *o);

/* ---- The interactive shell (ctl_shell.c). */
int ctl_shell(const ctl_opts_t *o);

#endif
