$(call add-objs,zs_genesis,zs_genesis.c)
$(call add-unit-test,test_genesis,test_genesis.c,zs_testsupport zs_genesis zs_lib,$(JSON_LIBS))
