/* hal.h: everything the firmware core knows of the hardware.  A board
   (board/sim on Linux, board/zcu102 bare metal, or a unit test's fake in
   RAM) fills a zs_hal_t with its functions and hands it to fw_init; the core
   never touches an address or a system call of its own.

   Conventions: functions return 0 (or a count) on success and a negative
   ZS_ERR_* code on failure; nothing here allocates on the core's behalf;
   every call may block only as long as its timeout says.  The core is one
   thread (a bare-metal main loop): every function is called from it only. */
#ifndef ZS_FW_HAL_H
#define ZS_FW_HAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_hal {
    void *ctx; /* the board's own state, passed back to every function */

    /* ---- Serial console (UART).  read: up to cap bytes available now
       (0 when none, never blocks); write: all n bytes. */
    long (*uart_read)(void *ctx, uint8_t *buf, size_t cap);
    void (*uart_write)(void *ctx, const uint8_t *buf, size_t n);

    /* ---- Mailbox: the shared region laid out as lib/mbox/zs_mbox_hw.h says
       (ZS_MBOX_SIZE bytes), and a way to sleep until the host rings or a
       timeout passes (also returns when console input arrives). */
    volatile uint8_t *(*mbox_base)(void *ctx);
    void (*wait)(void *ctx, int timeout_ms);
    /* Tell the host new events are in its ring. */
    void (*mbox_notify)(void *ctx);

    /* ---- Network: a stream connection to host:port (name or address).
       connect returns a handle >= 0; send writes all n bytes or fails;
       recv returns 1..cap bytes, 0 when the peer closed, ZS_ERR_TIMEOUT
       when nothing came in timeout_ms. */
    int (*net_connect)(void *ctx, const char *host, uint16_t port, int timeout_ms);
    int (*net_send)(void *ctx, int h, const uint8_t *buf, size_t n, int timeout_ms);
    long (*net_recv)(void *ctx, int h, uint8_t *buf, size_t cap, int timeout_ms);
    void (*net_close)(void *ctx, int h);

    /* ---- Persistent store (flash-like): named records, each written
       atomically (after a crash a record holds its old value or its new one,
       never a mix) and durable when put returns.  Names are up to 63
       printable ASCII bytes.  get copies up to cap bytes and stores the
       record's full length in *len; ZS_ERR_NOTFOUND when absent.  list calls
       fn for every name starting with prefix, in byte order of names. */
    int (*store_put)(void *ctx, const char *name, const void *data, size_t len);
    int (*store_get)(void *ctx, const char *name, void *buf, size_t cap, size_t *len);
    int (*store_del)(void *ctx, const char *name);
    int (*store_list)(void *ctx, const char *prefix, void (*fn)(void *arg, const char *name), void *arg);

    /* ---- Time and randomness.  now_ms: monotonic milliseconds since boot. */
    uint64_t (*now_ms)(void *ctx);
    int (*random)(void *ctx, uint8_t *buf, size_t n);

    /* ---- Key store: the L1 sequencer key (32-byte secp256k1 secret), which
       only the firmware reads.  0 or ZS_ERR_NOTFOUND. */
    int (*key_read)(void *ctx, uint8_t key[32]);

    /* ---- Log line for the board's debug output (not the console). */
    void (*log)(void *ctx, const char *line);
} zs_hal_t;

#endif
