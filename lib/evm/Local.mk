$(call add-objs,zs_evm,zs_vcount.c zs_evm_u256.c zs_evm_world.c zs_evm_interp.c zs_evm_call.c zs_evm_precompile.c zs_evm_memhost.c)
$(call add-unit-test,test_evm,test_evm.c,zs_evm zs_lib,$(SECP_LIBS) $(MBEDTLS_LIBS))
