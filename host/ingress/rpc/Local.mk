$(call add-objs,zs_rpc,zs_rpc.c zs_http.c)
