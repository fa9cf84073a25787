/* The zcu102 board (Xilinx Zynq UltraScale+ MPSoC, Cortex-A53 running bare
   metal): the firmware's HAL on the hardware, built by `make firmware-aarch64`
   with Debian's gcc-aarch64-linux-gnu and picolibc.  It boots on QEMU's
   model of the board (qemu-system-aarch64 -M xlnx-zcu102: test_qemu.mjs),
   not yet on a board; what is here and what is not:
   - UART: Cadence UART0 (0xFF000000) is the serial console, UART1
     (0xFF010000) the debug log; polled, 115200 8N1 as the boot loader left it
     (receiver and transmitter switched on here, for a start without one).
   - Clock: the architected timer (CNTPCT_EL0 / CNTFRQ_EL0).
   - Mailbox: a page-aligned ZS_MBOX_SIZE region in RAM (on the card, the
     window the host reaches through the PCIe BAR, which the board's address
     map will fix); doorbells are polled, as the sim board polls them.
   - Not yet: the network (no GEM Ethernet driver or TCP/IP stack: connects
     fail, so L1 is unreachable and batches are held, as on an L1 outage),
     the persistent store (RAM here, so the journal does not survive a power
     cycle; the QSPI flash driver comes next), a hardware random source (the
     CSU TRNG: timer jitter through Keccak stands in) and the key store (no
     key provisioned: the firmware runs without posting). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/zcu102/zcu102.h"
#include "lib/mbox/zs_mbox_hw.h"
#include "lib/base/zs_err.h"
#include "lib/keccak/zs_keccak.h"

#define UART0 0xFF000000u
#define UART1 0xFF010000u
#define UART_CR 0x00
#define UART_CR_RXEN (1u << 2)
#define UART_CR_TXEN (1u << 4)
#define UART_SR 0x2C
#define UART_FIFO 0x30
#define UART_SR_RXEMPTY (1u << 1)
#define UART_SR_TXFULL (1u << 4)

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

/* Receiver and transmitter on, at the baud rate and 8N1 framing the boot
   loader set (a board started straight into zkseq-fw, as QEMU's -kernel
   does, has them off). */
static void uart_enable(uintptr_t base)
{
    wr32(base + UART_CR, UART_CR_RXEN | UART_CR_TXEN);
}

static void uart_putc(uintptr_t base, uint8_t c)
{
    while (rd32(base + UART_SR) & UART_SR_TXFULL) {
    }
    wr32(base + UART_FIFO, c);
}

static long b_uart_read(void *ctx, uint8_t *buf, size_t cap)
{
    (void)ctx;
    size_t n = 0;
    while (n < cap && !(rd32(UART0 + UART_SR) & UART_SR_RXEMPTY)) buf[n++] = (uint8_t)rd32(UART0 + UART_FIFO);
    return (long)n;
}

static void b_uart_write(void *ctx, const uint8_t *buf, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) uart_putc(UART0, buf[i]);
}

static void b_log(void *ctx, const char *line)
{
    (void)ctx;
    for (const char *p = line; *p; p++) uart_putc(UART1, (uint8_t)*p);
    uart_putc(UART1, '\r');
    uart_putc(UART1, '\n');
}

/* ---- time ---- */

static uint64_t cntpct(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v));
    return v;
}

static uint64_t cntfrq(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v ? v : 1;
}

static uint64_t b_now(void *ctx)
{
    zcu102_board_t *b = ctx;
    return (cntpct() - b->t0) * 1000u / cntfrq();
}

/* ---- mailbox ---- */

static uint8_t mbox_region[ZS_MBOX_SIZE] __attribute__((aligned(4096)));

static volatile uint8_t *b_mbox_base(void *ctx)
{
    (void)ctx;
    return mbox_region;
}

static void b_wait(void *ctx, int timeout_ms)
{
    zcu102_board_t *b = ctx;
    volatile uint32_t *db = (volatile uint32_t *)(mbox_region + ZS_MBOX_REG_CMD_DOORBELL);
    uint64_t end = b_now(b) + (uint64_t)timeout_ms;
    do {
        uint32_t v = __atomic_load_n(db, __ATOMIC_ACQUIRE);
        if (v != b->last_doorbell) {
            b->last_doorbell = v;
            return;
        }
        if (!(rd32(UART0 + UART_SR) & UART_SR_RXEMPTY)) return;
    } while (b_now(b) < end);
}

