# zkseq: top-level build.  `make` builds every program into build/bin/,
# `make test` runs every test, `make run` brings the appliance up.
# Each module describes itself in a Local.mk beside its code (see mk/rules.mk);
# this file only finds those fragments and holds the flags.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Test vectors written by other projects (Polygon zkEVM, Ethereum).  CI clones
# the project with shared/ beside it; point VECTORS elsewhere if yours differs.
VECTORS ?= ../shared/vectors

BUILD ?= build
CC ?= gcc
CXX ?= g++
AR ?= ar
# `make SAN=address,undefined` builds with sanitizers (what `make asan` does).
SAN ?=
# `make FUZZ=1` compiles for libFuzzer (what `make fuzz` does, with clang).
FUZZ ?=

OPT ?= -O2
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS := -std=c11 $(OPT) -g $(WARN) -fno-strict-aliasing -D_GNU_SOURCE -I. $(EXTRA_CFLAGS)
CXXFLAGS := -std=c++17 $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -I.
LDFLAGS :=
LDLIBS := -lpthread -lm
ifneq ($(SAN),)
CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
CXXFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
endif
ifneq ($(FUZZ),)
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -DZS_FUZZING=1
LDFLAGS += -fsanitize=address,undefined
endif
LINK = $(CC)

# Flags for the SIMD variants; each is only ever called after a run-time check.
AVX2_CFLAGS := -mavx2 -mbmi -mbmi2
AVX512_CFLAGS := -mavx2 -mavx512f -mavx512vl -mavx512dq -mavx512bw -mbmi -mbmi2

# External libraries (Debian 12 packages installed by tools/bootstrap).
SECP_LIBS := -lsecp256k1
JSON_LIBS := -ljansson
OPENSSL_LIBS := -lcrypto
ROCKSDB_LIBS := -lrocksdb
MBEDTLS_LIBS := -lmbedcrypto
MBEDTLS_TLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto
CURL_LIBS := -lcurl
HTTP_PARSER_LIBS := -lhttp_parser
# Firmware status and log lines are cut to their fixed buffers on purpose
# (a gcc warning: clang, which builds the fuzz targets, has no such option).
FW_CFLAGS := $(if $(filter clang%,$(notdir $(CC))),,-Wno-format-truncation)
# The card's xrt backend is built where XRT's headers are (Debian's
# libxrt-dev); elsewhere `--card xrt` says the build has no XRT.  XRT loads
# its device shim (the card's driver, or the noop shim) from $XILINX_XRT/lib.
XRT_HEADER := $(wildcard /usr/include/xrt/xrt/xrt_device.h)
ifneq ($(XRT_HEADER),)
XRT_CFLAGS := -DZS_HAS_XRT=1
XRT_LIBS := -lxrt_coreutil -luuid -lstdc++
endif
# Everything that links drivers/card links these.
CARD_LIBS := $(XRT_LIBS)
# The sequencer node and what it is made of, most dependent first, for the
# programs and tests that link it (add zs_lib after them).
NODE_LIBS := zs_node zs_l1view zs_accel zs_pool zs_chain zs_exec zs_evm zs_state zs_genesis zs_store zs_metrics zs_log zs_drivers_card zs_kzg zs_kzgext
# The card's sim backend (fpga/kernels' C) and the noop-shim xclbin writer:
# tests and tools link them before NODE_LIBS; zkseqd does not.
CARD_SIM_LIBS := zs_card_sim zs_xclbin zs_kernels zs_kzg zs_kzgext
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)

