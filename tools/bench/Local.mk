$(call add-bin,zkseq-bench,main.c bench.c bench_hash.c bench_recover.c bench_state.c,zs_state zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(OPENSSL_LIBS))
