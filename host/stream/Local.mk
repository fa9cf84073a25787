# host/stream: Polygon's zkEVM data stream out of zkseqd: the stream file,
# the writer that follows the chain, the TCP server.
$(call add-objs,zs_stream,zs_dsfile.c zs_dswriter.c zs_dsserver.c)
$(call add-unit-test,test_stream,test_stream.c,zs_testsupport zs_stream zs_dstream zs_log zs_lib,-lprotobuf-c)
$(call add-integ-test,stream,test_stream.mjs)
$(call add-unit-test,test_dswriter,test_dswriter.c,zs_testsupport zs_stream zs_dstream $(NODE_LIBS) zs_lib,-lprotobuf-c $(ROCKSDB_LIBS) $(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_LIBS) $(CARD_LIBS))
