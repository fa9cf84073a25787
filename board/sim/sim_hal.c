#include "board/sim/sim_hal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib/mbox/zs_mbox_hw.h"
#include "lib/base/zs_hex.h"

struct sim_board {
    zs_hal_t hal;
    char dir[512], store[600], keystore[512], console[128];
    int pty, pty_slave;
    volatile uint8_t *mbox;
    uint32_t last_doorbell;
};

static uint64_t sim_now(void *ctx)
{
    (void)ctx;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static long sim_uart_read(void *ctx, uint8_t *buf, size_t cap)
{
    sim_board_t *b = ctx;
    ssize_t n = read(b->pty, buf, cap);
    return n > 0 ? n : 0;
}

static void sim_uart_write(void *ctx, const uint8_t *buf, size_t n)
{
    sim_board_t *b = ctx;
    /* A console nobody reads must not block the firmware: a full pty drops. */
    while (n) {
        ssize_t w = write(b->pty, buf, n);
        if (w <= 0) return;
        buf += w;
        n -= (size_t)w;
    }
}

static volatile uint8_t *sim_mbox_base(void *ctx)
{
    return ((sim_board_t *)ctx)->mbox;
}

static void sim_wait(void *ctx, int timeout_ms)
{
    sim_board_t *b = ctx;
    volatile uint32_t *db = (volatile uint32_t *)(b->mbox + ZS_MBOX_REG_CMD_DOORBELL);
    uint64_t end = sim_now(b) + (uint64_t)timeout_ms;
    for (;;) {
        uint32_t v = __atomic_load_n(db, __ATOMIC_ACQUIRE);
        if (v != b->last_doorbell) {
            b->last_doorbell = v;
            return;
        }
        struct pollfd p = {.fd = b->pty, .events = POLLIN};
        if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) return;
        uint64_t now = sim_now(b);
        if (now >= end) return;
        uint64_t left = end - now;
        /* Sleep on the doorbell word (another process rings it with
           FUTEX_WAKE); wake at least every 2 ms for the console. */
        struct timespec ts = {0, (long)((left < 2 ? left : 2) * 1000000)};
        syscall(SYS_futex, db, FUTEX_WAIT, v, &ts, NULL, 0);
    }
}

static void sim_mbox_notify(void *ctx)
{
    sim_board_t *b = ctx;
    syscall(SYS_futex, b->mbox + ZS_MBOX_REG_EVT_DOORBELL, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int sim_net_connect(void *ctx, const char *host, uint16_t port, int timeout_ms)
{
    (void)ctx;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, ps, &hints, &res)) return ZS_ERR_NOTFOUND;
    int fd = -1, rc = ZS_ERR_IO;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) { rc = 0; break; }
        if (errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int err = 0;
            socklen_t el = sizeof err;
            int pr = poll(&p, 1, timeout_ms);
            if (pr > 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) && !err) { rc = 0; break; }
            rc = pr == 0 ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return rc;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int sim_net_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    (void)ctx;
    while (n) {
        ssize_t w = send(h, buf, n, MSG_NOSIGNAL);
        if (w > 0) { buf += w; n -= (size_t)w; continue; }
        if (w < 0 && errno != EAGAIN && errno != EINTR) return ZS_ERR_IO;
        struct pollfd p = {.fd = h, .events = POLLOUT};
        if (poll(&p, 1, timeout_ms) <= 0) return ZS_ERR_TIMEOUT;
    }
    return 0;
}

static long sim_net_recv(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms)
{
    (void)ctx;
    struct pollfd p = {.fd = h, .events = POLLIN};
    int pr = poll(&p, 1, timeout_ms);
    if (pr == 0) return ZS_ERR_TIMEOUT;
    if (pr < 0) return errno == EINTR ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
    ssize_t r = recv(h, buf, cap, 0);
    if (r < 0) return errno == EAGAIN || errno == EINTR ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
    return r;
}

static void sim_net_close(void *ctx, int h)
{
    (void)ctx;
    close(h);
}

/* Record names map to file names with '/' as '='. */
static int file_of(const sim_board_t *b, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    if (!n || n > 63) return ZS_ERR_INVAL;
    int w = snprintf(out, cap, "%s/", b->store);
    if (w < 0 || (size_t)w + n + 1 > cap) return ZS_ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c < 0x21 || c > 0x7e || c == '=' || c == '.') return ZS_ERR_INVAL;
        out[w + i] = c == '/' ? '=' : c;
    }
    out[w + n] = 0;
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return ZS_ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc ? ZS_ERR_IO : 0;
}

