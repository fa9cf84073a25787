/* The interpreter loop's system operations (LOG, CREATE, CALL and its
   kinds, RETURN, REVERT, SENDALL): part of LOOP_FN's body, included by
   zs_evm_loop.h where these handlers sit; it uses that function's locals
   and macros and means nothing alone. */
op_log: {
    int nt = op - 0xa0;
    NEED(2 + nt);
    if (f->is_static) {
        st = ZS_EVM_STATIC_CHANGE;
        goto halt;
    }
    uint64_t off, len;
    MEM(TOP, SECOND, off, len);
    CHARGE(8 * len); /* 375 per topic came with the opcode */
    zs_vcount_op_log(&e->vacc, f->vctx, len);
    uint8_t topics[4][32];
    for (int i = 0; i < nt; i++) ev_to_be32(&sp[-3 - i], topics[i]);
    int rc = ev_log(e, f->address, (const uint8_t(*)[32])topics, nt, len ? f->mem + off : NULL, len);
    if (rc) FATAL(rc);
    sp -= 2 + nt;
    pc++;
    DISPATCH();
}
op_create: {
    int is2 = op == 0xf5;
    NEED(is2 ? 4 : 3);
    if (f->is_static) {
        st = ZS_EVM_STATIC_CHANGE;
        goto halt;
    }
    uint64_t off, len;
    MEM(SECOND, sp[-3], off, len);
    if (is2) CHARGE(6 * ((len + 31) / 32));
    {
        int64_t ci = ev_acct(&e->w, f->address);
        if (ci < 0) FATAL((int)ci);
        zs_u256_t n1 = {{e->w.acct[ci].nonce + 1, e->w.acct[ci].nonce == UINT64_MAX, 0, 0}};
        zs_vcount_op_create(&e->vacc, f->vctx, is2, ev_byte_len(&n1), len);
    }
    ev_msg_t m = {.kind = is2 ? ZS_EVM_CREATE2 : ZS_EVM_CREATE, .value = TOP,
                  .input = len ? f->mem + off : NULL, .input_len = len};
    if (is2) ev_to_be32(&sp[-4], m.salt);
    m.gas = gas - gas / 64;
    gas -= m.gas;
    sp -= is2 ? 4 : 3;
    int64_t left = 0;
    uint8_t created[20];
    f->gas = gas;
    zs_evm_status_t cs = ev_call(f, &m, &left, created);
    if (cs == ZS_EVM_FATAL) FATAL(e->fatal_rc);
    gas = f->gas + left;
    if (cs == ZS_EVM_SUCCESS) ev_from_addr(sp++, created);
    else ev_set_u64(sp++, 0);
    pc++;
    DISPATCH();
}
op_call: {
    /* CALL/CALLCODE: gas to value in out-off out-len; DELEGATECALL/STATICCALL: no value */
    int has_value = op == 0xf1 || op == 0xf2;
    NEED(has_value ? 7 : 6);
    zs_u256_t reqgas = TOP;
    ev_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = op == 0xf1 ? ZS_EVM_CALL : op == 0xf2 ? ZS_EVM_CALLCODE : op == 0xf4 ? ZS_EVM_DELEGATECALL
                                                                                   : ZS_EVM_STATICCALL;
    ev_to_addr(&SECOND, m.to);
    zs_u256_t *args = sp - (has_value ? 4 : 3); /* in-off */
    if (has_value) m.value = sp[-3];
    if (op == 0xf1 && f->is_static && !ev_is_zero(&m.value)) {
        st = ZS_EVM_STATIC_CHANGE;
        goto halt;
    }
    uint64_t in_off, in_len, out_off, out_len;
    MEM(args[0], args[-1], in_off, in_len);
    MEM(args[-2], args[-3], out_off, out_len);
    int64_t ai = ev_acct(&e->w, m.to);
    if (ai < 0) FATAL((int)ai);
    int cold = ev_warm_acct(&e->w, (uint32_t)ai);
    if (cold < 0) FATAL(cold);
    int64_t cost = cold ? 2600 : 100;
    if (!ev_is_zero(&m.value)) {
        cost += 9000;
        if (op == 0xf1 && ev_acct_empty(&e->w.acct[ai])) cost += 25000;
    }
    CHARGE(cost);
    int64_t cap = gas - gas / 64;
    m.gas = !ev_fits64(&reqgas) || reqgas.w[0] > (uint64_t)cap ? cap : (int64_t)reqgas.w[0];
    gas -= m.gas;
    if (!ev_is_zero(&m.value)) m.gas += 2300;
    memcpy(m.code_addr, m.to, 20);
    m.input = in_len ? f->mem + in_off : NULL;
    m.input_len = in_len;
    {
        const uint8_t *c;
        size_t n;
        if (e->w.acct[ai].code_len && !e->w.acct[ai].code) {
            int rc = ev_acct_code(&e->w, (uint32_t)ai, &c, &n);
            if (rc) FATAL(rc);
        }
        zs_vcount_op_call(&e->vacc, f->vctx, op, in_len, out_len, e->w.acct[ai].code_len);
    }
    sp -= has_value ? 7 : 6;
    e->pre_out_len = out_len;
    int64_t left = 0;
    f->gas = gas;
    zs_evm_status_t cs = ev_call(f, &m, &left, NULL);
    if (cs == ZS_EVM_FATAL) FATAL(e->fatal_rc);
    gas = f->gas + left;
    if (out_len) {
        size_t n = f->ret_len < out_len ? f->ret_len : out_len;
        if (n) memcpy(f->mem + out_off, f->ret, n);
    }
    ev_set_u64(sp++, cs == ZS_EVM_SUCCESS);
    pc++;
    DISPATCH();
}
op_return:
op_revert: {
    NEED(2);
    uint64_t off, len;
    MEM(TOP, SECOND, off, len);
    if (op == 0xf3) zs_vcount_op_return(&e->vacc, f->vctx, len);
    else zs_vcount_op_revert(&e->vacc, f->vctx, len);
    f->out = len ? f->mem + off : NULL;
    f->out_len = len;
    st = op == 0xf3 ? ZS_EVM_SUCCESS : ZS_EVM_REVERT;
    goto done;
}
op_sendall: {
    NEED(1);
    if (f->is_static) {
        st = ZS_EVM_STATIC_CHANGE;
        goto halt;
    }
    uint8_t to[20];
    ev_to_addr(&TOP, to);
    int64_t ti = ev_acct(&e->w, to), si = ev_acct(&e->w, f->address);
    if (ti < 0) FATAL((int)ti);
    if (si < 0) FATAL((int)si);
    int cold = ev_warm_acct(&e->w, (uint32_t)ti);
    if (cold < 0) FATAL(cold);
    int64_t cost = cold ? 2600 : 0;
    zs_u256_t bal = e->w.acct[si].balance;
    if (!ev_is_zero(&bal) && ev_acct_empty(&e->w.acct[ti])) cost += 25000;
    CHARGE(cost);
    COUNT();
    if (e->tracing && e->tracer.enter) {
        e->tracer.enter(e->tracer.ctx, ZS_EVM_SENDALL, f->address, to, NULL, 0, 0, &bal);
        if (e->tracer.leave) e->tracer.leave(e->tracer.ctx, ZS_EVM_SUCCESS, NULL, 0, 0, NULL);
    }
    if (!ev_is_zero(&bal) && memcmp(to, f->address, 20)) {
        zs_u256_t z = {{0, 0, 0, 0}}, nb;
        ev_add(&nb, &e->w.acct[ti].balance, &bal);
        int rc = ev_set_balance(&e->w, (uint32_t)si, &z);
        if (!rc) rc = ev_set_balance(&e->w, (uint32_t)ti, &nb);
        if (rc) FATAL(rc);
    }
    st = ZS_EVM_SUCCESS;
    f->out_len = 0;
    goto done;
}
