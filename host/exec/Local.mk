$(call add-objs,zs_exec,zs_exec.c)
