$(call add-bin,zkseq-bench,main.c bench.c bench_evm.c bench_erc20.c bench_hash.c bench_recover.c bench_state.c bench_seq.c bench_restart.c bench_rpc.c bench_ingress.c bench_l1.c bench_l1gas.c bench_l1blob.c bench_card.c bench_blob.c bench_replica.c bench_latency.c,zs_toolcommon zs_dstream zs_fw $(CARD_SIM_LIBS) $(NODE_LIBS) zs_kzg zs_kzgext zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(OPENSSL_LIBS) $(MBEDTLS_TLS_LIBS) $(CARD_LIBS) -lprotobuf-c)
$(call add-integ-test,l1gas,test_l1gas.mjs)
$(call add-integ-test,bench-report,test_report.mjs)
