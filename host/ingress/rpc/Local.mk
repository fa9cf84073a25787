$(call add-objs,zs_rpc,zs_rpc.c zs_http.c)
$(call add-fuzz,fuzz_rpc,fuzz_rpc.c,zs_rpc zs_node zs_accel zs_pool zs_chain zs_exec zs_state zs_store zs_drivers_card zs_kernels zs_lib,-lmicrohttpd $(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(CARD_LIBS))
