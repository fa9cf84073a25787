$(call add-objs,zs_fwlink,zs_fwlink.c)
