/* The zcu102 board's HAL (zcu102_hal.c) and its start-up (main.c). */
#ifndef ZS_ZCU102_H
#define ZS_ZCU102_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/hal.h"

#define ZCU102_MAX_RECORDS 16384

typedef struct {
    uint64_t t0;
    uint32_t last_doorbell;
    uint8_t pool[32];
    struct {
        char name[64];
        void *data;
        size_t len;
    } rec[ZCU102_MAX_RECORDS];
    size_t nrec;
} zcu102_board_t;

void zcu102_board_init(zcu102_board_t *b, zs_hal_t *hal);
/* A line on the debug UART. */
void zcu102_debug(const char *line);

#endif
