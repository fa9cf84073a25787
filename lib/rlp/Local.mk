$(call add-objs,zs_lib,zs_rlp.c)
$(call add-unit-test,test_rlp,test_rlp.c,zs_testsupport zs_lib,$(JSON_LIBS))
$(call add-fuzz,fuzz_rlp,fuzz_rlp.c,zs_lib)
