/* The interpreter's loop, included twice by zs_evm_interp.c: once as
   ev_run (LOOP_TRACED 0) and once as ev_run_traced (LOOP_TRACED 1), so the
   plain loop carries no tracing test at all.

   Registers: pc (a pointer into the padded code), sp (one past the top of
   the stack), gas.  Every opcode: its static gas at dispatch, then its own
   checks, then the work, then DISPATCH().  Long because it is one function
   by design: computed goto needs every handler in the same function. */

#ifndef LOOP_FN
#error "define LOOP_FN and LOOP_TRACED before including zs_evm_loop.h"
#endif

void LOOP_FN(ev_frame_t *f)
{
    zs_evm_t *const e = f->e;
    const uint8_t *const code = f->code;
    const size_t code_len = f->code_len;
    zs_u256_t *const base = e->depth[f->depth].stack;
    zs_u256_t *sp = base;
    int64_t gas = f->gas;
    uint32_t *const hist = e->hist[f->vctx];
    const uint8_t *pc = code;
    uint8_t op = 0;
    zs_evm_status_t st = ZS_EVM_SUCCESS;
#if LOOP_TRACED
    int64_t t_gas = 0;
    int t_open = 0;
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static const void *const labels[256] = {
        [0 ... 255] = &&op_invalid,
        [0x00] = &&op_stop, [0x01] = &&op_add, [0x02] = &&op_mul, [0x03] = &&op_sub, [0x04] = &&op_div,
        [0x05] = &&op_sdiv, [0x06] = &&op_mod, [0x07] = &&op_smod, [0x08] = &&op_addmod, [0x09] = &&op_mulmod,
        [0x0a] = &&op_exp, [0x0b] = &&op_signextend, [0x10] = &&op_lt, [0x11] = &&op_gt, [0x12] = &&op_slt,
        [0x13] = &&op_sgt, [0x14] = &&op_eq, [0x15] = &&op_iszero, [0x16] = &&op_and, [0x17] = &&op_or,
        [0x18] = &&op_xor, [0x19] = &&op_not, [0x1a] = &&op_byte, [0x1b] = &&op_shl, [0x1c] = &&op_shr,
        [0x1d] = &&op_sar, [0x20] = &&op_sha3, [0x30] = &&op_address, [0x31] = &&op_balance,
        [0x32] = &&op_origin, [0x33] = &&op_caller, [0x34] = &&op_callvalue, [0x35] = &&op_calldataload,
        [0x36] = &&op_calldatasize, [0x37] = &&op_calldatacopy, [0x38] = &&op_codesize,
        [0x39] = &&op_codecopy, [0x3a] = &&op_gasprice, [0x3b] = &&op_extcodesize,
        [0x3c] = &&op_extcodecopy, [0x3d] = &&op_returndatasize, [0x3e] = &&op_returndatacopy,
        [0x3f] = &&op_extcodehash, [0x40] = &&op_blockhash, [0x41] = &&op_coinbase,
        [0x42] = &&op_timestamp, [0x43] = &&op_number, [0x44] = &&op_difficulty, [0x45] = &&op_gaslimit,
        [0x46] = &&op_chainid, [0x47] = &&op_selfbalance, [0x50] = &&op_pop, [0x51] = &&op_mload,
        [0x52] = &&op_mstore, [0x53] = &&op_mstore8, [0x54] = &&op_sload, [0x55] = &&op_sstore,
        [0x56] = &&op_jump, [0x57] = &&op_jumpi, [0x58] = &&op_pc, [0x59] = &&op_msize, [0x5a] = &&op_gas,
        [0x5b] = &&op_jumpdest, [0x5f] = &&op_push0,
        [0x60 ... 0x7f] = &&op_push, [0x80 ... 0x8f] = &&op_dup, [0x90 ... 0x9f] = &&op_swap,
        [0xa0 ... 0xa4] = &&op_log, [0xf0] = &&op_create, [0xf1] = &&op_call, [0xf2] = &&op_call,
        [0xf3] = &&op_return, [0xf4] = &&op_call, [0xf5] = &&op_create, [0xfa] = &&op_call,
        [0xfd] = &&op_revert, [0xff] = &&op_sendall,
    };
#pragma GCC diagnostic pop

#if LOOP_TRACED
#define TRACE_DISPATCH()                                                                                    \
    do {                                                                                                    \
        if (t_open) e->tracer.step_end(e->tracer.ctx, t_gas - gas, ZS_EVM_SUCCESS);                          \
        t_open = 0;                                                                                         \
        if (e->tracer.step) {                                                                               \
            zs_evm_step_t s_ = {.pc = (uint64_t)(pc - code), .op = *pc, .gas = gas, .depth = f->depth + 1,     \
                                .stack = base, .stack_len = (size_t)(sp - base), .memory = f->mem,             \
                                .memory_len = f->mem_len, .refund = e->refund};                                 \
            e->tracer.step(e->tracer.ctx, &s_);                                                             \
            t_open = e->tracer.step_end != NULL;                                                            \
            t_gas = gas;                                                                                    \
        }                                                                                                   \
    } while (0)
#else
#define TRACE_DISPATCH() ((void)0)
#endif

#define DISPATCH()                                                                                          \
    do {                                                                                                    \
        TRACE_DISPATCH();                                                                                   \
        op = *pc;                                                                                           \
        if (__builtin_expect((gas -= ev_static_gas[op]) < 0, 0)) goto out_of_gas;                            \
        goto *labels[op];                                                                                   \
    } while (0)
#define COUNT() (hist[op]++)
#define NEED(n)                                                                                             \
    do {                                                                                                    \
        if (__builtin_expect(sp - base < (n), 0)) goto underflow;                                           \
    } while (0)
#define ROOM()                                                                                              \
    do {                                                                                                    \
        if (__builtin_expect(sp - base >= ZS_EVM_STACK_LIMIT, 0)) goto overflow;                            \
    } while (0)
#define TOP (sp[-1])
#define SECOND (sp[-2])
#define CHARGE(n)                                                                                           \
    do {                                                                                                    \
        if (__builtin_expect((gas -= (int64_t)(n)) < 0, 0)) goto out_of_gas;                                \
    } while (0)
/* A memory range from two stack words: out of gas when it cannot be. */
#define MEM(offw, lenw, off, len)                                                                           \
    do {                                                                                                    \
        if (!ev_fits64(&(lenw))) goto out_of_gas;                                                           \
        len = (lenw).w[0];                                                                                  \
        if (len) {                                                                                          \
            if (!ev_fits64(&(offw))) goto out_of_gas;                                                       \
            off = (offw).w[0];                                                                              \
            if (off > e->mem_limit || len > e->mem_limit) goto out_of_gas;                       \
            if (off + len > f->mem_len) {                                                                   \
                f->gas = gas;                                                                               \
                if (ev_mem_expand(f, off, len)) goto out_of_gas;                                            \
                gas = f->gas;                                                                               \
            }                                                                                               \
        } else {                                                                                            \
            off = 0;                                                                                        \
        }                                                                                                   \
    } while (0)
#define FATAL(rc)                                                                                           \
    do {                                                                                                    \
        e->fatal_rc = (rc);                                                                                 \
        st = ZS_EVM_FATAL;                                                                                  \
        goto halt;                                                                                          \
    } while (0)

    DISPATCH();

op_stop:
    if ((size_t)(pc - code) < code_len) COUNT(); /* running off the end of the code is no STOP to count */
    st = ZS_EVM_SUCCESS;
    f->out_len = 0;
    goto done;

op_add:
    COUNT();
    NEED(2);
    ev_add(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_mul:
    COUNT();
    NEED(2);
    ev_mul(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_sub:
    COUNT();
    NEED(2);
    ev_sub(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_div:
    COUNT();
    NEED(2);
    if (ev_is_zero(&SECOND)) ev_set_u64(&SECOND, 0);
    else ev_div(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_sdiv:
    COUNT();
    NEED(2);
    ev_sdiv(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_mod:
    COUNT();
    NEED(2);
    if (ev_is_zero(&SECOND)) ev_set_u64(&SECOND, 0);
    else ev_mod(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_smod:
    COUNT();
    NEED(2);
    ev_smod(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_addmod:
    COUNT();
    NEED(3);
    ev_addmod(&sp[-3], &TOP, &SECOND, &sp[-3]);
    sp -= 2;
    pc++;
    DISPATCH();
op_mulmod:
    COUNT();
    NEED(3);
    ev_mulmod(&sp[-3], &TOP, &SECOND, &sp[-3]);
    sp -= 2;
    pc++;
    DISPATCH();
op_exp: {
    NEED(2);
    unsigned nb = ev_byte_len(&SECOND);
    CHARGE(50 * nb);
    zs_vcount_op_exp(&e->vacc, f->vctx, nb ? nb : 1); /* the model reads a zero exponent as one byte */
    ev_exp(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
}
op_signextend:
    COUNT();
    NEED(2);
    ev_signextend(&SECOND, &TOP, &SECOND);
    sp--;
    pc++;
    DISPATCH();
op_lt:
    COUNT();
    NEED(2);
    ev_set_u64(&SECOND, (uint64_t)ev_lt(&TOP, &SECOND));
    sp--;
    pc++;
    DISPATCH();
op_gt:
    COUNT();
    NEED(2);
    ev_set_u64(&SECOND, (uint64_t)ev_lt(&SECOND, &TOP));
    sp--;
    pc++;
    DISPATCH();
op_slt:
    COUNT();
    NEED(2);
    ev_set_u64(&SECOND, (uint64_t)ev_slt(&TOP, &SECOND));
    sp--;
    pc++;
    DISPATCH();
op_sgt:
    COUNT();
    NEED(2);
    ev_set_u64(&SECOND, (uint64_t)ev_slt(&SECOND, &TOP));
    sp--;
    pc++;
    DISPATCH();
op_eq:
    COUNT();
    NEED(2);
    ev_set_u64(&SECOND, (uint64_t)ev_eq(&TOP, &SECOND));
    sp--;
    pc++;
    DISPATCH();
op_iszero:
    COUNT();
    NEED(1);
    ev_set_u64(&TOP, (uint64_t)ev_is_zero(&TOP));
    pc++;
    DISPATCH();
op_and:
    COUNT();
    NEED(2);
    for (int i = 0; i < 4; i++) SECOND.w[i] &= TOP.w[i];
    sp--;
    pc++;
    DISPATCH();
op_or:
    COUNT();
    NEED(2);
    for (int i = 0; i < 4; i++) SECOND.w[i] |= TOP.w[i];
    sp--;
    pc++;
    DISPATCH();
op_xor:
    COUNT();
    NEED(2);
    for (int i = 0; i < 4; i++) SECOND.w[i] ^= TOP.w[i];
    sp--;
    pc++;
    DISPATCH();
op_not:
    COUNT();
    NEED(1);
    for (int i = 0; i < 4; i++) TOP.w[i] = ~TOP.w[i];
    pc++;
    DISPATCH();
op_byte:
    COUNT();
    NEED(2);
    if (!ev_fits64(&TOP) || TOP.w[0] >= 32) {
        ev_set_u64(&SECOND, 0);
    } else {
        unsigned i = 31 - (unsigned)TOP.w[0];
        ev_set_u64(&SECOND, (SECOND.w[i / 8] >> (8 * (i % 8))) & 0xff);
    }
    sp--;
    pc++;
    DISPATCH();
op_shl:
    COUNT();
    NEED(2);
    if (!ev_fits64(&TOP) || TOP.w[0] >= 256) ev_set_u64(&SECOND, 0);
    else ev_shl(&SECOND, &SECOND, (unsigned)TOP.w[0]);
    sp--;
    pc++;
    DISPATCH();
op_shr:
    COUNT();
    NEED(2);
    if (!ev_fits64(&TOP) || TOP.w[0] >= 256) ev_set_u64(&SECOND, 0);
    else ev_shr(&SECOND, &SECOND, (unsigned)TOP.w[0]);
    sp--;
    pc++;
    DISPATCH();
op_sar:
    COUNT();
    NEED(2);
    ev_sar(&SECOND, &SECOND, &TOP);
    sp--;
    pc++;
    DISPATCH();

op_sha3: {
    NEED(2);
    uint64_t off, len;
    MEM(TOP, SECOND, off, len);
    CHARGE(6 * ((len + 31) / 32));
    zs_vcount_op_sha3(&e->vacc, f->vctx, len);
    uint8_t h[32];
    zs_keccak256(len ? f->mem + off : NULL, len, h);
    sp--;
    ev_from_be32(&TOP, h);
    pc++;
    DISPATCH();
}

op_address:
    COUNT();
    ROOM();
    ev_from_addr(sp++, f->address);
    pc++;
    DISPATCH();
op_balance: {
    NEED(1);
    uint8_t a[20];
    ev_to_addr(&TOP, a);
    int64_t ai = ev_acct(&e->w, a);
    if (ai < 0) FATAL((int)ai);
    int cold = ev_warm_acct(&e->w, (uint32_t)ai);
    if (cold < 0) FATAL(cold);
    CHARGE(cold ? 2600 : 100);
    COUNT();
    TOP = e->w.acct[ai].balance;
    pc++;
    DISPATCH();
}
op_origin:
    COUNT();
    ROOM();
    ev_from_addr(sp++, e->tx->from);
    pc++;
    DISPATCH();
op_caller:
    COUNT();
    ROOM();
    ev_from_addr(sp++, f->caller);
    pc++;
    DISPATCH();
op_callvalue:
    COUNT();
    ROOM();
    *sp++ = f->value;
    pc++;
    DISPATCH();
op_calldataload:
    COUNT();
    NEED(1);
    if (!ev_fits64(&TOP) || TOP.w[0] >= f->input_len) {
        ev_set_u64(&TOP, 0);
    } else {
        uint8_t b[32] = {0};
        size_t o = (size_t)TOP.w[0], n = f->input_len - o < 32 ? f->input_len - o : 32;
        memcpy(b, f->input + o, n);
        ev_from_be32(&TOP, b);
    }
    pc++;
    DISPATCH();
op_calldatasize:
    COUNT();
    ROOM();
    ev_set_u64(sp++, f->input_len);
    pc++;
    DISPATCH();
op_calldatacopy:
op_codecopy:
op_returndatacopy: {
    NEED(3);
    uint64_t off, len;
    MEM(TOP, sp[-3], off, len);
    const uint8_t *src = op == 0x37 ? f->input : op == 0x39 ? code : f->ret;
    size_t src_len = op == 0x37 ? f->input_len : op == 0x39 ? code_len : f->ret_len;
    zs_u256_t from = SECOND;
    if (op == 0x3e) {
        /* beyond the return data is an error, not zeros */
        if (!ev_fits64(&from) || from.w[0] + len < from.w[0] || from.w[0] + len > src_len) {
            st = ZS_EVM_RETURNDATA_OOB;
            goto halt;
        }
    }
    CHARGE(3 * ((len + 31) / 32));
    if (len) {
        if (op == 0x37) zs_vcount_op_calldatacopy(&e->vacc, f->vctx, len);
        else if (op == 0x39) zs_vcount_op_codecopy(&e->vacc, f->vctx, len);
        else zs_vcount_op_returndatacopy(&e->vacc, f->vctx, len);
        size_t o = ev_fits64(&from) && from.w[0] < src_len ? (size_t)from.w[0] : src_len;
        size_t n = src_len - o < len ? src_len - o : len;
        if (n) memcpy(f->mem + off, src + o, n);
        if (n < len) memset(f->mem + off + n, 0, len - n);
    }
    sp -= 3;
    pc++;
    DISPATCH();
}
op_codesize:
    COUNT();
    ROOM();
    ev_set_u64(sp++, code_len);
    pc++;
    DISPATCH();
op_gasprice:
    COUNT();
    ROOM();
    *sp++ = e->tx->gas_price;
    pc++;
    DISPATCH();
op_extcodesize:
op_extcodehash: {
    NEED(1);
    uint8_t a[20];
    ev_to_addr(&TOP, a);
    int64_t ai = ev_acct(&e->w, a);
    if (ai < 0) FATAL((int)ai);
    int cold = ev_warm_acct(&e->w, (uint32_t)ai);
    if (cold < 0) FATAL(cold);
    CHARGE(cold ? 2600 : 100);
    COUNT();
    if (op == 0x3b) {
        ev_set_u64(&TOP, e->w.acct[ai].code_len);
    } else {
        uint8_t h[32];
        ev_acct_code_hash(&e->w, (uint32_t)ai, h);
        ev_from_be32(&TOP, h);
    }
    pc++;
    DISPATCH();
}
op_extcodecopy: {
    NEED(4);
    uint8_t a[20];
    ev_to_addr(&TOP, a);
    uint64_t off, len;
    int64_t ai = ev_acct(&e->w, a);
    if (ai < 0) FATAL((int)ai);
    int cold = ev_warm_acct(&e->w, (uint32_t)ai);
    if (cold < 0) FATAL(cold);
    CHARGE(cold ? 2600 : 100);
    MEM(SECOND, sp[-4], off, len);
    CHARGE(3 * ((len + 31) / 32));
    if (len) {
        const uint8_t *c;
        size_t n;
        int rc = ev_acct_code(&e->w, (uint32_t)ai, &c, &n);
        if (rc) FATAL(rc);
        zs_vcount_op_extcodecopy(&e->vacc, f->vctx, len, n);
        zs_u256_t from = sp[-3];
        size_t o = ev_fits64(&from) && from.w[0] < n ? (size_t)from.w[0] : n;
        size_t k = n - o < len ? n - o : len;
        if (k) memcpy(f->mem + off, c + o, k);
        if (k < len) memset(f->mem + off + k, 0, len - k);
    }
    sp -= 4;
    pc++;
    DISPATCH();
}
op_returndatasize:
    COUNT();
    ROOM();
    ev_set_u64(sp++, f->ret_len);
    pc++;
    DISPATCH();
op_blockhash: {
    COUNT();
    NEED(1);
    /* fork 12: the state root stored when block n + 1 began (0 when none) */
    static const uint8_t sys[20] = {[16] = 0x5c, [17] = 0xa1, [18] = 0xab, [19] = 0x1e};
    uint8_t buf[64] = {0}, h[32];
    ev_to_be32(&TOP, buf);
    buf[63] = 1;
    zs_keccak256(buf, 64, h);
    zs_u256_t key;
    ev_from_be32(&key, h);
    int64_t ai = ev_acct(&e->w, sys);
    if (ai < 0) FATAL((int)ai);
    int64_t si = ev_slot(&e->w, (uint32_t)ai, &key);
    if (si < 0) FATAL((int)si);
    TOP = e->w.slot[si].cur;
    pc++;
    DISPATCH();
}
op_coinbase:
    COUNT();
    ROOM();
    ev_from_addr(sp++, e->blk->coinbase);
    pc++;
    DISPATCH();
op_timestamp:
    COUNT();
    ROOM();
    ev_set_u64(sp++, e->blk->timestamp);
    pc++;
    DISPATCH();
op_number:
    COUNT();
    ROOM();
    ev_set_u64(sp++, e->blk->number);
    pc++;
    DISPATCH();
op_difficulty:
    COUNT();
    ROOM();
    ev_set_u64(sp++, 0);
    pc++;
    DISPATCH();
op_gaslimit:
    COUNT();
    ROOM();
    ev_set_u64(sp++, e->blk->gas_limit);
    pc++;
    DISPATCH();
op_chainid:
    COUNT();
    ROOM();
    ev_set_u64(sp++, e->blk->chain_id);
    pc++;
    DISPATCH();
op_selfbalance: {
    COUNT();
    ROOM();
    int64_t ai = ev_acct(&e->w, f->address);
    if (ai < 0) FATAL((int)ai);
    *sp++ = e->w.acct[ai].balance;
    pc++;
    DISPATCH();
}
op_pop:
    COUNT();
    NEED(1);
    sp--;
    pc++;
    DISPATCH();
op_mload: {
    NEED(1);
    if (!ev_fits64(&TOP)) goto out_of_gas;
    uint64_t off = TOP.w[0];
    if (off > e->mem_limit) goto out_of_gas;
    if (off + 32 > f->mem_len) {
        f->gas = gas;
        if (ev_mem_expand(f, off, 32)) goto out_of_gas;
        gas = f->gas;
    }
    COUNT();
    ev_from_be32(&TOP, f->mem + off);
    pc++;
    DISPATCH();
}
op_mstore: {
    NEED(2);
    if (!ev_fits64(&TOP)) goto out_of_gas;
    uint64_t off = TOP.w[0];
    if (off > e->mem_limit) goto out_of_gas;
    if (off + 32 > f->mem_len) {
        f->gas = gas;
        if (ev_mem_expand(f, off, 32)) goto out_of_gas;
        gas = f->gas;
    }
    COUNT();
    ev_to_be32(&SECOND, f->mem + off);
    sp -= 2;
    pc++;
    DISPATCH();
}
op_mstore8: {
    NEED(2);
    if (!ev_fits64(&TOP)) goto out_of_gas;
    uint64_t off = TOP.w[0];
    if (off > e->mem_limit) goto out_of_gas;
    if (off + 1 > f->mem_len) {
        f->gas = gas;
        if (ev_mem_expand(f, off, 1)) goto out_of_gas;
        gas = f->gas;
    }
    COUNT();
    f->mem[off] = (uint8_t)SECOND.w[0];
    sp -= 2;
    pc++;
    DISPATCH();
}
op_sload: {
    NEED(1);
    int64_t ai = ev_acct(&e->w, f->address);
    if (ai < 0) FATAL((int)ai);
    int64_t si = ev_slot(&e->w, (uint32_t)ai, &TOP);
    if (si < 0) FATAL((int)si);
    int cold = ev_warm_slot(&e->w, (uint32_t)si);
    if (cold < 0) FATAL(cold);
    CHARGE(cold ? 2100 : 100);
    COUNT();
    TOP = e->w.slot[si].cur;
    pc++;
    DISPATCH();
}
op_sstore: {
    NEED(2);
    if (f->is_static) {
        st = ZS_EVM_STATIC_CHANGE;
        goto halt;
    }
    if (gas <= 2300) goto out_of_gas; /* EIP-2200's sentry */
    int64_t ai = ev_acct(&e->w, f->address);
    if (ai < 0) FATAL((int)ai);
    int64_t si = ev_slot(&e->w, (uint32_t)ai, &TOP);
    if (si < 0) FATAL((int)si);
    int cold = ev_warm_slot(&e->w, (uint32_t)si);
    if (cold < 0) FATAL(cold);
    int64_t cost = cold ? 2100 : 0;
    ev_slot_t *s = &e->w.slot[si];
    const zs_u256_t *nv = &SECOND;
    if (ev_eq(&s->cur, nv)) {
        cost += 100;
    } else if (ev_eq(&s->orig, &s->cur)) {
        cost += ev_is_zero(&s->orig) ? 20000 : 2900;
        if (!ev_is_zero(&s->orig) && ev_is_zero(nv)) e->refund += 15000;
    } else {
        cost += 100;
        if (!ev_is_zero(&s->orig)) {
            if (ev_is_zero(&s->cur)) e->refund -= 15000;
            else if (ev_is_zero(nv)) e->refund += 15000;
        }
        if (ev_eq(&s->orig, nv)) e->refund += ev_is_zero(&s->orig) ? 19900 : 2800;
    }
    CHARGE(cost);
    COUNT();
    int rc = ev_set_slot(&e->w, (uint32_t)si, nv);
    if (rc) FATAL(rc);
    sp -= 2;
    pc++;
    DISPATCH();
}
op_jump:
    COUNT();
    NEED(1);
    if (!ev_fits64(&TOP) || TOP.w[0] >= code_len || code[TOP.w[0]] != 0x5b) {
        st = ZS_EVM_BAD_JUMP;
        goto halt;
    }
    pc = code + TOP.w[0];
    sp--;
    DISPATCH();
op_jumpi:
    COUNT();
    NEED(2);
    if (!ev_is_zero(&SECOND)) {
        if (!ev_fits64(&TOP) || TOP.w[0] >= code_len || code[TOP.w[0]] != 0x5b) {
            st = ZS_EVM_BAD_JUMP;
            goto halt;
        }
        pc = code + TOP.w[0];
    } else {
        pc++;
    }
    sp -= 2;
    DISPATCH();
op_pc:
    COUNT();
    ROOM();
    ev_set_u64(sp++, (uint64_t)(pc - code));
    pc++;
    DISPATCH();
op_msize:
    COUNT();
    ROOM();
    ev_set_u64(sp++, f->mem_len);
    pc++;
    DISPATCH();
op_gas:
    COUNT();
    ROOM();
    ev_set_u64(sp++, (uint64_t)gas);
    pc++;
    DISPATCH();
op_jumpdest:
    COUNT();
    pc++;
    DISPATCH();
op_push0:
    COUNT();
    ROOM();
    ev_set_u64(sp++, 0);
    pc++;
    DISPATCH();
op_push: {
    COUNT();
    ROOM();
    /* n big-endian bytes after the opcode: the code's padding makes the
       32 bytes after any PUSH readable (and zero past the end) */
    unsigned n = (unsigned)(op - 0x5f);
    if (n <= 8) {
        uint64_t v;
        memcpy(&v, pc + 1, 8);
        sp->w[0] = __builtin_bswap64(v) >> (64 - 8 * n);
        sp->w[1] = sp->w[2] = sp->w[3] = 0;
    } else {
        zs_u256_t t;
        ev_from_be32(&t, pc + 1);
        ev_shr(sp, &t, 8 * (32 - n));
    }
    sp++;
    pc += 1 + n;
    DISPATCH();
}
op_dup: {
    COUNT();
    unsigned n = (unsigned)(op - 0x7f);
    NEED((int)n);
    ROOM();
    *sp = sp[-(int)n];
    sp++;
    pc++;
    DISPATCH();
}
op_swap: {
    COUNT();
    unsigned n = (unsigned)(op - 0x8f);
    NEED((int)n + 1);
    zs_u256_t t = TOP;
    TOP = sp[-1 - (int)n];
    sp[-1 - (int)n] = t;
    pc++;
    DISPATCH();
}
#include "lib/evm/zs_evm_loop_sys.h"

op_invalid:
    st = ZS_EVM_INVALID_OPCODE;
    goto halt;
underflow:
    st = ZS_EVM_STACK_UNDERFLOW;
    goto halt;
overflow:
    st = ZS_EVM_STACK_OVERFLOW;
    goto halt;
out_of_gas:
    st = ZS_EVM_OUT_OF_GAS;
    goto halt;

halt:
    /* an exceptional halt takes all the frame's gas */
#if LOOP_TRACED
    if (t_open) e->tracer.step_end(e->tracer.ctx, t_gas > 0 ? t_gas : 0, st);
    t_open = 0;
#endif
    f->gas = 0;
    f->status = st;
    f->out = NULL;
    f->out_len = 0;
    return;
done:
#if LOOP_TRACED
    if (t_open) e->tracer.step_end(e->tracer.ctx, t_gas - gas, ZS_EVM_SUCCESS);
#endif
    f->gas = gas;
    f->status = st;

#undef TRACE_DISPATCH
#undef DISPATCH
#undef COUNT
#undef NEED
#undef ROOM
#undef TOP
#undef SECOND
#undef CHARGE
#undef MEM
#undef FATAL
}
