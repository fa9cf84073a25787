/* The serial console: line-oriented commands for the operator.  Reading
   commands are open to anyone at the port; commands that change anything
   (policy set) need `login` first.  Every answer ends with a prompt; an
   error starts with "error:" and changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "firmware/fw.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/tx/zs_addr.h"

static void out(fw_t *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(fw_t *fw, const char *fmt, ...)
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
    fw->hal->uart_write(fw->hal->ctx, (const uint8_t *)buf, (size_t)n);
}

static void prompt(fw_t *fw)
{
    fw->hal->uart_write(fw->hal->ctx, (const uint8_t *)"zkseq-fw> ", 10);
}

static void addr_text(char out_[43], const uint8_t a[20])
{
    zs_addr_format(a, out_);
}

static void hex32(char o[67], const uint8_t h[32])
{
    fw_hex(o, h, 32);
}

static void cmd_help(fw_t *fw)
{
    out(fw, "commands:");
    out(fw, "  status                  what the firmware is doing");
    out(fw, "  batches                 sealed batches held (not yet confirmed on L1)");
    out(fw, "  l1                      L1 endpoint, sequencer address and balance, pending L1 transactions");
    out(fw, "  policy get [KEY]        batching policy");
    out(fw, "  policy set KEY VALUE    change a policy limit (needs login)");
    out(fw, "  key address             the L1 sequencer address (the key never leaves the firmware)");
    out(fw, "  alarms                  recent alarms");
    out(fw, "  login PASSWORD | logout");
}

static void cmd_status(fw_t *fw)
{
    uint64_t t = fw->hal->now_ms(fw->hal->ctx);
    int host_up = fw->host_hb_seen_ms && t - fw->host_hb_seen_ms < 3000;
    out(fw, "zkseq-fw up %llus, mailbox epoch %u, host link %s%s", (unsigned long long)((t - fw->boot_ms) / 1000),
        fw->epoch, host_up ? "up" : "down", fw->host_hello ? "" : " (no hello yet)");
    out(fw, "batches: sealed %llu  virtual %llu  confirmed %llu  backlog %llu%s",
        (unsigned long long)fw->cur.last_sealed, (unsigned long long)fw->cur.virtual_,
        (unsigned long long)fw->cur.confirmed, (unsigned long long)fw_backlog(fw),
        fw->backpressure ? "  BACKPRESSURE" : "");
    out(fw, "host: open batch %llu, %llu transactions sequenced, pool %llu", (unsigned long long)fw->host_open_batch,
        (unsigned long long)fw->host_txs_total, (unsigned long long)fw->host_pool);
    out(fw, "L1: %s", fw->l1_status[0] ? fw->l1_status : "not contacted yet");
    out(fw, "policy: block time %u ms (load %.0f tx/s), batch age %u ms", fw->policy.block_time_ms, fw->policy.tps,
        fw->policy.cfg.max_age_ms);
    out(fw, "alarms: %zu%s", fw->nalarms, fw->fee_alarm ? "  FEE CAP" : "");
}

static void cmd_batches(fw_t *fw)
{
    out(fw, "%-8s %-8s %-10s %s", "batch", "bytes", "state", "L1 nonce");
    size_t shown = 0;
    for (size_t i = 0; i < fw->nbatches && shown < 40; i++, shown++) {
        const fw_batch_t *b = &fw->batches[fw->nbatches > 40 ? fw->nbatches - 40 + i : i];
        const char *state = b->number <= fw->cur.virtual_ ? "virtual" : "sealed";
        long nonce = -1;
        for (size_t k = 0; k < fw->nsubs; k++)
            if (b->number >= fw->subs[k].first && b->number <= fw->subs[k].last) {
                nonce = (long)fw->subs[k].nonce;
                if (b->number > fw->cur.virtual_) state = "posted";
            }
        if (nonce >= 0) out(fw, "%-8llu %-8u %-10s %ld", (unsigned long long)b->number, b->l2len, state, nonce);
        else out(fw, "%-8llu %-8u %-10s -", (unsigned long long)b->number, b->l2len, state);
    }
    out(fw, "%zu held; sealed %llu, virtual %llu, confirmed %llu", fw->nbatches,
        (unsigned long long)fw->cur.last_sealed, (unsigned long long)fw->cur.virtual_,
        (unsigned long long)fw->cur.confirmed);
}

static void cmd_l1(fw_t *fw)
{
    char a[43];
    addr_text(a, fw->address);
    out(fw, "endpoint: %s (chain id %llu) %s", fw->cfg.l1_url, (unsigned long long)fw->cfg.l1_chain_id,
        fw->l1_up ? "up" : "down");
    char eth[ZS_U256_DEC_MAX + 2];
    zs_u256_format_units(&fw->l1_balance, 18, 6, eth); /* exact: no 64-bit limit */
    out(fw, "sequencer: %s  balance %s ETH", a, eth);
    addr_text(a, fw->cfg.rollup);
    out(fw, "rollup: %s  head %llu  base fee %llu wei  fee cap %llu wei", a, (unsigned long long)fw->l1_head,
        (unsigned long long)fw->l1_base_fee, (unsigned long long)fw->cfg.fee_cap_wei);
    out(fw, "sent %llu L1 transactions, %llu fee bumps, %llu reorgs seen, fees spent %llu gwei",
        (unsigned long long)fw->cur.l1_txs_sent, (unsigned long long)fw->cur.bumps,
        (unsigned long long)fw->cur.reorgs, (unsigned long long)fw->cur.fees_gwei);
    out(fw, "pending L1 transactions: %zu", fw->nsubs);
    for (size_t i = 0; i < fw->nsubs; i++) {
        const fw_sub_t *s = &fw->subs[i];
        char h[67];
        hex32(h, s->hashes[s->nhashes - 1]);
        out(fw, "  nonce %llu batches %llu..%llu %s tip %llu cap %llu wei bumps %llu %s",
            (unsigned long long)s->nonce, (unsigned long long)s->first, (unsigned long long)s->last,
            s->state == FW_SUB_MINED ? "mined" : "pending", (unsigned long long)s->tip,
            (unsigned long long)s->max_fee, (unsigned long long)s->bumps, h);
    }
}

