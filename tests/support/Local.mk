# Helpers for the unit tests (not part of any product binary).
$(call add-objs,zs_testsupport,zs_test.c zs_test_xrt.c zs_fuzz_node.c)
