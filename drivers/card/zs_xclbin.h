/* zs_xclbin: an xclbin that carries zkseq_card's metadata and no bitstream:
   the memory topology, the compute units (fpga/zkseq_card.cfg), their
   connectivity and the kernels' arguments.  It is what XRT's noop shim
   needs to open and run the kernels without a card: a fixture for tests
   and tools (`zkseq card xclbin-shell`), not linked into zkseqd.  Any
   thread. */
#ifndef ZS_XCLBIN_H
#define ZS_XCLBIN_H

#include <stddef.h>
#include <stdint.h>

/* zs_card_xclbin_shell builds the image in malloc'd memory: 0, or
   ZS_ERR_NOMEM / ZS_ERR_UNSUPPORTED (a build without XRT's headers). */
int zs_card_xclbin_shell(uint8_t **image, size_t *len);

#endif