include mk/rules.mk
LOCAL_MKS := $(sort $(wildcard */Local.mk */*/Local.mk */*/*/Local.mk))
include $(LOCAL_MKS)
$(foreach l,$(sort $(ALL_LIBS)),$(eval $(call _lib-rules,$(l))))

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n'
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(say) CXX $<
	$(Q)$(CXX) $(CXXFLAGS) $(XCFLAGS) -MMD -MP -c -o $@ $<

-include $(patsubst %.o,%.d,$(sort $(ALL_OBJS) $(ALL_OBJS_FUZZ)))

.PHONY: all bins unit-bins fuzz-bins test test-long unit asan fuzz fuzz-smoke bench bench-report bootstrap clean run help

all: bins
bins: $(ALL_BINS)
unit-bins: $(ALL_UNIT_TESTS) $(ALL_TEST_BINS)
fuzz-bins: $(addprefix $(BUILD)/fuzz/,$(ALL_FUZZ))

# The test runner gets everything it needs through the environment.
RUN_ENV = ZS_VECTORS=$(abspath $(VECTORS)) ZS_BIN=$(abspath $(BUILD)/bin) ZS_TEST_BIN=$(abspath $(BUILD)/test) ZS_TOP=$(CURDIR) \
          ZS_FUZZ_BIN=$(abspath build-fuzz/fuzz)
FUZZ_MAKE = $(MAKE) -s --no-print-directory BUILD=build-fuzz CC=clang FUZZ=1

# Long end-to-end suites that mostly wait on L1's clock: run beside the rest,
# from the start, each word a lane of its own ('+' joins suites run in turn).
TEST_BESIDE := l1-faults l1-follow+l1-tls+l1-e2e+l1-forced+l1gas+l1-contracts+l1-blob-contracts+rpc-contracts+replica+zkseqctl+bench-report+ethers-tx

bootstrap:
	@tools/bootstrap

# The fuzz build runs while the unit tests do (one core each); tests/run
# waits for it before the fuzz smoke (--fuzz-build RC-FILE).
# The build before the tests uses every core (JOBS) unless make was given -j.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TEST_BUILD_J = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS))
test: bootstrap
	@$(MAKE) -s --no-print-directory $(TEST_BUILD_J) bins unit-bins
	@mkdir -p build-fuzz; rm -f build-fuzz/build.rc; \
	  ($(FUZZ_MAKE) fuzz-bins >build-fuzz/build.log 2>&1; echo $$? >build-fuzz/build.rc) & \
	  $(RUN_ENV) tests/run --unit "$(ALL_UNIT_TESTS)" --fuzz "$(ALL_FUZZ)" --fuzz-seconds 3 \
	    --fuzz-build build-fuzz/build.rc --integ "$(ALL_INTEG_TESTS)" --beside "$(TEST_BESIDE)"

# The large vector sets beyond `make test`: Ethereum's tests-30M and
# stTimeConsuming as Polygon converted them (host/exec/test_exec_vectors).
test-long: bootstrap bins unit-bins
	@$(RUN_ENV) ZS_EVM_LONG=1 tests/run --unit "$(BUILD)/test/test_exec_vectors"

# Unit tests only (fast).
unit: bins unit-bins
	@$(RUN_ENV) tests/run --unit "$(ALL_UNIT_TESTS)"

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=address,undefined unit

fuzz: bootstrap
	@$(FUZZ_MAKE) fuzz-bins
	@$(RUN_ENV) tests/run --fuzz "$(ALL_FUZZ)" --fuzz-seconds $(or $(FUZZ_SECONDS),60)

bench: bootstrap bins
	tools/bench/run $(BENCH_ARGS)

# The lab report: the benchmarks, then build/bench/report.html from their
# JSON, with the previous run (kept as results-DATE.json) laid beside;
# BENCH_EARLIER="a.json b.json" lays others.
BENCH_DIR := $(BUILD)/bench
bench-report: bootstrap bins
	@mkdir -p $(BENCH_DIR)
	@if [ -f $(BENCH_DIR)/results.json ]; then \
	  d=$$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).date||"earlier")' $(BENCH_DIR)/results.json); \
	  mv $(BENCH_DIR)/results.json "$(BENCH_DIR)/results-$$d.json"; fi
	tools/bench/run --json $(BENCH_DIR)/results.json $(BENCH_ARGS)
	@earlier="$(BENCH_EARLIER)"; [ -n "$$earlier" ] || earlier=$$(ls $(BENCH_DIR)/results-*.json 2>/dev/null | sort | tail -1); \
	  node tools/bench/report.mjs $(BENCH_DIR)/report.html $(BENCH_DIR)/results.json $$(for f in $$earlier; do echo --earlier $$f; done)

clean:
	rm -rf build build-asan build-fuzz

# The whole appliance on this machine: the L1 devnet, zkseq-fw, zkseqd.
run: bootstrap bins
	@exec tools/run-appliance

help:
	@echo "make            build every program into $(BUILD)/bin/"
	@echo "make test       install what is missing, build, run every test (unit, fuzz smoke, end to end)"
	@echo "make test-long  the large EVM vector sets (tests-30M, stTimeConsuming)"
	@echo "make unit       unit tests only;  make asan: the same under AddressSanitizer and UBSan"
	@echo "make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench      run zkseq-bench (BENCH_ARGS=... to choose suites)"
	@echo "make bench-report  the benchmarks, then build/bench/report.html (plots; the previous run beside)"
	@echo "make run        bring the appliance up on this machine"
