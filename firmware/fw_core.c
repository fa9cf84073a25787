/* fw_core: start-up and the main loop of zkseq-fw. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "firmware/fw.h"
#include "lib/tx/zs_tx.h"

static char l1_resp[FW_L1_RESP_MAX];

void fw_log(fw_t *fw, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fw->hal->log(fw->hal->ctx, buf);
}

void fw_alarm(fw_t *fw, const char *fmt, ...)
{
    char buf[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* The same alarm again within a minute only refreshes its time. */
    uint64_t t = fw->hal->now_ms(fw->hal->ctx);
    for (size_t i = 0; i < fw->nalarms; i++)
        if (!strcmp(fw->alarms[i].text, buf) && t - fw->alarms[i].at_ms < 60000) {
            fw->alarms[i].at_ms = t;
            return;
        }
    if (fw->nalarms == FW_ALARMS) {
        memmove(fw->alarms, fw->alarms + 1, (FW_ALARMS - 1) * sizeof fw->alarms[0]);
        fw->nalarms--;
    }
    fw->alarms[fw->nalarms].at_ms = t;
    memcpy(fw->alarms[fw->nalarms].text, buf, sizeof buf);
    fw->nalarms++;
    char line[140];
    snprintf(line, sizeof line, "ALARM %s", buf);
    fw->hal->log(fw->hal->ctx, line);
}

void fw_cfg_defaults(fw_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->l2_chain_id = 1001;
    c->confirm_depth = 2;
    c->fee_cap_wei = 500ull * 1000000000ull;
    c->min_tip_wei = 1000000;
    c->max_l1_tx_bytes = 120000;
    c->max_batches_per_tx = 32;
    c->max_inflight = 16;
    c->stuck_ms = 15000;
    c->poll_ms = 500;
    c->l1_timeout_ms = 3000;
    c->backlog_limit = 128;
    zs_batch_policy_defaults(&c->policy);
}

static void yield(void *arg)
{
    fw_service(arg);
}

int fw_init(fw_t *fw, const zs_hal_t *hal, const fw_cfg_t *cfg)
{
    memset(fw, 0, sizeof *fw);
    fw->hal = hal;
    fw->cfg = *cfg;
    fw->boot_ms = hal->now_ms(hal->ctx);
    const char *why = zs_batch_policy_check(&cfg->policy);
    if (why) {
        fw_log(fw, "policy: %s", why);
        return ZS_ERR_INVAL;
    }
    fw_policy_init(&fw->policy, &cfg->policy);
    int rc = hal->key_read(hal->ctx, fw->key);
    if (rc == ZS_OK && zs_key_to_address(fw->key, fw->address) == ZS_OK) {
        fw->have_key = 1;
    } else {
        fw_alarm(fw, "no usable L1 key in the key store: nothing will be posted");
    }
    if ((rc = fw_journal_load(fw))) {
        fw_log(fw, "journal: cannot load (%s)", zs_strerror(rc));
        return rc;
    }
    if ((rc = fw_l1_init(&fw->l1, hal, cfg->l1_url, cfg->l1_ca_pem, l1_resp, (int)cfg->l1_timeout_ms))) {
        fw_log(fw, "L1 URL %s: %s", cfg->l1_url,
               rc == ZS_ERR_UNSUPPORTED ? "https needs a build with TLS" : "not an http:// or https:// URL");
        return rc;
    }
    fw->l1.http.yield = yield;
    fw->l1.http.yield_arg = fw;
    fw_mbox_init(fw);
    fw_log(fw, "journal: sealed %llu, virtual %llu, confirmed %llu, %zu batches held, %zu L1 transactions pending",
           (unsigned long long)fw->cur.last_sealed, (unsigned long long)fw->cur.virtual_,
           (unsigned long long)fw->cur.confirmed, fw->nbatches, fw->nsubs);
    return ZS_OK;
}

void fw_service(fw_t *fw)
{
    fw_mbox_poll(fw);
}

void fw_step(fw_t *fw, int wait_ms)
{
    fw_mbox_poll(fw);
    fw_console_poll(fw);
    fw_submit_tick(fw);
    fw_update_backpressure(fw);
    fw->hal->wait(fw->hal->ctx, wait_ms);
}
