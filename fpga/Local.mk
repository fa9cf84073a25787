# fpga/: the card's kernels in HLS C.  Built here with gcc (the C simulation
# and the `sim` card backend run this very code); Vitis builds the same files
# into an xclbin (fpga/Makefile: `make -C fpga xclbin`).  HLS pragmas are
# unknown to gcc, which is the point: they are silent here.
HLS_CFLAGS := -Wno-unknown-pragmas
$(call add-objs,zs_kernels,kernels/poseidon_gl.c kernels/keccak256.c kernels/ntt_gl.c kernels/msm_g1.c kernels/fft_g1.c,$(HLS_CFLAGS))
$(call add-unit-test,test_kernels,tb/test_kernels.c,zs_testsupport zs_kernels zs_lib,$(JSON_LIBS))
$(BUILD)/obj/fpga/tb/test_kernels.o: XCFLAGS += $(HLS_CFLAGS)
$(call add-unit-test,test_msm,tb/test_msm.c,zs_testsupport zs_kernels zs_kzg zs_kzgext zs_lib,$(JSON_LIBS))
$(BUILD)/obj/fpga/tb/test_msm.o: XCFLAGS += $(HLS_CFLAGS)
$(call add-unit-test,test_fk20,tb/test_fk20.c,zs_testsupport zs_kernels zs_kzg zs_kzgext zs_lib,$(JSON_LIBS) $(MBEDTLS_LIBS))
$(BUILD)/obj/fpga/tb/test_fk20.o: XCFLAGS += $(HLS_CFLAGS) -isystem node_modules/c-kzg/deps/blst/bindings
