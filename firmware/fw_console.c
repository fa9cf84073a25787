/* The serial console (fw_console.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "firmware/fw_console.h"
#include "firmware/fw_l1.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_addr.h"

static void out(fw_console_t *con, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(fw_console_t *con, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 3) n = (int)sizeof buf - 3;
    buf[n++] = '\r';
    buf[n++] = '\n';
    con->hal->uart_write(con->hal->ctx, (const uint8_t *)buf, (size_t)n);
}

static void prompt(fw_console_t *con)
{
    con->hal->uart_write(con->hal->ctx, (const uint8_t *)"zkseq-fw> ", 10);
}

static void addr_text(char out_[43], const uint8_t a[20])
{
    zs_addr_format(a, out_);
}

static void hex32(char o[67], const uint8_t h[32])
{
    fw_hex(o, h, 32);
}

static void cmd_help(fw_console_t *con)
{
    out(con, "commands:");
    out(con, "  status                  what the firmware is doing");
    out(con, "  batches                 sealed batches held (not yet confirmed on L1)");
    out(con, "  l1                      L1 endpoint, sequencer address and balance, pending L1 transactions");
    out(con, "  l1 data [MODE]          how batch data goes to L1: blob, calldata or auto (setting needs login)");
    out(con, "  policy get [KEY]        batching policy");
    out(con, "  policy set KEY VALUE    change a policy limit (needs login)");
    out(con, "  key address             the L1 sequencer address (the key never leaves the firmware)");
    out(con, "  alarms                  recent alarms");
    out(con, "  login PASSWORD | logout");
}

static void cmd_status(fw_console_t *con)
{
    const fw_status_t *st = con->st;
    const fw_cursor_t *c = &con->j->cur;
    out(con, "zkseq-fw up %llus, mailbox epoch %u, host link %s%s", (unsigned long long)((st->now_ms - st->boot_ms) / 1000),
        st->epoch, st->host_up ? "up" : "down", st->host_hello ? "" : " (no hello yet)");
    out(con, "batches: sealed %llu  virtual %llu  confirmed %llu  backlog %llu%s", (unsigned long long)c->last_sealed,
        (unsigned long long)c->virtual_, (unsigned long long)c->confirmed, (unsigned long long)fw_journal_backlog(con->j),
        st->backpressure ? "  BACKPRESSURE" : "");
    out(con, "host: open batch %llu, %llu transactions sequenced, pool %llu", (unsigned long long)st->host_open_batch,
        (unsigned long long)st->host_txs_total, (unsigned long long)st->host_pool);
    out(con, "L1: %s", st->l1_status[0] ? st->l1_status : "not contacted yet");
    out(con, "policy: block time %u ms (load %.0f tx/s), batch age %u ms", con->policy->block_time_ms, con->policy->tps,
        con->policy->cfg.max_age_ms);
    out(con, "alarms: %zu%s", con->log->nalarms, st->fee_alarm ? "  FEE CAP" : "");
}

static void cmd_batches(fw_console_t *con)
{
    out(con, "%-8s %-8s %-10s %s", "batch", "bytes", "state", "L1 nonce");
    size_t shown = 0;
    const fw_journal_t *j = con->j;
    for (size_t i = 0; i < j->nbatches && shown < 40; i++, shown++) {
        const fw_batch_t *b = &j->batches[j->nbatches > 40 ? j->nbatches - 40 + i : i];
        const char *state = b->number <= j->cur.virtual_ ? "virtual" : "sealed";
        long nonce = -1;
        for (size_t k = 0; k < j->nsubs; k++)
            if (b->number >= j->subs[k].first && b->number <= j->subs[k].last) {
                nonce = (long)j->subs[k].nonce;
                if (b->number > j->cur.virtual_) state = "posted";
            }
        if (nonce >= 0) out(con, "%-8llu %-8u %-10s %ld", (unsigned long long)b->number, b->l2len, state, nonce);
        else out(con, "%-8llu %-8u %-10s -", (unsigned long long)b->number, b->l2len, state);
    }
    out(con, "%zu held; sealed %llu, virtual %llu, confirmed %llu", j->nbatches, (unsigned long long)j->cur.last_sealed,
        (unsigned long long)j->cur.virtual_, (unsigned long long)j->cur.confirmed);
}

static void cmd_l1(fw_console_t *con)
{
    const fw_status_t *st = con->st;
    const fw_journal_t *j = con->j;
    char a[43];
    addr_text(a, st->address);
    out(con, "endpoint: %s (chain id %llu) %s", con->cfg->l1_url, (unsigned long long)con->cfg->l1_chain_id,
        st->l1_up ? "up" : "down");
    char eth[ZS_U256_DEC_MAX + 2];
    zs_u256_format_units(&st->l1_balance, 18, 6, eth); /* exact: no 64-bit limit */
    out(con, "sequencer: %s  balance %s ETH", a, eth);
    addr_text(a, con->cfg->rollup);
    out(con, "rollup: %s  head %llu  base fee %llu wei  fee cap %llu wei", a, (unsigned long long)st->l1_head,
        (unsigned long long)st->l1_base_fee, (unsigned long long)con->cfg->fee_cap_wei);
    out(con, "data: %s (%s sidecar)  blob base fee %llu wei  blob transactions %llu  blobs checked %llu, refused %llu%s%s",
        fw_l1_data_name(st->l1_data), st->blob_cell_proofs ? "EIP-7594" : "EIP-4844",
        (unsigned long long)st->l1_blob_fee, (unsigned long long)st->blob_txs, (unsigned long long)st->blobs_checked,
        (unsigned long long)st->blobs_refused, st->blobs_why[0] ? "  unavailable: " : "", st->blobs_why);
    out(con, "sent %llu L1 transactions, %llu fee bumps, %llu reorgs seen, fees spent %llu gwei",
        (unsigned long long)j->cur.l1_txs_sent, (unsigned long long)j->cur.bumps, (unsigned long long)j->cur.reorgs,
        (unsigned long long)j->cur.fees_gwei);
    out(con, "pending L1 transactions: %zu", j->nsubs);
    for (size_t i = 0; i < j->nsubs; i++) {
        const fw_sub_t *s = &j->subs[i];
        char h[67];
        hex32(h, s->hashes[s->nhashes - 1]);
        out(con, "  nonce %llu batches %llu..%llu %s tip %llu cap %llu wei bumps %llu %s",
            (unsigned long long)s->nonce, (unsigned long long)s->first, (unsigned long long)s->last,
            s->state == FW_SUB_MINED ? "mined" : "pending", (unsigned long long)s->tip,
            (unsigned long long)s->max_fee, (unsigned long long)s->bumps, h);
        if (s->nblobs)
            out(con, "    %u blob%s, blob fee %llu wei", s->nblobs, s->nblobs == 1 ? "" : "s",
                (unsigned long long)s->blob_fee);
    }
}