static void cmd_policy(fw_t *fw, char *args)
{
    char *sub = strtok(args, " ");
    if (!sub || !strcmp(sub, "get")) {
        char *key = sub ? strtok(NULL, " ") : NULL;
        for (size_t i = 0; i < zs_batch_policy_nkeys; i++) {
            const zs_batch_policy_key_t *k = &zs_batch_policy_keys[i];
            if (key && strcmp(key, k->name)) continue;
            out(fw, "%-18s %llu", k->name, (unsigned long long)zs_batch_policy_get(&fw->policy.cfg, k));
            if (key) return;
        }
        if (key) out(fw, "error: unknown policy key '%s'", key);
        else out(fw, "%-18s %u (decided from the load)", "block_time_ms", fw->policy.block_time_ms);
        return;
    }
    if (!strcmp(sub, "set")) {
        char *key = strtok(NULL, " "), *val = strtok(NULL, " ");
        if (!key || !val || strtok(NULL, " ")) {
            out(fw, "error: usage: policy set KEY VALUE");
            return;
        }
        if (!fw->logged_in && !fw->cfg.console_open) {
            out(fw, "error: login first (policy set changes the box)");
            return;
        }
        const char *why = fw_policy_set(&fw->policy, key, val);
        if (why) {
            out(fw, "error: %s", why);
            return;
        }
        fw_log(fw, "console: policy %s set to %s", key, val);
        fw_mbox_send_policy(fw);
        out(fw, "ok: %s = %s", key, val);
        return;
    }
    out(fw, "error: usage: policy get [KEY] | policy set KEY VALUE");
}

