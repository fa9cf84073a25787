$(call add-objs,zs_store,zs_store.c zs_schema.c)
$(call add-unit-test,test_store,test_store.c,zs_testsupport zs_store zs_lib,$(ROCKSDB_LIBS) $(JSON_LIBS))
