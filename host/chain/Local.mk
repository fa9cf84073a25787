$(call add-objs,zs_chain,zs_chain.c zs_receipt.c)
$(call add-unit-test,test_chain,test_chain.c,zs_testsupport zs_chain zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
