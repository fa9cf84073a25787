$(call add-objs,zs_udp,zs_udp.c)
