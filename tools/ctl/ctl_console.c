/* zkseqctl --console DEV: the firmware's serial console (a pseudo-terminal
   on the sim board, a tty on the appliance) at the given baud rate.  The
   commands that exist there are translated (status, l1 status, batch ls,
   config get/set of the batching policy, alarms); each is written as a line
   and the answer read up to the console's prompt.  An answer starting with
   "error:" is a refusal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/base/zs_time.h"
#include "tools/ctl/ctl.h"

#define PROMPT "zkseq-fw> "

static speed_t baud_of(int b)
{
    switch (b) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return 0;
    }
}

static int open_console(const ctl_opts_t *o, char *err, size_t errlen)
{
    speed_t sp = baud_of(o->baud);
    if (!sp) {
        snprintf(err, errlen, "--baud %d: want 9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600", o->baud);
        return -1;
    }
    int fd = open(o->console, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the console %s: %s", o->console, strerror(errno));
        return -1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, sp);
        cfsetospeed(&t, sp);
        t.c_cflag |= CLOCAL | CREAD;
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

/* Reads until the prompt (or the time runs out) into buf. */
static int read_answer(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    uint64_t end = zs_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    buf[0] = 0;
    while (zs_mono_ns() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t k = read(fd, buf + n, cap - 1 - n);
        if (k <= 0) return -1;
        n += (size_t)k;
        buf[n] = 0;
        if (n >= strlen(PROMPT) && !strcmp(buf + n - strlen(PROMPT), PROMPT)) {
            buf[n - strlen(PROMPT)] = 0;
            return 0;
        }
        if (n + 1 >= cap) return 0;
    }
    return -1;
}

static int say(int fd, const char *line, char *ans, size_t cap, int timeout_ms)
{
    char l[300];
    int k = snprintf(l, sizeof l, "%s\r", line);
    if (write(fd, l, (size_t)k) != k) return -1;
    return read_answer(fd, ans, cap, timeout_ms);
}

/* The answer without the echoed command line and without \r. */
static char *body(char *ans)
{
    char *p = strchr(ans, '\n');
    p = p ? p + 1 : ans;
    char *w = p;
    for (char *r = p; *r; r++)
        if (*r != '\r') *w++ = *r;
    *w = 0;
    return p;
}

static const char *fw_key(const char *key)
{
    static const char *const keys[][2] = {{"batch.max_bytes", "max_bytes"},
                                          {"batch.max_txs", "max_txs"},
                                          {"batch.max_gas", "max_gas"},
                                          {"batch.max_age_ms", "max_age_ms"},
                                          {"firmware.block_min_ms", "block_min_ms"},
                                          {"firmware.block_max_ms", "block_max_ms"},
                                          {"firmware.target_block_txs", "target_block_txs"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(key, keys[i][0])) return keys[i][1];
    return NULL;
}

/* Long because it is the console subcommand dispatcher: each branch maps one zkseqctl
 * console verb onto one firmware console line and prints its reply. */
int ctl_console_run(const ctl_opts_t *o, int argc, char **argv)
{
    char line[256], err[300];
    int login = 0;
    if (argc == 1 && !strcmp(argv[0], "status")) snprintf(line, sizeof line, "status");
    else if (argc == 2 && !strcmp(argv[0], "l1") && !strcmp(argv[1], "status")) snprintf(line, sizeof line, "l1");
    else if (argc >= 2 && !strcmp(argv[0], "batch") && !strcmp(argv[1], "ls")) snprintf(line, sizeof line, "batches");
    else if (argc == 1 && !strcmp(argv[0], "alarms")) snprintf(line, sizeof line, "alarms");
    else if (argc == 2 && !strcmp(argv[0], "config") && !strcmp(argv[1], "get")) snprintf(line, sizeof line, "policy get");
    else if (argc == 3 && !strcmp(argv[0], "config") && !strcmp(argv[1], "get") && fw_key(argv[2]))
        snprintf(line, sizeof line, "policy get %s", fw_key(argv[2]));
    else if (argc == 3 && !strcmp(argv[0], "config") && !strcmp(argv[1], "get") && !strcmp(argv[2], "l1.data"))
        snprintf(line, sizeof line, "l1 data");
    else if (argc == 4 && !strcmp(argv[0], "config") && !strcmp(argv[1], "set") && !strcmp(argv[2], "l1.data")) {
        snprintf(line, sizeof line, "l1 data %s", argv[3]);
        login = 1;
    } else if (argc == 4 && !strcmp(argv[0], "config") && !strcmp(argv[1], "set") && fw_key(argv[2])) {
        snprintf(line, sizeof line, "policy set %s %s", fw_key(argv[2]), argv[3]);
        login = 1;
    } else {
        fprintf(stderr,
                "zkseqctl: on the firmware console: status, l1 status, batch ls, alarms, config get [KEY], config set "
                "KEY VALUE (KEY: batch.max_bytes|max_txs|max_gas|max_age_ms, firmware.block_min_ms|block_max_ms|"
                "target_block_txs, l1.data)\n");
        return CTL_USAGE;
    }
    int fd = open_console(o, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "zkseqctl: %s\n", err);
        return CTL_UNREACHABLE;
    }
    static char ans[65536];
    /* A fresh prompt first: whatever was typed before is discarded. */
    if (say(fd, "", ans, sizeof ans, o->timeout_ms)) {
        fprintf(stderr, "zkseqctl: the console at %s did not answer (is zkseq-fw running there? --baud?)\n", o->console);
        close(fd);
        return CTL_UNREACHABLE;
    }
    if (login) {
        char pw[256] = "";
        const char *env = getenv("ZKSEQCTL_CONSOLE_PASSWORD");
        if (o->password_file) {
            FILE *f = fopen(o->password_file, "r");
            if (!f || !fgets(pw, sizeof pw, f)) {
                fprintf(stderr, "zkseqctl: cannot read the password from %s\n", o->password_file);
                if (f) fclose(f);
                close(fd);
                return CTL_USAGE;
            }
            fclose(f);
            pw[strcspn(pw, "\r\n")] = 0;
        } else if (env) {
            snprintf(pw, sizeof pw, "%s", env);
        }
        if (pw[0]) {
            char l[300];
            snprintf(l, sizeof l, "login %s", pw);
            if (say(fd, l, ans, sizeof ans, o->timeout_ms) || strstr(ans, "error:")) {
                fprintf(stderr, "zkseqctl: the console refused the login: %s", body(ans));
                say(fd, "logout", ans, sizeof ans, o->timeout_ms);
                close(fd);
                return CTL_FAILED;
            }
        }
    }
    int rc = say(fd, line, ans, sizeof ans, o->timeout_ms);
    char *b = body(ans);
    if (login) {
        static char tmp[256];
        say(fd, "logout", tmp, sizeof tmp, o->timeout_ms);
    }
    close(fd);
    if (rc) {
        fprintf(stderr, "zkseqctl: the console did not finish its answer within %d ms\n", o->timeout_ms);
        return CTL_UNREACHABLE;
    }
    int refused = strstr(b, "error:") != NULL;
    if (o->json) {
        json_t *lines = json_array();
        for (char *save, *l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            json_array_append_new(lines, json_string(l));
        json_t *out = json_pack("{s:s,s:b,s:o}", "console_command", line, "ok", !refused, "lines", lines);
        char *s = json_dumps(out, JSON_INDENT(2));
        if (s) puts(s);
        free(s);
        json_decref(out);
    } else {
        fputs(b, refused ? stderr : stdout);
    }
    return refused ? CTL_FAILED : CTL_OK;
}
