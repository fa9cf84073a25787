/* A fake board for the firmware's unit tests: zs_hal_t in RAM.  The store
   survives fake_hal "reboots" (a new fw_t on the same fake_hal_t), so a
   test can crash the firmware at any point and boot it again; the clock
   only moves when the test (or a timed-out wait) moves it; the network
   leads to a fake_l1_t.  Test code; single thread. */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/hal.h"
#include "firmware/test/fake_l1.h"

#define FAKE_RECORDS 8192

typedef struct {
    char name[64];
    uint8_t *data;
    size_t len;
    int used;
} fake_rec_t;

typedef struct {
    zs_hal_t hal;
    uint64_t now;
    fake_rec_t recs[FAKE_RECORDS];
    uint8_t *mbox; /* ZS_MBOX_SIZE, 64-byte aligned */
    uint8_t key[32];
    int have_key;
    fake_l1_t *l1;
    /* The one network connection: request bytes in, response bytes out. */
    int conn_open;
    char req[4u << 20]; /* a request carrying six blobs fits */
    size_t req_len;
    char resp[300000];
    size_t resp_len, resp_pos;
    /* Console. */
    char logs[64][256]; /* the last 64 log lines, round robin */
    unsigned nlogs;
    char uart_out[65536];
    size_t uart_out_len;
    char uart_in[1024];
    size_t uart_in_len, uart_in_pos;
    /* Fault: fail store_put after this many more successful puts (-1: never). */
    long puts_left;
    uint64_t puts;
} fake_hal_t;

void fake_hal_init(fake_hal_t *f, fake_l1_t *l1);
void fake_hal_free(fake_hal_t *f);
void fake_hal_type(fake_hal_t *f, const char *text); /* console input */
void fake_hal_clear_uart(fake_hal_t *f);

#endif