static void cmd_login(fw_t *fw, char *args)
{
    if (!args || !*args) {
        out(fw, "error: usage: login PASSWORD");
        return;
    }
    uint64_t t = fw->hal->now_ms(fw->hal->ctx);
    static uint64_t last_try;
    if (fw->login_failures >= 3 && t - last_try < 2000) {
        out(fw, "error: too many failed logins; wait 2 seconds");
        return;
    }
    last_try = t;
    uint8_t buf[16 + 128], h[32];
    size_t n = strlen(args);
    if (n > 128) n = 128;
    memcpy(buf, fw->cfg.console_salt, 16);
    memcpy(buf + 16, args, n);
    zs_keccak256(buf, 16 + n, h);
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= (uint8_t)(h[i] ^ fw->cfg.console_hash[i]);
    if (diff || fw->cfg.console_open) {
        fw->login_failures++;
        fw_log(fw, "console: failed login");
        out(fw, "error: wrong password");
        return;
    }
    fw->logged_in = 1;
    fw->login_failures = 0;
    fw_log(fw, "console: operator logged in");
    out(fw, "ok: logged in");
}

static void run(fw_t *fw, char *line)
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
    if (!strcmp(line, "help") || !strcmp(line, "?")) cmd_help(fw);
    else if (!strcmp(line, "status")) cmd_status(fw);
    else if (!strcmp(line, "batches")) cmd_batches(fw);
    else if (!strcmp(line, "l1")) cmd_l1(fw);
    else if (!strcmp(line, "policy")) cmd_policy(fw, args ? args : (char *)"");
    else if (!strcmp(line, "key") && args && !strcmp(args, "address")) {
        char a[43];
        addr_text(a, fw->address);
        out(fw, "%s", fw->have_key ? a : "error: no key in the key store");
    } else if (!strcmp(line, "alarms")) {
        if (!fw->nalarms) out(fw, "no alarms");
        uint64_t t = fw->hal->now_ms(fw->hal->ctx);
        for (size_t i = 0; i < fw->nalarms; i++)
            out(fw, "%6llus ago  %s", (unsigned long long)((t - fw->alarms[i].at_ms) / 1000), fw->alarms[i].text);
    } else if (!strcmp(line, "login")) cmd_login(fw, args);
    else if (!strcmp(line, "logout")) {
        fw->logged_in = 0;
        out(fw, "ok: logged out");
    } else out(fw, "error: unknown command '%s' (help lists the commands)", line);
}

void fw_console_poll(fw_t *fw)
{
    uint8_t buf[128];
    long n = fw->hal->uart_read(fw->hal->ctx, buf, sizeof buf);
    for (long i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (c == '\r' || c == '\n') {
            fw->hal->uart_write(fw->hal->ctx, (const uint8_t *)"\r\n", 2);
            fw->line[fw->line_len] = 0;
            run(fw, fw->line);
            fw->line_len = 0;
            prompt(fw);
        } else if (c == 0x7f || c == 0x08) {
            if (fw->line_len) {
                fw->line_len--;
                fw->hal->uart_write(fw->hal->ctx, (const uint8_t *)"\b \b", 3);
            }
        } else if (c == 0x03) { /* Ctrl-C: drop the line */
            fw->line_len = 0;
            fw->hal->uart_write(fw->hal->ctx, (const uint8_t *)"^C\r\n", 4);
            prompt(fw);
        } else if (c >= 0x20 && c < 0x7f && fw->line_len + 1 < sizeof fw->line) {
            fw->line[fw->line_len++] = (char)c;
            /* Echo, but not a password being typed. */
            int hide = fw->line_len > 6 && !strncmp(fw->line, "login ", 6);
            fw->hal->uart_write(fw->hal->ctx, hide ? (const uint8_t *)"*" : &c, 1);
        }
    }
}
