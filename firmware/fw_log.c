#include "firmware/fw_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fw_log_init(fw_log_t *l, const zs_hal_t *hal)
{
    memset(l, 0, sizeof *l);
    l->hal = hal;
}

void fw_log(fw_log_t *l, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    l->hal->log(l->hal->ctx, buf);
}

void fw_alarm(fw_log_t *l, const char *fmt, ...)
{
    char buf[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    uint64_t t = l->hal->now_ms(l->hal->ctx);
    for (size_t i = 0; i < l->nalarms; i++)
        if (!strcmp(l->alarms[i].text, buf) && t - l->alarms[i].at_ms < 60000) {
            l->alarms[i].at_ms = t;
            return;
        }
    if (l->nalarms == FW_ALARMS) {
        memmove(l->alarms, l->alarms + 1, (FW_ALARMS - 1) * sizeof l->alarms[0]);
        l->nalarms--;
    }
    l->alarms[l->nalarms].at_ms = t;
    memcpy(l->alarms[l->nalarms].text, buf, sizeof buf);
    l->nalarms++;
    char line[140];
    snprintf(line, sizeof line, "ALARM %s", buf);
    l->hal->log(l->hal->ctx, line);
}
