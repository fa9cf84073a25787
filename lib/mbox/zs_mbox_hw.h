/* zs_mbox_hw: the mailbox between the host and the management controller:
   register offsets, bit fields and the message layouts, and nothing else.
   One header for both sides: drivers/mbox (host) and firmware/ (through its
   HAL's view of the same memory); it sits in lib/ beside lib/ring, whose
   records the rings carry, because it is the contract between two programs
   and belongs to neither.  On the appliance the mailbox is a page
   of the controller's PCIe BAR plus two rings in its memory; on the sim
   board it is a shared-memory file with exactly this layout.

   Layout (byte offsets from the mailbox base, little-endian words):

     0x000  MAGIC          u32  ZS_MBOX_MAGIC once the firmware initialized it
     0x004  VERSION        u32  ZS_MBOX_VERSION
     0x008  FW_EPOCH       u32  bumped by the firmware at every boot
     0x00c  HOST_EPOCH     u32  the host copies FW_EPOCH here when it saw it
     0x010  FW_STATUS      u32  ZS_MBOX_ST_* bits, written by the firmware
     0x014  HOST_STATUS    u32  ZS_MBOX_HST_* bits, written by the host
     0x018  FW_HEARTBEAT   u64  incremented by the firmware every ~100 ms
     0x020  HOST_HEARTBEAT u64  incremented by the host every ~100 ms
     0x028  CMD_DOORBELL   u32  the host adds 1 after publishing commands
     0x02c  EVT_DOORBELL   u32  the firmware adds 1 after publishing events
     0x040  CMD ring control (zs_ring_ctl_t: producer = host)
     0x0c0  EVT ring control (zs_ring_ctl_t: producer = firmware)
     0x1000 CMD ring data   ZS_MBOX_CMD_BYTES
     ...    EVT ring data   ZS_MBOX_EVT_BYTES (right after the command ring)

   Start-up: the firmware boots with FW_STATUS = 0, bumps FW_EPOCH, waits
   (bounded) for HOST_EPOCH == FW_EPOCH when the host's heartbeat moves,
   resets both rings and sets ZS_MBOX_ST_READY.  A host that sees FW_EPOCH
   change stops using the rings, copies the epoch, waits for READY, and says
   HELLO again.  A side whose heartbeat has not moved for ZS_MBOX_DEAD_MS is
   taken as down. */
#ifndef ZS_MBOX_HW_H
#define ZS_MBOX_HW_H

#include <stdint.h>

#include "lib/policy/zs_batch_policy.h"

#define ZS_MBOX_MAGIC 0x424d535au /* "ZSMB" */
#define ZS_MBOX_VERSION 4u /* 2: POLICY carries the whole zs_batch_policy_t; 3: SEALED carries forced batches; 4: KZG */

#define ZS_MBOX_REG_MAGIC 0x000
#define ZS_MBOX_REG_VERSION 0x004
#define ZS_MBOX_REG_FW_EPOCH 0x008
#define ZS_MBOX_REG_HOST_EPOCH 0x00c
#define ZS_MBOX_REG_FW_STATUS 0x010
#define ZS_MBOX_REG_HOST_STATUS 0x014
#define ZS_MBOX_REG_FW_HEARTBEAT 0x018
#define ZS_MBOX_REG_HOST_HEARTBEAT 0x020
#define ZS_MBOX_REG_CMD_DOORBELL 0x028
#define ZS_MBOX_REG_EVT_DOORBELL 0x02c
#define ZS_MBOX_REG_CMD_RING 0x040
#define ZS_MBOX_REG_EVT_RING 0x0c0
#define ZS_MBOX_CMD_DATA 0x1000
#define ZS_MBOX_CMD_BYTES (4u << 20)
#define ZS_MBOX_EVT_DATA (ZS_MBOX_CMD_DATA + ZS_MBOX_CMD_BYTES)
#define ZS_MBOX_EVT_BYTES (256u << 10)
#define ZS_MBOX_SIZE (ZS_MBOX_EVT_DATA + ZS_MBOX_EVT_BYTES)

/* FW_STATUS bits. */
#define ZS_MBOX_ST_READY 0x1u        /* rings initialized, firmware serving */
#define ZS_MBOX_ST_BACKPRESSURE 0x2u /* too many sealed batches not yet on L1 */
#define ZS_MBOX_ST_L1_DOWN 0x4u      /* the L1 endpoint does not answer */
#define ZS_MBOX_ST_FEE_ALARM 0x8u    /* L1 fees above the cap */
/* HOST_STATUS bits. */
#define ZS_MBOX_HST_UP 0x1u