static int sim_store_put(void *ctx, const char *name, const void *data, size_t len)
{
    sim_board_t *b = ctx;
    char path[700], tmp[720];
    if (file_of(b, name, path, sizeof path)) return ZS_ERR_INVAL;
    snprintf(tmp, sizeof tmp, "%s/.tmp", b->store);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return ZS_ERR_IO;
    const uint8_t *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w <= 0) { close(fd); return ZS_ERR_IO; }
        p += w;
        left -= (size_t)w;
    }
    if (fdatasync(fd)) { close(fd); return ZS_ERR_IO; }
    close(fd);
    if (rename(tmp, path)) return ZS_ERR_IO;
    return fsync_dir(b->store);
}

static int sim_store_get(void *ctx, const char *name, void *buf, size_t cap, size_t *len)
{
    sim_board_t *b = ctx;
    char path[700];
    if (file_of(b, name, path, sizeof path)) return ZS_ERR_INVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? ZS_ERR_NOTFOUND : ZS_ERR_IO;
    struct stat st;
    if (fstat(fd, &st)) { close(fd); return ZS_ERR_IO; }
    *len = (size_t)st.st_size;
    size_t want = *len < cap ? *len : cap, got = 0;
    while (got < want) {
        ssize_t r = read(fd, (uint8_t *)buf + got, want - got);
        if (r <= 0) { close(fd); return ZS_ERR_IO; }
        got += (size_t)r;
    }
    close(fd);
    return 0;
}

static int sim_store_del(void *ctx, const char *name)
{
    sim_board_t *b = ctx;
    char path[700];
    if (file_of(b, name, path, sizeof path)) return ZS_ERR_INVAL;
    if (unlink(path) && errno != ENOENT) return ZS_ERR_IO;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sim_store_list(void *ctx, const char *prefix, void (*fn)(void *arg, const char *name), void *arg)
{
    sim_board_t *b = ctx;
    char pre[80];
    size_t pl = strlen(prefix);
    if (pl >= sizeof pre) return ZS_ERR_INVAL;
    for (size_t i = 0; i <= pl; i++) pre[i] = prefix[i] == '/' ? '=' : prefix[i];
    DIR *d = opendir(b->store);
    if (!d) return ZS_ERR_IO;
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, pre, pl)) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) { rc = ZS_ERR_NOMEM; break; }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) { rc = ZS_ERR_NOMEM; break; }
        for (char *c = names[n]; *c; c++)
            if (*c == '=') *c = '/';
        n++;
    }
    closedir(d);
    if (!rc && n) { /* qsort wants an array, even of nothing */
        qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) fn(arg, names[i]);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

static int sim_random(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    while (n) {
        ssize_t r = getrandom(buf, n, 0);
        if (r <= 0) { if (errno == EINTR) continue; return ZS_ERR_IO; }
        buf += r;
        n -= (size_t)r;
    }
    return 0;
}

int sim_keystore_read(const char *path, uint8_t key[32], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "key store %s: %s", path, strerror(errno));
        return errno == ENOENT ? ZS_ERR_NOTFOUND : ZS_ERR_IO;
    }
    struct stat st;
    char text[80];
    ssize_t n = fstat(fd, &st) ? -1 : read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "key store %s: cannot read", path);
        return ZS_ERR_IO;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen, "key store %s: mode %03o lets others read the key; chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        return ZS_ERR_REFUSED;
    }
    text[n] = 0;
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) text[--n] = 0;
    const char *h = !strncmp(text, "0x", 2) ? text + 2 : text;
    if (zs_hex_decode_exact(key, 32, h)) {
        snprintf(err, errlen, "key store %s: expected 64 hex digits", path);
        return ZS_ERR_CORRUPT;
    }
    return 0;
}

int sim_keystore_create(const char *path, char *err, size_t errlen)
{
    uint8_t key[32];
    if (!access(path, F_OK)) return sim_keystore_read(path, key, err, errlen);
    /* A valid secp256k1 key: any 32 random bytes below the group order;
       a uniformly random value is above it with probability ~2^-128. */
    if (sim_random(NULL, key, 32)) {
        snprintf(err, errlen, "no randomness for a new key");
        return ZS_ERR_IO;
    }
    char tmp[600], text[68];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    zs_hex_encode(text, key, 32);
    text[64] = '\n';
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, 65) != 65 || fsync(fd)) {
        snprintf(err, errlen, "key store %s: %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        return ZS_ERR_IO;
    }
    close(fd);
    if (rename(tmp, path)) {
        snprintf(err, errlen, "key store %s: %s", path, strerror(errno));
        return ZS_ERR_IO;
    }
    return 0;
}

