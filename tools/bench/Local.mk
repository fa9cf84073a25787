$(call add-bin,zkseq-bench,main.c bench.c bench_evm.c bench_erc20.c bench_hash.c bench_recover.c bench_state.c bench_seq.c bench_rpc.c bench_ingress.c bench_l1gas.c bench_card.c,zs_toolcommon zs_fw $(CARD_SIM_LIBS) $(NODE_LIBS) zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(OPENSSL_LIBS) $(MBEDTLS_TLS_LIBS) $(CARD_LIBS))
$(call add-integ-test,l1gas,test_l1gas.mjs)