#define ZS_MBOX_HEARTBEAT_MS 100
#define ZS_MBOX_DEAD_MS 3000

/* Messages: every record is a zs_ring record (header: payload length and
   type) whose payload starts with the struct named here, little-endian,
   packed as declared (every field naturally aligned, no padding). */
enum {
    /* host -> firmware */
    ZS_MBOX_CMD_HELLO = 1,  /* zs_mbox_hello_t */
    ZS_MBOX_CMD_SEALED = 2, /* zs_mbox_sealed_t, then l2len bytes of batchL2Data */
    ZS_MBOX_CMD_STATS = 3,  /* zs_mbox_stats_t */
    ZS_MBOX_CMD_POLICY_SET = 4, /* zs_mbox_policy_set_t: an operator changes a policy limit */
    ZS_MBOX_CMD_KZG = 5,    /* zs_mbox_kzg_t: a blob's KZG commitment and proofs, as KZG_REQ asked */
    /* firmware -> host */
    ZS_MBOX_EVT_HELLO = 64,   /* zs_mbox_fw_hello_t */
    ZS_MBOX_EVT_ACK = 65,     /* zs_mbox_ack_t: sealed batches journaled up to number */
    ZS_MBOX_EVT_POLICY = 66,  /* zs_mbox_policy_t */
    ZS_MBOX_EVT_CLOSE = 67,   /* zs_mbox_close_t: close the open batch now */
    ZS_MBOX_EVT_VIRTUAL = 68, /* zs_mbox_virtual_t */
    ZS_MBOX_EVT_RESEND = 69,  /* zs_mbox_resend_t: hand over sealed batches again from number */
    ZS_MBOX_EVT_STATE = 70,   /* zs_mbox_state_t: backlog, alarms */
    ZS_MBOX_EVT_POLICY_RESULT = 71, /* zs_mbox_policy_result_t: the answer to a POLICY_SET */
    ZS_MBOX_EVT_L1INFO = 72,  /* zs_mbox_l1info_t: the L1 account and submissions, every second */
    ZS_MBOX_EVT_KZG_REQ = 73, /* zs_mbox_kzg_req_t: compute the KZG work of a blob of sealed batches */
};

typedef struct {
    uint32_t version;
    uint32_t reserved;
    uint64_t chain_id;     /* L2 */
    uint64_t last_sealed;  /* the host's last closed batch */
} zs_mbox_hello_t;

typedef struct {
    uint64_t number;
    uint64_t timestamp;    /* of the batch's last L2 block (unix seconds) */
    uint64_t first_block, last_block;
    uint8_t state_root[32];
    uint8_t batch_hash[32]; /* keccak256(batchL2Data) */
    uint8_t coinbase[20];
    uint32_t l2len;
    uint32_t flags;         /* ZS_MBOX_SEALED_* */
    uint32_t reserved;
    /* A forced batch (flags & FORCED): L1's forceBatchNum and the forced
       fields sequenceBatches carries for it. */
    uint64_t forced, forced_timestamp;
    uint8_t forced_ger[32];
    uint8_t forced_block_hash[32];
} zs_mbox_sealed_t;
#define ZS_MBOX_SEALED_FORCED 0x1u
#define ZS_MBOX_SEALED_INVALID 0x2u /* Polygon's processor throws it away (the state root stays) */

typedef struct {
    uint64_t open_batch;
    uint64_t open_bytes, open_txs, open_gas;
    uint64_t open_age_ms;   /* since the open batch's first block; 0 when empty */
    uint64_t txs_total;     /* transactions sequenced since the host started */
    uint64_t pool_pending;
    uint64_t last_sealed;
} zs_mbox_stats_t;

typedef struct {
    uint32_t version;
    uint32_t reserved;
    uint64_t last_journaled; /* the highest sealed batch the firmware holds */
} zs_mbox_fw_hello_t;

typedef struct {
    uint64_t number;
} zs_mbox_ack_t;

typedef struct {
    zs_batch_policy_t policy; /* the firmware's, in force while it is up */
    uint32_t block_time_ms;   /* the block time it chose from the load */
    uint32_t reserved;
} zs_mbox_policy_t;

