# host/accel: the host's hashing through the card (drivers/card), checked
# against the CPU, falling back to it.
$(call add-objs,zs_accel,zs_accel.c zs_accel_json.c)
$(call add-unit-test,test_accel,test_accel.c,zs_testsupport $(CARD_SIM_LIBS) zs_accel zs_state zs_drivers_card zs_kzg zs_kzgext zs_lib,$(JSON_LIBS) $(CARD_LIBS))
$(BUILD)/obj/host/accel/test_accel.o: XCFLAGS += $(XRT_CFLAGS)
$(call add-integ-test,card-e2e,test_card_e2e.mjs)
