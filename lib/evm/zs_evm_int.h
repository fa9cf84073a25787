/* zs_evm's insides, shared by its source files only: the journaled world
   (zs_evm_world.c), the interpreter (zs_evm_interp.c), calls and
   transactions (zs_evm_call.c) and precompiles (zs_evm_precompile.c). */
#ifndef ZS_EVM_INT_H
#define ZS_EVM_INT_H

#include "lib/evm/zs_evm.h"
#include "lib/evm/zs_evm_u256.h"

#define CODE_PAD 33 /* zero bytes after every code copy: PUSH32 at the end reads zeros, pc past the end reads STOP */

/* ---- The world: accounts and slots read once, changed under a journal. */

typedef struct {
    uint8_t addr[20];
    uint8_t warm;      /* EIP-2929, this transaction */
    uint8_t in_tx;     /* on the transaction's changed list */
    uint8_t code_new;  /* code set by a creation and not committed */
    uint8_t have_hash; /* code_hash is valid */
    uint8_t stale;     /* changed outside: read again on next use */
    zs_u256_t balance, balance0; /* now, and as committed */
    uint64_t nonce, nonce0;
    uint64_t code_len;
    const uint8_t *code; /* padded by CODE_PAD; NULL until loaded (or without code) */
    uint8_t code_hash[32];
} ev_acct_t;

typedef struct {
    uint32_t acct;
    uint8_t warm, in_tx;
    zs_u256_t key;
    zs_u256_t orig; /* as committed: EIP-2200's original value */
    zs_u256_t cur;
} ev_slot_t;

enum { J_BALANCE, J_NONCE, J_CODE, J_STORAGE, J_WARM_ACCT, J_WARM_SLOT };

typedef struct {
    uint8_t kind;
    uint32_t idx;
    union {
        zs_u256_t u;
        uint64_t n;
        struct {
            const uint8_t *code;
            uint64_t len;
            uint8_t was_new, had_hash;
        } c;
    } old;
    uint8_t old_hash[32]; /* J_CODE only */
} ev_jent_t;

/* A code copy kept by the world, by its hash (immutable). */
typedef struct ev_code {
    struct ev_code *next;
    uint8_t hash[32];
    size_t len;
    uint8_t bytes[]; /* len + CODE_PAD */
} ev_code_t;

typedef struct {
    zs_evm_host_t host;
    /* accounts: vector plus an open-addressed index (power of two) */
    ev_acct_t *acct;
    uint32_t nacct, acct_cap;
    uint32_t *acct_ix;
    uint32_t acct_ix_cap;
    /* slots likewise */
    ev_slot_t *slot;
    uint32_t nslot, slot_cap;
    uint32_t *slot_ix;
    uint32_t slot_ix_cap;
    /* the journal of the pending transaction */
    ev_jent_t *j;
    size_t nj, j_cap;
    /* what the pending transaction changed or warmed */
    uint32_t *tx_accts, *tx_slots, *warm_accts, *warm_slots;
    size_t ntx_accts, ntx_slots, nwarm_accts, nwarm_slots;
    size_t cap_tx_accts, cap_tx_slots, cap_warm_accts, cap_warm_slots;
    /* code copies by hash, and copies of new code (freed at forget) */
    ev_code_t *codes;
    size_t code_bytes;
    ev_code_t *new_codes;
} ev_world_t;

int ev_world_init(ev_world_t *w, const zs_evm_host_t *host);
void ev_world_free(ev_world_t *w);
void ev_world_forget(ev_world_t *w);
/* The account of addr (read through the host on first use): its index, or
   a negative ZS_ERR_*. */
int64_t ev_acct(ev_world_t *w, const uint8_t addr[20]);
/* Marks addr (if held) to be read again (its state changed outside). */
void ev_acct_stale(ev_world_t *w, const uint8_t addr[20]);
/* Its code (padded), loaded on first use. */
int ev_acct_code(ev_world_t *w, uint32_t a, const uint8_t **code, size_t *len);
/* Its code hash as EXTCODEHASH sees it (0 without code). */
void ev_acct_code_hash(ev_world_t *w, uint32_t a, uint8_t out[32]);
/* The slot of account a (read on first use): index or negative error. */
int64_t ev_slot(ev_world_t *w, uint32_t a, const zs_u256_t *key);
/* Journaled changes. */
int ev_set_balance(ev_world_t *w, uint32_t a, const zs_u256_t *v);
int ev_set_nonce(ev_world_t *w, uint32_t a, uint64_t v);
int ev_set_code(ev_world_t *w, uint32_t a, const uint8_t *code, size_t len);
int ev_set_slot(ev_world_t *w, uint32_t s, const zs_u256_t *v);
/* Warming (EIP-2929): returns 1 when it was cold. */
int ev_warm_acct(ev_world_t *w, uint32_t a);
int ev_warm_slot(ev_world_t *w, uint32_t s);
/* Journal position, and going back to one. */
static inline size_t ev_checkpoint(const ev_world_t *w)
{
    return w->nj;
}
void ev_revert(ev_world_t *w, size_t to);
/* End of a transaction: send the changes out, or drop them. */
int ev_commit_tx(ev_world_t *w);
void ev_discard_tx(ev_world_t *w);