typedef struct {
    uint64_t number; /* the open batch the firmware wants closed */
    uint32_t reason; /* ZS_MBOX_CLOSE_* */
    uint32_t reserved;
} zs_mbox_close_t;
#define ZS_MBOX_CLOSE_AGE 1
#define ZS_MBOX_CLOSE_SIZE 2

typedef struct {
    uint64_t virtual_;       /* last batch sequenced on L1 (latest block) */
    uint64_t confirmed;      /* ... at the confirmation depth */
    uint64_t l1_block;       /* where virtual_ last changed */
    uint64_t l1_head;        /* the L1 block virtual_ and confirmed were read at */
    uint8_t acc_input_hash[32]; /* the contract's, for batch virtual_ */
    uint8_t l1_tx[32];       /* the L1 transaction that sequenced it (zero if unknown) */
} zs_mbox_virtual_t;

typedef struct {
    uint64_t number;
} zs_mbox_resend_t;

typedef struct {
    uint64_t backlog;        /* sealed, not yet virtual */
    uint64_t pending_l1_txs;
    uint32_t flags;          /* ZS_MBOX_ST_* */
    uint32_t reserved;
} zs_mbox_state_t;

typedef struct {
    uint64_t id;     /* echoed in the result */
    uint64_t value;
    char key[24];    /* a zs_batch_policy key name (zs_batch_policy_keys), NUL-terminated */
    char who[40];    /* who asked, for the firmware's log, NUL-terminated */
} zs_mbox_policy_set_t;

typedef struct {
    uint64_t id;
    uint32_t ok;     /* 1: applied (a POLICY event follows) */
    uint32_t reserved;
    char reason[112]; /* why not, NUL-terminated */
} zs_mbox_policy_result_t;

typedef struct {
    uint8_t sequencer[20];   /* the L1 sequencer address (the key stays in the firmware) */
    uint32_t have_key;
    uint8_t balance_wei[32]; /* big-endian */
    uint64_t l1_txs_sent, fee_bumps, reorgs, fees_gwei;
    uint64_t l1_head, base_fee_wei;
    uint8_t last_l1_tx[32];  /* the newest L1 transaction sent (zero if none yet) */
    uint64_t uptime_ms;
    uint32_t l1_up;
    uint32_t alarms;         /* alarms raised since boot */
    uint64_t l1_gas_used;    /* by the submissions mined since boot */
    uint32_t l1_data;        /* ZS_MBOX_L1_DATA_*: how batch data goes to L1 now */
    uint32_t blobs_available; /* 1: the firmware can check KZG work (its trusted setup loaded) */
    uint64_t blob_txs;       /* blob transactions sent since boot */
    uint64_t blob_base_fee_wei; /* L1's, at l1_head (0: unknown, before Cancun) */
    uint64_t blobs_checked, blobs_refused; /* the host's KZG answers that verified, that did not */
} zs_mbox_l1info_t;

/* How batch data goes to L1 (the firmware's l1_data; also a POLICY_SET key,
   "l1_data", with one of these values). */
#define ZS_MBOX_L1_DATA_CALLDATA 0u
#define ZS_MBOX_L1_DATA_BLOB 1u
#define ZS_MBOX_L1_DATA_AUTO 2u

/* The blob of sealed batches first..last in Polygon's layout (lib/blob,
   EIP-4844 type: 31 bytes to a field element, 131,072 bytes).  The host
   builds the same bytes from its own batches (data_hash = keccak256 of the
   131,072 bytes, as the firmware built them, must match), computes the
   commitment, EIP-7594's 128 cell proofs (on the card), z (lib/blob), the
   proof of y = p(z) and EIP-4844's blob proof, and answers with a zs_mbox_kzg_t.  The firmware
   checks every proof against its own blob before it signs anything. */
typedef struct {
    uint64_t first, last;
    uint8_t data_hash[32];
} zs_mbox_kzg_req_t;

typedef struct {
    uint64_t first, last;
    uint8_t data_hash[32];   /* the request's, echoed */
    int32_t status;          /* 0, or the host's ZS_ERR_* (batches missing, a blob that differs, KZG failed) */
    uint32_t reserved;
    uint8_t commitment[48];
    uint8_t z[32], y[32];    /* big-endian field elements */
    uint8_t proof[48];       /* KZG proof of p(z) = y (the point evaluation precompile's) */
    uint8_t blob_proof[48];  /* EIP-4844's blob proof (the sidecar of a Cancun L1) */
    uint8_t cell_proofs[128][48];
} zs_mbox_kzg_t;

#endif
