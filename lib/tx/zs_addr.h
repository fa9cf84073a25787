/* zs_addr: Ethereum addresses as text (EIP-55 mixed-case checksums).
   Pure functions; any thread. */
#ifndef ZS_ADDR_H
#define ZS_ADDR_H

#include <stdint.h>

#include "lib/base/zs_err.h"

#define ZS_ADDR_TEXT 43 /* "0x" + 40 digits + NUL */

/* zs_addr_parse reads "0x" + 40 hex digits.  All-lower or all-upper case is
   accepted as is; mixed case must carry a valid EIP-55 checksum
   (ZS_ERR_CRYPTO otherwise, since it usually means a typo).  Anything else
   is ZS_ERR_PARSE. */
ZS_MUST_USE int zs_addr_parse(uint8_t out[20], const char *s);

/* zs_addr_format writes the EIP-55 checksummed form into out[ZS_ADDR_TEXT]. */
void zs_addr_format(const uint8_t addr[20], char *out);

/* zs_addr_from_pubkey: the last 20 bytes of keccak256 of the 64-byte
   uncompressed public key (without its 0x04 prefix). */
void zs_addr_from_pubkey(const uint8_t pub64[64], uint8_t out[20]);

#endif
