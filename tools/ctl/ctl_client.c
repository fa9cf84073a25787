/* zkseqctl's side of the management port: connect (plain or TLS), send a
   request line, read its answer line. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/net/zs_conn.h"
#include "tools/ctl/ctl.h"

struct ctl_client {
    zs_conn_t *conn;
    zs_tls_t *tls;
    const ctl_opts_t *o;
    long next_id;
    char user[128];
    char line[1 << 20];
};

int ctl_exit_code(const char *code)
{
    if (!code) return CTL_FAILED;
    if (!strcmp(code, "bad_args") || !strcmp(code, "unknown_command")) return CTL_USAGE;
    if (!strcmp(code, "auth") || !strcmp(code, "unreachable")) return CTL_UNREACHABLE;
    return CTL_FAILED;
}

ctl_client_t *ctl_connect(const ctl_opts_t *o, char *err, size_t errlen)
{
    ctl_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->o = o;
    struct passwd *pw = getpwuid(getuid());
    char host[64] = "?";
    gethostname(host, sizeof host - 1);
    snprintf(c->user, sizeof c->user, "%s on %s", pw ? pw->pw_name : "?", host);
    char port[16];
    snprintf(port, sizeof port, "%d", o->port);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(o->host, port, &hints, &ai);
    if (rc) {
        snprintf(err, errlen, "cannot resolve %s: %s", o->host, gai_strerror(rc));
        free(c);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        snprintf(err, errlen, "cannot connect to zkseqd's management port %s:%d: %s (is zkseqd running? mgmt.port)",
                 o->host, o->port, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        free(c);
        return NULL;
    }
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char e[400];
    if (o->tls && !(c->tls = zs_tls_client(o->ca, e, sizeof e))) {
        snprintf(err, errlen, "TLS: %s", e);
        close(fd);
        free(c);
        return NULL;
    }
    if (!(c->conn = zs_conn_open(fd, c->tls, o->host, o->timeout_ms, e, sizeof e))) {
        snprintf(err, errlen, "%s", e);
        zs_tls_free(c->tls);
        free(c);
        return NULL;
    }
    return c;
}

void ctl_close(ctl_client_t *c)
{
    if (!c) return;
    zs_conn_close(c->conn);
    zs_tls_free(c->tls);
    free(c);
}

json_t *ctl_call(ctl_client_t *c, const char *cmd, json_t *args, const char **code, char *err, size_t errlen)
{
    long id = ++c->next_id;
    json_t *req = json_pack("{s:I,s:s,s:o,s:s}", "id", (json_int_t)id, "cmd", cmd, "args",
                            args ? json_incref(args) : json_array(), "user", c->user);
    if (c->o->token && *c->o->token) json_object_set_new(req, "token", json_string(c->o->token));
    char *s = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    *code = "unreachable";
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t n = strlen(s);
    s[n] = '\n';
    int rc = zs_conn_write(c->conn, s, n + 1, c->o->timeout_ms);
    free(s);
    if (rc) {
        snprintf(err, errlen, "the management connection broke while sending");
        return NULL;
    }
    ssize_t k = zs_conn_readline(c->conn, c->line, sizeof c->line, c->o->timeout_ms);
    if (k <= 0) {
        snprintf(err, errlen, k == ZS_ERR_TIMEOUT ? "zkseqd did not answer within %d ms" : "zkseqd closed the management connection",
                 c->o->timeout_ms);
        return NULL;
    }
    json_error_t je;
    json_t *resp = json_loads(c->line, 0, &je);
    if (!resp || json_integer_value(json_object_get(resp, "id")) != id) {
        snprintf(err, errlen, "zkseqd's answer does not parse: %s", resp ? "wrong id" : je.text);
        json_decref(resp);
        *code = "internal";
        return NULL;
    }
    if (json_is_true(json_object_get(resp, "ok"))) {
        json_t *r = json_incref(json_object_get(resp, "result"));
        json_decref(resp);
        return r;
    }
    static char codebuf[32];
    snprintf(codebuf, sizeof codebuf, "%s", json_string_value(json_object_get(resp, "code")) ?: "internal");
    *code = codebuf;
    snprintf(err, errlen, "%s", json_string_value(json_object_get(resp, "error")) ?: "unknown error");
    json_decref(resp);
    return NULL;
}
