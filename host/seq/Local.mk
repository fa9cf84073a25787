$(call add-objs,zs_node,zs_node.c zs_replay.c)
$(call add-unit-test,test_node,test_node.c,zs_node zs_accel zs_pool zs_chain zs_exec zs_state zs_store zs_testsupport zs_drivers_card zs_kernels zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(CARD_LIBS))
