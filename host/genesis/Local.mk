$(call add-objs,zs_genesis,zs_genesis.c)
$(call add-unit-test,test_genesis,test_genesis.c,zs_testsupport zs_genesis zs_lib,$(JSON_LIBS))
$(call add-fuzz,fuzz_genesis,fuzz_genesis.c,zs_genesis zs_lib,$(JSON_LIBS))
