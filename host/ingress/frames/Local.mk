$(call add-objs,zs_fe,zs_fe.c)
