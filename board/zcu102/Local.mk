# The zcu102 board: zkseq-fw bare metal on the Cortex-A53, built by
# `make firmware-aarch64` with Debian's gcc-aarch64-linux-gnu and picolibc
# (tools/bootstrap installs them, and Debian's arm64 libsecp256k1 archive).
# The core is the same source as the sim board's, without TLS (Debian's arm64
# mbedTLS is configured for Linux: threads, sockets, files).
A64_CC ?= aarch64-linux-gnu-gcc
A64_SECP ?= /usr/lib/aarch64-linux-gnu/libsecp256k1.a
# Absolute: the test builds with BUILD=/abs/path, make test with a relative one,
# and the .d files name their targets as they were built; one spelling keeps
# the header dependencies working both ways.
A64_BUILD := $(abspath $(BUILD))/aarch64
A64_CFLAGS := --specs=picolibc.specs -mcpu=cortex-a53 -std=c11 -O2 -g $(WARN) $(FW_CFLAGS) -I. \
	-DZS_FW_TLS=0 -DZS_SINGLE_THREAD=1
# DDR from 1 MiB: code and read-only data, then 1.75 GiB of RAM (the journal
# lives in RAM until the flash driver exists), a 1 MiB stack.
A64_LDFLAGS := --specs=picolibc.specs -mcpu=cortex-a53 -Wl,--defsym=__flash=0x100000 \
	-Wl,--defsym=__flash_size=0x4000000 -Wl,--defsym=__ram=0x8000000 -Wl,--defsym=__ram_size=0x70000000 \
	-Wl,--defsym=__stack_size=0x100000 -Wl,-Map=$(A64_BUILD)/zkseq-fw.map
A64_SRCS := $(addprefix firmware/,fw_core.c fw_cfg.c fw_log.c fw_journal.c fw_policy.c fw_submit.c fw_blob_none.c fw_rollup.c fw_mbox.c \
	fw_console.c fw_l1.c fw_http.c fw_json.c) \
	$(addprefix lib/,base/zs_err.c base/zs_hex.c base/zs_cpu.c keccak/zs_keccak.c u256/zs_u256.c rlp/zs_rlp.c \
	tx/zs_tx.c tx/zs_addr.c batch/zs_batch.c ring/zs_ring.c policy/zs_batch_policy.c) \
	$(addprefix board/zcu102/,zcu102_hal.c glue.c main.c)
A64_OBJS := $(patsubst %.c,$(A64_BUILD)/obj/%.o,$(A64_SRCS))

$(A64_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC-A64 $<
	$(Q)$(A64_CC) $(A64_CFLAGS) -MMD -MP -c -o $@ $<

$(A64_BUILD)/zkseq-fw.elf: $(A64_OBJS)
	@test -f $(A64_SECP) || { echo "firmware-aarch64: $(A64_SECP) is missing (tools/bootstrap installs libsecp256k1-dev:arm64)" >&2; exit 1; }
	$(say) LINK $@
	$(Q)$(A64_CC) $(A64_LDFLAGS) -o $@ $(A64_OBJS) $(A64_SECP)

.PHONY: firmware-aarch64
firmware-aarch64:
	@command -v $(A64_CC) >/dev/null || { echo "firmware-aarch64: $(A64_CC) not found (Debian: gcc-aarch64-linux-gnu, picolibc-aarch64-linux-gnu; tools/bootstrap installs them)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(A64_BUILD)/zkseq-fw.elf
	@echo "firmware-aarch64: $(A64_BUILD)/zkseq-fw.elf"

# Before the -include: `here` is the last makefile read, and a .d file would
# take its place.
$(call add-integ-test,firmware-aarch64,test_build.mjs)
$(call add-integ-test,firmware-qemu,test_qemu.mjs)
-include $(patsubst %.o,%.d,$(A64_OBJS))
