$(call add-objs,zs_pool,zs_pool.c zs_pool_write.c zs_pool_reason.c zs_plog.c zs_pool_log.c)
$(call add-unit-test,test_pool,test_pool.c,zs_pool zs_store zs_testsupport zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
$(call add-unit-test,test_plog,test_plog.c,zs_pool zs_store zs_testsupport zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
