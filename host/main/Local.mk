$(call add-bin,zkseqd,zkseqd.c,zs_rpc zs_node zs_pool zs_chain zs_exec zs_state zs_store zs_lib,-lmicrohttpd $(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS))
$(call add-integ-test,rpc-ethers,test_rpc_ethers.mjs)
$(call add-integ-test,rpc-cast,test_rpc_cast.mjs)
