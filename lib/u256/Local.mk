$(call add-objs,zs_lib,zs_u256.c)
$(call add-unit-test,test_u256,test_u256.c,zs_testsupport zs_lib,$(JSON_LIBS))
