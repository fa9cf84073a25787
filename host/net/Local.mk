$(call add-objs,zs_net,zs_conn.c)
