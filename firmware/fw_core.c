/* fw_core: start-up and the main loop of zkseq-fw (fw.h). */
#include "firmware/fw.h"

#include <string.h>

/* The L1 client's response buffer, in static memory (one firmware per
   program). */
static char l1_resp[FW_L1_RESP_MAX];

/* What the submitter, the host link and the log hold now, for the host
   link's events and the console. */
static const fw_status_t *snapshot(fw_t *fw)
{
    fw_status_t *st = &fw->status;
    const fw_submit_t *s = &fw->submit;
    st->now_ms = fw->hal->now_ms(fw->hal->ctx);
    st->boot_ms = fw->boot_ms;
    st->have_key = s->have_key;
    memcpy(st->address, s->address, 20);
    st->l1_up = s->l1_up;
    st->fee_alarm = s->fee_alarm;
    st->backpressure = s->backpressure;
    st->l1_head = s->l1_head;
    st->virtual_head = s->virtual_head;
    st->l1_base_fee = s->l1_base_fee;
    st->l1_gas_used = s->l1_gas_used;
    st->l1_balance = s->l1_balance;
    st->l1_status = s->status;
    st->l1_data = fw->cfg.l1_data;
    st->blob_cell_proofs = fw->cfg.blob_cell_proofs;
    st->blobs_available = fw->blobs.kzg != NULL;
    st->blobs_why = fw->blobs.why;
    st->blob_txs = s->blob_txs;
    st->l1_blob_fee = s->blob_fee_known ? s->l1_blob_fee : 0;
    st->blobs_checked = fw->blobs.checked;
    st->blobs_refused = fw->blobs.refused;
    st->epoch = fw->mbox.epoch;
    st->host_up = fw_mbox_host_up(&fw->mbox);
    st->host_hello = fw->mbox.host_hello;
    st->host_open_batch = fw->mbox.host_open_batch;
    st->host_txs_total = fw->mbox.host_txs_total;
    st->host_pool = fw->mbox.host_pool;
    st->nalarms = fw->log.nalarms;
    return st;
}

/* While the L1 client waits on the network: the mailbox and heartbeat only. */
static void service(void *arg)
{
    fw_t *fw = arg;
    fw_mbox_poll(&fw->mbox, snapshot(fw));
}

int fw_init(fw_t *fw, const zs_hal_t *hal, const fw_cfg_t *cfg)
{
    memset(fw, 0, sizeof *fw);
    fw->hal = hal;
    fw->cfg = *cfg;
    fw->boot_ms = hal->now_ms(hal->ctx);
    fw_log_init(&fw->log, hal);
    const char *why = zs_batch_policy_check(&cfg->policy);
    if (why) {
        fw_log(&fw->log, "policy: %s", why);
        return ZS_ERR_INVAL;
    }
    fw_policy_init(&fw->policy, &cfg->policy);
    int rc = fw_journal_load(&fw->journal, hal, &fw->log);
    if (rc) {
        fw_log(&fw->log, "journal: cannot load (%s)", zs_strerror(rc));
        return rc;
    }
    if ((rc = fw_submit_init(&fw->submit, hal, &fw->cfg, &fw->log, &fw->journal, l1_resp))) return rc;
    fw_blob_init(&fw->blobs, hal, &fw->log, &fw->journal);
    if (fw->cfg.l1_data != FW_L1_DATA_CALLDATA) (void)fw_blob_available(&fw->blobs); /* the setup now, not mid-run */
    fw->submit.blobs = &fw->blobs;
    fw->submit.l1.http.yield = service;
    fw->submit.l1.http.yield_arg = fw;
    fw_mbox_init(&fw->mbox, hal, &fw->log, &fw->journal, &fw->policy, cfg->l2_chain_id);
    fw_console_init(&fw->console, hal, &fw->cfg, &fw->log, &fw->journal, &fw->policy);
    const fw_cursor_t *c = &fw->journal.cur;
    fw_log(&fw->log, "journal: sealed %llu, virtual %llu, confirmed %llu, %zu batches held, %zu L1 transactions pending",
           (unsigned long long)c->last_sealed, (unsigned long long)c->virtual_, (unsigned long long)c->confirmed,
           fw->journal.nbatches, fw->journal.nsubs);
    return ZS_OK;
}

/* A change of l1_data asked at the console or by the host (-1: none). */
static void take_l1_data(fw_t *fw, int *req, const char *who)
{
    if (*req < 0) return;
    fw->cfg.l1_data = *req;
    *req = -1;
    fw_log(&fw->log, "l1_data set to %s by %s", fw_l1_data_name(fw->cfg.l1_data), who);
    if (fw->cfg.l1_data != FW_L1_DATA_CALLDATA) (void)fw_blob_available(&fw->blobs);
    fw->submit.blob_alarm = 0;
}

/* The host's KZG answers, from the host link to the blobs room. */
static void pass_blobs(fw_t *fw)
{
    for (size_t i = 0; i < fw->mbox.nkzg; i++) (void)fw_blob_answer(&fw->blobs, &fw->mbox.kzg_in[i]);
    fw->mbox.nkzg = 0;
}

void fw_step(fw_t *fw, int wait_ms)
{
    fw_mbox_poll(&fw->mbox, snapshot(fw));
    if (fw_console_poll(&fw->console, snapshot(fw))) fw_mbox_send_policy(&fw->mbox);
    take_l1_data(fw, &fw->console.l1_data_request, "the console");
    take_l1_data(fw, &fw->mbox.l1_data_request, "the host");
    pass_blobs(fw);
    fw_submit_tick(&fw->submit);
    /* What the submitter has for the host. */
    fw_submit_t *s = &fw->submit;
    if (s->resend_from) {
        fw_mbox_request_resend(&fw->mbox, s->resend_from);
        s->resend_from = 0;
    }
    if (fw->blobs.resend_from) {
        fw_mbox_request_resend(&fw->mbox, fw->blobs.resend_from);
        fw->blobs.resend_from = 0;
    }
    zs_mbox_kzg_req_t req;
    while (fw_blob_next_request(&fw->blobs, fw->hal->now_ms(fw->hal->ctx), &req))
        if (!fw_mbox_send_kzg_req(&fw->mbox, &req)) {
            fw_blob_not_asked(&fw->blobs, &req); /* the link is not up yet: asked at the next step */
            break;
        }
    if (s->virtual_moved) {
        fw_mbox_send_virtual(&fw->mbox, snapshot(fw));
        s->virtual_moved = 0;
    }
    if (fw_submit_update_backpressure(s)) fw_mbox_send_state(&fw->mbox, snapshot(fw));
    fw->hal->wait(fw->hal->ctx, wait_ms);
}
