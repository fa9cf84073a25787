# zkseqd, and the same daemon with the card's sim backend for the tests.
$(call add-objs,zs_zkseqd,zkseqd.c)
ZKSEQD_LIBS := zs_zkseqd zs_mgmt zs_net zs_config zs_fwlink zs_replica zs_stream zs_dstream zs_l1sync zs_drivers_mbox zs_rpc zs_dpdk zs_udp zs_fe $(NODE_LIBS) zs_lib
ZKSEQD_LDLIBS := $(HTTP_PARSER_LIBS) -lprotobuf-c $(CURL_LIBS) $(ROCKSDB_LIBS) $(MBEDTLS_TLS_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(DPDK_LIBS) $(CARD_LIBS)
$(call add-bin,zkseqd,main.c,$(ZKSEQD_LIBS),$(ZKSEQD_LDLIBS))
$(call add-test-bin,zkseqd-sim,zkseqd_sim.c,zs_card_sim zs_kernels $(ZKSEQD_LIBS),$(ZKSEQD_LDLIBS))
$(call add-integ-test,rpc-ethers,test_rpc_ethers.mjs)
$(call add-integ-test,rpc-cast,test_rpc_cast.mjs)
$(call add-integ-test,rpc-crash,test_rpc_crash.mjs)
$(call add-integ-test,rpc-http,test_rpc_http.mjs)
$(call add-integ-test,rpc-contracts,test_rpc_contracts.mjs)
