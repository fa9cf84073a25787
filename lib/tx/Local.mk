$(call add-objs,zs_lib,zs_tx.c zs_tx_blob.c zs_addr.c)
$(call add-unit-test,test_tx,test_tx.c,zs_testsupport zs_lib,$(SECP_LIBS) $(JSON_LIBS))
$(call add-fuzz,fuzz_tx,fuzz_tx.c,zs_lib,$(SECP_LIBS))
