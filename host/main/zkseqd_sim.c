/* build/test/zkseqd-sim: zkseqd with the card's sim backend registered
   (--card sim), for the tests that run the daemon on a modelled card with
   injected faults.  The appliance's zkseqd does not link the model. */
#include "drivers/card/zs_card_sim.h"
#include "host/main/zkseqd.h"

int main(int argc, char **argv)
{
    zs_card_sim_register();
    return zkseqd_main(argc, argv);
}