static int sim_key_read(void *ctx, uint8_t key[32])
{
    sim_board_t *b = ctx;
    char err[300];
    int rc = sim_keystore_read(b->keystore, key, err, sizeof err);
    if (rc) fprintf(stderr, "zkseq-fw: %s\n", err);
    return rc;
}

static void sim_log(void *ctx, const char *line)
{
    (void)ctx;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    fprintf(stderr, "%02d:%02d:%02d.%03ld zkseq-fw: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000000,
            line);
}

sim_board_t *sim_board_open(const char *dir, const char *mbox_path, const char *keystore, char *err, size_t errlen)
{
    sim_board_t *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, errlen, "out of memory"); return NULL; }
    b->pty = b->pty_slave = -1;
    snprintf(b->dir, sizeof b->dir, "%s", dir);
    snprintf(b->store, sizeof b->store, "%s/store", dir);
    snprintf(b->keystore, sizeof b->keystore, "%s", keystore);
    if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(b->store, 0700) && errno != EEXIST)) {
        snprintf(err, errlen, "cannot create %s: %s", b->store, strerror(errno));
        goto fail;
    }
    char mp[600];
    if (!mbox_path) {
        snprintf(mp, sizeof mp, "%s/mbox", dir);
        mbox_path = mp;
    }
    int fd = open(mbox_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, ZS_MBOX_SIZE)) {
        snprintf(err, errlen, "mailbox %s: %s", mbox_path, strerror(errno));
        if (fd >= 0) close(fd);
        goto fail;
    }
    void *m = mmap(NULL, ZS_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        snprintf(err, errlen, "mailbox %s: mmap: %s", mbox_path, strerror(errno));
        goto fail;
    }
    b->mbox = m;
    b->pty = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (b->pty < 0 || grantpt(b->pty) || unlockpt(b->pty) || !ptsname(b->pty)) {
        snprintf(err, errlen, "console pseudo-terminal: %s", strerror(errno));
        goto fail;
    }
    snprintf(b->console, sizeof b->console, "%s", ptsname(b->pty));
    /* Hold the slave open (reads on the master fail while no one has it)
       and raw: the firmware echoes, as a real UART's far end does. */
    b->pty_slave = open(b->console, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (b->pty_slave >= 0) {
        struct termios t;
        if (!tcgetattr(b->pty_slave, &t)) {
            cfmakeraw(&t);
            tcsetattr(b->pty_slave, TCSANOW, &t);
        }
    }
    char cp[600];
    snprintf(cp, sizeof cp, "%s/console", dir);
    FILE *f = fopen(cp, "w");
    if (f) {
        fprintf(f, "%s\n", b->console);
        fclose(f);
    }
    b->hal = (zs_hal_t){
        .ctx = b,
        .uart_read = sim_uart_read,
        .uart_write = sim_uart_write,
        .mbox_base = sim_mbox_base,
        .wait = sim_wait,
        .mbox_notify = sim_mbox_notify,
        .net_connect = sim_net_connect,
        .net_send = sim_net_send,
        .net_recv = sim_net_recv,
        .net_close = sim_net_close,
        .store_put = sim_store_put,
        .store_get = sim_store_get,
        .store_del = sim_store_del,
        .store_list = sim_store_list,
        .now_ms = sim_now,
        .random = sim_random,
        .key_read = sim_key_read,
        .log = sim_log,
    };
    return b;
fail:
    sim_board_close(b);
    return NULL;
}

const zs_hal_t *sim_board_hal(sim_board_t *b)
{
    return &b->hal;
}

const char *sim_board_console_path(const sim_board_t *b)
{
    return b->console;
}

void sim_board_close(sim_board_t *b)
{
    if (!b) return;
    if (b->mbox) munmap((void *)b->mbox, ZS_MBOX_SIZE);
    if (b->pty_slave >= 0) close(b->pty_slave);
    if (b->pty >= 0) close(b->pty);
    free(b);
}
