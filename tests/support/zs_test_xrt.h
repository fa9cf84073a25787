/* zs_test_xrt: running XRT without a card in unit tests.

   XRT's noop shim (XCL_EMULATION_MODE=noop) is loaded from $XILINX_XRT/lib;
   Debian installs XRT's libraries in the multiarch folder, so a test makes
   a folder whose lib/ links them.  XRT keeps process-wide state from its
   first call, so each XRT scenario runs in a child process. */
#ifndef ZS_TEST_XRT_H
#define ZS_TEST_XRT_H

#include <stddef.h>

/* zs_test_xrt_dir makes /tmp/zs-xrt-PID/lib with links to the libxrt*
   files beside the libxrt_coreutil this program loaded; fails the test
   where there is none.  The folder's path goes to out. */
void zs_test_xrt_dir(char *out, size_t outlen);
void zs_test_xrt_dir_remove(const char *dir);

/* zs_test_in_child runs fn in a child process and returns its exit status;
   fails the test if the child dies of a signal. */
int zs_test_in_child(int (*fn)(void));

/* Sets XILINX_XRT=dir and XCL_EMULATION_MODE=noop (in this process). */
void zs_test_xrt_noop_env(const char *dir);

#endif
