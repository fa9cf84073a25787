$(call add-objs,zs_node,zs_node.c zs_replay.c)
$(call add-unit-test,test_node,test_node.c,zs_testsupport $(NODE_LIBS) zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(CARD_LIBS))
