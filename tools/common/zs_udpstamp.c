#include "tools/common/zs_udpstamp.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double ts_seconds(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec * 1e-9;
}

static double seconds(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return ts_seconds(&t);
}

int zs_udpstamp_on(int fd)
{
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) ? -1 : 0;
}

ssize_t zs_udpstamp_recv(int fd, void *buf, size_t cap, double *at)
{
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    union {
        struct cmsghdr align;
        unsigned char b[CMSG_SPACE(sizeof(struct timespec))];
    } ctl;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
    ssize_t k = recvmsg(fd, &m, MSG_DONTWAIT);
    double mono = seconds(CLOCK_MONOTONIC);
    *at = mono;
    if (k <= 0) return k;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            double age = seconds(CLOCK_REALTIME) - ts_seconds(&ts);
            if (age > 0 && age < 10) *at = mono - age; /* a stamp off by a clock step is not used */
        }
    return k;
}
