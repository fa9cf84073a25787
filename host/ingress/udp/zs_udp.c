/* The exchange ingress on a plain UDP socket: a receive thread reads
   datagrams in batches (recvmmsg) and hands them to the frame engine;
   answers go back with sendto. */
#include "host/metrics/zs_metrics.h"
#include "host/ingress/udp/zs_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_BATCH 32

struct zs_udp {
    zs_fe_t *fe;
    int fd;
    uint16_t port;
    int stopping, started;
    pthread_t rx;
};

uint16_t zs_udp_port(const zs_udp_t *u)
{
    return u->port;
}

void zs_udp_stats(zs_udp_t *u, zs_udp_stats_t *out)
{
    zs_fe_stats(u->fe, out);
}

static int udp_send(void *ctx, const zs_fe_peer_t *peer, const uint8_t *p, size_t len)
{
    zs_udp_t *u = ctx;
    const struct sockaddr_in *sa = (const struct sockaddr_in *)peer->b;
    return sendto(u->fd, p, len, MSG_DONTWAIT, (const struct sockaddr *)sa, sizeof *sa) == (ssize_t)len ? 0 : -1;
}

static void *rx_main(void *arg)
{
    zs_udp_t *u = arg;
    uint8_t (*bufs)[ZS_FRAME_MAX + 1] = malloc(RX_BATCH * sizeof *bufs);
    if (!bufs) return NULL;
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];
    zs_fe_peer_t peers[RX_BATCH];
    while (!__atomic_load_n(&u->stopping, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < RX_BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = peers[i].b, .msg_namelen = sizeof(struct sockaddr_in),
                                              .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int k = recvmmsg(u->fd, msgs, RX_BATCH, MSG_WAITFORONE, NULL);
        if (k < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < k; i++) {
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                zs_fe_count_error(u->fe, ZS_FRAME_TRUNCATED);
                continue;
            }
            zs_fe_submit(u->fe, bufs[i], msgs[i].msg_len, &peers[i]);
        }
    }
    free(bufs);
    return NULL;
}

zs_udp_t *zs_udp_start(zs_node_t *node, const zs_udp_cfg_t *cfg, char *err, size_t errlen)
{
    zs_udp_t *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->fd = -1;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "udp host %s is not an IPv4 address", host);
        zs_udp_stop(u);
        return NULL;
    }
    u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (u->fd < 0 || bind(u->fd, (struct sockaddr *)&sa, sizeof sa)) {
        snprintf(err, errlen, "cannot bind UDP %s:%u: %s", host, cfg->port, strerror(errno));
        zs_udp_stop(u);
        return NULL;
    }
    int big = 8 << 20;
    struct timeval tv = {.tv_usec = 200000};
    /* Big buffers absorb bursts; the FORCE variants pass rmem_max when we may. */
    if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
        setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (setsockopt(u->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big))
        setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(u->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    socklen_t sl = sizeof sa;
    getsockname(u->fd, (struct sockaddr *)&sa, &sl);
    u->port = ntohs(sa.sin_port);
    zs_fe_cfg_t fc = {.workers = cfg->workers, .queue = cfg->queue, .queue_max_ms = cfg->queue_max_ms, .keys = cfg->keys, .nkeys = cfg->nkeys,
                      .send = udp_send, .send_ctx = u, .path = ZS_PATH_UDP};
    if (!(u->fe = zs_fe_new(node, &fc, err, errlen)) || pthread_create(&u->rx, NULL, rx_main, u)) {
        if (u->fe) snprintf(err, errlen, "cannot start the UDP receive thread");
        zs_udp_stop(u);
        return NULL;
    }
    pthread_setname_np(u->rx, "zs-udp-rx");
    u->started = 1;
    return u;
}

void zs_udp_stop(zs_udp_t *u)
{
    if (!u) return;
    __atomic_store_n(&u->stopping, 1, __ATOMIC_RELEASE);
    if (u->started) pthread_join(u->rx, NULL);
    zs_fe_free(u->fe); /* answers still go out through the socket */
    if (u->fd >= 0) close(u->fd);
    free(u);
}
