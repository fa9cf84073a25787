# host/l1sync: the host's L1 follower (read-only JSON-RPC over libcurl).
$(call add-objs,zs_l1sync,zs_l1sync.c zs_l1read.c zs_l1rpc.c zs_l1abi.c)
$(call add-unit-test,test_l1sync,test_l1sync.c,zs_testsupport zs_l1sync zs_l1view zs_store zs_log zs_fw zs_lib,$(ROCKSDB_LIBS) $(JSON_LIBS) $(CURL_LIBS) $(MBEDTLS_TLS_LIBS) $(SECP_LIBS))
$(call add-integ-test,l1-follow,test_l1_follow.mjs)
$(call add-fuzz,fuzz_l1abi,fuzz_l1abi.c,zs_l1sync zs_lib,$(MBEDTLS_LIBS))
