# drivers/card: the host's API to the hashing card; cpu, sim and xrt backends.
# zs_card_xrt.cc is the only C++ in zkseq: XRT's API throws, and it catches.
$(call add-objs,zs_drivers_card,zs_card.c zs_card_batch.c zs_xclbin.c,$(XRT_CFLAGS))
ifneq ($(XRT_HEADER),)
$(call add-objs,zs_drivers_card,zs_card_xrt.cc,$(XRT_CFLAGS) -I/usr/include/xrt)
endif
$(call add-unit-test,test_card,test_card.c,zs_testsupport zs_drivers_card zs_kernels zs_lib,$(JSON_LIBS) $(CARD_LIBS))
$(call add-unit-test,test_card_xrt,test_card_xrt.c,zs_testsupport zs_drivers_card zs_kernels zs_lib,$(JSON_LIBS) $(CARD_LIBS))
$(BUILD)/obj/drivers/card/test_card_xrt.o: XCFLAGS += $(XRT_CFLAGS)
