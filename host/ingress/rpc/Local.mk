$(call add-objs,zs_rpc,zs_rpc.c zs_rpc_values.c zs_rpc_eth.c zs_rpc_zkevm.c zs_rpc_evm.c zs_rpc_logs.c zs_rpc_trace.c zs_rpc_l1.c zs_rpc_zkevm_blocks.c zs_http.c zs_httpd.c zs_rpc_sync.c zs_rpc_feed.c)
$(call add-fuzz,fuzz_rpc,fuzz_rpc.c,zs_rpc zs_net zs_testsupport $(NODE_LIBS) zs_lib,$(HTTP_PARSER_LIBS) $(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_TLS_LIBS) $(CARD_LIBS))
$(call add-unit-test,test_httpd,test_httpd.c,zs_rpc zs_testsupport zs_lib,$(HTTP_PARSER_LIBS))
$(call add-fuzz,fuzz_httpd,fuzz_httpd.c,zs_rpc zs_lib,$(HTTP_PARSER_LIBS))
