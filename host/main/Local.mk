$(call add-bin,zkseqd,zkseqd.c,zs_rpc zs_node zs_pool zs_chain zs_exec zs_state zs_store zs_lib,-lmicrohttpd $(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
