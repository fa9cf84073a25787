$(call add-objs,zs_lib,zs_keccak.c)
$(call add-objs,zs_lib,zs_keccak_bmi.c zs_keccak_avx2.c,$(AVX2_CFLAGS))
$(call add-objs,zs_lib,zs_keccak_avx512.c,$(AVX512_CFLAGS))
$(call add-unit-test,test_keccak,test_keccak.c,zs_testsupport zs_lib,$(JSON_LIBS))