static inline int ev_acct_empty(const ev_acct_t *x)
{
    return ev_is_zero(&x->balance) && x->nonce == 0 && x->code_len == 0;
}

/* ---- The machine. */

typedef struct {
    zs_u256_t *stack; /* ZS_EVM_STACK_LIMIT words */
    uint8_t *mem;
    size_t mem_cap;
    uint8_t *ret; /* return data of this depth's last call */
    size_t ret_cap;
} ev_depth_t;

typedef struct {
    uint8_t address[20];
    uint8_t topics[4][32];
    uint8_t ntopics;
    size_t off, len; /* in the log data arena */
} ev_log_t;

struct zs_evm {
    ev_world_t w;
    ev_depth_t *depth; /* ZS_EVM_MAX_DEPTH + 1, allocated as reached */
    /* the transaction */
    const zs_evm_block_t *blk;
    const zs_evm_tx_t *tx;
    int64_t refund;
    int pending;
    /* logs */
    ev_log_t *logs;
    size_t nlogs, logs_cap;
    uint8_t *log_data;
    size_t log_len, log_cap;
    zs_evm_log_t *out_logs;
    size_t out_logs_cap;
    /* the transaction's output */
    uint8_t *out;
    size_t out_len, out_cap;
    /* counters: static ones as a histogram per frame kind, the rest accumulated */
    uint32_t hist[4][256];
    zs_vacc_t vacc;
    uint32_t mcp;
    zs_vacc_t op_cost[4][256]; /* the static cost of each opcode per frame kind */
    uint8_t op_static[4][256];
    /* tracing */
    zs_evm_tracer_t tracer;
    int tracing;
    int fatal_rc;
    size_t pre_out_len; /* the out length of the CALL that reaches a precompile (its counters use it) */
    uint64_t mem_limit; /* ZS_EVM_MAX_MEMORY unless a benchmark lifts it */
};

/* One executing frame. */
typedef struct ev_frame {
    zs_evm_t *e;
    const uint8_t *code; /* padded */
    size_t code_len;
    int64_t gas;
    uint8_t address[20];  /* whose storage and balance */
    uint8_t caller[20];
    uint8_t code_addr[20];
    zs_u256_t value;
    const uint8_t *input;
    size_t input_len;
    int is_static;
    int depth; /* 0 for the transaction's frame */
    int vctx;  /* ZS_VC_* */
    uint8_t *mem;
    size_t mem_len; /* bytes, a multiple of 32 */
    const uint8_t *ret; /* return data of the last call */
    size_t ret_len;
    /* result */
    zs_evm_status_t status;
    const uint8_t *out;
    size_t out_len;
} ev_frame_t;

/* Runs f's code to its end (zs_evm_interp.c). */
void ev_run(ev_frame_t *f);
void ev_run_traced(ev_frame_t *f);

/* A message from frame f (zs_evm_call.c).  Returns the child's status;
   its output lands in f->ret, *gas_left is what comes back. */
typedef struct {
    zs_evm_call_kind_t kind;
    uint8_t to[20];        /* callee (CALL*), or the new address (CREATE*) */
    uint8_t code_addr[20]; /* whose code runs (CALLCODE, DELEGATECALL) */
    zs_u256_t value;
    const uint8_t *input;
    size_t input_len;
    int64_t gas;
    uint8_t salt[32];
} ev_msg_t;
zs_evm_status_t ev_call(ev_frame_t *f, ev_msg_t *m, int64_t *gas_left, uint8_t created[20]);

/* Memory growth: 0, or -1 when out of gas (gas charged in f). */
int ev_mem_expand(ev_frame_t *f, uint64_t off, uint64_t len);
/* The cost of growing to `words` words from f's current size. */
int64_t ev_mem_cost(size_t cur_words, uint64_t words);

/* Precompiles (zs_evm_precompile.c): 1 when addr is one (1..9). */
int ev_is_precompile(const uint8_t addr[20]);
/* Runs precompile addr on input with gas; the output into *out (owned by e). */
zs_evm_status_t ev_precompile(zs_evm_t *e, const uint8_t addr[20], const uint8_t *in, size_t len, int64_t *gas,
                              const uint8_t **out, size_t *out_len);

/* The buffers of a depth (allocated on first use); NULL when out of memory. */
ev_depth_t *ev_depth(zs_evm_t *e, int depth);
/* Copies data into the return buffer of depth d. */
int ev_set_ret(zs_evm_t *e, int d, const uint8_t *p, size_t n, const uint8_t **out);

/* Appends a log; 0 or ZS_ERR_NOMEM. */
int ev_log(zs_evm_t *e, const uint8_t addr[20], const uint8_t (*topics)[32], int n, const uint8_t *data, size_t len);

/* The vcount context bits of a frame. */
#define VC(f) ((f)->vctx)

#endif
