$(call add-objs,zs_lib,zs_poseidon.c zs_poseidon_constants.c zs_poseidon_bytes.c)
$(call add-objs,zs_lib,zs_poseidon_avx2.c,$(AVX2_CFLAGS))
$(call add-objs,zs_lib,zs_poseidon_avx512.c,$(AVX512_CFLAGS))
$(call add-unit-test,test_poseidon,test_poseidon.c,zs_testsupport zs_lib,$(JSON_LIBS))
