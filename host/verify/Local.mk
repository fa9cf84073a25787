$(call add-objs,zs_verify,zs_verify.c)
