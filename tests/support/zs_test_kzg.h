/* The KZG trusted setup for cmocka tests that need it (lib/kzg, lib/blob):
   loaded once by the group's setup, freed by its teardown.  Header only,
   so that only the tests that include it link lib/kzg. */
#ifndef ZS_TEST_KZG_H
#define ZS_TEST_KZG_H

#include "lib/kzg/zs_kzg.h"
#include "tests/support/zs_test.h"

static zs_kzg_t *zs_test_kzg;

static int zs_test_kzg_setup(void **state)
{
    (void)state;
    char err[256];
    zs_test_kzg = zs_kzg_open(NULL, 0, err, sizeof err);
    if (!zs_test_kzg) fail_msg("%s", err);
    return 0;
}

static int zs_test_kzg_teardown(void **state)
{
    (void)state;
    zs_kzg_close(zs_test_kzg);
    return 0;
}

#endif
