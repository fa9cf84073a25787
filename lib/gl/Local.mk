$(call add-objs,zs_lib,zs_gl.c)
$(call add-objs,zs_lib,zs_gl_avx2.c,$(AVX2_CFLAGS))
$(call add-objs,zs_lib,zs_gl_avx512.c,$(AVX512_CFLAGS))
$(call add-unit-test,test_gl,test_gl.c,zs_testsupport zs_lib,$(JSON_LIBS))
