# host/stream: Polygon's zkEVM data stream out of zkseqd: the stream file,
# the writer that follows the chain, the TCP server.
$(call add-objs,zs_stream,zs_dsfile.c zs_dswriter.c zs_dsserver.c)


$(call add-integ-test,stream,test_stream.mjs)
