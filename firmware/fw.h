/* fw: the zkseq-fw core.  The management controller's firmware: it owns
   the batching policy, the L1 sequencer key and L1 submission, with a
   journal so that no sealed batch is lost or posted twice across crashes of
   either side or trouble on L1, and a serial console.

   The core is one thread, a bare-metal style main loop (fw_step), and sees
   the hardware only through zs_hal_t (hal.h).  A board fills an fw_cfg_t
   (from its own configuration source), calls fw_init, then fw_step forever.

   Module map (one file each):
     fw_journal.c  sealed batches and L1 submissions as store records
     fw_policy.c   when a batch closes, how long a block stays open
     fw_submit.c   the L1 submission state machine (reconcile, submit, bump)
     fw_rollup.c   sequenceBatches calldata and the contract's getters
     fw_mbox.c     the host link: hello, sealed batches in, events out
     fw_console.c  the serial console */
#ifndef ZS_FW_H
#define ZS_FW_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/fw_l1.h"
#include "firmware/fw_policy.h"
#include "firmware/hal.h"
#include "lib/ring/zs_ring.h"

#define FW_MAX_BATCHES 4096 /* sealed batches kept until confirmed on L1 */
#define FW_MAX_SUBS 64      /* L1 transactions journaled (sent, not yet confirmed) */
#define FW_MAX_HASHES 6     /* versions (fee bumps) of one L1 transaction remembered */
#define FW_BATCH_MAX 131072 /* largest batchL2Data accepted from the host */
#define FW_ALARMS 16

typedef struct {
    char l1_url[160];
    const char *l1_ca_pem;     /* for https L1 URLs */
    uint64_t l1_chain_id;      /* refused to post if the node says otherwise */
    uint8_t rollup[20];        /* ZkseqRollup */
    uint8_t ger[20];           /* ZkseqGlobalExitRoot */
    uint64_t l2_chain_id;
    uint32_t confirm_depth;    /* L1 blocks on top before a batch counts as confirmed */
    uint64_t fee_cap_wei;      /* highest maxFeePerGas the firmware pays */
    uint64_t min_tip_wei;
    uint32_t max_l1_tx_bytes;  /* batchL2Data bytes per L1 transaction */
    uint32_t max_batches_per_tx;
    uint32_t max_inflight;     /* L1 transactions sent and not yet mined, at once */
    uint32_t stuck_ms;         /* pending this long: bump the fees */
    uint32_t poll_ms;          /* L1 reconcile period */
    uint32_t l1_timeout_ms;
    uint32_t backlog_limit;    /* sealed-not-virtual batches above which the host is told to refuse */
    uint8_t console_salt[16];
    uint8_t console_hash[32];  /* keccak256(salt ++ password) */
    int console_open;          /* no password configured: changes allowed (development only) */
    zs_batch_policy_t policy;
} fw_cfg_t;

/* Journal records (store names "b/<16 hex>", "d/<16 hex>", "t/<16 hex>",
   "r/<16 hex>", "cursor"); fixed little-endian layouts with a version. */
typedef struct {
    uint64_t number, timestamp, first_block, last_block;
    uint8_t state_root[32], batch_hash[32], coinbase[20];
    uint32_t l2len;
    uint8_t has_data; /* d/ record present (dropped after confirmation) */
} fw_batch_t;

enum { FW_SUB_PENDING = 0, FW_SUB_MINED = 1 };

typedef struct {
    uint64_t nonce, first, last; /* batches first..last */
    uint8_t final_acc[32];
    uint64_t max_fee, tip, gas;
    uint32_t raw_len, nhashes;
    uint8_t hashes[FW_MAX_HASHES][32]; /* every version sent, newest last */
    uint8_t state;
    uint64_t mined_block;
    uint8_t mined_hash[32]; /* the version that was mined */
    uint64_t sent_ms;       /* monotonic; reset to boot time after a restart */
    uint64_t bumps;
    uint32_t vanished;      /* re-sent and gone again (RAM only) */
} fw_sub_t;

typedef struct {
    uint64_t last_sealed;  /* highest batch journaled */
    uint64_t virtual_;     /* last batch sequenced on L1 (latest) */
    uint64_t confirmed;    /* ... at confirmation depth */
    uint8_t virtual_acc[32];
    uint64_t virtual_l1_block;
    uint8_t virtual_tx[32];
    uint64_t reorgs, l1_txs_sent, bumps, fees_gwei;
} fw_cursor_t;

typedef struct {
    uint64_t at_ms;
    char text[120];
} fw_alarm_t;