static void b_mbox_notify(void *ctx)
{
    (void)ctx;
    /* The host polls the event doorbell (an MSI-X vector later). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

/* ---- network: no driver yet ---- */

static int b_net_connect(void *ctx, const char *host, uint16_t port, int timeout_ms)
{
    (void)ctx, (void)host, (void)port, (void)timeout_ms;
    return ZS_ERR_IO;
}
static int b_net_send(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms)
{
    (void)ctx, (void)h, (void)buf, (void)n, (void)timeout_ms;
    return ZS_ERR_IO;
}
static long b_net_recv(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms)
{
    (void)ctx, (void)h, (void)buf, (void)cap, (void)timeout_ms;
    return ZS_ERR_IO;
}
static void b_net_close(void *ctx, int h) { (void)ctx, (void)h; }

/* ---- store: records in RAM, sorted by name ---- */

static int find(zcu102_board_t *b, const char *name, int *found)
{
    size_t lo = 0, hi = b->nrec;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(b->rec[mid].name, name);
        if (!c) {
            *found = 1;
            return (int)mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = 0;
    return (int)lo;
}

static int b_store_put(void *ctx, const char *name, const void *data, size_t len)
{
    zcu102_board_t *b = ctx;
    if (strlen(name) >= sizeof b->rec[0].name) return ZS_ERR_INVAL;
    void *copy = malloc(len ? len : 1);
    if (!copy) return ZS_ERR_NOMEM;
    memcpy(copy, data, len);
    int found, i = find(b, name, &found);
    if (found) {
        free(b->rec[i].data); /* the swap is the atomic step */
    } else {
        if (b->nrec == ZCU102_MAX_RECORDS) {
            free(copy);
            return ZS_ERR_FULL;
        }
        memmove(&b->rec[i + 1], &b->rec[i], (b->nrec - (size_t)i) * sizeof b->rec[0]);
        b->nrec++;
        strcpy(b->rec[i].name, name);
    }
    b->rec[i].data = copy;
    b->rec[i].len = len;
    return ZS_OK;
}

static int b_store_get(void *ctx, const char *name, void *buf, size_t cap, size_t *len)
{
    zcu102_board_t *b = ctx;
    int found, i = find(b, name, &found);
    if (!found) return ZS_ERR_NOTFOUND;
    memcpy(buf, b->rec[i].data, b->rec[i].len < cap ? b->rec[i].len : cap);
    *len = b->rec[i].len;
    return ZS_OK;
}

static int b_store_del(void *ctx, const char *name)
{
    zcu102_board_t *b = ctx;
    int found, i = find(b, name, &found);
    if (!found) return ZS_OK;
    free(b->rec[i].data);
    memmove(&b->rec[i], &b->rec[i + 1], (b->nrec - (size_t)i - 1) * sizeof b->rec[0]);
    b->nrec--;
    return ZS_OK;
}

static int b_store_list(void *ctx, const char *prefix, void (*fn)(void *arg, const char *name), void *arg)
{
    zcu102_board_t *b = ctx;
    size_t pl = strlen(prefix);
    int found;
    /* fn may not change the store; names are copied out first anyway. */
    for (size_t i = (size_t)find(b, prefix, &found); i < b->nrec && !strncmp(b->rec[i].name, prefix, pl); i++) {
        char name[64];
        strcpy(name, b->rec[i].name);
        fn(arg, name);
    }
    return ZS_OK;
}

/* ---- randomness and keys ---- */

static int b_random(void *ctx, uint8_t *buf, size_t n)
{
    zcu102_board_t *b = ctx;
    while (n) {
        uint8_t in[32 + 8 * 16], out[32];
        memcpy(in, b->pool, 32);
        for (int k = 0; k < 16; k++) {
            uint64_t t = cntpct();
            memcpy(in + 32 + 8 * k, &t, 8);
        }
        zs_keccak256(in, sizeof in, out);
        memcpy(b->pool, out, 32);
        zs_keccak256(out, 32, out);
        size_t take = n < 32 ? n : 32;
        memcpy(buf, out, take);
        buf += take;
        n -= take;
    }
    return ZS_OK;
}

static int b_key_read(void *ctx, uint8_t key[32])
{
    (void)ctx, (void)key;
    return ZS_ERR_NOTFOUND;
}

void zcu102_board_init(zcu102_board_t *b, zs_hal_t *hal)
{
    memset(b, 0, sizeof *b);
    uart_enable(UART0);
    uart_enable(UART1);
    b->t0 = cntpct();
    memset(mbox_region, 0, sizeof mbox_region);
    *hal = (zs_hal_t){
        .ctx = b,
        .uart_read = b_uart_read,
        .uart_write = b_uart_write,
        .mbox_base = b_mbox_base,
        .wait = b_wait,
        .mbox_notify = b_mbox_notify,
        .net_connect = b_net_connect,
        .net_send = b_net_send,
        .net_recv = b_net_recv,
        .net_close = b_net_close,
        .store_put = b_store_put,
        .store_get = b_store_get,
        .store_del = b_store_del,
        .store_list = b_store_list,
        .now_ms = b_now,
        .random = b_random,
        .key_read = b_key_read,
        .log = b_log,
    };
}

void zcu102_debug(const char *line)
{
    b_log(NULL, line);
}

/* picolibc's abort() and stack-protector end here: stop the core, say so
   on the debug UART. */
void _exit(int status)
{
    (void)status;
    zcu102_debug("zkseq-fw: stopped (abort)");
    for (;;) __asm__ volatile("wfi");
}
