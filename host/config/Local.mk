# host/config: zkseqd's configuration schema and the effective configuration.
$(call add-objs,zs_config,zs_config.c)
$(call add-unit-test,test_config,test_config.c,zs_testsupport zs_config zs_lib,$(JSON_LIBS))
$(call add-fuzz,fuzz_config,fuzz_config.c,zs_config zs_lib,$(JSON_LIBS))
