# host/mgmt: the management port (line JSON, for zkseqctl) and the metrics port
# (Prometheus text), plain on loopback or TLS with a token beyond it.
$(call add-objs,zs_mgmt,zs_mgmt.c zs_mgmt_cmd.c zs_mgmt_metrics.c zs_sampler.c)
$(call add-fuzz,fuzz_mgmt,fuzz_mgmt.c,zs_mgmt zs_net zs_config zs_testsupport zs_fwlink zs_replica zs_stream zs_dstream zs_l1sync zs_drivers_mbox zs_rpc zs_dpdk zs_udp zs_fe $(NODE_LIBS) zs_lib,$(HTTP_PARSER_LIBS) -lprotobuf-c $(CURL_LIBS) $(ROCKSDB_LIBS) $(MBEDTLS_TLS_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(DPDK_LIBS) $(CARD_LIBS))
