# lib/kzg: KZG commitments and proofs for blobs (EIP-4844, EIP-7594 cells)
# through c-kzg-4844 over blst, from the C sources that npm's c-kzg@4.1.0
# ships (node_modules/c-kzg/deps: pinned in package-lock.json, installed by
# tools/bootstrap with `npm ci --ignore-scripts`).  They are built here with
# their upstream flags, not ours (third-party code keeps its own warnings),
# blst portable with ADX found at run time (__BLST_PORTABLE__); zs_kzg wraps
# them.  The trusted setup is the package's, copied next to the programs.
CKZG_DEPS := node_modules/c-kzg/deps
KZG_INC := -I$(CKZG_DEPS)/blst/bindings -I$(CKZG_DEPS)/c-kzg
KZG_EXT_CFLAGS := -O2 -g -fPIC -fno-builtin -D__BLST_PORTABLE__ $(KZG_INC)
KZG_EXT_OBJS := $(BUILD)/ext/blst/server.o $(BUILD)/ext/blst/assembly.o $(BUILD)/ext/ckzg/ckzg.o
KZG_SETUP := $(BUILD)/share/zkseq/kzg_trusted_setup.txt

$(BUILD)/ext/blst/server.o: $(CKZG_DEPS)/blst/src/server.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(KZG_EXT_CFLAGS) -c -o $@ $<
$(BUILD)/ext/blst/assembly.o: $(CKZG_DEPS)/blst/build/assembly.S
	@mkdir -p $(@D)
	$(say) AS $<
	$(Q)$(CC) $(KZG_EXT_CFLAGS) -c -o $@ $<
$(BUILD)/ext/ckzg/ckzg.o: $(CKZG_DEPS)/c-kzg/ckzg.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(KZG_EXT_CFLAGS) -c -o $@ $<
$(BUILD)/lib/libzs_kzgext.a: $(KZG_EXT_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^
$(KZG_SETUP): $(CKZG_DEPS)/c-kzg/trusted_setup.txt
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(CKZG_DEPS)/%:
	@echo "lib/kzg: $@ is missing: run tools/bootstrap (npm ci installs c-kzg@4.1.0's C sources)" >&2; exit 1
ALL_BINS += $(KZG_SETUP)

# Their headers as system headers: our warnings are for our code.
$(call add-objs,zs_kzg,zs_kzg.c zs_kzg_prep.c zs_kzg_fk20.c,-isystem $(CKZG_DEPS)/blst/bindings -isystem $(CKZG_DEPS)/c-kzg)
KZG_LIBS := zs_kzg zs_kzgext
$(call add-unit-test,test_kzg,test_kzg.c,zs_testsupport $(KZG_LIBS) zs_lib,$(JSON_LIBS))
# test_kzg reads the prepared form's refusals through zs_kzg_priv.h.
$(BUILD)/obj/lib/kzg/test_kzg.o: XCFLAGS += -isystem $(CKZG_DEPS)/blst/bindings -isystem $(CKZG_DEPS)/c-kzg
