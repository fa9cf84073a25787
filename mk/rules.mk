# Build helpers that each module's Local.mk calls.  A module names its own
# sources, tests and programs in a few lines beside its code; this file turns
# those lines into rules.  Paths given to the helpers are relative to the
# folder of the Local.mk that calls them.
#
#   $(call add-objs,LIB,SRCS[,EXTRA_CFLAGS])    objects into $(BUILD)/lib/libLIB.a
#   $(call add-bin,NAME,SRCS,LIBS[,LDLIBS])      a program in $(BUILD)/bin/NAME
#   $(call add-unit-test,NAME,SRCS,LIBS[,LDLIBS]) a cmocka test run by `make test`
#   $(call add-fuzz,NAME,SRCS,LIBS[,LDLIBS])     a libFuzzer target (clang)
#   $(call add-integ-test,NAME,SCRIPT)           an end-to-end script run by `make test`
#   $(call add-test-bin,NAME,SRCS,LIBS[,LDLIBS]) a program the tests run, in $(BUILD)/test/NAME
#
# LIBS are library names without the lib prefix, most dependent first
# (e.g. "zs_state zs_lib"); the archives are rebuilt when their objects change.

here = $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
obj-of = $(patsubst %.cc,$(BUILD)/obj/%.o,$(patsubst %.c,$(BUILD)/obj/%.o,$(1)))
lib-archives = $(foreach l,$(1),$(BUILD)/lib/lib$(l).a)

define _add-objs
$(1)_OBJS += $(call obj-of,$(2))
ALL_LIBS += $(1)
ALL_OBJS += $(call obj-of,$(2))
$(if $(strip $(3)),$(call obj-of,$(2)): XCFLAGS += $(3))
endef
add-objs = $(eval $(call _add-objs,$(1),$(addprefix $(here)/,$(2)),$(3)))

define _add-bin
ALL_BINS += $(BUILD)/bin/$(1)
ALL_OBJS += $(call obj-of,$(2))
$(BUILD)/bin/$(1): $(call obj-of,$(2)) $(call lib-archives,$(3))
	@mkdir -p $$(@D)
	$$(say) LINK $$@
	$$(Q)$$(LINK) $$(LDFLAGS) -o $$@ $(call obj-of,$(2)) $(call lib-archives,$(3)) $(4) $$(LDLIBS)
endef
add-bin = $(eval $(call _add-bin,$(1),$(addprefix $(here)/,$(2)),$(3),$(4)))

define _add-unit-test
ALL_UNIT_TESTS += $(BUILD)/test/$(1)
ALL_OBJS += $(call obj-of,$(2))
$(BUILD)/test/$(1): $(call obj-of,$(2)) $(call lib-archives,$(3))
	@mkdir -p $$(@D)
	$$(say) LINK $$@
	$$(Q)$$(LINK) $$(LDFLAGS) -o $$@ $(call obj-of,$(2)) $(call lib-archives,$(3)) $(4) -lcmocka $$(LDLIBS)
endef
add-unit-test = $(eval $(call _add-unit-test,$(1),$(addprefix $(here)/,$(2)),$(3),$(4)))

# Fuzz targets are linked only in the fuzz build (`make fuzz`), where every
# object is compiled by clang with -fsanitize=fuzzer-no-link,address,undefined.
define _add-fuzz
ALL_FUZZ += $(1)
ALL_OBJS_FUZZ += $(call obj-of,$(2))
$(BUILD)/fuzz/$(1): $(call obj-of,$(2)) $(call lib-archives,$(3))
	@mkdir -p $$(@D)
	$$(say) LINK $$@
	$$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -fsanitize=fuzzer -o $$@ $(call obj-of,$(2)) $(call lib-archives,$(3)) $(4) $$(LDLIBS)
endef
add-fuzz = $(eval $(call _add-fuzz,$(1),$(addprefix $(here)/,$(2)),$(3),$(4)))

define _add-test-bin
ALL_TEST_BINS += $(BUILD)/test/$(1)
ALL_OBJS += $(call obj-of,$(2))
$(BUILD)/test/$(1): $(call obj-of,$(2)) $(call lib-archives,$(3))
	@mkdir -p $$(@D)
	$$(say) LINK $$@
	$$(Q)$$(LINK) $$(LDFLAGS) -o $$@ $(call obj-of,$(2)) $(call lib-archives,$(3)) $(4) $$(LDLIBS)
endef
add-test-bin = $(eval $(call _add-test-bin,$(1),$(addprefix $(here)/,$(2)),$(3),$(4)))

define _add-integ-test
ALL_INTEG_TESTS += $(1):$(2)
endef
add-integ-test = $(eval $(call _add-integ-test,$(1),$(here)/$(2)))

# Archive rules, generated once every Local.mk is read.
define _lib-rules
$(BUILD)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(say) AR $$@
	$$(Q)$$(AR) rcs $$@ $$^
endef
