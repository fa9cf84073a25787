# drivers/card: the host's API to the hashing card (zs_card), the queue over
# a backend's table of functions; the cpu and xrt backends.  The xrt backend's
# XRT calls are zs_xrt.cc, the only C++ in zkseq (XRT's API throws; it
# catches).  The sim backend (the kernels' C behind a PCIe model, with
# faults) and the noop-shim xclbin writer are libraries of their own, for
# tests and tools: zkseqd links neither.
$(call add-objs,zs_drivers_card,zs_card.c zs_card_cpu.c zs_card_xrt.c zs_card_batch.c,$(XRT_CFLAGS))
ifneq ($(XRT_HEADER),)
$(call add-objs,zs_drivers_card,zs_xrt.cc,$(XRT_CFLAGS) -I/usr/include/xrt)
endif
$(call add-objs,zs_card_sim,zs_card_sim.c)
$(call add-objs,zs_xclbin,zs_xclbin.c,$(XRT_CFLAGS))
$(call add-unit-test,test_card,test_card.c,zs_testsupport $(CARD_SIM_LIBS) zs_drivers_card zs_kzg zs_kzgext zs_lib,$(JSON_LIBS) $(CARD_LIBS))
$(call add-unit-test,test_card_xrt,test_card_xrt.c,zs_testsupport $(CARD_SIM_LIBS) zs_drivers_card zs_kzg zs_kzgext zs_lib,$(JSON_LIBS) $(CARD_LIBS))
$(BUILD)/obj/drivers/card/test_card_xrt.o: XCFLAGS += $(XRT_CFLAGS)
