$(call add-bin,zkseq-bench,main.c bench.c bench_hash.c bench_recover.c bench_state.c bench_seq.c bench_rpc.c bench_ingress.c bench_l1gas.c,zs_toolcommon zs_node zs_accel zs_pool zs_chain zs_exec zs_state zs_store zs_fw zs_drivers_card zs_kernels zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(OPENSSL_LIBS) $(MBEDTLS_TLS_LIBS) $(CARD_LIBS))
$(call add-integ-test,l1gas,test_l1gas.mjs)
