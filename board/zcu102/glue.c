/* What the bare-metal C library needs from the board: stdio streams on the
   debug UART, and the few symbols Debian's arm64 libsecp256k1.a (built
   against glibc, with _FORTIFY_SOURCE) and picolibc's abort() expect.
   Nothing here is called on the firmware's normal path. */
#include <stdarg.h>
#include <stdio.h>

#include "board/zcu102/zcu102.h"

static int dbg_putc(char c, FILE *f)
{
    (void)f;
    char s[2] = {c, 0};
    static char line[160];
    static size_t n;
    if (c == '\n' || n == sizeof line - 1) {
        line[n] = 0;
        zcu102_debug(line);
        n = 0;
        if (c == '\n') return (unsigned char)c;
    }
    line[n++] = s[0];
    return (unsigned char)c;
}

static FILE dbg = FDEV_SETUP_STREAM(dbg_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &dbg;
FILE *const stderr = &dbg;
FILE *const stdin = NULL;

/* glibc's checked fprintf (libsecp256k1's default error callbacks). */
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

/* raise() from abort(): there is one program and no signals. */
int getpid(void);
int kill(int pid, int sig);
int getpid(void) { return 1; }
int kill(int pid, int sig)
{
    (void)pid, (void)sig;
    return -1;
}
