$(call add-objs,zs_lib,zs_batch_policy.c)
$(call add-unit-test,test_batch_policy,test_batch_policy.c,zs_testsupport zs_lib,$(JSON_LIBS))
