/* The sim board: firmware/hal.h on Linux, so the firmware core runs as an
   ordinary process (zkseq-fw) beside zkseqd.

   UART      a pseudo-terminal; its slave path is printed and written to
             DIR/console (attach with picocom, screen or zkseqctl)
   mailbox   a shared-memory file of ZS_MBOX_SIZE bytes (lib/mbox/zs_mbox_hw.h),
             doorbells as futexes on the doorbell words
   network   BSD sockets with poll() timeouts
   store     DIR/store/, one file per record, written to a temporary file,
             fsync'd, renamed over the old one, directory fsync'd
   key store a file with the 32-byte key as 64 hex digits, refused unless
             its mode is 0600 (or 0400)

   One thread (the firmware core's). */
#ifndef SIM_HAL_H
#define SIM_HAL_H

#include "firmware/hal.h"

typedef struct sim_board sim_board_t;

/* sim_board_open creates DIR (and DIR/store), maps the mailbox file (NULL:
   DIR/mbox) and opens the console pty.  NULL with a sentence in err. */
sim_board_t *sim_board_open(const char *dir, const char *mbox_path, const char *keystore, char *err, size_t errlen);
const zs_hal_t *sim_board_hal(sim_board_t *b);
const char *sim_board_console_path(const sim_board_t *b);
void sim_board_close(sim_board_t *b);

/* sim_keystore_create writes a new random key to path (mode 0600) unless
   one is there; 0 or a negative code with a sentence in err. */
int sim_keystore_create(const char *path, char *err, size_t errlen);
int sim_keystore_read(const char *path, uint8_t key[32], char *err, size_t errlen);

#endif
