$(call add-bin,zkseq-txgen,txgen.c txgen_confirm.c,zs_toolcommon zs_pool zs_store zs_lib,$(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_LIBS))
$(call add-integ-test,udp-ingress,test_udp.mjs)
