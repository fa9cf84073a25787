/* The blob rooms for a build without KZG (board/zcu102 for now: c-kzg and
   blst are not yet built for bare metal, nor is the trusted setup in
   flash): blobs are never available, every transaction is calldata, and
   the firmware says so at start-up.  The API is fw_blob.h's and
   fw_submit_priv.h's. */
#include <stdio.h>
#include <string.h>

#include "firmware/fw_blob.h"
#include "firmware/fw_submit_priv.h"

void fw_blob_init(fw_blobs_t *b, const zs_hal_t *hal, fw_log_t *log, fw_journal_t *j)
{
    memset(b, 0, sizeof *b);
    b->hal = hal;
    b->log = log;
    b->j = j;
    snprintf(b->why, sizeof b->why, "this build has no KZG library");
}

int fw_blob_available(fw_blobs_t *b)
{
    (void)b;
    return 0;
}
fw_blob_t *fw_blob_get(fw_blobs_t *b, uint64_t first, uint64_t last_sealed)
{
    (void)b, (void)first, (void)last_sealed;
    return NULL;
}
int fw_blob_bytes(fw_blobs_t *b, const fw_blob_t *s, uint8_t *out)
{
    (void)b, (void)s, (void)out;
    return ZS_ERR_UNSUPPORTED;
}
void fw_blob_not_asked(fw_blobs_t *b, const zs_mbox_kzg_req_t *req)
{
    (void)b, (void)req;
}
int fw_blob_next_request(fw_blobs_t *b, uint64_t now_ms, zs_mbox_kzg_req_t *req)
{
    (void)b, (void)now_ms, (void)req;
    return 0;
}
int fw_blob_answer(fw_blobs_t *b, const zs_mbox_kzg_t *a)
{
    (void)b, (void)a;
    return ZS_ERR_UNSUPPORTED;
}
uint64_t fw_blob_asked_ms(const fw_blobs_t *b, uint64_t first)
{
    (void)b, (void)first;
    return 0;
}
void fw_blob_forget_upto(fw_blobs_t *b, uint64_t batch) { (void)b, (void)batch; }

int fw_submit_blob_tx(fw_submit_t *s, uint64_t *next, uint8_t acc[32], uint64_t tip)
{
    (void)next, (void)acc, (void)tip;
    if (s->cfg->l1_data != FW_L1_DATA_CALLDATA && !s->blob_alarm) {
        fw_alarm(s->log, "L1 data is %s but this build has no KZG library; posting calldata",
                 fw_l1_data_name(s->cfg->l1_data));
        s->blob_alarm = 1;
    }
    return FW_SUBMIT_CALLDATA;
}

int fw_submit_blob_bump(fw_submit_t *s, fw_sub_t *sub, int more_gas)
{
    (void)s, (void)sub, (void)more_gas;
    return ZS_ERR_UNSUPPORTED;
}
