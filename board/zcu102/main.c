/* zkseq-fw for the zcu102 board, bare metal on a Cortex-A53 (picolibc's
   crt0 sets up the stack, .data and .bss, then calls main).  The
   configuration is built in until the store holds one: the L1 endpoint
   (ZS_BOARD_L1_URL), chain ids and contract addresses from the make
   variables of `make firmware-aarch64`, and every limit at the defaults of
   fw_cfg_defaults.  No console password is provisioned, so the console
   answers every reading command and refuses every change. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board/zcu102/zcu102.h"
#include "firmware/fw.h"
#include "lib/base/zs_hex.h"

#ifndef ZS_BOARD_L1_URL
#define ZS_BOARD_L1_URL "http://10.0.0.1:8545"
#endif
#ifndef ZS_BOARD_L1_CHAIN_ID
#define ZS_BOARD_L1_CHAIN_ID 31337
#endif
#ifndef ZS_BOARD_ROLLUP
#define ZS_BOARD_ROLLUP "0x0000000000000000000000000000000000000000"
#endif
#ifndef ZS_BOARD_GER
#define ZS_BOARD_GER "0x0000000000000000000000000000000000000000"
#endif

static zcu102_board_t board;
static zs_hal_t hal;
static fw_t fw;

int main(void)
{
    zcu102_board_init(&board, &hal);
    zcu102_debug("zkseq-fw (zcu102): starting");
    fw_cfg_t cfg;
    fw_cfg_defaults(&cfg);
    snprintf(cfg.l1_url, sizeof cfg.l1_url, "%s", ZS_BOARD_L1_URL);
    cfg.l1_chain_id = ZS_BOARD_L1_CHAIN_ID;
    if (zs_hex_decode_exact(cfg.rollup, 20, ZS_BOARD_ROLLUP) || zs_hex_decode_exact(cfg.ger, 20, ZS_BOARD_GER)) {
        zcu102_debug("zkseq-fw: bad built-in contract address");
        for (;;) __asm__ volatile("wfi");
    }
    cfg.console_open = 0;
    if (fw_init(&fw, &hal, &cfg)) {
        zcu102_debug("zkseq-fw: start-up failed (see above); halted");
        for (;;) __asm__ volatile("wfi");
    }
    zcu102_debug(fw.submit.have_key ? "zkseq-fw: running" : "zkseq-fw: running without an L1 key (none provisioned)");
    for (;;) fw_step(&fw, 5);
}
