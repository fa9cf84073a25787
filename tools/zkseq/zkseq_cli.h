/* Shared pieces of the `zkseq` command-line tool: argument helpers, JSON
   output, failure.  Every command prints JSON on stdout; errors go to stderr
   and the exit status is 1 (2 for a missing hardware backend).  Tool code:
   single-threaded, may exit. */
#ifndef ZKSEQ_CLI_H
#define ZKSEQ_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "host/accel/zs_accel.h"
#include "host/genesis/zs_genesis.h"
#include "host/state/zs_smt.h"
#include "lib/tx/zs_tx.h"
#include "lib/u256/zs_u256.h"

/* cli_fail prints "zkseq: <message>" to stderr and exits with status 1. */
__attribute__((noreturn, format(printf, 1, 2))) void cli_fail(const char *fmt, ...);

/* cli_print writes j (then frees it) as indented JSON plus a newline. */
void cli_print(json_t *j);

/* Parsers that fail the command with a message naming what was wrong. */
uint8_t *cli_hex(const char *what, const char *text, size_t *len);  /* malloc'd */
void cli_hex_exact(const char *what, const char *text, uint8_t *out, size_t n);
uint64_t cli_u64(const char *what, const char *text);
zs_u256_t cli_u256(const char *what, const char *text);
void cli_addr(const char *what, const char *text, uint8_t out[20]);

/* A genesis object (Polygon's format) through host/genesis's parser;
   fails the command with what and the reason.  The caller frees it. */
zs_genesis_t *cli_genesis(const char *what, json_t *g);

/* JSON value helpers. */
json_t *cli_json_hex(const uint8_t *p, size_t n); /* "0x..." */
json_t *cli_json_u256(const zs_u256_t *v);       /* decimal string */
json_t *cli_json_u64(uint64_t v);                /* decimal string */
json_t *cli_json_addr(const uint8_t a[20]);      /* EIP-55 */

/* cli_tx_json describes a decoded transaction with ethers.js's field names
   (and JSON-RPC's gas/input alongside); includes from when sender is not
   NULL. */
json_t *cli_tx_json(const zs_tx_t *tx, const uint8_t *sender);

/* The hashing card the commands that hash go through: --card BACKEND
   (auto, cpu, sim, xrt) and --card-xclbin FILE anywhere on the command
   line open it (every batch then goes to the card, whatever its size: the
   tool is for checking); without --card, NULL: lib/ on the CPU.  A card
   asked for and missing ends the command with status 2. */
void cli_card_open(int *argc, char **argv);
zs_accel_t *cli_accel(void);
/* A hasher for zs_smt / zs_state through the card, or NULL. */
const zs_smt_hasher_t *cli_hasher(void);
/* keccak256 of one message through the card (or lib/). */
void cli_keccak(const uint8_t *p, size_t n, uint8_t out[32]);

/* Subcommands. */
int cmd_keccak(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_poseidon(int argc, char **argv);
int cmd_tx(int argc, char **argv);
int cmd_smt(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_card(int argc, char **argv);
int cmd_blob(int argc, char **argv);
int cmd_stream(int argc, char **argv);

#endif
