# lib/dstream: Polygon's zkEVM data stream (framing, datastream.proto's
# messages through protobuf-c).  protoc-c (Debian protobuf-c-compiler) makes
# the message code from datastream.proto into $(BUILD)/gen at build time;
# only zs_dstream.c includes it.
DS_GEN := $(BUILD)/gen/lib/dstream
PROTOBUF_C_LIBS := -lprotobuf-c
$(DS_GEN)/datastream.pb-c.c $(DS_GEN)/datastream.pb-c.h: lib/dstream/datastream.proto
	@mkdir -p $(BUILD)/gen
	$(say) PROTOC-C $<
	$(Q)protoc-c --c_out=$(BUILD)/gen -I. $<
$(BUILD)/obj/gen/lib/dstream/datastream.pb-c.o: $(DS_GEN)/datastream.pb-c.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/gen -w -c -o $@ $<
$(call add-objs,zs_dstream,zs_dstream.c zs_dsclient.c,-I$(BUILD)/gen)
$(call obj-of,lib/dstream/zs_dstream.c): | $(DS_GEN)/datastream.pb-c.h
zs_dstream_OBJS += $(BUILD)/obj/gen/lib/dstream/datastream.pb-c.o
$(call add-unit-test,test_dstream,test_dstream.c,zs_testsupport zs_dstream zs_lib,$(PROTOBUF_C_LIBS) $(JSON_LIBS))
$(call add-fuzz,fuzz_dstream,fuzz_dstream.c,zs_dstream zs_lib,$(PROTOBUF_C_LIBS))
