#include "drivers/mbox/zs_mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/ring/zs_ring.h"

struct zs_mbox {
    volatile uint8_t *base;
    zs_ring_t cmd, evt;
    uint32_t epoch;      /* the firmware epoch we are talking to; 0 none */
    int up;
    uint64_t fw_hb, fw_hb_ms, next_hb_ms;
};

#define R32(m, off) (*(volatile uint32_t *)((m)->base + (off)))
#define R64(m, off) (*(volatile uint64_t *)((m)->base + (off)))

zs_mbox_t *zs_mbox_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "mailbox %s: %s", path, strerror(errno));
        return NULL;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < (off_t)ZS_MBOX_SIZE && ftruncate(fd, ZS_MBOX_SIZE)) {
        snprintf(err, errlen, "mailbox %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    void *p = mmap(NULL, ZS_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "mailbox %s: mmap: %s", path, strerror(errno));
        return NULL;
    }
    zs_mbox_t *m = calloc(1, sizeof *m);
    if (!m) {
        munmap(p, ZS_MBOX_SIZE);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->base = p;
    if (zs_ring_init(&m->cmd, (void *)(m->base + ZS_MBOX_REG_CMD_RING), (void *)(m->base + ZS_MBOX_CMD_DATA),
                     ZS_MBOX_CMD_BYTES) ||
        zs_ring_init(&m->evt, (void *)(m->base + ZS_MBOX_REG_EVT_RING), (void *)(m->base + ZS_MBOX_EVT_DATA),
                     ZS_MBOX_EVT_BYTES)) {
        zs_mbox_close(m);
        snprintf(err, errlen, "mailbox rings do not fit the layout");
        return NULL;
    }
    R32(m, ZS_MBOX_REG_HOST_STATUS) = ZS_MBOX_HST_UP;
    return m;
}

void zs_mbox_close(zs_mbox_t *m)
{
    if (!m) return;
    R32(m, ZS_MBOX_REG_HOST_STATUS) = 0;
    munmap((void *)m->base, ZS_MBOX_SIZE);
    free(m);
}

int zs_mbox_poll(zs_mbox_t *m, uint64_t now)
{
    if (now >= m->next_hb_ms) {
        R64(m, ZS_MBOX_REG_HOST_HEARTBEAT) = R64(m, ZS_MBOX_REG_HOST_HEARTBEAT) + 1;
        m->next_hb_ms = now + ZS_MBOX_HEARTBEAT_MS;
    }
    uint64_t hb = R64(m, ZS_MBOX_REG_FW_HEARTBEAT);
    if (hb != m->fw_hb) {
        m->fw_hb = hb;
        m->fw_hb_ms = now;
    }
    int alive = m->fw_hb_ms && now - m->fw_hb_ms < ZS_MBOX_DEAD_MS;
    uint32_t epoch = __atomic_load_n((uint32_t *)&R32(m, ZS_MBOX_REG_FW_EPOCH), __ATOMIC_ACQUIRE);
    if (R32(m, ZS_MBOX_REG_MAGIC) != ZS_MBOX_MAGIC || R32(m, ZS_MBOX_REG_VERSION) != ZS_MBOX_VERSION || !alive) {
        m->up = 0;
        return ZS_MBOX_DOWN;
    }
    if (epoch != m->epoch) {
        /* A new firmware boot: stop using the rings, let it know we saw it,
           and wait for it to reset them. */
        m->up = 0;
        m->epoch = epoch;
        __atomic_store_n((uint32_t *)&R32(m, ZS_MBOX_REG_HOST_EPOCH), epoch, __ATOMIC_RELEASE);
    }
    if (!m->up) {
        if (!(R32(m, ZS_MBOX_REG_FW_STATUS) & ZS_MBOX_ST_READY))
            return ZS_MBOX_DOWN;
        m->up = 1;
        return ZS_MBOX_NEW_EPOCH;
    }
    return ZS_MBOX_UP;
}

int zs_mbox_send(zs_mbox_t *m, uint16_t type, const void *a, uint32_t alen, const void *b, uint32_t blen)
{
    if (!m->up) return ZS_ERR_STATE;
    int rc = zs_ring_push(&m->cmd, type, a, alen, b, blen);
    if (rc) return rc;
    __atomic_add_fetch((uint32_t *)&R32(m, ZS_MBOX_REG_CMD_DOORBELL), 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, m->base + ZS_MBOX_REG_CMD_DOORBELL, FUTEX_WAKE, 1, NULL, NULL, 0);
    return ZS_OK;
}

int zs_mbox_recv(zs_mbox_t *m, uint16_t *type, const uint8_t **payload, uint32_t *len)
{
    if (!m->up) return 0;
    int rc = zs_ring_peek(&m->evt, type, payload, len);
    if (rc < 0) m->up = 0; /* wait for the firmware to restart the link */
    return rc;
}

void zs_mbox_consume(zs_mbox_t *m)
{
    zs_ring_pop(&m->evt);
}

void zs_mbox_wait(zs_mbox_t *m, int timeout_ms)
{
    uint32_t v = __atomic_load_n((uint32_t *)&R32(m, ZS_MBOX_REG_EVT_DOORBELL), __ATOMIC_ACQUIRE);
    if (m->up && zs_ring_used(&m->evt)) return;
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
    syscall(SYS_futex, m->base + ZS_MBOX_REG_EVT_DOORBELL, FUTEX_WAIT, v, &ts, NULL, 0);
}

uint32_t zs_mbox_fw_status(const zs_mbox_t *m)
{
    return R32(m, ZS_MBOX_REG_FW_STATUS);
}

uint32_t zs_mbox_epoch(const zs_mbox_t *m)
{
    return m->epoch;
}

uint64_t zs_mbox_fw_heartbeat(const zs_mbox_t *m)
{
    return R64(m, ZS_MBOX_REG_FW_HEARTBEAT);
}
