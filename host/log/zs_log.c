#include "host/log/zs_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[ZS_LOG_LEVELS] = {"debug", "info", "warn", "error"};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards fd and path */
static int fd = 2;
static char path[4096];
static int level = ZS_LOG_INFO, format = ZS_LOG_KV;

int zs_log_parse_level(const char *name, zs_log_level_t *out)
{
    for (int i = 0; name && i < ZS_LOG_LEVELS; i++)
        if (!strcmp(name, level_names[i])) {
            *out = (zs_log_level_t)i;
            return ZS_OK;
        }
    return ZS_ERR_INVAL;
}

int zs_log_parse_format(const char *name, zs_log_format_t *out)
{
    if (name && !strcmp(name, "kv")) *out = ZS_LOG_KV;
    else if (name && !strcmp(name, "json")) *out = ZS_LOG_JSON;
    else return ZS_ERR_INVAL;
    return ZS_OK;
}

const char *zs_log_level_name(zs_log_level_t l)
{
    return (unsigned)l < ZS_LOG_LEVELS ? level_names[l] : "?";
}

static int open_path(const char *p)
{
    return open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

int zs_log_open(const char *p, zs_log_format_t f, zs_log_level_t l, char *err, size_t errlen)
{
    int nfd = 2;
    if (p && *p && (nfd = open_path(p)) < 0) {
        snprintf(err, errlen, "log file %s: %s", p, strerror(errno));
        return ZS_ERR_IO;
    }
    pthread_mutex_lock(&mu);
    if (fd > 2) close(fd);
    fd = nfd;
    snprintf(path, sizeof path, "%s", p ? p : "");
    __atomic_store_n(&format, (int)f, __ATOMIC_RELAXED);
    __atomic_store_n(&level, (int)l, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&mu);
    return ZS_OK;
}

int zs_log_reopen(void)
{
    pthread_mutex_lock(&mu);
    int rc = ZS_OK;
    if (path[0]) {
        int nfd = open_path(path);
        if (nfd < 0) rc = ZS_ERR_IO; /* keep writing to the old one */
        else {
            close(fd);
            fd = nfd;
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void zs_log_close(void)
{
    pthread_mutex_lock(&mu);
    if (fd > 2) close(fd);
    fd = 2;
    path[0] = 0;
    pthread_mutex_unlock(&mu);
}

void zs_log_set_level(zs_log_level_t l) { __atomic_store_n(&level, (int)l, __ATOMIC_RELAXED); }
zs_log_level_t zs_log_level(void) { return (zs_log_level_t)__atomic_load_n(&level, __ATOMIC_RELAXED); }

typedef struct {
    char b[4096];
    size_t n;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
    if (l->n + n > sizeof l->b - 2) n = sizeof l->b - 2 - l->n; /* long events are cut, never split */
    memcpy(l->b + l->n, s, n);
    l->n += n;
}

static void puts_(line_t *l, const char *s) { put(l, s, strlen(s)); }

/* A value: bare in kv when it has no space, quote or '=', else quoted with
   \" and \\ escaped (and \n, \t, control bytes as \u00XX in JSON). */
static void value(line_t *l, const char *v, int json)
{
    int bare = !json && *v;
    for (const char *p = v; bare && *p; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20) bare = 0;
    if (bare) {
        puts_(l, v);
        return;
    }
    put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            put(l, e, 2);
        } else if (*p == '\n') {
            put(l, "\\n", 2);
        } else if (*p < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", *p);
            put(l, e, 6);
        } else {
            put(l, (const char *)p, 1);
        }
    }
    put(l, "\"", 1);
}

static void field(line_t *l, const char *k, const char *v, int json, int first)
{
    if (json) {
        puts_(l, first ? "{" : ",");
        value(l, k, 1);
        put(l, ":", 1);
    } else {
        if (!first) put(l, " ", 1);
        puts_(l, k);
        put(l, "=", 1);
    }
    value(l, v, json);
}

static void emit(zs_log_level_t lv, const char *comp, const char *msg, va_list *kv)
{
    if ((int)lv < __atomic_load_n(&level, __ATOMIC_RELAXED)) return;
    int json = __atomic_load_n(&format, __ATOMIC_RELAXED) == ZS_LOG_JSON;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[96];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    line_t l = {.n = 0};
    field(&l, "ts", ts, json, 1);
    field(&l, "level", zs_log_level_name(lv), json, 0);
    field(&l, "comp", comp, json, 0);
    field(&l, "msg", msg, json, 0);
    if (kv)
        for (const char *k; (k = va_arg(*kv, const char *));) {
            const char *v = va_arg(*kv, const char *);
            field(&l, k, v ? v : "", json, 0);
        }
    if (json) put(&l, "}", 1);
    l.b[l.n++] = '\n';
    pthread_mutex_lock(&mu);
    ssize_t w = write(fd, l.b, l.n);
    pthread_mutex_unlock(&mu);
    (void)w; /* nowhere to report a log that cannot be written */
}

void zs_log(zs_log_level_t lv, const char *comp, const char *fmt, ...)
{
    if ((int)lv < __atomic_load_n(&level, __ATOMIC_RELAXED)) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(lv, comp, msg, NULL);
}

void zs_log_kv(zs_log_level_t lv, const char *comp, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    emit(lv, comp, msg, &ap);
    va_end(ap);
}
