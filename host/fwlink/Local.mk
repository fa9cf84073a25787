$(call add-objs,zs_fwlink,zs_fwlink.c zs_fwkzg.c)