/* l1 data [MODE] */
static void cmd_l1_data(fw_console_t *con, char *args)
{
    char *mode = strtok(args, " ");
    if (!mode) {
        out(con, "%s", fw_l1_data_name(con->st->l1_data));
        return;
    }
    int m = fw_l1_data_parse(mode);
    if (m < 0 || strtok(NULL, " ")) {
        out(con, "error: usage: l1 data [blob|calldata|auto]");
        return;
    }
    if (!con->logged_in && !con->cfg->console_open) {
        out(con, "error: login first (l1 data changes the box)");
        return;
    }
    con->l1_data_request = m;
    out(con, "ok: l1 data = %s", mode);
}

static void cmd_policy(fw_console_t *con, char *args)
{
    char *sub = strtok(args, " ");
    if (!sub || !strcmp(sub, "get")) {
        char *key = sub ? strtok(NULL, " ") : NULL;
        for (size_t i = 0; i < zs_batch_policy_nkeys; i++) {
            const zs_batch_policy_key_t *k = &zs_batch_policy_keys[i];
            if (key && strcmp(key, k->name)) continue;
            out(con, "%-18s %llu", k->name, (unsigned long long)zs_batch_policy_get(&con->policy->cfg, k));
            if (key) return;
        }
        if (key) out(con, "error: unknown policy key '%s'", key);
        else out(con, "%-18s %u (decided from the load)", "block_time_ms", con->policy->block_time_ms);
        return;
    }
    if (!strcmp(sub, "set")) {
        char *key = strtok(NULL, " "), *val = strtok(NULL, " ");
        if (!key || !val || strtok(NULL, " ")) {
            out(con, "error: usage: policy set KEY VALUE");
            return;
        }
        if (!con->logged_in && !con->cfg->console_open) {
            out(con, "error: login first (policy set changes the box)");
            return;
        }
        const char *why = fw_policy_set(con->policy, key, val);
        if (why) {
            out(con, "error: %s", why);
            return;
        }
        fw_log(con->log, "console: policy %s set to %s", key, val);
        con->policy_changed = 1;
        out(con, "ok: %s = %s", key, val);
        return;
    }
    out(con, "error: usage: policy get [KEY] | policy set KEY VALUE");
}

