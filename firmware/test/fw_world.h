/* fw_world: the world the firmware's unit tests run in, shared by test_fw
   and test_fw_blob: one fake board (RAM store, fake clock, mailbox in RAM),
   one fake L1 node, the firmware under test, its configuration, and the
   helpers that seal batches, run the main loop, mine, play the host's side
   of the mailbox and inject crashes.  Test code; single thread. */
#ifndef FW_WORLD_H
#define FW_WORLD_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/fw.h"
#include "firmware/test/fake_hal.h"
#include "firmware/test/fake_l1.h"
#include "lib/mbox/zs_mbox_hw.h"
#include "lib/ring/zs_ring.h"

extern fake_l1_t L1;
extern fake_hal_t F;
extern fw_t FW;
extern fw_cfg_t CFG;
extern uint8_t ROLLUP[20], GER[20], SEQ[20];
extern const uint8_t COINBASE[20];

/* Crash injection: with crash_armed, the fake board's store (after
   crash_after_puts more writes) or network (after crash_after_sends more
   sends) long-jumps to crash_jmp. */
extern jmp_buf crash_jmp;
extern int crash_armed;
extern long crash_after_puts, crash_after_sends;
extern uint64_t crashes;
/* The fake board's own store write (never crashes). */
extern int (*real_put)(void *, const char *, const void *, size_t);

void setup_world(void);
int setup(void **state);
int teardown(void **state);
void boot(void);
/* Runs the main loop for ms of fake time. */
void run(uint64_t ms);

/* A sealed batch of len pseudo-random bytes (a function of number and len)
   in batch_data; seal journals it as the host link would. */
extern uint8_t batch_data[FW_BATCH_MAX];
void make_batch(uint64_t number, size_t len, fw_batch_t *b);
void seal(uint64_t number, size_t len);
/* Mines blocks, running the firmware 600 ms after each. */
void mine(int blocks);
/* Seals batches 1..3 (700 bytes each) and runs the firmware a second, in
   which it sends them. */
void seal_three(void);
/* Batches 1..upto each sequenced once, and nothing after. */
void assert_once(uint64_t upto);
int has_alarm(const char *needle);
int has_log(const char *needle);

/* The host's side of the mailbox. */
typedef struct {
    zs_ring_t cmd, evt;
} host_t;
void host_attach(host_t *h);
void host_beat(void);
/* Drains events; returns how many of type were seen, the last into out. */
int host_events(host_t *h, uint16_t want, void *out, size_t outlen);
void host_send_batch(host_t *h, uint64_t number, size_t len, int corrupt);

#endif