typedef struct fw {
    const zs_hal_t *hal;
    fw_cfg_t cfg;
    uint8_t key[32], address[20];
    int have_key;

    /* Journal, mirrored in RAM. */
    fw_cursor_t cur;
    fw_batch_t *batches; /* FW_MAX_BATCHES, sorted by number, unconfirmed ones */
    size_t nbatches;
    fw_sub_t subs[FW_MAX_SUBS]; /* by nonce, ascending */
    size_t nsubs;

    /* L1. */
    fw_l1_t l1;
    uint64_t l1_next_poll_ms, l1_backoff_ms;
    int l1_up;
    uint64_t l1_head, l1_head_ts, l1_base_fee;
    uint64_t l1_gas_used; /* by this boot's mined submissions (not journaled: a counter since boot) */
    zs_u256_t l1_balance; /* wei */
    uint64_t l1_nonce_latest, l1_nonce_pending;
    uint32_t l1_info_index;
    uint8_t l1_info_root[32];
    int fee_alarm, backpressure;
    int acc_stale; /* re-read the contract's accInputHash (after a revert) */
    int nonce_gap; /* our pending transactions sit above a nonce nobody will use: number from L1's */
    char l1_status[200];

    /* Host link. */
    zs_ring_t cmd, evt;
    uint32_t epoch;
    int link_ready;       /* rings initialized */
    int host_hello;       /* the host said hello in this epoch */
    uint64_t host_last_hb, host_hb_seen_ms;
    uint64_t next_hb_ms;
    uint64_t host_open_batch, host_last_sealed, host_txs_total, host_pool;
    uint64_t acked;       /* last ACK sent */
    uint64_t resend_from; /* asked the host to hand over again from here (0: no) */
    int events_dirty;

    /* Policy. */
    fw_policy_t policy;

    /* Console. */
    char line[256];
    size_t line_len;
    int logged_in;
    uint64_t login_failures;

    fw_alarm_t alarms[FW_ALARMS];
    size_t nalarms;
    uint64_t boot_ms;
} fw_t;

/* fw_cfg_defaults fills the defaults of a new box (everything but the L1
   endpoint, addresses and chain ids); board/README.md lists them. */
void fw_cfg_defaults(fw_cfg_t *c);

/* fw_init takes the configuration, reads the key store and the journal,
   and prepares the mailbox.  0, or a negative code with the reason logged
   through the HAL. */
ZS_MUST_USE int fw_init(fw_t *fw, const zs_hal_t *hal, const fw_cfg_t *cfg);
/* fw_step does one turn of the main loop: the mailbox, the console, the
   policy and (when due) the L1 submitter; waits at most wait_ms. */
void fw_step(fw_t *fw, int wait_ms);

/* Internals shared between the core's files. */
void fw_log(fw_t *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fw_alarm(fw_t *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fw_service(fw_t *fw); /* the mailbox and heartbeat only (called while waiting on L1) */

/* fw_journal.c */
ZS_MUST_USE int fw_journal_load(fw_t *fw);
ZS_MUST_USE int fw_journal_put_cursor(fw_t *fw);
ZS_MUST_USE int fw_journal_add_batch(fw_t *fw, const fw_batch_t *b, const uint8_t *data);
ZS_MUST_USE int fw_journal_batch_data(fw_t *fw, uint64_t number, uint8_t *buf, size_t cap, size_t *len);
fw_batch_t *fw_journal_find(fw_t *fw, uint64_t number);
ZS_MUST_USE int fw_journal_put_sub(fw_t *fw, const fw_sub_t *s, const uint8_t *raw);
ZS_MUST_USE int fw_journal_sub_raw(fw_t *fw, uint64_t nonce, uint8_t *buf, size_t cap, size_t *len);
void fw_journal_drop_sub(fw_t *fw, size_t index);
/* Drops batches (and their data) at or below number. */
void fw_journal_drop_confirmed(fw_t *fw, uint64_t number);

/* fw_submit.c */
void fw_submit_tick(fw_t *fw);
uint64_t fw_gas_limit(const uint8_t *calldata, size_t len, size_t nbatches);
void fw_update_backpressure(fw_t *fw);

/* fw_mbox.c */
void fw_mbox_init(fw_t *fw);
void fw_mbox_poll(fw_t *fw);
void fw_mbox_send_virtual(fw_t *fw);
void fw_mbox_send_state(fw_t *fw);
void fw_mbox_send_policy(fw_t *fw);
void fw_mbox_send_l1info(fw_t *fw);
void fw_mbox_send_close(fw_t *fw, uint64_t number, uint32_t reason);
void fw_mbox_request_resend(fw_t *fw, uint64_t from);

/* fw_console.c */
void fw_console_poll(fw_t *fw);

/* Sealed batches not yet virtual. */
uint64_t fw_backlog(const fw_t *fw);

#endif
