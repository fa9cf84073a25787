$(call add-objs,zs_exec,zs_exec.c zs_exec_info.c zs_exec_evm.c zs_exec_batch.c zs_exec_view.c)
$(call add-unit-test,test_exec_vectors,test_exec_vectors.c,zs_testsupport zs_toolcommon zs_exec zs_evm zs_state zs_genesis zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_LIBS))
