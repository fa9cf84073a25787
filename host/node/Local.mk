# host/node: the sequencer node (see zs_node.h for its rooms).
$(call add-objs,zs_node,zs_node.c zs_builder.c zs_builder_block.c zs_builder_forced.c zs_builder_replay.c zs_replay.c zs_committer.c zs_batcher.c zs_policyctl.c zs_view.c zs_ejected.c zs_executed.c zs_chaininit.c)
$(call add-unit-test,test_node,test_node.c,zs_testsupport zs_verify $(NODE_LIBS) zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_LIBS) $(CARD_LIBS))
