/* zkseqd: the daemon as a function, so that the program (main.c) and the
   test build with the card's sim backend (build/test/zkseqd-sim) are the
   same daemon.  Returns the exit status (zkseqd.c says which). */
#ifndef ZKSEQD_H
#define ZKSEQD_H

int zkseqd_main(int argc, char **argv);

#endif
