$(call add-bin,zkseq-bench,main.c bench.c bench_hash.c bench_recover.c,zs_lib,$(SECP_LIBS) $(JSON_LIBS) $(OPENSSL_LIBS))
