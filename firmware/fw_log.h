/* fw_log: the firmware's log lines (to the board's debug output) and its
   alarms: the last FW_ALARMS, each kept with when it was last raised, for
   the console and the host.  Every other module logs through it; it calls
   nothing but the HAL.  Single thread (the firmware core's). */
#ifndef FW_LOG_H
#define FW_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/hal.h"

#define FW_ALARMS 16

typedef struct {
    uint64_t at_ms;
    char text[120];
} fw_alarm_t;

typedef struct {
    const zs_hal_t *hal;
    fw_alarm_t alarms[FW_ALARMS]; /* oldest first */
    size_t nalarms;
} fw_log_t;

void fw_log_init(fw_log_t *l, const zs_hal_t *hal);
void fw_log(fw_log_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An alarm: logged as "ALARM ..." and kept; the same text again within a
   minute only refreshes its time. */
void fw_alarm(fw_log_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
