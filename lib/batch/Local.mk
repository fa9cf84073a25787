$(call add-objs,zs_lib,zs_batch.c)
$(call add-unit-test,test_batch,test_batch.c,zs_testsupport zs_lib,$(SECP_LIBS) $(JSON_LIBS))
$(call add-fuzz,fuzz_batch,fuzz_batch.c,zs_lib,$(SECP_LIBS))