static void cmd_login(fw_console_t *con, char *args)
{
    if (!args || !*args) {
        out(con, "error: usage: login PASSWORD");
        return;
    }
    uint64_t t = con->hal->now_ms(con->hal->ctx);
    if (con->login_failures >= 3 && t - con->last_try_ms < 2000) {
        out(con, "error: too many failed logins; wait 2 seconds");
        return;
    }
    con->last_try_ms = t;
    uint8_t buf[16 + 128], h[32];
    size_t n = strlen(args);
    if (n > 128) n = 128;
    memcpy(buf, con->cfg->console_salt, 16);
    memcpy(buf + 16, args, n);
    zs_keccak256(buf, 16 + n, h);
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= (uint8_t)(h[i] ^ con->cfg->console_hash[i]);
    if (diff || con->cfg->console_open) {
        con->login_failures++;
        fw_log(con->log, "console: failed login");
        out(con, "error: wrong password");
        return;
    }
    con->logged_in = 1;
    con->login_failures = 0;
    fw_log(con->log, "console: operator logged in");
    out(con, "ok: logged in");
}

static void run(fw_console_t *con, char *line)
{
    while (*line == ' ') line++;
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ') line[--n] = 0;
    if (!n) return;
    char *args = strchr(line, ' ');
    if (args) {
        *args++ = 0;
        while (*args == ' ') args++;
    }
    if (!strcmp(line, "help") || !strcmp(line, "?")) cmd_help(con);
    else if (!strcmp(line, "status")) cmd_status(con);
    else if (!strcmp(line, "batches")) cmd_batches(con);
    else if (!strcmp(line, "l1") && !args) cmd_l1(con);
    else if (!strcmp(line, "l1") && !strncmp(args, "data", 4) && (!args[4] || args[4] == ' '))
        cmd_l1_data(con, args + 4);
    else if (!strcmp(line, "policy")) cmd_policy(con, args ? args : (char *)"");
    else if (!strcmp(line, "key") && args && !strcmp(args, "address")) {
        char a[43];
        addr_text(a, con->st->address);
        out(con, "%s", con->st->have_key ? a : "error: no key in the key store");
    } else if (!strcmp(line, "alarms")) {
        if (!con->log->nalarms) out(con, "no alarms");
        uint64_t t = con->hal->now_ms(con->hal->ctx);
        for (size_t i = 0; i < con->log->nalarms; i++)
            out(con, "%6llus ago  %s", (unsigned long long)((t - con->log->alarms[i].at_ms) / 1000),
                con->log->alarms[i].text);
    } else if (!strcmp(line, "login")) cmd_login(con, args);
    else if (!strcmp(line, "logout")) {
        con->logged_in = 0;
        out(con, "ok: logged out");
    } else out(con, "error: unknown command '%s' (help lists the commands)", line);
}

void fw_console_init(fw_console_t *c, const zs_hal_t *hal, const fw_cfg_t *cfg, fw_log_t *log, const fw_journal_t *j,
                     fw_policy_t *policy)
{
    memset(c, 0, sizeof *c);
    c->hal = hal;
    c->cfg = cfg;
    c->log = log;
    c->j = j;
    c->policy = policy;
    c->l1_data_request = -1;
}

int fw_console_poll(fw_console_t *con, const fw_status_t *st)
{
    con->st = st;
    con->policy_changed = 0;
    uint8_t buf[128];
    long n = con->hal->uart_read(con->hal->ctx, buf, sizeof buf);
    for (long i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (c == '\r' || c == '\n') {
            con->hal->uart_write(con->hal->ctx, (const uint8_t *)"\r\n", 2);
            con->line[con->line_len] = 0;
            run(con, con->line);
            con->line_len = 0;
            prompt(con);
        } else if (c == 0x7f || c == 0x08) {
            if (con->line_len) {
                con->line_len--;
                con->hal->uart_write(con->hal->ctx, (const uint8_t *)"\b \b", 3);
            }
        } else if (c == 0x03) { /* Ctrl-C: drop the line */
            con->line_len = 0;
            con->hal->uart_write(con->hal->ctx, (const uint8_t *)"^C\r\n", 4);
            prompt(con);
        } else if (c >= 0x20 && c < 0x7f && con->line_len + 1 < sizeof con->line) {
            con->line[con->line_len++] = (char)c;
            /* Echo, but not a password being typed. */
            int hide = con->line_len > 6 && !strncmp(con->line, "login ", 6);
            con->hal->uart_write(con->hal->ctx, hide ? (const uint8_t *)"*" : &c, 1);
        }
    }
    return con->policy_changed;
}
