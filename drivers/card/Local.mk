# drivers/card: the host's API to the hashing card; cpu and sim backends.
$(call add-objs,zs_drivers_card,zs_card.c)
$(call add-unit-test,test_card,test_card.c,zs_testsupport zs_drivers_card zs_kernels zs_lib,$(JSON_LIBS))
