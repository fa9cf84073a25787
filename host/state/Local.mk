$(call add-objs,zs_state,zs_hashpool.c zs_smt_key.c zs_smt_path.c zs_smt_page.c zs_smt.c zs_smt_evict.c zs_prefetch.c zs_statedb.c zs_statedb_upgrade.c zs_state.c)
$(call add-unit-test,test_smt,test_smt.c,zs_testsupport zs_state zs_genesis zs_lib,$(JSON_LIBS))
$(call add-unit-test,test_state,test_state.c,zs_testsupport zs_state zs_genesis zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
$(call add-unit-test,test_prefetch,test_prefetch.c,zs_testsupport zs_state zs_genesis zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
