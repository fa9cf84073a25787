$(call add-objs,zs_drivers_mbox,zs_mbox.c)
