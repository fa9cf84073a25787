$(call add-objs,zs_lib,zs_ring.c)
$(call add-unit-test,test_ring,test_ring.c,zs_testsupport zs_lib,$(JSON_LIBS))
