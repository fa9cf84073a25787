$(call add-objs,zs_lib,zs_frame.c)
$(call add-unit-test,test_frame,test_frame.c,zs_testsupport zs_lib,$(MBEDTLS_LIBS) $(JSON_LIBS))
$(call add-fuzz,fuzz_frame,fuzz_frame.c,zs_lib,$(MBEDTLS_LIBS))
