/* fw_console: the serial console, line-oriented commands for the operator.
   Reading commands (status, batches, l1, policy get, key address, alarms)
   are open to anyone at the port; commands that change anything (policy
   set, l1 data MODE) need `login` first.  Every answer ends with a prompt; an error
   starts with "error:" and changes nothing.  It reads the core's snapshot
   (fw_status_t), the journal and the log, and changes only the policy (the
   l1_data it leaves for the core).
   Single thread (the firmware core's). */
#ifndef FW_CONSOLE_H
#define FW_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_cfg.h"
#include "firmware/fw_journal.h"
#include "firmware/fw_log.h"
#include "firmware/fw_policy.h"
#include "firmware/fw_status.h"
#include "firmware/hal.h"

typedef struct {
    const zs_hal_t *hal;
    const fw_cfg_t *cfg;
    fw_log_t *log;
    const fw_journal_t *j;
    fw_policy_t *policy;
    char line[256];
    size_t line_len;
    int logged_in;
    uint64_t login_failures, last_try_ms;
    const fw_status_t *st; /* during a poll */
    int policy_changed;
    int l1_data_request; /* `l1 data MODE` asked, for the core (-1: none) */
} fw_console_t;

void fw_console_init(fw_console_t *c, const zs_hal_t *hal, const fw_cfg_t *cfg, fw_log_t *log, const fw_journal_t *j,
                     fw_policy_t *policy);
/* Reads what the UART has and answers every whole line: 1 when the
   operator changed the policy (the core tells the host), else 0. */
int fw_console_poll(fw_console_t *c, const fw_status_t *st);

#endif
