/* zs_test: helpers shared by zkseq's cmocka unit tests: where the shared
   vectors are, loading JSON and text files, hex conversion that fails the
   test on bad data.  Test code only; single-threaded. */
#ifndef ZS_TEST_H
#define ZS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

/* zs_test_vectors returns the vectors folder: $ZS_VECTORS, else
   ../shared/vectors relative to the working directory. */
const char *zs_test_vectors(void);

/* zs_test_path returns a static buffer holding vectors/rel. */
const char *zs_test_path(const char *rel);

/* zs_test_load_json parses vectors/rel; fails the current test if it cannot.
   The caller owns the result (json_decref). */
json_t *zs_test_load_json(const char *rel);

/* zs_test_read_file reads a whole file (NUL-terminated; length in *len);
   fails the current test if it cannot.  Caller frees. */
char *zs_test_read_file(const char *path, size_t *len);

/* zs_test_hex decodes hex text (0x optional) into a malloc'd buffer; fails
   the test on bad hex.  Caller frees. */
uint8_t *zs_test_hex(const char *hex, size_t *len);

/* zs_test_hex_eq asserts that bytes[0..n) equal the hex text. */
void zs_test_assert_hex(const uint8_t *bytes, size_t n, const char *hex);

/* A seeded xorshift generator, so randomized tests are reproducible; the seed
   is printed by the test that uses it. */
typedef struct {
    uint64_t s;
} zs_test_rng_t;
uint64_t zs_test_rng_u64(zs_test_rng_t *r);
void zs_test_rng_bytes(zs_test_rng_t *r, uint8_t *out, size_t n);

/* The Keccak team's KAT files (Len / Msg / MD triples) under vectors/rel:
   the byte-aligned entries, malloc'd (zs_test_free_kats). */
typedef struct {
    uint8_t *msg;
    size_t len;
    uint8_t md[32];
} zs_test_kat_t;
zs_test_kat_t *zs_test_load_kats(const char *rel, size_t *count);
void zs_test_free_kats(zs_test_kat_t *kats, size_t n);

/* Children that run threads (RocksDB's, the pool's writer) must not be bare
   forks of a test that has run threads: a fork has none of them, but their
   bookkeeping (RocksDB's background pools) says it does, so a flush queued
   there never runs and a write stalls for good.  zs_test_spawn runs this
   test program again as the child `name` with args (NULL-terminated) and
   returns its pid; main calls zs_test_child first, which runs the child its
   arguments name and exits with what it returns, or returns for a normal
   run. */
typedef struct {
    const char *name;
    int (*run)(char **args); /* args: the strings given to zs_test_spawn */
} zs_test_child_t;
int zs_test_spawn(const char *name, const char *const *args);
void zs_test_child(int argc, char **argv, const zs_test_child_t *children, size_t n);

/* A database's place for one test: zs_test_db_dir makes a new directory
   /tmp/zkseq-test-NAME-XXXXXX and writes into dir its "db" path (which a
   store creates); zs_test_db_dir_remove removes that directory and all in
   it (0, or the shell's status). */
void zs_test_db_dir(const char *name, char *dir, size_t cap);
int zs_test_db_dir_remove(const char *dir);

#endif
