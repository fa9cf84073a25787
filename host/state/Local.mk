$(call add-objs,zs_state,zs_smt_key.c zs_smt.c)
$(call add-unit-test,test_smt,test_smt.c,zs_testsupport zs_state zs_lib,$(JSON_LIBS))
