$(call add-objs,zs_toolcommon,zs_httpc.c zs_execinput.c zs_udpstamp.c)
