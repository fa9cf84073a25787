/* zs_card_sim: a model of the card, for tests and tools (zkseq,
   zkseq-bench, build/test/zkseqd-sim), never linked into zkseqd.  The
   kernel C of fpga/kernels runs on worker threads behind separate "device"
   memory, with a host-to-card and a card-to-host copy per job timed by a
   PCIe model (zs_card_sim_opts_t: bandwidth, latency), and the faults a
   real card can have, injected every Nth job: an error, a job that never
   completes, a damaged completion record, wrong outputs.

   Thread safety: register once before opening; zs_card_sim_inject from any
   thread. */
#ifndef ZS_CARD_SIM_H
#define ZS_CARD_SIM_H

#include <stdint.h>

#include "drivers/card/zs_card.h"

/* zs_card_sim_register makes "sim" a backend zs_card_open knows. */
void zs_card_sim_register(void);

/* zs_card_sim_inject changes a sim card's faults from now on (counting
   jobs afresh; 0 = none); a card of another backend is left alone. */
void zs_card_sim_inject(zs_card_t *c, uint32_t fail_every, uint32_t hang_every, uint32_t corrupt_every,
                        uint32_t wrong_every);

#endif
