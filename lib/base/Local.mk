$(call add-objs,zs_lib,zs_err.c zs_hex.c zs_cpu.c zs_slab.c zs_hmap.c zs_grow.c)
$(call add-unit-test,test_base,test_base.c,zs_testsupport zs_lib,$(JSON_LIBS))
